/* The station's pure parts: the exit-code rule, the job a policy rule makes,
 * and the view fed through a forward reporter (plain lines and the table). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qfota/exitcode.h"
#include "qfota/fota.h"
#include "qfota/hold.h"
#include "qfota/station.h"
#include "../../tool/cli/station_view.h"

static void exit_one(const int codes[], size_t n, int expected)
{
	struct station_entry e[8];

	memset(e, 0, sizeof(e));
	for (size_t i = 0; i < n; i++) {
		e[i].res.exit_code = codes[i];
		e[i].outcome = codes[i] == 0 ? STATION_UPGRADED : STATION_FAILED;
	}
	assert_int_equal(station_exit_code(e, n), expected);
}

static void test_exit_code(void **state)
{
	(void)state;
	exit_one((const int[]){ 0, 0, 0 }, 3, 0);
	exit_one((const int[]){ 0, 5, 0 }, 3, 5);
	exit_one((const int[]){ 5, 7, 9 }, 3, 7);
	exit_one((const int[]){ 130, 1, 0 }, 3, 1);
	exit_one((const int[]){ 130, 10, 6 }, 3, 10); /* a module still updating comes first */
	exit_one((const int[]){ 130, 130 }, 2, 130);
	exit_one((const int[]){ 0, 2 }, 2, 1);         /* outside the order: failed */

	struct station_entry skipped = { .outcome = STATION_SKIPPED };
	assert_int_equal(station_exit_code(&skipped, 1), 0);
}

/* What a failed result leaves the module in, for a station that meets it
 * again (a watched port): only a failure before AT+QFOTADL was taken, or a
 * FILE stream cut short, leaves it untouched; a verdict of failure is final;
 * anything else may still be updating. */
static void test_result_after(void **state)
{
	static const struct {
		bool ok;
		enum fota_phase phase;
		int exit_code;
		enum fota_source source;
		enum fota_after want;
	} cases[] = {
		{ true, FOTA_PHASE_DONE, QFOTA_EXIT_OK, FOTA_SOURCE_FILE, FOTA_AFTER_UNTOUCHED },
		{ false, FOTA_PHASE_CONNECT, QFOTA_EXIT_LOST, FOTA_SOURCE_UPLOAD, FOTA_AFTER_UNTOUCHED },
		{ false, FOTA_PHASE_UPLOAD, QFOTA_EXIT_LOST, FOTA_SOURCE_UPLOAD, FOTA_AFTER_UNTOUCHED },
		{ false, FOTA_PHASE_COMMAND, QFOTA_EXIT_DOWNLOAD, FOTA_SOURCE_URL, FOTA_AFTER_UNTOUCHED },
		{ false, FOTA_PHASE_DOWNLOAD, QFOTA_EXIT_DOWNLOAD, FOTA_SOURCE_URL, FOTA_AFTER_UNTOUCHED },
		{ false, FOTA_PHASE_DOWNLOAD, QFOTA_EXIT_LOST, FOTA_SOURCE_FILE, FOTA_AFTER_UNTOUCHED },
		{ false, FOTA_PHASE_DOWNLOAD, QFOTA_EXIT_INTERRUPTED, FOTA_SOURCE_FILE, FOTA_AFTER_UNTOUCHED },
		{ false, FOTA_PHASE_DOWNLOAD, QFOTA_EXIT_LOST, FOTA_SOURCE_URL, FOTA_AFTER_MAY_UPDATE },
		{ false, FOTA_PHASE_DOWNLOAD, QFOTA_EXIT_TIMEOUT, FOTA_SOURCE_URL, FOTA_AFTER_MAY_UPDATE },
		{ false, FOTA_PHASE_REBOOT, QFOTA_EXIT_LOST, FOTA_SOURCE_UPLOAD, FOTA_AFTER_MAY_UPDATE },
		{ false, FOTA_PHASE_UPDATE, QFOTA_EXIT_TIMEOUT, FOTA_SOURCE_FILE, FOTA_AFTER_MAY_UPDATE },
		{ false, FOTA_PHASE_UPDATE, QFOTA_EXIT_STILL_UPDATING, FOTA_SOURCE_FOLLOW, FOTA_AFTER_MAY_UPDATE },
		{ false, FOTA_PHASE_UPDATE, QFOTA_EXIT_UPDATE, FOTA_SOURCE_UPLOAD, FOTA_AFTER_FAILED },
		{ false, FOTA_PHASE_VERIFY, QFOTA_EXIT_VERIFY, FOTA_SOURCE_FILE, FOTA_AFTER_FAILED },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct report_result res = { .ok = cases[i].ok, .phase = cases[i].phase,
					     .exit_code = cases[i].exit_code };

		if (fota_result_after(&res, cases[i].source) != cases[i].want)
			fail_msg("case %zu: phase %s, exit %d: %d, want %d", i, fota_phase_to_string(cases[i].phase),
				 cases[i].exit_code, fota_result_after(&res, cases[i].source), cases[i].want);
	}
}

static void test_job_from_rule(void **state)
{
	(void)state;
	struct policy_rule rule = { .model = "EG25", .from = "A08", .to = "A09", .source = POLICY_SOURCE_UPLOAD,
				    .location = (char *)"/srv/c.zip", .upload_name = (char *)"u.bin" };
	struct fota_job tmpl = { .source = FOTA_SOURCE_URL, .url = "http://h/x", .cid = 2, .apn = "apn",
				 .upgrade_mode = 1, .update_urc_max = 100 };
	struct fota_job job;

	station_job_from_rule(&tmpl, &rule, "A08", &job);
	assert_int_equal(job.source, FOTA_SOURCE_UPLOAD);
	assert_string_equal(job.package_path, "/srv/c.zip");
	assert_null(job.url);
	assert_string_equal(job.upload_name, "u.bin");
	assert_string_equal(job.expect_revision, "A09");
	assert_string_equal(job.expect_from, "A08");
	assert_int_equal(job.cid, 2); /* the command line's parameters stay */
	assert_int_equal(job.update_urc_max, 100);
}

static void feed(struct reporter *rep, const char *port, enum report_kind kind, enum fota_phase phase, int percent)
{
	reporter_emit(rep, &(struct report_event){ .kind = kind, .port = port, .phase = phase, .percent = percent,
						  .bytes = (uint64_t)(percent < 0 ? 0 : percent) * 10, .total = 1000,
						  .rate_bps = 2.5e6, .text = kind == REPORT_MESSAGE ? "hello" : NULL });
}

static void run_view(enum station_view_style style, char **ret_data, char **ret_progress)
{
	static const char *const ports[] = { "1-4.1", "1-4.2" };
	char *data = NULL, *progress = NULL;
	size_t dn = 0, pn = 0;
	FILE *d = open_memstream(&data, &dn), *p = open_memstream(&progress, &pn);
	struct station_view *v = NULL;
	struct reporter *rep = NULL;
	struct report_result ok = { .ok = true, .model = "EC200U", .from = "A15", .to = "A16", .imei = "8660",
				    .phase = FOTA_PHASE_DONE, .total_ms = 1234 };
	struct report_result bad = { .ok = false, .exit_code = 7, .err = -ENODEV, .phase = FOTA_PHASE_REBOOT,
				     .message = "did not come back" };

	assert_int_equal(station_view_new(style, ports, 2, d, p, false, false, &v), 0);
	assert_int_equal(reporter_new_forward(station_view_event, v, &rep), 0);
	station_view_identity(v, "1-4.1", &ok);
	feed(rep, "1-4.1", REPORT_PHASE, FOTA_PHASE_DOWNLOAD, -1);
	feed(rep, "1-4.2", REPORT_PHASE, FOTA_PHASE_DOWNLOAD, -1);
	feed(rep, "1-4.1", REPORT_PHASE, FOTA_PHASE_DOWNLOAD, -1); /* same phase: one line */
	for (int pc = 0; pc <= 100; pc += 5) {
		feed(rep, "1-4.1", REPORT_TRANSFER, FOTA_PHASE_DOWNLOAD, pc);
		feed(rep, "1-4.2", REPORT_TRANSFER, FOTA_PHASE_DOWNLOAD, pc / 2);
	}
	feed(rep, "1-4.2", REPORT_MESSAGE, FOTA_PHASE_DOWNLOAD, -1);
	station_view_tick(v);
	reporter_emit(rep, &(struct report_event){ .kind = REPORT_RESULT, .port = "1-4.1", .result = &ok });
	reporter_emit(rep, &(struct report_event){ .kind = REPORT_RESULT, .port = "1-4.2", .result = &bad });
	station_view_finish(v);
	reporter_free(rep);
	station_view_free(v);
	fclose(d);
	fclose(p);
	*ret_data = data;
	*ret_progress = progress;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *s = hay; (s = strstr(s, needle)); s += strlen(needle))
		n++;
	return n;
}

static void test_view_plain(void **state)
{
	(void)state;
	char *data, *progress;

	run_view(STATION_VIEW_PLAIN, &data, &progress);
	/* results on data, one per module, each with its port */
	assert_non_null(strstr(data, "1-4.1: upgraded EC200U A15 -> A16 (IMEI 8660)"));
	assert_non_null(strstr(data, "1-4.2: FAILED (exit 7) in reboot: did not come back"));
	assert_int_equal(count(data, "\n"), 2);
	/* progress: per-port phase lines (not merged across modules), tenths per port */
	assert_int_equal(count(progress, "1-4.1: download\n"), 1);
	assert_int_equal(count(progress, "1-4.2: download\n"), 1);
	assert_int_equal(count(progress, "1-4.1: download 100% (2.5 MB/s)"), 1);
	assert_int_equal(count(progress, "1-4.1: download "), 11); /* 0%, 10% .. 100% */
	assert_int_equal(count(progress, "1-4.2: download 50%"), 1);
	assert_non_null(strstr(progress, "1-4.2: hello\n"));
	assert_null(strstr(progress, "\033"));
	free(data);
	free(progress);
}

static void test_view_table(void **state)
{
	(void)state;
	char *data, *progress;

	run_view(STATION_VIEW_TABLE, &data, &progress);
	assert_string_equal(data, ""); /* results wait for the summary */
	assert_non_null(strstr(progress, "PORT"));
	assert_non_null(strstr(progress, "\033[4A")); /* redrawn in place: header, 2 rows, footer */
	assert_non_null(strstr(progress, "upgraded to A16"));
	assert_non_null(strstr(progress, "FAILED (exit 7) in reboot"));
	assert_non_null(strstr(progress, "8660")); /* the IMEI from the identity */
	assert_non_null(strstr(progress, "2 modules: 0 running, 1 done, 1 failed"));
	assert_null(strstr(progress, "\033[32m")); /* colour off as asked */
	free(data);
	free(progress);
}

static void test_summary(void **state)
{
	(void)state;
	struct station_entry e[3] = {
		{ .port = "1-1", .outcome = STATION_UPGRADED },
		{ .port = "1-2", .outcome = STATION_SKIPPED },
		{ .port = "1-3", .outcome = STATION_FAILED, .res = { .exit_code = 9, .phase = FOTA_PHASE_UPDATE,
								     .message = "no START" } },
	};
	struct station_result r = { .entries = e, .n = 3, .upgraded = 1, .skipped = 1, .failed = 1, .exit_code = 9 };
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);

	station_summary_print(f, &r);
	station_summary_print_json(f, &r);
	fclose(f);
	assert_non_null(strstr(out, "station: 3 modules: 1 upgraded, 1 skipped, 1 failed (exit 9)\n"));
	assert_non_null(strstr(out, "  failed 1-3 (exit 9, update): no START\n"));
	assert_non_null(strstr(out, "{\"event\":\"summary\",\"modules\":3,\"upgraded\":1,\"skipped\":1,\"failed\":1,"
				    "\"exit_code\":9,\"failures\":[{\"port\":\"1-3\",\"exit_code\":9,\"phase\":\"update\","
				    "\"message\":\"no START\"}]}"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_code),  cmocka_unit_test(test_job_from_rule),
		cmocka_unit_test(test_result_after),
		cmocka_unit_test(test_view_plain), cmocka_unit_test(test_view_table),
		cmocka_unit_test(test_summary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
