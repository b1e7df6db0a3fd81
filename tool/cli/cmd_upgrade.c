/* qfota upgrade / qfota follow */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qfota/audit.h"
#include "qfota/error.h"
#include "qfota/exitcode.h"
#include "qfota/fota.h"

static const char upgrade_help[] =
	"Usage: qfota upgrade [SELECTOR] PACKAGE\n"
	"       qfota upgrade [SELECTOR] --url URL|--url-file FILE [--cid N --apn APN]\n"
	"       qfota upgrade [SELECTOR] --upload PACKAGE\n"
	"\n"
	"Upgrades one module's firmware with AT+QFOTADL and follows it to the end:\n"
	"  PACKAGE         stream the package over USB (FILE mode; EC200U-class modules)\n"
	"  --url URL       the module downloads it: ftp://user:pass@host[:port]/file (root\n"
	"                  directory only), http://host[:port]/path or https://...; at most\n"
	"                  255 bytes, user, password, host and path at most 50 each\n"
	"  --url-file FILE the URL from FILE's first line, so that a password is not on\n"
	"                  the command line (seen by every local user); FILE must be\n"
	"                  yours and mode 0600\n"
	"  --upload PACKAGE  copy it to the module's file system with AT+QFUPL, then\n"
	"                  update from there (DFOTA; EC25/EG25/EP06-class modules)\n"
	"\n"
	"Module:\n" CLI_SELECT_HELP
	"\n"
	"Options:\n"
	"  --expect REV            succeed only if the module then reports revision REV\n"
	"  --cid N --apn APN       set up PDP context N for the URL download (AT+QICSGP)\n"
	"  --upload-name NAME      file name on the module (default dfota_update.bin)\n"
	"  --sha256 HEX            the package's SHA-256 (64 hex digits, as sha256sum prints\n"
	"                          it): checked before anything is sent (exit 2 if it\n"
	"                          differs), and the bytes are hashed as they are sent\n"
	"  --ufs-path DIR          where the module keeps that file (default: /data/ufs,\n"
	"                          then /cache/ufs if the module refuses it)\n"
	"  --upgrade-mode 0|1      1: update right after the download (default);\n"
	"                          0: update at the module's next reboot\n"
	"  --download-urcs N       download progress reports, 0 or 5-100 (default 50)\n"
	"  --update-urcs N         update progress reports, 0 or 5-100 (default 100)\n"
	"  --retries N             try a failure before the update began (exit 5) again,\n"
	"                          up to N times (0-10, default 0), after a pause\n";
/* then the --timeout-* lines (cli_print_timeout_help), then: */
static const char upgrade_help_tail[] =
	"  --json                  one JSON event per line on stdout; the last is the result\n"
	"  --log FILE              append one JSON line per attempt to FILE (default when\n"
	"                          root: " AUDIT_DEFAULT_PATH "; QFOTA_AUDIT_LOG overrides,\n"
	"                          empty turns it off)\n"
	"  -h, --help              this help\n"
	"\n"
	"Ctrl-C during the download stops cleanly: the module is released and its kernel\n"
	"driver given back. During the update qfota never touches the module: Ctrl-C only\n"
	"stops following it (resume with qfota follow). Exit codes: see qfota --help.\n";

static const char follow_help[] =
	"Usage: qfota follow [SELECTOR] [--expect REV] [--json] [--timeout-... S]\n"
	"\n"
	"Attaches to a module that is already upgrading (after a Ctrl-C, or an upgrade\n"
	"started by something else), follows its reports and reboots to the end, and\n"
	"says whether it worked. Sends nothing to the module until it has finished.\n"
	"\n"
	"Module:\n" CLI_SELECT_HELP
	"\n"
	"Options: --expect REV, --json and the --timeout-* options of qfota upgrade.\n";

static int run(int argc, char **argv, bool follow)
{
	static const struct option opts[] = {
		CLI_SELECT_LONG,
		CLI_JOB_LONG,
		{ "retries", required_argument, NULL, OPT_RETRIES },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *cmd = follow ? "follow" : "upgrade";
	struct fota_job job;
	struct cli_select sel = { 0 };
	struct usbxfer_module module;
	struct report_result res;
	struct reporter *rep = NULL;
	bool json = cli_global()->json;
	const char *log_opt = NULL, *log_path;
	int opt, r, n_sources = 0, retries = 0;
	char name[40];

	cli_job_init(&job, follow ? FOTA_SOURCE_FOLLOW : FOTA_SOURCE_FILE);
	optind = 0; /* 0, not 1: glibc then forgets main's "+" (stop at the first non-option) */
	while ((opt = getopt_long(argc, argv, "h" CLI_SELECT_SHORT, opts, NULL)) != -1) {
		r = cli_select_option(cmd, opt, optarg, &sel);
		if (r < 0)
			return QFOTA_EXIT_USAGE;
		if (r > 0)
			continue;
		if (follow && (opt == OPT_URL || opt == OPT_URL_FILE || opt == OPT_UPLOAD || opt == OPT_CID ||
			       opt == OPT_APN || opt == OPT_MODE || opt == OPT_DL_URCS || opt == OPT_UP_URCS ||
			       opt == OPT_UPLOAD_NAME || opt == OPT_SHA256 || opt == OPT_UFS_PATH))
			return cli_usage_error(cmd, "follow sends nothing to the module: %s does not apply",
					       cli_option_name(opts, opt, name, sizeof(name)));
		r = cli_job_option(cmd, opts, opt, optarg, &job, &n_sources);
		if (r < 0)
			return QFOTA_EXIT_USAGE;
		if (r > 0)
			continue;
		if (opt == OPT_RETRIES && !follow) {
			if (cli_parse_int(optarg, 0, 10, &retries) < 0)
				return cli_usage_error(cmd, "--retries wants 0-10 (got '%s')", optarg);
			continue;
		}
		switch (opt) {
		case 'h':
			if (follow) {
				fputs(follow_help, stdout);
			} else {
				fputs(upgrade_help, stdout);
				cli_print_timeout_help(stdout);
				fputs(upgrade_help_tail, stdout);
			}
			return QFOTA_EXIT_OK;
		case OPT_JSON: json = true; break;
		case OPT_LOG: log_opt = optarg; break;
		default:
			return cli_usage_error(cmd, "unknown option");
		}
	}
	if (!follow && optind < argc) {
		job.package_path = argv[optind++];
		n_sources++;
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (!follow && n_sources == 0)
		return cli_usage_error(cmd, "what to upgrade with? Give a PACKAGE file, --url URL or --upload PACKAGE");
	if (n_sources > 1)
		return cli_usage_error(cmd, "give only one of PACKAGE, --url and --upload");
	if ((r = cli_job_check(cmd, &job)) != 0)
		return r;

	if (reporter_new(report_style_pick(stderr, json), stdout, stderr, &rep) < 0)
		return QFOTA_EXIT_FAILED;
	reporter_set_quiet(rep, cli_global()->quiet);
	job.reporter = rep;
	/* Bad input is refused before anything is sent to any module, and before
	 * a module is even looked for. */
	if (fota_job_check(&job, &res) < 0) {
		fprintf(stderr, "qfota %s: %s\n", cmd, res.message);
		reporter_free(rep);
		return QFOTA_EXIT_USAGE;
	}
	/* follow --port P: the module may be rebooting right now; fota_run waits
	 * for it on that port. Otherwise the selection must name one module. */
	if (follow && sel.port && !sel.serial && !sel.model && !sel.vid) {
		job.port = sel.port;
	} else {
		r = cli_select_one(cmd, &sel, &module);
		if (r != 0) {
			reporter_free(rep);
			return r;
		}
		job.port = module.port;
	}
	log_path = cli_audit_path(log_opt);
	for (int attempt = 0;; attempt++) {
		fota_run(&job, &res);
		if (log_path) { /* one line per attempt */
			r = audit_append(log_path, job.port, &res, 0);
			if (r < 0)
				fprintf(stderr, "qfota %s: warning: cannot append to the audit log %s: %s\n", cmd,
					log_path, qfota_strerror(r));
		}
		if (attempt >= retries || !fota_result_retryable(&res))
			break;
		reporter_say(rep, job.port, true, "failed before the update began (exit %d): retry %d of %d in %d s",
			     res.exit_code, attempt + 1, retries, FOTA_RETRY_PAUSE_MS / 1000);
		if (fota_retry_pause(job.cancel) < 0)
			break;
	}
	reporter_free(rep);
	return res.exit_code;
}

int cmd_upgrade(int argc, char **argv) { return run(argc, argv, false); }
int cmd_follow(int argc, char **argv) { return run(argc, argv, true); }
