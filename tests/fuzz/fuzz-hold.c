/* A port's hold file (include/qfota/hold.h) on any content: another member of
 * the qfota group can write the directory it lives in, so its parser meets
 * whatever they put there. Properties:
 *  - 0 or -EINVAL; on failure *ret untouched;
 *  - a hold parsed holds what the format allows: after may-update or failed,
 *    an IMEI of digits, revisions of printable ASCII without spaces, an exit
 *    code 0-255, words of printable ASCII;
 *  - formatted again, it parses to the same hold (fota_hold_format). */
#include <errno.h>
#include <stdbool.h>

#include "fuzz.h"
#include "qfota/hold.h"

static bool printable(const char *s, bool spaces)
{
	for (; *s; s++)
		if (!((*s > ' ' || (spaces && *s == ' ')) && *s < 0x7f))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fota_hold h, again, before;
	char text[FOTA_HOLD_MAX_BYTES + 1];
	char *copy = malloc(size ? size : 1);
	int r, n;

	if (!copy)
		abort();
	memcpy(copy, data, size); /* exactly size bytes: ASan sees a read past them */
	memset(&h, 0x5a, sizeof(h));
	before = h;
	r = fota_hold_parse(copy, size, &h);
	free(copy);
	FUZZ_CHECK(r == 0 || r == -EINVAL, "returned %d", r);
	if (r < 0) {
		FUZZ_CHECK(memcmp(&h, &before, sizeof(h)) == 0, "*ret changed on failure");
		return 0;
	}
	FUZZ_CHECK(h.after == FOTA_AFTER_MAY_UPDATE || h.after == FOTA_AFTER_FAILED, "after %d", (int)h.after);
	FUZZ_CHECK(h.imei[0] && strspn(h.imei, "0123456789") == strlen(h.imei), "imei '%s'", h.imei);
	FUZZ_CHECK(printable(h.from, false) && printable(h.to, false), "revisions '%s' '%s'", h.from, h.to);
	FUZZ_CHECK(printable(h.why, true), "why '%s'", h.why);
	FUZZ_CHECK(h.exit_code >= 0 && h.exit_code <= 255, "exit %d", h.exit_code);
	n = fota_hold_format(&h, text, sizeof(text));
	FUZZ_CHECK(n > 0, "format: %d", n);
	FUZZ_CHECK(fota_hold_parse(text, (size_t)n, &again) == 0, "its own text does not parse: %s", text);
	FUZZ_CHECK(again.after == h.after && strcmp(again.imei, h.imei) == 0 && strcmp(again.from, h.from) == 0 &&
			   strcmp(again.to, h.to) == 0 && again.exit_code == h.exit_code && strcmp(again.why, h.why) == 0,
		   "round trip changed it: %s", text);
	return 0;
}
