/* The error tables, as `qfota explain` and the URC follower use them. The
 * input is text, "<family or model> <URC word> <code> [<buffer size>]"
 * (e.g. "EC200U FTPEND 609"), so the seeds are the tables' own codes.
 * Properties:
 *  - fota_family_from_string: 0 with a family in range, or -ENOENT;
 *  - codes_explain: -EINVAL iff the code is negative; a known code's entry has
 *    that code and a table of that family; an unknown one says "unknown code";
 *    the phase follows the URC (FTPEND/HTTPEND/FILEEND: download; END:
 *    update unless a transport table's code); retry-safe iff a failure of the
 *    download phase;
 *  - codes_explanation_format fits CODES_FORMAT_MAX, names the code, and for a
 *    smaller buffer gives -E2BIG with the same text cut and NUL-terminated;
 *  - codes_explain_all: >= 2 explanations, one or more per family, each of
 *    that code and each formatting within CODES_FORMAT_MAX. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>

#include "fuzz.h"
#include "qfota/codes.h"

static bool transport(enum codes_table t)
{
	return t == CODES_TABLE_FTP || t == CODES_TABLE_HTTP || t == CODES_TABLE_DATACALL ||
	       t == CODES_TABLE_DFOTA_FTP || t == CODES_TABLE_DFOTA_HTTP;
}

static void format_check(const struct codes_explanation *e, size_t cap)
{
	char full[CODES_FORMAT_MAX], cut[CODES_FORMAT_MAX], num[16];
	int n = codes_explanation_format(e, full, sizeof(full)), m;

	FUZZ_CHECK(n > 0 && (size_t)n < sizeof(full) && strlen(full) == (size_t)n, "format: %d", n);
	snprintf(num, sizeof(num), " %d", e->code);
	FUZZ_CHECK(strstr(full, num) != NULL, "\"%s\" does not name code %d", full, e->code);
	if (cap == 0 || cap > sizeof(cut))
		return;
	memset(cut, 'x', sizeof(cut));
	m = codes_explanation_format(e, cut, cap);
	if ((size_t)n < cap)
		FUZZ_CHECK(m == n && !strcmp(cut, full), "format into %zu: %d", cap, m);
	else
		FUZZ_CHECK(m == -E2BIG && strlen(cut) == cap - 1 && !strncmp(cut, full, cap - 1),
			   "format into %zu: %d", cap, m);
}

static void explain_check(enum fota_family family, enum urc_event event, int code, size_t cap)
{
	struct codes_explanation e;
	int r = codes_explain(family, event, code, &e);

	FUZZ_CHECK(code < 0 ? r == -EINVAL : r == 0, "explain %d: %d", code, r);
	if (r < 0)
		return;
	FUZZ_CHECK(e.family == family && e.code == code && e.words != NULL, "explain %d: header", code);
	FUZZ_CHECK(e.success == (code == 0), "success of %d", code);
	FUZZ_CHECK(!e.success || e.known, "code 0 unknown");
	if (e.known) {
		FUZZ_CHECK(e.entry && e.entry->code == code && e.entry->table == e.table, "entry of %d", code);
		FUZZ_CHECK(codes_table_family(e.table) == family, "%d found in %s", code, codes_table_to_string(e.table));
		FUZZ_CHECK(e.words == e.entry->words && e.entry->seed_text, "words of %d", code);
	} else {
		FUZZ_CHECK(!e.entry && !strcmp(e.words, "unknown code") && !e.hint, "unknown %d", code);
	}
	if (urc_event_is_download_end(event) || (e.known && transport(e.table)))
		FUZZ_CHECK(e.phase == CODES_PHASE_DOWNLOAD, "phase of %s,%d", urc_event_to_string(event), code);
	else if (event == URC_EVENT_END)
		FUZZ_CHECK(e.phase == CODES_PHASE_UPDATE, "phase of END,%d", code);
	FUZZ_CHECK(e.retry_safe == (!e.success && e.phase == CODES_PHASE_DOWNLOAD), "retry-safe of %d", code);
	format_check(&e, cap);
}

static void explain_all_check(int code)
{
	struct codes_explanation all[CODES_EXPLAIN_MAX];
	bool seen[FAMILY_MAX_] = { false };
	int n = codes_explain_all(code, all, CODES_EXPLAIN_MAX);

	FUZZ_CHECK(code < 0 ? n == -EINVAL : n >= 2, "explain all %d: %d", code, n);
	for (int i = 0; i < n; i++) {
		FUZZ_CHECK((unsigned)all[i].family < FAMILY_MAX_ && all[i].code == code, "explain all %d: %d", code, i);
		FUZZ_CHECK(!all[i].known || all[i].entry->code == code, "explain all %d: entry", code);
		seen[all[i].family] = true;
		format_check(&all[i], 0);
	}
	for (int f = 0; n > 0 && f < FAMILY_MAX_; f++)
		FUZZ_CHECK(seen[f], "explain all %d: no word for %s", code, fota_family_to_string((enum fota_family)f));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), *save = NULL;
	const char *fam = strtok_r(s, " \t\r\n", &save), *word = strtok_r(NULL, " \t\r\n", &save);
	const char *num = strtok_r(NULL, " \t\r\n", &save), *capw = strtok_r(NULL, " \t\r\n", &save);
	enum fota_family family = FAMILY_EC200U;
	enum urc_event event = word ? urc_event_from_string(word) : URC_EVENT_UNKNOWN;
	long code = num ? strtol(num, NULL, 10) : 0;
	size_t cap = capw ? (size_t)strtoul(capw, NULL, 10) : 0;
	int r = fota_family_from_string(fam ? fam : "", &family);

	FUZZ_CHECK(r == 0 || r == -ENOENT, "family \"%s\": %d", fam ? fam : "", r);
	FUZZ_CHECK((unsigned)family < FAMILY_MAX_, "family %d", (int)family);
	if (code > INT_MAX || code < INT_MIN)
		code = code < 0 ? INT_MIN : INT_MAX;
	FUZZ_CHECK((unsigned)event < URC_EVENT_MAX_, "event %d", (int)event);

	for (int f = 0; f < FAMILY_MAX_; f++)
		explain_check((enum fota_family)f, event, (int)code, cap);
	FUZZ_CHECK(codes_explain(FAMILY_MAX_, event, (int)code, &(struct codes_explanation){ 0 }) == -EINVAL,
		   "family out of range accepted");
	explain_all_check((int)code);
	free(s);
	return 0;
}
