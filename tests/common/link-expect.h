/* A test's or benchmark's AT exchange over a usbxfer link, without qfota's
 * AT channel (the benchmarks time the transport, not the parser). */
#ifndef TESTS_COMMON_LINK_EXPECT_H
#define TESTS_COMMON_LINK_EXPECT_H

struct usbxfer_link;

/* Writes cmd (if not NULL), then reads until the text want has arrived.
 * Returns 0; -ETIMEDOUT after timeout_ms; -EIO if the write failed; or the
 * link's read error. */
int tu_link_expect(struct usbxfer_link *l, const char *cmd, const char *want, unsigned timeout_ms);

#endif
