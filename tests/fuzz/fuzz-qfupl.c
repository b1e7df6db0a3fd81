/* The upload framing of AT+QFUPL in ACK mode (facts §3.1): after CONNECT the
 * module answers one 'A' per KiB, then "+QFUPL: <size>,<hex>" and OK (or a
 * +CME ERROR). Here the assembler starts in ACK mode, AT+QFUPL in flight, and
 * is fed any bytes. Properties:
 *  - the ACKs counted are exactly the leading 'A' bytes, reported first and
 *    only there (ACK mode ends at the first other byte and stays off);
 *  - one call, byte by byte and random splits give the same lines;
 *  - at_qfupl_parse of each line and of the input itself: 0, -ENOMSG (iff
 *    not "+QFUPL:") or -EPROTO; an accepted result printed back in either hex
 *    case, padded or not, parses to the same size and checksum. */
#include <errno.h>
#include <inttypes.h>

#include "at-stream.h"

static void qfupl_check(const char *line)
{
	struct at_qfupl q, q2;
	const char *fmts[] = { "+QFUPL: %" PRIu64 ",%x", "+QFUPL: %" PRIu64 ",%04X", "+QFUPL:%" PRIu64 " , %04x \r" };
	char buf[64];
	int r;

	memset(&q, 0x5a, sizeof(q));
	r = at_qfupl_parse(line, &q);
	FUZZ_CHECK(r == 0 || r == -ENOMSG || r == -EPROTO, "return %d", r);
	FUZZ_CHECK((r == -ENOMSG) == (strncmp(line, "+QFUPL:", 7) != 0), "-ENOMSG vs prefix: %d", r);
	if (r < 0) {
		FUZZ_CHECK(((unsigned char *)&q)[0] == 0x5a, "ret written on failure");
		return;
	}
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		snprintf(buf, sizeof(buf), fmts[i], q.size, (unsigned)q.checksum);
		FUZZ_CHECK(at_qfupl_parse(buf, &q2) == 0, "\"%s\" rejected", buf);
		FUZZ_CHECK(q2.size == q.size && q2.checksum == q.checksum, "\"%s\" parsed differently", buf);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct at_opts o = { .pending = "AT+QFUPL=\"UFS:fw.pack\",41440551,5,1", .ack_at_start = true };
	uint64_t h = fuzz_hash(data, size);
	struct at_run one, other;
	size_t leading = 0, acks = 0;
	char *s;

	while (leading < size && data[leading] == 'A')
		leading++;

	at_run_feed(&one, data, size, &o, AT_SPLIT_ONE, 0);
	for (size_t i = 0; i < one.n; i++) {
		if (one.recs[i].kind == AT_LINE_ACK) {
			FUZZ_CHECK(i == 0, "ACKs after a line (line %zu)", i);
			acks += one.recs[i].acks;
		}
		qfupl_check(one.recs[i].text);
	}
	FUZZ_CHECK(acks == leading, "%zu ACKs counted, %zu leading 'A'", acks, leading);
	FUZZ_CHECK(at_assembler_in_ack_mode(&one.a) == (leading == size), "ACK mode at the end");

	at_run_feed(&other, data, size, &o, AT_SPLIT_BYTES, 0);
	at_run_compare(&one, &other, "byte by byte");
	at_run_free(&other);
	at_run_feed(&other, data, size, &o, AT_SPLIT_RANDOM, h);
	at_run_compare(&one, &other, "random split");
	at_run_free(&other);
	at_run_free(&one);

	s = fuzz_cstr(data, size);
	qfupl_check(s);
	free(s);
	return 0;
}
