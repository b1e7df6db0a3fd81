/* The fault matrix, generated: the real build/qfota against virtual modules
 * that fail in every way the seeds and the hardware allow.
 *
 *  1. Every code of every error table of both seeds, read here from the seeds'
 *     own text (tests/data/seed-*.txt; never from qfota's tool/at/codes.c, so a
 *     code qfota forgot is caught): the module fails with it in its phase.
 *  2. Unplug in every phase, END never coming, END without a reboot, a reboot
 *     without END, another port, another IMEI, garbage and truncated URCs, the
 *     URC quirks and NAK forever, over every mode of both families.
 *  3. SIGINT and SIGTERM in every phase.
 *
 * Every case: the documented exit code, the words, and from the virtual
 * module's record: the module not claimed, its kernel driver given back. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/qfota-run.h"
#include "common/testutil.h"

#define RUN_MS 120000
#define QFOTA_N(a) (sizeof(a) / sizeof((a)[0]))
#define URL_HTTP "http://fota.example.com/pkg.pack"
#define URL_FTP "FTP://u:p@fota.example.com/pkg.pack"

/* Short deadlines: the fast preset reboots in 20 ms, updates in 20 ms. */
#define FAST_TIMEOUTS "--timeout-reboot", "1", "--timeout-update-gap", "1", "--timeout-update-start", "2", \
		      "--timeout-stall", "1"

static size_t n_cases; /* the matrix size, printed at the end */

#define setup qrun_setup_dir_packages

#define teardown qrun_teardown_dir

/* ---------------------------------------------------------------------------
 * The seeds' tables, parsed from their text. */

enum table {
	T_FOTA,        /* EC200U note Table 2: Meaning of FOTA <err> */
	T_FTP,         /* Table 3: FTP <err> */
	T_HTTP,        /* Table 4: HTTP(S) <err> */
	T_DATACALL,    /* Table 5: Datacall <err> */
	T_DFOTA_FTP,   /* EP06 DFOTA guide Table 1: <ftp_err> */
	T_DFOTA_HTTP,  /* <http_err> */
	T_DFOTA_ERR,   /* <err> */
	T_MAX,
};

static const char *const table_names[T_MAX] = {
	"EC200U FOTA", "EC200U FTP", "EC200U HTTP(S)", "EC200U data call",
	"DFOTA <ftp_err>", "DFOTA <http_err>", "DFOTA <err>",
};

struct seed_code {
	enum table table;
	int code;
};

#define MAX_CODES 256
static struct seed_code codes[MAX_CODES];
static size_t n_codes;
static size_t per_table[T_MAX];

static void add_code(enum table t, int code)
{
	assert_true(n_codes < MAX_CODES);
	codes[n_codes++] = (struct seed_code){ t, code };
	per_table[t]++;
}

/* Strips spaces, tabs, CR and the seeds' U+00A0 (C2 A0) at both ends, in place. */
static char *trim(char *s)
{
	size_t n;

	for (;;) {
		if (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		else if ((unsigned char)s[0] == 0xc2 && (unsigned char)s[1] == 0xa0)
			s += 2;
		else
			break;
	}
	n = strlen(s);
	for (;;) {
		if (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
			n--;
		else if (n >= 2 && (unsigned char)s[n - 2] == 0xc2 && (unsigned char)s[n - 1] == 0xa0)
			n -= 2;
		else
			break;
	}
	s[n] = '\0';
	return s;
}

static char *read_seed(const char *name)
{
	char path[512];
	char *text;

	snprintf(path, sizeof(path), "%s/tests/data/%s", tu_top_dir(), name);
	text = tu_read_file(path);
	if (!text)
		fail_msg("cannot read %s", path);
	return text;
}

/* EC200U note chapter 4: "Table N: Meaning of X <err>" opens a table; each row
 * starts with its code and a tab. */
static void parse_ec200u(void)
{
	char *text = read_seed("seed-ec200u-error-tables.txt"), *save = NULL;
	int t = -1;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *end;
		long code;

		if (strncmp(line, "Table ", 6) == 0 && strstr(line, "Meaning of")) {
			t = strstr(line, "FTP") ? T_FTP : strstr(line, "HTTP") ? T_HTTP
			    : strstr(line, "Datacall") ? T_DATACALL : strstr(line, "FOTA") ? T_FOTA : -1;
			assert_true(t >= 0);
			continue;
		}
		if (t < 0 || !isdigit((unsigned char)line[0]))
			continue;
		code = strtol(line, &end, 10);
		if (*end == '\t')
			add_code((enum table)t, (int)code);
	}
	free(text);
}

/* DFOTA guide Table 1: the lines "<ftp_err>", "<http_err>", "<err>" open the
 * sections; a row's code stands alone on its line ("601"), or is a range
 * ("520-530,"). */
static void parse_dfota(void)
{
	char *text = read_seed("seed-dfota-error-table.txt"), *save = NULL;
	int t = -1;

	for (char *raw = strtok_r(text, "\n", &save); raw; raw = strtok_r(NULL, "\n", &save)) {
		char *line = trim(raw), *end;
		long lo, hi;

		if (strcmp(line, "<ftp_err>") == 0)
			t = T_DFOTA_FTP;
		else if (strcmp(line, "<http_err>") == 0)
			t = T_DFOTA_HTTP;
		else if (strcmp(line, "<err>") == 0)
			t = T_DFOTA_ERR;
		if (t < 0 || !isdigit((unsigned char)line[0]))
			continue;
		lo = hi = strtol(line, &end, 10);
		if (*end == '-')
			hi = strtol(end + 1, &end, 10);
		if (*end == ',')
			end++;
		if (*end != '\0' || hi < lo)
			continue; /* a line of words that starts with a digit */
		for (long c = lo; c <= hi; c++)
			add_code((enum table)t, (int)c);
	}
	free(text);
}

/* The parse itself is checked against what the seeds visibly hold, so a
 * parser that silently finds nothing cannot pass the matrix vacuously. */
static void load_codes(void)
{
	if (n_codes)
		return;
	parse_ec200u();
	parse_dfota();
	assert_int_equal(per_table[T_FOTA], 28);      /* 0 500 502 510 547 549-571 */
	assert_int_equal(per_table[T_FTP], 32);       /* 0 601-631 */
	assert_int_equal(per_table[T_HTTP], 9);       /* 0 701 702 703 714 716 729 730 731 */
	assert_int_equal(per_table[T_DATACALL], 22);  /* 1-22 */
	assert_int_equal(per_table[T_DFOTA_FTP], 1);  /* 601 (the row of 0 has no number in the text) */
	assert_int_equal(per_table[T_DFOTA_HTTP], 1); /* 701 */
	assert_int_equal(per_table[T_DFOTA_ERR], 23); /* 502 504 505 510 511 520-530 540-546 */
}

/* ---------------------------------------------------------------------------
 * Running one case. */

enum mode { M_FILE, M_FTP, M_HTTP, M_UPLOAD };
static const char *const mode_names[] = { "FILE", "FTP", "HTTP", "upload" };

struct run_spec {
	const char *profile;   /* ec200u or eg25 */
	enum mode mode;
	const char *fault;     /* vmodule --fault, or NULL */
	const char *pace;      /* vmodule --pace, or NULL (fast) */
	bool json;
};

static const char *package_of(const char *dir, const char *profile, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/%s", dir, strcmp(profile, "ec200u") == 0 ? "ec200u.pack"
					 : strcmp(profile, "ep06") == 0 ? "ep06.zip" : "eg25.zip");
	return buf;
}

static void run_spec(struct qrun *q, const char *dir, const struct run_spec *s)
{
	char pkg[128], map[256];
	const char *vm[12], *qf[24];
	static const char *const fast[] = { FAST_TIMEOUTS };
	size_t nv = 0, nq = 0;

	package_of(dir, s->profile, pkg, sizeof(pkg));
	vm[nv++] = "--profile";
	vm[nv++] = s->profile;
	if (s->fault) {
		vm[nv++] = "--fault";
		vm[nv++] = s->fault;
	}
	if (s->pace) {
		vm[nv++] = "--pace";
		vm[nv++] = s->pace;
	}
	if (s->mode == M_HTTP || s->mode == M_FTP) {
		snprintf(map, sizeof(map), "%s=%s", s->mode == M_HTTP ? URL_HTTP : URL_FTP, pkg);
		vm[nv++] = "--url";
		vm[nv++] = map;
	}
	vm[nv] = NULL;
	qf[nq++] = "upgrade";
	qf[nq++] = "--port";
	qf[nq++] = "1-1";
	if (s->json)
		qf[nq++] = "--json";
	for (size_t i = 0; i < sizeof(fast) / sizeof(fast[0]); i++)
		qf[nq++] = fast[i];
	switch (s->mode) {
	case M_FILE: qf[nq++] = pkg; break;
	case M_HTTP: qf[nq++] = "--url"; qf[nq++] = URL_HTTP; break;
	case M_FTP: qf[nq++] = "--url"; qf[nq++] = URL_FTP; break;
	case M_UPLOAD: qf[nq++] = "--upload"; qf[nq++] = pkg; break;
	}
	qf[nq] = NULL;
	qrun(q, dir, vm, qf, RUN_MS);
	n_cases++;
}

static bool record_has(const struct qrun *q, const char *text)
{
	return q->record && strstr(q->record, text);
}

/* ---------------------------------------------------------------------------
 * 1. Every code of every table. */

/* THE RULE (written once): a code the module reports before the update began
 * (on FILEEND, FTPEND or HTTPEND, before START) is a download-phase failure:
 * the firmware was not touched, exit 5; a code reported by END, after START,
 * is an update-phase failure, exit 6.
 * Which URC carries which code follows the seeds' tables: the download tables
 * (EC200U FTP, HTTP(S), data call; DFOTA <ftp_err>, <http_err>) end the URL
 * download (FTPEND/HTTPEND); the EC200U FOTA table's file-download codes (500
 * general, 547 package verification, 549-571: busy, parameters, path, NV,
 * task, download mode, URL, FTP/HTTP handles, size, timers, download timeout)
 * end a FILE-mode download (FILEEND); every other <err> (EC200U 502, 510;
 * DFOTA 502-546) is the update's own result (END). Each case checks from the
 * record that the module did carry the code on that URC. */
static bool reported_before_start(enum table t, int code, enum mode mode)
{
	switch (t) {
	case T_FTP: case T_HTTP: case T_DATACALL: case T_DFOTA_FTP: case T_DFOTA_HTTP:
		return true;
	case T_FOTA:
		return mode == M_FILE && (code == 500 || (code >= 547 && code <= 571));
	default:
		return false;
	}
}

static void run_code_case(const char *dir, enum table t, int code, const char *profile, enum mode mode)
{
	static unsigned k;
	bool download = reported_before_start(t, code, mode);
	bool json = k++ % 2 == 0; /* every other case: the JSON result, else the plain line */
	int want_exit = download ? 5 : 6;
	const char *end_urc = !download ? "END" : mode == M_FILE ? "FILEEND" : mode == M_FTP ? "FTPEND" : "HTTPEND";
	char fault[32], text[128];
	struct qrun q;

	snprintf(fault, sizeof(fault), "code:%d", code);
	print_message("code: %s %d, %s %s, expect %s phase, exit %d%s\n", table_names[t], code, profile,
		      mode_names[mode], download ? "download" : "update", want_exit, json ? " (JSON)" : "");
	run_spec(&q, dir, &(struct run_spec){ profile, mode, fault, NULL, json });
	/* the module failed where the rule says */
	snprintf(text, sizeof(text), "urc +QIND: \"FOTA\",\"%s\",%d\n", end_urc, code);
	if (!record_has(&q, text))
		qrun_fail(&q, "the module did not report the code on the URC the rule expects");
	if (record_has(&q, "urc +QIND: \"FOTA\",\"START\"") == download)
		qrun_fail(&q, download ? "START seen before a download-phase code" : "no START before END");
	qrun_assert_exit(&q, want_exit);
	/* the message names the code and knows it */
	snprintf(text, sizeof(text), "error %d: ", code);
	qrun_assert_says(&q, text);
	if (strstr(q.run.err, "unknown code") || strstr(q.run.out, "unknown code"))
		qrun_fail(&q, "qfota calls a code of the seeds unknown");
	if (json) {
		snprintf(text, sizeof(text), "\"code\":%d,", code);
		qrun_assert_says(&q, text);
		qrun_assert_says(&q, download ? "\"phase\":\"download\"" : "\"phase\":\"update\"");
		snprintf(text, sizeof(text), "\"exit_code\":%d,", want_exit);
		qrun_assert_says(&q, text);
	} else {
		qrun_assert_says(&q, download ? "FAILED in download: " : "FAILED in update: ");
		qrun_assert_says(&q, download ? "safe to retry" : "do not retry blindly");
	}
	qrun_assert_released(&q, "1-1");
	qrun_clear(&q);
}

static void test_every_code_of_every_table(void **state)
{
	const char *dir = *state;
	size_t before = n_cases, skipped = 0;

	load_codes();
	for (size_t i = 0; i < n_codes; i++) {
		enum table t = codes[i].table;
		int c = codes[i].code;

		if (c == 0) { /* "successful": not a failure; every success test covers it */
			skipped++;
			continue;
		}
		switch (t) {
		case T_FOTA: run_code_case(dir, t, c, "ec200u", M_FILE); break;
		case T_FTP: run_code_case(dir, t, c, "ec200u", M_FTP); break;
		case T_HTTP: run_code_case(dir, t, c, "ec200u", M_HTTP); break;
		case T_DATACALL: /* a data call serves either URL mode */
			run_code_case(dir, t, c, "ec200u", M_FTP);
			run_code_case(dir, t, c, "ec200u", M_HTTP);
			break;
		case T_DFOTA_FTP:
			run_code_case(dir, t, c, "eg25", M_FTP);
			run_code_case(dir, t, c, "ep06", M_FTP);
			break;
		case T_DFOTA_HTTP:
			run_code_case(dir, t, c, "eg25", M_HTTP);
			run_code_case(dir, t, c, "ep06", M_HTTP);
			break;
		case T_DFOTA_ERR: /* the update's result, from a local file and from a URL */
			run_code_case(dir, t, c, c % 2 ? "ep06" : "eg25", M_UPLOAD);
			run_code_case(dir, t, c, c % 2 ? "eg25" : "ep06", M_HTTP);
			break;
		default: fail_msg("table %d", (int)t);
		}
	}
	printf("matrix: %zu seed codes (%zu success rows skipped), %zu runs\n", n_codes, skipped, n_cases - before);
}

/* ---------------------------------------------------------------------------
 * 1b. Codes where the test puts them (vmodule code-at:EVENT:N), whatever their
 * table: the rule is checked, not mirrored. A code on FILEEND/FTPEND/HTTPEND,
 * before START, is a download failure (exit 5, safe to retry) even when it
 * comes from the update's table; a code on END is an update failure (exit 6)
 * even when it is a download table's. Every third code of the seeds, each on
 * the next of the four events in turn, over the three profiles. */
static void run_code_at_case(const char *dir, int code, const char *event, const char *profile, enum mode mode)
{
	bool download = strcmp(event, "END") != 0;
	int want_exit = download ? 5 : 6;
	char fault[48], text[128];
	struct qrun q;

	snprintf(fault, sizeof(fault), "code-at:%s:%d", event, code);
	print_message("code-at: %d on %s, %s %s, exit %d\n", code, event, profile, mode_names[mode], want_exit);
	run_spec(&q, dir, &(struct run_spec){ profile, mode, fault, NULL, false });
	snprintf(text, sizeof(text), "urc +QIND: \"FOTA\",\"%s\",%d\n", event, code);
	if (!record_has(&q, text))
		qrun_fail(&q, "the module did not report the code where the test put it");
	qrun_assert_exit(&q, want_exit);
	/* the code named: "error N: ..." from its table, or "unknown code N"
	 * when the event's tables do not hold it (a 510 on HTTPEND) */
	char known[32], unknown[32];
	snprintf(known, sizeof(known), "error %d", code);
	snprintf(unknown, sizeof(unknown), "unknown code %d", code);
	if (!strstr(q.run.out, known) && !strstr(q.run.out, unknown) && !strstr(q.run.err, known) &&
	    !strstr(q.run.err, unknown))
		qrun_fail(&q, "the message does not name the module's code");
	qrun_assert_says(&q, download ? "FAILED in download: " : "FAILED in update: ");
	qrun_assert_says(&q, download ? "safe to retry" : "do not retry blindly");
	qrun_assert_released(&q, "1-1");
	qrun_clear(&q);
}

static void test_codes_in_every_phase(void **state)
{
	static const struct {
		const char *event;
		const char *profile;
		enum mode mode;
	} at[] = {
		{ "FILEEND", "ec200u", M_FILE }, { "HTTPEND", "eg25", M_HTTP }, { "END", "ep06", M_UPLOAD },
		{ "FTPEND", "ep06", M_FTP }, { "END", "ec200u", M_HTTP }, { "HTTPEND", "ep06", M_HTTP },
		{ "END", "eg25", M_FTP }, { "FTPEND", "ec200u", M_FTP },
	};
	const char *dir = *state;
	size_t before = n_cases, k = 0;

	load_codes();
	for (size_t i = 0; i < n_codes; i += 3) {
		if (codes[i].code == 0)
			continue;
		run_code_at_case(dir, codes[i].code, at[k % QFOTA_N(at)].event, at[k % QFOTA_N(at)].profile,
				 at[k % QFOTA_N(at)].mode);
		k++;
	}
	printf("code-at: %zu runs\n", n_cases - before);
}

/* ---------------------------------------------------------------------------
 * 2. The module misbehaves, in every mode where it can. */

struct target {
	const char *profile;
	enum mode mode;
};

static const struct target targets[] = {
	{ "ec200u", M_FILE }, { "ec200u", M_FTP }, { "ec200u", M_HTTP }, { "eg25", M_UPLOAD }, { "eg25", M_HTTP },
	{ "ep06", M_UPLOAD }, /* the EP06/EG06/EM06 guide's own module (issue 15) */
	{ "ep06", M_HTTP },
};

struct misbehaviour {
	const char *fault;
	bool streams_only;   /* applies where qfota sends the package (FILE, upload) */
	int exit_code;
	const char *says;    /* NULL: nothing beyond the exit code */
	bool may_be_gone;    /* the module is off the bus at the end */
	const char *record;  /* the record must hold this, or NULL */
	const char *record_not; /* ... and not this */
	bool qualcomm_only;  /* Qualcomm emergency download mode: not the EC200U's (Unisoc) */
	const char *unisoc_says; /* non-NULL: the EC200U differs, it says this ... */
	int unisoc_exit;         /* ... and exits with this */
};

/* Expected: README's exit codes. 7 lost (vanished, not back, another module),
 * 8 END,0 but not the new revision, 9 a deadline, 0 a good upgrade. */
static const struct misbehaviour misbehaviours[] = {
	/* AT+QFOTADL refused: nothing began */
	{ "error", false, 5, "refused AT+QFOTADL with ERROR", false, "fota_mode -" },
	{ "cme:3", false, 5, "+CME ERROR: 3", false, "fota_mode -" },
	/* unplugged: at the first byte of the package (FILE: right after the
	 * command; upload: before AT+QFOTADL), mid-stream, in the update, and in
	 * the reboot (never back) */
	{ "unplug-byte:0", true, 7, "vanished", true, "presence gone" },
	{ "unplug-byte:30000", true, 7, "vanished", true, "presence gone" },
	/* the words differ: qfota may see it go, or see it back and gone again */
	{ "unplug-update:40", false, 7, NULL, true, "presence gone" },
	{ "never-back", false, 7, "did not come back", true, "presence gone" },
	{ "no-end", false, 9, "--timeout-update-gap", false, NULL },
	{ "end-no-reboot", false, 8, "still reports revision", false, "fota_end_code 0" },
	/* END lost in the reboot: judged by what the module runs now, at once */
	{ "reboot-no-end", false, 0, "END not seen; the module now runs", false, "fota_end_code -1" },
	{ "other-port", false, 7, "did not come back on port 1-1", false, NULL, "1-1 port_now 1-1\n" },
	{ "imei-change", false, 7, "another module", false, NULL },
	{ "garbage", false, 0, "upgraded", false, "fota_end_code 0" },
	{ "truncated", false, 0, "upgraded", false, "fota_end_code 0" },
	{ "nak", true, 9, "--timeout-stall", false, "package_bytes 0" },
	{ "quirk-space", false, 0, "upgraded", false, NULL },
	{ "quirk-downloading", false, 0, "upgraded", false, NULL },
	{ "quirk-httppend", false, 0, "upgraded", false, NULL },
	{ "quirk-percent", false, 0, "upgraded", false, NULL },
	/* back as something else on the same port (issue 15): download mode;
	 * the RNDIS composition, which moves the EC25 family's AT port (the DM
	 * port where it was) and leaves the EC200U's where it is */
	{ "back-edl", false, 7, "emergency download mode", false, "composition edl", NULL, true },
	{ "back-rndis", false, 7, "another USB composition", false, "composition rndis", NULL, false,
	  "upgraded", 0 },
};

static void test_misbehaving_module(void **state)
{
	const char *dir = *state;
	size_t before = n_cases;

	for (size_t i = 0; i < sizeof(misbehaviours) / sizeof(misbehaviours[0]); i++) {
		const struct misbehaviour *mb = &misbehaviours[i];

		for (size_t j = 0; j < sizeof(targets) / sizeof(targets[0]); j++) {
			const struct target *tg = &targets[j];
			bool streams = tg->mode == M_FILE || tg->mode == M_UPLOAD;
			struct qrun q;

			bool unisoc = strcmp(tg->profile, "ec200u") == 0;
			int exit_code = unisoc && mb->unisoc_says ? mb->unisoc_exit : mb->exit_code;
			const char *says = unisoc && mb->unisoc_says ? mb->unisoc_says : mb->says;

			if ((mb->streams_only && !streams) || (mb->qualcomm_only && unisoc))
				continue;
			print_message("fault: %s, %s %s, expect exit %d\n", mb->fault, tg->profile, mode_names[tg->mode],
				      exit_code);
			run_spec(&q, dir, &(struct run_spec){ tg->profile, tg->mode, mb->fault, NULL, false });
			qrun_assert_exit(&q, exit_code);
			if (says)
				qrun_assert_says(&q, says);
			if (mb->record && !record_has(&q, mb->record))
				qrun_fail(&q, mb->record);
			if (mb->record_not && record_has(&q, mb->record_not))
				qrun_fail(&q, mb->record_not);
			/* a lost module is released too: nothing left claimed */
			qrun_assert_released(&q, "1-1");
			if (!mb->may_be_gone && !record_has(&q, "1-1 presence present"))
				qrun_fail(&q, "the module should be on the bus");
			qrun_clear(&q);
		}
	}
	printf("matrix: %zu misbehaviour runs\n", n_cases - before);
}

/* ---------------------------------------------------------------------------
 * 3. SIGINT and SIGTERM in every phase. The signal is sent once qfota says it
 * is in the phase (polled from its stderr; the module holds the phase: it NAKs,
 * never ends, or never comes back), so the case cannot race. */

struct signal_phase {
	const char *name;
	struct run_spec spec;
	const char *qfota_args;  /* extra options */
	const char *wait_for;    /* grep -x pattern on qfota's stderr lines */
	bool update;             /* the update had begun: exit 10, nothing sent after */
};

static const struct signal_phase signal_phases[] = {
	{ "FILE stream", { "ec200u", M_FILE, "nak", NULL, false }, "", "1-1: download: streaming the package", false },
	{ "AT+QFUPL upload", { "eg25", M_UPLOAD, "nak", NULL, false }, "", "1-1: upload", false },
	/* demo pacing: the module's own download takes 1.5 s */
	{ "URL download", { "ec200u", M_HTTP, NULL, "demo", false }, "",
	  "1-1: download: the module downloads the package", false },
	{ "EC200U update", { "ec200u", M_FILE, "no-end", NULL, false }, "",
	  "1-1: update 100% (reported by the module)", true },
	{ "EC200U reboot after END", { "ec200u", M_FILE, "never-back", NULL, false }, "--timeout-reboot 100",
	  "1-1: reboot: .*", true },
	{ "DFOTA reboot into the update", { "eg25", M_UPLOAD, "never-back", NULL, false }, "--timeout-reboot 100",
	  "1-1: reboot: .*", true },
	{ "DFOTA update after its reboot", { "eg25", M_UPLOAD, "no-end", NULL, false }, "",
	  "1-1: update 100% (reported by the module)", true },
};

/* No AT command after AT+QFOTADL (the command that began the download and the
 * update): the record holds commands and URCs in the order they happened. */
static void assert_nothing_sent_after_fotadl(const struct qrun *q)
{
	const char *key = "1-1 cmd AT+QFOTADL=", *p = q->record ? strstr(q->record, key) : NULL;
	size_t after = 0;

	if (!p)
		qrun_fail(q, "AT+QFOTADL never reached the module");
	for (; p; p = strstr(p + 1, key))
		after = (size_t)(p - q->record) + strlen(key);
	if (strstr(q->record + after, "1-1 cmd "))
		qrun_fail(q, "qfota sent an AT command after the update began");
}

static void test_signals_in_every_phase(void **state)
{
	const char *dir = *state;
	static const char *const sigs[] = { "INT", "TERM" };
	size_t before = n_cases;

	for (size_t i = 0; i < sizeof(signal_phases) / sizeof(signal_phases[0]); i++) {
		const struct signal_phase *sp = &signal_phases[i];

		for (size_t k = 0; k < 2; k++) {
			char qf[256], pkg[128], map[256], what[300], script[2048], want[32];
			const char *vm[12];
			size_t nv = 0;
			struct qrun q;

			package_of(dir, sp->spec.profile, pkg, sizeof(pkg));
			switch (sp->spec.mode) {
			case M_FILE: snprintf(what, sizeof(what), "%s", pkg); break;
			case M_UPLOAD: snprintf(what, sizeof(what), "--upload %s", pkg); break;
			default: snprintf(what, sizeof(what), "--url %s", URL_HTTP); break;
			}
			vm[nv++] = "--profile";
			vm[nv++] = sp->spec.profile;
			if (sp->spec.fault) {
				vm[nv++] = "--fault";
				vm[nv++] = sp->spec.fault;
			}
			if (sp->spec.pace) {
				vm[nv++] = "--pace";
				vm[nv++] = sp->spec.pace;
			}
			if (sp->spec.mode == M_HTTP) {
				snprintf(map, sizeof(map), "%s=%s", URL_HTTP, pkg);
				vm[nv++] = "--url";
				vm[nv++] = map;
			}
			vm[nv] = NULL;
			/* The wait is bounded (60 s) only so that a broken qfota cannot hang
			 * the test; reaching the bound fails the case ("never-reached"). */
			snprintf(script, sizeof(script),
				 "rm -f %s/sig.out %s/sig.err; "
				 "%s upgrade --port 1-1 %s %s >%s/sig.out 2>%s/sig.err & p=$!; n=0; "
				 "until grep -qx '%s' %s/sig.err; do n=$((n+1)); "
				 "if [ $n -gt 1200 ]; then echo never-reached; break; fi; sleep 0.05; done; "
				 "kill -%s $p; wait $p; echo exit=$?; cat %s/sig.out %s/sig.err",
				 dir, dir, tu_build_path("qfota", qf, sizeof(qf)), sp->qfota_args, what, dir, dir, sp->wait_for, dir,
				 sigs[k], dir, dir);
			print_message("signal: SIG%s in %s\n", sigs[k], sp->name);
			qrun_script(&q, dir, vm, script, RUN_MS);
			n_cases++;
			if (strstr(q.run.out, "never-reached"))
				qrun_fail(&q, "qfota never reached the phase");
			snprintf(want, sizeof(want), "exit=%d\n", sp->update ? 10 : 130);
			qrun_assert_says(&q, want);
			if (sp->update) {
				qrun_assert_says(&q, "still upgrading");
				qrun_assert_says(&q, "qfota follow --port 1-1");
				assert_nothing_sent_after_fotadl(&q);
			} else {
				qrun_assert_says(&q, "interrupted");
				if (record_has(&q, "urc +QIND: \"FOTA\",\"START\""))
					qrun_fail(&q, "the update began: the case did not test the download");
			}
			qrun_assert_released(&q, "1-1");
			qrun_clear(&q);
		}
	}
	printf("matrix: %zu signal runs\n", n_cases - before);
}

static int print_size(void **state)
{
	(void)state;
	printf("matrix size: %zu runs of qfota against failing virtual modules\n", n_cases);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_code_of_every_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_codes_in_every_phase, setup, teardown),
		cmocka_unit_test_setup_teardown(test_misbehaving_module, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signals_in_every_phase, setup, teardown),
	};
	return cmocka_run_group_tests_name("qfota-matrix", tests, NULL, print_size);
}
