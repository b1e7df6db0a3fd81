/* url_parse and url_redact on any string. Properties:
 *  - the return and the reason agree (0 iff URL_OK; -E2BIG iff a length limit);
 *  - an accepted URL respects every limit of the EC200U note §3.3.1: whole URL
 *    <= 255 bytes, user, password, server, path <= 50 each, port 1-65535 (the
 *    scheme's default when not given), an FTP file in the root directory, no
 *    credentials in HTTP(S), only sendable bytes, server of [A-Za-z0-9._-];
 *  - sendable is the URL with the note's scheme spelling, and parses again to
 *    the same parts;
 *  - redacted is sendable with everything between "://" and the last '@'
 *    replaced: it never shows the password (nor the user);
 *  - url_redact of any string, for any buffer size: the string, or its
 *    authority's userinfo replaced by *** — never a byte of it; -E2BIG leaves "". */
#include <errno.h>
#include <stdbool.h>
#include <strings.h>

#include "fuzz.h"
#include "qfota/url.h"

static bool is_length_reason(enum url_reason r)
{
	return r == URL_ERR_TOO_LONG || r == URL_ERR_USER_TOO_LONG || r == URL_ERR_PASSWORD_TOO_LONG ||
	       r == URL_ERR_HOST_TOO_LONG || r == URL_ERR_PATH_TOO_LONG;
}

static void same_parts(const struct url_parts *a, const struct url_parts *b)
{
	FUZZ_CHECK(a->scheme == b->scheme && a->port == b->port && a->port_given == b->port_given &&
			   a->has_credentials == b->has_credentials,
		   "re-parse: scheme/port/credentials");
	FUZZ_CHECK(!strcmp(a->user, b->user) && !strcmp(a->password, b->password) && !strcmp(a->host, b->host) &&
			   !strcmp(a->path, b->path),
		   "re-parse: fields");
	FUZZ_CHECK(!strcmp(a->sendable, b->sendable) && !strcmp(a->redacted, b->redacted), "re-parse: sendable");
}

/* What url_redact must give: url itself, or url up to "://" (or the start),
 * then "***" or "***:***", then the rest from the last '@'. */
static void redact_check(const char *url, size_t cap)
{
	char buf[2 * URL_MAX + 64], *want;
	const char *sep = strstr(url, "://"), *start = sep ? sep + 3 : url, *at = strrchr(start, '@');
	size_t head = (size_t)(start - url), len = strlen(url);
	int r;

	want = malloc(len + 16);
	if (!want)
		abort();
	if (!at) {
		memcpy(want, url, len + 1);
	} else {
		bool colon = memchr(start, ':', (size_t)(at - start)) != NULL;

		memcpy(want, url, head);
		strcpy(want + head, colon ? "***:***" : "***");
		strcat(want, at);
	}
	if (cap > sizeof(buf))
		cap = sizeof(buf);
	memset(buf, 'x', sizeof(buf));
	r = url_redact(url, buf, cap);
	if (strlen(want) < cap) {
		FUZZ_CHECK(r >= 0 && (size_t)r == strlen(want) && !strcmp(buf, want), "redact \"%s\": %d \"%s\"", url, r,
			   r >= 0 ? buf : "");
	} else {
		FUZZ_CHECK(r == -E2BIG, "redact into %zu bytes: %d", cap, r);
		FUZZ_CHECK(cap == 0 || buf[0] == '\0', "redact: a failed copy left text");
		FUZZ_CHECK(cap > 0 || buf[0] == 'x', "redact: wrote into a 0-byte buffer");
	}
	free(want);
}

static void accepted_check(const char *url, const struct url_parts *u)
{
	static const char *const sent[] = { [URL_SCHEME_FTP] = "FTP://", [URL_SCHEME_HTTP] = "http://",
					    [URL_SCHEME_HTTPS] = "https://" };
	static const unsigned ports[] = { [URL_SCHEME_FTP] = 21, [URL_SCHEME_HTTP] = 80, [URL_SCHEME_HTTPS] = 443 };
	size_t len = strlen(url), pre;
	const char *rest, *at, *tail;
	struct url_parts again;
	enum url_reason why;

	FUZZ_CHECK(len >= 1 && len <= URL_MAX, "accepted a URL of %zu bytes", len);
	for (size_t i = 0; i < len; i++)
		FUZZ_CHECK(url[i] > 0x20 && url[i] < 0x7f && url[i] != '"', "accepted byte 0x%02x",
			   (unsigned char)url[i]);
	FUZZ_CHECK((unsigned)u->scheme <= URL_SCHEME_HTTPS, "scheme %d", (int)u->scheme);
	FUZZ_CHECK(strlen(u->user) <= URL_FIELD_MAX && strlen(u->password) <= URL_FIELD_MAX, "credentials too long");
	FUZZ_CHECK(strlen(u->host) >= 1 && strlen(u->host) <= URL_FIELD_MAX, "host of %zu", strlen(u->host));
	FUZZ_CHECK(strlen(u->path) >= 1 && strlen(u->path) <= URL_FIELD_MAX, "path of %zu", strlen(u->path));
	for (const char *c = u->host; *c; c++)
		FUZZ_CHECK(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *c),
			   "host \"%s\"", u->host);
	FUZZ_CHECK(u->port >= 1 && u->port <= 65535, "port %u", u->port);
	FUZZ_CHECK(u->port_given || u->port == ports[u->scheme], "default port %u", u->port);
	FUZZ_CHECK(u->scheme != URL_SCHEME_FTP || !strchr(u->path, '/'), "FTP sub-directory \"%s\"", u->path);
	FUZZ_CHECK(u->scheme == URL_SCHEME_FTP || !u->has_credentials, "credentials in HTTP(S)");
	FUZZ_CHECK(u->has_credentials || (!u->user[0] && !u->password[0]), "credentials without has_credentials");

	/* sendable: the note's scheme, then the URL byte for byte */
	pre = strlen(sent[u->scheme]);
	FUZZ_CHECK(strlen(u->sendable) == len && !strncmp(u->sendable, sent[u->scheme], pre) &&
			   !strncasecmp(url, sent[u->scheme], pre) && !strcmp(u->sendable + pre, url + pre),
		   "sendable \"%s\" of \"%s\"", u->sendable, url);
	FUZZ_CHECK(url_parse(u->sendable, &why, &again) == 0, "sendable \"%s\" rejected: %d", u->sendable, (int)why);
	same_parts(u, &again);

	/* redacted: the credentials, wherever the last '@' is, are gone */
	rest = u->sendable + pre;
	at = strrchr(rest, '@');
	FUZZ_CHECK(u->has_credentials == (memchr(rest, '@', strcspn(rest, "/")) != NULL), "credentials vs '@'");
	if (!u->has_credentials)
		return;
	FUZZ_CHECK(at != NULL, "credentials without '@'");
	FUZZ_CHECK(!strncmp(u->redacted, u->sendable, pre) && !strncmp(u->redacted + pre, "***", 3), "redacted \"%s\"",
		   u->redacted);
	tail = u->redacted + pre + (strncmp(u->redacted + pre, "***:***", 7) ? 3 : 7);
	FUZZ_CHECK(!strcmp(tail, at), "redacted \"%s\" keeps more than the part from the last '@'", u->redacted);
	/* and literally: user and password, when without '*', show only where the visible parts hold them anyway */
	for (int i = 0; i < 2; i++) {
		const char *secret = i ? u->password : u->user;

		if (*secret && !strchr(secret, '*') && !strstr(at, secret) && !strstr(sent[u->scheme], secret))
			FUZZ_CHECK(!strstr(u->redacted, secret), "\"%s\" in \"%s\"", secret, u->redacted);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *url = fuzz_cstr(data, size);
	struct url_parts u, u2;
	enum url_reason why = (enum url_reason)-1;
	int r;

	memset(&u, 0x5a, sizeof(u));
	r = url_parse(url, &why, &u);
	FUZZ_CHECK((unsigned)why < URL_ERR_MAX_, "reason %d", (int)why);
	FUZZ_CHECK(url_reason_to_string(why) != NULL, "no words for reason %d", (int)why);
	FUZZ_CHECK((r == 0) == (why == URL_OK), "return %d, reason %d", r, (int)why);
	FUZZ_CHECK(r == 0 || r == -EINVAL || r == -E2BIG, "return %d", r);
	FUZZ_CHECK(r != -E2BIG || is_length_reason(why), "-E2BIG for reason %d", (int)why);
	FUZZ_CHECK(r != -EINVAL || !is_length_reason(why), "-EINVAL for a length reason %d", (int)why);
	FUZZ_CHECK(url_parse(url, NULL, &u2) == r, "result depends on the reason pointer");
	if (r == 0)
		accepted_check(url, &u);
	else
		FUZZ_CHECK(((unsigned char *)&u)[0] == 0x5a, "ret written on failure");

	redact_check(url, 2 * URL_MAX + 64);
	redact_check(url, (size_t)(fuzz_hash(data, size) % (size + 20)));
	free(url);
	return 0;
}
