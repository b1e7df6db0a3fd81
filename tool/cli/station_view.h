/* How a station looks to a person (tool/station_view.c); not a public header.
 *
 * A forward reporter (reporter_new_forward) hands it every event of every
 * module. TABLE: one row per module (port, model, IMEI, phase, %, rate,
 * elapsed, result) on the progress stream, redrawn in place with ANSI cursor
 * moves at most ten times a second; colour unless NO_COLOR; results wait for
 * the summary. PLAIN: lines prefixed with the port, progress once per tenth
 * per module on the progress stream, one result line per module on `data`
 * as it ends.
 */
#ifndef QFOTA_STATION_VIEW_H
#define QFOTA_STATION_VIEW_H

#include <stdbool.h>
#include <stdio.h>

#include "qfota/report.h"
#include "qfota/station.h"

enum station_view_style {
	STATION_VIEW_PLAIN,
	STATION_VIEW_TABLE,
};

struct station_view;

/* ports are copied (n may be 0 with --watch). Streams are borrowed. Returns 0, -ENOMEM, -EINVAL. */
int station_view_new(enum station_view_style style, const char *const *ports, size_t n, FILE *data,
		     FILE *progress, bool colour, bool quiet, struct station_view **ret);
void station_view_free(struct station_view *v); /* accepts NULL */

/* A report_forward_fn: user is the view. */
void station_view_event(void *user, const struct report_event *ev);
/* station_opts.on_identity / on_tick: user is the view. */
void station_view_identity(void *user, const char *port, const struct report_result *id);
void station_view_tick(void *user);
/* --watch: rows are added or reset as modules arrive (station_view_arrival,
 * an on_arrival); a row keeps its module's result, IMEI and duration until
 * the next arrives there; the table's first line counts done, failed and
 * skipped modules (station_view_outcome, from on_result) and modules per hour. */
void station_view_watch(struct station_view *v);
void station_view_arrival(void *user, const char *port);
void station_view_outcome(struct station_view *v, const struct station_entry *e);
/* TABLE: the last full drawing (every row) and the warnings seen. */
void station_view_finish(struct station_view *v);

/* The summary at the end, on out: counts, then each failure's port, exit
 * code and message. */
void station_summary_print(FILE *out, const struct station_result *r);
/* The same as one JSON object {"event":"summary",...} on one line. */
void station_summary_print_json(FILE *out, const struct station_result *r);
/* The plan (qfota station --plan, plan_view.c): a header and one line per
 * module, or one {"event":"plan",...} JSON object per module. */
void station_plan_print(FILE *out, const struct station_plan *p, size_t n, bool json);

#endif
