/* The AT+QFUPL checksum (include/qfota/xor16.h). XOR is linear, so each byte
 * can be folded in on its own: an even offset into the high half, an odd one
 * into the low half. No carry-over byte is needed between chunks. */
#include "qfota/xor16.h"

void xor16_init(struct xor16 *x)
{
	x->sum = 0;
	x->bytes = 0;
}

void xor16_update(struct xor16 *x, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint16_t sum = x->sum;
	size_t i = 0;

	if (len == 0)
		return;
	if (x->bytes & 1)
		sum ^= p[i++];
	for (; i + 1 < len; i += 2)
		sum ^= (uint16_t)((unsigned)p[i] << 8 | p[i + 1]);
	if (i < len)
		sum ^= (uint16_t)((unsigned)p[i] << 8);
	x->sum = sum;
	x->bytes += len;
}

uint16_t xor16_value(const struct xor16 *x)
{
	return x->sum;
}

uint16_t xor16_buffer(const void *data, size_t len)
{
	struct xor16 x;

	xor16_init(&x);
	xor16_update(&x, data, len);
	return xor16_value(&x);
}
