/* The AT+QFUPL checksum: the facts' vectors, the real module outputs for
 * Amazon_Root_CA_1.crt (LF and CRLF), and every way of cutting a buffer into
 * chunks (odd lengths included) giving the same sum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qfota/xor16.h"

struct vector {
	const char *data;
	size_t len;
	uint16_t sum;
};

static void vector_one(const struct vector *v)
{
	uint16_t got = xor16_buffer(v->data, v->len);

	if (got != v->sum)
		fail_msg("%zu bytes: %x, expected %x", v->len, got, v->sum);
}

/* QUECTEL_FACTS §3.1 table */
static void test_vectors(void **state)
{
	static const struct vector vectors[] = {
		{ "", 0, 0x0 },
		{ "A", 1, 0x4100 },
		{ "AB", 2, 0x4142 },
		{ "ABC", 3, 0x242 },
		{ "\x12\x34\x56\x78", 4, 0x444c },
		{ "\xff", 1, 0xff00 },
		{ "\xff\xff\xff\xff", 4, 0x0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		vector_one(&vectors[i]);
}

/* Sum of buf fed in pieces: cut[] lists the piece lengths, cycling. */
static uint16_t chunked(const uint8_t *buf, size_t len, const size_t *cut, size_t ncut)
{
	struct xor16 x;
	size_t off = 0, k = 0;

	xor16_init(&x);
	while (off < len) {
		size_t n = cut[k++ % ncut];

		if (n > len - off)
			n = len - off;
		xor16_update(&x, buf + off, n);
		off += n;
	}
	assert_int_equal(x.bytes, len);
	return xor16_value(&x);
}

static void test_chunks(void **state)
{
	static const size_t cuts[][4] = {
		{ 1 }, { 2 }, { 3 }, { 1, 2 }, { 2, 1 }, { 3, 5 }, { 7, 0, 1 }, { 1024, 1 }, { 1023 }, { 2048, 3, 0, 9 },
	};
	static const size_t ncuts[] = { 1, 1, 1, 2, 2, 2, 3, 2, 1, 4 };
	uint8_t buf[5001];
	unsigned seed = 7;

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (uint8_t)(seed >> 16);
	}
	for (size_t len = 0; len <= sizeof(buf); len += len < 64 ? 1 : 997) {
		uint16_t whole = xor16_buffer(buf, len);

		for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++)
			if (chunked(buf, len, cuts[c], ncuts[c]) != whole)
				fail_msg("len %zu, cut pattern %zu differs", len, c);
		/* every single split point */
		if (len <= 64)
			for (size_t s = 0; s <= len; s++) {
				struct xor16 x;

				xor16_init(&x);
				xor16_update(&x, buf, s);
				xor16_update(&x, buf + s, len - s);
				assert_int_equal(xor16_value(&x), whole);
			}
	}
	/* the definition, computed naively */
	{
		uint16_t naive = 0;

		for (size_t i = 0; i < sizeof(buf); i += 2)
			naive ^= (uint16_t)(buf[i] << 8 | (i + 1 < sizeof(buf) ? buf[i + 1] : 0));
		assert_int_equal(xor16_buffer(buf, sizeof(buf)), naive);
	}
}

/* The verified real vector: a module answered +QFUPL: 1188,2d13 for this file
 * and +QFUPL: 1208,5769 for its CRLF version (facts §3.1). */
static void test_amazon_root_ca(void **state)
{
	static const char *path = "/usr/share/ca-certificates/mozilla/Amazon_Root_CA_1.crt";
	static const size_t cuts[] = { 1, 3, 64, 511 };
	FILE *f = fopen(path, "rb");
	uint8_t lf[4096], crlf[8192];
	size_t n, m = 0;

	(void)state;
	if (!f) {
		fprintf(stderr, "%s missing: install the ca-certificates package\n", path);
		skip();
	}
	n = fread(lf, 1, sizeof(lf), f);
	fclose(f);
	assert_int_equal(n, 1188);
	assert_int_equal(xor16_buffer(lf, n), 0x2d13);
	for (size_t i = 0; i < n; i++) {
		if (lf[i] == '\n')
			crlf[m++] = '\r';
		crlf[m++] = lf[i];
	}
	assert_int_equal(m, 1208);
	assert_int_equal(xor16_buffer(crlf, m), 0x5769);
	for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
		assert_int_equal(chunked(lf, n, &cuts[c], 1), 0x2d13);
		assert_int_equal(chunked(crlf, m, &cuts[c], 1), 0x5769);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_chunks),
		cmocka_unit_test(test_amazon_root_ca),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
