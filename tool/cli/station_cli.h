/* What `qfota station` and `qfota auto` share (tool/station_cli.c): their
 * options, the policy loading, the view set-up and the run. Not public. */
#ifndef QFOTA_STATION_CLI_H
#define QFOTA_STATION_CLI_H

#include <stdbool.h>

#include "cli.h"
#include "qfota/fota.h"
#include "qfota/policy.h"

struct station_cli {
	struct fota_job job;       /* template; package/URL/upload when given */
	int n_sources;             /* PACKAGE, --url, --upload given */
	const char **ports;        /* -p/--port, in order (malloc'd array, strings borrowed) */
	size_t n_ports;
	bool all;                  /* --all */
	struct cli_select filter;  /* -m/-d/-s (port unused) */
	const char *policy_path;   /* --policy, else NULL */
	const char *log_opt;       /* --log */
	bool json;
	unsigned wait_ms;          /* auto: --wait */
	int retries;               /* --retries (default 1) */
	bool plan;                 /* station --plan */
	const char *metrics_path;  /* station --metrics FILE */
	bool watch;                /* station --watch */
};

/* Parses argv of cmd ("station" or "auto"). Returns 0, -1 after --help
 * (printed; exit 0), or QFOTA_EXIT_USAGE after a usage error (printed). */
int station_cli_parse(const char *cmd, const char *help, bool auto_mode, int argc, char **argv,
		      struct station_cli *ret);
void station_cli_clear(struct station_cli *c);

/* Loads and checks the policy (each rule's package as well). On failure
 * prints "qfota CMD: FILE:LINE: reason" and returns QFOTA_EXIT_USAGE. */
int station_cli_policy(const char *cmd, const char *path, const struct fota_job *tmpl, struct policy **ret);


/* qfota station --plan on ports: the plan on stdout; returns 0 when every
 * module would be upgraded or is at its target, else 1. */
int station_cli_plan(const struct station_cli *c, const struct policy *policy, const char *const *ports,
		     size_t n);

/* Runs the station on ports (with c->watch: watches them, or every module
 * matching c->filter when n == 0, until cancelled) with the view for the output: JSON events on
 * stdout with json; else a live table on a terminal (stderr), plain lines
 * otherwise; results and summary on `data` (stdout; stderr for auto, whose
 * journal reads both). Returns the station's exit code. */
int station_cli_run(const char *cmd, const struct station_cli *c, const struct policy *policy,
		    const char *const *ports, size_t n, FILE *data, bool summary);

#define STATION_CLI_TIMEOUT_HELP                                                                     \
	"  --timeout-command S     final result of an AT command (default 10)\n"                       \
	"  --timeout-start S       start of the download after AT+QFOTADL (default 10)\n"             \
	"  --timeout-stall S       the module takes no data (default 30)\n"                            \
	"  --timeout-download S    end of the download (default 600)\n"                                \
	"  --timeout-update-start S  START after the download or a reboot (default 300)\n"            \
	"  --timeout-update-gap S  between update progress reports (default 120)\n"                   \
	"  --timeout-reboot S      the module back on its port after a reboot (default 120)\n"        \
	"  --timeout-total S       the whole upgrade of one module (default 1800)\n"

#endif
