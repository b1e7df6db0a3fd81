/* The audit log's redaction, on any text (module answers, messages). Properties:
 *  - audit_redact keeps every whitespace byte and every token without "://"
 *    as it was, gives each token with "://" as url_redact_text does (the one
 *    redaction rule, by the URL grammar), and is idempotent;
 *  - a credential planted in the text — "ftp://USER:PASS@host/f.pack", its
 *    parts drawn from the input, glued to the text before and after it (no
 *    space, the hard case) — never appears in audit_redact's output, nor in
 *    the "message" of the JSON line audit_line_format builds (which must
 *    parse), unless the rest of the text holds that string anyway. */
#include <json-c/json.h>
#include <stdbool.h>

#include "fuzz.h"
#include "qfota/audit.h"
#include "qfota/url.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static char *redact(const char *text)
{
	char *out = NULL;
	int r = audit_redact(text, &out);

	FUZZ_CHECK(r == 0 && out, "audit_redact: %d", r);
	return out;
}

/* token by token against url_redact_text */
static void structure_check(const char *in, const char *out)
{
	const char *p = in, *q = out;

	while (*p) {
		if (is_space(*p)) {
			FUZZ_CHECK(*q == *p, "whitespace at %zu changed", (size_t)(p - in));
			p++, q++;
			continue;
		}
		size_t n = 0, m = 0;

		while (p[n] && !is_space(p[n]))
			n++;
		while (q[m] && !is_space(q[m]))
			m++;
		char *tok = fuzz_cstr((const uint8_t *)p, n), *want = malloc(3 * n + 16);

		if (!want)
			abort();
		if (strstr(tok, "://"))
			FUZZ_CHECK(url_redact_text(tok, want, 3 * n + 16) >= 0, "url_redact_text of a token failed");
		else
			strcpy(want, tok);
		FUZZ_CHECK(strlen(want) == m && !memcmp(q, want, m), "token \"%s\" became \"%.*s\"", tok, (int)m, q);
		free(tok);
		free(want);
		p += n, q += m;
	}
	FUZZ_CHECK(*q == '\0', "trailing output \"%s\"", q);
}

/* The bytes a planted credential is drawn from: what a URL allows (no '"':
 * it ends a URL, url.c), less whitespace (it would end the token), '*' (the
 * mask itself) and '?' (what non-UTF-8 bytes become in the JSON line). */
static char cred_char(uint8_t b)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
				  "!#$%&'()+,-./:;<=>@[]^_`{|}~\\";
	return set[b % (sizeof(set) - 1)];
}

static bool contains(const char *hay, const char *needle)
{
	return *needle && strstr(hay, needle);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size), *out, *again, *planted, *masked, *line = NULL;
	uint64_t h = fuzz_hash(data, size);
	size_t len = strlen(text), cut = len ? (size_t)(h % (len + 1)) : 0;
	char user[24], pass[24];
	size_t ul = 1 + (h >> 20) % 12, pl = 1 + (h >> 28) % 20;

	out = redact(text);
	structure_check(text, out);
	again = redact(out);
	FUZZ_CHECK(!strcmp(again, out), "not idempotent: \"%s\" then \"%s\"", out, again);
	free(again);
	free(out);

	/* plant ftp://USER:PASS@h/f.pack at `cut`, its credentials from the input's tail */
	for (size_t i = 0; i < ul; i++)
		user[i] = cred_char(size ? data[(size - 1 - i % size)] ^ (uint8_t)i : (uint8_t)i);
	user[ul] = '\0';
	for (size_t i = 0; i < pl; i++)
		pass[i] = cred_char(size ? data[(i * 7) % size] + (uint8_t)(h >> (i % 8)) : (uint8_t)(h >> i));
	pass[pl] = '\0';
	planted = malloc(len + 128);
	masked = malloc(len + 128);
	if (!planted || !masked)
		abort();
	snprintf(planted, len + 128, "%.*sftp://%s:%s@h.example/f.pack%s", (int)cut, text, user, pass, text + cut);
	/* the same text with the secrets blanked: what may legitimately show */
	snprintf(masked, len + 128, "%.*sftp://\x01:\x01@h.example/f.pack%s", (int)cut, text, text + cut);

	out = redact(planted);
	structure_check(planted, out);
	if (!contains(masked, pass))
		FUZZ_CHECK(!contains(out, pass), "password \"%s\" leaked: \"%s\"", pass, out);
	if (!contains(masked, user))
		FUZZ_CHECK(!contains(out, user), "user \"%s\" leaked: \"%s\"", user, out);
	free(out);

	/* The whole audit line, parsed back. A message cut at 511 bytes between
	 * the password and its '@' would show it: the callers' business (their
	 * messages are short), so only whole messages are checked. */
	{
		struct report_result res = { .ok = false, .exit_code = 5, .err = -110, .module_code = (int)(h % 700),
					     .phase = 0 };
		struct timespec when = { .tv_sec = 1795000000, .tv_nsec = 0 };
		json_object *o, *msg;
		const char *m;

		snprintf(res.message, sizeof(res.message), "%s", planted);
		snprintf(res.model, sizeof(res.model), "%.*s", (int)(cut < 31 ? cut : 31), text);
		FUZZ_CHECK(audit_line_format("1-4.2", &res, &when, "host", &line) == 0, "audit_line_format failed");
		FUZZ_CHECK(strchr(line, '\n') == line + strlen(line) - 1, "not one line: %s", line);
		o = json_tokener_parse(line);
		FUZZ_CHECK(o && json_object_object_get_ex(o, "message", &msg), "not JSON: %s", line);
		m = json_object_get_string(msg);
		if (strlen(planted) < sizeof(res.message) && !contains(masked, pass))
			FUZZ_CHECK(!contains(m, pass), "password \"%s\" in the audit line: %s", pass, line);
		json_object_put(o);
		free(line);
	}
	free(planted);
	free(masked);
	free(text);
	return 0;
}
