/* The AT+QFUPL checksum, differential: xor16_buffer of the whole input, the
 * incremental sum over random splits (odd chunks and empty ones included) and
 * byte by byte, and a plain reference (big-endian pairs XORed, an odd last
 * byte as the high half: facts §3.1) all agree; the byte count is the size. */
#include "fuzz.h"
#include "qfota/xor16.h"

static uint16_t reference(const uint8_t *p, size_t n)
{
	uint16_t sum = 0;

	for (size_t i = 0; i < n; i += 2)
		sum ^= (uint16_t)(p[i] << 8 | (i + 1 < n ? p[i + 1] : 0));
	return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t whole = xor16_buffer(data, size), ref = reference(data, size);
	uint64_t seed = fuzz_hash(data, size);
	struct xor16 x;
	size_t off;

	FUZZ_CHECK(whole == ref, "one-shot %04x, reference %04x", whole, ref);

	for (int round = 0; round < 3; round++) {
		xor16_init(&x);
		for (off = 0; off < size;) {
			size_t n = round == 0 ? 1 : fuzz_chunk(&seed, size - off);

			xor16_update(&x, data + off, n);
			off += n;
		}
		FUZZ_CHECK(xor16_value(&x) == whole, "round %d: incremental %04x, one-shot %04x", round,
			   xor16_value(&x), whole);
		FUZZ_CHECK(x.bytes == size, "round %d: %llu bytes counted of %zu", round,
			   (unsigned long long)x.bytes, size);
	}
	return 0;
}
