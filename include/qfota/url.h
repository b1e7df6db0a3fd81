/* FTP and HTTP(S) URLs for AT+QFOTADL=<url>, checked against the seeds' limits
 * before anything is sent. Pure: no I/O, no allocation.
 *
 * Limits (EC200U/EG915U FOTA application note v1.0, §3.3.1.1 and §3.3.1.2):
 *   whole URL <= 255 bytes; user, password, server, file path <= 50 bytes each;
 *   port 1-65535 (default 21 FTP, 80 HTTP, 443 HTTPS);
 *   FTP: "Only root path is currently supported" (no sub-directory).
 * And ours: no '"', CR, LF, other control byte, space or non-ASCII byte: the
 * URL goes inside a quoted AT command line.
 *
 * What is sent: the note writes the FTP scheme "FTP://" ("It should be started
 * with "FTP://""), so ftp:// in any case is sent as "FTP://"; http:// and
 * https:// are sent in lower case, as the note writes them. The rest is sent
 * byte for byte as given (no percent-decoding: the module's handling of %XX is
 * not documented).
 */
#ifndef QFOTA_URL_H
#define QFOTA_URL_H

#include <stdbool.h>
#include <stddef.h>

#define URL_MAX 255        /* <FTP_URL>, <HTTP_URL>: maximum length, bytes */
#define URL_FIELD_MAX 50   /* <username>, <password>, <serverURL>, <file_path>: bytes */

enum url_scheme {
	URL_SCHEME_FTP,
	URL_SCHEME_HTTP,
	URL_SCHEME_HTTPS,
};
const char *url_scheme_to_string(enum url_scheme s); /* "FTP", "HTTP", "HTTPS" */

enum url_reason {
	URL_OK = 0,
	URL_ERR_EMPTY,             /* empty string */
	URL_ERR_TOO_LONG,          /* whole URL over 255 bytes */
	URL_ERR_CHAR,              /* '"', CR, LF, control, space or non-ASCII byte */
	URL_ERR_SCHEME,            /* not ftp://, http:// or https:// */
	URL_ERR_USER_TOO_LONG,     /* user name over 50 bytes */
	URL_ERR_PASSWORD_TOO_LONG, /* password over 50 bytes */
	URL_ERR_HTTP_CREDENTIALS,  /* user:password@ in an HTTP(S) URL: the note's form has none */
	URL_ERR_HOST_EMPTY,        /* no server */
	URL_ERR_HOST_TOO_LONG,     /* server over 50 bytes */
	URL_ERR_HOST_CHAR,         /* server not letters, digits, '.', '-', '_' */
	URL_ERR_PORT,              /* port not a number in 1-65535 */
	URL_ERR_PATH_EMPTY,        /* no file name after the server */
	URL_ERR_PATH_TOO_LONG,     /* file path over 50 bytes */
	URL_ERR_FTP_SUBDIR,        /* FTP file not in the root directory */
	URL_ERR_MAX_,
};
/* One sentence naming the field and the limit, e.g. "the password is longer
 * than 50 bytes (the module's limit)". Never NULL. */
const char *url_reason_to_string(enum url_reason r);

struct url_parts {
	enum url_scheme scheme;
	char user[URL_FIELD_MAX + 1];      /* "" when absent */
	char password[URL_FIELD_MAX + 1];  /* "" when absent */
	bool has_credentials;              /* a user (and maybe a password) was given */
	char host[URL_FIELD_MAX + 1];
	unsigned port;                     /* the default when not given */
	bool port_given;
	char path[URL_FIELD_MAX + 1];      /* after the server's '/', e.g. "EC200U.pack" */
	char sendable[URL_MAX + 1];        /* what goes between the quotes of AT+QFOTADL="..." */
	char redacted[URL_MAX + 16];       /* sendable with the credentials replaced, for logs */
};

/* Parses and checks url.
 * Grammar:  scheme "://" [ user [ ":" password ] "@" ] host [ ":" port ] "/" path
 *   (userinfo ends at the last '@' before the first '/' after "://").
 * Returns 0; -E2BIG for a length limit (URL, user, password, server, path);
 * -EINVAL for anything else wrong (and for url == NULL or ret == NULL).
 * *reason (may be NULL) is set on every call: URL_OK on success, else why.
 * ret is written only on success. */
int url_parse(const char *url, enum url_reason *reason, struct url_parts *ret);

/* Copies url into buf with the user and password replaced by "***" (also for a
 * URL that url_parse rejects): credentials are never to be printed. A URL with
 * no "://" is treated as starting at its authority. Returns the length written,
 * or -E2BIG when buf is too small (buf then holds "" if cap > 0), -EINVAL. */
int url_redact(const char *url, char *buf, size_t cap);

/* The one redaction rule for free text (AT traces and echoes, errors, JSON,
 * the audit log): copies text into buf with the userinfo of every URL in it
 * replaced as url_redact() does. A URL is what follows each "://" up to the
 * first byte the grammar above does not allow in a URL (a quote, a space, a
 * control or non-ASCII byte, the end); its userinfo ends at the last '@' of
 * that span. A user or password may hold ',' ';' '/' and '@' (RFC 3986 allows
 * the first two raw, our grammar the others): none of them ends the span, so
 * none lets a credential through; a path with an '@' is over-redacted, which
 * is safe. The output is at most 3 * strlen(text) + 1 bytes.
 * Returns the length written, or -E2BIG when buf is too small (buf then holds
 * "" if cap > 0), -EINVAL. */
int url_redact_text(const char *text, char *buf, size_t cap);

#endif
