/* One module's upgrade (include/qfota/fota.h): preflight, connect, command,
 * download; fota_follow.c takes it from there. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fota_internal.h"
#include "qfota/cleanup.h"
#include "qfota/error.h"
#include "qfota/exitcode.h"
#include "qfota/lock.h"
#include "qfota/log.h"
#include "qfota/url.h"

void fota_timeouts_default(struct fota_timeouts *t)
{
	/* DESIGN.md "Timeouts"; facts §5: real modules flash for 8-20 min and
	 * reboot in 30-60 s. */
	*t = (struct fota_timeouts){
		.command_ms = 10000,
		.start_ms = 10000,
		.stall_ms = 30000,
		.download_ms = 600000,
		.update_start_ms = 300000,
		.update_gap_ms = 120000,
		.reboot_ms = 120000,
		.total_ms = 30 * 60 * 1000,
	};
}

uint64_t fota_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void fota_set_phase(struct fota_ctx *c, enum fota_phase p, const char *text)
{
	uint64_t t = fota_now_ms();

	switch (c->phase) {
	case FOTA_PHASE_DOWNLOAD: c->res->download_ms += t - c->t_phase; break;
	case FOTA_PHASE_REBOOT: c->res->reboot_ms += t - c->t_phase; break;
	case FOTA_PHASE_UPDATE: c->res->update_ms += t - c->t_phase; break;
	default: break;
	}
	c->phase = p;
	c->t_phase = t;
	reporter_emit(c->job->reporter, &(struct report_event){ .kind = REPORT_PHASE, .port = c->job->port,
								 .phase = p, .percent = -1, .text = text });
}

int fota_fail(struct fota_ctx *c, int err, int module_code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->res->message, sizeof(c->res->message), fmt, ap);
	va_end(ap);
	c->res->err = err;
	c->res->module_code = module_code;
	return err;
}

static enum fota_family family_of(const struct usbxfer_module *m)
{
	/* The EC200U note's tables for Unisoc and ASR (LTE Standard) modules, the
	 * DFOTA guide's for Qualcomm ones. */
	if (m->model && m->model->family == USBXFER_FAMILY_QUALCOMM)
		return FAMILY_DFOTA;
	return FAMILY_EC200U;
}

int fota_fail_code(struct fota_ctx *c, enum urc_event event, int code)
{
	struct codes_explanation e;
	char text[CODES_FORMAT_MAX];

	if (codes_explain(c->family, event, code, &e) < 0 || codes_explanation_format(&e, text, sizeof(text)) < 0)
		snprintf(text, sizeof(text), "the module reported error %d", code);
	return fota_fail(c, -EIO, code, "%s", text);
}

void fota_report_transfer(struct fota_ctx *c, enum fota_phase phase, uint64_t sent, uint64_t total, uint64_t t0_ms)
{
	double secs = (double)(fota_now_ms() - t0_ms) / 1000.0;

	reporter_emit(c->job->reporter, &(struct report_event){
		.kind = REPORT_TRANSFER, .port = c->job->port, .phase = phase, .percent = -1, .bytes = sent,
		.total = total, .rate_bps = secs > 0 ? (double)sent / secs : 0 });
}

bool fota_update_begun(const struct fota_ctx *c)
{
	/* DFOTA from a local file updates right after OK (facts §3.5); the
	 * other modes once the download ended well (or the module says so). */
	return c->update_started || c->ended || (c->download_ended && c->download_end_code == 0) ||
	       (c->command_accepted && c->job->source == FOTA_SOURCE_UPLOAD) || c->job->source == FOTA_SOURCE_FOLLOW;
}

bool fota_cancelled(const struct fota_ctx *c)
{
	return (c->job->cancel && *c->job->cancel) || usbxfer_cancel_requested();
}

/* Waits for the module back on its port; the watch checks the job's signal
 * flag every 100 ms, so SIGINT/SIGTERM end the wait promptly. */
int fota_wait_back(struct fota_ctx *c, int old_devnum, char port[UDEV_PORT_MAX], int *devnum)
{
	int r = udev_watch_wait_back(c->watch, old_devnum, c->job->timeouts.reboot_ms, c->job->cancel, port, devnum);

	return r == 0 || !fota_cancelled(c) ? r : -ECANCELED;
}

int fota_link_open(struct fota_ctx *c)
{
	int r = usbxfer_link_open(c->port, -1, &c->link);

	if (r < 0)
		return r;
	if (c->at)
		at_channel_set_link(c->at, c->link);
	else
		r = at_channel_new(c->link, fota_on_unsolicited, c, &c->at);
	return r;
}

void fota_link_close(struct fota_ctx *c)
{
	usbxfer_link_close(c->link);
	c->link = NULL;
}

/* "Quectel\nEC200U\nRevision: EC200UCNAAR03A15M08\n" (facts §2.2). */
static void parse_ati(const char *info, char *model, size_t model_cap, char *rev, size_t rev_cap)
{
	const char *line = info;
	int n = 0;

	while (*line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		if (len > 10 && strncmp(line, "Revision: ", 10) == 0)
			snprintf(rev, rev_cap, "%.*s", (int)(len - 10), line + 10);
		else if (n == 1)
			snprintf(model, model_cap, "%.*s", (int)len, line);
		n++;
		if (!end)
			break;
		line = end + 1;
	}
}

int fota_identify(struct fota_ctx *c, char *model, size_t model_cap, char *rev, size_t rev_cap, char *imei,
		  size_t imei_cap)
{
	struct at_response resp;
	unsigned t = c->job->timeouts.command_ms;
	int r;

	model[0] = rev[0] = imei[0] = '\0';
	r = at_command(c->at, "ATI", t, &resp);
	if (r < 0)
		return r;
	parse_ati(resp.info, model, model_cap, rev, rev_cap);
	if (!rev[0])
		return fota_fail(c, -EPROTO, -1, "the module's answer to ATI has no \"Revision:\" line");
	r = at_command(c->at, "AT+CGSN", t, &resp);
	if (r < 0)
		return r;
	/* the first line of digits: "866050034443331" (facts §2.1) */
	for (const char *p = resp.info; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
		size_t d = strspn(p, "0123456789");

		if (d >= 14 && d <= 17) {
			snprintf(imei, imei_cap, "%.*s", (int)d, p);
			break;
		}
	}
	return 0;
}

/* Checks that need no module: the package file, the URL, the parameters. */
static int preflight(struct fota_ctx *c, uint64_t *ret_size)
{
	const struct fota_job *j = c->job;
	struct stat st;

	if (j->port && !udev_port_is_valid(j->port))
		return fota_fail(c, -EINVAL, -1, "'%s' is not a USB port path such as 1-4.2 (see qfota list)",
				 j->port);
	if (j->download_urc_max != 0 && (j->download_urc_max < 5 || j->download_urc_max > 100))
		return fota_fail(c, -EINVAL, -1, "--download-urcs must be 0 or 5-100 (got %d)", j->download_urc_max);
	if (j->update_urc_max != 0 && (j->update_urc_max < 5 || j->update_urc_max > 100))
		return fota_fail(c, -EINVAL, -1, "--update-urcs must be 0 or 5-100 (got %d)", j->update_urc_max);
	if (j->upgrade_mode != 0 && j->upgrade_mode != 1)
		return fota_fail(c, -EINVAL, -1, "--upgrade-mode must be 0 or 1 (got %d)", j->upgrade_mode);
	if (j->source == FOTA_SOURCE_URL) {
		struct url_parts parts;
		enum url_reason why = URL_OK;
		int r = url_parse(j->url, &why, &parts);

		if (r < 0)
			return fota_fail(c, r, -1, "URL rejected: %s", url_reason_to_string(why));
		if (parts.scheme == URL_SCHEME_FTP && parts.has_credentials)
			qfota_debug("fota: URL %s", parts.redacted);
	}
	if (j->source == FOTA_SOURCE_FILE || j->source == FOTA_SOURCE_UPLOAD) {
		/* O_NONBLOCK: opening a FIFO must not wait for a writer */
		_cleanup_close_ int fd = open(j->package_path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

		if (fd < 0)
			return fota_fail(c, -errno, -1, "cannot read package %s: %s", j->package_path, strerror(errno));
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
			return fota_fail(c, -EINVAL, -1, "package %s is not a regular file: give the package file itself",
					 j->package_path);
		if (st.st_size == 0)
			return fota_fail(c, -EINVAL, -1, "package %s is empty: nothing to send", j->package_path);
		*ret_size = (uint64_t)st.st_size;
		c->package_fd = TAKE_FD(fd);
	}
	if (j->cid < 0 || j->cid > 16 || (j->cid > 0 && !j->apn))
		return fota_fail(c, -EINVAL, -1, "--cid must be 1-16 and comes with --apn");
	/* Both go between the quotes of an AT command: a '"' or a CR there would
	 * end it and start another one. */
	if (j->apn && !fota_apn_is_valid(j->apn))
		return fota_fail(c, -EINVAL, -1, "--apn must be 1-%d letters, digits, '.', '-' and '_' "
				 "(an access point name, e.g. internet or m2m.example.com)", FOTA_APN_MAX);
	if (j->upload_name && !fota_upload_name_is_valid(j->upload_name))
		return fota_fail(c, -EINVAL, -1, "--upload-name must be 1-%d letters, digits, '.', '-' and '_' "
				 "(a file name on the module, e.g. dfota_update.bin)", FOTA_UPLOAD_NAME_MAX);
	return 0;
}

/* Discovers the module on its port, claims it, and learns who it is; or takes
 * all three from what fota_identify_port held. */
static int connect_module(struct fota_ctx *c, struct fota_held *held)
{
	struct usbxfer_select sel = { .port = c->job->port };
	int r = 0;

	fota_set_phase(c, FOTA_PHASE_CONNECT, NULL);
	if (held)
		c->module = held->module;
	else
		r = usbxfer_discover_one(&sel, &c->module);
	if (r == -ENOENT && c->job->source == FOTA_SOURCE_FOLLOW) {
		/* follow: the module may be between two reboots of its upgrade */
		r = udev_watch_new(c->job->port, &c->watch);
		if (r == 0) {
			reporter_say(c->job->reporter, c->job->port, false, "waiting up to %u s for a module on port %s",
				     c->job->timeouts.reboot_ms / 1000, c->job->port);
			r = fota_wait_back(c, -1, c->port, &c->devnum);
		}
		if (r == 0)
			r = usbxfer_discover_one(&sel, &c->module);
	}
	if (r == -ENOENT)
		return fota_fail(c, r, -1, "no Quectel module on port %s (see qfota list)", c->job->port);
	if (r < 0)
		return fota_fail(c, r, -1, "cannot list USB devices: %s", qfota_strerror(r));
	c->family = family_of(&c->module);
	if (c->module.model && c->job->source == FOTA_SOURCE_FILE && !(c->module.model->caps & USBXFER_CAP_FILE_MODE))
		return fota_fail(c, -EOPNOTSUPP, -1, "%s modules take no package in FILE mode; use --upload PACKAGE "
				 "(DFOTA from the module's file system) or --url", c->module.model_name);
	if (c->module.model && c->job->source == FOTA_SOURCE_UPLOAD && !(c->module.model->caps & USBXFER_CAP_QFUPL))
		return fota_fail(c, -EOPNOTSUPP, -1, "%s modules have no AT+QFUPL upload; give the package as a "
				 "file (FILE mode) or --url", c->module.model_name);
	c->devnum = c->module.devnum;
	if (!c->watch)
		r = udev_watch_new(c->job->port, &c->watch);
	if (r < 0)
		return fota_fail(c, r, -1, "cannot watch port %s with udev: %s", c->job->port, qfota_strerror(r));
	if (held) {
		c->link = held->link;
		held->link = NULL;
		r = at_channel_new(c->link, fota_on_unsolicited, c, &c->at);
	} else {
		r = fota_link_open(c);
	}
	if (r < 0)
		return fota_fail(c, r, -1, "cannot claim the AT interface of the module on %s: %s", c->job->port,
				 qfota_strerror(r));
	if (c->job->source == FOTA_SOURCE_FOLLOW)
		return 0; /* it may be updating: send nothing */
	if (held) {
		/* Asked under this same claim and lock: it cannot have changed. */
		snprintf(c->res->model, sizeof(c->res->model), "%s", held->model);
		snprintf(c->res->from, sizeof(c->res->from), "%s", held->from);
		snprintf(c->res->imei, sizeof(c->res->imei), "%s", held->imei);
	} else {
		/* Echo off keeps the channel quiet; the parser copes with either. */
		(void)at_command(c->at, "ATE0", c->job->timeouts.command_ms, NULL);
		r = fota_identify(c, c->res->model, sizeof(c->res->model), c->res->from, sizeof(c->res->from),
				  c->res->imei, sizeof(c->res->imei));
	}
	if (r < 0 && !c->res->message[0])
		return fota_fail(c, r, -1, "the module on %s did not answer ATI/AT+CGSN: %s", c->job->port,
				 qfota_strerror(r));
	if (r < 0)
		return r;
	reporter_say(c->job->reporter, c->job->port, false, "%s, revision %s, IMEI %s", c->res->model,
		     c->res->from, c->res->imei[0] ? c->res->imei : "unknown");
	if (c->job->expect_from && strcmp(c->job->expect_from, c->res->from) != 0)
		return fota_fail(c, -ESTALE, -1, "the module now runs %s, not %s as when the package was chosen: "
				 "nothing sent", c->res->from, c->job->expect_from);
	if (c->job->expect_revision && strcmp(c->job->expect_revision, c->res->from) == 0)
		return fota_fail(c, -EALREADY, -1, "the module already runs %s: nothing to do", c->res->from);
	return 0;
}

/* Whether the package fits into the module's file system, where it says. */
static int check_free_space(struct fota_ctx *c, uint64_t size)
{
	struct at_response resp;
	unsigned long long free_b = 0, total_b = 0;

	if (at_command(c->at, "AT+QFLDS=\"UFS\"", c->job->timeouts.command_ms, &resp) != 0)
		return 0; /* not every firmware answers: the module itself checks FILE:<n> */
	if (sscanf(resp.info, "+QFLDS: %llu,%llu", &free_b, &total_b) == 2 && free_b < size)
		return fota_fail(c, -ENOSPC, -1,
				 "the package is %llu bytes but the module has only %llu bytes free on UFS",
				 (unsigned long long)size, free_b);
	return 0;
}

/* Optional PDP context for URL downloads (EC200U note 3.3.1.1 example). */
static int setup_pdp(struct fota_ctx *c)
{
	struct at_response resp;
	unsigned t = c->job->timeouts.command_ms;
	int r;

	if (c->job->cid == 0)
		return 0;
	r = at_commandf(c->at, t, &resp, "AT+QICSGP=%d,1,\"%s\",\"\",\"\",1", c->job->cid, c->job->apn);
	if (r == 0)
		r = at_commandf(c->at, t, &resp, "AT+QCFG=\"fota/cid\",%d", c->job->cid);
	if (r < 0)
		return fota_fail(c, r, resp.cme, "the module refused the PDP context set-up (cid %d, APN %s): %s",
				 c->job->cid, c->job->apn, resp.cme >= 0 ? "+CME ERROR" : qfota_strerror(r));
	return 0;
}

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

static int stream_rx(void *user, const uint8_t *data, size_t len)
{
	struct stream_state *s = user;

	return at_channel_feed(s->c->at, data, len);
}

/* Waits (reading URCs) until *flag or the deadline; names the wait in errors. */
static int wait_for(struct fota_ctx *c, const bool *flag, unsigned timeout_ms, const char *what, const char *option)
{
	uint64_t deadline = fota_now_ms() + timeout_ms;

	while (!*flag) {
		uint64_t t = fota_now_ms();
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

static int stream_tail(struct usbxfer_link *link, struct stream_state *s, uint64_t off,
		       const struct usbxfer_stream_opts *opts, uint64_t *sent)
{
	uint8_t buf[TAIL_BYTES + 1];
	size_t n = (size_t)(s->size - off), got = 0;
	uint64_t tail_sent = 0;
	int mfd, r;

	while (got < n) {
		ssize_t k = pread(s->fd, buf + got, n - got, (off_t)(off + got));
		if (k <= 0)
			return k < 0 ? -errno : -ESTALE; /* shorter now: it changed */
		got += (size_t)k;
	}
	if (package_changed(s))
		return -ESTALE;
	mfd = memfd_create("qfota-tail", MFD_CLOEXEC);
	if (mfd < 0)
		return -errno;
	r = write(mfd, buf, n) == (ssize_t)n ? 0 : -EIO;
	s->base = off;
	if (r == 0)
		r = usbxfer_stream_fd(link, mfd, n, opts, &tail_sent);
	*sent = off + tail_sent;
	close(mfd);
	return r;
}

static int stream_package(struct fota_ctx *c, uint64_t size)
{
	struct stream_state s = { .c = c, .t0 = fota_now_ms(), .fd = -1, .size = size };
	struct usbxfer_stream_opts opts = {
		.stall_ms = c->job->timeouts.stall_ms, .progress = stream_progress, .on_rx = stream_rx,
		.user = &s, .cancel = c->job->cancel,
	};
	uint64_t sent = 0, head;
	int r;

	r = wait_for(c, &c->download_started, c->job->timeouts.start_ms, "+QIND: \"FOTA\",\"FILESTART\"",
		     "--timeout-start");
	if (r < 0)
		return r;
	s.fd = c->package_fd; /* preflight's: never opened again by path */
	if (fstat(s.fd, &s.st) < 0) {
		r = -errno;
		return fota_fail(c, r, -1, "cannot read package %s: %s", c->job->package_path, strerror(-r));
	}
	if ((uint64_t)s.st.st_size != size) {
		return fota_fail(c, -ESTALE, -1, "the package %s changed since it was checked (%llu bytes now, %llu "
				 "announced to the module); nothing of it was sent", c->job->package_path,
				 (unsigned long long)s.st.st_size, (unsigned long long)size);
	}
	head = size > 2 * TAIL_BYTES ? size - TAIL_BYTES - ((size - TAIL_BYTES) % 512 == 0) : size;
	r = usbxfer_stream_fd(c->link, s.fd, head, &opts, &sent);
	if (r == 0 && head < size)
		r = stream_tail(c->link, &s, head, &opts, &sent);
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

/* AT+QFOTADL in the job's mode, and (FILE) the stream. */
static int send_command(struct fota_ctx *c, uint64_t size)
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
		snprintf(cmd, sizeof(cmd), "AT+QFOTADL=\"%s\",%d,%d,%d", parts.sendable, j->upgrade_mode,
			 j->download_urc_max, j->update_urc_max);
	} else {
		snprintf(cmd, sizeof(cmd), "AT+QFOTADL=\"/data/ufs/%s\"",
			 j->upload_name ? j->upload_name : "dfota_update.bin");
	}
	fota_set_phase(c, FOTA_PHASE_COMMAND, NULL);
	r = at_command(c->at, cmd, j->timeouts.command_ms, &resp);
	if (r == -EIO && resp.cme >= 0)
		return fota_fail(c, r, resp.cme, "the module refused AT+QFOTADL with +CME ERROR: %d", resp.cme);
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

static bool all_name_chars(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

bool fota_apn_is_valid(const char *apn)
{
	return apn && all_name_chars(apn, FOTA_APN_MAX);
}

bool fota_upload_name_is_valid(const char *name)
{
	/* "." and ".." name no file */
	return name && all_name_chars(name, FOTA_UPLOAD_NAME_MAX) && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

int fota_job_check(const struct fota_job *job, struct report_result *res)
{
	struct fota_ctx c = { .job = job, .res = res, .package_fd = -1 };
	uint64_t size;
	int r;

	memset(res, 0, sizeof(*res));
	res->module_code = -1;
	r = preflight(&c, &size);
	qfota_closep(&c.package_fd);
	return r;
}

int fota_run(const struct fota_job *job, struct report_result *res)
{
	return fota_run_held(job, NULL, res);
}

int fota_run_held(const struct fota_job *job, struct fota_held *held, struct report_result *res)
{
	struct fota_ctx c = { .job = job, .res = res, .phase = FOTA_PHASE_PREFLIGHT, .end_code = -1, .package_fd = -1,
			      .download_end_code = -1, .last_percent = -1 };
	struct qfota_lock *lock = NULL;
	uint64_t size = 0;
	pid_t holder = 0;
	int r;

	memset(res, 0, sizeof(*res));
	res->module_code = -1;
	c.t_start = c.t_phase = fota_now_ms();
	snprintf(c.port, sizeof(c.port), "%s", job->port ? job->port : "");
	r = preflight(&c, &size);
	if (r == 0 && !job->port)
		r = fota_fail(&c, -EINVAL, -1, "no port given");
	if (held) { /* its lock is ours now, whatever happens next */
		lock = held->lock;
		held->lock = NULL;
		if (r == 0 && strcmp(job->port, held->module.port) != 0)
			r = fota_fail(&c, -EINVAL, -1, "the module held is on port %s, not %s", held->module.port,
				      job->port);
	}
	/* One qfota per module, keyed by its physical port, before any USB. */
	if (r == 0 && !held) {
		r = qfota_lock_port(job->port, &holder, &lock);
		if (r == -EBUSY)
			fota_fail(&c, r, -1, "port %s is busy: qfota (PID %ld) is already working on it", job->port,
				  (long)holder);
		else if (r < 0)
			fota_fail(&c, r, -1, "cannot lock port %s: %s (set QFOTA_LOCK_DIR?)", job->port,
				  qfota_strerror(r));
		if (r < 0)
			c.phase = FOTA_PHASE_CONNECT;
	}
	if (r == 0)
		r = connect_module(&c, held);
	if (r == 0 && job->source == FOTA_SOURCE_FILE)
		r = check_free_space(&c, size);
	if (r == 0 && job->source == FOTA_SOURCE_URL)
		r = setup_pdp(&c);
	if (r == 0 && job->source == FOTA_SOURCE_UPLOAD) {
		fota_set_phase(&c, FOTA_PHASE_UPLOAD, NULL);
		r = fota_upload(&c, job->upload_name ? job->upload_name : "dfota_update.bin");
	}
	if (r == 0 && job->source != FOTA_SOURCE_FOLLOW)
		r = send_command(&c, size);
	if (r == 0)
		r = fota_follow(&c);

	/* The one way out: release the interface, give the driver back. */
	fota_held_free(held); /* what connect_module did not take over */
	fota_link_close(&c);
	at_channel_free(c.at);
	udev_watch_free(c.watch);
	qfota_lock_release(lock);
	qfota_closep(&c.package_fd);
	res->phase = r == 0 ? FOTA_PHASE_DONE : c.phase;
	res->total_ms = fota_now_ms() - c.t_start;
	res->ok = r == 0 || r == -EALREADY;
	res->err = r;
	if (r == -EALREADY) /* already at the target: not a failure */
		res->exit_code = QFOTA_EXIT_OK;
	else if (r == -ECANCELED && fota_update_begun(&c)) /* stopped following, never the upgrade */
		res->exit_code = QFOTA_EXIT_STILL_UPDATING;
	else
		res->exit_code = qfota_exit_for(r, res->phase, res->module_code >= 0 && r == -EIO);
	if (r == 0 && !res->message[0])
		snprintf(res->message, sizeof(res->message), "upgraded from %s to %s", res->from, res->to);
	reporter_emit(job->reporter, &(struct report_event){ .kind = REPORT_RESULT, .port = job->port,
							      .phase = res->phase, .percent = -1, .result = res });
	return r;
}
