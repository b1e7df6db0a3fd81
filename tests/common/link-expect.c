/* tests/common/link-expect.h */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "common/link-expect.h"
#include "common/testutil.h"
#include "qfota/usbxfer.h"

int tu_link_expect(struct usbxfer_link *l, const char *cmd, const char *want, unsigned timeout_ms)
{
	char out[4096];
	size_t len = 0;
	uint64_t deadline = tu_now_ns() + (uint64_t)timeout_ms * 1000000u;

	out[0] = '\0';
	if (cmd && usbxfer_link_write(l, cmd, strlen(cmd), 2000) < 0)
		return -EIO;
	while (!strstr(out, want) && tu_now_ns() < deadline) {
		int r = usbxfer_link_read(l, out + len, sizeof(out) - 1 - len, 50);

		if (r == -ETIMEDOUT)
			continue;
		if (r < 0)
			return r;
		len += (size_t)r;
		out[len] = '\0';
		if (len > sizeof(out) / 2) { /* keep the tail: want may straddle it */
			memmove(out, out + len - 256, 257);
			len = 256;
		}
	}
	return strstr(out, want) ? 0 : -ETIMEDOUT;
}
