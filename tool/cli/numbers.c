/* Numbers on the command line: seconds and bounded integers (tool/cli/cli.h). */
#include <errno.h>
#include <stdlib.h>

#include "cli.h"

int cli_parse_seconds(const char *s, unsigned *ret_ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < 0 || v > 86400.0)
		return -EINVAL;
	*ret_ms = (unsigned)(v * 1000.0 + 0.5);
	return 0;
}

int cli_parse_int(const char *s, int min, int max, int *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}
