/* The plan (include/qfota/station.h): every module asked, nothing flashed. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qfota/audit.h"
#include "qfota/cleanup.h"
#include "qfota/sha256.h"
#include "qfota/station.h"

const char *station_verdict_to_string(enum station_verdict v)
{
	switch (v) {
	case STATION_PLAN_UPGRADE: return "upgrade";
	case STATION_PLAN_SKIP: return "skip";
	case STATION_PLAN_NO_RULE: return "no rule";
	case STATION_PLAN_NO_FIT: return "does not fit";
	case STATION_PLAN_BUSY: return "busy";
	case STATION_PLAN_UNKNOWN: return "cannot ask";
	}
	return "unknown";
}

int station_plan_exit_code(const struct station_plan *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i].verdict != STATION_PLAN_UPGRADE && p[i].verdict != STATION_PLAN_SKIP)
			return 1;
	return 0;
}

/* A package's size and SHA-256, asked once per path for all modules. */
struct package_info {
	const char *path;
	long long size;
	char sha256[SHA256_HEX_MAX];
};

struct planner {
	const struct station_opts *o;
	struct package_info *packages; /* one per rule, or one for the template */
	size_t n_packages;
};

struct plan_worker {
	struct planner *pl;
	struct station_plan *p;
	pthread_t thread;
	bool started;
};

static void package_info_fill(struct package_info *pi, const char *path)
{
	_cleanup_close_ int fd = -1;
	uint8_t d[SHA256_BYTES];
	struct stat st;

	pi->path = path;
	pi->size = -1;
	pi->sha256[0] = '\0';
	if (!path)
		return;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return;
	pi->size = (long long)st.st_size;
	if (sha256_fd(fd, (uint64_t)st.st_size, d) == 0)
		sha256_to_hex(d, pi->sha256);
}

/* The job a module would get first: the rule's, or the template's. */
static void plan_package(struct station_plan *p, const struct fota_job *job, const struct package_info *pi)
{
	p->source = job->source;
	if (job->source == FOTA_SOURCE_URL) {
		_cleanup_free_ char *shown = NULL;

		snprintf(p->package, sizeof(p->package), "%s", audit_redact(job->url, &shown) == 0 ? shown : "(URL)");
		return;
	}
	snprintf(p->package, sizeof(p->package), "%s", job->package_path ? job->package_path : "");
	p->size = pi ? pi->size : -1;
	snprintf(p->sha256, sizeof(p->sha256), "%s", pi ? pi->sha256 : "");
}

static void plan_one(struct plan_worker *w)
{
	const struct station_opts *o = w->pl->o;
	struct station_plan *p = w->p;
	const struct package_info *pi = NULL;
	_cleanup_(fota_session_closep) struct fota_session *held = NULL;
	const struct policy_rule *rule = NULL;
	struct fota_job job = *o->job;
	unsigned long long free_b, total_b;
	int r;

	p->size = p->free_bytes = -1;
	job.port = p->port;
	r = fota_identify_port(&job, &p->id, &held);
	if (r < 0) {
		p->verdict = r == -EBUSY || r == -EACCES || r == -EPERM ? STATION_PLAN_BUSY : STATION_PLAN_UNKNOWN;
		return;
	}
	if (o->policy) {
		enum policy_verdict v = policy_decide(o->policy, p->id.model, p->id.from, &rule);

		if (v == POLICY_AT_TARGET) {
			p->verdict = STATION_PLAN_SKIP;
			p->rule_line = rule->line;
			snprintf(p->target, sizeof(p->target), "%s", p->id.from);
			return;
		}
		if (v != POLICY_UPGRADE) {
			p->verdict = STATION_PLAN_NO_RULE;
			snprintf(p->id.message, sizeof(p->id.message), "%s", policy_verdict_to_string(v));
			return;
		}
		p->hops = (unsigned)policy_chain(o->policy, p->id.model, p->id.from, NULL, 0);
		p->rule_line = rule->line;
		for (const struct policy_rule *r2 = rule; r2; ) { /* the chain's last target */
			snprintf(p->target, sizeof(p->target), "%s", r2->to);
			if (policy_decide(o->policy, p->id.model, r2->to, &r2) != POLICY_UPGRADE)
				r2 = NULL;
		}
		station_job_from_rule(o->job, rule, p->id.from, &job);
		pi = &w->pl->packages[rule - o->policy->rules];
	} else {
		if (job.expect_revision && strcmp(job.expect_revision, p->id.from) == 0) {
			p->verdict = STATION_PLAN_SKIP;
			snprintf(p->target, sizeof(p->target), "%s", p->id.from);
			return;
		}
		p->hops = 1;
		snprintf(p->target, sizeof(p->target), "%s", job.expect_revision ? job.expect_revision : "");
		pi = &w->pl->packages[0];
	}
	plan_package(p, &job, pi);
	p->verdict = STATION_PLAN_UPGRADE;
	/* as fota_run checks it: the package against the room on UFS, where the
	 * module says (not every firmware answers) */
	if (job.source != FOTA_SOURCE_URL &&
	    fota_session_free_space(held, job.timeouts.command_ms, &free_b, &total_b) == 0) {
		p->free_bytes = (long long)free_b;
		if (p->size >= 0 && (unsigned long long)p->size > free_b)
			p->verdict = STATION_PLAN_NO_FIT;
	}
}

static void *plan_main(void *arg)
{
	plan_one(arg);
	return NULL;
}

int station_plan_run(const struct station_opts *o, const char *const *ports, size_t n, struct station_plan **ret)
{
	struct planner pl = { .o = o };
	_cleanup_free_ struct plan_worker *workers = NULL;
	struct station_plan *plans;

	if (!o || !o->job || !ports || n == 0 || !ret)
		return -EINVAL;
	pl.n_packages = o->policy ? o->policy->n_rules : 1;
	pl.packages = calloc(pl.n_packages ? pl.n_packages : 1, sizeof(*pl.packages));
	plans = calloc(n, sizeof(*plans));
	workers = calloc(n, sizeof(*workers));
	if (!pl.packages || !plans || !workers) {
		free(pl.packages);
		free(plans);
		return -ENOMEM;
	}
	for (size_t i = 0; i < pl.n_packages; i++) {
		const struct policy_rule *rule = o->policy ? &o->policy->rules[i] : NULL;

		if (rule)
			package_info_fill(&pl.packages[i], rule->source == POLICY_SOURCE_URL ? NULL : rule->location);
		else
			package_info_fill(&pl.packages[i], o->job->source == FOTA_SOURCE_URL ? NULL : o->job->package_path);
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(plans[i].port, sizeof(plans[i].port), "%s", ports[i]);
		workers[i] = (struct plan_worker){ .pl = &pl, .p = &plans[i] };
		workers[i].started = pthread_create(&workers[i].thread, NULL, plan_main, &workers[i]) == 0;
		if (!workers[i].started)
			plan_one(&workers[i]); /* no thread: ask it from here */
	}
	for (size_t i = 0; i < n; i++)
		if (workers[i].started)
			pthread_join(workers[i].thread, NULL);
	free(pl.packages);
	*ret = plans;
	return 0;
}
