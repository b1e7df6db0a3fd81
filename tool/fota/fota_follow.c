/* Following an upgrade from AT+QFOTADL's OK to the end: the module's
 * +QIND: "FOTA" reports, its reboots (each followed on the same physical port,
 * never by bus/device number), END, and the verification after the last
 * reboot. Nothing is sent to the module between START and END. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fota_internal.h"
#include "qfota/error.h"
#include "qfota/log.h"

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int fail_cancelled(struct fota_ctx *c);

/* How long what the module said before it left may take to come off the
 * link once the port shows it gone. */
#define LEFT_DRAIN_MS 500

/* Whether the port shows that the module left: empty, or holding another
 * device number (back already). Looked at once per poll interval, and only
 * two looks in a row count: a departure lasts, a failed read of sysfs does
 * not (seen under umockdev's preload, whose fd-to-path mapping is not
 * thread-safe, in a 32-module station: one look found an end-no-reboot
 * module's port empty, and qfota waited 120 s for a reboot that never was). */
static bool port_shows_left(struct fota_ctx *c)
{
	uint64_t now = qfota_now_ms();

	if (now < c->t_port_look + USBXFER_POLL_MS)
		return false;
	c->t_port_look = now;
	if (!udev_watch_left(c->watch, c->port, c->devnum)) {
		c->port_left_looks = 0;
		return false;
	}
	return ++c->port_left_looks >= 2;
}

/* Reads the module's reports for up to ms, as at_channel_poll, and says
 * -ENODEV once the module has left. The claimed link dropping tells that
 * first; the port itself tells it too, so that a reboot whose link drop and
 * uevents were both missed is still followed at once instead of waiting out a
 * deadline. Before that, what the module said last (END,0 and a reboot within
 * one read) is taken off the link; if that was END, the caller sees it first
 * and the next call says -ENODEV. */
static int poll_module(struct fota_ctx *c, unsigned ms)
{
	bool ended = c->ended;
	uint64_t deadline;
	int r = at_channel_poll(c->at, ms);

	if (r < 0 || !port_shows_left(c))
		return r;
	qfota_debug("%s: the port shows the module gone before its link did", c->port);
	deadline = qfota_now_ms() + LEFT_DRAIN_MS;
	do {
		r = at_channel_poll(c->at, USBXFER_POLL_MS);
		if (r < 0)
			return r; /* -ENODEV: the link says so too */
	} while (c->ended == ended && r > 0 && qfota_now_ms() < deadline);
	c->port_left_looks = 0;
	if (c->ended != ended) {
		c->t_port_look = 0; /* look again (twice) from the next call */
		return 1;
	}
	return -ENODEV;
}

/* What is on the port after a reboot, when it is not the module qfota can
 * claim: Qualcomm emergency download mode (05c6:9008: the boot found no
 * firmware to start), another USB composition (another PID or interface
 * layout, as after AT+QCFG="usbnet"/"usbcfg"), or another device. Named, with
 * what to do; -ENODEV (exit 7: came back as another). */
static int fail_came_back_as(struct fota_ctx *c, const char *port, int r)
{
	struct usbxfer_module m;
	int d = r == -EACCES || r == -EBUSY ? 0 : usbxfer_port_describe(port, &m);

	if (d == -ENOENT) /* gone again while it was being claimed (seen under load: -EIO) */
		return fota_fail(c, -ENODEV, -1, "the module came back on %s and left again before it could be "
				 "claimed (%s); check it with qfota info --port %s", port, qfota_strerror(r), port);
	if (r == -EACCES || r == -EBUSY || d < 0)
		return fota_fail(c, r, -1, "the module came back on %s but cannot be claimed: %s", port,
				 qfota_strerror(r));
	if (m.vid == 0x05c6 && m.pid == 0x9008)
		return fota_fail(c, -ENODEV, -1,
				 "the module came back on %s as 05c6:9008, Qualcomm emergency download mode (QDL/EDL): "
				 "its firmware does not start. qfota cannot help it further: flash the full firmware "
				 "for %s with Quectel's QFlash or QFirehose, then check it with qfota info --port %s",
				 port, c->res->model[0] ? c->res->model : "this module", port);
	/* The module may run on in it, its update included (its reports go to
	 * an interface qfota does not hold): it must not be powered off. */
	if (m.vid == 0x2c7c)
		return fota_fail(c, -ENODEV, -1,
				 "the module came back on %s as %04x:%04x (%s), another USB composition with no AT port "
				 "qfota can use%s%s (as after AT+QCFG=\"usbnet\" or \"usbcfg\"): the upgrade is not "
				 "confirmed%s. Switch the composition back from a port that answers AT (for the EC2x "
				 "family AT+QCFG=\"usbnet\",0), then check the revision with qfota info --port %s",
				 port, m.vid, m.pid, m.model_name, m.note[0] ? ": " : "", m.note,
				 c->ended ? "" : " and it may still be updating: do not power it off", port);
	return fota_fail(c, -ENODEV, -1,
			 "another device, %04x:%04x, is on port %s where the module should have come back: the "
			 "upgrade is not confirmed; find the module with qfota list", m.vid, m.pid, port);
}

/* The module left the bus: wait for it on the same port (or its peer), with
 * the reboot deadline, and claim it again. Sends nothing. */
static int follow_reboot(struct fota_ctx *c, enum fota_phase after)
{
	char port[USBXFER_PORT_MAX];
	uint64_t deadline, t_back;
	int devnum, r;

	fota_session_unclaim(c->session);
	fota_set_phase(c, FOTA_PHASE_REBOOT, "the module reboots; waiting for it on the same port");
	c->reboots++;
	r = fota_wait_back(c, c->devnum, port, &devnum);
	if (r == -ECANCELED)
		return fail_cancelled(c);
	if (r == -ETIMEDOUT)
		return fota_fail(c, -ENODEV, -1,
				 "the module did not come back on port %s%s%s within %u s of its reboot "
				 "(--timeout-reboot); a module that comes back elsewhere is not called upgraded",
				 c->job->port, udev_watch_peer(c->watch)[0] ? " or its peer " : "",
				 udev_watch_peer(c->watch), c->job->timeouts.reboot_ms / 1000);
	if (r < 0)
		return fota_fail(c, r, -1, "lost track of port %s: %s", c->job->port, qfota_strerror(r));
	c->devnum = devnum;
	c->port_left_looks = 0;
	snprintf(c->port, sizeof(c->port), "%s", port);
	/* udev may still be applying its rules (permissions) just after "add"
	 * (5 s); a module that reboots again as it is opened fails the open's
	 * descriptor read (EIO) before sysfs shows its new number (5 s);
	 * another program may hold the interface for a moment (EBUSY: a
	 * prober, ModemManager on a hub's peer): that is waited for within the
	 * reboot deadline, a module mid-upgrade is not given up for it. */
	t_back = qfota_now_ms();
	deadline = t_back + 5000;
	while ((r = fota_session_claim(c->session, port)) < 0) {
		if (r == -EBUSY)
			deadline = t_back + c->job->timeouts.reboot_ms;
		if (fota_cancelled(c))
			return fail_cancelled(c);
		if (qfota_now_ms() >= deadline ||
		    (r != -ENOENT && r != -ENODEV && r != -EACCES && r != -EBUSY && r != -EIO))
			return fail_came_back_as(c, port, r);
		sleep_ms(20);
	}
	/* The device claimed may be a later enumeration than the one the watch
	 * saw come back: a module that updates fast reboots again before the
	 * host gets to it, and what it said meanwhile went to nobody. */
	if ((int)fota_session_module(c->session)->devnum != devnum) {
		c->devnum = fota_session_module(c->session)->devnum;
		c->reboots++;
		c->reboot_unseen = true;
		reporter_say(c->job->reporter, c->job->port, true,
			     "the module rebooted again before it could be claimed: what it reported meanwhile is lost");
	}
	reporter_say(c->job->reporter, c->job->port, false, "back on port %s after reboot %u", port, c->reboots);
	fota_set_phase(c, after, NULL);
	return 0;
}

static int fail_cancelled(struct fota_ctx *c)
{
	if (fota_update_begun(c))
		return fota_fail(c, -ECANCELED, -1,
				 "stopped following; the module is still upgrading: do not power it off. "
				 "Follow it to the end with: qfota follow --port %s", c->job->port);
	return fota_fail(c, -ECANCELED, -1, "interrupted before the update began; the module was released");
}

/* How long the current wait may still last, and what it is called. */
static uint64_t current_deadline(const struct fota_ctx *c, const char **what, const char **option)
{
	const struct fota_timeouts *t = &c->job->timeouts;

	if (c->phase == FOTA_PHASE_DOWNLOAD && !c->download_started) {
		*what = "start of the download (FILESTART/FTPSTART/HTTPSTART)";
		*option = "--timeout-start";
		return c->t_phase + t->start_ms;
	}
	if (c->phase == FOTA_PHASE_DOWNLOAD) {
		*what = "end of the download (FILEEND/FTPEND/HTTPEND)";
		*option = "--timeout-download";
		return c->t_phase + t->download_ms;
	}
	if (!c->update_started) {
		*what = "+QIND: \"FOTA\",\"START\"";
		*option = "--timeout-update-start";
		return c->t_phase + t->update_start_ms;
	}
	*what = "UPDATING report or END";
	*option = "--timeout-update-gap";
	return (c->t_last_report > c->t_phase ? c->t_last_report : c->t_phase) + t->update_gap_ms;
}

/* Whether a reboot now is the one after END, END unseen: DFOTA modules
 * reboot once into their updater before START (facts §3.5), EC200U-class ones
 * only after END. A module reboots without waiting for the host to read END
 * (nothing says it drains its port first): END can be lost with the reboot. */
static bool reboot_ends_update(const struct fota_ctx *c)
{
	if (c->family == FAMILY_DFOTA) /* follow: it may be in its updater already */
		return c->reboots >= 1 || (c->update_started && c->job->source == FOTA_SOURCE_FOLLOW);
	return c->update_started || (c->download_ended && c->download_end_code == 0);
}

/* How long a DFOTA module back from a reboot may say nothing before qfota
 * asks what it runs (below), and how often it asks: after 5, 10 and 20 s. */
#define QUIET_AFTER_REBOOT_MS 5000
#define QUIET_PROBES 3

/* A DFOTA module back from its reboot into the updater says START, its
 * progress and END, then reboots again into the new firmware. A host that
 * takes a while to claim it can miss all of that, reboot included: the
 * device the watch found back is already the second enumeration, idle, and
 * would be waited on for a START that never comes (--timeout-update-start).
 * So, after a few seconds of silence with no START seen, qfota asks it for
 * its revision, at most QUIET_PROBES times, further apart each time (the
 * ready probe, then ATI: questions, nothing that changes the module; an
 * updater that does not answer is simply waited for as before). A new
 * revision means the update is over with its reports unseen. */
static bool update_over_unseen(struct fota_ctx *c, uint64_t now)
{
	struct fota_identity id;
	uint64_t quiet_since = c->t_last_report > c->t_phase ? c->t_last_report : c->t_phase;

	if (c->quiet_probes >= QUIET_PROBES || c->family != FAMILY_DFOTA || c->phase != FOTA_PHASE_UPDATE ||
	    c->update_started || c->reboots < 1 ||
	    now < quiet_since + ((uint64_t)QUIET_AFTER_REBOOT_MS << c->quiet_probes))
		return false;
	c->quiet_probes++;
	if (fota_session_ready(c->session) < 0 ||
	    fota_session_identify(c->session, c->job->timeouts.command_ms, &id) < 0)
		return false;
	return c->res->from[0] && strcmp(id.revision, c->res->from) != 0;
}

/* Reads the module's reports until END, following reboots. Sets *lost_end
 * when the module rebooted out of its update without an END seen. */
static int follow_until_end(struct fota_ctx *c, bool *lost_end)
{
	while (!c->ended) {
		const char *what = "", *option = "";
		uint64_t now = qfota_now_ms(), deadline;
		int r;

		if (fota_cancelled(c))
			return fail_cancelled(c);
		if (now >= c->deadline_total)
			return fota_fail(c, -ETIMEDOUT, -1, "the upgrade took longer than %u s (--timeout-total)",
					 c->job->timeouts.total_ms / 1000);
		if (c->download_ended && c->download_end_code != 0)
			return fota_fail_code(c, c->download_end_event, c->download_end_code);
		if (c->download_ended && c->phase == FOTA_PHASE_DOWNLOAD) {
			if (c->job->upgrade_mode == 0) {
				c->phase = FOTA_PHASE_UPDATE;
				return fota_fail(c, -EINPROGRESS, -1,
						 "the package is on the module; with --upgrade-mode 0 it updates at its next "
						 "reboot: reboot it, then run qfota follow --port %s", c->job->port);
			}
			fota_set_phase(c, FOTA_PHASE_UPDATE, "the module updates its firmware: do not power it off");
		}
		if (update_over_unseen(c, now)) {
			*lost_end = true;
			return 0;
		}
		deadline = current_deadline(c, &what, &option);
		if (now >= deadline)
			return fota_fail(c, -ETIMEDOUT, -1, "no %s within %llu s (%s)", what,
					 (unsigned long long)((deadline - c->t_phase) / 1000), option);
		r = poll_module(c, (unsigned)(deadline - now < USBXFER_POLL_MS ? deadline - now : USBXFER_POLL_MS));
		if (r == -ENODEV && reboot_ends_update(c)) {
			*lost_end = true;
			return follow_reboot(c, FOTA_PHASE_VERIFY);
		}
		if (r == -ENODEV) {
			r = follow_reboot(c, c->download_ended || c->update_started || c->job->source == FOTA_SOURCE_UPLOAD
						     ? FOTA_PHASE_UPDATE : FOTA_PHASE_DOWNLOAD);
			if (r < 0)
				return r;
			if (c->reboot_unseen && reboot_ends_update(c)) {
				*lost_end = true; /* the reboot after END came and went unseen */
				return 0;
			}
			continue;
		}
		if (r < 0 && r != -ECANCELED)
			return fota_fail(c, r, -1, "reading the module's reports failed: %s", qfota_strerror(r));
	}
	if (c->end_code != 0)
		return fota_fail_code(c, URC_EVENT_END, c->end_code);
	return 0;
}

/* After END,0 the module reboots into its new firmware (EC200U note 3.3.1;
 * DFOTA guide: "Then the module will reboot"): wait for it to go and come back. */
static int follow_final_reboot(struct fota_ctx *c)
{
	uint64_t deadline = qfota_now_ms() + c->job->timeouts.reboot_ms;

	reporter_say(c->job->reporter, c->job->port, false, "END,0: firmware written; waiting for the reboot");
	while (qfota_now_ms() < deadline) {
		int r = poll_module(c, USBXFER_POLL_MS);

		if (r == -ENODEV)
			return follow_reboot(c, FOTA_PHASE_VERIFY);
		if (r < 0 && r != -ECANCELED)
			return fota_fail(c, r, -1, "reading from the module failed after END: %s", qfota_strerror(r));
		if (fota_cancelled(c))
			return fota_fail(c, -ECANCELED, -1,
					 "stopped following after END,0, before the module rebooted into its new "
					 "firmware; check it with qfota info --port %s", c->job->port);
	}
	reporter_say(c->job->reporter, c->job->port, true, "the module did not reboot within %u s of END,0",
		     c->job->timeouts.reboot_ms / 1000);
	return 0; /* verify on the link we have: an unchanged revision will fail */
}

/* Success only with END,0 (or, when END was lost in the reboot, what the
 * module runs now), the new revision, and the same module. */
static int verify(struct fota_ctx *c, bool lost_end)
{
	struct fota_identity id;
	int r;

	fota_set_phase(c, FOTA_PHASE_VERIFY, NULL);
	r = fota_session_ready(c->session);
	if (r == -ETIMEDOUT)
		return fota_fail(c, r, -1, "the module on %s did not answer within %u s of its reboot (--timeout-ready)",
				 c->port, c->job->timeouts.ready_ms / 1000);
	if (r == 0)
		r = fota_session_identify(c->session, c->job->timeouts.command_ms, &id);
	if (r == -EPROTO)
		return fota_fail(c, r, -1, "the module's answer to ATI has no \"Revision:\" line");
	if (r < 0)
		return fota_fail(c, r, -1, "the module did not answer ATI/AT+CGSN after its reboot: %s",
				 qfota_strerror(r));
	snprintf(c->res->to, sizeof(c->res->to), "%s", id.revision);
	if (!c->res->model[0])
		snprintf(c->res->model, sizeof(c->res->model), "%s", id.model);
	if (c->res->imei[0] && id.imei[0] && strcmp(id.imei, c->res->imei) != 0)
		return fota_fail(c, -ENODEV, -1,
				 "the module on port %s came back with IMEI %s, not %s: another module is on this port; "
				 "the upgrade of %s is not confirmed", c->port, id.imei, c->res->imei, c->res->imei);
	if (!c->res->imei[0])
		snprintf(c->res->imei, sizeof(c->res->imei), "%s", id.imei);
	if (c->job->expect_revision && strcmp(id.revision, c->job->expect_revision) != 0)
		return fota_fail(c, -EPROTO, -1, "%s but the module reports revision %s, not the expected %s",
				 lost_end ? "END not seen (lost in the reboot)" : "END,0", id.revision,
				 c->job->expect_revision);
	if (c->res->from[0] && strcmp(id.revision, c->res->from) == 0)
		return fota_fail(c, -EPROTO, -1, "%s the module still reports revision %s%s",
				 lost_end ? "END not seen (lost in the reboot), and" : "END,0 but", id.revision,
				 lost_end ? ": the update did not take, or was undone; do not retry blindly" : "");
	if (lost_end)
		reporter_say(c->job->reporter, c->job->port, false, "END not seen; the module now runs %s", id.revision);
	if (lost_end)
		snprintf(c->res->message, sizeof(c->res->message),
			 "END not seen; the module now runs %s (upgraded from %s to %s)", id.revision, c->res->from,
			 id.revision);
	return 0;
}

int fota_follow(struct fota_ctx *c)
{
	bool lost_end = false;
	int r;

	c->deadline_total = c->t_start + c->job->timeouts.total_ms;
	if (c->job->source == FOTA_SOURCE_FOLLOW && c->job->expect_from) {
		/* res->from holds what it runs now, if the session asked (a
		 * station's held module); from here on the revision before */
		bool over = c->res->from[0] && strcmp(c->res->from, c->job->expect_from) != 0;

		if (over)
			reporter_say(c->job->reporter, c->job->port, false,
				     "the module runs %s, not %s as before its upgrade: its update is over, its reports "
				     "were lost", c->res->from, c->job->expect_from);
		snprintf(c->res->from, sizeof(c->res->from), "%s", c->job->expect_from);
		if (over)
			return verify(c, true);
	}
	if (c->job->source == FOTA_SOURCE_FOLLOW || c->job->source == FOTA_SOURCE_UPLOAD)
		fota_set_phase(c, FOTA_PHASE_UPDATE, c->job->source == FOTA_SOURCE_FOLLOW
						 ? "following the module's reports" : NULL);
	else if (c->phase < FOTA_PHASE_DOWNLOAD) /* never back: the reports may have moved it on */
		fota_set_phase(c, FOTA_PHASE_DOWNLOAD, NULL);
	r = follow_until_end(c, &lost_end);
	if (r == 0 && !lost_end)
		r = follow_final_reboot(c);
	if (r == 0)
		r = verify(c, lost_end);
	return r;
}
