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
	/* station_watch only: a new module on port, from the watching thread,
	 * before its worker starts; each module's final entry as it ends (after
	 * its REPORT_RESULT), from the watching thread. Either may be NULL;
	 * result_user is on_result's. */
	void (*on_arrival)(void *user, const char *port);
	void (*on_result)(void *result_user, const struct station_entry *e);
	void *result_user;
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

/* Continuous mode (qfota station --watch): until *o->job->cancel is set,
 * looks at the ports every STATION_WATCH_TICK_MS (usbxfer_discover, sysfs
 * only) and starts a worker (as station_run's) for each module that arrives:
 * a port whose device number differs from the one last taken there, with no
 * worker on it. A module rebooting during its own upgrade is its worker's
 * (the port is busy until the worker ends); the device present on a port
 * when its worker ends is that module, not a new arrival; a port seen empty
 * forgets its device. ports[0..n): the ports to watch; n == 0: every module
 * matching sel (NULL: every Quectel module). Once cancelled no worker is
 * started; running ones end as in station_run (cancel before the update
 * began, stop following after), and this returns when all have. Returns 0 and
 * *ret, one entry per module in the order they ended (station_result_clear);
 * -EINVAL, -ENOMEM, or usbxfer_discover's error at the first look. */
int station_watch(const struct station_opts *o, const char *const *ports, size_t n,
		  const struct usbxfer_select *sel, struct station_result *ret);
#define STATION_WATCH_TICK_MS 250

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

/* ---- The plan (qfota station --plan): what a run would do, nothing flashed */

enum station_verdict {
	STATION_PLAN_UPGRADE,   /* would upgrade, in plan.hops hops */
	STATION_PLAN_SKIP,      /* at the target already */
	STATION_PLAN_NO_RULE,   /* the policy has no rule for its model or revision */
	STATION_PLAN_NO_FIT,    /* the package is larger than the module's free space */
	STATION_PLAN_BUSY,      /* another program holds it (or no permission) */
	STATION_PLAN_UNKNOWN,   /* it could not be asked (gone, no AT interface, ...) */
};
/* "upgrade", "skip", "no rule", "does not fit", "busy", "cannot ask" */
const char *station_verdict_to_string(enum station_verdict v);

struct station_plan {
	char port[USBXFER_PORT_MAX];
	struct report_result id;     /* model, from (the revision), imei; message on failure */
	enum station_verdict verdict;
	unsigned hops;               /* rules from here to the chain's end */
	unsigned rule_line;          /* the first hop's policy line; 0 without a policy */
	char target[64];             /* the revision it would end at ("" unknown) */
	enum fota_source source;
	char package[512];           /* the first hop's path or URL (URL redacted) */
	long long size;              /* its bytes; -1 for a URL */
	char sha256[65];             /* its SHA-256 (hex); "" for a URL */
	long long free_bytes;        /* AT+QFLDS free on UFS; -1 when not asked or not answered */
};

/* Plans the modules on ports[0..n) at once, each in its own thread: the
 * module session (lock, claim, identify), the decision (o->policy or the
 * template job), AT+QFLDS for a FILE or upload package; every module is
 * released with its driver back before this returns, and nothing else is
 * sent. Returns 0 and *ret (n entries, in order; free()), -EINVAL, -ENOMEM. */
int station_plan_run(const struct station_opts *o, const char *const *ports, size_t n,
		     struct station_plan **ret);
/* 0 when every module would be upgraded or is at its target, else 1. */
int station_plan_exit_code(const struct station_plan *p, size_t n);

#endif
