/* The checksum of AT+QFUPL: a 16-bit XOR of big-endian byte pairs, an odd last
 * byte taken as its high half (QUECTEL_FACTS §3.1, fwupd fu-mm-dfota-device.c;
 * verified against real module output: Amazon_Root_CA_1.crt, 1188 bytes -> 2d13).
 * Incremental: chunks of any length, odd ones included, give the same sum as
 * the whole buffer at once. Pure, no allocation. */
#ifndef QFOTA_XOR16_H
#define QFOTA_XOR16_H

#include <stddef.h>
#include <stdint.h>

struct xor16 {
	uint16_t sum;
	uint64_t bytes;   /* bytes seen: its parity says which half the next byte goes to */
};

void xor16_init(struct xor16 *x);
void xor16_update(struct xor16 *x, const void *data, size_t len);
uint16_t xor16_value(const struct xor16 *x);
/* The checksum of one buffer. */
uint16_t xor16_buffer(const void *data, size_t len);

#endif
