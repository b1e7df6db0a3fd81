/* Security of the real build/qfota against virtual modules (issue 16's items
 * named "16.N" below):
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "common/qfota-run.h"
#include "common/testutil.h"

#define RUN_MS 120000
#define USER "QfUsEr7x"
#define PASS "Pw0rdS3cr3tZ"

#define setup qrun_setup_dir
#define teardown qrun_teardown_dir

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
			qrun_fail(q, i == 2 ? "a credential is in the audit log" : "a credential was printed");
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
	/* 16.1: ',' in the user and the password (RFC 3986 allows it raw): the
	 * trace of the command and the module's echo hide both */
	run_url_case(dir, "FTP, a comma in the user and the password",
		     "FTP://" USER ",x:Pw0rd,S3cr3tZ@fota.example.com/EC200U.pack",
		     "FTP://" USER ",x:Pw0rd,S3cr3tZ@fota.example.com/EC200U.pack", NULL, 0, USER, "S3cr3tZ");
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

/* 16.2: the URL with its password from a file (--url-file), never on the
 * command line: the module downloads it as with --url, and nothing prints the
 * password. A file other users may read, another user's file, an empty one,
 * or one with a second line is refused before anything is sent (exit 2,
 * saying what to do). */
static void put_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void test_url_file(void **state)
{
	const char *dir = *state;
	const char *ftp = "FTP://" USER ":" PASS "@fota.example.com/EC200U.pack";
	char pkg[128], map[600], file[128], text[400];
	struct qrun q;

	snprintf(pkg, sizeof(pkg), "%s/ec200u.pack", dir);
	qrun_pack("ec200u", 50000, pkg, NULL);
	snprintf(map, sizeof(map), "%s=%s", ftp, pkg);
	snprintf(file, sizeof(file), "%s/url", dir);
	snprintf(text, sizeof(text), "%s\n", ftp);
	put_text(file, text);
	assert_int_equal(chmod(file, 0600), 0);
	qrun(&q, dir, (const char *const[]){ "--profile", "ec200u", "--url", map, NULL },
	     (const char *const[]){ "-v", "-v", "upgrade", "--port", "1-1", "--url-file", file, NULL }, RUN_MS);
	qrun_assert_exit(&q, 0);
	qrun_assert_says(&q, "upgraded EC200U");
	assert_no_secret(&q, "/nonexistent", USER, PASS);
	qrun_clear(&q);

	static const struct {
		unsigned mode;
		const char *text, *says;
	} bad[] = {
		{ 0644, NULL, "other users may read or change it (mode 0644), and it holds a password: chmod 0600 " },
		{ 0640, NULL, "(mode 0640)" },
		{ 0600, "", "empty; write the URL on its first line" },
		{ 0600, "ftp://h.example/a.pack\nftp://h.example/b.pack\n", "one URL on one line, nothing else" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put_text(file, bad[i].text ? bad[i].text : text);
		assert_int_equal(chmod(file, bad[i].mode), 0);
		qrun(&q, dir, (const char *const[]){ "--profile", "ec200u", NULL },
		     (const char *const[]){ "upgrade", "--port", "1-1", "--url-file", file, NULL }, RUN_MS);
		qrun_assert_exit(&q, 2);
		qrun_assert_says(&q, bad[i].says);
		assert_no_secret(&q, "/nonexistent", USER, PASS);
		qrun_assert_nothing_sent(&q, "1-1");
		qrun_clear(&q);
	}
	if (geteuid() == 0) { /* another user's file, even 0600 */
		put_text(file, text);
		assert_int_equal(chmod(file, 0600), 0);
		assert_int_equal(chown(file, 65534, 65534), 0);
		qrun(&q, dir, (const char *const[]){ "--profile", "ec200u", NULL },
		     (const char *const[]){ "upgrade", "--port", "1-1", "--url-file", file, NULL }, RUN_MS);
		qrun_assert_exit(&q, 2);
		qrun_assert_says(&q, "owned by uid 65534, not by you");
		qrun_clear(&q);
	}
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
			qrun_fail(&q, "station: expected exit 5 (one module's download failed)");
		assert_no_secret(&q, log, USER, PASS);
		qrun_assert_released(&q, "1-1");
		qrun_assert_released(&q, "1-2");
		qrun_assert_released(&q, "1-3");
		qrun_clear(&q);
	}
	{
		char *text = tu_read_file(log);
		assert_non_null(text);
		assert_int_equal(tu_count(text, "\n"), 8); /* per run: 3 modules, 1-2 tried twice (--retries 1) */
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
		qrun_fail(q, "the stream never started");
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
		qrun_fail(&q, "the module got the whole changed package");
	free(bytes);
	if (strstr(q.record, "\"FILEEND\",0") || strstr(q.record, "\"START\""))
		qrun_fail(&q, "the module took the changed package");
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
		qrun_fail(&q, "AT+QFOTADL was sent for a damaged upload");
	qrun_assert_released(&q, "1-1");
	qrun_clear(&q);
}

/* RFC 3629, by decoding: independent of qfota's own check. */
static bool utf8_strict(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		unsigned c = p[i], n, cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0)
			n = 1, cp = c & 0x1f;
		else if ((c & 0xf0) == 0xe0)
			n = 2, cp = c & 0x0f;
		else if ((c & 0xf8) == 0xf0)
			n = 3, cp = c & 0x07;
		else
			return false;
		if (i + n >= len)
			return false;
		for (unsigned k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (cp < (n == 1 ? 0x80u : n == 2 ? 0x800u : 0x10000u) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/* An upgrade of a module that sends `n` hostile reports before its first real
 * one (the vmodule's hostile fault: terminal escapes, bytes that are not
 * UTF-8, unknown words). */
static void run_hostile(struct qrun *q, const char *dir, unsigned n, bool json)
{
	char pkg[128], fault[32];
	const char *plain[] = { "upgrade", "--port", "1-1", pkg, NULL };
	const char *js[] = { "--json", "upgrade", "--port", "1-1", pkg, NULL };

	snprintf(pkg, sizeof(pkg), "%s/ec200u.pack", dir);
	snprintf(fault, sizeof(fault), "hostile:%u", n);
	qrun_pack("ec200u", 50000, pkg, NULL);
	qrun(q, dir, (const char *const[]){ "--profile", "ec200u", "--fault", fault, NULL }, json ? js : plain, RUN_MS);
	if (q->run.status != 0)
		qrun_fail(q, "the hostile reports should have been ignored (exit 0)");
	qrun_assert_released(q, "1-1");
}

/* 16.5: what the module says never reaches the terminal raw: no ESC, no BEL;
 * it is shown escaped. */
static void test_device_strings_escaped(void **state)
{
	struct qrun q;

	run_hostile(&q, *state, 3, false);
	if (strchr(q.run.out, '\x1b') || strchr(q.run.err, '\x1b') || strchr(q.run.out, '\a') ||
	    strchr(q.run.err, '\a'))
		qrun_fail(&q, "a control byte from the module reached the terminal");
	qrun_assert_says(&q, "\\x1b]0;owned\\x07\\x1b[2J");
	qrun_clear(&q);
}

/* 16.6: --json lines are strict UTF-8 and JSON, whatever the module sent. */
static void test_json_is_utf8(void **state)
{
	struct qrun q;
	size_t lines = 0;

	run_hostile(&q, *state, 3, true);
	for (const char *line = q.run.out, *nl; *line; line = nl + 1, lines++) {
		json_tokener *tok = json_tokener_new();
		json_object *o;

		if (!(nl = strchr(line, '\n')))
			qrun_fail(&q, "the last JSON line has no newline");
		if (!utf8_strict(line, (size_t)(nl - line)))
			qrun_fail(&q, "a JSON line is not UTF-8");
		o = json_tokener_parse_ex(tok, line, (int)(nl - line));
		if (!o || json_tokener_get_error(tok) != json_tokener_success)
			qrun_fail(&q, "a JSON line does not parse");
		json_object_put(o);
		json_tokener_free(tok);
	}
	assert_true(lines > 3);
	if (!strstr(q.run.out, "\"warning\""))
		qrun_fail(&q, "the hostile reports were not reported as warnings");
	qrun_clear(&q);
}

/* 16.9: a module that floods its port with garbled or unknown reports gets a
 * few warnings, then one that says the rest are not shown. */
static void test_odd_reports_rate_limited(void **state)
{
	struct qrun q;

	run_hostile(&q, *state, 60, false);
	if (tu_count(q.run.err, "warning:") > 8)
		qrun_fail(&q, "one warning per garbled report: unbounded");
	qrun_assert_says(&q, "further ones are not shown");
	qrun_clear(&q);
}

/* 16.8: an APN or an upload name that would break out of the AT command's
 * quotes (a second command, a wildcard delete) is bad input: exit 2, nothing
 * sent to the module. */
static void test_at_injection_refused(void **state)
{
	const char *dir = *state;
	char pkg[128];
	struct qrun q;

	qrun(&q, dir, (const char *const[]){ "--profile", "ec200u", NULL },
	     (const char *const[]){ "upgrade", "--port", "1-1", "--url", "http://fota.example.com/EC200U.pack", "--cid",
				    "1", "--apn", "inet\",\"\",\"\",1\rAT+QFDEL=\"*", NULL },
	     RUN_MS);
	qrun_assert_exit(&q, 2);
	qrun_assert_says(&q, "--apn must be");
	qrun_assert_nothing_sent(&q, "1-1");
	qrun_clear(&q);

	snprintf(pkg, sizeof(pkg), "%s/eg25.zip", dir);
	qrun_pack("eg25", 50000, pkg, NULL);
	for (int i = 0; i < 2; i++) {
		qrun(&q, dir, (const char *const[]){ "--profile", "eg25", NULL },
		     (const char *const[]){ "upgrade", "--port", "1-1", "--upload", pkg, "--upload-name",
					    i ? "x\"\rAT+QFDEL=\"*" : "*", NULL },
		     RUN_MS);
		qrun_assert_exit(&q, 2);
		qrun_assert_says(&q, "--upload-name must be");
		qrun_assert_nothing_sent(&q, "1-1");
		qrun_clear(&q);
	}
}

/* 16.11: a FIFO given as the package or the policy is refused at once (it
 * used to block forever in open()). The deadline is what is tested here. */
static void test_fifo_refused(void **state)
{
	const char *dir = *state;
	char fifo[128];
	struct qrun q;

	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	qrun(&q, dir, (const char *const[]){ "--profile", "ec200u", NULL },
	     (const char *const[]){ "upgrade", "--port", "1-1", fifo, NULL }, 30000);
	qrun_assert_exit(&q, 2);
	qrun_assert_says(&q, "not a regular file");
	qrun_assert_nothing_sent(&q, "1-1");
	qrun_clear(&q);
	qrun(&q, dir, (const char *const[]){ "--profile", "ec200u", NULL },
	     (const char *const[]){ "station", "--all", "--policy", fifo, NULL }, 30000);
	qrun_assert_exit(&q, 2);
	qrun_assert_says(&q, "not a regular file");
	qrun_assert_nothing_sent(&q, "1-1");
	qrun_clear(&q);
}

/* 16.15: SIGHUP (a dropped SSH session) and SIGQUIT stop qfota like SIGINT:
 * the module is released and its driver given back (exit 130). */
static void test_hangup_releases(void **state)
{
	const char *dir = *state;
	static const char *const sigs[] = { "HUP", "QUIT" };
	char pkg[128], qf[256], script[2048];

	snprintf(pkg, sizeof(pkg), "%s/ec200u.pack", dir);
	qrun_pack("ec200u", 50000, pkg, NULL);
	for (size_t k = 0; k < 2; k++) {
		struct qrun q;

		snprintf(script, sizeof(script),
			 "rm -f %s/sig.out %s/sig.err; "
			 "%s upgrade --port 1-1 %s >%s/sig.out 2>%s/sig.err & p=$!; n=0; "
			 "until grep -qx '1-1: download: streaming the package' %s/sig.err; do n=$((n+1)); "
			 "if [ $n -gt 1200 ]; then echo never-reached; break; fi; sleep 0.05; done; "
			 "kill -%s $p; wait $p; echo exit=$?; cat %s/sig.out %s/sig.err",
			 dir, dir, tu_build_path("qfota", qf, sizeof(qf)), pkg, dir, dir, dir, sigs[k], dir, dir);
		print_message("signal: SIG%s in the FILE stream\n", sigs[k]);
		qrun_script(&q, dir, (const char *const[]){ "--profile", "ec200u", "--fault", "nak", NULL }, script,
			    RUN_MS);
		if (strstr(q.run.out, "never-reached"))
			qrun_fail(&q, "qfota never reached the stream");
		qrun_assert_says(&q, "exit=130\n");
		qrun_assert_says(&q, "interrupted");
		qrun_assert_released(&q, "1-1");
		qrun_clear(&q);
	}
}

/* 16.3: qfota info takes the port's lock like every other command: with the
 * lock held (here by flock(1), as another qfota holds it), info says busy
 * (exit 4) and sends nothing. */
static void test_info_takes_the_lock(void **state)
{
	const char *dir = *state;
	char qf[256], script[1024];
	struct qrun q;

	snprintf(script, sizeof(script),
		 "d=${QFOTA_LOCK_DIR:?}; mkdir -p \"$d\"; flock \"$d/1-1.lock\" sleep 5 & h=$!; sleep 0.5; "
		 "%s info --port 1-1; echo exit=$?; kill $h; wait $h 2>/dev/null; true",
		 tu_build_path("qfota", qf, sizeof(qf)));
	qrun_script(&q, dir, (const char *const[]){ "--profile", "ec200u", NULL }, script, RUN_MS);
	qrun_assert_says(&q, "exit=4\n");
	qrun_assert_says(&q, "busy");
	qrun_assert_nothing_sent(&q, "1-1");
	qrun_clear(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_credentials_never_printed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_credentials_station, setup, teardown),
		cmocka_unit_test_setup_teardown(test_url_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_package_changed_while_streamed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upload_changed_while_streamed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_strings_escaped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_is_utf8, setup, teardown),
		cmocka_unit_test_setup_teardown(test_odd_reports_rate_limited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_at_injection_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hangup_releases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_info_takes_the_lock, setup, teardown),
	};
	return cmocka_run_group_tests_name("qfota-security", tests, NULL, NULL);
}
