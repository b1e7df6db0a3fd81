/* AT+QFOTADL in the job's mode (the seeds' syntax) and, in FILE mode, the
 * package streamed with the module setting the pace (tool/fota_internal.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fota_internal.h"
#include "qfota/error.h"
#include "qfota/url.h"

struct stream_state {
	struct fota_ctx *c;
	uint64_t t0;
	int fd;                 /* the package, as opened for the stream */
	struct stat st;         /* ... and how it was then */
	uint64_t base, size;    /* bytes sent by earlier streams; the package's size */
};

/* A package that changes while it streams would reach the module as a mix of
 * two files. Any write changes the size, mtime or ctime fstat shows. */
static bool package_changed(const struct stream_state *s)
{
	struct stat now;

	return fstat(s->fd, &now) < 0 || now.st_size != s->st.st_size ||
	       now.st_mtim.tv_sec != s->st.st_mtim.tv_sec || now.st_mtim.tv_nsec != s->st.st_mtim.tv_nsec ||
	       now.st_ctim.tv_sec != s->st.st_ctim.tv_sec || now.st_ctim.tv_nsec != s->st.st_ctim.tv_nsec;
}

static int stream_read(void *user, const uint8_t *data, size_t len)
{
	fota_tap_read(((struct stream_state *)user)->c, data, len);
	return 0;
}

static int stream_progress(void *user, uint64_t sent, uint64_t total)
{
	struct stream_state *s = user;

	(void)total;
	fota_report_transfer(s->c, FOTA_PHASE_DOWNLOAD, s->base + sent, s->size, s->t0);
	/* the module ended the download early (e.g. FILEEND,564): stop sending */
	if (s->c->download_ended && s->c->download_end_code != 0)
		return -EIO;
	if (package_changed(s))
		return -ESTALE;
	return 0;
}

/* Waits (reading URCs) until *flag or the deadline; names the wait in errors. */
static int wait_for(struct fota_ctx *c, const bool *flag, unsigned timeout_ms, const char *what, const char *option)
{
	uint64_t deadline = qfota_now_ms() + timeout_ms;

	while (!*flag) {
		uint64_t t = qfota_now_ms();
		int r;

		if (fota_cancelled(c))
			return fota_fail(c, -ECANCELED, -1, "interrupted while waiting for %s", what);
		if (t >= deadline)
			return fota_fail(c, -ETIMEDOUT, -1, "no %s within %u s (%s)", what, timeout_ms / 1000, option);
		r = at_channel_poll(c->at, (unsigned)(deadline - t < USBXFER_POLL_MS ? deadline - t : USBXFER_POLL_MS));
		if (r < 0 && r != -ECANCELED)
			return fota_fail(c, r, -1, "the module %s while waiting for %s",
					 r == -ENODEV ? "vanished" : "failed", what);
	}
	return 0;
}

/* The package's last bytes, read before the last look at the package and
 * sent from memory after it: so every byte the module gets was read while the
 * package was as it was when opened, and the module of a changed package never
 * gets all <length> bytes (it cannot verify a mix: no FILEEND,0). The split
 * leaves the first part off a multiple of 512 (no ZLP in the middle). */
#define TAIL_BYTES 256
/* A pinned package's last bytes go only once the SHA-256 of everything sent
 * before them and of them is the pinned one: a package that changed between
 * the check and the send never reaches the module whole. A package of at most
 * 2 x TAIL_BYTES is all tail. */

static int stream_tail(struct at_channel *at, struct stream_state *s, uint64_t off,
		       const struct usbxfer_stream_opts *opts, uint64_t *sent)
{
	uint8_t buf[2 * TAIL_BYTES + 1];
	size_t n = (size_t)(s->size - off), got = 0;
	uint64_t tail_sent = 0;
	int mfd, r;

	while (got < n) {
		ssize_t k = pread(s->fd, buf + got, n - got, (off_t)(off + got));
		if (k <= 0)
			return k < 0 ? qfota_errno() : -ESTALE; /* shorter now: it changed */
		got += (size_t)k;
	}
	if (package_changed(s) || !fota_streamed_matches(s->c, buf, n))
		return -ESTALE;
	mfd = memfd_create("qfota-tail", MFD_CLOEXEC);
	if (mfd < 0)
		return qfota_errno();
	r = write(mfd, buf, n) == (ssize_t)n ? 0 : -EIO;
	s->base = off;
	if (r == 0)
		r = at_channel_stream(at, mfd, n, opts, &tail_sent);
	*sent = off + tail_sent;
	close(mfd);
	return r;
}

static int stream_package(struct fota_ctx *c, uint64_t size)
{
	struct stream_state s = { .c = c, .t0 = qfota_now_ms(), .fd = -1, .size = size };
	struct usbxfer_stream_opts opts = {
		.stall_ms = c->job->timeouts.stall_ms, .progress = stream_progress, .user = &s,
		.on_read = c->pinned ? stream_read : NULL,
		.cancel = c->job->cancel,
	};
	uint64_t sent = 0, head;
	int r;

	r = wait_for(c, &c->download_started, c->job->timeouts.start_ms, "+QIND: \"FOTA\",\"FILESTART\"",
		     "--timeout-start");
	if (r < 0)
		return r;
	s.fd = c->package_fd; /* preflight's: never opened again by path */
	if (fstat(s.fd, &s.st) < 0) {
		r = qfota_errno();
		return fota_fail(c, r, -1, "cannot read package %s: %s", c->job->package_path, strerror(errno));
	}
	if ((uint64_t)s.st.st_size != size) {
		return fota_fail(c, -ESTALE, -1, "the package %s changed since it was checked (%llu bytes now, %llu "
				 "announced to the module); nothing of it was sent", c->job->package_path,
				 (unsigned long long)s.st.st_size, (unsigned long long)size);
	}
	head = size > 2 * TAIL_BYTES ? size - TAIL_BYTES - ((size - TAIL_BYTES) % 512 == 0) : c->pinned ? 0 : size;
	r = head ? at_channel_stream(c->at, s.fd, head, &opts, &sent) : 0;
	if (r == 0 && head < size)
		r = stream_tail(c->at, &s, head, &opts, &sent);
	else if (r == 0 && package_changed(&s))
		r = -ESTALE; /* a tiny package: found out after it was sent */
	if (r == -ESTALE)
		return fota_fail(c, r, -1, "the package %s changed while it was streamed (after %llu of %llu bytes); "
				 "stopped%s. Nothing may write the package during an upgrade", c->job->package_path,
				 (unsigned long long)sent, (unsigned long long)size,
				 head < size ? " before its last bytes: the module never got the whole file" : "");
	if (r == -EIO && c->download_ended && c->download_end_code != 0)
		return fota_fail_code(c, URC_EVENT_FILEEND, c->download_end_code);
	if (r == -ENODEV)
		return fota_fail(c, r, -1, "the module vanished after %llu of %llu bytes of the package",
				 (unsigned long long)sent, (unsigned long long)size);
	if (r == -ETIMEDOUT)
		return fota_fail(c, r, -1, "the module took no data for %u s after %llu of %llu bytes (--timeout-stall)",
				 c->job->timeouts.stall_ms / 1000, (unsigned long long)sent, (unsigned long long)size);
	if (r == -ECANCELED)
		return fota_fail(c, r, -1, "interrupted after %llu of %llu bytes; the module was released",
				 (unsigned long long)sent, (unsigned long long)size);
	if (r < 0)
		return fota_fail(c, r, -1, "streaming the package failed after %llu of %llu bytes: %s",
				 (unsigned long long)sent, (unsigned long long)size, qfota_strerror(r));
	return 0;
}

/* AT+QFOTADL="<dir>/<name>" for the file AT+QFUPL put on UFS. Where UFS lies
 * depends on the firmware (/data/ufs on some, /cache/ufs on others; facts
 * §3.5) and the module says no more than ERROR for the wrong one: qfota tries
 * /data/ufs (fwupd's), then /cache/ufs (Technicolor's fallback), unless
 * --ufs-path names it. */
static int send_local(struct fota_ctx *c, struct at_response *resp)
{
	static const char *const dirs[] = { "/data/ufs", "/cache/ufs" };
	const char *name = c->job->upload_name ? c->job->upload_name : "dfota_update.bin";
	size_t n = c->job->ufs_path ? 1 : 2;
	int r = -EIO;

	for (size_t i = 0; i < n; i++) {
		const char *dir = c->job->ufs_path ? c->job->ufs_path : dirs[i];

		r = at_commandf(c->at, c->job->timeouts.command_ms, resp, "AT+QFOTADL=\"%s/%s\"", dir, name);
		if (r == 0 || r == -ENODEV) {
			if (i > 0)
				reporter_say(c->job->reporter, c->job->port, false,
					     "the module keeps its files under %s (it refused %s)", dir, dirs[0]);
			return r;
		}
		if (r != -EIO || resp->cme >= 0)
			return r; /* only a plain ERROR says "no such file here" */
	}
	return r;
}

int fota_send_command(struct fota_ctx *c, uint64_t size)
{
	const struct fota_job *j = c->job;
	char cmd[AT_LINE_MAX];
	struct at_response resp;
	int r;

	if (j->source == FOTA_SOURCE_FILE)
		snprintf(cmd, sizeof(cmd), "AT+QFOTADL=\"FILE:%llu\",%d,%d,%d", (unsigned long long)size,
			 j->upgrade_mode, j->download_urc_max, j->update_urc_max);
	else if (j->source == FOTA_SOURCE_URL) {
		struct url_parts parts;

		url_parse(j->url, NULL, &parts);
		/* EP06/EG06/EM06 DFOTA guide: AT+QFOTADL=<httpURL> / =<ftpURL>
		 * alone; such modules refuse anything more (EC200U note: the
		 * optional parameters are its own). */
		if (c->family == FAMILY_DFOTA)
			snprintf(cmd, sizeof(cmd), "AT+QFOTADL=\"%s\"", parts.sendable);
		else
			snprintf(cmd, sizeof(cmd), "AT+QFOTADL=\"%s\",%d,%d,%d", parts.sendable, j->upgrade_mode,
				 j->download_urc_max, j->update_urc_max);
	}
	fota_set_phase(c, FOTA_PHASE_COMMAND, NULL);
	if (j->source == FOTA_SOURCE_UPLOAD)
		r = send_local(c, &resp);
	else
		r = at_command(c->at, cmd, j->timeouts.command_ms, &resp);
	if (r == -EIO && resp.cme >= 0)
		return fota_fail(c, r, resp.cme, "the module refused AT+QFOTADL with +CME ERROR: %d", resp.cme);
	if (r == -EIO && j->source == FOTA_SOURCE_UPLOAD && !j->ufs_path)
		return fota_fail(c, r, -1, "the module refused AT+QFOTADL with ERROR for the package under /data/ufs "
				 "and under /cache/ufs (an upgrade already running, or its files are elsewhere: "
				 "--ufs-path DIR)");
	if (r == -EIO)
		return fota_fail(c, r, -1, "the module refused AT+QFOTADL with ERROR (an upgrade already "
				 "running, or a mode this firmware does not support)");
	if (r == -ENODEV && j->source == FOTA_SOURCE_UPLOAD) {
		c->command_accepted = true;
		return 0; /* DFOTA from a local file: the module may reboot at once (facts §3.5) */
	}
	if (r < 0)
		return fota_fail(c, r, -1, "AT+QFOTADL got no answer: %s (--timeout-command)", qfota_strerror(r));
	c->command_accepted = true;
	if (j->source == FOTA_SOURCE_FILE) {
		fota_set_phase(c, FOTA_PHASE_DOWNLOAD, "streaming the package");
		r = stream_package(c, size);
		if (r < 0)
			return r;
	} else if (j->source == FOTA_SOURCE_URL) {
		fota_set_phase(c, FOTA_PHASE_DOWNLOAD, "the module downloads the package");
	}
	return 0;
}

