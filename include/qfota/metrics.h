/* Station metrics in the Prometheus text format (version 0.0.4), for
 * node_exporter's textfile collector: counters of results per model and
 * outcome, and a histogram of upgrade durations per model, so that a fleet of
 * stations is watched with the monitoring a site already runs.
 *
 *   # TYPE qfota_station_results_total counter
 *   qfota_station_results_total{model="EC200U",outcome="upgraded"} 28
 *   # TYPE qfota_station_upgrade_duration_seconds histogram
 *   qfota_station_upgrade_duration_seconds_bucket{model="EC200U",le="60"} 27
 *   ...{le="+Inf"} 28, ..._sum{model="EC200U"} 812.4, ..._count{model="EC200U"} 28
 *
 * The file is written whole to a temporary name in the same directory
 * (FILE.tmp.PID), then renamed over FILE: the collector never reads half a
 * file. Not thread-safe: the caller serialises. */
#ifndef QFOTA_METRICS_H
#define QFOTA_METRICS_H

#include <stdint.h>

struct metrics;

/* Returns 0 and *ret (metrics_free), -ENOMEM. */
int metrics_new(struct metrics **ret);
void metrics_free(struct metrics *m); /* accepts NULL */

/* One module's result: outcome "upgraded", "skipped" or "failed"; model as the
 * module named it (a device string: escaped in the label), "" or NULL:
 * "unknown". Upgraded modules' total_ms go to the duration histogram.
 * Returns 0, -EINVAL (another outcome), -ENOMEM. */
int metrics_add(struct metrics *m, const char *model, const char *outcome, uint64_t total_ms);

/* The text (malloc'd, the caller frees). Returns 0, -ENOMEM. */
int metrics_format(const struct metrics *m, char **ret);

/* metrics_format, written to path.tmp.PID, then renamed to path. Returns 0;
 * -ENOMEM; the errno of open/write/rename (the temporary file is removed). */
int metrics_write(const struct metrics *m, const char *path);

#endif
