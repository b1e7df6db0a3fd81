/* A station: many modules upgraded at once, each isolated.
 *
 * Each module gets its own thread running fota_identify_port then fota_run,
 * with its own copy of the job (its own deadlines), its own link, libusb
 * context and udev watch (nothing in fota/usbxfer/udev is shared mutable state
 * between jobs; the log level is global but only read while jobs run). One
 * module's failure, hang, unplug or slow reboot therefore never stalls or
 * fails another: the station only waits for every thread at the end. All
 * threads share one reporter (thread-safe) and the cancel flag of the job.
 *
 * What each module gets: the template job's package and mode, or, with a
 * policy, the rule for its model and current revision (include/qfota/policy.h):
 * at the target it is skipped; with no rule it is reported, never guessed.
 */
#ifndef QFOTA_STATION_H
#define QFOTA_STATION_H

#include <stdbool.h>
#include <stddef.h>

#include "qfota/fota.h"
#include "qfota/policy.h"
#include "qfota/usbxfer.h"

enum station_outcome {
	STATION_UPGRADED,
	STATION_SKIPPED,   /* already at the target revision: counts as success */
	STATION_FAILED,
};
const char *station_outcome_to_string(enum station_outcome o); /* "upgraded", "skipped", "failed" */

struct station_entry {
	char port[USBXFER_PORT_MAX];
	enum station_outcome outcome;
	struct report_result res;  /* as fota_run fills it (or the identify step, or the policy) */
};

struct station_opts {
	/* The template: source, package/URL, parameters, timeouts, reporter and
	 * cancel flag for every module (port is ignored). With a policy, the
	 * source and package come from the rule instead. */
	const struct fota_job *job;
	const struct policy *policy;  /* may be NULL */
	const char *audit_path;       /* NULL: no audit log; else one line per attempt */
	unsigned retries;             /* failures before the update began tried again (--retries) */
	/* Each module's identity (res->model, from, imei) as soon as it is known,
	 * from that module's thread. May be NULL. */
	void (*on_identity)(void *user, const char *port, const struct report_result *id);
	/* About every STATION_TICK_MS from the waiting thread while jobs run. May be NULL. */
	void (*on_tick)(void *user);
	void *user;
};
#define STATION_TICK_MS 200

struct station_result {
	struct station_entry *entries; /* one per port, in the order given (owned) */
	size_t n;
	unsigned upgraded, skipped, failed;
	int exit_code;                 /* station_exit_code() of the entries */
};

/* Upgrades the modules on ports[0..n) at once and waits for all of them.
 * Returns 0 and *ret (station_result_clear frees it) whatever the modules'
 * outcomes; -EINVAL (no job, no reporter, n == 0, a port twice), -ENOMEM.
 * A thread that cannot be started fails its module only (-EAGAIN). */
int station_run(const struct station_opts *o, const char *const *ports, size_t n, struct station_result *ret);
void station_result_clear(struct station_result *r);

/* The station's exit code: 0 when every module was upgraded or skipped;
 * otherwise the first of these that some failed module has:
 *   10 (still updating: it needs `qfota follow`), 6 (update failed), 7 (lost),
 *   8 (verify), 9 (timeout), 5 (download failed), 4 (busy/access),
 *   3 (cannot do this), 1 (any other), 130 (interrupted, released).
 * Pure: exposed for the unit test and the help text. */
int station_exit_code(const struct station_entry *entries, size_t n);

/* Checks every rule's package as fota_job_check would (file readable and not
 * empty, parameters), so that a broken policy is refused before anything is
 * sent. Returns 0, or -EINVAL with err->line the rule's line and err->reason. */
int station_policy_check(const struct policy *p, const struct fota_job *tmpl, struct policy_error *err);

/* The job for one module under a policy rule: tmpl's parameters with the
 * rule's source, package and target; expect_from = the module's revision. */
void station_job_from_rule(const struct fota_job *tmpl, const struct policy_rule *rule, const char *from,
			   struct fota_job *ret);

#endif
