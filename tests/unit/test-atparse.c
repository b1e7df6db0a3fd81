/* AT response assembly: real transcripts (QUECTEL_FACTS §2.1-2.2, §3.1) fed
 * in every chunk size and split at every byte give the same classified lines;
 * line classification; +QFUPL result parsing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qfota/atparse.h"

/* ---- classification of one line ---- */

struct classify_case {
	const char *line;
	const char *pending;
	enum at_line_kind kind;
	bool has_code;
	int code;
};

static void classify_one(const struct classify_case *c)
{
	struct at_line l;

	assert_int_equal(at_line_classify(c->line, strlen(c->line), c->pending, &l), 0);
	if (l.kind != c->kind)
		fail_msg("\"%s\" (pending %s): %s, expected %s", c->line, c->pending ? c->pending : "-",
			 at_line_kind_to_string(l.kind), at_line_kind_to_string(c->kind));
	assert_int_equal(l.has_code, c->has_code);
	if (c->has_code)
		assert_int_equal(l.code, c->code);
	assert_ptr_equal(l.text, c->line);
	assert_int_equal(l.len, strlen(c->line));
}

static void test_classify(void **state)
{
	static const struct classify_case cases[] = {
		{ "", NULL, AT_LINE_BLANK },
		{ "OK", NULL, AT_LINE_OK },
		{ "OK ", NULL, AT_LINE_INFO },
		{ "ERROR", NULL, AT_LINE_ERROR },
		{ "+CME ERROR: 4010", NULL, AT_LINE_CME_ERROR, true, 4010 },
		{ "+CME ERROR: 407", "+QFUPL", AT_LINE_CME_ERROR, true, 407 },
		{ "+CME ERROR:10", NULL, AT_LINE_CME_ERROR, true, 10 },
		{ "+CME ERROR: SIM not inserted", NULL, AT_LINE_CME_ERROR, false, 0 },
		{ "+CME ERROR: 99999999999", NULL, AT_LINE_CME_ERROR, false, 0 },
		{ "+CME ERROR: -1", NULL, AT_LINE_CME_ERROR, false, 0 },
		{ "+CMS ERROR: 500", NULL, AT_LINE_CMS_ERROR, true, 500 },
		{ "NO CARRIER", NULL, AT_LINE_NO_CARRIER },
		{ "BUSY", NULL, AT_LINE_NO_CARRIER },
		{ "CONNECT", NULL, AT_LINE_CONNECT },
		{ "CONNECT 115200", NULL, AT_LINE_CONNECT },
		{ "CONNECTED", NULL, AT_LINE_INFO },
		{ "AT+COPS?", NULL, AT_LINE_ECHO },
		{ "at+qfotadl=\"FILE:1200\"", NULL, AT_LINE_ECHO },
		{ "ATI", NULL, AT_LINE_ECHO },
		/* URCs, unless they are the pending command's answer */
		{ "+QIND: \"FOTA\",\"START\"", NULL, AT_LINE_URC },
		{ "+QIND: \"FOTA\",\"START\"", "+CPIN", AT_LINE_URC },
		{ "+QIND: SMS DONE", NULL, AT_LINE_URC },
		{ "RDY", NULL, AT_LINE_URC },
		{ "RDYX", NULL, AT_LINE_INFO },
		{ "+CPIN: READY", NULL, AT_LINE_URC },
		{ "+CPIN: READY", "+CPIN", AT_LINE_INFO },
		{ "+CPIN: READY", "+CPINX", AT_LINE_URC },
		{ "+CFUN: 1", "+CFUN", AT_LINE_INFO },
		{ "+CFUN: 1", "+COPS", AT_LINE_URC },
		{ "+QUSIM: 1", NULL, AT_LINE_URC },
		{ "POWERED DOWN", NULL, AT_LINE_URC },
		{ "+CEREG: 1", NULL, AT_LINE_URC },
		/* information responses */
		{ "+COPS: 0,0,\"VINAPHONE\"", "+COPS", AT_LINE_INFO },
		{ "Quectel", NULL, AT_LINE_INFO },
		{ "Revision: EC200UCNAAR03A15M08", NULL, AT_LINE_INFO },
		{ "866050034443331", "+CGSN", AT_LINE_INFO },
		{ "+QFUPL: 1188,2d13", "+QFUPL", AT_LINE_INFO },
		{ "+QFLST: \"UFS:DFOATUpgrade.zip\",41440551", "+QFLST", AT_LINE_INFO },
	};
	struct at_line l;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		classify_one(&cases[i]);
	assert_int_equal(at_line_classify("OK", 2, NULL, NULL), -EINVAL);
	assert_int_equal(at_line_classify(NULL, 0, NULL, &l), -EINVAL);
	/* a NUL byte from the module: "O\0K" is not OK */
	assert_int_equal(at_line_classify("O\0K", 3, NULL, &l), 0);
	assert_int_equal(l.kind, AT_LINE_INFO);
	assert_int_equal(at_line_classify("OKAY", 2, NULL, &l), 0); /* only len bytes count */
	assert_int_equal(l.kind, AT_LINE_OK);
}

static void test_final_kinds(void **state)
{
	(void)state;
	for (int k = 0; k < AT_LINE_MAX_KIND_; k++) {
		bool final = k == AT_LINE_OK || k == AT_LINE_ERROR || k == AT_LINE_CME_ERROR || k == AT_LINE_CMS_ERROR ||
			     k == AT_LINE_NO_CARRIER;

		assert_int_equal(at_line_kind_is_final((enum at_line_kind)k), final);
		assert_string_not_equal(at_line_kind_to_string((enum at_line_kind)k), "unknown");
	}
	assert_string_equal(at_line_kind_to_string(AT_LINE_MAX_KIND_), "unknown");
}

struct name_case {
	const char *cmd;
	int r;
	const char *name;
};

static void name_one(const struct name_case *c)
{
	char buf[AT_NAME_MAX];
	int r = at_command_name(c->cmd, buf, sizeof(buf));

	if (r != c->r)
		fail_msg("\"%s\": %d, expected %d", c->cmd, r, c->r);
	if (r >= 0)
		assert_string_equal(buf, c->name);
}

static void test_command_name(void **state)
{
	static const struct name_case cases[] = {
		{ "AT+CPIN?", 5, "+CPIN" },
		{ "at+cpin?", 5, "+CPIN" },
		{ "AT+QFUPL=\"dfota_update.bin\",1188,5,1", 6, "+QFUPL" },
		{ "AT+QFOTADL=?", 8, "+QFOTADL" },
		{ "AT+CGSN", 5, "+CGSN" },
		{ "AT+CGSN\r", 5, "+CGSN" },
		{ "ATI", 0, "" },
		{ "ATE0", 0, "" },
		{ "AT", 0, "" },
		{ "AT$QCPDPP?", 7, "$QCPDPP" },
		{ "+CPIN?", -EINVAL, NULL },
		{ "A", -EINVAL, NULL },
		{ "", -EINVAL, NULL },
		{ "AT+ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJ", -E2BIG, NULL },
	};
	struct at_assembler a;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		name_one(&cases[i]);
	at_assembler_init(&a);
	assert_int_equal(at_assembler_set_pending(&a, "AT+CPIN?"), 0);
	assert_string_equal(a.pending, "+CPIN");
	assert_int_equal(at_assembler_set_pending(&a, "AT+ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJ"), -E2BIG);
	assert_string_equal(a.pending, "");
	assert_int_equal(at_assembler_set_pending(&a, NULL), 0);
	assert_int_equal(at_assembler_set_pending(NULL, "AT"), -EINVAL);
}

/* ---- streams ---- */

struct got {
	enum at_line_kind kind;
	const char *text;  /* NULL: don't check */
	int code;          /* CME/CMS code, or ACK count */
};

#define MAX_GOT 32

struct run {
	struct got got[MAX_GOT];
	char texts[MAX_GOT][AT_LINE_MAX + 1];
	size_t n;
};

/* Feeds stream in chunks of `chunk` bytes, or split once at `split` when chunk
 * is 0. After CONNECT, turns ACK mode on if ack_after_connect. Consecutive
 * ACK runs are summed (their split depends on the chunking). */
static void run_stream(const char *stream, size_t len, size_t chunk, size_t split, const char *pending,
		       bool ack_after_connect, struct run *out)
{
	struct at_assembler a;
	size_t off = 0;

	at_assembler_init(&a);
	assert_int_equal(at_assembler_set_pending(&a, pending), 0);
	out->n = 0;
	while (off < len) {
		size_t clen = chunk ? chunk : (off < split ? split - off : len - off);

		if (clen > len - off)
			clen = len - off;
		for (const char *p = stream + off, *end = stream + off + clen; p < end;) {
			struct at_line l;
			size_t used = 99999;
			int r = at_assembler_feed(&a, p, (size_t)(end - p), &l, &used);

			assert_true(r == 0 || r == 1);
			assert_true(used <= (size_t)(end - p));
			if (r == 0) {
				assert_int_equal(used, (size_t)(end - p));
				p = end;
				continue;
			}
			p += used;
			if (l.kind == AT_LINE_ACK && out->n > 0 && out->got[out->n - 1].kind == AT_LINE_ACK) {
				out->got[out->n - 1].code += (int)l.acks;
				continue;
			}
			assert_true(out->n < MAX_GOT);
			memcpy(out->texts[out->n], l.text, l.len + 1);
			out->got[out->n] = (struct got){ l.kind, out->texts[out->n],
							 l.kind == AT_LINE_ACK ? (int)l.acks : l.code };
			out->n++;
			if (l.kind == AT_LINE_CONNECT && ack_after_connect)
				at_assembler_set_ack_mode(&a, true);
		}
		off += clen;
	}
}

static void expect_run(const struct run *r, const struct got *expected, size_t n, const char *what, size_t chunk,
		       size_t split)
{
	if (r->n != n)
		fail_msg("%s (chunk %zu split %zu): %zu lines, expected %zu", what, chunk, split, r->n, n);
	for (size_t i = 0; i < n; i++) {
		if (r->got[i].kind != expected[i].kind ||
		    (expected[i].text && strcmp(r->got[i].text, expected[i].text) != 0) ||
		    r->got[i].code != expected[i].code)
			fail_msg("%s (chunk %zu split %zu) line %zu: %s \"%s\" %d, expected %s \"%s\" %d", what, chunk, split,
				 i, at_line_kind_to_string(r->got[i].kind), r->got[i].text, r->got[i].code,
				 at_line_kind_to_string(expected[i].kind), expected[i].text ? expected[i].text : "*",
				 expected[i].code);
	}
}

struct stream_case {
	const char *what;
	const char *stream;
	size_t len;        /* 0: strlen(stream) */
	const char *pending;
	bool ack_after_connect;
	struct got expected[MAX_GOT];
	size_t n;
};

/* Every chunk size from 1 to the whole, and every single split point. */
static void stream_one(const struct stream_case *c)
{
	size_t len = c->len ? c->len : strlen(c->stream);
	struct run *r = malloc(sizeof(*r));

	assert_non_null(r);
	for (size_t chunk = 1; chunk <= len; chunk++) {
		run_stream(c->stream, len, chunk, 0, c->pending, c->ack_after_connect, r);
		expect_run(r, c->expected, c->n, c->what, chunk, 0);
	}
	for (size_t split = 0; split <= len; split++) {
		run_stream(c->stream, len, 0, split, c->pending, c->ack_after_connect, r);
		expect_run(r, c->expected, c->n, c->what, 0, split);
	}
	free(r);
}

static void test_streams(void **state)
{
	static const struct stream_case cases[] = {
		{ "COPS with echo (facts §2.1)", "AT+COPS?\r\r\n+COPS: 0,0,\"VINAPHONE\"\r\n\r\nOK\r\n", 0, "AT+COPS?",
		  false,
		  { { AT_LINE_ECHO, "AT+COPS?" }, { AT_LINE_INFO, "+COPS: 0,0,\"VINAPHONE\"" }, { AT_LINE_BLANK, "" },
		    { AT_LINE_OK, "OK" } },
		  4 },
		{ "QFDWL CME error (facts §2.1)", "AT+QFDWL=\"RAM:voicea.wav\"\r\r\n+CME ERROR: 4010\r\n", 0, NULL, false,
		  { { AT_LINE_ECHO, "AT+QFDWL=\"RAM:voicea.wav\"" }, { AT_LINE_CME_ERROR, "+CME ERROR: 4010", 4010 } },
		  2 },
		{ "CGSN capture (facts §2.1)", "AT+CGSN\r\r\n866050034443331\r\n\r\nOK", 0, "AT+CGSN", false,
		  { { AT_LINE_ECHO, "AT+CGSN" }, { AT_LINE_INFO, "866050034443331" }, { AT_LINE_BLANK, "" } },
		  3 }, /* "OK" without its CRLF is not a line yet */
		{ "EC200U ATI, echo off (facts §2.1)",
		  "\r\nQuectel\r\nEC200U\r\nRevision: EC200UCNAAR03A15M08\r\n\r\nOK\r\n", 0, "ATI", false,
		  { { AT_LINE_BLANK, "" }, { AT_LINE_INFO, "Quectel" }, { AT_LINE_INFO, "EC200U" },
		    { AT_LINE_INFO, "Revision: EC200UCNAAR03A15M08" }, { AT_LINE_BLANK, "" }, { AT_LINE_OK, "OK" } },
		  6 },
		{ "CPIN answer, then the same words as a URC",
		  "AT+CPIN?\r\r\n+CPIN: READY\r\n\r\nOK\r\n\r\n+CPIN: READY\r\n\r\n+QIND: \"FOTA\",\"START\"\r\n", 0,
		  "AT+CPIN?", false,
		  { { AT_LINE_ECHO, "AT+CPIN?" }, { AT_LINE_INFO, "+CPIN: READY" }, { AT_LINE_BLANK, "" },
		    { AT_LINE_OK, "OK" }, { AT_LINE_BLANK, "" }, { AT_LINE_URC, "+CPIN: READY" }, { AT_LINE_BLANK, "" },
		    { AT_LINE_URC, "+QIND: \"FOTA\",\"START\"" } },
		  8 },
		{ "boot URCs after a FOTA reboot (EG18, facts §2.2)",
		  "\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\n+QUSIM: 1\r\n\r\n+CFUN: 1\r\n\r\n+QIND: SMS DONE\r\n\r\n+QIND: PB DONE\r\n",
		  0, NULL, false,
		  { { AT_LINE_BLANK, "" }, { AT_LINE_URC, "RDY" }, { AT_LINE_BLANK, "" }, { AT_LINE_URC, "+CPIN: READY" },
		    { AT_LINE_BLANK, "" }, { AT_LINE_URC, "+QUSIM: 1" }, { AT_LINE_BLANK, "" }, { AT_LINE_URC, "+CFUN: 1" },
		    { AT_LINE_BLANK, "" }, { AT_LINE_URC, "+QIND: SMS DONE" }, { AT_LINE_BLANK, "" },
		    { AT_LINE_URC, "+QIND: PB DONE" } },
		  12 },
		{ "a URC during a command", "AT+QFOTADL=\"FILE:1200\",1,50,100\r\r\nOK\r\n\r\n+QIND: \"FOTA\",\"FILESTART\"\r\n",
		  0, "AT+QFOTADL=\"FILE:1200\",1,50,100", false,
		  { { AT_LINE_ECHO, NULL }, { AT_LINE_OK, "OK" }, { AT_LINE_BLANK, "" },
		    { AT_LINE_URC, "+QIND: \"FOTA\",\"FILESTART\"" } },
		  4 },
		{ "QFUPL in ACK mode (facts §3.1)",
		  "AT+QFUPL=\"dfota_update.bin\",3072,5,1\r\r\nCONNECT\r\nAAA\r\n+QFUPL: 3072,2d13\r\n\r\nOK\r\n", 0,
		  "AT+QFUPL=\"dfota_update.bin\",3072,5,1", true,
		  { { AT_LINE_ECHO, NULL }, { AT_LINE_CONNECT, "CONNECT" }, { AT_LINE_ACK, "", 3 }, { AT_LINE_BLANK, "" },
		    { AT_LINE_INFO, "+QFUPL: 3072,2d13" }, { AT_LINE_BLANK, "" }, { AT_LINE_OK, "OK" } },
		  7 },
		{ "QFUPL ACK mode ended by an error", "CONNECT\r\nAA\r\n+CME ERROR: 409\r\n", 0, "AT+QFUPL=\"x\",3000,5,1",
		  true,
		  { { AT_LINE_CONNECT, "CONNECT" }, { AT_LINE_ACK, "", 2 }, { AT_LINE_BLANK, "" },
		    { AT_LINE_CME_ERROR, "+CME ERROR: 409", 409 } },
		  4 },
		{ "'A' outside ACK mode is text", "\r\nA\r\nAA\r\n", 0, NULL, false,
		  { { AT_LINE_BLANK, "" }, { AT_LINE_INFO, "A" }, { AT_LINE_INFO, "AA" } },
		  3 },
		{ "echo ended by a bare CR", "AT\rOK\r\n", 0, "AT", false,
		  { { AT_LINE_ECHO, "AT" }, { AT_LINE_OK, "OK" } },
		  2 },
		{ "a NUL byte inside a line", "\r\nO\0K\r\nOK\r\n", 11, NULL, false,
		  { { AT_LINE_BLANK, "" }, { AT_LINE_INFO, NULL }, { AT_LINE_OK, "OK" } },
		  3 },
		{ "LF-only line ends", "OK\nERROR\n", 0, NULL, false,
		  { { AT_LINE_OK, "OK" }, { AT_LINE_ERROR, "ERROR" } },
		  2 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		stream_one(&cases[i]);
}

/* A line over AT_LINE_MAX is cut, flagged, never final, and the next line is
 * read normally. */
static void test_overlong(void **state)
{
	size_t len = 3000 + 4;
	char *s = malloc(len + 1);
	struct run *r = malloc(sizeof(*r));

	(void)state;
	assert_non_null(s);
	assert_non_null(r);
	/* stream: 3000 'x', CR LF, "O", LF */
	memset(s, 'x', 3000);
	memcpy(s + 3000, "\r\nO\n", 5);
	for (size_t chunk = 1; chunk <= 1025; chunk += 64) {
		run_stream(s, len, chunk, 0, NULL, false, r);
		assert_int_equal(r->n, 2);
		assert_int_equal(r->got[0].kind, AT_LINE_OVERLONG);
		assert_int_equal(strlen(r->got[0].text), AT_LINE_MAX);
		assert_int_equal(r->got[1].kind, AT_LINE_INFO);
		assert_string_equal(r->got[1].text, "O");
	}
	free(s);
	free(r);
}

/* The pending command is forgotten at its final result; reset drops a
 * half line (a module that rebooted mid-line). */
static void test_pending_and_reset(void **state)
{
	struct at_assembler a;
	struct at_line l;
	size_t used;
	const char *s1 = "+CFUN: 1\r\nOK\r\n+CFUN: 1\r\n";
	const char *p = s1;

	(void)state;
	at_assembler_init(&a);
	at_assembler_set_pending(&a, "AT+CFUN?");
	assert_int_equal(at_assembler_feed(&a, p, strlen(p), &l, &used), 1);
	assert_int_equal(l.kind, AT_LINE_INFO);
	p += used;
	assert_int_equal(at_assembler_feed(&a, p, strlen(p), &l, &used), 1);
	assert_int_equal(l.kind, AT_LINE_OK);
	p += used;
	assert_int_equal(at_assembler_feed(&a, p, strlen(p), &l, &used), 1);
	assert_int_equal(l.kind, AT_LINE_URC);

	assert_int_equal(at_assembler_feed(&a, "+QIND: \"FO", 10, &l, &used), 0);
	assert_int_equal(used, 10);
	at_assembler_set_ack_mode(&a, true);
	at_assembler_reset(&a);
	assert_false(at_assembler_in_ack_mode(&a));
	assert_int_equal(at_assembler_feed(&a, "RDY\r\n", 5, &l, &used), 1);
	assert_int_equal(l.kind, AT_LINE_URC);
	assert_string_equal(l.text, "RDY");

	assert_int_equal(at_assembler_feed(&a, "", 0, &l, &used), 0);
	assert_int_equal(used, 0);
	assert_int_equal(at_assembler_feed(NULL, "x", 1, &l, &used), -EINVAL);
	assert_int_equal(at_assembler_feed(&a, NULL, 1, &l, &used), -EINVAL);
	assert_int_equal(at_assembler_feed(&a, "x", 1, NULL, &used), -EINVAL);
}

/* ---- +QFUPL: <size>,<checksum> ---- */

struct qfupl_case {
	const char *line;
	int r;
	unsigned long long size;
	unsigned checksum;
};

static void qfupl_one(const struct qfupl_case *c)
{
	struct at_qfupl q = { 0xdead, 0xbeef };
	int r = at_qfupl_parse(c->line, &q);

	if (r != c->r)
		fail_msg("\"%s\": %d, expected %d", c->line, r, c->r);
	if (r == 0) {
		assert_int_equal(q.size, c->size);
		assert_int_equal(q.checksum, c->checksum);
	} else {
		assert_int_equal(q.size, 0xdead);
		assert_int_equal(q.checksum, 0xbeef);
	}
}

static void test_qfupl(void **state)
{
	static const struct qfupl_case cases[] = {
		/* real module output (facts §3.1) */
		{ "+QFUPL: 1188,2d13", 0, 1188, 0x2d13 },
		{ "+QFUPL: 1208,5769", 0, 1208, 0x5769 },
		{ "+QFUPL: 1758,384a", 0, 1758, 0x384a },
		{ "+QFUPL: 1220,2d53", 0, 1220, 0x2d53 },
		{ "+QFUPL: 1679,335f", 0, 1679, 0x335f },
		{ "+QFUPL: 1939,4f64", 0, 1939, 0x4f64 },
		/* padding unknown (facts §6): both accepted */
		{ "+QFUPL: 3,242", 0, 3, 0x242 },
		{ "+QFUPL: 3,0242", 0, 3, 0x242 },
		{ "+QFUPL: 0,0", 0, 0, 0 },
		{ "+QFUPL: 41440551,FFFF", 0, 41440551, 0xffff },
		{ "+QFUPL:1188, 2d13 \r", 0, 1188, 0x2d13 },
		/* malformed */
		{ "+QFUPL: 1188", -EPROTO },
		{ "+QFUPL: 1188,", -EPROTO },
		{ "+QFUPL: ,2d13", -EPROTO },
		{ "+QFUPL: -5,1", -EPROTO },
		{ "+QFUPL: 1188,12345", -EPROTO },
		{ "+QFUPL: 1188,0x12", -EPROTO },
		{ "+QFUPL: 1188,2d13 x", -EPROTO },
		{ "+QFUPL: 1188,2g13", -EPROTO },
		{ "+QFUPL: 99999999999999999999999,1", -EPROTO },
		{ "+QFUPL: 1188;2d13", -EPROTO },
		/* not ours */
		{ "OK", -ENOMSG },
		{ "+QFDWL: 20,3", -ENOMSG },
		{ " +QFUPL: 1,1", -ENOMSG },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		qfupl_one(&cases[i]);
	assert_int_equal(at_qfupl_parse(NULL, &(struct at_qfupl){ 0 }), -EINVAL);
	assert_int_equal(at_qfupl_parse("+QFUPL: 1,1", NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_final_kinds),
		cmocka_unit_test(test_command_name),
		cmocka_unit_test(test_streams),
		cmocka_unit_test(test_overlong),
		cmocka_unit_test(test_pending_and_reset),
		cmocka_unit_test(test_qfupl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
