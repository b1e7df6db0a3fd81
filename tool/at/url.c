/* FTP and HTTP(S) URL checks against the seeds' limits (include/qfota/url.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "qfota/url.h"

const char *url_scheme_to_string(enum url_scheme s)
{
	switch (s) {
	case URL_SCHEME_FTP: return "FTP";
	case URL_SCHEME_HTTP: return "HTTP";
	case URL_SCHEME_HTTPS: return "HTTPS";
	default: return "unknown";
	}
}

const char *url_reason_to_string(enum url_reason r)
{
	switch (r) {
	case URL_OK: return "the URL is fine";
	case URL_ERR_EMPTY: return "the URL is empty";
	case URL_ERR_TOO_LONG: return "the URL is longer than 255 bytes (the module's limit)";
	case URL_ERR_CHAR:
		return "the URL contains a quote, a line break, a space, a control or a non-ASCII character "
		       "(it could not be sent inside the AT command)";
	case URL_ERR_SCHEME: return "the URL must start with ftp://, http:// or https://";
	case URL_ERR_USER_TOO_LONG: return "the user name is longer than 50 bytes (the module's limit)";
	case URL_ERR_PASSWORD_TOO_LONG: return "the password is longer than 50 bytes (the module's limit)";
	case URL_ERR_HTTP_CREDENTIALS:
		return "an HTTP(S) URL cannot carry user:password@ (the module's HTTP(S) URL has no credentials)";
	case URL_ERR_HOST_EMPTY: return "the URL names no server";
	case URL_ERR_HOST_TOO_LONG: return "the server name is longer than 50 bytes (the module's limit)";
	case URL_ERR_HOST_CHAR: return "the server name may only contain letters, digits, '.', '-' and '_'";
	case URL_ERR_PORT: return "the port must be a number from 1 to 65535";
	case URL_ERR_PATH_EMPTY: return "the URL names no file after the server";
	case URL_ERR_PATH_TOO_LONG: return "the file path is longer than 50 bytes (the module's limit)";
	case URL_ERR_FTP_SUBDIR:
		return "an FTP package must be in the server's root directory (the module supports no sub-directory)";
	default: return "the URL is not valid";
	}
}

static bool url_char_ok(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '"';
}

static bool host_char_ok(unsigned char c)
{
	return isalnum(c) || c == '.' || c == '-' || c == '_';
}

static int fail(enum url_reason *reason, enum url_reason r, int err)
{
	if (reason)
		*reason = r;
	return err;
}

/* Copies [s, s+n) into a field of URL_FIELD_MAX + 1 bytes (n already checked). */
static void field_copy(char dst[URL_FIELD_MAX + 1], const char *s, size_t n)
{
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* port: DIGITS, 1..65535 */
static int parse_port(const char *s, size_t n, unsigned *ret)
{
	char tmp[8];
	char *end;
	unsigned long v;

	if (n == 0 || n >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (!isdigit((unsigned char)tmp[0]))
		return -EINVAL;
	errno = 0;
	v = strtoul(tmp, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > 65535)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

/* scheme "://" [ user [ ":" password ] "@" ] host [ ":" port ] "/" path */
int url_parse(const char *url, enum url_reason *reason, struct url_parts *ret)
{
	static const struct {
		const char *prefix;
		const char *sent;
		enum url_scheme scheme;
		unsigned port;
	} schemes[] = {
		{ "ftp://", "FTP://", URL_SCHEME_FTP, 21 },
		{ "http://", "http://", URL_SCHEME_HTTP, 80 },
		{ "https://", "https://", URL_SCHEME_HTTPS, 443 },
	};
	struct url_parts u = { 0 };
	const char *p, *auth_end, *at, *host, *colon, *path;
	size_t len, i;

	if (!url || !ret)
		return fail(reason, URL_ERR_EMPTY, -EINVAL);
	len = strlen(url);
	if (len == 0)
		return fail(reason, URL_ERR_EMPTY, -EINVAL);
	for (i = 0; i < len; i++)
		if (!url_char_ok((unsigned char)url[i]))
			return fail(reason, URL_ERR_CHAR, -EINVAL);
	if (len > URL_MAX)
		return fail(reason, URL_ERR_TOO_LONG, -E2BIG);

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strncasecmp(url, schemes[i].prefix, strlen(schemes[i].prefix)) == 0)
			break;
	if (i == sizeof(schemes) / sizeof(schemes[0]))
		return fail(reason, URL_ERR_SCHEME, -EINVAL);
	u.scheme = schemes[i].scheme;
	u.port = schemes[i].port;
	p = url + strlen(schemes[i].prefix);

	auth_end = strchr(p, '/');
	if (!auth_end)
		auth_end = url + len;

	/* user[:password]@ — the last '@' of the authority ends it */
	at = NULL;
	for (const char *c = p; c < auth_end; c++)
		if (*c == '@')
			at = c;
	host = p;
	if (at) {
		const char *pw = memchr(p, ':', (size_t)(at - p));
		size_t ulen = (size_t)((pw ? pw : at) - p);
		size_t plen = pw ? (size_t)(at - pw - 1) : 0;

		if (u.scheme != URL_SCHEME_FTP)
			return fail(reason, URL_ERR_HTTP_CREDENTIALS, -EINVAL);
		if (ulen > URL_FIELD_MAX)
			return fail(reason, URL_ERR_USER_TOO_LONG, -E2BIG);
		if (plen > URL_FIELD_MAX)
			return fail(reason, URL_ERR_PASSWORD_TOO_LONG, -E2BIG);
		field_copy(u.user, p, ulen);
		if (pw)
			field_copy(u.password, pw + 1, plen);
		u.has_credentials = true;
		host = at + 1;
	}

	/* host[:port] */
	colon = memchr(host, ':', (size_t)(auth_end - host));
	{
		const char *host_end = colon ? colon : auth_end;
		size_t hlen = (size_t)(host_end - host);

		if (hlen == 0)
			return fail(reason, URL_ERR_HOST_EMPTY, -EINVAL);
		if (hlen > URL_FIELD_MAX)
			return fail(reason, URL_ERR_HOST_TOO_LONG, -E2BIG);
		for (const char *c = host; c < host_end; c++)
			if (!host_char_ok((unsigned char)*c))
				return fail(reason, URL_ERR_HOST_CHAR, -EINVAL);
		field_copy(u.host, host, hlen);
	}
	if (colon) {
		if (parse_port(colon + 1, (size_t)(auth_end - colon - 1), &u.port) < 0)
			return fail(reason, URL_ERR_PORT, -EINVAL);
		u.port_given = true;
	}

	/* "/" path */
	if (*auth_end != '/' || auth_end[1] == '\0')
		return fail(reason, URL_ERR_PATH_EMPTY, -EINVAL);
	path = auth_end + 1;
	if (strlen(path) > URL_FIELD_MAX)
		return fail(reason, URL_ERR_PATH_TOO_LONG, -E2BIG);
	if (u.scheme == URL_SCHEME_FTP && strchr(path, '/'))
		return fail(reason, URL_ERR_FTP_SUBDIR, -EINVAL);
	field_copy(u.path, path, strlen(path));

	/* what is sent: the note's spelling of the scheme, the rest as given */
	snprintf(u.sendable, sizeof(u.sendable), "%s%s", schemes[i].sent, p);
	if (url_redact(u.sendable, u.redacted, sizeof(u.redacted)) < 0)
		return fail(reason, URL_ERR_TOO_LONG, -E2BIG); /* cannot happen: redacted has room */

	*ret = u;
	return fail(reason, URL_OK, 0);
}

/* A result that does not fit: an empty string, never half a redaction. */
static int too_small(char *buf, size_t cap)
{
	if (cap > 0)
		buf[0] = '\0';
	return -E2BIG;
}

int url_redact(const char *url, char *buf, size_t cap)
{
	const char *start, *sep, *at, *colon;
	size_t total;
	int n;

	if (!url || !buf)
		return -EINVAL;
	sep = strstr(url, "://");
	start = sep ? sep + 3 : url;
	/* The last '@' anywhere after the scheme: a password with a raw '/' must
	 * not leak through; a path with an '@' is over-redacted, which is safe. */
	at = strrchr(start, '@');
	if (!at) {
		total = strlen(url);
		if (total + 1 > cap)
			return too_small(buf, cap);
		memcpy(buf, url, total + 1);
		return (int)total;
	}
	colon = memchr(start, ':', (size_t)(at - start));
	n = snprintf(buf, cap, "%.*s%s%s", (int)(start - url), url, colon ? "***:***" : "***", at);
	if (n < 0 || (size_t)n >= cap)
		return too_small(buf, cap);
	return n;
}

int url_redact_text(const char *text, char *buf, size_t cap)
{
	size_t o = 0;
	const char *p;

	if (!text || !buf)
		return -EINVAL;
	if (cap == 0)
		return -E2BIG;
	for (p = text; *p;) {
		const char *sep = strstr(p, "://"), *start, *end, *at = NULL, *colon;
		size_t n;

		if (!sep) {
			n = strlen(p);
			if (o + n + 1 > cap)
				return too_small(buf, cap);
			memcpy(buf + o, p, n);
			o += n;
			break;
		}
		start = sep + 3;
		for (end = start; *end && url_char_ok((unsigned char)*end); end++)
			if (*end == '@')
				at = end;
		/* up to the userinfo (or the whole URL when it has none) as it is */
		n = (size_t)((at ? start : end) - p);
		if (o + n + 1 > cap)
			return too_small(buf, cap);
		memcpy(buf + o, p, n);
		o += n;
		if (at) {
			colon = memchr(start, ':', (size_t)(at - start));
			n = (size_t)(end - at);
			if (o + (colon ? 7 : 3) + n + 1 > cap)
				return too_small(buf, cap);
			memcpy(buf + o, colon ? "***:***" : "***", colon ? 7 : 3);
			o += colon ? 7 : 3;
			memcpy(buf + o, at, n);
			o += n;
		}
		p = end;
	}
	buf[o] = '\0';
	return (int)o;
}
