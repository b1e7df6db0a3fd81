/* The station policy parser (include/qfota/policy.h) on any file content,
 * handed over exactly (not NUL-terminated: ASan sees any read past len).
 * Properties:
 *  - 0 or -EINVAL; on failure *ret untouched and err names a line of the text
 *    and a reason; on success every rule holds what the format allows (model,
 *    revisions, one source, absolute paths, URLs url_parse accepts, no two
 *    rules for one model and revision, lines in order);
 *  - the rules written back in canonical form parse to the same rules; LF
 *    line ends turned into CRLF change nothing;
 *  - policy_decide: each rule's (model, from) is an upgrade by a rule of that
 *    model and revision; its (model, to) is an upgrade or at target;
 *  - the password of an ftp://USER:PASS@ URL planted in the text (glued to
 *    whatever is around it) never shows in err->reason: a URL under the
 *    wrong key, or a typo, must not put credentials on the terminal. */
#include <errno.h>
#include <stdbool.h>
#include <strings.h>

#include "fuzz.h"
#include "qfota/policy.h"
#include "qfota/url.h"

static bool chars_ok(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      strchr(extra, *s)))
			return false;
	return true;
}

static unsigned count_lines(const char *t, size_t n)
{
	unsigned lines = 0;

	for (size_t i = 0; i < n; i++)
		lines += t[i] == '\n';
	return lines + (n > 0 && t[n - 1] != '\n');
}

/* Parses exactly n bytes (a copy of their own, nothing after them). */
static int parse(const char *t, size_t n, struct policy **ret, struct policy_error *err)
{
	char *copy = malloc(n ? n : 1);
	int r;

	if (!copy)
		abort();
	memcpy(copy, t, n);
	memset(err, 0x5a, sizeof(*err));
	r = policy_parse(copy, n, ret, err);
	free(copy);
	return r;
}

static void rules_check(const struct policy *p, unsigned lines)
{
	struct url_parts u;

	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *r = &p->rules[i];

		FUZZ_CHECK(r->model[0] && strlen(r->model) < POLICY_MODEL_MAX && chars_ok(r->model, "-"), "model");
		FUZZ_CHECK(r->from[0] && strlen(r->from) < POLICY_REV_MAX && chars_ok(r->from, "_.-"), "from");
		FUZZ_CHECK(r->to[0] && strlen(r->to) < POLICY_REV_MAX && chars_ok(r->to, "_.-"), "to");
		FUZZ_CHECK(strcmp(r->from, r->to) != 0, "from = to = %s", r->from);
		FUZZ_CHECK(r->location && r->location[0], "no location");
		FUZZ_CHECK(!strpbrk(r->location, " \t\r\n\"#"), "location \"%s\"", r->location);
		if (r->source == POLICY_SOURCE_URL)
			FUZZ_CHECK(url_parse(r->location, NULL, &u) == 0, "url \"%s\"", r->location);
		else
			FUZZ_CHECK((r->source == POLICY_SOURCE_FILE || r->source == POLICY_SOURCE_UPLOAD) &&
					   r->location[0] == '/',
				   "path \"%s\"", r->location);
		FUZZ_CHECK(!r->upload_name || (r->source == POLICY_SOURCE_UPLOAD && r->upload_name[0] &&
					       strlen(r->upload_name) <= 80 && chars_ok(r->upload_name, "_.-")),
			   "upload-name");
		FUZZ_CHECK(r->line >= 1 && r->line <= lines && (i == 0 || r->line > p->rules[i - 1].line), "line %u",
			   r->line);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(strcasecmp(p->rules[j].model, r->model) || strcmp(p->rules[j].from, r->from),
				   "two rules for %s from %s", r->model, r->from);
	}
}

static void same_rules(const struct policy *a, const struct policy *b, bool same_lines, const char *what)
{
	FUZZ_CHECK(a->n_rules == b->n_rules, "%s: %zu rules vs %zu", what, a->n_rules, b->n_rules);
	for (size_t i = 0; i < a->n_rules; i++) {
		const struct policy_rule *x = &a->rules[i], *y = &b->rules[i];

		FUZZ_CHECK(!strcmp(x->model, y->model) && !strcmp(x->from, y->from) && !strcmp(x->to, y->to) &&
				   x->source == y->source && !strcmp(x->location, y->location) &&
				   !x->upload_name == !y->upload_name &&
				   (!x->upload_name || !strcmp(x->upload_name, y->upload_name)),
			   "%s: rule %zu differs", what, i);
		FUZZ_CHECK(!same_lines || x->line == y->line, "%s: rule %zu line %u vs %u", what, i, x->line, y->line);
	}
}

static void canonical_check(const struct policy *p)
{
	size_t cap = 64, n = 0;
	char *t = malloc(cap);
	struct policy *q = NULL;
	struct policy_error err;

	if (!t)
		abort();
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *r = &p->rules[i];
		size_t need = strlen(r->location) + (r->upload_name ? strlen(r->upload_name) : 0) + 256;

		if (n + need > cap) {
			cap = (n + need) * 2;
			if (!(t = realloc(t, cap)))
				abort();
		}
		n += (size_t)snprintf(t + n, cap - n, "model=%s from=%s to=%s %s=%s%s%s\n", r->model, r->from, r->to,
				      policy_source_to_string(r->source), r->location,
				      r->upload_name ? " upload-name=" : "", r->upload_name ? r->upload_name : "");
	}
	FUZZ_CHECK(parse(t, n, &q, &err) == 0, "canonical form rejected at line %u: %s", err.line, err.reason);
	same_rules(p, q, false, "canonical");
	policy_free(q);
	free(t);
}

static void decide_check(const struct policy *p)
{
	const struct policy_rule *got;

	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *r = &p->rules[i];
		enum policy_verdict v = policy_decide(p, r->model, r->from, &got);

		FUZZ_CHECK(v == POLICY_UPGRADE && got && !strcasecmp(got->model, r->model) && !strcmp(got->from, r->from),
			   "decide %s %s: %s", r->model, r->from, policy_verdict_to_string(v));
		v = policy_decide(p, r->model, r->to, &got);
		FUZZ_CHECK((v == POLICY_UPGRADE && !strcmp(got->from, r->to)) ||
				   (v == POLICY_AT_TARGET && !strcmp(got->to, r->to)),
			   "decide %s %s (a target): %s", r->model, r->to, policy_verdict_to_string(v));
	}
	FUZZ_CHECK(policy_decide(p, "no model has a #", "x", &got) == POLICY_UNKNOWN_MODEL && !got, "unknown model");
}

static void plant_check(const uint8_t *data, size_t size, uint64_t h)
{
	char pass[16], *t, *masked;
	size_t pl = 6 + (h >> 24) % 10, cut = size ? (size_t)(h % (size + 1)) : 0, n;
	struct policy *p = (struct policy *)0x1;
	struct policy_error err;
	static const char *const forms[] = { "%.*sftp://u:%s@h/f.pack%.*s", "%.*s url=ftp://u:%s@h/f.pack%.*s",
					     "%.*sfile=ftp://u:%s@h/f.pack%.*s", "%.*sfrom=ftp://u:%s@h/f.pack%.*s" };
	const char *form = forms[(h >> 40) % 4];

	/* "Zq9" + letters and digits: in no fixed text of a reason ("65535"...) */
	memcpy(pass, "Zq9", 3);
	for (size_t i = 3; i < pl; i++)
		pass[i] = "abcdefghijklmnopqrstuvwxyzXYZ0123456789"[((h >> (i * 3)) ^ (size ? data[i % size] : 0)) % 39];
	pass[pl] = '\0';
	n = size + 64;
	t = malloc(n);
	masked = malloc(n);
	if (!t || !masked)
		abort();
	n = (size_t)snprintf(t, n, form, (int)cut, (const char *)data, pass, (int)(size - cut), (const char *)data + cut);
	snprintf(masked, size + 64, form, (int)cut, (const char *)data, "\x01", (int)(size - cut),
		 (const char *)data + cut);
	/* (%.*s stops at a NUL of the input: both texts stop there alike) */
	if (parse(t, n, &p, &err) < 0 && !memmem(masked, strlen(masked), pass, pl))
		FUZZ_CHECK(!strstr(err.reason, pass), "password \"%s\" shown: line %u: %s", pass, err.line, err.reason);
	if (p != (struct policy *)0x1)
		policy_free(p);
	free(t);
	free(masked);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	unsigned lines = count_lines(text, size);
	uint64_t h = fuzz_hash(data, size);
	struct policy *p = (struct policy *)0x1, *q;
	struct policy_error err;
	int r = parse(text, size, &p, &err);

	FUZZ_CHECK(r == 0 || r == -EINVAL, "return %d", r);
	if (r < 0) {
		FUZZ_CHECK(p == (struct policy *)0x1, "ret written on failure");
		FUZZ_CHECK(err.line >= 1 && err.line <= lines, "error on line %u of %u", err.line, lines);
		FUZZ_CHECK(memchr(err.reason, '\0', sizeof(err.reason)) && err.reason[0], "no reason");
	} else {
		FUZZ_CHECK(p && (p->n_rules == 0 || p->rules), "no policy");
		rules_check(p, lines);
		canonical_check(p);
		decide_check(p);
	}

	/* LF -> CRLF: the same answer (when the text has no CR of its own) */
	if (!memchr(data, '\r', size)) {
		char *crlf = malloc(2 * size + 1);
		size_t n = 0;
		struct policy_error err2;
		int r2;

		if (!crlf)
			abort();
		for (size_t i = 0; i < size; i++) {
			if (data[i] == '\n')
				crlf[n++] = '\r';
			crlf[n++] = (char)data[i];
		}
		q = NULL;
		r2 = parse(crlf, n, &q, &err2);
		FUZZ_CHECK(r2 == r, "CRLF: %d vs %d", r2, r);
		if (r == 0)
			same_rules(p, q, true, "CRLF");
		else
			FUZZ_CHECK(err2.line == err.line, "CRLF: error on line %u vs %u", err2.line, err.line);
		policy_free(q);
		free(crlf);
	}
	if (r == 0)
		policy_free(p);

	plant_check(data, size, h);
	return 0;
}
