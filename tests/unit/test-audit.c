/* The audit log (include/qfota/audit.h): every line parses back with json-c
 * and carries every field; concurrent writers (forked children) never
 * interleave their lines; credentials in URLs never reach the file; unsafe
 * paths are refused. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "common/testutil.h"
#include "qfota/audit.h"

#define CHILDREN 8
#define LINES_PER_CHILD 200

static char *tmp;

static int group_setup(void **state)
{
	(void)state;
	tmp = tu_mkdtemp();
	return tmp ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	tu_rmrf(tmp);
	free(tmp);
	return 0;
}

static void result_fill(struct report_result *r)
{
	memset(r, 0, sizeof(*r));
	r->ok = false;
	r->exit_code = 5;
	r->err = -ETIMEDOUT;
	r->module_code = 505;
	r->phase = FOTA_PHASE_UPDATE;
	snprintf(r->message, sizeof(r->message), "no END after UPDATING,40 \"quoted\"\nsecond line");
	snprintf(r->model, sizeof(r->model), "EC200U");
	snprintf(r->imei, sizeof(r->imei), "866050034443331");
	snprintf(r->from, sizeof(r->from), "EC200UCNAAR02A09M08");
	snprintf(r->to, sizeof(r->to), "EC200UCNAAR02A10M08");
	r->total_ms = 1234567;
	r->download_ms = 200000;
	r->update_ms = 900000;
	r->reboot_ms = 45000;
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no \"%s\" in %s", key, json_object_to_json_string(o));
	return v;
}

static void assert_str_field(json_object *o, const char *key, const char *want)
{
	json_object *v = get(o, key);

	assert_true(json_object_is_type(v, json_type_string));
	assert_string_equal(json_object_get_string(v), want);
}

static void assert_int_field(json_object *o, const char *key, int64_t want)
{
	json_object *v = get(o, key);

	assert_true(json_object_is_type(v, json_type_int));
	assert_int_equal(json_object_get_int64(v), want);
}

/* Parses one line (with its '\n', and only one); fails the test otherwise. */
static json_object *parse_line(const char *line, size_t len)
{
	json_tokener *tok = json_tokener_new();
	json_object *o;

	assert_true(len > 1 && line[len - 1] == '\n');
	assert_null(memchr(line, '\n', len - 1));
	o = json_tokener_parse_ex(tok, line, (int)(len - 1));
	if (!o || json_tokener_get_error(tok) != json_tokener_success || !json_object_is_type(o, json_type_object))
		fail_msg("not one JSON object: %.*s", (int)len, line);
	json_tokener_free(tok);
	return o;
}

static void test_format_every_field(void **state)
{
	struct report_result res;
	struct timespec when = { .tv_sec = 1795319830, .tv_nsec = 123999999 }; /* 2026-11-22T03:57:10.123Z */
	char *line = NULL;
	json_object *o;

	(void)state;
	result_fill(&res);
	assert_int_equal(audit_line_format("1-4.2", &res, &when, "station-7", &line), 0);
	o = parse_line(line, strlen(line));
	assert_str_field(o, "time", "2026-11-22T03:57:10.123Z");
	assert_str_field(o, "host", "station-7");
	assert_str_field(o, "port", "1-4.2");
	assert_str_field(o, "model", "EC200U");
	assert_str_field(o, "imei", "866050034443331");
	assert_str_field(o, "from", "EC200UCNAAR02A09M08");
	assert_str_field(o, "to", "EC200UCNAAR02A10M08");
	assert_true(json_object_is_type(get(o, "ok"), json_type_boolean));
	assert_false(json_object_get_boolean(get(o, "ok")));
	assert_str_field(o, "result", "failed");
	assert_int_field(o, "exit_code", 5);
	assert_int_field(o, "errno", -ETIMEDOUT);
	assert_str_field(o, "error", "timed out");
	assert_int_field(o, "code", 505);
	assert_str_field(o, "phase", "update");
	assert_str_field(o, "message", "no END after UPDATING,40 \"quoted\"\nsecond line");
	assert_int_field(o, "total_ms", 1234567);
	assert_int_field(o, "download_ms", 200000);
	assert_int_field(o, "update_ms", 900000);
	assert_int_field(o, "reboot_ms", 45000);
	assert_int_equal(json_object_object_length(o), 19);
	json_object_put(o);
	free(line);

	/* success, no module code: "code" is null; host defaults to gethostname() */
	res.ok = true;
	res.err = 0;
	res.exit_code = 0;
	res.module_code = -1;
	res.phase = FOTA_PHASE_DONE;
	assert_int_equal(audit_line_format("1-1", &res, NULL, NULL, &line), 0);
	o = parse_line(line, strlen(line));
	assert_true(json_object_get_boolean(get(o, "ok")));
	assert_str_field(o, "result", "ok");
	assert_str_field(o, "error", "");
	assert_null(get(o, "code"));
	assert_true(strstr(line, "\"code\":null") != NULL);
	{
		char host[256] = "";
		gethostname(host, sizeof(host) - 1);
		assert_str_field(o, "host", host);
	}
	json_object_put(o);
	free(line);

	assert_int_equal(audit_line_format(NULL, &res, NULL, NULL, &line), -EINVAL);
	assert_int_equal(audit_line_format("1-1", NULL, NULL, NULL, &line), -EINVAL);
}

/* Bytes from the module that are not UTF-8 become '?', so the line stays JSON. */
static void test_non_utf8(void **state)
{
	struct report_result res;
	char *line = NULL;
	json_object *o;

	(void)state;
	result_fill(&res);
	snprintf(res.model, sizeof(res.model), "\xff\xfe" "EC25\xc3"); /* bad, bad, text, truncated */
	snprintf(res.to, sizeof(res.to), "caf\xc3\xa9");                /* well-formed: kept */
	assert_int_equal(audit_line_format("1-1", &res, NULL, "h", &line), 0);
	o = parse_line(line, strlen(line));
	assert_str_field(o, "model", "??EC25?");
	assert_str_field(o, "to", "caf\xc3\xa9");
	json_object_put(o);
	free(line);
}

/* Issue 16.7: well-formed UTF-8 is RFC 3629's. Overlong forms, surrogates and
 * code points above U+10FFFF are not (Python's json and every strict reader
 * reject them): each of their bytes becomes '?'. */
static void utf8_one(const char *in, const char *want)
{
	struct report_result res;
	char *line = NULL;
	json_object *o;

	result_fill(&res);
	snprintf(res.message, sizeof(res.message), "%s", in);
	assert_int_equal(audit_line_format("1-1", &res, NULL, "h", &line), 0);
	o = parse_line(line, strlen(line));
	assert_str_field(o, "message", want);
	json_object_put(o);
	free(line);
}

static void test_utf8_strict(void **state)
{
	(void)state;
	utf8_one("a\xc0\xafz", "a??z");                 /* overlong '/' (2 bytes) */
	utf8_one("a\xe0\x80\xafz", "a???z");            /* overlong '/' (3 bytes) */
	utf8_one("a\xf0\x80\x80\xafz", "a????z");       /* overlong '/' (4 bytes) */
	utf8_one("a\xed\xa0\x80z", "a???z");            /* U+D800, a surrogate */
	utf8_one("a\xed\xbf\xbfz", "a???z");            /* U+DFFF */
	utf8_one("a\xf4\x90\x80\x80z", "a????z");       /* U+110000 */
	utf8_one("a\xf5\x80\x80\x80z", "a????z");       /* never a lead byte */
	utf8_one("\xed\x9f\xbf\xee\x80\x80", "\xed\x9f\xbf\xee\x80\x80"); /* U+D7FF, U+E000: kept */
	utf8_one("\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"); /* U+10000, U+10FFFF */
	utf8_one("\xe0\xa0\x80", "\xe0\xa0\x80");        /* U+0800, the first 3-byte form */
}

static void redact_one(const char *in, const char *want)
{
	char *out = NULL;

	assert_int_equal(audit_redact(in, &out), 0);
	if (strcmp(out, want) != 0)
		fail_msg("redact(\"%s\") = \"%s\", expected \"%s\"", in, out, want);
	free(out);
}

static void test_redact(void **state)
{
	char *out = NULL;

	(void)state;
	redact_one("", "");
	redact_one("no urls here: user:pass@host", "no urls here: user:pass@host");
	redact_one("ftp://user:secret@10.0.0.1:21/EC200U.pack", "ftp://***:***@10.0.0.1:21/EC200U.pack");
	redact_one("FTPEND,601 for \"ftp://u:p@h/f.pack\" (retry)", "FTPEND,601 for \"ftp://***:***@h/f.pack\" (retry)");
	redact_one("url=http://token@h/x\tand https://h/plain", "url=http://***@h/x\tand https://h/plain");
	redact_one("  two  ftp://a:b@h/1\nftp://c:d@h/2  ", "  two  ftp://***:***@h/1\nftp://***:***@h/2  ");
	/* two URLs glued together: everything up to the last '@' goes */
	redact_one("ftp://a:b@h/1,ftp://c:d@h/2", "ftp://***:***@h/2");
	assert_int_equal(audit_redact(NULL, &out), -EINVAL);
	assert_int_equal(audit_redact("x", NULL), -EINVAL);
}

static char *path_in_tmp(const char *name)
{
	char *p = NULL;

	assert_true(asprintf(&p, "%s/%s", tmp, name) > 0);
	return p;
}

/* Every string field that could carry a URL goes through the redaction, even
 * if the caller forgot. */
static void test_append_redacts_credentials(void **state)
{
	struct report_result res;
	char *path = path_in_tmp("redact.log"), *text;
	json_object *o;

	(void)state;
	result_fill(&res);
	snprintf(res.message, sizeof(res.message),
		 "download from ftp://fota:Sup3rSecret@ftp.example.com/EC200U.pack failed: FTPEND,601");
	snprintf(res.from, sizeof(res.from), "ftp://x:AlsoSecret@h/f");
	assert_int_equal(audit_append(path, "1-2", &res, AUDIT_FSYNC), 0);
	assert_non_null(text = tu_read_file(path));
	assert_null(strstr(text, "Sup3rSecret"));
	assert_null(strstr(text, "AlsoSecret"));
	assert_null(strstr(text, "fota:"));
	o = parse_line(text, strlen(text));
	assert_str_field(o, "message", "download from ftp://***:***@ftp.example.com/EC200U.pack failed: FTPEND,601");
	assert_str_field(o, "from", "ftp://***:***@h/f");
	json_object_put(o);
	free(text);
	free(path);
}

/* Issue 16.10: a line that cannot be written whole (the disk fills up: here
 * RLIMIT_FSIZE, which cuts the write the same way) is cut off again, so the
 * next record starts on a line of its own. */
static void test_append_disk_full(void **state)
{
	struct report_result res;
	char *path = path_in_tmp("full.log"), *text;
	struct rlimit old, lim;
	struct stat st;
	size_t lines = 0;

	(void)state;
	result_fill(&res);
	assert_int_equal(audit_append(path, "1-1", &res, 0), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = (rlim_t)st.st_size + 40; /* room for 40 bytes of the next line */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(audit_append(path, "1-2", &res, 0), -EFBIG);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_non_null(text = tu_read_file(path));
	assert_int_equal(strlen(text), (size_t)st.st_size); /* the half line is gone */
	free(text);
	assert_int_equal(audit_append(path, "1-3", &res, 0), 0);
	assert_non_null(text = tu_read_file(path));
	for (const char *line = text, *nl; *line; line = nl + 1, lines++) {
		assert_non_null(nl = strchr(line, '\n'));
		json_object_put(parse_line(line, (size_t)(nl - line) + 1));
	}
	assert_int_equal(lines, 2);
	free(text);
	free(path);
}

static void test_append_mode_and_order(void **state)
{
	struct report_result res;
	char *path = path_in_tmp("order.log"), *text, *line, *save = NULL;
	struct stat st;
	mode_t old = umask(022);
	int n = 0;

	(void)state;
	result_fill(&res);
	for (int i = 0; i < 3; i++) {
		snprintf(res.message, sizeof(res.message), "attempt %d", i);
		assert_int_equal(audit_append(path, "1-3", &res, 0), 0);
	}
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_non_null(text = tu_read_file(path));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		char want[32];
		json_object *o;
		size_t len = strlen(line);

		line[len] = '\n'; /* parse_line wants the newline back */
		o = parse_line(line, len + 1);
		line[len] = '\0';
		snprintf(want, sizeof(want), "attempt %d", n);
		assert_str_field(o, "message", want);
		json_object_put(o);
	}
	assert_int_equal(n, 3);
	free(text);
	free(path);
}

/* 8 processes x 200 lines of ~1.5 KiB each at once: every line is whole, and
 * each writer's lines are all there, in its order. */
static void test_concurrent_appends(void **state)
{
	char *path = path_in_tmp("concurrent.log"), *text;
	int seen[CHILDREN] = { 0 }, total = 0;
	pid_t kids[CHILDREN];

	(void)state;
	for (int c = 0; c < CHILDREN; c++) {
		kids[c] = fork();
		assert_true(kids[c] >= 0);
		if (kids[c] == 0) {
			struct report_result res;

			result_fill(&res);
			for (int i = 0; i < LINES_PER_CHILD; i++) {
				/* control bytes become 6-byte \u00XX escapes: a long line */
				int n = snprintf(res.message, sizeof(res.message), "child %d line %d ", c, i);
				memset(res.message + n, 0x01, sizeof(res.message) - 1 - (size_t)n);
				res.message[sizeof(res.message) - 1] = '\0';
				if (audit_append(path, "1-5", &res, 0) < 0)
					_exit(1);
			}
			_exit(0);
		}
	}
	for (int c = 0; c < CHILDREN; c++) {
		int status;

		assert_int_equal(waitpid(kids[c], &status, 0), kids[c]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}

	assert_non_null(text = tu_read_file(path));
	for (char *p = text, *nl; *p; p = nl + 1, total++) {
		json_object *o;
		int c, i;

		assert_non_null(nl = strchr(p, '\n'));
		assert_true(nl - p > 1500);
		o = parse_line(p, (size_t)(nl - p) + 1);
		assert_int_equal(sscanf(json_object_get_string(get(o, "message")), "child %d line %d", &c, &i), 2);
		assert_true(c >= 0 && c < CHILDREN);
		assert_int_equal(i, seen[c]); /* each writer's lines in its order */
		seen[c]++;
		json_object_put(o);
	}
	assert_int_equal(total, CHILDREN * LINES_PER_CHILD);
	free(text);
	free(path);
}

/* A permissive umask (0) widens nothing: the log holds IMEIs, 0640. */
static void test_mode_under_open_umask(void **state)
{
	struct report_result res;
	char *path = path_in_tmp("open-umask.log");
	struct stat st;
	mode_t old = umask(0);

	(void)state;
	result_fill(&res);
	assert_int_equal(audit_append(path, "1-3", &res, 0), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	free(path);
}

static void test_unsafe_paths_refused(void **state)
{
	struct report_result res;
	char *target = path_in_tmp("target.log"), *link = path_in_tmp("link.log"), *fifo = path_in_tmp("fifo.log");

	(void)state;
	result_fill(&res);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(audit_append(link, "1-1", &res, 0), -ELOOP);
	assert_int_equal(access(target, F_OK), -1);       /* nothing written through the link */
	assert_int_equal(audit_append(tmp, "1-1", &res, 0), -EINVAL); /* a directory: EISDIR, in the closed set -EINVAL */
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_true(audit_append(fifo, "1-1", &res, 0) < 0); /* refused, and it did not block */
	assert_int_equal(audit_append(NULL, "1-1", &res, 0), -EINVAL);
	assert_int_equal(audit_append("", "1-1", &res, 0), -EINVAL);
	assert_int_equal(audit_append(target, NULL, &res, 0), -EINVAL);
	free(target);
	free(link);
	free(fifo);
}

static void test_default_path(void **state)
{
	(void)state;
	if (geteuid() == 0)
		assert_string_equal(audit_default_path(), "/var/lib/qfota/audit.log");
	else
		assert_null(audit_default_path());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_every_field),
		cmocka_unit_test(test_non_utf8),
		cmocka_unit_test(test_utf8_strict),
		cmocka_unit_test(test_append_disk_full),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_append_redacts_credentials),
		cmocka_unit_test(test_append_mode_and_order),
		cmocka_unit_test(test_mode_under_open_umask),
		cmocka_unit_test(test_concurrent_appends),
		cmocka_unit_test(test_unsafe_paths_refused),
		cmocka_unit_test(test_default_path),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
