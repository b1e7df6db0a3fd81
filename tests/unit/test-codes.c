/* The error tables: every code of every seed table is present, once, with the
 * seed's own words (compared with verbatim copies of the seeds' tables in
 * tests/data); the (family, URC, code) lookup picks the right table and
 * phase; unknown codes are reported as unknown. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qfota/codes.h"

static char *data_read(const char *name)
{
	const char *top = getenv("QFOTA_TOP");
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/tests/data/%s", top && *top ? top : ".", name);
	f = fopen(path, "re");
	if (!f)
		fail_msg("cannot open %s (set QFOTA_TOP to the source tree)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Collapses runs of whitespace (tabs, newlines, U+00A0 as in the DFOTA
 * extract) into one space and trims, in place. */
static char *normalise(char *s)
{
	char *w = s;
	bool space = true;

	for (char *r = s; *r; r++) {
		bool ws = *r == ' ' || *r == '\t' || *r == '\n' || *r == '\r';

		if ((unsigned char)r[0] == 0xc2 && (unsigned char)r[1] == 0xa0) {
			ws = true;
			r++;
		}
		if (ws) {
			if (!space)
				*w++ = ' ';
			space = true;
		} else {
			*w++ = *r;
			space = false;
		}
	}
	if (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
	return s;
}

static const struct codes_entry *entry_in(enum codes_table t, int code)
{
	size_t n;
	const struct codes_entry *e = codes_table_entries(t, &n);

	for (size_t i = 0; i < n; i++)
		if (e[i].code == code)
			return &e[i];
	return NULL;
}

static void seed_entry_one(enum codes_table t, int code, const char *seed_meaning)
{
	const struct codes_entry *e = entry_in(t, code);
	char a[512], b[512];

	if (!e)
		fail_msg("%s: code %d of the seed is missing", codes_table_to_string(t), code);
	snprintf(a, sizeof(a), "%s", e->seed_text);
	snprintf(b, sizeof(b), "%s", seed_meaning);
	if (strcmp(normalise(a), normalise(b)) != 0)
		fail_msg("%s %d: seed says \"%s\", table says \"%s\"", codes_table_to_string(t), code, b, a);
}

/* ---- counts ---- */

static void test_table_counts(void **state)
{
	/* counted in the seeds: FOTA 0,500,502,510,547 + 549..571 (23) = 28;
	 * FTP 0 + 601..631 = 32; HTTP(S) 0,701,702,703,714,716,729,730,731 = 9;
	 * data call 1..22 = 22; DFOTA <ftp_err> 0,601; <http_err> 0,701;
	 * <err> 0,502,504,505,510,511 + 520..530 (11) + 540..546 (7) = 24 */
	static const size_t expected[CODES_TABLE_MAX_] = {
		[CODES_TABLE_FOTA] = 28,     [CODES_TABLE_FTP] = 32,        [CODES_TABLE_HTTP] = 9,
		[CODES_TABLE_DATACALL] = 22, [CODES_TABLE_DFOTA_FTP] = 2,   [CODES_TABLE_DFOTA_HTTP] = 2,
		[CODES_TABLE_DFOTA] = 24,
	};

	(void)state;
	for (int t = 0; t < CODES_TABLE_MAX_; t++) {
		size_t n = 0;

		assert_non_null(codes_table_entries((enum codes_table)t, &n));
		if (n != expected[t])
			fail_msg("%s: %zu entries, the seed has %zu", codes_table_to_string((enum codes_table)t), n,
				 expected[t]);
	}
	assert_null(codes_table_entries(CODES_TABLE_MAX_, &(size_t){ 0 }));
	/* each code of each range individually */
	for (int c = 549; c <= 571; c++)
		assert_non_null(entry_in(CODES_TABLE_FOTA, c));
	for (int c = 601; c <= 631; c++)
		assert_non_null(entry_in(CODES_TABLE_FTP, c));
	for (int c = 1; c <= 22; c++)
		assert_non_null(entry_in(CODES_TABLE_DATACALL, c));
	for (int c = 520; c <= 530; c++)
		assert_non_null(entry_in(CODES_TABLE_DFOTA, c));
	for (int c = 540; c <= 546; c++)
		assert_non_null(entry_in(CODES_TABLE_DFOTA, c));
	assert_null(entry_in(CODES_TABLE_DFOTA, 531));
	assert_null(entry_in(CODES_TABLE_DFOTA, 539));
	assert_null(entry_in(CODES_TABLE_FOTA, 548));
}

/* ---- against the seeds' own tables ---- */

/* EC200U note chapter 4: "Table N: Meaning of ..." then "<code>\t<meaning>". */
static void test_ec200u_seed_tables(void **state)
{
	static const enum codes_table by_number[] = { [2] = CODES_TABLE_FOTA, [3] = CODES_TABLE_FTP,
						      [4] = CODES_TABLE_HTTP, [5] = CODES_TABLE_DATACALL };
	char *text = data_read("seed-ec200u-error-tables.txt");
	char *save = NULL;
	size_t seen[CODES_TABLE_MAX_] = { 0 };
	int table = -1;

	(void)state;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int num, code, off = 0;

		if (sscanf(line, "Table %d: Meaning of%n", &num, &off) == 1 && off > 0) {
			assert_true(num >= 2 && num <= 5);
			table = (int)by_number[num];
			continue;
		}
		if (sscanf(line, "%d\t%n", &code, &off) == 1 && off > 0 && line[off - 1] == '\t') {
			assert_true(table >= 0);
			seed_entry_one((enum codes_table)table, code, line + off);
			seen[table]++;
		}
	}
	free(text);
	for (int t = CODES_TABLE_FOTA; t <= CODES_TABLE_DATACALL; t++) {
		size_t n;

		codes_table_entries((enum codes_table)t, &n);
		if (seen[t] != n)
			fail_msg("%s: seed lists %zu codes, table has %zu", codes_table_to_string((enum codes_table)t),
				 seen[t], n);
	}
	assert_int_equal(seen[CODES_TABLE_FOTA], 28);
}

/* The DFOTA guide's extract: "<ftp_err> Meaning <text of 0> 601 <text> <http_err>
 * ... <err> Meaning <text of 0> 502 <text> ... 520-530, 540-546 <text>". */
static void dfota_flush(enum codes_table t, const int *codes, size_t ncodes, const char *meaning, size_t *seen)
{
	for (size_t i = 0; i < ncodes; i++) {
		seed_entry_one(t, codes[i], meaning);
		seen[t]++;
	}
}

static void test_dfota_seed_table(void **state)
{
	char *text = data_read("seed-dfota-error-table.txt");
	char *start, *save = NULL;
	size_t seen[CODES_TABLE_MAX_] = { 0 };
	int table = -1, codes[32];
	size_t ncodes = 0;
	char meaning[512] = "";

	(void)state;
	normalise(text);
	/* the table starts after its title "Table 1: Summary of <ftp_err>, <http_err> and <err> Codes" */
	start = strstr(text, "Table 1:");
	assert_non_null(start);
	start = strstr(start, " Codes ");
	assert_non_null(start);
	start += strlen(" Codes ");
	for (char *tok = strtok_r(start, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		int lo, hi, off = 0;
		enum codes_table next = CODES_TABLE_MAX_;

		if (strcmp(tok, "<ftp_err>") == 0)
			next = CODES_TABLE_DFOTA_FTP;
		else if (strcmp(tok, "<http_err>") == 0)
			next = CODES_TABLE_DFOTA_HTTP;
		else if (strcmp(tok, "<err>") == 0)
			next = CODES_TABLE_DFOTA;
		if (next != CODES_TABLE_MAX_) {
			if (table >= 0)
				dfota_flush((enum codes_table)table, codes, ncodes, meaning, seen);
			table = (int)next;
			ncodes = 0;
			codes[ncodes++] = 0; /* the row after "Meaning" is code 0 (the extract lost the digit) */
			meaning[0] = '\0';
			continue;
		}
		if (table < 0 || (strcmp(tok, "Meaning") == 0 && meaning[0] == '\0'))
			continue;
		if ((sscanf(tok, "%d-%d%n", &lo, &hi, &off) == 2 || (sscanf(tok, "%d%n", &lo, &off) == 1 && (hi = lo))) &&
		    lo >= 100 && (tok[off] == '\0' || strcmp(tok + off, ",") == 0)) {
			if (meaning[0] != '\0') {
				dfota_flush((enum codes_table)table, codes, ncodes, meaning, seen);
				ncodes = 0;
				meaning[0] = '\0';
			}
			for (int c = lo; c <= hi; c++) {
				assert_true(ncodes < sizeof(codes) / sizeof(codes[0]));
				codes[ncodes++] = c;
			}
			continue;
		}
		if (meaning[0] != '\0')
			strncat(meaning, " ", sizeof(meaning) - strlen(meaning) - 1);
		strncat(meaning, tok, sizeof(meaning) - strlen(meaning) - 1);
	}
	dfota_flush((enum codes_table)table, codes, ncodes, meaning, seen);
	free(text);
	for (int t = CODES_TABLE_DFOTA_FTP; t <= CODES_TABLE_DFOTA; t++) {
		size_t n;

		codes_table_entries((enum codes_table)t, &n);
		if (seen[t] != n)
			fail_msg("%s: seed lists %zu codes, table has %zu", codes_table_to_string((enum codes_table)t),
				 seen[t], n);
	}
	assert_int_equal(seen[CODES_TABLE_DFOTA], 24);
}

/* ---- the tables' own consistency ---- */

static void test_tables_consistent(void **state)
{
	(void)state;
	for (int t = 0; t < CODES_TABLE_MAX_; t++) {
		size_t n;
		const struct codes_entry *e = codes_table_entries((enum codes_table)t, &n);
		enum fota_family fam = codes_table_family((enum codes_table)t);

		assert_true(fam < FAMILY_MAX_);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(e[i].table, t);
			assert_true(e[i].seed_text && e[i].seed_text[0]);
			assert_true(e[i].words && e[i].words[0]);
			if (e[i].code != 0 && !e[i].hint)
				fail_msg("%s %d has no hint", codes_table_to_string((enum codes_table)t), e[i].code);
			for (size_t j = 0; j < i; j++)
				assert_int_not_equal(e[i].code, e[j].code);
			/* within a family, a non-zero code is in one table only */
			for (int u = 0; u < t && e[i].code != 0; u++)
				if (codes_table_family((enum codes_table)u) == fam &&
				    entry_in((enum codes_table)u, e[i].code))
					fail_msg("%d is in two %s tables", e[i].code, fota_family_to_string(fam));
		}
	}
}

/* ---- lookup by (family, URC, code) ---- */

struct explain_case {
	enum fota_family family;
	enum urc_event event;
	int code;
	bool known;
	enum codes_table table;
	enum codes_phase phase;
	bool retry_safe;
	const char *words; /* substring of words, or NULL */
};

static void explain_one(const struct explain_case *c)
{
	struct codes_explanation x;
	int r = codes_explain(c->family, c->event, c->code, &x);

	assert_int_equal(r, 0);
	if (x.known != c->known || x.table != c->table || x.phase != c->phase || x.retry_safe != c->retry_safe)
		fail_msg("%s %s %d: known %d table %s phase %s retry %d", fota_family_to_string(c->family),
			 urc_event_to_string(c->event), c->code, x.known, codes_table_to_string(x.table),
			 codes_phase_to_string(x.phase), x.retry_safe);
	assert_int_equal(x.code, c->code);
	assert_int_equal(x.family, c->family);
	assert_int_equal(x.success, c->code == 0);
	assert_int_equal(x.entry != NULL, c->known);
	if (x.entry) {
		assert_int_equal(x.entry->code, c->code);
		assert_ptr_equal(x.words, x.entry->words);
	} else {
		assert_string_equal(x.words, "unknown code");
	}
	if (c->words && !strstr(x.words, c->words))
		fail_msg("%d: \"%s\" lacks \"%s\"", c->code, x.words, c->words);
}

static void test_explain(void **state)
{
	static const struct explain_case cases[] = {
		/* EC200U: FTPEND -> FTP table, or data call, or FOTA */
		{ FAMILY_EC200U, URC_EVENT_FTPEND, 0, true, CODES_TABLE_FTP, CODES_PHASE_DOWNLOAD, false, "downloaded" },
		{ FAMILY_EC200U, URC_EVENT_FTPEND, 609, true, CODES_TABLE_FTP, CODES_PHASE_DOWNLOAD, true, "in time" },
		{ FAMILY_EC200U, URC_EVENT_FTPEND, 625, true, CODES_TABLE_FTP, CODES_PHASE_DOWNLOAD, true, "login" },
		{ FAMILY_EC200U, URC_EVENT_FTPEND, 5, true, CODES_TABLE_DATACALL, CODES_PHASE_DOWNLOAD, true, NULL },
		{ FAMILY_EC200U, URC_EVENT_FTPEND, 562, true, CODES_TABLE_FOTA, CODES_PHASE_DOWNLOAD, true, "FTP" },
		{ FAMILY_EC200U, URC_EVENT_FTPEND, 632, false, CODES_TABLE_FTP, CODES_PHASE_DOWNLOAD, true, NULL },
		/* HTTPEND (and its spellings map to it) */
		{ FAMILY_EC200U, URC_EVENT_HTTPEND, 716, true, CODES_TABLE_HTTP, CODES_PHASE_DOWNLOAD, true, "connect" },
		{ FAMILY_EC200U, URC_EVENT_HTTPEND, 21, true, CODES_TABLE_DATACALL, CODES_PHASE_DOWNLOAD, true, NULL },
		{ FAMILY_EC200U, URC_EVENT_HTTPEND, 561, true, CODES_TABLE_FOTA, CODES_PHASE_DOWNLOAD, true, "URL" },
		{ FAMILY_EC200U, URC_EVENT_HTTPEND, 704, false, CODES_TABLE_HTTP, CODES_PHASE_DOWNLOAD, true, NULL },
		{ FAMILY_EC200U, URC_EVENT_HTTPEND, 23, false, CODES_TABLE_HTTP, CODES_PHASE_DOWNLOAD, true, NULL },
		/* FILEEND -> FOTA table */
		{ FAMILY_EC200U, URC_EVENT_FILEEND, 0, true, CODES_TABLE_FOTA, CODES_PHASE_DOWNLOAD, false, "success" },
		{ FAMILY_EC200U, URC_EVENT_FILEEND, 564, true, CODES_TABLE_FOTA, CODES_PHASE_DOWNLOAD, true, "length" },
		{ FAMILY_EC200U, URC_EVENT_FILEEND, 567, true, CODES_TABLE_FOTA, CODES_PHASE_DOWNLOAD, true, NULL },
		/* END -> FOTA table, update phase */
		{ FAMILY_EC200U, URC_EVENT_END, 0, true, CODES_TABLE_FOTA, CODES_PHASE_UPDATE, false, "success" },
		{ FAMILY_EC200U, URC_EVENT_END, 510, true, CODES_TABLE_FOTA, CODES_PHASE_UPDATE, false, "check" },
		{ FAMILY_EC200U, URC_EVENT_END, 502, true, CODES_TABLE_FOTA, CODES_PHASE_UPDATE, false, "abnormally" },
		{ FAMILY_EC200U, URC_EVENT_END, 999, false, CODES_TABLE_FOTA, CODES_PHASE_UPDATE, false, NULL },
		{ FAMILY_EC200U, URC_EVENT_END, 504, false, CODES_TABLE_FOTA, CODES_PHASE_UPDATE, false, NULL },
		/* no URC: the entry's own phase */
		{ FAMILY_EC200U, URC_EVENT_UNKNOWN, 549, true, CODES_TABLE_FOTA, CODES_PHASE_DOWNLOAD, true, "busy" },
		{ FAMILY_EC200U, URC_EVENT_UNKNOWN, 510, true, CODES_TABLE_FOTA, CODES_PHASE_ANY, false, NULL },
		{ FAMILY_EC200U, URC_EVENT_UNKNOWN, 12, true, CODES_TABLE_DATACALL, CODES_PHASE_DOWNLOAD, true, "radio" },
		{ FAMILY_EC200U, URC_EVENT_UNKNOWN, 4242, false, CODES_TABLE_FOTA, CODES_PHASE_ANY, false, NULL },
		/* DFOTA family: same codes, other meanings */
		{ FAMILY_DFOTA, URC_EVENT_END, 0, true, CODES_TABLE_DFOTA, CODES_PHASE_UPDATE, false, "success" },
		{ FAMILY_DFOTA, URC_EVENT_END, 510, true, CODES_TABLE_DFOTA, CODES_PHASE_UPDATE, false, "does not match" },
		{ FAMILY_DFOTA, URC_EVENT_END, 502, true, CODES_TABLE_DFOTA, CODES_PHASE_UPDATE, false, "unexpected" },
		{ FAMILY_DFOTA, URC_EVENT_END, 511, true, CODES_TABLE_DFOTA, CODES_PHASE_UPDATE, false, "space" },
		{ FAMILY_DFOTA, URC_EVENT_END, 520, true, CODES_TABLE_DFOTA, CODES_PHASE_UPDATE, false, "update failed" },
		{ FAMILY_DFOTA, URC_EVENT_END, 546, true, CODES_TABLE_DFOTA, CODES_PHASE_UPDATE, false, NULL },
		{ FAMILY_DFOTA, URC_EVENT_END, 531, false, CODES_TABLE_DFOTA, CODES_PHASE_UPDATE, false, NULL },
		{ FAMILY_DFOTA, URC_EVENT_END, 539, false, CODES_TABLE_DFOTA, CODES_PHASE_UPDATE, false, NULL },
		{ FAMILY_DFOTA, URC_EVENT_END, 547, false, CODES_TABLE_DFOTA, CODES_PHASE_UPDATE, false, NULL },
		{ FAMILY_DFOTA, URC_EVENT_END, 519, false, CODES_TABLE_DFOTA, CODES_PHASE_UPDATE, false, NULL },
		/* Quectel's test scripts expect END,701/702 after the network is cut (facts §4.1) */
		{ FAMILY_DFOTA, URC_EVENT_END, 701, true, CODES_TABLE_DFOTA_HTTP, CODES_PHASE_DOWNLOAD, true, NULL },
		{ FAMILY_DFOTA, URC_EVENT_END, 702, false, CODES_TABLE_DFOTA, CODES_PHASE_UPDATE, false, NULL },
		{ FAMILY_DFOTA, URC_EVENT_HTTPEND, 0, true, CODES_TABLE_DFOTA_HTTP, CODES_PHASE_DOWNLOAD, false, NULL },
		{ FAMILY_DFOTA, URC_EVENT_HTTPEND, 701, true, CODES_TABLE_DFOTA_HTTP, CODES_PHASE_DOWNLOAD, true, NULL },
		{ FAMILY_DFOTA, URC_EVENT_FTPEND, 601, true, CODES_TABLE_DFOTA_FTP, CODES_PHASE_DOWNLOAD, true, NULL },
		{ FAMILY_DFOTA, URC_EVENT_FTPEND, 5, false, CODES_TABLE_DFOTA_FTP, CODES_PHASE_DOWNLOAD, true, NULL },
		{ FAMILY_DFOTA, URC_EVENT_FTPEND, 609, false, CODES_TABLE_DFOTA_FTP, CODES_PHASE_DOWNLOAD, true, NULL },
		{ FAMILY_DFOTA, URC_EVENT_UNKNOWN, 525, true, CODES_TABLE_DFOTA, CODES_PHASE_UPDATE, false, NULL },
		{ FAMILY_DFOTA, URC_EVENT_UNKNOWN, 505, true, CODES_TABLE_DFOTA, CODES_PHASE_ANY, false, "faulty" },
	};
	struct codes_explanation x;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		explain_one(&cases[i]);
	assert_int_equal(codes_explain(FAMILY_MAX_, URC_EVENT_END, 0, &x), -EINVAL);
	assert_int_equal(codes_explain(FAMILY_EC200U, URC_EVENT_END, -1, &x), -EINVAL);
	assert_int_equal(codes_explain(FAMILY_EC200U, URC_EVENT_END, 0, NULL), -EINVAL);
}

/* Every entry is what the lookup finds for its own family and code, through
 * the URC that carries its table (and with no URC at all). */
static void test_every_entry_reachable(void **state)
{
	static const enum urc_event carrier[CODES_TABLE_MAX_] = {
		[CODES_TABLE_FOTA] = URC_EVENT_END,          [CODES_TABLE_FTP] = URC_EVENT_FTPEND,
		[CODES_TABLE_HTTP] = URC_EVENT_HTTPEND,      [CODES_TABLE_DATACALL] = URC_EVENT_HTTPEND,
		[CODES_TABLE_DFOTA_FTP] = URC_EVENT_FTPEND,  [CODES_TABLE_DFOTA_HTTP] = URC_EVENT_HTTPEND,
		[CODES_TABLE_DFOTA] = URC_EVENT_END,
	};
	size_t total = 0;

	(void)state;
	for (int t = 0; t < CODES_TABLE_MAX_; t++) {
		size_t n;
		const struct codes_entry *e = codes_table_entries((enum codes_table)t, &n);

		for (size_t i = 0; i < n; i++) {
			struct codes_explanation x;

			assert_int_equal(codes_explain(codes_table_family((enum codes_table)t), carrier[t], e[i].code, &x), 0);
			assert_ptr_equal(x.entry, &e[i]);
			if (e[i].code != 0) {
				assert_int_equal(codes_explain(codes_table_family((enum codes_table)t), URC_EVENT_UNKNOWN,
							       e[i].code, &x), 0);
				assert_ptr_equal(x.entry, &e[i]);
			}
			total++;
		}
	}
	assert_int_equal(total, 28 + 32 + 9 + 22 + 2 + 2 + 24);
}

/* ---- explain CODE: each family's meaning ---- */

static void test_explain_all(void **state)
{
	struct codes_explanation x[CODES_EXPLAIN_MAX];
	int n;

	(void)state;
	/* 502 and 510 mean different things per family */
	n = codes_explain_all(510, x, CODES_EXPLAIN_MAX);
	assert_int_equal(n, 2);
	assert_int_equal(x[0].family, FAMILY_EC200U);
	assert_int_equal(x[0].table, CODES_TABLE_FOTA);
	assert_int_equal(x[1].family, FAMILY_DFOTA);
	assert_int_equal(x[1].table, CODES_TABLE_DFOTA);
	assert_true(x[0].known && x[1].known);
	assert_string_not_equal(x[0].words, x[1].words);
	n = codes_explain_all(502, x, CODES_EXPLAIN_MAX);
	assert_int_equal(n, 2);
	assert_string_not_equal(x[0].entry->seed_text, x[1].entry->seed_text);

	/* 0 is in every table but the data call one */
	assert_int_equal(codes_explain_all(0, x, CODES_EXPLAIN_MAX), 6);
	for (int i = 0; i < 6; i++)
		assert_true(x[i].known && x[i].success);

	/* only one family knows it: the other says unknown */
	assert_int_equal(codes_explain_all(5, x, CODES_EXPLAIN_MAX), 2);
	assert_true(x[0].known);
	assert_int_equal(x[0].table, CODES_TABLE_DATACALL);
	assert_false(x[1].known);
	assert_int_equal(x[1].family, FAMILY_DFOTA);
	assert_int_equal(codes_explain_all(525, x, CODES_EXPLAIN_MAX), 2);
	assert_false(x[0].known);
	assert_true(x[1].known);

	assert_int_equal(codes_explain_all(31337, x, CODES_EXPLAIN_MAX), 2);
	assert_false(x[0].known || x[1].known);
	assert_int_equal(x[0].code, 31337);

	assert_int_equal(codes_explain_all(0, x, 5), -E2BIG);
	assert_int_equal(codes_explain_all(510, x, 1), -E2BIG);
	assert_int_equal(codes_explain_all(-3, x, CODES_EXPLAIN_MAX), -EINVAL);
	assert_int_equal(codes_explain_all(0, NULL, CODES_EXPLAIN_MAX), -EINVAL);
}

/* ---- one line for a person ---- */

struct format_case {
	enum fota_family family;
	enum urc_event event;
	int code;
	const char *must[4];
};

static void format_one(const struct format_case *c)
{
	struct codes_explanation x;
	char buf[512];
	int n;

	assert_int_equal(codes_explain(c->family, c->event, c->code, &x), 0);
	n = codes_explanation_format(&x, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
	for (int i = 0; i < 4 && c->must[i]; i++)
		if (!strstr(buf, c->must[i]))
			fail_msg("\"%s\" lacks \"%s\"", buf, c->must[i]);
}

static void test_format(void **state)
{
	static const struct format_case cases[] = {
		{ FAMILY_EC200U, URC_EVENT_FTPEND, 609, { "EC200U/EG915U", "FTP error 609", "safe to retry", "What to do" } },
		{ FAMILY_EC200U, URC_EVENT_END, 510, { "FOTA error 510", "do not retry blindly", "ATI", NULL } },
		{ FAMILY_DFOTA, URC_EVENT_END, 510, { "DFOTA error 510", "does not match", "ATI", NULL } },
		{ FAMILY_DFOTA, URC_EVENT_END, 777, { "unknown code 777", "DFOTA", NULL, NULL } },
		{ FAMILY_EC200U, URC_EVENT_END, 0, { "code 0", "success", NULL, NULL } },
	};
	struct codes_explanation x;
	char small[16];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		format_one(&cases[i]);
	assert_int_equal(codes_explain(FAMILY_EC200U, URC_EVENT_FTPEND, 609, &x), 0);
	assert_int_equal(codes_explanation_format(&x, small, sizeof(small)), -E2BIG);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(codes_explanation_format(&x, small, 0), -EINVAL);
	assert_int_equal(codes_explanation_format(NULL, small, sizeof(small)), -EINVAL);

	/* CODES_FORMAT_MAX is enough for every family, URC and code */
	for (int f = 0; f < FAMILY_MAX_; f++)
		for (int ev = 0; ev < URC_EVENT_MAX_; ev++)
			for (int code = 0; code < 1000; code++) {
				char buf[CODES_FORMAT_MAX];

				assert_int_equal(codes_explain((enum fota_family)f, (enum urc_event)ev, code, &x), 0);
				assert_true(codes_explanation_format(&x, buf, sizeof(buf)) > 0);
			}
}

/* ---- names ---- */

struct family_case {
	const char *name;
	int r;
	enum fota_family family;
};

static void family_one(const struct family_case *c)
{
	enum fota_family f = FAMILY_MAX_;
	int r = fota_family_from_string(c->name, &f);

	if (r != c->r)
		fail_msg("\"%s\": %d, expected %d", c->name ? c->name : "(null)", r, c->r);
	assert_int_equal(f, r == 0 ? c->family : FAMILY_MAX_);
}

static void test_family_names(void **state)
{
	static const struct family_case cases[] = {
		{ "EC200U", 0, FAMILY_EC200U },  { "ec200u", 0, FAMILY_EC200U }, { "EG915U", 0, FAMILY_EC200U },
		{ "EC200UCN", 0, FAMILY_EC200U }, { "unisoc", 0, FAMILY_EC200U }, { "DFOTA", 0, FAMILY_DFOTA },
		{ "EP06-E", 0, FAMILY_DFOTA },   { "EG25", 0, FAMILY_DFOTA },    { "EG25-G", 0, FAMILY_DFOTA },
		{ "EC25", 0, FAMILY_DFOTA },     { "EG06", 0, FAMILY_DFOTA },    { "EM06", 0, FAMILY_DFOTA },
		{ "qualcomm", 0, FAMILY_DFOTA }, { "BG96", -ENOENT, 0 },         { "", -ENOENT, 0 },
		{ "EC2", -ENOENT, 0 },           { NULL, -EINVAL, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		family_one(&cases[i]);
	assert_string_equal(fota_family_to_string(FAMILY_EC200U), "EC200U");
	assert_string_equal(fota_family_to_string(FAMILY_DFOTA), "DFOTA");
	assert_string_equal(fota_family_to_string(FAMILY_MAX_), "unknown");
	assert_string_equal(codes_phase_to_string(CODES_PHASE_UPDATE), "update");
	assert_string_equal(codes_table_to_string(CODES_TABLE_MAX_), "unknown table");
	for (int t = 0; t < CODES_TABLE_MAX_; t++)
		for (int u = 0; u < t; u++)
			assert_string_not_equal(codes_table_to_string((enum codes_table)t),
						codes_table_to_string((enum codes_table)u));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_counts),
		cmocka_unit_test(test_ec200u_seed_tables),
		cmocka_unit_test(test_dfota_seed_table),
		cmocka_unit_test(test_tables_consistent),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_every_entry_reachable),
		cmocka_unit_test(test_explain_all),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_family_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
