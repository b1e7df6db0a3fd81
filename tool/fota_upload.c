/* AT+QFUPL of the package to the module's UFS in ACK mode (facts §3.1), for
 * DFOTA from a local file (EC25/EG25/EP06 class).
 *
 * fwupd sends 2 KiB and waits for its two 'A's before the next chunk: the
 * link idles for a round trip per 2 KiB. Here up to UPLOAD_WINDOW bytes stay
 * unacknowledged, so the module's 'A's only ever hold the host back when the
 * module itself is behind. The checksum the module reports is compared with
 * our own XOR16 of exactly the bytes sent. */
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

#define UPLOAD_CHUNK 4096u
#define UPLOAD_WINDOW (16u * 1024)
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

static void report_upload(struct fota_ctx *c, uint64_t sent, uint64_t total, uint64_t t0)
{
	double secs = (double)(fota_now_ms() - t0) / 1000.0;

	reporter_emit(c->job->reporter, &(struct report_event){
		.kind = REPORT_TRANSFER, .port = c->job->port, .phase = FOTA_PHASE_UPLOAD, .percent = -1,
		.bytes = sent, .total = total, .rate_bps = secs > 0 ? (double)sent / secs : 0 });
}

/* Streams the file with a window of unacknowledged bytes; returns 0 or an error. */
static int send_with_acks(struct fota_ctx *c, int fd, uint64_t size, struct xor16 *sum)
{
	uint8_t buf[UPLOAD_CHUNK];
	uint64_t sent = 0, t0 = fota_now_ms(), last_report = 0;

	while (sent < size) {
		size_t n = size - sent < UPLOAD_CHUNK ? (size_t)(size - sent) : UPLOAD_CHUNK;
		ssize_t got;
		int r;

		/* Hold back while more than the window is unacknowledged. */
		if (sent + n > UPLOAD_WINDOW) {
			size_t want = (size_t)((sent + n - UPLOAD_WINDOW + UPLOAD_ACK_BYTES - 1) / UPLOAD_ACK_BYTES);

			r = at_channel_read_acks(c->at, want, UPLOAD_ACK_TIMEOUT_MS);
			if (r < 0)
				return fota_fail(c, r, -1, "the module %s during the upload after %llu bytes",
						 r == -ENODEV ? "vanished" : "failed", (unsigned long long)sent);
			if ((size_t)r < want)
				return fota_fail(c, -ETIMEDOUT, -1,
						 "the module stopped acknowledging the upload after %llu bytes",
						 (unsigned long long)sent);
		}
		if (fota_cancelled(c))
			return fota_fail(c, -ECANCELED, -1, "upload interrupted after %llu bytes", (unsigned long long)sent);
		got = pread(fd, buf, n, (off_t)sent);
		if (got != (ssize_t)n)
			return fota_fail(c, -EIO, -1, "reading the package failed at byte %llu (did it change?)",
					 (unsigned long long)sent);
		r = usbxfer_link_write(at_channel_link(c->at), buf, n, c->job->timeouts.stall_ms);
		if (r < 0)
			return fota_fail(c, r, -1, "the upload failed after %llu bytes: %s", (unsigned long long)sent,
					 qfota_strerror(r));
		xor16_update(sum, buf, n);
		sent += n;
		if (fota_now_ms() - last_report >= 250 || sent == size) {
			report_upload(c, sent, size, t0);
			last_report = fota_now_ms();
		}
	}
	return 0;
}

int fota_upload(struct fota_ctx *c, const char *name)
{
	_cleanup_close_ int fd = -1;
	struct at_response resp;
	struct at_qfupl result;
	struct xor16 sum;
	struct stat st;
	char *line;
	int r;

	r = remove_stale(c, name);
	if (r < 0)
		return r;
	fd = open(c->job->package_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return fota_fail(c, -errno, -1, "cannot read package %s: %s", c->job->package_path, strerror(errno));
	r = at_commandf(c->at, c->job->timeouts.command_ms, &resp, "AT+QFUPL=\"%s\",%lld,%d,1", name,
			(long long)st.st_size, UPLOAD_TIMEOUT_S);
	if (r != 1)
		return fota_fail(c, r < 0 ? r : -EPROTO, resp.cme,
				 "the module refused the upload (AT+QFUPL: %s%d)", resp.cme >= 0 ? "+CME ERROR: " : "",
				 resp.cme >= 0 ? resp.cme : r);
	xor16_init(&sum);
	at_channel_set_ack_mode(c->at, true);
	/* ACK mode ends by itself at the module's first byte that is not 'A'. */
	r = send_with_acks(c, fd, (uint64_t)st.st_size, &sum);
	if (r < 0)
		return r;
	r = at_command_finish(c->at, "AT+QFUPL", c->job->timeouts.command_ms + UPLOAD_TIMEOUT_S * 1000, &resp);
	if (r < 0)
		return fota_fail(c, r, resp.cme, "the upload did not complete: %s",
				 resp.cme >= 0 ? "the module answered +CME ERROR" : qfota_strerror(r));
	line = strstr(resp.info, "+QFUPL:");
	if (line)
		line[strcspn(line, "\n")] = '\0';
	if (!line || at_qfupl_parse(line, &result) < 0)
		return fota_fail(c, -EPROTO, -1, "the module's answer to the upload has no +QFUPL: <size>,<checksum>");
	if (result.size != (uint64_t)st.st_size || result.checksum != xor16_value(&sum))
		return fota_fail(c, -EIO, -1,
				 "the upload arrived damaged: the module stored %llu bytes with checksum %04x, we sent "
				 "%lld bytes with checksum %04x", (unsigned long long)result.size, result.checksum,
				 (long long)st.st_size, xor16_value(&sum));
	reporter_say(c->job->reporter, c->job->port, false, "uploaded %s (%lld bytes, checksum %04x verified)", name,
		     (long long)st.st_size, result.checksum);
	return 0;
}
