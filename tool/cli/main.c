/* qfota: the command-line dispatcher. It parses the global options and hands
 * the rest to one subcommand; each subcommand parses its own options. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "qfota/exitcode.h"
#include "qfota/log.h"

#ifndef QFOTA_VERSION
#define QFOTA_VERSION "0.1.0"
#endif

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} verbs[] = {
	{ "list", cmd_list, "list Quectel modules: port, USB ID, model, AT interface, driver" },
	{ "info", cmd_info, "model, firmware revision and IMEI of one module" },
	{ "upgrade", cmd_upgrade, "upgrade one module (FILE stream, --url, or --upload)" },
	{ "follow", cmd_follow, "follow a module that is already upgrading to the end" },
	{ "station", cmd_station, "upgrade many modules at once (--all, -p ..., --policy)" },
	{ "auto", cmd_auto, "apply the policy to the module on one port (run by udev/systemd)" },
	{ "explain", cmd_explain, "what a module's error code means" },
};

static void print_help(void)
{
	printf("Usage: qfota [-v|-q] [--json] COMMAND [OPTIONS]\n\n"
	       "Upgrades the firmware of Quectel LTE modules over USB with AT+QFOTADL.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		printf("  %-9s %s\n", verbs[i].name, verbs[i].summary);
	printf("\nGlobal options:\n"
	       "  -v, --verbose   more detail on stderr (twice: AT traffic and libusb)\n"
	       "  -q, --quiet     only warnings, errors and results\n"
	       "  --json          machine-readable output (JSON lines on stdout)\n"
	       "  -V, --version   print the version\n"
	       "  -h, --help      this help; 'qfota COMMAND --help' for a command\n"
	       "\nExit codes:\n");
	for (int c = 0; c <= QFOTA_EXIT_STILL_UPDATING; c++)
		printf("  %3d  %s\n", c, qfota_exit_to_string(c));
	printf("  %3d  %s\n", QFOTA_EXIT_INTERRUPTED, qfota_exit_to_string(QFOTA_EXIT_INTERRUPTED));
	printf("\nEnvironment: QFOTA_LOG=debug|info|warn|error, NO_COLOR.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' }, { "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },    { "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },    { 0 },
	};
	struct cli_global g = { 0 };
	int opt, verbose = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	qfota_log_level_from_env();
	/* '+': stop at the first non-option, the subcommand */
	while ((opt = getopt_long(argc, argv, "+vqjVh", opts, NULL)) != -1) {
		switch (opt) {
		case 'v': verbose++; break;
		case 'q': g.quiet = true; break;
		case 'j': g.json = true; break;
		case 'V': printf("qfota %s\n", QFOTA_VERSION); return QFOTA_EXIT_OK;
		case 'h': print_help(); return QFOTA_EXIT_OK;
		default: return cli_usage_error(NULL, "unknown option");
		}
	}
	if (verbose)
		qfota_log_set_level(verbose > 1 ? QFOTA_LOG_DEBUG : QFOTA_LOG_INFO);
	if (g.quiet)
		qfota_log_set_level(QFOTA_LOG_WARN);
	cli_global_set(&g);
	if (optind >= argc)
		return cli_usage_error(NULL, "no command given");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(argv[optind], verbs[i].name) == 0) {
			cli_signals_install();
			return verbs[i].run(argc - optind, argv + optind);
		}
	}
	return cli_usage_error(NULL, "unknown command '%s'", argv[optind]);
}
