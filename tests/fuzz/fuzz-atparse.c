/* The AT response assembler and line classifier on any byte stream from the
 * module. Properties:
 *  - differential: the stream fed in one call, one byte per call and in two
 *    random splits gives the same classified lines (an ACK run counted as a
 *    whole), the same partial line and the same state at the end;
 *  - every line: no CR or LF inside, at most AT_LINE_MAX bytes, NUL-terminated,
 *    blank iff empty, codes only on +CME/+CMS ERROR (at-stream.h);
 *  - at_command_name of the input: the documented result for any cap.
 * The options (command in flight, ACK mode after CONNECT, echo sets the
 * pending command) come from a hash of the input, so the seeds stay plain
 * transcripts. */
#include <ctype.h>
#include <errno.h>
#include <strings.h>

#include "at-stream.h"

static void command_name_check(const char *cmd, size_t cap)
{
	char buf[AT_LINE_MAX + 8], big[AT_LINE_MAX + 8];
	bool at = (cmd[0] == 'A' || cmd[0] == 'a') && (cmd[1] == 'T' || cmd[1] == 't');
	int r = at_command_name(cmd, buf, cap);
	int rb = at_command_name(cmd, big, sizeof(big));

	FUZZ_CHECK(at ? rb >= 0 : rb == -EINVAL, "\"%s\": %d", cmd, rb);
	if (rb < 0)
		return;
	FUZZ_CHECK((size_t)rb == strlen(big), "length %d vs \"%s\"", rb, big);
	FUZZ_CHECK(rb == 0 || strchr("+$^", big[0]), "name \"%s\"", big);
	FUZZ_CHECK(big[strcspn(big, "=?;\r\n")] == '\0', "name \"%s\" runs past its end", big);
	for (int i = 0; i < rb; i++)
		FUZZ_CHECK(!islower((unsigned char)big[i]), "name \"%s\" not upper case", big);
	FUZZ_CHECK(strncasecmp(cmd + 2, big, (size_t)rb) == 0, "name \"%s\" not from \"%s\"", big, cmd);
	if ((size_t)rb < cap)
		FUZZ_CHECK(r == rb && strcmp(buf, big) == 0, "cap %zu: %d", cap, r);
	else
		FUZZ_CHECK(r == -E2BIG, "cap %zu, name of %d: %d", cap, rb, r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const pendings[] = {
		NULL, "AT+CPIN?", "AT+CFUN?", "AT+QFUPL=\"UFS:fw.pack\",1188,5,1", "AT+QFOTADL=\"UFS:fw.pack\"",
		"ATI", "AT+QIND?", "AT+CEREG?",
	};
	uint64_t h = fuzz_hash(data, size);
	struct at_opts o = {
		.pending = pendings[h % (sizeof(pendings) / sizeof(pendings[0]))],
		.ack_after_connect = (h >> 8) & 1,
		.pending_from_echo = (h >> 9) & 1,
	};
	struct at_run one, bytes, rnd;
	char *s;

	at_run_feed(&one, data, size, &o, AT_SPLIT_ONE, 0);
	at_run_feed(&bytes, data, size, &o, AT_SPLIT_BYTES, 0);
	at_run_compare(&one, &bytes, "byte by byte");
	at_run_free(&bytes);
	for (uint64_t k = 1; k <= 2; k++) {
		at_run_feed(&rnd, data, size, &o, AT_SPLIT_RANDOM, h ^ k);
		at_run_compare(&one, &rnd, "random split");
		at_run_free(&rnd);
	}
	at_run_free(&one);

	s = fuzz_cstr(data, size);
	command_name_check(s, (size_t)(h >> 16) % 40 + 1);
	free(s);
	return 0;
}
