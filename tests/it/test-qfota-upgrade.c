/* The real build/qfota against virtual modules: every mode on every profile
 * it applies to, and what the module saw (the package intact, the driver
 * given back, the new revision). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "common/qfota-run.h"
#include "common/testutil.h"

#define RUN_MS 120000

#define setup qrun_setup_dir
#define teardown qrun_teardown_dir

static void assert_upgraded(const struct qrun *q, const char *port, const char *mode, const char *reboots)
{
	char *rev0 = tu_record_get(q->record, port, "revision_before", false);
	char *rev1 = tu_record_get(q->record, port, "revision", true);
	char *m = tu_record_get(q->record, port, "fota_mode", true);
	char *end = tu_record_get(q->record, port, "fota_end_code", true);
	char *rb = tu_record_get(q->record, port, "reboots", true);

	qrun_assert_exit(q, 0);
	qrun_assert_says(q, "upgraded");
	assert_non_null(rev0);
	assert_non_null(rev1);
	assert_string_not_equal(rev0, rev1);
	qrun_assert_says(q, rev1); /* the new revision is shown */
	assert_non_null(m);
	assert_string_equal(m, mode);
	assert_non_null(end);
	assert_string_equal(end, "0");
	assert_non_null(rb);
	assert_string_equal(rb, reboots);
	qrun_assert_released(q, port);
	free(rev0);
	free(rev1);
	free(m);
	free(end);
	free(rb);
}

static void assert_package_intact(const struct qrun *q, const char *port, const char *pkg)
{
	char sha[65];
	char *got = tu_record_get(q->record, port, "package_sha256", true);

	assert_int_equal(tu_sha256_file(pkg, sha), 0);
	assert_non_null(got);
	assert_string_equal(got, sha);
	free(got);
}

/* EC200U: the package streamed over USB in FILE mode, one reboot after END. */
static void test_file_mode_ec200u(void **state)
{
	const char *dir = *state;
	char pkg[128];
	struct qrun q;

	snprintf(pkg, sizeof(pkg), "%s/ec200u.pack", dir);
	qrun_pack("ec200u", 1 << 20, pkg, NULL);
	qrun(&q, dir, (const char *const[]){ "--profile", "ec200u", NULL },
	     (const char *const[]){ "upgrade", "--port", "1-1", pkg, NULL }, RUN_MS);
	assert_upgraded(&q, "1-1", "FILE", "1");
	assert_package_intact(&q, "1-1", pkg);
	qrun_clear(&q);
}

/* Without --port, the one module there is chosen. */
static void test_file_mode_single_module_without_port(void **state)
{
	const char *dir = *state;
	char pkg[128];
	struct qrun q;

	snprintf(pkg, sizeof(pkg), "%s/ec200u.pack", dir);
	qrun_pack("ec200u", 65536, pkg, NULL);
	qrun(&q, dir, (const char *const[]){ "--profile", "ec200u", "--port-base", "1-4.", NULL },
	     (const char *const[]){ "upgrade", pkg, NULL }, RUN_MS);
	assert_upgraded(&q, "1-4.1", "FILE", "1");
	qrun_clear(&q);
}

static void url_one(const char *dir, const char *profile, const char *url, const char *mode, const char *reboots)
{
	char pkg[128], map[512];
	struct qrun q;

	snprintf(pkg, sizeof(pkg), "%s/%s.pack", dir, profile);
	qrun_pack(profile, 300000, pkg, NULL);
	snprintf(map, sizeof(map), "%s=%s", url, pkg);
	qrun(&q, dir, (const char *const[]){ "--profile", profile, "--url", map, NULL },
	     (const char *const[]){ "upgrade", "--port", "1-1", "--url", url, NULL }, RUN_MS);
	assert_upgraded(&q, "1-1", mode, reboots);
	qrun_clear(&q);
}

static void test_http_url_ec200u(void **state)
{
	url_one(*state, "ec200u", "http://fota.example.com:8080/EC200U.pack", "HTTP", "1");
}

static void test_https_url_ec200u(void **state)
{
	url_one(*state, "ec200u", "https://fota.example.com/EC200U.pack", "HTTP", "1");
}

static void test_ftp_url_ec200u(void **state)
{
	url_one(*state, "ec200u", "FTP://test:test@124.74.41.170:21/EC200U.pack", "FTP", "1");
}

/* DFOTA modules reboot twice: after the download and after END. */
static void test_http_url_eg25(void **state)
{
	url_one(*state, "eg25", "http://fota.example.com/EG25.zip", "HTTP", "2");
}

static void test_ftp_url_ep06(void **state)
{
	url_one(*state, "ep06", "FTP://user:pw@10.0.0.1/EP06.zip", "FTP", "2");
}

static void upload_one(const char *dir, const char *profile)
{
	char pkg[128];
	struct qrun q;

	snprintf(pkg, sizeof(pkg), "%s/%s.zip", dir, profile);
	qrun_pack(profile, 300001, pkg, NULL); /* odd size: the XOR16 of an odd tail */
	qrun(&q, dir, (const char *const[]){ "--profile", profile, NULL },
	     (const char *const[]){ "upgrade", "--port", "1-1", "--upload", pkg, NULL }, RUN_MS);
	assert_upgraded(&q, "1-1", "LOCAL", "2");
	assert_package_intact(&q, "1-1", pkg);
	qrun_assert_says(&q, "checksum");
	qrun_clear(&q);
}

static void test_upload_eg25(void **state) { upload_one(*state, "eg25"); }
static void test_upload_ep06(void **state) { upload_one(*state, "ep06"); }

/* --json: one event per line, the last one the result with every field. */
static void test_json_result(void **state)
{
	const char *dir = *state;
	const char *fields[] = { "port", "model", "imei", "from", "to", "ok", "code", "phase", "message", "durations" };
	char pkg[128];
	struct qrun q;
	json_object *o, *v;
	char *last = NULL;

	snprintf(pkg, sizeof(pkg), "%s/ec200u.pack", dir);
	qrun_pack("ec200u", 100000, pkg, NULL);
	qrun(&q, dir, (const char *const[]){ "--profile", "ec200u", NULL },
	     (const char *const[]){ "upgrade", "--json", "--port", "1-1", pkg, NULL }, RUN_MS);
	qrun_assert_exit(&q, 0);
	/* every stdout line is JSON */
	for (char *line = q.run.out; *line;) {
		char *nl = strchr(line, '\n');

		assert_non_null(nl);
		*nl = '\0';
		o = json_tokener_parse(line);
		if (!o)
			fail_msg("not JSON: %s", line);
		json_object_put(o);
		last = line;
		line = nl + 1;
	}
	assert_non_null(last);
	o = json_tokener_parse(last);
	assert_non_null(o);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!json_object_object_get_ex(o, fields[i], &v))
			fail_msg("result has no \"%s\": %s", fields[i], last);
	json_object_object_get_ex(o, "ok", &v);
	assert_true(json_object_get_boolean(v));
	json_object_object_get_ex(o, "port", &v);
	assert_string_equal(json_object_get_string(v), "1-1");
	json_object_put(o);
	qrun_clear(&q);
}

/* Credentials of an FTP URL appear in no output. */
static void test_credentials_never_printed(void **state)
{
	const char *dir = *state;
	const char *url = "FTP://fotauser:s3cr3tPW@fota.example.com/EC200U.pack";
	char pkg[128], map[512];
	struct qrun q;

	snprintf(pkg, sizeof(pkg), "%s/ec200u.pack", dir);
	qrun_pack("ec200u", 50000, pkg, NULL);
	snprintf(map, sizeof(map), "%s=%s", url, pkg);
	qrun(&q, dir, (const char *const[]){ "--profile", "ec200u", "--url", map, NULL },
	     (const char *const[]){ "-v", "-v", "upgrade", "--json", "--port", "1-1", "--url", url, NULL }, RUN_MS);
	qrun_assert_exit(&q, 0);
	assert_null(strstr(q.run.out, "s3cr3tPW"));
	assert_null(strstr(q.run.err, "s3cr3tPW"));
	qrun_clear(&q);
}

/* --log: one JSON line per attempt, with the result's fields. */
static void test_audit_log(void **state)
{
	const char *dir = *state;
	char pkg[128], log[128];
	struct qrun q;
	json_object *o, *v;
	char *text;

	snprintf(pkg, sizeof(pkg), "%s/ec200u.pack", dir);
	snprintf(log, sizeof(log), "%s/audit.log", dir);
	qrun_pack("ec200u", 40000, pkg, NULL);
	for (int i = 0; i < 2; i++) {
		qrun(&q, dir, (const char *const[]){ "--profile", "ec200u", NULL },
		     (const char *const[]){ "upgrade", "--log", log, "--port", "1-1", pkg, NULL }, RUN_MS);
		qrun_assert_exit(&q, 0);
		qrun_clear(&q);
	}
	text = tu_read_file(log);
	assert_non_null(text);
	assert_int_equal(tu_count(text, "\n"), 2);
	o = json_tokener_parse(strchr(text, '\n') + 1);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "port", &v));
	assert_string_equal(json_object_get_string(v), "1-1");
	assert_true(json_object_object_get_ex(o, "ok", &v));
	assert_true(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(o, "to", &v));
	assert_string_equal(json_object_get_string(v), "EC200UCNAAR03A16M08");
	json_object_put(o);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_file_mode_ec200u, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_mode_single_module_without_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_url_ec200u, setup, teardown),
		cmocka_unit_test_setup_teardown(test_https_url_ec200u, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ftp_url_ec200u, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_url_eg25, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ftp_url_ep06, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upload_eg25, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upload_ep06, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_result, setup, teardown),
		cmocka_unit_test_setup_teardown(test_credentials_never_printed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_log, setup, teardown),
	};
	return cmocka_run_group_tests_name("qfota-upgrade", tests, NULL, NULL);
}
