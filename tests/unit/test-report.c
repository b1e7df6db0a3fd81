/* The reporter's three renderings: JSON lines parse back with json-c and
 * carry every result field; plain lines are one per tenth; results go to the
 * data stream and progress to the progress stream. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "common/testutil.h"
#include "qfota/report.h"

struct streams {
	char *data_buf, *prog_buf;
	size_t data_len, prog_len;
	FILE *data, *prog;
	struct reporter *r;
};

static void open_streams(struct streams *s, enum report_style style)
{
	memset(s, 0, sizeof(*s));
	s->data = open_memstream(&s->data_buf, &s->data_len);
	s->prog = open_memstream(&s->prog_buf, &s->prog_len);
	assert_int_equal(reporter_new(style, s->data, s->prog, &s->r), 0);
}

static void close_streams(struct streams *s)
{
	reporter_free(s->r);
	fclose(s->data);
	fclose(s->prog);
}

static void free_streams(struct streams *s)
{
	free(s->data_buf);
	free(s->prog_buf);
}

static struct report_result sample_result(bool ok)
{
	struct report_result res = { .ok = ok, .exit_code = ok ? 0 : 4, .module_code = ok ? 0 : 510,
				     .phase = ok ? FOTA_PHASE_DONE : FOTA_PHASE_UPDATE,
				     .total_ms = 61000, .download_ms = 10000, .update_ms = 40000, .reboot_ms = 11000 };

	snprintf(res.message, sizeof(res.message), "%s", ok ? "upgraded" : "the \"package\" does not match\n");
	snprintf(res.model, sizeof(res.model), "EC200U");
	snprintf(res.imei, sizeof(res.imei), "866050034443331");
	snprintf(res.from, sizeof(res.from), "EC200UCNAAR03A15M08");
	snprintf(res.to, sizeof(res.to), "EC200UCNAAR03A16M08");
	return res;
}

static void test_json_result_round_trip(void **state)
{
	struct streams s;
	struct report_result res = sample_result(false);
	json_object *o, *v;

	(void)state;
	open_streams(&s, REPORT_STYLE_JSON);
	reporter_emit(s.r, &(struct report_event){ .kind = REPORT_TRANSFER, .port = "1-4", .phase = FOTA_PHASE_DOWNLOAD,
						   .bytes = 512, .total = 1024, .rate_bps = 1e6, .percent = -1 });
	reporter_emit(s.r, &(struct report_event){ .kind = REPORT_RESULT, .port = "1-4", .result = &res, .percent = -1 });
	close_streams(&s);
	/* two lines, each a JSON object; the last is the result */
	assert_int_equal(tu_count(s.data_buf, "\n"), 2);
	o = json_tokener_parse(strchr(s.data_buf, '\n') + 1);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "event", &v));
	assert_string_equal(json_object_get_string(v), "result");
	assert_true(json_object_object_get_ex(o, "ok", &v));
	assert_false(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(o, "result", &v));
	assert_string_equal(json_object_get_string(v), "failed");
	assert_true(json_object_object_get_ex(o, "code", &v));
	assert_int_equal(json_object_get_int(v), 510);
	assert_true(json_object_object_get_ex(o, "message", &v));
	assert_string_equal(json_object_get_string(v), res.message); /* quotes and newline survive */
	assert_true(json_object_object_get_ex(o, "phase", &v));
	assert_string_equal(json_object_get_string(v), "update");
	assert_true(json_object_object_get_ex(o, "imei", &v));
	assert_string_equal(json_object_get_string(v), "866050034443331");
	assert_true(json_object_object_get_ex(o, "durations", &v));
	assert_true(json_object_object_get_ex(v, "total_ms", &v));
	assert_int_equal(json_object_get_int64(v), 61000);
	json_object_put(o);
	assert_int_equal(s.prog_len, 0); /* nothing on the progress stream in JSON mode */
	free_streams(&s);
}

/* The three outcomes, as the JSON result event and the audit log name them. */
static void test_result_outcome(void **state)
{
	struct report_result res = sample_result(true);

	(void)state;
	assert_string_equal(report_result_outcome(&res), "ok");
	res.err = -EALREADY; /* at the target already: a station's skip */
	assert_string_equal(report_result_outcome(&res), "skipped");
	res = sample_result(false);
	res.err = -EIO;
	assert_string_equal(report_result_outcome(&res), "failed");
}

/* A message carries no phase: reporter_say does not know it (it once said
 * "preflight" in the middle of an update). */
static void test_json_message_has_no_phase(void **state)
{
	struct streams s;
	json_object *o, *v;

	(void)state;
	open_streams(&s, REPORT_STYLE_JSON);
	reporter_say(s.r, "1-4", false, "back on port %s after reboot %u", "1-4", 1u);
	close_streams(&s);
	o = json_tokener_parse(s.data_buf);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "event", &v));
	assert_string_equal(json_object_get_string(v), "message");
	assert_true(json_object_object_get_ex(o, "text", &v));
	assert_string_equal(json_object_get_string(v), "back on port 1-4 after reboot 1");
	assert_false(json_object_object_get_ex(o, "phase", &v));
	json_object_put(o);
	free_streams(&s);
}

static void test_plain_progress_one_line_per_tenth(void **state)
{
	struct streams s;

	(void)state;
	open_streams(&s, REPORT_STYLE_PLAIN);
	for (uint64_t b = 0; b <= 1000; b += 5)
		reporter_emit(s.r, &(struct report_event){ .kind = REPORT_TRANSFER, .port = "1-1",
							   .phase = FOTA_PHASE_DOWNLOAD, .bytes = b, .total = 1000,
							   .percent = -1 });
	close_streams(&s);
	assert_int_equal(tu_count(s.prog_buf, "\n"), 11); /* 0%, 10%, ... 100% */
	assert_non_null(strstr(s.prog_buf, "1-1: download 100%"));
	assert_int_equal(s.data_len, 0);
	free_streams(&s);
}

static void test_plain_result_on_data_stream(void **state)
{
	struct streams s;
	struct report_result ok = sample_result(true);

	(void)state;
	open_streams(&s, REPORT_STYLE_PLAIN);
	reporter_say(s.r, "1-2", false, "claimed interface %d", 2);
	reporter_emit(s.r, &(struct report_event){ .kind = REPORT_RESULT, .port = "1-2", .result = &ok, .percent = -1 });
	close_streams(&s);
	assert_non_null(strstr(s.data_buf, "1-2: upgraded EC200U EC200UCNAAR03A15M08 -> EC200UCNAAR03A16M08"));
	assert_null(strstr(s.data_buf, "\033[")); /* no colour off a terminal */
	assert_non_null(strstr(s.prog_buf, "1-2: claimed interface 2"));
	free_streams(&s);
}

static void test_quiet_keeps_results_and_warnings(void **state)
{
	struct streams s;
	struct report_result bad = sample_result(false);

	(void)state;
	open_streams(&s, REPORT_STYLE_PLAIN);
	reporter_set_quiet(s.r, true);
	reporter_say(s.r, "1-3", false, "chatter");
	reporter_say(s.r, "1-3", true, "careful");
	reporter_emit(s.r, &(struct report_event){ .kind = REPORT_RESULT, .port = "1-3", .result = &bad, .percent = -1 });
	close_streams(&s);
	assert_null(strstr(s.prog_buf, "chatter"));
	assert_non_null(strstr(s.prog_buf, "warning: careful"));
	assert_non_null(strstr(s.data_buf, "FAILED in update"));
	free_streams(&s);
}

static void test_phase_names(void **state)
{
	(void)state;
	assert_string_equal(fota_phase_to_string(FOTA_PHASE_DOWNLOAD), "download");
	assert_string_equal(fota_phase_to_string(FOTA_PHASE_VERIFY), "verify");
	assert_string_equal(fota_phase_to_string((enum fota_phase)99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_result_round_trip),
		cmocka_unit_test(test_result_outcome),
		cmocka_unit_test(test_plain_progress_one_line_per_tenth),
		cmocka_unit_test(test_plain_result_on_data_stream),
		cmocka_unit_test(test_quiet_keeps_results_and_warnings),
		cmocka_unit_test(test_phase_names),
		cmocka_unit_test(test_json_message_has_no_phase),
	};
	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
