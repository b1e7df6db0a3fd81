/* What the subcommands of `qfota` share (tool/cli.c); not a public header. */
#ifndef QFOTA_CLI_H
#define QFOTA_CLI_H

#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "qfota/fota.h"
#include "qfota/report.h"
#include "qfota/usbxfer.h"

/* The same selectors in every subcommand (dfu-util/lsusb style). */
struct cli_select {
	const char *port;   /* -p/--port 1-4.2 */
	const char *serial; /* -s/--serial */
	const char *model;  /* -m/--model EC200U */
	uint16_t vid, pid;  /* -d/--device 2c7c:0901 */
};

#define CLI_SELECT_SHORT "p:s:m:d:"
#define CLI_SELECT_LONG                                                                                      \
	{ "port", required_argument, NULL, 'p' }, { "serial", required_argument, NULL, 's' },               \
	{ "model", required_argument, NULL, 'm' }, { "device", required_argument, NULL, 'd' }
#define CLI_SELECT_HELP                                                                                      \
	"  -p, --port PORT        the module on USB port PORT (e.g. 1-4.2; see qfota list)\n"               \
	"  -d, --device VID:PID   modules with this USB ID (e.g. 2c7c:0901)\n"                             \
	"  -s, --serial SERIAL    the module with this USB serial number\n"                                \
	"  -m, --model MODEL      modules of this model (e.g. EC200U)\n"

/* The options of one upgrade job, shared by upgrade, follow, station and
 * auto: one enum, one table fragment, one timeout mapping. */
enum {
	OPT_URL = 256, OPT_UPLOAD, OPT_UPLOAD_NAME, OPT_CID, OPT_APN, OPT_EXPECT, OPT_MODE, OPT_DL_URCS,
	OPT_UP_URCS, OPT_JSON, OPT_LOG, OPT_POLICY, OPT_ALL, OPT_WAIT, OPT_T_COMMAND, OPT_T_START, OPT_T_STALL,
	OPT_T_DOWNLOAD, OPT_T_UPDATE_START, OPT_T_UPDATE_GAP, OPT_T_REBOOT, OPT_T_TOTAL, OPT_URL_FILE, OPT_SHA256,
	OPT_RETRIES, OPT_PLAN, OPT_METRICS, OPT_WATCH, OPT_T_READY, OPT_UFS_PATH,
};

#define CLI_JOB_LONG                                                                                         \
	{ "url", required_argument, NULL, OPT_URL }, { "upload", required_argument, NULL, OPT_UPLOAD },     \
	{ "url-file", required_argument, NULL, OPT_URL_FILE },                                            \
	{ "upload-name", required_argument, NULL, OPT_UPLOAD_NAME },                                      \
	{ "ufs-path", required_argument, NULL, OPT_UFS_PATH },                                            \
	{ "cid", required_argument, NULL, OPT_CID }, { "apn", required_argument, NULL, OPT_APN },           \
	{ "expect", required_argument, NULL, OPT_EXPECT },                                                \
	{ "sha256", required_argument, NULL, OPT_SHA256 },                                                \
	{ "upgrade-mode", required_argument, NULL, OPT_MODE },                                            \
	{ "download-urcs", required_argument, NULL, OPT_DL_URCS },                                        \
	{ "update-urcs", required_argument, NULL, OPT_UP_URCS }, { "json", no_argument, NULL, OPT_JSON },  \
	{ "log", required_argument, NULL, OPT_LOG },                                                      \
	{ "timeout-command", required_argument, NULL, OPT_T_COMMAND },                                    \
	{ "timeout-start", required_argument, NULL, OPT_T_START },                                        \
	{ "timeout-stall", required_argument, NULL, OPT_T_STALL },                                        \
	{ "timeout-download", required_argument, NULL, OPT_T_DOWNLOAD },                                  \
	{ "timeout-update-start", required_argument, NULL, OPT_T_UPDATE_START },                          \
	{ "timeout-update-gap", required_argument, NULL, OPT_T_UPDATE_GAP },                              \
	{ "timeout-reboot", required_argument, NULL, OPT_T_REBOOT },                                      \
	{ "timeout-total", required_argument, NULL, OPT_T_TOTAL },                                        \
	{ "timeout-ready", required_argument, NULL, OPT_T_READY }

struct fota_timeouts;
/* The field of t that a --timeout-* option sets, or NULL if opt is none. */
unsigned *cli_timeout_field(struct fota_timeouts *t, int opt);
/* Handles one of the job options every upgrading subcommand shares (the
 * package source, --cid/--apn, --expect, --upgrade-mode, --*-urcs,
 * --timeout-*); opts is the caller's table, for option names. Returns 1 if
 * opt was one (job and *n_sources updated), 0 if not, -1 after a usage error
 * (already printed). */
int cli_job_option(const char *cmd, const struct option *opts, int opt, const char *arg, struct fota_job *job,
		   int *n_sources);

/* A job with fota_job_init's defaults and the process's cancel flag. */
void cli_job_init(struct fota_job *job, enum fota_source source);
/* What goes together (--cid with --apn), and the URL of --url-file read (the
 * file checked: this user's, mode 0600): 0, or the usage error's exit code
 * (already printed). */
int cli_job_check(const char *cmd, struct fota_job *job);
/* The --timeout-* lines of a help text, each with its default. */
void cli_print_timeout_help(FILE *f);

/* --log, else $QFOTA_AUDIT_LOG ("" = off), else the default when root. */
const char *cli_audit_path(const char *log_opt);

/* Handles a selector option; returns 1 if opt was one, 0 if not, -1 after a
 * usage error (already printed). */
int cli_select_option(const char *cmd, int opt, const char *arg, struct cli_select *sel);
/* The command line of a subcommand that takes selectors, --json and --help
 * alone (list, info). Returns -1 to go on, else the exit code to return
 * (help printed: 0; a usage error, printed: 2). */
int cli_parse_select_only(const char *cmd, int argc, char **argv, const char *help, struct cli_select *sel,
			  bool *json);
/* Resolves the selection to exactly one module; on failure prints why and how
 * to choose, and returns the exit code (2); 0 on success. */
int cli_select_one(const char *cmd, const struct cli_select *sel, struct usbxfer_module *ret);

/* Prints "qfota CMD: <message>" and "Try 'qfota CMD --help'." to stderr;
 * returns QFOTA_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "--url" for the long option whose val is opt (from opts), else "-c":
 * what the user typed, for error messages (argv[optind - 1] may be its value). */
struct option;
const char *cli_option_name(const struct option *opts, int opt, char *buf, size_t cap);

/* SIGINT, SIGTERM, SIGHUP and SIGQUIT set qfota's one cancel flag
 * (usbxfer_cancel_all); the code paths then release every module and give
 * its driver back (signals.c). */
void cli_signals_install(void);
/* That flag, for a job's cancel and udev's waits. */
const volatile sig_atomic_t *cli_cancel_flag(void);

/* Parses seconds ("30", "0.5") into milliseconds. Returns 0 or -EINVAL. */
int cli_parse_seconds(const char *s, unsigned *ret_ms);
int cli_parse_int(const char *s, int min, int max, int *ret);

/* Global options, set by main before dispatch. */
struct cli_global {
	bool json;
	bool quiet;
};
const struct cli_global *cli_global(void);
void cli_global_set(const struct cli_global *g);

int cmd_list(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_upgrade(int argc, char **argv);
int cmd_follow(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_station(int argc, char **argv);
int cmd_auto(int argc, char **argv);

#endif
