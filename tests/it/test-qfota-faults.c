/* The real build/qfota against virtual modules that fail: every fault of the
 * virtual module gives the right words and exit code, the module released and
 * its kernel driver given back; bad input is refused with exit 2 before
 * anything reaches any module; SIGINT in the download and in the update. */
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
#define URL_HTTP "http://fota.example.com/pkg.pack"
#define URL_FTP "FTP://u:p@fota.example.com/pkg.pack"

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

enum mode { FILE_MODE, HTTP_MODE, FTP_MODE, UPLOAD_MODE };

struct fault_case {
	const char *name;
	const char *profile;
	enum mode mode;
	const char *fault;     /* vmodule --fault SPEC */
	const char *opt[4];    /* extra qfota options */
	int exit_code;
	const char *says[3];   /* each must appear in the output */
};

/* Timeouts are shortened where the fault makes qfota wait for one. */
static const struct fault_case cases[] = {
	{ "command ERROR", "ec200u", FILE_MODE, "error", { 0 }, 5, { "refused AT+QFOTADL", "ERROR" } },
	{ "FOTA 510 in the update", "ec200u", FILE_MODE, "code:510", { 0 }, 6, { "510", "package" } },
	{ "FILE 567 download timeout", "ec200u", FILE_MODE, "code:567", { 0 }, 5, { "567" } },
	{ "FTP 609", "ec200u", FTP_MODE, "code:609", { 0 }, 5, { "609", "safe to retry" } },
	{ "HTTP 702", "ec200u", HTTP_MODE, "code:702", { 0 }, 5, { "702" } },
	{ "data call 4", "ec200u", HTTP_MODE, "code:4", { 0 }, 5, { " 4" } },
	{ "DFOTA 505", "eg25", UPLOAD_MODE, "code:505", { 0 }, 6, { "505" } },
	{ "DFOTA 510 means another thing", "eg25", UPLOAD_MODE, "code:510", { 0 }, 6,
	  { "510", "does not match the firmware" } },
	{ "DFOTA 522 (range 520-530)", "eg25", HTTP_MODE, "code:522", { 0 }, 6, { "522" } },
	{ "unplug mid-stream", "ec200u", FILE_MODE, "unplug-byte:100000", { "--timeout-reboot", "2" }, 7,
	  { "vanished", "of 200000 bytes" } },
	{ "NAK forever", "ec200u", FILE_MODE, "nak", { "--timeout-stall", "1" }, 9, { "no data", "--timeout-stall" } },
	{ "never back", "ec200u", FILE_MODE, "never-back", { "--timeout-reboot", "2" }, 7,
	  { "did not come back", "--timeout-reboot" } },
	{ "back on another port", "ec200u", FILE_MODE, "other-port", { "--timeout-reboot", "2" }, 7,
	  { "did not come back on port 1-1" } },
	{ "another IMEI", "ec200u", FILE_MODE, "imei-change", { 0 }, 7, { "another module" } },
	{ "END never comes", "ec200u", FILE_MODE, "no-end", { "--timeout-update-gap", "1" }, 9,
	  { "--timeout-update-gap" } },
	{ "END,0 without a reboot", "ec200u", FILE_MODE, "end-no-reboot", { "--timeout-reboot", "2" }, 8,
	  { "still reports revision" } },
	{ "reboot without END", "eg25", UPLOAD_MODE, "reboot-no-end",
	  { "--timeout-update-start", "2", "--timeout-update-gap", "2" }, 9, { "--timeout-update" } },
	{ "unplugged while updating", "ec200u", FILE_MODE, "unplug-update:40", { "--timeout-reboot", "2" }, 7,
	  { "did not come back" } },
	{ "garbage lines", "ec200u", FILE_MODE, "garbage", { 0 }, 0, { "upgraded" } },
	{ "quirk: spaces after commas", "ec200u", FILE_MODE, "quirk-space", { 0 }, 0, { "upgraded" } },
	{ "quirk: \" DOWNLOADING\"", "ec200u", FTP_MODE, "quirk-downloading", { 0 }, 0, { "upgraded" } },
	{ "quirk: HTTPPEND", "ec200u", HTTP_MODE, "quirk-httppend", { 0 }, 0, { "upgraded" } },
	{ "quirk: trailing %", "ec200u", FILE_MODE, "quirk-percent", { 0 }, 0, { "upgraded" } },
};

static void run_case(const char *dir, const struct fault_case *fc)
{
	char pkg[128], map[256], fault[64];
	const char *vm[10], *qf[16];
	size_t nv = 0, nq = 0;
	struct qrun q;

	snprintf(pkg, sizeof(pkg), "%s/%s", dir, strcmp(fc->profile, "ec200u") == 0 ? "ec200u.pack" : "eg25.zip");
	snprintf(fault, sizeof(fault), "%s", fc->fault);
	vm[nv++] = "--profile";
	vm[nv++] = fc->profile;
	vm[nv++] = "--fault";
	vm[nv++] = fault;
	if (fc->mode == HTTP_MODE || fc->mode == FTP_MODE) {
		snprintf(map, sizeof(map), "%s=%s", fc->mode == HTTP_MODE ? URL_HTTP : URL_FTP, pkg);
		vm[nv++] = "--url";
		vm[nv++] = map;
	}
	vm[nv] = NULL;
	qf[nq++] = "upgrade";
	qf[nq++] = "--port";
	qf[nq++] = "1-1";
	for (size_t i = 0; i < 4 && fc->opt[i]; i++)
		qf[nq++] = fc->opt[i];
	switch (fc->mode) {
	case FILE_MODE: qf[nq++] = pkg; break;
	case HTTP_MODE: qf[nq++] = "--url"; qf[nq++] = URL_HTTP; break;
	case FTP_MODE: qf[nq++] = "--url"; qf[nq++] = URL_FTP; break;
	case UPLOAD_MODE: qf[nq++] = "--upload"; qf[nq++] = pkg; break;
	}
	qf[nq] = NULL;
	print_message("case: %s\n", fc->name);
	qrun(&q, dir, vm, qf, RUN_MS);
	qrun_assert_exit(&q, fc->exit_code);
	for (size_t i = 0; i < 3 && fc->says[i]; i++)
		qrun_assert_says(&q, fc->says[i]);
	if (!strstr(fc->fault, "never-back") && !strstr(fc->fault, "unplug") && !strstr(fc->fault, "other-port"))
		qrun_assert_released(&q, "1-1");
	qrun_clear(&q);
}

static void test_fault_matrix(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(*state, &cases[i]);
}

/* A module that came back elsewhere is released there too. */
static void test_other_port_released(void **state)
{
	const char *dir = *state;
	char pkg[128];
	struct qrun q;

	snprintf(pkg, sizeof(pkg), "%s/ec200u.pack", dir);
	qrun(&q, dir, (const char *const[]){ "--profile", "ec200u", "--fault", "other-port", NULL },
	     (const char *const[]){ "upgrade", "--port", "1-1", "--timeout-reboot", "2", pkg, NULL }, RUN_MS);
	qrun_assert_exit(&q, 7);
	qrun_assert_released(&q, "1-1"); /* the record is keyed by the first port */
	qrun_clear(&q);
}

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

/* SIGINT while the package streams (the module NAKs, so the stream is in
 * progress for sure): stop, release, driver back, exit 130. timeout(1) sends
 * SIGINT to qfota itself; --preserve-status returns qfota's status. */
static void test_sigint_during_download(void **state)
{
	const char *dir = *state;
	char qf[256], script[1024];
	struct qrun q;

	snprintf(script, sizeof(script), "timeout --preserve-status -s INT 2 %s upgrade --port 1-1 %s/ec200u.pack",
		 tu_build_path("qfota", qf, sizeof(qf)), dir);
	qrun_script(&q, dir, (const char *const[]){ "--profile", "ec200u", "--fault", "nak", NULL }, script, RUN_MS);
	qrun_assert_exit(&q, 130);
	qrun_assert_says(&q, "interrupted");
	qrun_assert_released(&q, "1-1");
	qrun_clear(&q);
}

/* SIGINT while the module updates (END never comes): qfota does not touch the
 * module, says it is still upgrading and how to follow it; exit 10. */
static void test_sigint_during_update(void **state)
{
	const char *dir = *state;
	char qf[256], script[1024];
	struct qrun q;

	snprintf(script, sizeof(script), "timeout --preserve-status -s INT 3 %s upgrade --port 1-1 %s/ec200u.pack",
		 tu_build_path("qfota", qf, sizeof(qf)), dir);
	qrun_script(&q, dir, (const char *const[]){ "--profile", "ec200u", "--fault", "no-end", NULL }, script, RUN_MS);
	qrun_assert_exit(&q, 10);
	qrun_assert_says(&q, "still upgrading");
	qrun_assert_says(&q, "qfota follow --port 1-1");
	qrun_assert_released(&q, "1-1");
	qrun_clear(&q);
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
	/* ATE0 ATI CGSN QFLDS QFOTADL: the first qfota's only */
	assert_int_equal(tu_record_count(q.record, "1-1", "cmd"), 5);
	qrun_assert_released(&q, "1-1");
	qrun_clear(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fault_matrix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_port_released, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_input_sends_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigint_during_download, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigint_during_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_qfota_is_busy, setup, teardown),
	};
	return cmocka_run_group_tests_name("qfota-faults", tests, NULL, NULL);
}
