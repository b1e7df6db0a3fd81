/* SHA-256 (FIPS 180-4), for pinned packages (a policy rule's sha256=, the
 * --sha256 option): qfota's product dependencies (libusb, libudev, json-c)
 * export none. Incremental: chunks of any length give the digest of the whole.
 * Pure, no allocation; checked against FIPS 180-4's vectors and GLib's
 * GChecksum (tests/unit/test-sha256.c). */
#ifndef QFOTA_SHA256_H
#define QFOTA_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_BYTES 32
#define SHA256_HEX_MAX (2 * SHA256_BYTES + 1) /* with the NUL */

struct sha256 {
	uint32_t h[8];
	uint64_t bytes;      /* fed so far */
	uint8_t block[64];   /* the partial block */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* The digest; s is spent (init it again to reuse it). */
void sha256_final(struct sha256 *s, uint8_t ret[SHA256_BYTES]);
/* The digest of one buffer. */
void sha256_buffer(const void *data, size_t len, uint8_t ret[SHA256_BYTES]);

/* Lowercase hex of a digest into ret (SHA256_HEX_MAX bytes). */
void sha256_to_hex(const uint8_t digest[SHA256_BYTES], char ret[SHA256_HEX_MAX]);
/* hex: exactly 64 hex digits, either case (the grammar of sha256= and
 * --sha256). Returns 0 and ret; -EINVAL. */
int sha256_from_hex(const char *hex, uint8_t ret[SHA256_BYTES]);

/* The digest of len bytes of fd from offset 0 (pread: fd's offset untouched).
 * Returns 0; -EIO (a read error, or the file is shorter than len now). */
int sha256_fd(int fd, uint64_t len, uint8_t ret[SHA256_BYTES]);

#endif
