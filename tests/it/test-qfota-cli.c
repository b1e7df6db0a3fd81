/* The qfota command line against virtual modules: list, info, explain, help;
 * follow after a Ctrl-C in the update; the PDP set-up of URL mode; --expect;
 * a mode the module does not have. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/qfota-run.h"
#include "common/testutil.h"

#define RUN_MS 120000

#define setup qrun_setup_dir
#define teardown qrun_teardown_dir

/* Runs build/qfota alone (no virtual module). */
static void qfota_alone(const char *const args[], struct tu_run *r)
{
	char qf[256];
	char *argv[16];
	size_t n = 0;

	argv[n++] = qf;
	tu_build_path("qfota", qf, sizeof(qf));
	for (size_t i = 0; args[i]; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	assert_int_equal(tu_run(argv, NULL, 30000, r), 0);
}

static void test_list_and_info(void **state)
{
	struct qrun q;

	qrun(&q, *state, (const char *const[]){ "--count", "2", "--profile", "eg25", "--port-base", "1-4.", NULL },
	     (const char *const[]){ "list", NULL }, RUN_MS);
	qrun_assert_exit(&q, 0);
	assert_int_equal(tu_count(q.run.out, "\n"), 2); /* one line per module, on stdout */
	assert_non_null(strstr(q.run.out, "1-4.1 "));
	assert_non_null(strstr(q.run.out, "1-4.2 "));
	assert_non_null(strstr(q.run.out, "2c7c:0125"));
	assert_non_null(strstr(q.run.out, "at=2 driver=option"));
	qrun_assert_nothing_sent(&q, "1-4.1"); /* list claims nothing */
	qrun_clear(&q);

	qrun(&q, *state, (const char *const[]){ "--profile", "eg25", NULL },
	     (const char *const[]){ "info", "--json", "--port", "1-1", NULL }, RUN_MS);
	qrun_assert_exit(&q, 0);
	qrun_assert_says(&q, "\"revision\":\"EG25GGBR07A08M2G\"");
	qrun_assert_says(&q, "\"full_revision\":\"EG25GGBR07A08M2G_30.203.30.203\"");
	qrun_assert_says(&q, "\"imei\":\"86605003444300");
	qrun_assert_released(&q, "1-1");
	qrun_clear(&q);
}

/* 502 and 510 mean different things on EC200U and DFOTA modules. */
static void test_explain(void **state)
{
	struct tu_run r;

	(void)state;
	qfota_alone((const char *const[]){ "explain", "510", NULL }, &r);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "EC200U"));
	assert_non_null(strstr(r.out, "DFOTA"));
	assert_int_equal(tu_count(r.out, "510"), 2);
	tu_run_clear(&r);
	qfota_alone((const char *const[]){ "explain", "609", "--family", "ec200u", NULL }, &r);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "FTP"));
	tu_run_clear(&r);
	qfota_alone((const char *const[]){ "explain", "9999", NULL }, &r);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "unknown"));
	assert_non_null(strstr(r.out, "9999"));
	tu_run_clear(&r);
	qfota_alone((const char *const[]){ "explain", "five", NULL }, &r);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "not an error code"));
	tu_run_clear(&r);
}

static void test_help_and_version(void **state)
{
	const char *cmds[] = { "list", "info", "upgrade", "follow", "explain" };
	struct tu_run r;

	(void)state;
	qfota_alone((const char *const[]){ "--help", NULL }, &r);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "Exit codes"));
	assert_string_equal(r.err, "");
	tu_run_clear(&r);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		qfota_alone((const char *const[]){ cmds[i], "--help", NULL }, &r);
		assert_int_equal(r.status, 0);
		assert_non_null(strstr(r.out, "Usage: qfota"));
		tu_run_clear(&r);
	}
	qfota_alone((const char *const[]){ "--version", NULL }, &r);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "qfota "));
	tu_run_clear(&r);
	qfota_alone((const char *const[]){ "frobnicate", NULL }, &r);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "unknown command"));
	tu_run_clear(&r);
}

/* URL mode with --cid/--apn: the module sees the PDP set-up of the seeds'
 * example before AT+QFOTADL. */
static void test_pdp_setup(void **state)
{
	const char *dir = *state;
	char pkg[128], map[256];
	struct qrun q;
	char *first;

	snprintf(pkg, sizeof(pkg), "%s/p.pack", dir);
	qrun_pack("ec200u", 50000, pkg, NULL);
	snprintf(map, sizeof(map), "http://fota.example.com/p.pack=%s", pkg);
	qrun(&q, dir, (const char *const[]){ "--url", map, NULL },
	     (const char *const[]){ "upgrade", "--port", "1-1", "--cid", "2", "--apn", "cmnet", "--url",
				    "http://fota.example.com/p.pack", NULL },
	     RUN_MS);
	qrun_assert_exit(&q, 0);
	qrun_assert_says(&q, "upgraded");
	assert_non_null(strstr(q.record, "1-1 cmd AT+QICSGP=2,1,\"cmnet\",\"\",\"\",1\n"));
	assert_non_null(strstr(q.record, "1-1 cmd AT+QCFG=\"fota/cid\",2\n"));
	first = strstr(q.record, "AT+QCFG=\"fota/cid\"");
	assert_true(first < strstr(q.record, "AT+QFOTADL=")); /* set up before the command */
	qrun_clear(&q);
}

static void test_expect(void **state)
{
	const char *dir = *state;
	char pkg[128];
	struct qrun q;

	snprintf(pkg, sizeof(pkg), "%s/p.pack", dir);
	qrun_pack("ec200u", 50000, pkg, (const char *const[]){ "--to", "EC200UCNAAR03A20M08", NULL });
	qrun(&q, dir, NULL,
	     (const char *const[]){ "upgrade", "--port", "1-1", "--expect", "EC200UCNAAR03A99M08", pkg, NULL }, RUN_MS);
	qrun_assert_exit(&q, 8);
	qrun_assert_says(&q, "not the expected EC200UCNAAR03A99M08");
	qrun_clear(&q);
	qrun(&q, dir, NULL,
	     (const char *const[]){ "upgrade", "--port", "1-1", "--expect", "EC200UCNAAR03A20M08", pkg, NULL }, RUN_MS);
	qrun_assert_exit(&q, 0);
	qrun_clear(&q);
	/* already there: nothing to do, said so, exit 0, nothing streamed */
	qrun(&q, dir, NULL,
	     (const char *const[]){ "upgrade", "--port", "1-1", "--expect", "EC200UCNAAR03A15M08", pkg, NULL }, RUN_MS);
	qrun_assert_exit(&q, 0);
	qrun_assert_says(&q, "already runs EC200UCNAAR03A15M08");
	assert_null(strstr(q.record, "AT+QFOTADL"));
	qrun_clear(&q);
}

/* EG25 has no FILE mode: refused with exit 3 before AT+QFOTADL. */
static void test_file_mode_refused_on_dfota_module(void **state)
{
	const char *dir = *state;
	char pkg[128];
	struct qrun q;

	snprintf(pkg, sizeof(pkg), "%s/p.zip", dir);
	qrun_pack("eg25", 50000, pkg, NULL);
	qrun(&q, dir, (const char *const[]){ "--profile", "eg25", NULL },
	     (const char *const[]){ "upgrade", "--port", "1-1", pkg, NULL }, RUN_MS);
	qrun_assert_exit(&q, 3);
	qrun_assert_says(&q, "--upload");
	assert_null(strstr(q.record, "AT+QFOTADL"));
	qrun_assert_released(&q, "1-1");
	qrun_clear(&q);
}

/* Ctrl-C in the update, then `qfota follow` to the end. With demo pacing the
 * update takes seconds, so the SIGINT at 1.5 s lands in it. */
static void test_follow_after_interrupt(void **state)
{
	const char *dir = *state;
	char qf[256], script[1024];
	struct qrun q;

	tu_build_path("qfota", qf, sizeof(qf));
	snprintf(script, sizeof(script), "%s/p.pack", dir);
	qrun_pack("ec200u", 20000, script, NULL);
	snprintf(script, sizeof(script),
		 "timeout --preserve-status -s INT 1.5 %s upgrade --port 1-1 %s/p.pack; echo first=$?; "
		 "%s follow --port 1-1; echo follow=$?", qf, dir, qf);
	qrun_script(&q, dir, (const char *const[]){ "--pace", "demo", NULL }, script, RUN_MS);
	qrun_assert_says(&q, "first=10");
	qrun_assert_says(&q, "still upgrading");
	qrun_assert_says(&q, "follow=0");
	qrun_assert_says(&q, "-> EC200UCNAAR03A16M08");
	qrun_assert_released(&q, "1-1");
	qrun_clear(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list_and_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_explain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_help_and_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pdp_setup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_mode_refused_on_dfota_module, setup, teardown),
		cmocka_unit_test_setup_teardown(test_follow_after_interrupt, setup, teardown),
	};
	return cmocka_run_group_tests_name("qfota-cli", tests, NULL, NULL);
}
