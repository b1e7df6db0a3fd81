/* Station metrics (include/qfota/metrics.h): the text format's counters and
 * histogram, label escaping of a hostile model name, and the write through a
 * temporary name. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/testutil.h"
#include "qfota/metrics.h"

static void says_one(const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("missing: %s\n--- text ---\n%s", want, text);
}

static void test_counters_and_histogram(void **state)
{
	struct metrics *m;
	char *text;

	(void)state;
	assert_int_equal(metrics_new(&m), 0);
	assert_int_equal(metrics_add(m, "EC200U", "upgraded", 700000), 0);  /* 700 s */
	assert_int_equal(metrics_add(m, "EC200U", "upgraded", 2500), 0);    /* 2.5 s */
	assert_int_equal(metrics_add(m, "EC200U", "failed", 1000), 0);
	assert_int_equal(metrics_add(m, "EG25", "skipped", 10), 0);
	assert_int_equal(metrics_add(m, NULL, "failed", 10), 0);
	assert_int_equal(metrics_add(m, "EC200U", "exploded", 10), -EINVAL);
	assert_int_equal(metrics_format(m, &text), 0);
	says_one(text, "# TYPE qfota_station_results_total counter\n");
	says_one(text, "qfota_station_results_total{model=\"EC200U\",outcome=\"upgraded\"} 2\n");
	says_one(text, "qfota_station_results_total{model=\"EC200U\",outcome=\"failed\"} 1\n");
	says_one(text, "qfota_station_results_total{model=\"EC200U\",outcome=\"skipped\"} 0\n");
	says_one(text, "qfota_station_results_total{model=\"EG25\",outcome=\"skipped\"} 1\n");
	says_one(text, "qfota_station_results_total{model=\"unknown\",outcome=\"failed\"} 1\n");
	says_one(text, "# TYPE qfota_station_upgrade_duration_seconds histogram\n");
	says_one(text, "qfota_station_upgrade_duration_seconds_bucket{model=\"EC200U\",le=\"1\"} 0\n");
	says_one(text, "qfota_station_upgrade_duration_seconds_bucket{model=\"EC200U\",le=\"5\"} 1\n");
	says_one(text, "qfota_station_upgrade_duration_seconds_bucket{model=\"EC200U\",le=\"600\"} 1\n");
	says_one(text, "qfota_station_upgrade_duration_seconds_bucket{model=\"EC200U\",le=\"900\"} 2\n");
	says_one(text, "qfota_station_upgrade_duration_seconds_bucket{model=\"EC200U\",le=\"+Inf\"} 2\n");
	says_one(text, "qfota_station_upgrade_duration_seconds_sum{model=\"EC200U\"} 702.500\n");
	says_one(text, "qfota_station_upgrade_duration_seconds_count{model=\"EC200U\"} 2\n");
	says_one(text, "qfota_station_upgrade_duration_seconds_count{model=\"EG25\"} 0\n");
	free(text);
	metrics_free(m);
}

/* A module's name is a device string: it cannot end the label or the line. */
static void test_label_escaped(void **state)
{
	struct metrics *m;
	char *text;

	(void)state;
	assert_int_equal(metrics_new(&m), 0);
	assert_int_equal(metrics_add(m, "EC\"2\\00\nU\x1b[2J\xff", "failed", 1), 0);
	assert_int_equal(metrics_format(m, &text), 0);
	says_one(text, "qfota_station_results_total{model=\"EC\\\"2\\\\00\\nU?[2J?\",outcome=\"failed\"} 1\n");
	free(text);
	metrics_free(m);
}

static void test_write_renames(void **state)
{
	char *dir = tu_mkdtemp(), path[256], tmp[300], *text;
	struct metrics *m;

	(void)state;
	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/qfota.prom", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	assert_int_equal(metrics_new(&m), 0);
	assert_int_equal(metrics_add(m, "EC200U", "upgraded", 1000), 0);
	assert_int_equal(metrics_write(m, path), 0);
	assert_int_equal(access(tmp, F_OK), -1);
	text = tu_read_file(path);
	assert_non_null(text);
	says_one(text, "outcome=\"upgraded\"} 1\n");
	free(text);
	assert_int_equal(metrics_add(m, "EC200U", "upgraded", 1000), 0);
	assert_int_equal(metrics_write(m, path), 0); /* over the old one */
	text = tu_read_file(path);
	says_one(text, "outcome=\"upgraded\"} 2\n");
	free(text);
	snprintf(path, sizeof(path), "%s/no/such/dir.prom", dir);
	assert_int_equal(metrics_write(m, path), -ENOENT);
	metrics_free(m);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counters_and_histogram),
		cmocka_unit_test(test_label_escaped),
		cmocka_unit_test(test_write_renames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
