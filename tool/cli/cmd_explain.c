/* qfota explain CODE: what a module's error code means, in each family. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "qfota/codes.h"
#include "qfota/exitcode.h"

static const char help[] =
	"Usage: qfota explain CODE [--family ec200u|dfota]\n"
	"\n"
	"Explains an error code that a module reported (+QIND: \"FOTA\",\"END\",<err>, FTPEND,\n"
	"HTTPEND, FILEEND) in plain words, for each module family whose tables hold it:\n"
	"  ec200u  EC200U/EG915U (FOTA application note: FOTA, FTP, HTTP(S), data call)\n"
	"  dfota   EC25/EG25/EP06/EG06/EM06 (DFOTA user guide)\n"
	"Some codes (502, 510) mean different things in the two families.\n";

int cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = { { "family", required_argument, NULL, 'f' },
					      { "help", no_argument, NULL, 'h' }, { 0 } };
	struct codes_explanation e[CODES_EXPLAIN_MAX];
	const char *family = NULL;
	char line[600];
	int opt, code, n;

	optind = 0; /* 0, not 1: glibc then forgets main's "+" (stop at the first non-option) */
	while ((opt = getopt_long(argc, argv, "hf:", opts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(help, stdout);
			return QFOTA_EXIT_OK;
		}
		if (opt == 'f') {
			family = optarg;
			continue;
		}
		return cli_usage_error("explain", "unknown option");
	}
	if (optind != argc - 1)
		return cli_usage_error("explain", "give one error code, such as 510");
	if (cli_parse_int(argv[optind], 0, 99999, &code) < 0)
		return cli_usage_error("explain", "'%s' is not an error code (a number such as 510)", argv[optind]);
	if (family) {
		enum fota_family f;

		if (fota_family_from_string(family, &f) < 0)
			return cli_usage_error("explain", "unknown family '%s' (ec200u or dfota)", family);
		if (codes_explain(f, URC_EVENT_UNKNOWN, code, &e[0]) < 0)
			return QFOTA_EXIT_FAILED;
		n = 1;
	} else {
		n = codes_explain_all(code, e, CODES_EXPLAIN_MAX);
		if (n < 0)
			return QFOTA_EXIT_FAILED;
	}
	for (int i = 0; i < n; i++) {
		codes_explanation_format(&e[i], line, sizeof(line));
		puts(line);
	}
	return QFOTA_EXIT_OK;
}
