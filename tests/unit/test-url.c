/* URL checks against the seeds' limits (EC200U/EG915U note §3.3.1.1-2), what
 * is sent, and redaction of credentials. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qfota/url.h"

struct url_case {
	const char *url;
	int r;
	enum url_reason reason;
	/* on success: */
	enum url_scheme scheme;
	const char *user, *password, *host;
	unsigned port;
	const char *path, *sendable, *redacted;
};

static void parse_one(const struct url_case *c)
{
	struct url_parts u;
	enum url_reason reason = URL_ERR_MAX_;
	int r;

	memset(&u, 0x5a, sizeof(u));
	r = url_parse(c->url, &reason, &u);
	if (r != c->r || reason != c->reason)
		fail_msg("\"%s\": %d (%s), expected %d (%s)", c->url ? c->url : "(null)", r, url_reason_to_string(reason),
			 c->r, url_reason_to_string(c->reason));
	if (r < 0) {
		assert_int_equal(((unsigned char *)&u)[0], 0x5a); /* untouched */
		return;
	}
	assert_int_equal(u.scheme, c->scheme);
	assert_string_equal(u.user, c->user);
	assert_string_equal(u.password, c->password);
	assert_int_equal(u.has_credentials, c->user[0] != '\0');
	assert_string_equal(u.host, c->host);
	assert_int_equal(u.port, c->port);
	assert_string_equal(u.path, c->path);
	assert_string_equal(u.sendable, c->sendable);
	assert_string_equal(u.redacted, c->redacted);
	/* between "://" and the last '@' of the redacted URL: only '*' and ':' */
	if (u.has_credentials) {
		const char *b = strstr(u.redacted, "://") + 3, *e = strrchr(u.redacted, '@');

		assert_non_null(e);
		for (; b < e; b++)
			assert_true(*b == '*' || *b == ':');
	}
}

/* prefix + 'a' * n + suffix, total_len bytes, into buf */
static const char *make_url(char *buf, size_t cap, const char *prefix, size_t total_len, const char *suffix)
{
	size_t p = strlen(prefix), s = strlen(suffix);

	assert_true(total_len >= p + s && total_len < cap);
	memcpy(buf, prefix, p);
	memset(buf + p, 'a', total_len - p - s);
	memcpy(buf + total_len - s, suffix, s + 1);
	return buf;
}

static void test_good(void **state)
{
	static const struct url_case cases[] = {
		/* the seeds' own examples */
		{ "FTP://test:test@124.74.41.170:21/EC200UCNTCNMAR02A02M16.pack", 0, URL_OK, URL_SCHEME_FTP, "test",
		  "test", "124.74.41.170", 21, "EC200UCNTCNMAR02A02M16.pack",
		  "FTP://test:test@124.74.41.170:21/EC200UCNTCNMAR02A02M16.pack",
		  "FTP://***:***@124.74.41.170:21/EC200UCNTCNMAR02A02M16.pack" },
		{ "http://www.quectel.com:100/EC200UCNTCNMAR02A02M16.pack", 0, URL_OK, URL_SCHEME_HTTP, "", "",
		  "www.quectel.com", 100, "EC200UCNTCNMAR02A02M16.pack",
		  "http://www.quectel.com:100/EC200UCNTCNMAR02A02M16.pack",
		  "http://www.quectel.com:100/EC200UCNTCNMAR02A02M16.pack" },
		/* ftp:// in any case is sent as the note writes it: FTP:// */
		{ "ftp://u:p@host/f.pack", 0, URL_OK, URL_SCHEME_FTP, "u", "p", "host", 21, "f.pack",
		  "FTP://u:p@host/f.pack", "FTP://***:***@host/f.pack" },
		{ "Ftp://host/f.pack", 0, URL_OK, URL_SCHEME_FTP, "", "", "host", 21, "f.pack", "FTP://host/f.pack",
		  "FTP://host/f.pack" },
		{ "ftp://anon@host:2121/f", 0, URL_OK, URL_SCHEME_FTP, "anon", "", "host", 2121, "f",
		  "FTP://anon@host:2121/f", "FTP://***@host:2121/f" },
		{ "ftp://u:p:q@host/f", 0, URL_OK, URL_SCHEME_FTP, "u", "p:q", "host", 21, "f", "FTP://u:p:q@host/f",
		  "FTP://***:***@host/f" },
		{ "ftp://u:p@q@host/f", 0, URL_OK, URL_SCHEME_FTP, "u", "p@q", "host", 21, "f", "FTP://u:p@q@host/f",
		  "FTP://***:***@host/f" },
		{ "HTTP://h/f", 0, URL_OK, URL_SCHEME_HTTP, "", "", "h", 80, "f", "http://h/f", "http://h/f" },
		{ "https://example.org/dir/sub/pkg.bin", 0, URL_OK, URL_SCHEME_HTTPS, "", "", "example.org", 443,
		  "dir/sub/pkg.bin", "https://example.org/dir/sub/pkg.bin", "https://example.org/dir/sub/pkg.bin" },
		{ "https://h:1/f", 0, URL_OK, URL_SCHEME_HTTPS, "", "", "h", 1, "f", "https://h:1/f", "https://h:1/f" },
		{ "https://h:65535/f?v=2", 0, URL_OK, URL_SCHEME_HTTPS, "", "", "h", 65535, "f?v=2",
		  "https://h:65535/f?v=2", "https://h:65535/f?v=2" },
		{ "http://my_host-1.lan:0080/f", 0, URL_OK, URL_SCHEME_HTTP, "", "", "my_host-1.lan", 80, "f",
		  "http://my_host-1.lan:0080/f", "http://my_host-1.lan:0080/f" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		parse_one(&cases[i]);
}

static void test_bad(void **state)
{
	static const struct url_case cases[] = {
		{ "", -EINVAL, URL_ERR_EMPTY },
		{ "ftp://h/f\"", -EINVAL, URL_ERR_CHAR },
		{ "ftp://h/f\r\nAT+CFUN=0", -EINVAL, URL_ERR_CHAR },
		{ "ftp://h/f\n", -EINVAL, URL_ERR_CHAR },
		{ "ftp://h/a b", -EINVAL, URL_ERR_CHAR },
		{ "ftp://h/\xc3\xa9", -EINVAL, URL_ERR_CHAR },
		{ "ftp://h/a\tb", -EINVAL, URL_ERR_CHAR },
		{ "sftp://h/f", -EINVAL, URL_ERR_SCHEME },
		{ "h/f", -EINVAL, URL_ERR_SCHEME },
		{ "ftp:/h/f", -EINVAL, URL_ERR_SCHEME },
		{ "FILE:1200", -EINVAL, URL_ERR_SCHEME },
		{ "http://u:p@h/f", -EINVAL, URL_ERR_HTTP_CREDENTIALS },
		{ "ftp://u:p@/f", -EINVAL, URL_ERR_HOST_EMPTY },
		{ "ftp:///f", -EINVAL, URL_ERR_HOST_EMPTY },
		{ "ftp://:21/f", -EINVAL, URL_ERR_HOST_EMPTY },
		{ "ftp://h[1]/f", -EINVAL, URL_ERR_HOST_CHAR },
		{ "ftp://h%41/f", -EINVAL, URL_ERR_HOST_CHAR },
		{ "ftp://h:0/f", -EINVAL, URL_ERR_PORT },
		{ "ftp://h:65536/f", -EINVAL, URL_ERR_PORT },
		{ "ftp://h:/f", -EINVAL, URL_ERR_PORT },
		{ "ftp://h:-21/f", -EINVAL, URL_ERR_PORT },
		{ "ftp://h:+21/f", -EINVAL, URL_ERR_PORT },
		{ "ftp://h:21x/f", -EINVAL, URL_ERR_PORT },
		{ "ftp://h:99999999999999999999/f", -EINVAL, URL_ERR_PORT },
		{ "ftp://h:1:2/f", -EINVAL, URL_ERR_PORT },
		{ "ftp://h", -EINVAL, URL_ERR_PATH_EMPTY },
		{ "ftp://h/", -EINVAL, URL_ERR_PATH_EMPTY },
		{ "http://h:80", -EINVAL, URL_ERR_PATH_EMPTY },
		{ "ftp://h/dir/f.pack", -EINVAL, URL_ERR_FTP_SUBDIR },
		{ "ftp://h//f.pack", -EINVAL, URL_ERR_FTP_SUBDIR },
		{ "ftp://h/f/", -EINVAL, URL_ERR_FTP_SUBDIR },
	};
	struct url_parts u;
	enum url_reason reason;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		parse_one(&cases[i]);
	assert_int_equal(url_parse(NULL, &reason, &u), -EINVAL);
	assert_int_equal(reason, URL_ERR_EMPTY);
	assert_int_equal(url_parse("ftp://h/f", &reason, NULL), -EINVAL);
	assert_int_equal(url_parse("ftp://h/f", NULL, &u), 0); /* reason may be NULL */
	assert_int_equal(url_parse("ftp://h:0/f", NULL, &u), -EINVAL);
}

/* Each limit: exactly at it passes, one byte over fails naming the field. */
struct limit_case {
	const char *prefix;   /* before the field */
	const char *suffix;   /* after it */
	size_t field_len;
	int r;
	enum url_reason reason;
};

static void limit_one(const struct limit_case *c)
{
	char url[512];
	size_t p = strlen(c->prefix);
	struct url_case uc = { url, c->r, c->reason };
	struct url_parts u;
	enum url_reason reason;

	memcpy(url, c->prefix, p);
	memset(url + p, 'x', c->field_len);
	strcpy(url + p + c->field_len, c->suffix);
	if (c->r < 0) {
		parse_one(&uc);
		return;
	}
	if (url_parse(url, &reason, &u) != 0)
		fail_msg("\"%s\": %s", url, url_reason_to_string(reason));
}

static void test_limits(void **state)
{
	static const struct limit_case cases[] = {
		{ "ftp://", ":p@h/f", 50, 0, URL_OK },
		{ "ftp://", ":p@h/f", 51, -E2BIG, URL_ERR_USER_TOO_LONG },
		{ "ftp://", "@h/f", 51, -E2BIG, URL_ERR_USER_TOO_LONG },
		{ "ftp://u:", "@h/f", 50, 0, URL_OK },
		{ "ftp://u:", "@h/f", 51, -E2BIG, URL_ERR_PASSWORD_TOO_LONG },
		{ "ftp://", "/f", 50, 0, URL_OK },
		{ "ftp://", "/f", 51, -E2BIG, URL_ERR_HOST_TOO_LONG },
		{ "http://", ":8080/f", 51, -E2BIG, URL_ERR_HOST_TOO_LONG },
		{ "ftp://h/", "", 50, 0, URL_OK },
		{ "ftp://h/", "", 51, -E2BIG, URL_ERR_PATH_TOO_LONG },
		{ "https://h/", "", 50, 0, URL_OK },
		{ "https://h/a/", "", 49, -E2BIG, URL_ERR_PATH_TOO_LONG }, /* "a/" + 49 = 51 */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		limit_one(&cases[i]);
}

/* The whole URL: 255 bytes. With every field within 50 bytes an FTP URL is at
 * most 215 bytes, so a longer URL is also over a field limit: the whole-URL
 * check comes first and is the one reported. */
static void test_total_length(void **state)
{
	struct url_case c = { 0 };
	char buf[400];

	(void)state;
	c = (struct url_case){ make_url(buf, sizeof(buf), "ftp://h/", 256, ""), -E2BIG, URL_ERR_TOO_LONG };
	parse_one(&c);
	c = (struct url_case){ make_url(buf, sizeof(buf), "https://h/", 300, ""), -E2BIG, URL_ERR_TOO_LONG };
	parse_one(&c);
	/* 255 bytes, but its path is over 50 */
	c = (struct url_case){ make_url(buf, sizeof(buf), "ftp://h/", 255, ""), -E2BIG, URL_ERR_PATH_TOO_LONG };
	parse_one(&c);
	/* every field at its limit: 6 + 50 + 1 + 50 + 1 + 50 + 6 + 1 + 50 = 215 bytes, fine */
	{
		char url[300], f[4][51];
		struct url_parts u;

		for (int i = 0; i < 4; i++) {
			memset(f[i], 'w' + i, 50);
			f[i][50] = '\0';
		}
		snprintf(url, sizeof(url), "ftp://%s:%s@%s:65535/%s", f[0], f[1], f[2], f[3]);
		assert_int_equal(strlen(url), 215);
		assert_int_equal(url_parse(url, NULL, &u), 0);
		assert_int_equal(strlen(u.sendable), 215);
		assert_string_equal(u.user, f[0]);
		assert_string_equal(u.password, f[1]);
		assert_null(strchr(u.redacted, 'w'));
		assert_null(strchr(u.redacted, 'x'));
		assert_int_equal(strncmp(u.redacted, "FTP://***:***@yyy", 17), 0);
	}
}

static void test_reason_strings(void **state)
{
	(void)state;
	for (int r = 0; r < URL_ERR_MAX_; r++)
		assert_non_null(url_reason_to_string((enum url_reason)r));
	assert_non_null(strstr(url_reason_to_string(URL_ERR_PASSWORD_TOO_LONG), "50 bytes"));
	assert_non_null(strstr(url_reason_to_string(URL_ERR_PASSWORD_TOO_LONG), "password"));
	assert_non_null(strstr(url_reason_to_string(URL_ERR_TOO_LONG), "255"));
	assert_non_null(strstr(url_reason_to_string(URL_ERR_PORT), "65535"));
	assert_non_null(strstr(url_reason_to_string(URL_ERR_FTP_SUBDIR), "root"));
	assert_string_equal(url_scheme_to_string(URL_SCHEME_HTTPS), "HTTPS");
}

/* ---- redaction, also of URLs the parser rejects ---- */

struct redact_case {
	const char *url;
	const char *expected;
	const char *secret; /* must not appear */
};

static void redact_one(const struct redact_case *c)
{
	char buf[512];
	int n = url_redact(c->url, buf, sizeof(buf));

	assert_true(n >= 0);
	assert_int_equal((size_t)n, strlen(buf));
	assert_string_equal(buf, c->expected);
	if (c->secret)
		assert_null(strstr(buf, c->secret));
}

static void test_redact(void **state)
{
	static const struct redact_case cases[] = {
		{ "ftp://user:s3cret@h:21/f", "ftp://***:***@h:21/f", "s3cret" },
		{ "ftp://user@h/f", "ftp://***@h/f", "user" },
		{ "ftp://h/f", "ftp://h/f", NULL },
		{ "http://u:pw@h/f", "http://***:***@h/f", "pw" },
		/* rejected by url_parse, still redacted */
		{ "ftp://user:pa/ss@h/f", "ftp://***:***@h/f", "pa/ss" },
		{ "ftp://user:pa\"ss@h/dir/f", "ftp://***:***@h/dir/f", "pa\"ss" },
		{ "user:pw@host/f", "***:***@host/f", "pw" },
		{ "ftp://u:p@", "ftp://***:***@", NULL },
		/* an '@' in the path: over-redacted, which is safe */
		{ "http://h/a@b", "http://***@b", NULL },
		{ "", "", NULL },
	};
	char small[8];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		redact_one(&cases[i]);
	small[0] = 'x';
	assert_int_equal(url_redact("ftp://user:secret@h/f", small, sizeof(small)), -E2BIG);
	assert_string_equal(small, "");
	assert_int_equal(url_redact("ftp://h/abcdefgh", small, sizeof(small)), -E2BIG);
	assert_string_equal(small, "");
	assert_int_equal(url_redact("ftp://h/f", small, 0), -E2BIG);
	assert_int_equal(url_redact(NULL, small, sizeof(small)), -EINVAL);
	assert_int_equal(url_redact("x", NULL, 4), -EINVAL);
}

/* Issue 16.1: one rule for free text (AT traces and echoes, errors, JSON,
 * the audit log), by the URL grammar: ',' ';' '/' '@' in a user or password
 * never end the URL. */
static void redact_text_one(const char *in, const char *want, const char *secret)
{
	char buf[512];
	int n = url_redact_text(in, buf, sizeof(buf));

	if (n < 0 || strcmp(buf, want) != 0)
		fail_msg("url_redact_text(\"%s\") = %d \"%s\", expected \"%s\"", in, n, buf, want);
	assert_int_equal((size_t)n, strlen(want));
	if (secret)
		assert_null(strstr(buf, secret));
}

static void test_redact_text(void **state)
{
	char small[8];

	(void)state;
	redact_text_one("", "", NULL);
	redact_text_one("no URL: user:pass@host", "no URL: user:pass@host", NULL);
	/* the trace of the command and the module's echo */
	redact_text_one("AT+QFOTADL=\"FTP://QfUsEr7x:Pw0rd,S3cr3tZ@fota.example.com/EC200U.pack\"\\r",
			"AT+QFOTADL=\"FTP://***:***@fota.example.com/EC200U.pack\"\\r", "S3cr3tZ");
	redact_text_one("ftp://us,er:pa,ss@h/f", "ftp://***:***@h/f", "ss");
	redact_text_one("ftp://user:p;w=1@h/f", "ftp://***:***@h/f", "p;w");
	redact_text_one("ftp://user:a@b@h/f", "ftp://***:***@h/f", "a@b");
	redact_text_one("ftp://user:a/b@h/f", "ftp://***:***@h/f", "a/b");
	redact_text_one("ftp://only,user@h/f,x", "ftp://***@h/f,x", "only");
	redact_text_one("ftp://h/plain.pack", "ftp://h/plain.pack", NULL);
	/* two URLs, each on its own; text around them kept */
	redact_text_one("a ftp://u:p1,x@h/1 b 'ftp://v:p2@h/2' c", "a ftp://***:***@h/1 b 'ftp://***:***@h/2' c", "p1");
	/* a space, quote or control byte ends a URL */
	redact_text_one("ftp://h/f @x", "ftp://h/f @x", NULL);
	redact_text_one("ftp://u:p@h/f\r\nOK", "ftp://***:***@h/f\r\nOK", NULL);
	/* an '@' in the path: over-redacted, which is safe */
	redact_text_one("http://h/a@b", "http://***@b", NULL);
	/* the most a URL grows: 5 bytes to 11, within 3 * strlen + 1 */
	assert_int_equal(url_redact_text("://:@", small, sizeof(small)), -E2BIG);
	assert_string_equal(small, "");
	assert_int_equal(url_redact_text("://@", small, sizeof(small)), 7);
	assert_string_equal(small, "://***@");
	assert_int_equal(url_redact_text("ftp://u:p@h/f", small, sizeof(small)), -E2BIG);
	assert_string_equal(small, "");
	assert_int_equal(url_redact_text("x", small, 0), -E2BIG);
	assert_int_equal(url_redact_text(NULL, small, sizeof(small)), -EINVAL);
	assert_int_equal(url_redact_text("x", NULL, 4), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_total_length),
		cmocka_unit_test(test_reason_strings),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_redact_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
