/* Station metrics, Prometheus text format (include/qfota/metrics.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qfota/cleanup.h"
#include "qfota/error.h"
#include "qfota/metrics.h"
#include "qfota/text.h"

/* Seconds. Real modules take 8-20 min (facts §5); the small ones show a
 * virtual station's, or a module that failed early. */
static const double buckets[] = { 1, 5, 10, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600 };
#define N_BUCKETS (sizeof(buckets) / sizeof(buckets[0]))

static const char *const outcomes[] = { "upgraded", "skipped", "failed" };
#define N_OUTCOMES (sizeof(outcomes) / sizeof(outcomes[0]))

struct model_metrics {
	char *label;                      /* the model, escaped for a label value */
	uint64_t results[N_OUTCOMES];
	uint64_t in_bucket[N_BUCKETS];    /* cumulative: observations <= buckets[i] */
	uint64_t count;
	double sum;
};

struct metrics {
	struct model_metrics *models;
	size_t n;
};

int metrics_new(struct metrics **ret)
{
	*ret = calloc(1, sizeof(**ret));
	return *ret ? 0 : -ENOMEM;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->models[i].label);
	free(m->models);
	free(m);
}

/* A label value: well-formed UTF-8, with '\', '"' and newline escaped as the
 * format wants; other control characters shown as '?'. */
static char *label_new(const char *model)
{
	_cleanup_free_ char *s = strdup(model && *model ? model : "unknown");
	char *out, *o;

	if (!s)
		return NULL;
	text_utf8_sanitise(s);
	out = malloc(2 * strlen(s) + 1);
	if (!out)
		return NULL;
	o = out;
	for (const char *p = s; *p; p++) {
		if (*p == '\\' || *p == '"') {
			*o++ = '\\';
			*o++ = *p;
		} else if (*p == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else {
			*o++ = (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p;
		}
	}
	*o = '\0';
	return out;
}

int metrics_add(struct metrics *m, const char *model, const char *outcome, uint64_t total_ms)
{
	_cleanup_free_ char *label = label_new(model);
	struct model_metrics *mm = NULL;
	size_t k;

	for (k = 0; k < N_OUTCOMES && (!outcome || strcmp(outcome, outcomes[k]) != 0); k++)
		;
	if (k == N_OUTCOMES)
		return -EINVAL;
	if (!label)
		return -ENOMEM;
	for (size_t i = 0; i < m->n && !mm; i++)
		if (strcmp(m->models[i].label, label) == 0)
			mm = &m->models[i];
	if (!mm) {
		struct model_metrics *more = realloc(m->models, (m->n + 1) * sizeof(*more));

		if (!more)
			return -ENOMEM;
		m->models = more;
		mm = &m->models[m->n++];
		*mm = (struct model_metrics){ .label = TAKE_PTR(label) };
	}
	mm->results[k]++;
	if (k == 0) {
		double s = (double)total_ms / 1000.0;

		for (size_t b = 0; b < N_BUCKETS; b++)
			mm->in_bucket[b] += s <= buckets[b];
		mm->count++;
		mm->sum += s;
	}
	return 0;
}

int metrics_format(const struct metrics *m, char **ret)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return -ENOMEM;
	fputs("# HELP qfota_station_results_total Modules a qfota station finished, by model and outcome.\n"
	      "# TYPE qfota_station_results_total counter\n", f);
	for (size_t i = 0; i < m->n; i++)
		for (size_t k = 0; k < N_OUTCOMES; k++)
			fprintf(f, "qfota_station_results_total{model=\"%s\",outcome=\"%s\"} %llu\n", m->models[i].label,
				outcomes[k], (unsigned long long)m->models[i].results[k]);
	fputs("# HELP qfota_station_upgrade_duration_seconds How long each upgraded module took, all its hops.\n"
	      "# TYPE qfota_station_upgrade_duration_seconds histogram\n", f);
	for (size_t i = 0; i < m->n; i++) {
		const struct model_metrics *mm = &m->models[i];

		for (size_t b = 0; b < N_BUCKETS; b++)
			fprintf(f, "qfota_station_upgrade_duration_seconds_bucket{model=\"%s\",le=\"%g\"} %llu\n", mm->label,
				buckets[b], (unsigned long long)mm->in_bucket[b]);
		fprintf(f, "qfota_station_upgrade_duration_seconds_bucket{model=\"%s\",le=\"+Inf\"} %llu\n", mm->label,
			(unsigned long long)mm->count);
		fprintf(f, "qfota_station_upgrade_duration_seconds_sum{model=\"%s\"} %.3f\n", mm->label, mm->sum);
		fprintf(f, "qfota_station_upgrade_duration_seconds_count{model=\"%s\"} %llu\n", mm->label,
			(unsigned long long)mm->count);
	}
	if (fclose(f) != 0) {
		free(text);
		return -ENOMEM;
	}
	*ret = text;
	return 0;
}

int metrics_write(const struct metrics *m, const char *path)
{
	_cleanup_free_ char *text = NULL, *tmp = NULL;
	_cleanup_close_ int fd = -1;
	size_t len, off = 0;
	int r;

	if ((r = metrics_format(m, &text)) < 0)
		return r;
	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) {
		tmp = NULL;
		return -ENOMEM;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return qfota_errno();
	len = strlen(text);
	while (off < len) {
		ssize_t k = write(fd, text + off, len - off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = qfota_errno();
			unlink(tmp);
			return r;
		}
		off += (size_t)k;
	}
	if (rename(tmp, path) < 0) {
		r = qfota_errno();
		unlink(tmp);
		return r;
	}
	return 0;
}
