/* AT+QFUPL of the package to the module's UFS in ACK mode (facts §3.1), for
 * DFOTA from a local file (EC25/EG25/EP06 class).
 *
 * fwupd sends 2 KiB and waits for its two 'A's before the next chunk: the
 * link idles for a round trip per 2 KiB. Over USB the module's controller
 * NAKs when it cannot take more (ACK mode exists for UARTs without flow
 * control), so qfota streams the file with usbxfer's asynchronous transfers
 * (K x S in flight is the window) and counts the 'A's as they come, for
 * progress and as a check. The XOR16 is computed from the file before the
 * upload, so a file that changes while it is sent is caught by the module's
 * own checksum. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fota_internal.h"
#include "qfota/cleanup.h"
#include "qfota/error.h"
#include "qfota/xor16.h"

#define UPLOAD_ACK_BYTES 1024u
#define UPLOAD_ACK_TIMEOUT_MS 5000u /* fwupd's, for one 'A' */
#define UPLOAD_TIMEOUT_S 5          /* <timeout> of AT+QFUPL: module waits this long for data */

static int remove_stale(struct fota_ctx *c, const char *name)
{
	struct at_response resp;
	unsigned t = c->job->timeouts.command_ms;

	/* An existing file makes AT+QFUPL fail with +CME ERROR: 407 (facts §3.1). */
	if (at_commandf(c->at, t, &resp, "AT+QFLST=\"UFS:%s\"", name) == 0 && resp.n_info > 0) {
		int r = at_commandf(c->at, t, &resp, "AT+QFDEL=\"%s\"", name);

		if (r < 0)
			return fota_fail(c, r, resp.cme, "cannot delete the stale %s on the module", name);
	}
	return 0;
}

struct upload_state {
	struct fota_ctx *c;
	uint64_t t0;
};

static int upload_read(void *user, const uint8_t *data, size_t len)
{
	fota_tap_read(((struct upload_state *)user)->c, data, len);
	return 0;
}

static int upload_progress(void *user, uint64_t sent, uint64_t total)
{
	struct upload_state *u = user;

	fota_report_transfer(u->c, FOTA_PHASE_UPLOAD, sent, total, u->t0);
	return 0;
}

/* XOR16 of the whole file, before it is sent. */
static int file_xor16(int fd, uint64_t size, uint16_t *ret)
{
	uint8_t buf[65536];
	struct xor16 x;
	uint64_t off = 0;

	xor16_init(&x);
	while (off < size) {
		ssize_t n = pread(fd, buf, size - off < sizeof(buf) ? (size_t)(size - off) : sizeof(buf), (off_t)off);

		if (n <= 0)
			return -EIO;
		xor16_update(&x, buf, (size_t)n);
		off += (uint64_t)n;
	}
	*ret = xor16_value(&x);
	return 0;
}

/* Stop-and-wait, as fwupd does (facts §3.1), but 1 KiB at a time: each
 * 'A' read before the next KiB is written, for a module whose ACK mode is
 * a window that loses what arrives past it. */
static int send_stop_and_wait(struct fota_ctx *c, int fd, uint64_t size, struct upload_state *u, uint64_t *sent)
{
	uint8_t buf[UPLOAD_ACK_BYTES];

	for (*sent = 0; *sent < size;) {
		size_t n = size - *sent < sizeof(buf) ? (size_t)(size - *sent) : sizeof(buf);
		ssize_t k = pread(fd, buf, n, (off_t)*sent);
		int r;

		if (k != (ssize_t)n)
			return -ESTALE;
		if (fota_cancelled(c))
			return -ECANCELED;
		r = at_channel_write_data(c->at, buf, n, c->job->timeouts.stall_ms);
		if (r < 0)
			return r;
		*sent += n;
		if (n == UPLOAD_ACK_BYTES &&
		    at_channel_read_acks(c->at, (size_t)(*sent / UPLOAD_ACK_BYTES), UPLOAD_ACK_TIMEOUT_MS) <
			    (int)(*sent / UPLOAD_ACK_BYTES))
			return -ETIMEDOUT;
		upload_progress(u, *sent, size);
	}
	return 0;
}

/* One AT+QFUPL: the command, the data (streamed, or stop-and-wait), the
 * module's +QFUPL: <size>,<checksum> into *result. */
static int upload_once(struct fota_ctx *c, const char *name, uint64_t size, bool stop_and_wait,
		       struct at_qfupl *result)
{
	int fd = c->package_fd; /* preflight's: never opened again by path */
	struct upload_state u = { .c = c };
	struct usbxfer_stream_opts opts = { .stall_ms = c->job->timeouts.stall_ms, .progress = upload_progress,
					    .user = &u, .cancel = c->job->cancel,
					    .on_read = c->pinned ? upload_read : NULL };
	struct at_response resp;
	uint64_t sent = 0;
	char *line;
	int r, acks;

	r = at_commandf(c->at, c->job->timeouts.command_ms, &resp, "AT+QFUPL=\"%s\",%llu,%d,1", name,
			(unsigned long long)size, UPLOAD_TIMEOUT_S);
	if (r == -ECANCELED)
		return fota_fail(c, r, -1, "interrupted before the upload began; the module was released");
	if (r != 1)
		return fota_fail(c, r < 0 ? r : -EPROTO, resp.cme,
				 "the module refused the upload (AT+QFUPL: %s%d)", resp.cme >= 0 ? "+CME ERROR: " : "",
				 resp.cme >= 0 ? resp.cme : r);
	/* ACK mode ends by itself at the module's first byte that is not 'A'. */
	at_channel_set_ack_mode(c->at, true);
	u.t0 = qfota_now_ms();
	if (stop_and_wait)
		r = send_stop_and_wait(c, fd, size, &u, &sent);
	else
		r = at_channel_stream(c->at, fd, size, &opts, &sent);
	if (r == -ECANCELED)
		return fota_fail(c, r, -1, "interrupted after %llu of %llu bytes of the upload; the module was released",
				 (unsigned long long)sent, (unsigned long long)size);
	if (r == -ETIMEDOUT)
		return fota_fail(c, r, -1, "the module took no data%s for %u s after %llu of %llu bytes of the upload "
				 "(--timeout-stall)", stop_and_wait ? " or sent no 'A'" : "",
				 c->job->timeouts.stall_ms / 1000, (unsigned long long)sent, (unsigned long long)size);
	if (r < 0)
		return fota_fail(c, r, -1, "the upload failed after %llu of %llu bytes: %s", (unsigned long long)sent,
				 (unsigned long long)size, qfota_strerror(r));
	acks = at_channel_read_acks(c->at, (size_t)(size / UPLOAD_ACK_BYTES), UPLOAD_ACK_TIMEOUT_MS);
	r = at_command_finish(c->at, "AT+QFUPL", c->job->timeouts.command_ms + UPLOAD_TIMEOUT_S * 1000, &resp);
	if (r < 0)
		return fota_fail(c, r, resp.cme, "the upload did not complete: %s",
				 resp.cme >= 0 ? "the module answered +CME ERROR" : qfota_strerror(r));
	line = strstr(resp.info, "+QFUPL:");
	if (line)
		line[strcspn(line, "\n")] = '\0';
	if (!line || at_qfupl_parse(line, result) < 0)
		return fota_fail(c, -EPROTO, -1, "the module's answer to the upload has no +QFUPL: <size>,<checksum>");
	if (acks >= 0 && (uint64_t)acks < size / UPLOAD_ACK_BYTES)
		reporter_say(c->job->reporter, c->job->port, true, "the module acknowledged %d of %llu KiB", acks,
			     (unsigned long long)(size / UPLOAD_ACK_BYTES));
	return 0;
}

int fota_upload(struct fota_ctx *c, const char *name)
{
	int fd = c->package_fd;
	struct at_response resp;
	struct at_qfupl result;
	uint64_t size;
	uint16_t sum;
	struct stat st;
	int r;

	r = remove_stale(c, name);
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0)
		return fota_fail(c, qfota_errno(), -1, "cannot read package %s: %s", c->job->package_path, strerror(errno));
	size = (uint64_t)st.st_size;
	if (file_xor16(fd, size, &sum) < 0)
		return fota_fail(c, -EIO, -1, "cannot read package %s", c->job->package_path);
	/* The module's own size and checksum are the only proof the file is
	 * whole: a module whose ACK window loses what arrives past it (a UART
	 * bridge without flow control) stores less. The damaged file is
	 * deleted and sent once more, stop-and-wait, before giving up. */
	for (int attempt = 0; attempt < 2; attempt++) {
		r = upload_once(c, name, size, attempt > 0, &result);
		if (r < 0)
			return r;
		if (result.size == size && result.checksum == sum) {
			/* The module checked what it got against the XOR16 of the file as
			 * it was at the start; a pinned package's bytes were also hashed
			 * as they streamed (the stop-and-wait resend has the XOR16 alone). */
			if (attempt == 0 && !fota_streamed_matches(c, NULL, 0)) {
				at_commandf(c->at, c->job->timeouts.command_ms, &resp, "AT+QFDEL=\"%s\"", name);
				return fota_fail(c, -ESTALE, -1, "the package %s changed while it was uploaded: the bytes "
						 "sent are not the pinned SHA-256; the upload was deleted and AT+QFOTADL "
						 "not sent. Nothing may write the package during an upgrade",
						 c->job->package_path);
			}
			break;
		}
		reporter_say(c->job->reporter, c->job->port, true,
			     "the module stored %llu bytes with checksum %04x, the file has %llu bytes with checksum "
			     "%04x%s", (unsigned long long)result.size, result.checksum, (unsigned long long)size, sum,
			     attempt == 0 ? "; deleting it and sending it again, 1 KiB per 'A'" : "");
		r = at_commandf(c->at, c->job->timeouts.command_ms, &resp, "AT+QFDEL=\"%s\"", name);
		if (r < 0)
			return fota_fail(c, r, resp.cme, "cannot delete the damaged %s on the module", name);
		if (attempt > 0)
			return fota_fail(c, -EIO, -1,
					 "the upload arrived damaged twice, streamed and stop-and-wait (or the file "
					 "changed while it was sent): the module stored %llu bytes with checksum %04x, the "
					 "file has %llu bytes with checksum %04x; check the USB link and the package",
					 (unsigned long long)result.size, result.checksum, (unsigned long long)size, sum);
	}
	reporter_say(c->job->reporter, c->job->port, false, "uploaded %s (%llu bytes, checksum %04x verified)", name,
		     (unsigned long long)size, sum);
	return 0;
}
