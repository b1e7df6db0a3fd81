/* AT response assembly and classification (include/qfota/atparse.h). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "qfota/atparse.h"
#include "qfota/cleanup.h"

const char *at_line_kind_to_string(enum at_line_kind k)
{
	switch (k) {
	case AT_LINE_BLANK: return "blank";
	case AT_LINE_ECHO: return "echo";
	case AT_LINE_OK: return "OK";
	case AT_LINE_ERROR: return "ERROR";
	case AT_LINE_CME_ERROR: return "+CME ERROR";
	case AT_LINE_CMS_ERROR: return "+CMS ERROR";
	case AT_LINE_NO_CARRIER: return "NO CARRIER";
	case AT_LINE_CONNECT: return "CONNECT";
	case AT_LINE_URC: return "URC";
	case AT_LINE_INFO: return "info";
	case AT_LINE_OVERLONG: return "overlong";
	case AT_LINE_ACK: return "ACK";
	default: return "unknown";
	}
}

bool at_line_kind_is_final(enum at_line_kind k)
{
	return k == AT_LINE_OK || k == AT_LINE_ERROR || k == AT_LINE_CME_ERROR || k == AT_LINE_CMS_ERROR ||
	       k == AT_LINE_NO_CARRIER;
}

static bool line_is(const char *line, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(line, word, len) == 0;
}

static bool line_starts(const char *line, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(line, prefix, n) == 0;
}

/* SP* DIGITS SP* to the end of [p, p+n): the number of +CME ERROR: <n> */
static bool parse_code(const char *p, size_t n, int *ret)
{
	char tmp[16];
	char *end;
	long v;

	while (n > 0 && *p == ' ')
		p++, n--;
	while (n > 0 && p[n - 1] == ' ')
		n--;
	if (n == 0 || n >= sizeof(tmp) || !isdigit((unsigned char)*p))
		return false;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	errno = 0;
	v = strtol(tmp, &end, 10);
	if (errno != 0 || *end != '\0' || v > INT_MAX)
		return false;
	*ret = (int)v;
	return true;
}

/* line: "" | "AT"... | OK | ERROR | +CME ERROR: n | +CMS ERROR: n | NO CARRIER.. | CONNECT [x] | <urc> | <info> */
int at_line_classify(const char *line, size_t len, const char *pending, struct at_line *ret)
{
	/* Unsolicited lines seen on Quectel AT ports. The first five: EG18 after a
	 * FOTA reboot (QUECTEL_FACTS §2.2); the rest are standard 3GPP/Quectel URCs. */
	static const char *const urcs[] = {
		"+QIND:", "RDY", "+CPIN:", "+QUSIM:", "+CFUN:",
		"POWERED DOWN", "+QIURC:", "+CREG:", "+CGREG:", "+CEREG:",
	};
	static const char *const no_carrier[] = { "NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE" };
	struct at_line l = { .kind = AT_LINE_INFO, .text = line, .len = len };

	if (!line || !ret)
		return -EINVAL;

	if (len == 0)
		l.kind = AT_LINE_BLANK;
	else if (len >= 2 && toupper((unsigned char)line[0]) == 'A' && toupper((unsigned char)line[1]) == 'T')
		l.kind = AT_LINE_ECHO; /* no response or URC of a Quectel module starts with "AT" */
	else if (line_is(line, len, "OK"))
		l.kind = AT_LINE_OK;
	else if (line_is(line, len, "ERROR"))
		l.kind = AT_LINE_ERROR;
	else if (line_starts(line, len, "+CME ERROR:")) {
		l.kind = AT_LINE_CME_ERROR;
		l.has_code = parse_code(line + 11, len - 11, &l.code);
	} else if (line_starts(line, len, "+CMS ERROR:")) {
		l.kind = AT_LINE_CMS_ERROR;
		l.has_code = parse_code(line + 11, len - 11, &l.code);
	} else if (line_is(line, len, "CONNECT") || line_starts(line, len, "CONNECT "))
		l.kind = AT_LINE_CONNECT;
	else {
		size_t plen = pending ? strlen(pending) : 0;

		for (size_t i = 0; i < QFOTA_ARRAY_SIZE(no_carrier); i++)
			if (line_is(line, len, no_carrier[i]))
				l.kind = AT_LINE_NO_CARRIER;
		if (l.kind == AT_LINE_INFO && !(plen > 0 && len > plen && memcmp(line, pending, plen) == 0 &&
						line[plen] == ':'))
			for (size_t i = 0; i < QFOTA_ARRAY_SIZE(urcs); i++)
				if (line_is(line, len, urcs[i]) || (urcs[i][strlen(urcs[i]) - 1] == ':' &&
								   line_starts(line, len, urcs[i])))
					l.kind = AT_LINE_URC;
	}
	*ret = l;
	return 0;
}

/* "AT" [ ("+" | "$" | "^") NAME ] ... : NAME up to '=', '?', ';', CR or the end */
int at_command_name(const char *cmd, char *buf, size_t cap)
{
	size_t n = 0;

	if (!cmd || !buf || cap == 0 || toupper((unsigned char)cmd[0]) != 'A' ||
	    toupper((unsigned char)cmd[1]) != 'T')
		return -EINVAL;
	cmd += 2;
	if (*cmd == '+' || *cmd == '$' || *cmd == '^')
		while (cmd[n] && !strchr("=?;\r\n", cmd[n]))
			n++;
	if (n + 1 > cap)
		return -E2BIG;
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)toupper((unsigned char)cmd[i]);
	buf[n] = '\0';
	return (int)n;
}

void at_assembler_init(struct at_assembler *a)
{
	memset(a, 0, sizeof(*a));
}

void at_assembler_reset(struct at_assembler *a)
{
	a->len = 0;
	a->crs = 0;
	a->overflow = false;
	a->ack_mode = false;
}

int at_assembler_set_pending(struct at_assembler *a, const char *cmd)
{
	int r;

	if (!a)
		return -EINVAL;
	a->pending[0] = '\0';
	if (!cmd)
		return 0;
	r = at_command_name(cmd, a->pending, sizeof(a->pending));
	if (r < 0)
		a->pending[0] = '\0';
	return r < 0 ? r : 0;
}

void at_assembler_set_ack_mode(struct at_assembler *a, bool on)
{
	a->ack_mode = on;
}

bool at_assembler_in_ack_mode(const struct at_assembler *a)
{
	return a->ack_mode;
}

/* Hands out the assembled line and starts the next one. */
static void line_done(struct at_assembler *a, struct at_line *ret)
{
	memcpy(a->line, a->buf, a->len);
	a->line[a->len] = '\0';
	at_line_classify(a->line, a->len, a->pending, ret);
	if (a->overflow)
		ret->kind = AT_LINE_OVERLONG;
	else if (at_line_kind_is_final(ret->kind))
		a->pending[0] = '\0';
	a->len = 0;
	a->crs = 0;
	a->overflow = false;
}

/* stream: { line CR* LF | line CR+ (then not LF) | 'A'+ (ACK mode, at a line start) } */
int at_assembler_feed(struct at_assembler *a, const void *data, size_t len, struct at_line *ret_line,
		      size_t *ret_consumed)
{
	const unsigned char *d = data;
	size_t acks = 0, i;

	if (!a || (!data && len > 0) || !ret_line || !ret_consumed)
		return -EINVAL;

	for (i = 0; i < len; i++) {
		unsigned char c = d[i];

		if (a->ack_mode && a->len == 0 && a->crs == 0) {
			if (c == 'A') {
				acks++;
				continue;
			}
			a->ack_mode = false; /* the module left data mode: read lines again */
			if (acks > 0)
				break;
		}
		if (c == '\n') {
			line_done(a, ret_line);
			*ret_consumed = i + 1;
			return 1;
		}
		if (c == '\r') {
			a->crs++;
			continue;
		}
		if (a->crs > 0) {
			/* A CR not followed by LF also ends a line (an echo "AT\r"
			 * straight before data); a lone CR before a line is dropped. */
			if (a->len > 0 || a->overflow) {
				line_done(a, ret_line);
				*ret_consumed = i;
				return 1;
			}
			a->crs = 0;
		}
		if (a->len < AT_LINE_MAX)
			a->buf[a->len++] = (char)c;
		else
			a->overflow = true;
	}
	*ret_consumed = i;
	if (acks > 0) {
		*ret_line = (struct at_line){ .kind = AT_LINE_ACK, .text = "", .acks = acks };
		return 1;
	}
	return 0;
}

/* +QFUPL: SP* DIGITS SP* , SP* HEX{1,4} SP* */
int at_qfupl_parse(const char *line, struct at_qfupl *ret)
{
	const char *p, *hex;
	char *end;
	unsigned long long size;
	unsigned long sum;
	size_t len;

	if (!line || !ret)
		return -EINVAL;
	if (strncmp(line, "+QFUPL:", 7) != 0)
		return -ENOMSG;
	len = strlen(line);
	while (len > 7 && strchr(" \r\n", line[len - 1]))
		len--;
	p = line + 7;
	while (*p == ' ')
		p++;
	if (!isdigit((unsigned char)*p))
		return -EPROTO;
	errno = 0;
	size = strtoull(p, &end, 10);
	if (errno != 0)
		return -EPROTO;
	p = end;
	while (*p == ' ')
		p++;
	if (*p != ',')
		return -EPROTO;
	p++;
	while (*p == ' ')
		p++;
	hex = p;
	while (isxdigit((unsigned char)*p))
		p++;
	if (p == hex || p - hex > 4 || p != line + len)
		return -EPROTO;
	sum = strtoul(hex, &end, 16);
	if (end != p)
		return -EPROTO;
	ret->size = size;
	ret->checksum = (uint16_t)sum;
	return 0;
}
