/* The options of one upgrade job, shared by upgrade, follow, station and
 * auto (tool/cli/cli.h): one handler, one set of defaults (fota_job_init),
 * one check of what goes together, one help text for the deadlines, and the
 * audit log's path. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "qfota/audit.h"
#include "qfota/fota.h"

/* The --timeout-* options: what each bounds (its default comes from
 * fota_timeouts_default, never written twice). */
static const struct {
	int opt;
	const char *name;
	const char *what;
} timeout_opts[] = {
	{ OPT_T_COMMAND, "timeout-command", "final result of an AT command" },
	{ OPT_T_START, "timeout-start", "start of the download after AT+QFOTADL" },
	{ OPT_T_STALL, "timeout-stall", "the module takes no data" },
	{ OPT_T_DOWNLOAD, "timeout-download", "end of the download" },
	{ OPT_T_UPDATE_START, "timeout-update-start", "START after the download or a reboot" },
	{ OPT_T_UPDATE_GAP, "timeout-update-gap", "between update progress reports" },
	{ OPT_T_REBOOT, "timeout-reboot", "the module back on its port after a reboot" },
	{ OPT_T_READY, "timeout-ready", "the module answering after it enumerated" },
	{ OPT_T_TOTAL, "timeout-total", "the whole upgrade" },
};

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
	case OPT_T_READY: return &t->ready_ms;
	default: return NULL;
	}
}

void cli_print_timeout_help(FILE *f)
{
	struct fota_timeouts t;

	fota_timeouts_default(&t);
	for (size_t i = 0; i < sizeof(timeout_opts) / sizeof(timeout_opts[0]); i++) {
		char opt[40];

		snprintf(opt, sizeof(opt), "--%s S", timeout_opts[i].name);
		fprintf(f, "  %-23s %s (default %u)\n", opt, timeout_opts[i].what,
			*cli_timeout_field(&t, timeout_opts[i].opt) / 1000);
	}
}

void cli_job_init(struct fota_job *job, enum fota_source source)
{
	fota_job_init(job, source);
	job->cancel = cli_cancel_flag();
}

int cli_job_check(const char *cmd, const struct fota_job *job)
{
	if (job->cid && !job->apn)
		return cli_usage_error(cmd, "--cid comes with --apn");
	if (job->apn && !job->cid)
		return cli_usage_error(cmd, "--apn comes with --cid");
	return 0;
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
	case OPT_UFS_PATH: job->ufs_path = arg; return 1;
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
