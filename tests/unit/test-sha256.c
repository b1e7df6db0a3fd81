/* SHA-256: FIPS 180-4's vectors (one block, two blocks, a million 'a'),
 * every length around the padding boundaries and odd chunkings against GLib's
 * GChecksum, the hex grammar of sha256= / --sha256, and sha256_fd. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include <cmocka.h>
#include <glib.h>

#include "qfota/sha256.h"

static void vector_one(const char *data, size_t len, const char *want)
{
	uint8_t d[SHA256_BYTES];
	char hex[SHA256_HEX_MAX];

	sha256_buffer(data, len, d);
	sha256_to_hex(d, hex);
	if (strcmp(hex, want) != 0)
		fail_msg("%zu bytes: %s, expected %s", len, hex, want);
}

static void test_fips_vectors(void **state)
{
	char *million = malloc(1000000);

	(void)state;
	vector_one("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	vector_one("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	vector_one("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
		   "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	assert_non_null(million);
	memset(million, 'a', 1000000);
	vector_one(million, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

/* Against GLib for every length 0..300 (each padding case) fed in odd pieces. */
static void test_against_gchecksum(void **state)
{
	static const size_t cut[] = { 1, 63, 64, 65, 7, 128, 3 };
	uint8_t buf[300];

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	for (size_t len = 0; len <= sizeof(buf); len++) {
		GChecksum *g = g_checksum_new(G_CHECKSUM_SHA256);
		uint8_t d[SHA256_BYTES];
		char hex[SHA256_HEX_MAX];
		struct sha256 s;
		size_t off = 0, k = len;

		g_checksum_update(g, buf, (gssize)len);
		sha256_init(&s);
		while (off < len) {
			size_t n = cut[k++ % (sizeof(cut) / sizeof(cut[0]))];

			n = n > len - off ? len - off : n;
			sha256_update(&s, buf + off, n);
			off += n;
		}
		sha256_final(&s, d);
		sha256_to_hex(d, hex);
		if (strcmp(hex, g_checksum_get_string(g)) != 0)
			fail_msg("%zu bytes: %s, GLib says %s", len, hex, g_checksum_get_string(g));
		g_checksum_free(g);
	}
}

static void hex_one(const char *hex, int want)
{
	uint8_t d[SHA256_BYTES];

	if (sha256_from_hex(hex, d) != want)
		fail_msg("'%s': expected %d", hex ? hex : "(null)", want);
}

static void test_hex_grammar(void **state)
{
	uint8_t d[SHA256_BYTES], back[SHA256_BYTES];
	char hex[SHA256_HEX_MAX];

	(void)state;
	hex_one("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 0);
	hex_one("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", 0);
	hex_one("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85", -EINVAL);   /* 63 */
	hex_one("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555", -EINVAL); /* 65 */
	hex_one("g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", -EINVAL);
	hex_one(" 3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", -EINVAL);
	hex_one("", -EINVAL);
	hex_one(NULL, -EINVAL);
	sha256_buffer("abc", 3, d);
	sha256_to_hex(d, hex);
	assert_int_equal(sha256_from_hex(hex, back), 0);
	assert_memory_equal(d, back, SHA256_BYTES);
}

static void test_fd(void **state)
{
	uint8_t buf[200000], d[SHA256_BYTES], want[SHA256_BYTES];
	int fd = memfd_create("t", 0);

	(void)state;
	assert_true(fd >= 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i ^ (i >> 8));
	assert_int_equal(write(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	sha256_buffer(buf, sizeof(buf), want);
	assert_int_equal(sha256_fd(fd, sizeof(buf), d), 0);
	assert_memory_equal(d, want, SHA256_BYTES);
	assert_int_equal(sha256_fd(fd, sizeof(buf) + 1, d), -EIO); /* shorter than promised */
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fips_vectors),
		cmocka_unit_test(test_against_gchecksum),
		cmocka_unit_test(test_hex_grammar),
		cmocka_unit_test(test_fd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
