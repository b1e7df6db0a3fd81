/* What every subcommand shares: the global options, the usage error, the
 * names of options (tool/cli/cli.h). */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"
#include "qfota/exitcode.h"

static struct cli_global global;

const struct cli_global *cli_global(void) { return &global; }
void cli_global_set(const struct cli_global *g) { global = *g; }

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "qfota%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'qfota%s%s --help'.\n", cmd ? " " : "", cmd ? cmd : "");
	return QFOTA_EXIT_USAGE;
}

const char *cli_option_name(const struct option *opts, int opt, char *buf, size_t cap)
{
	for (size_t i = 0; opts && opts[i].name; i++)
		if (opts[i].val == opt) {
			snprintf(buf, cap, "--%s", opts[i].name);
			return buf;
		}
	snprintf(buf, cap, "-%c", opt);
	return buf;
}
