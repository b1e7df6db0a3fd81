/* The options of one upgrade job, shared by upgrade, follow, station and
 * auto (tool/cli/cli.h): one handler, one set of defaults (fota_job_init),
 * one check of what goes together, one help text for the deadlines, and the
 * audit log's path. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "qfota/audit.h"
#include "qfota/exitcode.h"
#include "qfota/cleanup.h"
#include "qfota/fota.h"
#include "qfota/url.h"

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

/* --url-file FILE: the URL (with its credentials) from a file, so that the
 * password is not on the command line, where every local user can read it
 * (/proc/PID/cmdline) and the shell keeps it (issue 16.2). Like curl's
 * --netrc-file or ssh's keys, the file must be this user's (or root's) and
 * neither readable nor writable by anyone else. Grammar: the URL on the first
 * line, a final "\n" or "\r\n" allowed, nothing after it. Read by
 * cli_job_check, after the options (so that --help anywhere still wins). The
 * URL lives in one static buffer until exit: one job per process. */
static char url_from_file[URL_MAX + 3];
static const char *url_file_path;

static int url_file_read(const char *cmd, const char *path, const char **ret_url)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	char buf[sizeof(url_from_file) + 1];
	struct stat st;
	ssize_t n;
	size_t len;

	if (fd < 0 || fstat(fd, &st) < 0)
		return cli_usage_error(cmd, "--url-file %s: cannot read it: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return cli_usage_error(cmd, "--url-file %s: not a regular file", path);
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return cli_usage_error(cmd, "--url-file %s: owned by uid %u, not by you: it holds your password",
				       path, (unsigned)st.st_uid);
	if (st.st_mode & 0077)
		return cli_usage_error(cmd, "--url-file %s: other users may %s it (mode %04o), and it holds a "
				       "password: chmod 0600 %s", path, st.st_mode & 0066 ? "read or change" : "use",
				       (unsigned)(st.st_mode & 07777), path);
	n = read(fd, buf, sizeof(buf));
	if (n < 0)
		return cli_usage_error(cmd, "--url-file %s: cannot read it: %s", path, strerror(errno));
	len = (size_t)n;
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len == 0)
		return cli_usage_error(cmd, "--url-file %s: empty; write the URL on its first line", path);
	if (len > URL_MAX)
		return cli_usage_error(cmd, "--url-file %s: longer than a URL may be (%d bytes)", path, URL_MAX);
	if (memchr(buf, '\n', len) || memchr(buf, '\0', len))
		return cli_usage_error(cmd, "--url-file %s: one URL on one line, nothing else", path);
	memcpy(url_from_file, buf, len);
	url_from_file[len] = '\0';
	explicit_bzero(buf, sizeof(buf));
	*ret_url = url_from_file;
	return 0;
}

int cli_job_check(const char *cmd, struct fota_job *job)
{
	if (url_file_path && job->source == FOTA_SOURCE_URL && job->url == url_file_path &&
	    url_file_read(cmd, url_file_path, &job->url) != 0)
		return QFOTA_EXIT_USAGE; /* url_file_read said why */
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
	case OPT_URL_FILE: /* the path for now: cli_job_check reads it */
		job->url = url_file_path = arg;
		job->source = FOTA_SOURCE_URL;
		(*n_sources)++;
		return 1;
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
	case OPT_SHA256: job->sha256 = arg; return 1;
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
