/* The `+QIND: "FOTA",...` URC parser (include/qfota/urc.h). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "qfota/cleanup.h"
#include "qfota/urc.h"

static const char *const event_names[URC_EVENT_MAX_] = {
	[URC_EVENT_UNKNOWN] = "UNKNOWN",
	[URC_EVENT_FTPSTART] = "FTPSTART",
	[URC_EVENT_FTPEND] = "FTPEND",
	[URC_EVENT_HTTPSTART] = "HTTPSTART",
	[URC_EVENT_HTTPEND] = "HTTPEND",
	[URC_EVENT_FILESTART] = "FILESTART",
	[URC_EVENT_FILEEND] = "FILEEND",
	[URC_EVENT_DOWNLOADING] = "DOWNLOADING",
	[URC_EVENT_START] = "START",
	[URC_EVENT_UPDATING] = "UPDATING",
	[URC_EVENT_RESTORE] = "RESTORE",
	[URC_EVENT_END] = "END",
};

/* Spellings seen in the wild, besides the canonical words. */
static const struct {
	const char *word;
	enum urc_event event;
} aliases[] = {
	/* EC200U/EG915U FOTA application note v1.0, §3.3.1.2 HTTP example: "HTTPPEND" */
	{ "HTTPPEND", URC_EVENT_HTTPEND },
	/* EG18-EA over HTTPS (compact21/eg18-ea README, QUECTEL_FACTS §2.4, unverified variant) */
	{ "HTTPSSTART", URC_EVENT_HTTPSTART },
	{ "HTTPSEND", URC_EVENT_HTTPEND },
};

const char *urc_event_to_string(enum urc_event ev)
{
	if ((unsigned)ev >= URC_EVENT_MAX_)
		return "UNKNOWN";
	return event_names[ev];
}

/* Compares [s, s+len) with word, ignoring case. */
static bool word_equal(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(s, word, len) == 0;
}

static enum urc_event event_lookup(const char *s, size_t len)
{
	for (int e = URC_EVENT_UNKNOWN + 1; e < URC_EVENT_MAX_; e++)
		if (word_equal(s, len, event_names[e]))
			return (enum urc_event)e;
	for (size_t i = 0; i < QFOTA_ARRAY_SIZE(aliases); i++)
		if (word_equal(s, len, aliases[i].word))
			return aliases[i].event;
	return URC_EVENT_UNKNOWN;
}

enum urc_event urc_event_from_string(const char *word)
{
	size_t len;

	if (!word)
		return URC_EVENT_UNKNOWN;
	while (*word == ' ')
		word++;
	len = strlen(word);
	while (len > 0 && word[len - 1] == ' ')
		len--;
	return event_lookup(word, len);
}

bool urc_event_has_percent(enum urc_event ev)
{
	return ev == URC_EVENT_DOWNLOADING || ev == URC_EVENT_UPDATING || ev == URC_EVENT_RESTORE;
}

bool urc_event_is_download_end(enum urc_event ev)
{
	return ev == URC_EVENT_FTPEND || ev == URC_EVENT_HTTPEND || ev == URC_EVENT_FILEEND;
}

bool urc_event_has_code(enum urc_event ev)
{
	return urc_event_is_download_end(ev) || ev == URC_EVENT_END;
}

static const char *skip_spaces(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == ' ';
}

/* DIGITS: decimal, no sign, fits an int. Sets *end past the digits. */
static int parse_digits(const char *p, const char **end, int *ret)
{
	char *e;
	long v;

	if (!isdigit((unsigned char)*p))
		return -EPROTO;
	errno = 0;
	v = strtol(p, &e, 10);
	if (errno == ERANGE || v > INT_MAX)
		return -EPROTO;
	*end = e;
	*ret = (int)v;
	return 0;
}

/* +QIND: SP* "FOTA" SP* , SP* " SP* WORD SP* " [ SP* , SP* DIGITS [%] ] SP* */
int urc_fota_parse(const char *line, struct urc_fota *ret)
{
	static const char tag[] = "\"FOTA\"";
	struct urc_fota u = { 0 };
	const char *p, *w, *we, *q;
	size_t len, rest;
	int r;

	if (!line || !ret)
		return -EINVAL;

	/* the significant length: trailing CR/LF/spaces are not part of the URC */
	len = strlen(line);
	while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n' || line[len - 1] == ' ' ||
			   line[len - 1] == '\t'))
		len--;

	p = skip_spaces(line);
	if (strncmp(p, "+QIND:", 6) != 0)
		return -ENOMSG;
	p = skip_spaces(p + 6);
	rest = p < line + len ? (size_t)(line + len - p) : 0;
	if (rest < sizeof(tag) - 1) {
		/* `+QIND: "FO` is a FOTA URC cut short; `+QIND: SMS DONE` is not ours */
		if (rest >= 2 && strncasecmp(p, tag, rest) == 0)
			return -EPROTO;
		return -ENOMSG;
	}
	if (strncasecmp(p, tag, sizeof(tag) - 1) != 0)
		return -ENOMSG;
	p = skip_spaces(p + sizeof(tag) - 1);
	if (p >= line + len)
		return -EPROTO; /* `+QIND: "FOTA"` and nothing else */
	if (*p != ',')
		return -EPROTO; /* `+QIND: "FOTA";...`: ours, garbled */
	p = skip_spaces(p + 1);

	/* the event word: `"END"`, `" DOWNLOADING"` (EC200U note, FTP example) */
	if (*p != '"')
		return -EPROTO;
	q = memchr(p + 1, '"', (size_t)(line + len - (p + 1)));
	if (!q)
		return -EPROTO;
	w = p + 1;
	we = q;
	while (w < we && *w == ' ')
		w++;
	while (we > w && we[-1] == ' ')
		we--;
	if (w == we || (size_t)(we - w) >= sizeof(u.word))
		return -EPROTO;
	for (const char *c = w; c < we; c++)
		if (!word_char(*c))
			return -EPROTO;
	memcpy(u.word, w, (size_t)(we - w));
	u.event = event_lookup(w, (size_t)(we - w));

	/* the optional argument: `,57`, `, 0` (EC200U note, HTTP example), `, 57%` (facts §2.4) */
	p = skip_spaces(q + 1);
	if (p < line + len) {
		if (*p != ',')
			return -EPROTO;
		p = skip_spaces(p + 1);
		r = parse_digits(p, &p, &u.arg);
		if (r < 0)
			return r;
		u.has_arg = true;
		p = skip_spaces(p);
		if (p < line + len && *p == '%') {
			u.percent_sign = true;
			p = skip_spaces(p + 1);
		}
		if (p < line + len)
			return -EPROTO; /* trailing junk, e.g. two URCs run together */
	}

	if ((urc_event_has_percent(u.event) || urc_event_has_code(u.event)) && !u.has_arg)
		return -EPROTO; /* fwupd: "devices may incorrectly return an incomplete status message" */
	if (urc_event_has_percent(u.event) && u.arg > 100)
		return -EPROTO;
	if (urc_event_has_code(u.event) && u.percent_sign)
		return -EPROTO;

	*ret = u;
	return 0;
}
