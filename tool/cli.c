/* Shared pieces of the subcommands (tool/cli.h). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qfota/audit.h"
#include "qfota/error.h"
#include "qfota/fota.h"
#include "qfota/exitcode.h"

static volatile sig_atomic_t cancel_flag;
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

static void on_signal(int sig)
{
	(void)sig;
	cancel_flag = 1;
	usbxfer_cancel_all();
}

void cli_signals_install(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A dropped SSH session (SIGHUP) or Ctrl-\ (SIGQUIT) would otherwise
	 * kill qfota with the interface claimed and the driver unbound. */
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

const volatile sig_atomic_t *cli_cancel_flag(void) { return &cancel_flag; }

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

unsigned *cli_timeout_field(struct fota_timeouts *t, int opt)
{
	switch (opt) {
	case OPT_T_COMMAND: return &t->command_ms;
	case OPT_T_START: return &t->start_ms;
	case OPT_T_STALL: return &t->stall_ms;
	case OPT_T_DOWNLOAD: return &t->download_ms;
	case OPT_T_UPDATE_START: return &t->update_start_ms;
	case OPT_T_UPDATE_GAP: return &t->update_gap_ms;
	case OPT_T_REBOOT: return &t->reboot_ms;
	case OPT_T_TOTAL: return &t->total_ms;
	default: return NULL;
	}
}

const char *cli_audit_path(const char *log_opt)
{
	const char *env = getenv("QFOTA_AUDIT_LOG");

	if (log_opt)
		return log_opt;
	if (env)
		return *env ? env : NULL;
	return audit_default_path();
}

int cli_job_option(const char *cmd, const struct option *opts, int opt, const char *arg, struct fota_job *job,
		   int *n_sources)
{
	unsigned *field = cli_timeout_field(&job->timeouts, opt);
	char name[40];
	int v;

	if (field) {
		if (cli_parse_seconds(arg, field) < 0 || *field == 0) {
			cli_usage_error(cmd, "%s wants a number of seconds > 0 (got '%s')",
					cli_option_name(opts, opt, name, sizeof(name)), arg);
			return -1;
		}
		return 1;
	}
	switch (opt) {
	case OPT_URL:
	case OPT_UPLOAD:
		job->source = opt == OPT_URL ? FOTA_SOURCE_URL : FOTA_SOURCE_UPLOAD;
		*(opt == OPT_URL ? &job->url : &job->package_path) = arg;
		(*n_sources)++;
		return 1;
	case OPT_UPLOAD_NAME: job->upload_name = arg; return 1;
	case OPT_APN: job->apn = arg; return 1;
	case OPT_EXPECT: job->expect_revision = arg; return 1;
	case OPT_CID:
		if (cli_parse_int(arg, 1, 16, &job->cid) == 0)
			return 1;
		cli_usage_error(cmd, "--cid wants a PDP context ID 1-16 (got '%s')", arg);
		return -1;
	case OPT_MODE:
		if (cli_parse_int(arg, 0, 1, &job->upgrade_mode) == 0)
			return 1;
		cli_usage_error(cmd, "--upgrade-mode wants 0 or 1 (got '%s')", arg);
		return -1;
	case OPT_DL_URCS:
	case OPT_UP_URCS:
		if (cli_parse_int(arg, 0, 100, &v) < 0 || (v > 0 && v < 5)) {
			cli_usage_error(cmd, "%s wants 0 or 5-100 (got '%s'; the seeds allow no other)",
					cli_option_name(opts, opt, name, sizeof(name)), arg);
			return -1;
		}
		*(opt == OPT_DL_URCS ? &job->download_urc_max : &job->update_urc_max) = v;
		return 1;
	default:
		return 0;
	}
}
