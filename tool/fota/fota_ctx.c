/* The state of one upgrade (tool/fota_internal.h): its phases, its failure,
 * and what the module reports (+QIND: "FOTA",...). The bottom of tool/fota*:
 * every step above records into it, none of it calls a step. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fota_internal.h"
#include "qfota/error.h"

void fota_set_phase(struct fota_ctx *c, enum fota_phase p, const char *text)
{
	uint64_t t = qfota_now_ms();

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
	int r = codes_explain(c->family, event, code, &e);

	if (r == 0 && event == URC_EVENT_END && c->update_started && e.phase != CODES_PHASE_UPDATE) {
		/* A download table's code on END after START (a 701 there): the
		 * updater had begun, so the firmware may have been touched; the words
		 * say so, as the exit code does (6), never "safe to retry". Without
		 * START (Quectel's scripts: END,701 once the network is cut, facts
		 * §4.1) the table's download phase stands. */
		e.phase = CODES_PHASE_UPDATE;
		e.retry_safe = false;
	}
	if (r < 0 || codes_explanation_format(&e, text, sizeof(text)) < 0)
		snprintf(text, sizeof(text), "the module reported error %d", code);
	return fota_fail(c, -EIO, code, "%s", text);
}

void fota_tap_read(struct fota_ctx *c, const uint8_t *data, size_t len)
{
	if (c->pinned)
		sha256_update(&c->streamed, data, len);
}

bool fota_streamed_matches(const struct fota_ctx *c, const uint8_t *tail, size_t tail_len)
{
	struct sha256 s = c->streamed;
	uint8_t d[SHA256_BYTES];

	if (!c->pinned)
		return true;
	if (tail_len)
		sha256_update(&s, tail, tail_len);
	sha256_final(&s, d);
	return memcmp(d, c->pin, sizeof(d)) == 0;
}

void fota_report_transfer(struct fota_ctx *c, enum fota_phase phase, uint64_t sent, uint64_t total, uint64_t t0_ms)
{
	double secs = (double)(qfota_now_ms() - t0_ms) / 1000.0;

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
int fota_wait_back(struct fota_ctx *c, int old_devnum, char port[USBXFER_PORT_MAX], int *devnum)
{
	int r = udev_watch_wait_back(c->watch, old_devnum, c->job->timeouts.reboot_ms, c->job->cancel, port, devnum);

	return r == 0 || !fota_cancelled(c) ? r : -ECANCELED;
}

void fota_attach_session(struct fota_ctx *c, struct fota_session *s)
{
	c->session = s;
	c->at = fota_session_at(s);
	at_channel_set_handler(c->at, fota_on_unsolicited, c);
	c->module = *fota_session_module(s);
	c->family = family_of(&c->module);
	c->devnum = c->module.devnum;
}

static void report_urc(struct fota_ctx *c, const struct urc_fota *u)
{
	reporter_emit(c->job->reporter, &(struct report_event){ .kind = REPORT_URC, .port = c->job->port,
								 .phase = c->phase, .text = urc_event_to_string(u->event),
								 .percent = u->has_arg ? u->arg : -1 });
}

/* One warning per garbled or unknown report, up to FOTA_ODD_REPORT_WARNINGS,
 * then one that says so: a module must not flood the terminal or the log. */
static void warn_odd_report(struct fota_ctx *c, const char *what, const char *text)
{
	c->odd_reports++;
	if (c->odd_reports <= FOTA_ODD_REPORT_WARNINGS)
		reporter_say(c->job->reporter, c->job->port, true, "%s: %.80s", what, text);
	if (c->odd_reports == FOTA_ODD_REPORT_WARNINGS)
		reporter_say(c->job->reporter, c->job->port, true,
			     "the module sends many garbled or unknown reports; further ones are not shown");
}

void fota_on_unsolicited(void *user, const struct at_line *line)
{
	struct fota_ctx *c = user;
	struct urc_fota u;
	int r;

	if (line->kind != AT_LINE_URC && line->kind != AT_LINE_INFO)
		return;
	r = urc_fota_parse(line->text, &u);
	if (r == -ENOMSG)
		return; /* RDY, +CPIN: READY, ...: not ours */
	if (r < 0) {
		/* fwupd: "devices may incorrectly return an incomplete status message" */
		warn_odd_report(c, "ignored a garbled report from the module", line->text);
		return;
	}
	c->t_last_report = qfota_now_ms();
	report_urc(c, &u);
	/* The update has begun when the module says so, even if FILEEND,
	 * START, UPDATING and END all came in one read. */
	if ((u.event == URC_EVENT_START || u.event == URC_EVENT_UPDATING || u.event == URC_EVENT_RESTORE ||
	     u.event == URC_EVENT_END) && c->phase < FOTA_PHASE_UPDATE)
		fota_set_phase(c, FOTA_PHASE_UPDATE, "the module updates its firmware: do not power it off");
	switch (u.event) {
	case URC_EVENT_FILESTART:
	case URC_EVENT_FTPSTART:
	case URC_EVENT_HTTPSTART:
		c->download_started = true;
		break;
	case URC_EVENT_FILEEND:
	case URC_EVENT_FTPEND:
	case URC_EVENT_HTTPEND:
		c->download_ended = true;
		c->download_end_event = u.event;
		c->download_end_code = u.arg;
		break;
	case URC_EVENT_DOWNLOADING:
	case URC_EVENT_UPDATING:
	case URC_EVENT_RESTORE:
		if (u.event != URC_EVENT_DOWNLOADING)
			c->update_started = true;
		reporter_emit(c->job->reporter, &(struct report_event){
			.kind = REPORT_MODULE_PROGRESS, .port = c->job->port, .percent = u.arg,
			.phase = u.event == URC_EVENT_DOWNLOADING ? FOTA_PHASE_DOWNLOAD : FOTA_PHASE_UPDATE });
		break;
	case URC_EVENT_START:
		c->update_started = true;
		break;
	case URC_EVENT_END:
		c->ended = true;
		c->end_code = u.arg;
		break;
	default:
		warn_odd_report(c, "ignored an unknown FOTA report", u.word);
		break;
	}
}
