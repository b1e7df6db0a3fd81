/* Security of the real build/qfota against virtual modules:
 *  - credentials in FTP/HTTP URLs never appear in any output: terminal lines,
 *    JSON, the audit log, stderr (the journal under systemd), `-v -v` debug;
 *    on success, on the module's failure, on bad URLs, in a station;
 *  - a package that changes while it streams is detected: FILE mode (qfota
 *    stops before the last bytes, so the module never has the whole file) and
 *    AT+QFUPL (the module's checksum differs from the file's). */
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
#define USER "QfUsEr7x"
#define PASS "Pw0rdS3cr3tZ"

#define setup qrun_setup_dir
#define teardown qrun_teardown_dir

static void fail_run(const struct qrun *q, const char *why)
{
	fprintf(stderr, "--- stdout ---\n%s--- stderr ---\n%s--- record ---\n%s\n", q->run.out, q->run.err,
		q->record ? q->record : "(none)");
	fail_msg("%s", why);
}

/* Neither the user nor the password in stdout, stderr or the audit log. */
static void assert_no_secret(const struct qrun *q, const char *log, const char *user, const char *pass)
{
	char *text = tu_read_file(log);
	const char *const outs[] = { q->run.out, q->run.err, text };

	for (size_t i = 0; i < 3; i++) {
		if (!outs[i])
			continue;
		if ((user && strstr(outs[i], user)) || (pass && strstr(outs[i], pass))) {
			fprintf(stderr, "--- audit log ---\n%s\n", text ? text : "(none)");
			free(text);
			fail_run(q, i == 2 ? "a credential is in the audit log" : "a credential was printed");
		}
	}
	free(text);
}

static void run_url_case(const char *dir, const char *name, const char *url, const char *map_url,
			 const char *fault, int want_exit, const char *user, const char *pass)
{
	char pkg[128], map[600], log[128];
	const char *vm[8];
	size_t nv = 0;
	struct qrun q;

	snprintf(pkg, sizeof(pkg), "%s/ec200u.pack", dir);
	snprintf(log, sizeof(log), "%s/audit.log", dir);
	remove(log);
	vm[nv++] = "--profile";
	vm[nv++] = "ec200u";
	if (map_url) {
		snprintf(map, sizeof(map), "%s=%s", map_url, pkg);
		vm[nv++] = "--url";
		vm[nv++] = map;
	}
	if (fault) {
		vm[nv++] = "--fault";
		vm[nv++] = fault;
	}
	vm[nv] = NULL;
	print_message("credentials: %s\n", name);
	/* twice: plain lines and debug; then JSON */
	for (int json = 0; json < 2; json++) {
		const char *plain[] = { "-v", "-v", "upgrade", "--port", "1-1", "--log", log, "--timeout-reboot", "1",
					"--url", url, NULL };
		const char *js[] = { "-v", "-v", "upgrade", "--json", "--port", "1-1", "--log", log, "--timeout-reboot",
				     "1", "--url", url, NULL };

		qrun(&q, dir, vm, json ? js : plain, RUN_MS);
		qrun_assert_exit(&q, want_exit);
		assert_no_secret(&q, log, user, pass);
		qrun_assert_released(&q, "1-1");
		qrun_clear(&q);
	}
	/* the attempt was logged (bad input too, or nothing sent: no line is fine) */
	if (want_exit != 2) {
		char *text = tu_read_file(log);
		assert_non_null(text);
		assert_int_equal(tu_count(text, "\n"), 2);
		free(text);
	}
}

static void test_credentials_never_printed(void **state)
{
	const char *dir = *state;
	const char *ftp = "FTP://" USER ":" PASS "@fota.example.com/EC200U.pack";
	char pkg[128], longpass[80], longuser[80], longurl[400];

	snprintf(pkg, sizeof(pkg), "%s/ec200u.pack", dir);
	qrun_pack("ec200u", 50000, pkg, NULL);
	run_url_case(dir, "FTP, good", ftp, ftp, NULL, 0, USER, PASS);
	run_url_case(dir, "FTP, login refused (625)", ftp, ftp, "code:625", 5, USER, PASS);
	run_url_case(dir, "FTP, timeout (609)", ftp, ftp, "code:609", 5, USER, PASS);
	run_url_case(dir, "FTP, unplugged in the update", ftp, ftp, "unplug-update:10", 7, USER, PASS);
	run_url_case(dir, "FTP, the module refuses the command", ftp, ftp, "error", 5, USER, PASS);
	/* bad URLs: refused before anything is sent; the message must not echo them */
	snprintf(longpass, sizeof(longpass), "%s%s%s%s%s", PASS, PASS, PASS, PASS, PASS); /* 60 bytes */
	snprintf(longurl, sizeof(longurl), "FTP://%s:%s@fota.example.com/EC200U.pack", USER, longpass);
	run_url_case(dir, "password over 50 bytes", longurl, NULL, NULL, 2, USER, PASS);
	snprintf(longuser, sizeof(longuser), "%s%s%s%s%s%s%s", USER, USER, USER, USER, USER, USER, USER);
	snprintf(longurl, sizeof(longurl), "FTP://%s:%s@fota.example.com/EC200U.pack", longuser, PASS);
	run_url_case(dir, "user over 50 bytes", longurl, NULL, NULL, 2, USER, PASS);
	run_url_case(dir, "HTTP with credentials", "http://" USER ":" PASS "@fota.example.com/EC200U.pack", NULL,
		     NULL, 2, USER, PASS);
	snprintf(longurl, sizeof(longurl), "FTP://%s:%s@fota.example.com/%0230d.pack", USER, PASS, 0);
	run_url_case(dir, "URL over 255 bytes", longurl, NULL, NULL, 2, USER, PASS);
	run_url_case(dir, "FTP sub-directory", "FTP://" USER ":" PASS "@fota.example.com/dir/EC200U.pack", NULL,
		     NULL, 2, USER, PASS);
	run_url_case(dir, "bad port", "FTP://" USER ":" PASS "@fota.example.com:99999/EC200U.pack", NULL, NULL, 2,
		     USER, PASS);
}

/* A station of three, one of which fails: the table, the JSON events and the
 * per-module audit lines hold no credential either. */
static void test_credentials_station(void **state)
{
	const char *dir = *state;
	const char *ftp = "FTP://" USER ":" PASS "@fota.example.com/EC200U.pack";
	char pkg[128], map[600], log[128];
	struct qrun q;

	snprintf(pkg, sizeof(pkg), "%s/ec200u.pack", dir);
	snprintf(log, sizeof(log), "%s/audit.log", dir);
	qrun_pack("ec200u", 50000, pkg, NULL);
	snprintf(map, sizeof(map), "%s=%s", ftp, pkg);
	for (int json = 0; json < 2; json++) {
		const char *plain[] = { "-v", "-v", "station", "--all", "--log", log, "--url", ftp, NULL };
		const char *js[] = { "-v", "-v", "station", "--all", "--json", "--log", log, "--url", ftp, NULL };

		qrun(&q, dir,
		     (const char *const[]){ "--count", "3", "--profile", "ec200u", "--url", map, "--fault", "2=code:625",
					    NULL },
		     json ? js : plain, RUN_MS);
		if (q.run.status != 5)
			fail_run(&q, "station: expected exit 5 (one module's download failed)");
		assert_no_secret(&q, log, USER, PASS);
		qrun_assert_released(&q, "1-1");
		qrun_assert_released(&q, "1-2");
		qrun_assert_released(&q, "1-3");
		qrun_clear(&q);
	}
	{
		char *text = tu_read_file(log);
		assert_non_null(text);
		assert_int_equal(tu_count(text, "\n"), 6);
		free(text);
	}
}

/* Runs qfota under the runner (demo pacing: 1 MB/s into the module's flash, so
 * a 3 MB package takes 3 s) and writes 3 bytes into the package at 2 MB once
 * qfota has reported its first bytes sent: the bytes there are not sent yet. */
static void run_changing_package(struct qrun *q, const char *dir, const char *profile, const char *how,
				 const char *pkg)
{
	char qf[256], script[2048];

	snprintf(script, sizeof(script),
		 "rm -f %s/out %s/err; %s upgrade --port 1-1 %s %s >%s/out 2>%s/err & p=$!; n=0; "
		 "until grep -q 'KiB of' %s/err; do n=$((n+1)); if [ $n -gt 1200 ]; then echo never-started; break; fi; "
		 "sleep 0.05; done; printf XYZ | dd of=%s bs=1 seek=2000000 conv=notrunc 2>/dev/null; "
		 "wait $p; echo exit=$?; cat %s/out %s/err",
		 dir, dir, tu_build_path("qfota", qf, sizeof(qf)), how, pkg, dir, dir, dir, pkg, dir, dir);
	qrun_script(q, dir, (const char *const[]){ "--profile", profile, "--pace", "demo", NULL }, script, RUN_MS);
	if (strstr(q->run.out, "never-started"))
		fail_run(q, "the stream never started");
}

static void test_package_changed_while_streamed(void **state)
{
	const char *dir = *state;
	char pkg[128], *bytes;
	struct qrun q;

	snprintf(pkg, sizeof(pkg), "%s/big.pack", dir);
	qrun_pack("ec200u", 3000000, pkg, NULL);
	run_changing_package(&q, dir, "ec200u", "", pkg);
	qrun_assert_says(&q, "exit=5\n"); /* before the update: safe to retry */
	qrun_assert_says(&q, "changed while it was streamed");
	qrun_assert_says(&q, "the module never got the whole file");
	/* the module never had all <length> bytes: it verified nothing, updated nothing */
	bytes = tu_record_get(q.record, "1-1", "package_bytes", true);
	assert_non_null(bytes);
	if (strtoull(bytes, NULL, 10) >= 3000000)
		fail_run(&q, "the module got the whole changed package");
	free(bytes);
	if (strstr(q.record, "\"FILEEND\",0") || strstr(q.record, "\"START\""))
		fail_run(&q, "the module took the changed package");
	qrun_assert_released(&q, "1-1");
	qrun_clear(&q);
}

static void test_upload_changed_while_streamed(void **state)
{
	const char *dir = *state;
	char pkg[128];
	struct qrun q;

	snprintf(pkg, sizeof(pkg), "%s/big.zip", dir);
	qrun_pack("eg25", 3000000, pkg, NULL);
	run_changing_package(&q, dir, "eg25", "--upload", pkg);
	qrun_assert_says(&q, "exit=5\n");
	qrun_assert_says(&q, "checksum");
	qrun_assert_says(&q, "changed while it was sent");
	/* the damaged file was never handed to the FOTA engine */
	if (strstr(q.record, "cmd AT+QFOTADL"))
		fail_run(&q, "AT+QFOTADL was sent for a damaged upload");
	qrun_assert_released(&q, "1-1");
	qrun_clear(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_credentials_never_printed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_credentials_station, setup, teardown),
		cmocka_unit_test_setup_teardown(test_package_changed_while_streamed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upload_changed_while_streamed, setup, teardown),
	};
	return cmocka_run_group_tests_name("qfota-security", tests, NULL, NULL);
}
