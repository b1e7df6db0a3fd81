/* Many modules at once (include/qfota/station.h). */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qfota/audit.h"
#include "qfota/cleanup.h"
#include "qfota/error.h"
#include "qfota/exitcode.h"
#include "qfota/hold.h"
#include "qfota/station.h"

const char *station_outcome_to_string(enum station_outcome o)
{
	switch (o) {
	case STATION_UPGRADED: return "upgraded";
	case STATION_SKIPPED: return "skipped";
	case STATION_FAILED: return "failed";
	}
	return "unknown";
}

int station_exit_code(const struct station_entry *e, size_t n)
{
	static const int order[] = {
		QFOTA_EXIT_STILL_UPDATING, QFOTA_EXIT_UPDATE, QFOTA_EXIT_LOST, QFOTA_EXIT_VERIFY,
		QFOTA_EXIT_TIMEOUT, QFOTA_EXIT_DOWNLOAD, QFOTA_EXIT_ACCESS, QFOTA_EXIT_NO_MODULE,
		QFOTA_EXIT_FAILED, QFOTA_EXIT_INTERRUPTED,
	};
	bool any_failed = false;

	for (size_t i = 0; i < n; i++)
		any_failed |= e[i].outcome == STATION_FAILED;
	if (!any_failed)
		return QFOTA_EXIT_OK;
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		for (size_t i = 0; i < n; i++)
			if (e[i].outcome == STATION_FAILED && e[i].res.exit_code == order[k])
				return order[k];
	return QFOTA_EXIT_FAILED; /* a code outside the table (2: a bad job) */
}

void station_job_from_rule(const struct fota_job *tmpl, const struct policy_rule *rule, const char *from,
			   struct fota_job *ret)
{
	*ret = *tmpl;
	ret->package_path = ret->url = ret->upload_name = NULL;
	switch (rule->source) {
	case POLICY_SOURCE_FILE:
		ret->source = FOTA_SOURCE_FILE;
		ret->package_path = rule->location;
		break;
	case POLICY_SOURCE_URL:
		ret->source = FOTA_SOURCE_URL;
		ret->url = rule->location;
		break;
	case POLICY_SOURCE_UPLOAD:
		ret->source = FOTA_SOURCE_UPLOAD;
		ret->package_path = rule->location;
		ret->upload_name = rule->upload_name;
		break;
	}
	ret->sha256 = rule->sha256[0] ? rule->sha256 : NULL;
	ret->expect_revision = rule->to;
	ret->expect_from = from;
}

int station_policy_check(const struct policy *p, const struct fota_job *tmpl, struct policy_error *err)
{
	for (size_t i = 0; p && i < p->n_rules; i++) {
		struct fota_job job;
		struct report_result res;

		station_job_from_rule(tmpl, &p->rules[i], p->rules[i].from, &job);
		job.port = NULL;
		if (fota_job_check(&job, &res) < 0) {
			err->line = p->rules[i].line;
			snprintf(err->reason, sizeof(err->reason), "%s", res.message);
			return -EINVAL;
		}
	}
	return 0;
}

struct station {
	const struct station_opts *o;
	pthread_mutex_t lock;
	pthread_cond_t done_cond;
	size_t running;
};

struct worker {
	struct station *st;
	struct station_entry *entry;
	pthread_t thread;
	bool started;
	bool finished;   /* under st->lock: the entry is final (station_watch) */
	struct fota_hold hold;         /* the port's hold when the worker started (qfota/hold.h) */
	bool hold_kept;                /* the held module was let be: the hold stays as it is */
	enum fota_source source;       /* the last attempt's (for fota_hold_next) */
};

static void result_emit(const struct station_opts *o, const char *port, const struct report_result *res)
{
	reporter_emit(o->job->reporter, &(struct report_event){ .kind = REPORT_RESULT, .port = port,
								 .phase = res->phase, .percent = -1, .result = res });
}

/* One line per attempt (each hop, each retry, or the one look that decided
 * nothing was to be sent). */
static void audit_attempt(struct worker *w, const struct report_result *res)
{
	const struct station_opts *o = w->st->o;
	int r;

	if (!o->audit_path)
		return;
	r = audit_append(o->audit_path, w->entry->port, res, 0);
	if (r < 0)
		reporter_say(o->job->reporter, w->entry->port, true, "cannot append to the audit log %s: %s",
			     o->audit_path, qfota_strerror(r));
}

/* Ends a module's job without fota_run (skipped, no rule): its result. */
static void finish_early(struct worker *w, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void finish_early(struct worker *w, int err, const char *fmt, ...)
{
	struct report_result *res = &w->entry->res;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->message, sizeof(res->message), fmt, ap);
	va_end(ap);
	res->err = err;
	res->ok = err == -EALREADY;
	res->phase = err == -EALREADY ? FOTA_PHASE_DONE : FOTA_PHASE_CONNECT;
	res->exit_code = qfota_exit_for(err, res->phase, false, false);
	result_emit(w->st->o, w->entry->port, res);
	audit_attempt(w, res);
}

enum step {
	STEP_DONE,   /* the entry's result is final */
	STEP_HOPPED, /* one hop upgraded and verified: look at the module again */
	STEP_RETRY,  /* failed before the update began: may be tried again */
};

/* The module a port's last upgrade left touched (qfota/hold.h) is back:
 * followed to its end if it may still be updating, else let be. */
static enum step held_module_step(struct worker *w, struct fota_job *job, struct fota_session *held)
{
	const struct fota_hold *h = &w->hold;
	struct report_result *res = &w->entry->res;

	if (h->after == FOTA_AFTER_FAILED) {
		fota_session_close(held);
		w->hold_kept = true;
		finish_early(w, -EALREADY, "not upgraded again: this module's update on this port failed (exit %d: "
			     "%s); check it with qfota info --port %s, then upgrade it by hand if it needs it",
			     h->exit_code, h->why, w->entry->port);
		return STEP_DONE;
	}
	reporter_say(job->reporter, w->entry->port, true,
		     "this module (IMEI %s) was left mid-upgrade here (exit %d) and may still be updating: "
		     "following it to its end, sending nothing", h->imei, h->exit_code);
	job->source = FOTA_SOURCE_FOLLOW;
	job->package_path = NULL;
	job->url = NULL;
	job->expect_from = h->from[0] ? h->from : NULL;
	job->expect_revision = h->to[0] ? h->to : NULL;
	w->source = FOTA_SOURCE_FOLLOW;
	fota_run_held(job, held, res);
	audit_attempt(w, res);
	return STEP_DONE;
}

/* The module as it is now (hop > 0: after `hop` verified hops; first is how
 * it was at the start): identify, decide, upgrade one hop, under one claim of
 * the module (a fota_session); a module not upgraded is let go at once.
 * Everything it touches is its own (job copy, result), apart from the shared
 * reporter. */
static enum step module_step(struct worker *w, unsigned hop, const struct report_result *first)
{
	const struct station_opts *o = w->st->o;
	struct station_entry *e = w->entry;
	struct report_result *res = &e->res;
	const struct policy_rule *rule = NULL;
	struct fota_job job = *o->job;
	struct fota_session *held = NULL;
	char from[sizeof(res->from)];

	job.port = e->port;
	if (fota_identify_port(&job, res, &held) < 0) {
		result_emit(o, e->port, res);
		audit_attempt(w, res);
		return fota_result_retryable(res) ? STEP_RETRY : STEP_DONE;
	}
	if (o->on_identity && hop == 0)
		o->on_identity(o->user, e->port, res);
	snprintf(from, sizeof(from), "%s", res->from);
	if (hop == 0 && w->hold.after != FOTA_AFTER_UNTOUCHED && res->imei[0] &&
	    strcmp(res->imei, w->hold.imei) == 0)
		return held_module_step(w, &job, held);
	if (hop > 0 && first->imei[0] && strcmp(res->imei, first->imei) != 0) {
		fota_session_close(held);
		finish_early(w, -ENODEV, "after %u hop%s the module on %s has IMEI %s, not %s: another module; "
			     "not upgraded further", hop, hop == 1 ? "" : "s", e->port, res->imei, first->imei);
		return STEP_DONE;
	}
	if (!o->policy) {
		if (job.expect_revision && strcmp(job.expect_revision, from) == 0) {
			fota_session_close(held);
			snprintf(res->to, sizeof(res->to), "%s", from);
			finish_early(w, -EALREADY, "already runs %s", from);
			return STEP_DONE;
		}
		job.expect_from = from;
		w->source = job.source;
		fota_run_held(&job, held, res);
		audit_attempt(w, res);
		return res->ok ? STEP_DONE : fota_result_retryable(res) ? STEP_RETRY : STEP_DONE;
	}
	switch (policy_decide(o->policy, res->model, from, &rule)) {
	case POLICY_AT_TARGET:
		fota_session_close(held);
		snprintf(res->to, sizeof(res->to), "%s", from);
		if (hop > 0)
			return STEP_DONE; /* the chain's end: module_run words the result */
		finish_early(w, -EALREADY, "already runs %s, the policy's target (line %u)",
			     from, rule->line);
		return STEP_DONE;
	case POLICY_UNKNOWN_MODEL:
		fota_session_close(held);
		finish_early(w, -ENOPKG,
			     "the policy has no rule for model %s (revision %s): not upgraded", res->model, from);
		return STEP_DONE;
	case POLICY_UNKNOWN_REVISION:
		fota_session_close(held);
		finish_early(w, -ENOPKG, "the policy has no rule from revision %s of %s, and "
			     "no rule leads to it: not upgraded", from, res->model);
		return STEP_DONE;
	case POLICY_UPGRADE:
		break;
	}
	if (!policy_rule_allows_imei(rule, res->imei)) {
		/* Not ours to upgrade (policy.h, imei=): let it go untouched. */
		fota_session_close(held);
		finish_early(w, -EALREADY, "IMEI %s is not on the imei= list of policy line %u: not upgraded",
			     res->imei[0] ? res->imei : "(none)", rule->line);
		return STEP_DONE;
	}
	reporter_say(job.reporter, e->port, false, "policy line %u: %s -> %s (%s)%s", rule->line, rule->from,
		     rule->to, policy_source_to_string(rule->source),
		     hop > 0 || policy_chain(o->policy, res->model, from, NULL, 0) > 1 ? ", a hop of a chain" : "");
	station_job_from_rule(o->job, rule, from, &job);
	job.port = e->port;
	w->source = job.source;
	fota_run_held(&job, held, res);
	audit_attempt(w, res);
	if (res->ok)
		return STEP_HOPPED;
	return fota_result_retryable(res) ? STEP_RETRY : STEP_DONE;
}

/* A module through every hop of its chain, each verified (END,0, the
 * revision, the IMEI) before the next; a failure before the update began is
 * tried again up to o->retries times, after a pause. */
static void module_run(struct worker *w)
{
	const struct station_opts *o = w->st->o;
	struct report_result *res = &w->entry->res;
	struct report_result first = { 0 }, last;
	char path[512] = "";
	uint64_t total_ms = 0;
	unsigned hop = 0, attempt = 0;

	for (;;) {
		enum step s = module_step(w, hop, &first);

		total_ms += res->total_ms;
		if (s == STEP_RETRY && attempt < o->retries && !(o->job->cancel && *o->job->cancel)) {
			attempt++;
			reporter_say(o->job->reporter, w->entry->port, true, "failed before the update began (exit %d): "
				     "retry %u of %u in %u s", res->exit_code, attempt, o->retries,
				     FOTA_RETRY_PAUSE_MS / 1000);
			if (fota_retry_pause(o->job->cancel) == 0)
				continue;
		}
		if (s == STEP_HOPPED) {
			size_t n = strlen(path);

			if (hop == 0)
				first = *res;
			last = *res;
			snprintf(path + n, sizeof(path) - n, "%s%s", hop ? " -> " : "", res->from);
			hop++;
			attempt = 0;
			/* verified at its end (END,0, revision, IMEI): the module is asked
			 * again only when the chain goes on from there */
			if (policy_chain(o->policy, res->model, res->to, NULL, 0) > 0)
				continue;
			if (hop == 1) {
				res->total_ms = total_ms;
				return;
			}
		}
		if (hop > 1 && res->ok) {
			/* the chain's end: its last hop's result, from the first revision */
			*res = last;
			snprintf(res->from, sizeof(res->from), "%s", first.from);
			snprintf(res->message, sizeof(res->message), "upgraded from %s to %s in %u hops (%.250s -> %s)",
				 first.from, res->to, hop, path, res->to);
			res->total_ms = total_ms;
			result_emit(o, w->entry->port, res); /* the chain's own result, after each hop's */
		} else if (hop > 0) {
			char why[sizeof(res->message)];
			int n;

			snprintf(why, sizeof(why), "%s", res->message);
			n = snprintf(res->message, sizeof(res->message), "after %u hop%s (%.250s -> %s): ", hop,
				     hop == 1 ? "" : "s", path, res->from);
			if (n > 0 && (size_t)n < sizeof(res->message) - 1) { /* the module's words after ours, cut to fit */
				size_t k = strnlen(why, sizeof(res->message) - 1 - (size_t)n);

				memcpy(res->message + n, why, k);
				res->message[n + k] = '\0';
			}
			snprintf(res->from, sizeof(res->from), "%s", first.from);
		}
		res->total_ms = total_ms;
		return;
	}
}

/* The port's hold before the module is looked at, and after it: what this
 * worker did to it (qfota/hold.h). A hold that cannot be read or written is
 * said, not fatal: the module is then treated as new, as before holds. */
static void hold_read(struct worker *w)
{
	int r = fota_hold_load(w->entry->port, &w->hold);

	if (r < 0)
		w->hold = (struct fota_hold){ .after = FOTA_AFTER_UNTOUCHED };
	if (r < 0 && r != -ENOENT)
		reporter_say(w->st->o->job->reporter, w->entry->port, true,
			     "cannot read what the last upgrade on this port left (its .hold file beside the port's "
			     "lock): %s", qfota_strerror(r));
}

static void hold_write(struct worker *w)
{
	struct fota_hold next;
	int r;

	if (w->hold_kept || !fota_hold_next(&w->hold, &w->entry->res, w->source, &next))
		return;
	r = fota_hold_store(w->entry->port, &next);
	if (r < 0)
		reporter_say(w->st->o->job->reporter, w->entry->port, true,
			     "cannot note what this upgrade left the module in (its .hold file beside the port's "
			     "lock): %s%s", qfota_strerror(r),
			     next.after == FOTA_AFTER_UNTOUCHED ? "" : ": if it comes back here, follow it by hand");
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct station *st = w->st;
	struct station_entry *e = w->entry;

	hold_read(w);
	module_run(w);
	hold_write(w);
	e->outcome = !e->res.ok ? STATION_FAILED : e->res.err == -EALREADY ? STATION_SKIPPED : STATION_UPGRADED;
	pthread_mutex_lock(&st->lock);
	st->running--;
	w->finished = true;
	pthread_cond_signal(&st->done_cond);
	pthread_mutex_unlock(&st->lock);
	return NULL;
}

/* Waits for every worker, calling on_tick between waits. */
static void wait_all(struct station *st)
{
	pthread_mutex_lock(&st->lock);
	while (st->running > 0) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += STATION_TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&st->done_cond, &st->lock, &ts);
		if (st->o->on_tick && st->running > 0) {
			pthread_mutex_unlock(&st->lock);
			st->o->on_tick(st->o->user);
			pthread_mutex_lock(&st->lock);
		}
	}
	pthread_mutex_unlock(&st->lock);
}

int station_run(const struct station_opts *o, const char *const *ports, size_t n, struct station_result *ret)
{
	struct station st = { .o = o };
	struct station_entry *entries;
	struct worker *workers;
	pthread_condattr_t ca;

	if (!o || !o->job || !o->job->reporter || !ports || n == 0 || !ret)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(ports[i], ports[j]) == 0)
				return -EINVAL;
	entries = calloc(n, sizeof(*entries));
	workers = calloc(n, sizeof(*workers));
	if (!entries || !workers) {
		free(entries);
		free(workers);
		return -ENOMEM;
	}
	pthread_mutex_init(&st.lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&st.done_cond, &ca);
	pthread_condattr_destroy(&ca);
	for (size_t i = 0; i < n; i++) {
		snprintf(entries[i].port, sizeof(entries[i].port), "%s", ports[i]);
		workers[i] = (struct worker){ .st = &st, .entry = &entries[i] };
	}
	for (size_t i = 0; i < n; i++) {
		int r;

		pthread_mutex_lock(&st.lock);
		st.running++;
		pthread_mutex_unlock(&st.lock);
		r = pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
		if (r == 0) {
			workers[i].started = true;
			continue;
		}
		pthread_mutex_lock(&st.lock);
		st.running--;
		pthread_mutex_unlock(&st.lock);
		entries[i].res.module_code = -1;
		entries[i].res.err = -r;
		entries[i].res.exit_code = QFOTA_EXIT_FAILED;
		entries[i].res.phase = FOTA_PHASE_PREFLIGHT;
		snprintf(entries[i].res.message, sizeof(entries[i].res.message), "cannot start a thread for it: %s",
			 strerror(r));
		entries[i].outcome = STATION_FAILED;
		result_emit(o, entries[i].port, &entries[i].res);
	}
	wait_all(&st);
	for (size_t i = 0; i < n; i++)
		if (workers[i].started)
			pthread_join(workers[i].thread, NULL);
	free(workers);
	pthread_cond_destroy(&st.done_cond);
	pthread_mutex_destroy(&st.lock);

	*ret = (struct station_result){ .entries = entries, .n = n };
	for (size_t i = 0; i < n; i++) {
		ret->upgraded += entries[i].outcome == STATION_UPGRADED;
		ret->skipped += entries[i].outcome == STATION_SKIPPED;
		ret->failed += entries[i].outcome == STATION_FAILED;
	}
	ret->exit_code = station_exit_code(entries, n);
	return 0;
}

void station_result_clear(struct station_result *r)
{
	if (!r)
		return;
	free(r->entries);
	*r = (struct station_result){ 0 };
}

/* ---- Continuous mode */

struct watch_slot {
	char port[USBXFER_PORT_MAX];
	int seen_devnum;     /* the device last taken here, or present when its worker ended; -1 none */
	bool reaped;         /* a worker just ended: the device there now is its module */
	struct worker *w;    /* running, or ended and not joined yet; NULL idle */
};

struct watch {
	const struct station_opts *o;
	struct station st;
	struct watch_slot *slots;
	size_t n_slots;
	bool fixed;          /* ports given: no slot is added */
	struct station_entry *done;
	size_t n_done, cap_done;
};

static struct watch_slot *slot_of(struct watch *wt, const char *port, bool add)
{
	struct watch_slot *more;

	for (size_t i = 0; i < wt->n_slots; i++)
		if (strcmp(wt->slots[i].port, port) == 0)
			return &wt->slots[i];
	if (!add || wt->fixed)
		return NULL;
	more = realloc(wt->slots, (wt->n_slots + 1) * sizeof(*more));
	if (!more)
		return NULL;
	wt->slots = more;
	more = &wt->slots[wt->n_slots++];
	*more = (struct watch_slot){ .seen_devnum = -1 };
	snprintf(more->port, sizeof(more->port), "%s", port);
	return more;
}

/* Joins the workers that ended and keeps their entries. */
static int watch_reap(struct watch *wt)
{
	for (size_t i = 0; i < wt->n_slots; i++) {
		struct watch_slot *s = &wt->slots[i];
		bool finished;

		if (!s->w)
			continue;
		pthread_mutex_lock(&wt->st.lock);
		finished = s->w->finished;
		pthread_mutex_unlock(&wt->st.lock);
		if (!finished)
			continue;
		pthread_join(s->w->thread, NULL);
		if (wt->n_done == wt->cap_done) {
			size_t cap = wt->cap_done ? wt->cap_done * 2 : 16;
			struct station_entry *more = realloc(wt->done, cap * sizeof(*more));

			if (!more)
				return -ENOMEM;
			wt->done = more;
			wt->cap_done = cap;
		}
		wt->done[wt->n_done++] = *s->w->entry;
		if (wt->o->on_result)
			wt->o->on_result(wt->o->result_user, s->w->entry);
		free(s->w->entry);
		free(s->w);
		s->w = NULL;
		s->reaped = true;
	}
	return 0;
}

static int watch_start(struct watch *wt, struct watch_slot *s)
{
	struct worker *w = calloc(1, sizeof(*w));
	struct station_entry *e = calloc(1, sizeof(*e));
	int r;

	if (!w || !e) {
		free(w);
		free(e);
		return -ENOMEM;
	}
	snprintf(e->port, sizeof(e->port), "%s", s->port);
	*w = (struct worker){ .st = &wt->st, .entry = e };
	if (wt->o->on_arrival)
		wt->o->on_arrival(wt->o->user, s->port);
	pthread_mutex_lock(&wt->st.lock);
	wt->st.running++;
	pthread_mutex_unlock(&wt->st.lock);
	r = pthread_create(&w->thread, NULL, worker_main, w);
	if (r != 0) {
		pthread_mutex_lock(&wt->st.lock);
		wt->st.running--;
		pthread_mutex_unlock(&wt->st.lock);
		free(w);
		free(e);
		reporter_say(wt->o->job->reporter, s->port, true, "cannot start a thread for the new module: %s "
			     "(tried again at the next look)", strerror(r));
		s->seen_devnum = -1;
		return 0;
	}
	w->started = true;
	s->w = w;
	return 0;
}

/* One look at the ports: a new device on an idle port is a new module. */
static int watch_look(struct watch *wt, const struct usbxfer_select *sel)
{
	_cleanup_free_ struct usbxfer_module *found = NULL;
	size_t n = 0;
	int r = usbxfer_discover(wt->fixed ? NULL : sel, &found, &n);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (!slot_of(wt, found[i].port, true) && !wt->fixed)
			return -ENOMEM;
	for (size_t i = 0; i < wt->n_slots; i++) {
		struct watch_slot *s = &wt->slots[i];
		const struct usbxfer_module *m = NULL;

		for (size_t k = 0; k < n && !m; k++)
			if (strcmp(found[k].port, s->port) == 0)
				m = &found[k];
		if (s->w)
			continue; /* its worker's, reboots included */
		if (!m) {
			s->seen_devnum = -1;
			s->reaped = false;
			continue;
		}
		if (s->reaped) {
			s->reaped = false;
			s->seen_devnum = m->devnum;
			continue;
		}
		if (m->devnum == s->seen_devnum)
			continue;
		s->seen_devnum = m->devnum;
		if ((r = watch_start(wt, s)) < 0)
			return r;
	}
	return 0;
}

int station_watch(const struct station_opts *o, const char *const *ports, size_t n,
		  const struct usbxfer_select *sel, struct station_result *ret)
{
	struct watch wt = { .o = o, .fixed = n > 0 };
	pthread_condattr_t ca;
	bool first = true;
	int r = 0;

	if (!o || !o->job || !o->job->reporter || (n && !ports) || !ret)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < i; j++)
			if (strcmp(ports[i], ports[j]) == 0)
				return -EINVAL;
	}
	if (n && !(wt.slots = calloc(n, sizeof(*wt.slots))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		wt.slots[i] = (struct watch_slot){ .seen_devnum = -1 };
		snprintf(wt.slots[i].port, sizeof(wt.slots[i].port), "%s", ports[i]);
	}
	wt.n_slots = n;
	wt.st.o = o;
	pthread_mutex_init(&wt.st.lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&wt.st.done_cond, &ca);
	pthread_condattr_destroy(&ca);

	for (;;) {
		bool stopping = o->job->cancel && *o->job->cancel;
		size_t running;
		struct timespec ts;

		int reaped = watch_reap(&wt);

		if (r == 0)
			r = reaped;
		pthread_mutex_lock(&wt.st.lock);
		running = wt.st.running;
		pthread_mutex_unlock(&wt.st.lock);
		if ((stopping || r < 0) && running == 0)
			break;
		if (!stopping && r == 0) {
			int l = watch_look(&wt, sel);

			/* a look that fails later (a busy sysfs) is tried again at the next tick */
			if (l < 0 && (first || l == -ENOMEM))
				r = l;
			first = false;
			if (r < 0)
				continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += STATION_WATCH_TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&wt.st.lock);
		pthread_cond_timedwait(&wt.st.done_cond, &wt.st.lock, &ts);
		pthread_mutex_unlock(&wt.st.lock);
		if (o->on_tick)
			o->on_tick(o->user);
	}
	pthread_cond_destroy(&wt.st.done_cond);
	pthread_mutex_destroy(&wt.st.lock);
	free(wt.slots);
	if (r < 0) {
		free(wt.done);
		return r;
	}
	*ret = (struct station_result){ .entries = wt.done, .n = wt.n_done };
	for (size_t i = 0; i < wt.n_done; i++) {
		ret->upgraded += wt.done[i].outcome == STATION_UPGRADED;
		ret->skipped += wt.done[i].outcome == STATION_SKIPPED;
		ret->failed += wt.done[i].outcome == STATION_FAILED;
	}
	ret->exit_code = station_exit_code(wt.done, wt.n_done);
	return 0;
}
