/* The module selectors every subcommand takes (-p, -s, -m, -d) and their
 * resolution to one module (tool/cli/cli.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "qfota/error.h"
#include "qfota/exitcode.h"

int cli_select_option(const char *cmd, int opt, const char *arg, struct cli_select *sel)
{
	switch (opt) {
	case 'p':
		sel->port = arg;
		return 1;
	case 's':
		sel->serial = arg;
		return 1;
	case 'm':
		sel->model = arg;
		return 1;
	case 'd':
		if (usbxfer_vidpid_parse(arg, &sel->vid, &sel->pid) < 0) {
			cli_usage_error(cmd, "-d wants VID:PID in hex, such as 2c7c:0901 (got '%s')", arg);
			return -1;
		}
		return 1;
	default:
		return 0;
	}
}

int cli_select_one(const char *cmd, const struct cli_select *sel, struct usbxfer_module *ret)
{
	struct usbxfer_select s = { .port = sel->port, .serial = sel->serial, .model = sel->model,
				    .vid = sel->vid, .pid = sel->pid };
	struct usbxfer_module *all = NULL;
	size_t n = 0;
	int r = usbxfer_discover(&s, &all, &n);

	if (r < 0) {
		fprintf(stderr, "qfota %s: cannot list USB devices: %s\n", cmd, qfota_strerror(r));
		return QFOTA_EXIT_FAILED;
	}
	if (n == 1) {
		*ret = all[0];
		free(all);
		return 0;
	}
	if (n == 0) {
		if (sel->port)
			fprintf(stderr, "qfota %s: no Quectel module on port %s. Run 'qfota list' to see the modules.\n",
				cmd, sel->port);
		else
			fprintf(stderr, "qfota %s: no Quectel module found%s. Is it plugged in, and may you open it "
				"(see README: udev rules)?\n", cmd, sel->serial || sel->model || sel->vid ? " that matches" : "");
	} else {
		fprintf(stderr, "qfota %s: %zu modules match; choose one with --port:\n", cmd, n);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "  --port %-10s %04x:%04x %s\n", all[i].port, all[i].vid, all[i].pid,
				all[i].model_name);
	}
	free(all);
	return QFOTA_EXIT_USAGE;
}

int cli_parse_select_only(const char *cmd, int argc, char **argv, const char *help, struct cli_select *sel,
			  bool *json)
{
	static const struct option opts[] = { CLI_SELECT_LONG, { "json", no_argument, NULL, 'j' },
					      { "help", no_argument, NULL, 'h' }, { 0 } };
	int opt, r;

	optind = 0; /* 0, not 1: glibc then forgets main's "+" (stop at the first non-option) */
	while ((opt = getopt_long(argc, argv, "hj" CLI_SELECT_SHORT, opts, NULL)) != -1) {
		r = cli_select_option(cmd, opt, optarg, sel);
		if (r < 0)
			return QFOTA_EXIT_USAGE;
		if (r > 0)
			continue;
		if (opt == 'h') {
			fputs(help, stdout);
			return QFOTA_EXIT_OK;
		}
		if (opt == 'j') {
			*json = true;
			continue;
		}
		return cli_usage_error(cmd, "unknown option");
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	return -1;
}
