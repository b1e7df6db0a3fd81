/* The +QIND "FOTA" URC parser: every line of the seeds and facts (from
 * tests/data, expected values here), every quirk, garbled and truncated
 * lines, lines that are not ours. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qfota/urc.h"

#define NO_ARG -1

static FILE *data_open(const char *name)
{
	const char *top = getenv("QFOTA_TOP");
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/data/%s", top && *top ? top : ".", name);
	f = fopen(path, "re");
	if (!f)
		fail_msg("cannot open %s (set QFOTA_TOP to the source tree)", path);
	return f;
}

static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

/* ---- one line, one expectation ---- */

struct urc_case {
	const char *line;
	int r;                 /* expected return */
	enum urc_event event;
	int arg;               /* NO_ARG: has_arg false */
	bool percent_sign;
	const char *word;      /* NULL: don't check */
};

static void parse_one(const struct urc_case *c)
{
	struct urc_fota u;
	int r;

	memset(&u, 0xa5, sizeof(u));
	r = urc_fota_parse(c->line, &u);
	if (r != c->r)
		fail_msg("\"%s\": returned %d, expected %d", c->line, r, c->r);
	if (r < 0) {
		/* ret untouched on failure */
		assert_int_equal(((unsigned char *)&u)[0], 0xa5);
		return;
	}
	if (u.event != c->event)
		fail_msg("\"%s\": event %s, expected %s", c->line, urc_event_to_string(u.event),
			 urc_event_to_string(c->event));
	assert_int_equal(u.has_arg, c->arg != NO_ARG);
	assert_int_equal(u.arg, c->arg == NO_ARG ? 0 : c->arg);
	assert_int_equal(u.percent_sign, c->percent_sign);
	if (c->word)
		assert_string_equal(u.word, c->word);
}

static void test_cases(void **state)
{
	static const struct urc_case cases[] = {
		/* canonical */
		{ "+QIND: \"FOTA\",\"FTPSTART\"", 0, URC_EVENT_FTPSTART, NO_ARG, false, "FTPSTART" },
		{ "+QIND: \"FOTA\",\"FTPEND\",631", 0, URC_EVENT_FTPEND, 631, false, NULL },
		{ "+QIND: \"FOTA\",\"HTTPEND\",716", 0, URC_EVENT_HTTPEND, 716, false, NULL },
		{ "+QIND: \"FOTA\",\"FILEEND\",564", 0, URC_EVENT_FILEEND, 564, false, NULL },
		{ "+QIND: \"FOTA\",\"RESTORE\",30", 0, URC_EVENT_RESTORE, 30, false, NULL },
		{ "+QIND: \"FOTA\",\"END\",510", 0, URC_EVENT_END, 510, false, NULL },
		{ "+QIND: \"FOTA\",\"DOWNLOADING\",0", 0, URC_EVENT_DOWNLOADING, 0, false, NULL },
		/* quirks: spaces, leading space in the word, misspellings, '%' */
		{ "+QIND:\"FOTA\",\"END\",0", 0, URC_EVENT_END, 0, false, NULL },
		{ "+QIND:   \"FOTA\" ,  \"END\" ,  7  ", 0, URC_EVENT_END, 7, false, NULL },
		{ "+QIND: \"FOTA\",\"  UPDATING \",50", 0, URC_EVENT_UPDATING, 50, false, "UPDATING" },
		{ "+QIND: \"FOTA\",\"HTTPPEND\",0", 0, URC_EVENT_HTTPEND, 0, false, "HTTPPEND" },
		{ "+QIND: \"FOTA\",\"HTTPSSTART\"", 0, URC_EVENT_HTTPSTART, NO_ARG, false, "HTTPSSTART" },
		{ "+QIND: \"FOTA\",\"HTTPSEND\",702", 0, URC_EVENT_HTTPEND, 702, false, "HTTPSEND" },
		{ "+QIND: \"FOTA\",\"DOWNLOADING\", 57%", 0, URC_EVENT_DOWNLOADING, 57, true, NULL },
		{ "+QIND: \"FOTA\",\"DOWNLOADING\",57 %", 0, URC_EVENT_DOWNLOADING, 57, true, NULL },
		{ "+QIND: \"FOTA\",\"UPDATING\",100%", 0, URC_EVENT_UPDATING, 100, true, NULL },
		{ "+QIND: \"fota\",\"end\",0", 0, URC_EVENT_END, 0, false, "end" },
		{ "+QIND: \"FOTA\",\"END\",0\r\n", 0, URC_EVENT_END, 0, false, NULL },
		{ "  +QIND: \"FOTA\",\"START\"", 0, URC_EVENT_START, NO_ARG, false, NULL },
		{ "+QIND: \"FOTA\",\"START\",3", 0, URC_EVENT_START, 3, false, NULL },
		{ "+QIND: \"FOTA\",\"END\",00510", 0, URC_EVENT_END, 510, false, NULL },
		/* unknown words are kept */
		{ "+QIND: \"FOTA\",\"VERIFYING\",12", 0, URC_EVENT_UNKNOWN, 12, false, "VERIFYING" },
		{ "+QIND: \"FOTA\",\"NEW_THING\"", 0, URC_EVENT_UNKNOWN, NO_ARG, false, "NEW_THING" },
		{ "+QIND: \"FOTA\",\"HTTP END\",0", 0, URC_EVENT_UNKNOWN, 0, false, "HTTP END" },
		{ "+QIND: \"FOTA\",\"ZZZ\",500%", 0, URC_EVENT_UNKNOWN, 500, true, NULL },
		/* not ours */
		{ "", -ENOMSG, 0, 0, false, NULL },
		{ "OK", -ENOMSG, 0, 0, false, NULL },
		{ "RDY", -ENOMSG, 0, 0, false, NULL },
		{ "+CPIN: READY", -ENOMSG, 0, 0, false, NULL },
		{ "+QIND: SMS DONE", -ENOMSG, 0, 0, false, NULL },
		{ "+QIND: PB DONE", -ENOMSG, 0, 0, false, NULL },
		{ "+QIND: \"csq\",20,99", -ENOMSG, 0, 0, false, NULL },
		{ "+QIND: \"FOTAX\",\"END\",0", -ENOMSG, 0, 0, false, NULL },
		{ "+QIND:", -ENOMSG, 0, 0, false, NULL },
		{ "+QIND:    ", -ENOMSG, 0, 0, false, NULL },
		{ "+QIND: \"", -ENOMSG, 0, 0, false, NULL },
		{ "QIND: \"FOTA\",\"END\",0", -ENOMSG, 0, 0, false, NULL },
		{ "+QINDCFG: \"all\",1", -ENOMSG, 0, 0, false, NULL },
		/* garbled or truncated FOTA lines */
		{ "+QIND: \"FO", -EPROTO, 0, 0, false, NULL },
		{ "+QIND: \"FOTA", -EPROTO, 0, 0, false, NULL },
		{ "+QIND: \"FOTA\"", -EPROTO, 0, 0, false, NULL },
		{ "+QIND: \"FOTA\",", -EPROTO, 0, 0, false, NULL },
		{ "+QIND: \"FOTA\",\"END", -EPROTO, 0, 0, false, NULL },
		{ "+QIND: \"FOTA\",\"END\"", -EPROTO, 0, 0, false, NULL },
		{ "+QIND: \"FOTA\",\"END\",", -EPROTO, 0, 0, false, NULL },
		{ "+QIND: \"FOTA\",\"DOWNLOADING\"", -EPROTO, 0, 0, false, NULL },
		{ "+QIND: \"FOTA\",\"DOWNLOADING\",101", -EPROTO, 0, 0, false, NULL },
		{ "+QIND: \"FOTA\",\"UPDATING\",-1", -EPROTO, 0, 0, false, NULL },
		{ "+QIND: \"FOTA\",\"UPDATING\",+5", -EPROTO, 0, 0, false, NULL },
		{ "+QIND: \"FOTA\",\"UPDATING\",5x", -EPROTO, 0, 0, false, NULL },
		{ "+QIND: \"FOTA\",\"UPDATING\",5%%", -EPROTO, 0, 0, false, NULL },
		{ "+QIND: \"FOTA\",\"END\",0%", -EPROTO, 0, 0, false, NULL },
		{ "+QIND: \"FOTA\",\"END\",99999999999999999999", -EPROTO, 0, 0, false, NULL },
		{ "+QIND: \"FOTA\",\"END\",0,1", -EPROTO, 0, 0, false, NULL },
		{ "+QIND: \"FOTA\",\"END\",0+QIND: \"FOTA\",\"START\"", -EPROTO, 0, 0, false, NULL },
		{ "+QIND: \"FOTA\",\"\",0", -EPROTO, 0, 0, false, NULL },
		{ "+QIND: \"FOTA\",\"   \",0", -EPROTO, 0, 0, false, NULL },
		{ "+QIND: \"FOTA\",END,0", -EPROTO, 0, 0, false, NULL },
		{ "+QIND: \"FOTA\";\"END\",0", -EPROTO, 0, 0, false, NULL },
		{ "+QIND: \"FOTA\" \"END\",0", -EPROTO, 0, 0, false, NULL },
		{ "+QIND: \"FOTA\",\"EN\x01D\",0", -EPROTO, 0, 0, false, NULL },
		{ "+QIND: \"FOTA\",\"ABCDEFGHIJKLMNOPQRSTUVWXYZ\"", -EPROTO, 0, 0, false, NULL },
		{ "+QIND: \"FOTA\",\"END\" 0", -EPROTO, 0, 0, false, NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		parse_one(&cases[i]);
}

static void test_null(void **state)
{
	struct urc_fota u;

	(void)state;
	assert_int_equal(urc_fota_parse(NULL, &u), -EINVAL);
	assert_int_equal(urc_fota_parse("+QIND: \"FOTA\",\"START\"", NULL), -EINVAL);
}

/* ---- the seeds' and facts' lines, from tests/data ---- */

struct seed_expect {
	const char *line;
	enum urc_event event;
	int arg;
	bool percent_sign;
	bool seen;
};

/* Reads every data line of name; each must be in expect[] and parse to it.
 * Returns the number of data lines. */
static size_t check_file(const char *name, struct seed_expect *expect, size_t n)
{
	FILE *f = data_open(name);
	char *line = NULL;
	size_t cap = 0, lines = 0;

	while (getline(&line, &cap, f) >= 0) {
		struct urc_case c = { 0 };
		size_t i;

		chomp(line);
		if (line[0] == '#' || line[0] == '\0')
			continue;
		for (i = 0; i < n; i++)
			if (strcmp(expect[i].line, line) == 0)
				break;
		if (i == n)
			fail_msg("%s: line \"%s\" has no expectation in test-urc.c", name, line);
		expect[i].seen = true;
		c = (struct urc_case){ line, 0, expect[i].event, expect[i].arg, expect[i].percent_sign, NULL };
		parse_one(&c);
		lines++;
	}
	free(line);
	fclose(f);
	return lines;
}

static void test_seed_lines(void **state)
{
	struct seed_expect expect[] = {
		{ "+QIND: \"FOTA\",\"FTPSTART\"", URC_EVENT_FTPSTART, NO_ARG, false, false },
		{ "+QIND: \"FOTA\",\"DOWNLOADING\",2", URC_EVENT_DOWNLOADING, 2, false, false },
		{ "+QIND: \"FOTA\",\"DOWNLOADING\",4", URC_EVENT_DOWNLOADING, 4, false, false },
		{ "+QIND: \"FOTA\",\" DOWNLOADING\",100", URC_EVENT_DOWNLOADING, 100, false, false },
		{ "+QIND: \"FOTA\",\"FTPEND\",0", URC_EVENT_FTPEND, 0, false, false },
		{ "+QIND: \"FOTA\",\"START\"", URC_EVENT_START, NO_ARG, false, false },
		{ "+QIND: \"FOTA\",\"UPDATING\",1", URC_EVENT_UPDATING, 1, false, false },
		{ "+QIND: \"FOTA\",\"UPDATING\",2", URC_EVENT_UPDATING, 2, false, false },
		{ "+QIND: \"FOTA\",\"UPDATING\",100", URC_EVENT_UPDATING, 100, false, false },
		{ "+QIND: \"FOTA\",\"END\",0", URC_EVENT_END, 0, false, false },
		{ "+QIND: \"FOTA\",\"HTTPSTART\"", URC_EVENT_HTTPSTART, NO_ARG, false, false },
		{ "+QIND: \"FOTA\",\"DOWNLOADING\",100", URC_EVENT_DOWNLOADING, 100, false, false },
		{ "+QIND: \"FOTA\",\"HTTPPEND\",0", URC_EVENT_HTTPEND, 0, false, false },
		{ "+QIND: \"FOTA\", \"START\"", URC_EVENT_START, NO_ARG, false, false },
		{ "+QIND: \"FOTA\", \"UPDATING\", 1", URC_EVENT_UPDATING, 1, false, false },
		{ "+QIND: \"FOTA\", \"UPDATING\", 2", URC_EVENT_UPDATING, 2, false, false },
		{ "+QIND: \"FOTA\", \"UPDATING\", 100", URC_EVENT_UPDATING, 100, false, false },
		{ "+QIND: \"FOTA\", \"END\", 0", URC_EVENT_END, 0, false, false },
		{ "+QIND: \"FOTA\", \"FILESTART\"", URC_EVENT_FILESTART, NO_ARG, false, false },
		{ "+QIND: \"FOTA\",\"FILESTART\"", URC_EVENT_FILESTART, NO_ARG, false, false },
		{ "+QIND: \"FOTA\",\"FILEEND\",0", URC_EVENT_FILEEND, 0, false, false },
	};
	struct seed_expect facts[] = {
		{ "+QIND: \"FOTA\",\"UPDATING\",0", URC_EVENT_UPDATING, 0, false, false },
		{ "+QIND: \"FOTA\",\"UPDATING\",99", URC_EVENT_UPDATING, 99, false, false },
		{ "+QIND: \"FOTA\",\"HTTPSSTART\"", URC_EVENT_HTTPSTART, NO_ARG, false, false },
		{ "+QIND: \"FOTA\",\"HTTPSEND\",0", URC_EVENT_HTTPEND, 0, false, false },
		{ "+QIND: \"FOTA\",\"DOWNLOADING\", 57%", URC_EVENT_DOWNLOADING, 57, true, false },
		{ "+QIND: \"FOTA\",\"UPDATING\", 1%", URC_EVENT_UPDATING, 1, true, false },
		{ "+QIND: \"FOTA\",\"END\",0", URC_EVENT_END, 0, false, false },
	};
	size_t n;

	(void)state;
	n = check_file("seed-urcs.txt", expect, sizeof(expect) / sizeof(expect[0]));
	assert_int_equal(n, sizeof(expect) / sizeof(expect[0]));
	for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++)
		if (!expect[i].seen)
			fail_msg("seed-urcs.txt lacks \"%s\"", expect[i].line);
	n = check_file("facts-urcs.txt", facts, sizeof(facts) / sizeof(facts[0]));
	assert_int_equal(n, sizeof(facts) / sizeof(facts[0]));
	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++)
		if (!facts[i].seen)
			fail_msg("facts-urcs.txt lacks \"%s\"", facts[i].line);
}

/* Each +QIND line of a verbatim seed transcript parses (the document's
 * "//..." annotation cut off), and the events come in the documented order. */
static void transcript_one(const char *name, const enum urc_event *order, size_t order_len)
{
	FILE *f = data_open(name);
	char *line = NULL;
	size_t cap = 0, seen = 0;
	enum urc_event last = URC_EVENT_MAX_;

	while (getline(&line, &cap, f) >= 0) {
		struct urc_fota u;
		char *comment;
		int r;

		chomp(line);
		if (!strstr(line, "+QIND:"))
			continue;
		comment = strstr(line, " //");
		if (comment)
			*comment = '\0';
		r = urc_fota_parse(line, &u);
		if (r != 0)
			fail_msg("%s: \"%s\" returned %d", name, line, r);
		if (u.event == last)
			continue; /* runs of DOWNLOADING / UPDATING */
		if (seen >= order_len || u.event != order[seen])
			fail_msg("%s: \"%s\" out of order (event #%zu)", name, line, seen);
		last = u.event;
		seen++;
	}
	free(line);
	fclose(f);
	assert_int_equal(seen, order_len);
}

static void test_seed_transcripts(void **state)
{
	static const enum urc_event ftp[] = { URC_EVENT_FTPSTART, URC_EVENT_DOWNLOADING, URC_EVENT_FTPEND,
					      URC_EVENT_START, URC_EVENT_UPDATING, URC_EVENT_END };
	static const enum urc_event http[] = { URC_EVENT_HTTPSTART, URC_EVENT_DOWNLOADING, URC_EVENT_HTTPEND,
					       URC_EVENT_START, URC_EVENT_UPDATING, URC_EVENT_END };
	static const enum urc_event file[] = { URC_EVENT_FILESTART, URC_EVENT_DOWNLOADING, URC_EVENT_FILEEND,
					       URC_EVENT_START, URC_EVENT_UPDATING, URC_EVENT_END };

	(void)state;
	transcript_one("seed-ec200u-ftp-example.txt", ftp, sizeof(ftp) / sizeof(ftp[0]));
	transcript_one("seed-ec200u-http-example.txt", http, sizeof(http) / sizeof(http[0]));
	transcript_one("seed-ec200u-file-example.txt", file, sizeof(file) / sizeof(file[0]));
}

/* The DFOTA guide's extract lost its quotes and commas ("QIND FOTA HTTPEND
 * http_err"): each event word in it must still be one we know. */
static void test_dfota_summary_words(void **state)
{
	FILE *f = data_open("seed-dfota-urc-summaries.txt");
	char *line = NULL;
	size_t cap = 0, words = 0;
	bool seen[URC_EVENT_MAX_] = { false };

	(void)state;
	while (getline(&line, &cap, f) >= 0) {
		char *save = NULL, *prev2 = NULL, *prev1 = NULL;

		for (char *tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
			/* "UPDATI...": the summary itself is cut there */
			if (prev2 && prev1 && strcmp(prev2, "QIND") == 0 && strcmp(prev1, "FOTA") == 0 &&
			    !strstr(tok, "...")) {
				enum urc_event ev = urc_event_from_string(tok);

				if (ev == URC_EVENT_UNKNOWN)
					fail_msg("DFOTA guide event word \"%s\" unknown", tok);
				seen[ev] = true;
				words++;
			}
			prev2 = prev1;
			prev1 = tok;
		}
	}
	free(line);
	fclose(f);
	assert_int_equal(words, 18); /* 19 "QIND FOTA <word>", one cut by the extract */
	assert_true(seen[URC_EVENT_HTTPSTART] && seen[URC_EVENT_HTTPEND] && seen[URC_EVENT_START] &&
		    seen[URC_EVENT_UPDATING] && seen[URC_EVENT_END]);
}

/* ---- names ---- */

static void test_event_names(void **state)
{
	(void)state;
	for (int e = 0; e < URC_EVENT_MAX_; e++) {
		const char *s = urc_event_to_string((enum urc_event)e);

		assert_non_null(s);
		assert_int_equal(urc_event_from_string(s), e);
	}
	assert_string_equal(urc_event_to_string(URC_EVENT_END), "END");
	assert_string_equal(urc_event_to_string(URC_EVENT_MAX_), "UNKNOWN");
	assert_string_equal(urc_event_to_string((enum urc_event)-1), "UNKNOWN");
	assert_int_equal(urc_event_from_string(" downloading "), URC_EVENT_DOWNLOADING);
	assert_int_equal(urc_event_from_string("HTTPPEND"), URC_EVENT_HTTPEND);
	assert_int_equal(urc_event_from_string("HTTPSSTART"), URC_EVENT_HTTPSTART);
	assert_int_equal(urc_event_from_string("HTTPSEND"), URC_EVENT_HTTPEND);
	assert_int_equal(urc_event_from_string("ENDX"), URC_EVENT_UNKNOWN);
	assert_int_equal(urc_event_from_string(NULL), URC_EVENT_UNKNOWN);

	assert_true(urc_event_has_percent(URC_EVENT_RESTORE));
	assert_false(urc_event_has_percent(URC_EVENT_END));
	assert_true(urc_event_has_code(URC_EVENT_FILEEND));
	assert_false(urc_event_has_code(URC_EVENT_START));
	assert_true(urc_event_is_download_end(URC_EVENT_HTTPEND));
	assert_false(urc_event_is_download_end(URC_EVENT_END));
}

/* ---- robustness ---- */

/* Every proper prefix (longer than `+QIND: "F`) of a FOTA line whose
 * argument is one digit or absent is a truncated FOTA URC: -EPROTO, never a
 * success, never a crash. (A cut inside a longer number gives a valid shorter
 * number: no parser can tell.) */
static void test_truncations(void **state)
{
	static const char *lines[] = {
		"+QIND: \"FOTA\",\"END\",0",
		"+QIND: \"FOTA\", \"FILEEND\", 5",
		"+QIND: \"FOTA\",\" DOWNLOADING\",7",
		"+QIND: \"FOTA\",\"START\"",
	};

	(void)state;
	for (size_t l = 0; l < sizeof(lines) / sizeof(lines[0]); l++) {
		size_t full = strlen(lines[l]);

		for (size_t n = strlen("+QIND: \"F"); n < full; n++) {
			char buf[64];
			struct urc_fota u;
			int r;

			memcpy(buf, lines[l], n);
			buf[n] = '\0';
			r = urc_fota_parse(buf, &u);
			if (r != -EPROTO)
				fail_msg("prefix \"%s\": %d", buf, r);
		}
	}
}

/* Random bytes after a FOTA prefix: only 0 or -EPROTO, never a crash
 * (ASan/UBSan build checks the memory side). */
static void test_random_garbage(void **state)
{
	static const char alphabet[] = "\"\", 0123456789%ENDUPATIGOWLS\t\x01\xff-_+:";
	unsigned seed = 12345;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		char buf[64] = "+QIND: \"FOTA\",";
		size_t n = strlen(buf), len;
		struct urc_fota u;
		int r;

		seed = seed * 1103515245u + 12345u;
		len = (seed >> 16) % 40;
		for (size_t k = 0; k < len; k++) {
			seed = seed * 1103515245u + 12345u;
			buf[n++] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		buf[n] = '\0';
		r = urc_fota_parse(buf, &u);
		if (r != 0 && r != -EPROTO)
			fail_msg("\"%s\": %d", buf, r);
		if (r == 0 && urc_event_has_percent(u.event))
			assert_true(u.has_arg && u.arg >= 0 && u.arg <= 100);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_null),
		cmocka_unit_test(test_seed_lines),
		cmocka_unit_test(test_seed_transcripts),
		cmocka_unit_test(test_dfota_summary_words),
		cmocka_unit_test(test_event_names),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_random_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
