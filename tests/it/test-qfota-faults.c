/* The real build/qfota against bad input and a busy module: bad input is
 * refused with exit 2 before anything reaches any module; a second qfota on a
 * port is refused. The module's faults, every error code of the seeds and the
 * signals in every phase are the generated matrix: test-qfota-matrix.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "common/qfota-run.h"
#include "common/testutil.h"

#define RUN_MS 120000

/* Every case's packages, made once per test in its scratch directory. */
static int setup(void **state)
{
	char pkg[128];

	if (qrun_setup_dir(state) < 0)
		return -1;
	snprintf(pkg, sizeof(pkg), "%s/ec200u.pack", (char *)*state);
	qrun_pack("ec200u", 200000, pkg, NULL);
	snprintf(pkg, sizeof(pkg), "%s/eg25.zip", (char *)*state);
	qrun_pack("eg25", 100000, pkg, NULL);
	return 0;
}

#define teardown qrun_teardown_dir

struct bad_input {
	const char *name;
	const char *args[8];
	const char *says;
};

/* "@DIR" is the scratch directory (see qrun). Every case: exit 2, nothing sent. */
static const struct bad_input bad_inputs[] = {
	{ "missing package", { "upgrade", "--port", "1-1", "@DIR/nothing-here.pack" }, "cannot read package" },
	{ "empty package", { "upgrade", "--port", "1-1", "@DIR/empty.pack" }, "is empty" },
	{ "package is a directory", { "upgrade", "--port", "1-1", "@DIR" }, "not a regular file" },
	{ "URL over 255 bytes", { "upgrade", "--port", "1-1", "--url", "@LONGURL" }, "255" },
	{ "bad scheme", { "upgrade", "--port", "1-1", "--url", "sftp://host/pkg.pack" }, "URL rejected" },
	{ "port 0", { "upgrade", "--port", "1-1", "--url", "http://host:0/pkg.pack" }, "port" },
	{ "port 65536", { "upgrade", "--port", "1-1", "--url", "http://host:65536/pkg.pack" }, "port" },
	{ "FTP sub-directory", { "upgrade", "--port", "1-1", "--url", "ftp://u:p@host/dir/pkg.pack" }, "root directory" },
	{ "unknown module", { "upgrade", "--port", "1-9", "@DIR/ec200u.pack" }, "no Quectel module on port 1-9" },
	{ "no matching module", { "upgrade", "-d", "2c7c:0306", "@DIR/ec200u.pack" }, "no Quectel module" },
	{ "two modules, no --port", { "upgrade", "@DIR/ec200u.pack" }, "choose one with --port" },
	{ "download URCs 3", { "upgrade", "--port", "1-1", "--download-urcs", "3", "@DIR/ec200u.pack" }, "5-100" },
	{ "no package at all", { "upgrade", "--port", "1-1" }, "what to upgrade with" },
	{ "bad port path", { "upgrade", "--port", "usb1", "@DIR/ec200u.pack" }, "port" },
	{ "bad -d", { "upgrade", "-d", "xyz", "@DIR/ec200u.pack" }, "VID:PID" },
	{ "unknown option", { "upgrade", "--frobnicate", "@DIR/ec200u.pack" }, "Try 'qfota upgrade --help'" },
};

static void test_bad_input_sends_nothing(void **state)
{
	const char *dir = *state;
	char empty[128], longurl[400];

	snprintf(empty, sizeof(empty), "%s/empty.pack", dir);
	fclose(fopen(empty, "w"));
	snprintf(longurl, sizeof(longurl), "http://fota.example.com/%0240d.pack", 0);
	for (size_t i = 0; i < sizeof(bad_inputs) / sizeof(bad_inputs[0]); i++) {
		const struct bad_input *b = &bad_inputs[i];
		const char *args[9];
		struct qrun q;

		for (size_t j = 0; j < 8; j++)
			args[j] = b->args[j] && strcmp(b->args[j], "@LONGURL") == 0 ? longurl : b->args[j];
		args[8] = NULL;
		print_message("bad input: %s\n", b->name);
		qrun(&q, dir, (const char *const[]){ "--count", "2", "--profile", "ec200u", NULL }, args, RUN_MS);
		qrun_assert_exit(&q, 2);
		qrun_assert_says(&q, b->says);
		qrun_assert_nothing_sent(&q, "1-1");
		qrun_assert_nothing_sent(&q, "1-2");
		qrun_assert_released(&q, "1-1");
		qrun_clear(&q);
	}
}

/* One qfota per module: a second one on the same port is refused, naming the
 * first one's PID, and touches nothing; the first goes on undisturbed. */
static void test_second_qfota_is_busy(void **state)
{
	const char *dir = *state;
	char script[1024], qf[256], said[64];
	const char *p;
	struct qrun q;

	tu_build_path("qfota", qf, sizeof(qf));
	snprintf(script, sizeof(script),
		 "%s upgrade --port 1-1 --timeout-stall 2 %s/ec200u.pack >/dev/null 2>&1 & first=$!; sleep 0.5; "
		 "%s upgrade --port 1-1 %s/ec200u.pack; echo second=$? first_pid=$first; wait $first; echo first=$?",
		 qf, dir, qf, dir);
	qrun_script(&q, dir, (const char *const[]){ "--profile", "ec200u", "--fault", "nak", NULL }, script, RUN_MS);
	qrun_assert_says(&q, "second=4");
	qrun_assert_says(&q, "is busy: qfota (PID ");
	qrun_assert_says(&q, "first=9"); /* the first ran into its own NAK timeout, nothing else */
	p = strstr(q.run.out, "first_pid=");
	assert_non_null(p);
	snprintf(said, sizeof(said), "(PID %ld)", strtol(p + 10, NULL, 10)); /* the PID named is the first's */
	qrun_assert_says(&q, said);
	/* ATE0 ATI CGSN QFLDS QURCCFG QFOTADL: the first qfota's only */
	assert_int_equal(tu_record_count(q.record, "1-1", "cmd"), 6);
	qrun_assert_released(&q, "1-1");
	qrun_clear(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bad_input_sends_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_qfota_is_busy, setup, teardown),
	};
	return cmocka_run_group_tests_name("qfota-faults", tests, NULL, NULL);
}
