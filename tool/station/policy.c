/* The upgrade policy (include/qfota/policy.h): parser, loader, decision. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qfota/at.h"
#include "qfota/audit.h"
#include "qfota/cleanup.h"
#include "qfota/fota.h"
#include "qfota/policy.h"
#include "qfota/sha256.h"
#include "qfota/url.h"

#define POLICY_FILE_MAX (1024 * 1024)
#define POLICY_PATH_MAX 4096

const char *policy_source_to_string(enum policy_source s)
{
	switch (s) {
	case POLICY_SOURCE_FILE: return "file";
	case POLICY_SOURCE_URL: return "url";
	case POLICY_SOURCE_UPLOAD: return "upload";
	}
	return "unknown";
}

const char *policy_verdict_to_string(enum policy_verdict v)
{
	switch (v) {
	case POLICY_UPGRADE: return "upgrade";
	case POLICY_AT_TARGET: return "at target";
	case POLICY_UNKNOWN_MODEL: return "unknown model";
	case POLICY_UNKNOWN_REVISION: return "unknown revision";
	}
	return "unknown";
}

static void rule_clear(struct policy_rule *r)
{
	free(r->location);
	free(r->upload_name);
	free(r->imei);
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_rules; i++)
		rule_clear(&p->rules[i]);
	free(p->rules);
	free(p);
}

static int fail(struct policy_error *err, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct policy_error *err, unsigned line, const char *fmt, ...)
{
	_cleanup_free_ char *text = NULL, *shown = NULL;
	va_list ap;
	int r;

	err->line = line;
	va_start(ap, fmt);
	r = vasprintf(&text, fmt, ap);
	va_end(ap);
	/* A quoted field may hold a URL with credentials (file=ftp://u:p@h/x, a
	 * typo'd url:...): redacted before it is cut to size, so that no cut
	 * between a password and its '@' can show it (found by fuzz-policy). */
	if (r < 0 || audit_redact(text, &shown) < 0)
		snprintf(err->reason, sizeof(err->reason), "line %u is not valid (out of memory)", line);
	else
		snprintf(err->reason, sizeof(err->reason), "%s", shown);
	return -EINVAL;
}

/* A field quoted in a message, cut to cap - 1 bytes with "..." — its
 * credentials redacted before the cut, which could otherwise fall between a
 * password and its '@' (found by fuzz-policy). */
static const char *field_shown(const char *f, size_t n, char *buf, size_t cap)
{
	_cleanup_free_ char *raw = strndup(f, n), *red = NULL;

	if (!raw || audit_redact(raw, &red) < 0)
		snprintf(buf, cap, "(not shown)");
	else if (strlen(red) < cap)
		snprintf(buf, cap, "%s", red);
	else
		snprintf(buf, cap, "%.*s...", (int)(cap - 4), red);
	return buf;
}

static bool all_of(const char *s, size_t n, const char *extra)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      (c && strchr(extra, c))))
			return false;
	}
	return true;
}

/* A field's value into a fixed buffer, checked against its character set. */
static int take_name(struct policy_error *err, unsigned line, const char *key, const char *v, size_t n,
		     const char *extra, char *out, size_t cap)
{
	if (n >= cap)
		return fail(err, line, "%s= is longer than %zu characters", key, cap - 1);
	if (!all_of(v, n, extra))
		return fail(err, line, "%s=%.*s: only letters, digits and '%s' are allowed", key, (int)n, v, extra);
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

static int take_string(struct policy_error *err, unsigned line, const char *key, const char *v, size_t n,
		       char **out)
{
	if (n >= POLICY_PATH_MAX)
		return fail(err, line, "%s= is longer than %d bytes", key, POLICY_PATH_MAX - 1);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f || v[i] == '"')
			return fail(err, line, "%s= holds a '\"' or a control character", key);
	*out = strndup(v, n);
	return *out ? 0 : -ENOMEM;
}

enum {
	F_MODEL = 1 << 0, F_FROM = 1 << 1, F_TO = 1 << 2, F_SOURCE = 1 << 3, F_UPLOAD_NAME = 1 << 4, F_IMEI = 1 << 5,
	F_SHA256 = 1 << 6,
};

#define IMEI_DIGITS 15

/* One item of an imei= list (n bytes): 15 digits, or 1-14 digits and '*'. */
static bool imei_item_is_valid(const char *s, size_t n)
{
	bool prefix = n > 0 && s[n - 1] == '*';
	size_t digits = prefix ? n - 1 : n;

	if (prefix ? digits < 1 || digits >= IMEI_DIGITS : digits != IMEI_DIGITS)
		return false;
	for (size_t i = 0; i < digits; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Grammar: item { "," item } (imei_item_is_valid). */
static bool imei_list_is_valid(const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != ',')
			continue;
		if (!imei_item_is_valid(s + start, i - start))
			return false;
		start = i + 1;
	}
	return true;
}

/* One KEY=VALUE field of a rule. */
static int parse_field(struct policy_rule *rule, unsigned *seen, const char *f, size_t n, unsigned line,
		       struct policy_error *err)
{
	const char *eq = memchr(f, '=', n);
	char quoted[64];
	size_t klen, vlen;
	const char *v;
	unsigned bit;
	int r;

	if (!eq)
		return fail(err, line, "'%s' is not KEY=VALUE", field_shown(f, n, quoted, sizeof(quoted)));
	klen = (size_t)(eq - f);
	v = eq + 1;
	vlen = n - klen - 1;
#define KEY(s) (klen == strlen(s) && memcmp(f, s, klen) == 0)
	if (KEY("model"))
		bit = F_MODEL;
	else if (KEY("from"))
		bit = F_FROM;
	else if (KEY("to"))
		bit = F_TO;
	else if (KEY("file") || KEY("url") || KEY("upload"))
		bit = F_SOURCE;
	else if (KEY("upload-name"))
		bit = F_UPLOAD_NAME;
	else if (KEY("imei"))
		bit = F_IMEI;
	else if (KEY("sha256"))
		bit = F_SHA256;
	else
		return fail(err, line, "unknown key '%s' (known: model from to file url upload upload-name imei sha256)",
			    field_shown(f, klen, quoted, 44));
	if (vlen == 0)
		return fail(err, line, "%.*s= has no value", (int)klen, f);
	if (*seen & bit)
		return fail(err, line, bit == F_SOURCE ? "more than one of file=, url=, upload= in one rule"
						       : "%.*s= given twice", (int)klen, f);
	*seen |= bit;
	switch (bit) {
	case F_MODEL:
		return take_name(err, line, "model", v, vlen, "-", rule->model, sizeof(rule->model));
	case F_FROM:
		return take_name(err, line, "from", v, vlen, "_.-", rule->from, sizeof(rule->from));
	case F_TO:
		return take_name(err, line, "to", v, vlen, "_.-", rule->to, sizeof(rule->to));
	case F_UPLOAD_NAME:
		r = take_string(err, line, "upload-name", v, vlen, &rule->upload_name);
		if (r == 0 && !at_file_name_is_valid(rule->upload_name))
			return fail(err, line, "upload-name= must be 1-80 letters, digits, '_', '.', '-' (not . or ..)");
		return r;
	case F_IMEI:
		if (!imei_list_is_valid(v, vlen))
			return fail(err, line, "imei=%s: give IMEIs of 15 digits, or 1-14 digits and '*' for every IMEI "
				    "starting with them, separated by ',' (no blanks)",
				    field_shown(v, vlen, quoted, sizeof(quoted)));
		return take_string(err, line, "imei", v, vlen, &rule->imei);
	case F_SHA256: {
		uint8_t digest[SHA256_BYTES];

		if (vlen == 2 * SHA256_BYTES) {
			memcpy(rule->sha256, v, vlen);
			rule->sha256[vlen] = '\0';
		}
		if (vlen != 2 * SHA256_BYTES || sha256_from_hex(rule->sha256, digest) < 0)
			return fail(err, line, "sha256= wants 64 hex digits (a SHA-256 as sha256sum prints it)");
		return 0;
	}
	}
	rule->source = KEY("file") ? POLICY_SOURCE_FILE : KEY("url") ? POLICY_SOURCE_URL : POLICY_SOURCE_UPLOAD;
#undef KEY
	r = take_string(err, line, policy_source_to_string(rule->source), v, vlen, &rule->location);
	if (r < 0)
		return r;
	if (rule->source == POLICY_SOURCE_URL) {
		enum url_reason why = URL_OK;
		struct url_parts parts;
		char shown[URL_MAX + 16];

		if (url_parse(rule->location, &why, &parts) < 0) {
			if (url_redact(rule->location, shown, sizeof(shown)) < 0)
				snprintf(shown, sizeof(shown), "(too long to show)");
			return fail(err, line, "url=%s: %s", shown, url_reason_to_string(why));
		}
		if (parts.has_credentials)
			return 2; /* a rule, with a secret in it: parse_line tells */
	} else if (rule->location[0] != '/') {
		return fail(err, line, "%s=%s: give an absolute path", policy_source_to_string(rule->source),
			    rule->location);
	}
	return 0;
}

/* One line (without its newline) into *rule; returns 1 for a rule, 0 for a
 * blank or comment line. */
static int parse_line(const char *s, size_t n, unsigned line, struct policy_rule *rule, bool *ret_credentials,
		      struct policy_error *err)
{
	unsigned seen = 0;
	size_t i = 0;
	int r;

	if (n > 0 && s[n - 1] == '\r')
		n--;
	memset(rule, 0, sizeof(*rule));
	rule->line = line;
	for (;;) {
		size_t start;

		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == n || s[i] == '#')
			break;
		start = i;
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
		if (memchr(s + start, '#', i - start))
			return fail(err, line, "'#' inside a field (a comment starts a field or a line)");
		r = parse_field(rule, &seen, s + start, i - start, line, err);
		if (r < 0)
			return r;
		if (r == 2)
			*ret_credentials = true;
	}
	if (seen == 0)
		return 0;
	if (!(seen & F_MODEL))
		return fail(err, line, "model= is missing");
	if (!(seen & F_FROM))
		return fail(err, line, "from= is missing (a package applies to one revision)");
	if (!(seen & F_TO))
		return fail(err, line, "to= is missing (the revision the package leads to)");
	if (!(seen & F_SOURCE))
		return fail(err, line, "the package is missing: give file=, url= or upload=");
	if ((seen & F_UPLOAD_NAME) && rule->source != POLICY_SOURCE_UPLOAD)
		return fail(err, line, "upload-name= goes with upload= only");
	if ((seen & F_SHA256) && rule->source == POLICY_SOURCE_URL)
		return fail(err, line, "sha256= goes with file= or upload=: the module downloads a url= itself, "
			    "qfota never sees its bytes");
	if (strcmp(rule->from, rule->to) == 0)
		return fail(err, line, "from= and to= are the same revision %s", rule->from);
	return 1;
}

/* The rule a module goes on with after rule i (same model, from = i's to), or -1. */
static ssize_t next_rule(const struct policy *p, size_t i)
{
	for (size_t j = 0; j < p->n_rules; j++)
		if (strcasecmp(p->rules[j].model, p->rules[i].model) == 0 && strcmp(p->rules[j].from, p->rules[i].to) == 0)
			return (ssize_t)j;
	return -1;
}

/* Refuses rules that lead back to where they started: each rule has at most
 * one successor, so walking from every rule (marking where each walk has
 * been) finds every loop in O(n) steps after the successors. */
static int check_loops(const struct policy *p, struct policy_error *err)
{
	_cleanup_free_ ssize_t *next = calloc(p->n_rules ? p->n_rules : 1, sizeof(*next));
	_cleanup_free_ size_t *walk = calloc(p->n_rules ? p->n_rules : 1, sizeof(*walk)); /* 0: not seen */

	if (!next || !walk) {
		err->line = 0;
		snprintf(err->reason, sizeof(err->reason), "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->n_rules; i++)
		next[i] = next_rule(p, i);
	for (size_t i = 0; i < p->n_rules; i++) {
		ssize_t k = (ssize_t)i;

		while (k >= 0 && walk[k] == 0) {
			walk[k] = i + 1;
			k = next[k];
		}
		if (k >= 0 && walk[k] == i + 1) { /* back on this walk's own path: a loop through k */
			const struct policy_rule *r = &p->rules[k];

			return fail(err, r->line, "the rules of %s lead back to %s (%s -> %s -> ... -> %s): a module "
				    "would be upgraded forever", r->model, r->from, r->from, r->to, r->from);
		}
	}
	return 0;
}

int policy_parse(const char *text, size_t len, struct policy **ret, struct policy_error *err)
{
	int r;

	struct policy *p;
	size_t pos = 0, cap = 0;
	unsigned line = 0;

	err->line = 0;
	err->reason[0] = '\0';
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err->reason, sizeof(err->reason), "out of memory");
		return -ENOMEM;
	}
	while (pos < len) {
		const char *s = text + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		struct policy_rule rule;
		bool credentials = false;

		line++;
		pos += n + (nl ? 1 : 0);
		if (memchr(s, '\0', n)) {
			policy_free(p);
			return fail(err, line, "a NUL byte: this is not a text file");
		}
		r = parse_line(s, n, line, &rule, &credentials, err);
		if (r > 0) {
			for (size_t i = 0; i < p->n_rules && r > 0; i++)
				if (strcasecmp(p->rules[i].model, rule.model) == 0 &&
				    strcmp(p->rules[i].from, rule.from) == 0)
					r = fail(err, line, "a second rule for %s from %s (the first is on line %u)",
						 rule.model, rule.from, p->rules[i].line);
		}
		if (r > 0 && p->n_rules == cap) {
			struct policy_rule *more = realloc(p->rules, (cap ? cap * 2 : 8) * sizeof(*more));

			if (!more) {
				r = -ENOMEM;
				err->line = 0;
				snprintf(err->reason, sizeof(err->reason), "out of memory");
			} else {
				p->rules = more;
				cap = cap ? cap * 2 : 8;
			}
		}
		if (r < 0) {
			rule_clear(&rule);
			policy_free(p);
			return r;
		}
		if (r > 0)
			p->rules[p->n_rules++] = rule;
		if (r > 0 && credentials && !p->credentials_line)
			p->credentials_line = line;
	}
	r = check_loops(p, err);
	if (r < 0) {
		policy_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

int policy_load(const char *path, struct policy **ret, struct policy_error *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t got = 0;
	int r;

	err->line = 0;
	err->reason[0] = '\0';
	/* O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then
	 * refuses it. The file is read through this one descriptor. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;

		snprintf(err->reason, sizeof(err->reason), "cannot read it: %s", strerror(e));
		return -e;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err->reason, sizeof(err->reason), "not a regular file");
		return -EINVAL;
	}
	/* The policy decides what is flashed onto every module plugged in:
	 * whoever may write it may flash anything (policy.h, "Trust"). */
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(err->reason, sizeof(err->reason),
			 "owned by uid %u, who could change what is flashed; make it root's: chown root: %s",
			 (unsigned)st.st_uid, path);
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err->reason, sizeof(err->reason),
			 "writable by %s, who could change what is flashed: chmod go-w %s",
			 st.st_mode & S_IWOTH ? "everyone" : "its group", path);
		return -EPERM;
	}
	if (st.st_size > POLICY_FILE_MAX) {
		snprintf(err->reason, sizeof(err->reason), "larger than %d bytes", POLICY_FILE_MAX);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	while (got < (size_t)st.st_size) {
		ssize_t k = read(fd, buf + got, (size_t)st.st_size - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = errno;

			snprintf(err->reason, sizeof(err->reason), "cannot read it: %s", strerror(e));
			return -e;
		}
		if (k == 0)
			break;
		got += (size_t)k;
	}
	r = policy_parse(buf, got, ret, err);
	if (r == 0)
		(*ret)->readable_by_others = (st.st_mode & S_IROTH) || ((st.st_mode & S_IRGRP) && st.st_gid != 0);
	return r;
}

enum policy_verdict policy_decide(const struct policy *p, const char *model, const char *revision,
				  const struct policy_rule **ret_rule)
{
	const struct policy_rule *target = NULL;
	bool model_known = false;

	if (ret_rule)
		*ret_rule = NULL;
	for (size_t i = 0; p && model && revision && i < p->n_rules; i++) {
		const struct policy_rule *r = &p->rules[i];

		if (strcasecmp(r->model, model) != 0)
			continue;
		model_known = true;
		if (strcmp(r->from, revision) == 0) {
			if (ret_rule)
				*ret_rule = r;
			return POLICY_UPGRADE;
		}
		if (!target && strcmp(r->to, revision) == 0)
			target = r;
	}
	if (target) {
		if (ret_rule)
			*ret_rule = target;
		return POLICY_AT_TARGET;
	}
	return model_known ? POLICY_UNKNOWN_REVISION : POLICY_UNKNOWN_MODEL;
}

bool policy_rule_allows_imei(const struct policy_rule *rule, const char *imei)
{
	const char *item;

	if (!rule || !rule->imei)
		return true;
	if (!imei || strlen(imei) != IMEI_DIGITS)
		return false;
	for (item = rule->imei; *item; item += strcspn(item, ",") + (item[strcspn(item, ",")] == ',')) {
		size_t n = strcspn(item, ",");

		if (item[n - 1] == '*' ? strncmp(item, imei, n - 1) == 0 : n == IMEI_DIGITS && strncmp(item, imei, n) == 0)
			return true;
	}
	return false;
}

size_t policy_chain(const struct policy *p, const char *model, const char *revision,
		    const struct policy_rule **ret_rules, size_t cap)
{
	const struct policy_rule *rule;
	size_t n = 0;

	/* at most n_rules hops: a parsed policy has no loop, this bounds one built by hand */
	while (n < (p ? p->n_rules : 0) && policy_decide(p, model, revision, &rule) == POLICY_UPGRADE) {
		if (ret_rules && n < cap)
			ret_rules[n] = rule;
		n++;
		revision = rule->to;
	}
	return n;
}
