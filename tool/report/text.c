/* Device strings made safe to show (include/qfota/text.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qfota/cleanup.h"
#include "qfota/text.h"
#include "qfota/url.h"

/* UTF-8 (RFC 3629, table 3-7 of Unicode):
 *   00-7F | C2-DF 80-BF | E0 A0-BF 80-BF | E1-EC 80-BF 80-BF | ED 80-9F 80-BF
 *   | EE-EF 80-BF 80-BF | F0 90-BF 80-BF 80-BF | F1-F3 80-BF 80-BF 80-BF
 *   | F4 80-8F 80-BF 80-BF */
size_t text_utf8_sequence(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0; /* 80-C1: a continuation or an overlong lead; F5-FF: never UTF-8 */
	/* the second byte's range rules out overlongs, surrogates and > U+10FFFF */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t k = 2; k < n; k++)
		if (s[k] < 0x80 || s[k] > 0xbf)
			return 0;
	return n;
}

size_t text_utf8_sanitise(char *s)
{
	size_t replaced = 0;

	while (s && *s) {
		size_t n = text_utf8_sequence(s);

		if (n == 0) {
			*s++ = '?';
			replaced++;
		} else {
			s += n;
		}
	}
	return replaced;
}

char *text_display_escape(const char *s, char *out, size_t cap)
{
	size_t o = 0;

	if (cap == 0)
		return out;
	while (s && *s) {
		const unsigned char *u = (const unsigned char *)s;
		size_t n = text_utf8_sequence(s);
		/* C0, DEL, and C1 (U+0080-U+009F: C2 80 - C2 9F), which some terminals obey */
		bool control = n == 0 || u[0] < 0x20 || u[0] == 0x7f || (n == 2 && u[0] == 0xc2 && u[1] < 0xa0);
		char tmp[24];
		size_t k;

		if (control) {
			n = n ? n : 1;
			k = 0;
			for (size_t i = 0; i < n; i++)
				k += (size_t)snprintf(tmp + k, sizeof(tmp) - k, "\\x%02x", u[i]);
			if (o + k >= cap)
				break;
			memcpy(out + o, tmp, k);
		} else {
			k = n;
			if (o + k >= cap)
				break;
			memcpy(out + o, s, k);
		}
		o += k;
		s += n;
	}
	out[o] = '\0';
	return out;
}

char *text_shown_new(const char *s, bool json)
{
	_cleanup_free_ char *red = NULL;
	size_t cap;
	char *out;

	if (!s)
		return NULL;
	cap = strlen(s) * 3 + 1;
	if (!(red = malloc(cap)) || url_redact_text(s, red, cap) < 0)
		return NULL;
	if (json) {
		text_utf8_sanitise(red);
		return TAKE_PTR(red);
	}
	/* each byte becomes at most 4 ("\xNN") */
	cap = strlen(red) * 4 + 1;
	if (!(out = malloc(cap)))
		return NULL;
	return text_display_escape(red, out, cap);
}
