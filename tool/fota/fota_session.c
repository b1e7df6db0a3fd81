/* A module session (include/qfota/fota.h): the one way every subcommand
 * reaches a module. Lock the port, open and claim the AT interface (the open
 * describes the device: the one discovery), wait until it answers, ask who it
 * is; and the one way out (release, driver back, unlock). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fota_internal.h"
#include "qfota/cleanup.h"
#include "qfota/error.h"
#include "qfota/lock.h"

struct fota_session {
	struct qfota_lock *lock;
	struct mm_inhibit *mm;          /* ModemManager kept off the modem, if it manages it */
	struct at_channel *at;          /* owns the link; its link is NULL while the module is away */
	struct usbxfer_module module;   /* as described by the last open */
	struct fota_identity id;        /* what the module said at connect ("" before) */
	char port[USBXFER_PORT_MAX];    /* the port the session was opened on */
	unsigned ready_ms;              /* how long a module that just enumerated may stay silent */
};

/* One probe's wait: a module that has booted answers ATE0 in milliseconds;
 * one that is still booting drops the bytes (harsher than buffering them).
 * The wait grows with the time waited so far (an eighth of it, from
 * READY_PROBE_MIN_MS to READY_PROBE_MS): what qfota adds after the module is
 * ready stays a small part of its boot (field timing: 12 s boot, 60 s reboot,
 * facts §5, §7), also when a test runs those times a hundred times faster. */
#define READY_PROBE_MS 500u
#define READY_PROBE_MIN_MS 50u

/* Records a failure in res (message formatted), returns err. */
static int session_fail(struct report_result *res, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int session_fail(struct report_result *res, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->message, sizeof(res->message), fmt, ap);
	va_end(ap);
	res->err = err;
	return err;
}

/* The words for a lock that could not be taken for another reason than a
 * holder: most often the set-up (the lock directory missing, or this user
 * not in the group that shares it). */
static int lock_fail(struct report_result *res, int r, const char *port)
{
	char dir[4096];
	struct stat st;

	if (qfota_lock_dir(dir, sizeof(dir)) < 0)
		return session_fail(res, r, "cannot lock port %s: %s", port, qfota_strerror(r));
	if (r == -EACCES && stat(dir, &st) < 0 && errno == ENOENT)
		return session_fail(res, r,
				    "cannot lock port %s: the lock directory %s does not exist; create it as root with "
				    "`systemd-tmpfiles --create qfota.conf` (the package does), or set QFOTA_LOCK_DIR",
				    port, dir);
	if (r == -EACCES)
		return session_fail(res, r,
				    "cannot lock port %s: no permission in the lock directory %s, which is root's and "
				    "the qfota group's: `adduser $USER qfota`, then log in again",
				    port, dir);
	return session_fail(res, r, "cannot lock port %s in %s: %s (set QFOTA_LOCK_DIR?)", port, dir,
			    qfota_strerror(r));
}

int fota_session_lock(const char *port, struct report_result *res, struct fota_session **ret)
{
	_cleanup_free_ struct fota_session *s = calloc(1, sizeof(*s));
	pid_t holder = 0;
	int r;

	if (!s)
		return session_fail(res, -ENOMEM, "out of memory");
	snprintf(s->port, sizeof(s->port), "%s", port);
	s->ready_ms = 60000;
	/* One qfota per module, keyed by its physical port, before any USB. */
	r = qfota_lock_port(port, &holder, &s->lock);
	if (r == -EBUSY && holder > 0)
		return session_fail(res, r, "port %s is busy: qfota (PID %ld) is already working on it", port,
				    (long)holder);
	if (r == -EBUSY)
		return session_fail(res, r, "port %s is busy: another qfota is already working on it", port);
	if (r < 0)
		return lock_fail(res, r, port);
	/* Before the claim: ModemManager lets go of the modem rather than having
	 * its tty taken away mid-probe, and stays off it through the reboots. A
	 * refusal is not fatal: the claim still keeps it off the AT interface. */
	(void)mm_inhibit_port(port, &s->mm);
	*ret = TAKE_PTR(s);
	return 0;
}

int fota_session_claim(struct fota_session *s, const char *port)
{
	struct usbxfer_link *link = NULL;
	int r = usbxfer_link_open(port, -1, &link);

	if (r < 0)
		return r;
	s->module = *usbxfer_link_module(link);
	if (s->at) {
		at_channel_set_link(s->at, link);
		return 0;
	}
	return at_channel_new(link, NULL, NULL, &s->at);
}

void fota_session_unclaim(struct fota_session *s)
{
	if (s && s->at)
		at_channel_set_link(s->at, NULL);
}

void fota_session_set_ready_ms(struct fota_session *s, unsigned ready_ms)
{
	s->ready_ms = ready_ms;
}

/* Whether info holds a line of digits only (AT+CGSN's IMEI). */
static bool has_digit_line(const char *info)
{
	for (const char *l = info; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
		size_t n = strspn(l, "0123456789");

		if (n > 0 && (l[n] == '\n' || l[n] == '\0'))
			return true;
	}
	return false;
}

/* After a probe that needed retries, an answer to an earlier probe (a bare
 * OK) may still be on its way and would be taken for the next command's.
 * AT+CGSN's answer carries the IMEI, which no late ATE0 answer does: each
 * bare OK is one late answer taken off, the IMEI says the two are in step.
 * (Waiting for the port to stay quiet instead costs that quiet every time.) */
static int ready_sync(struct fota_session *s, unsigned probes)
{
	struct at_response resp;
	int r = -ETIMEDOUT;

	for (unsigned i = 0; i <= probes; i++) {
		r = at_command(s->at, "AT+CGSN", READY_PROBE_MS, &resp);
		if (r == -EIO || (r == 0 && has_digit_line(resp.info)))
			return 0; /* its own answer: no ATE0 answers with an error or an IMEI */
		if (r < 0 && r != -ETIMEDOUT)
			return r;
	}
	return r == -ETIMEDOUT ? r : 0;
}

int fota_session_ready(struct fota_session *s)
{
	uint64_t t0 = qfota_now_ms(), deadline = t0 + s->ready_ms;
	unsigned probes = 0;
	int r;

	for (;;) {
		uint64_t t = qfota_now_ms();

		if (t >= deadline)
			return -ETIMEDOUT;
		if (usbxfer_cancel_requested())
			return -ECANCELED;
		uint64_t wait = (t - t0) / 8;

		wait = wait < READY_PROBE_MIN_MS ? READY_PROBE_MIN_MS : wait > READY_PROBE_MS ? READY_PROBE_MS : wait;
		probes++;
		r = at_command(s->at, "ATE0", (unsigned)(deadline - t < wait ? deadline - t : wait), NULL);
		if (r == 0 || r == -EIO)
			break; /* it answers (an ERROR is an answer too) */
		if (r != -ETIMEDOUT)
			return r;
	}
	return probes > 1 ? ready_sync(s, probes) : 0;
}

/* "Quectel\nEC200U\nRevision: EC200UCNAAR03A15M08\n" (facts §2.2): the second
 * line is the model, the "Revision: " line the firmware. */
static void parse_ati(const char *info, struct fota_identity *id)
{
	const char *line = info;
	int n = 0;

	while (*line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		if (len > 10 && strncmp(line, "Revision: ", 10) == 0)
			snprintf(id->revision, sizeof(id->revision), "%.*s", (int)(len - 10), line + 10);
		else if (n == 1)
			snprintf(id->model, sizeof(id->model), "%.*s", (int)len, line);
		n++;
		if (!end)
			break;
		line = end + 1;
	}
}

int fota_session_identify(struct fota_session *s, unsigned command_ms, struct fota_identity *ret)
{
	struct at_response resp;
	struct fota_identity id = { 0 };
	int r;

	r = at_command(s->at, "ATI", command_ms, &resp);
	if (r < 0)
		return r;
	parse_ati(resp.info, &id);
	if (!id.revision[0])
		return -EPROTO;
	r = at_command(s->at, "AT+CGSN", command_ms, &resp);
	if (r < 0)
		return r;
	/* the first line of digits: "866050034443331" (facts §2.1) */
	for (const char *p = resp.info; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
		size_t d = strspn(p, "0123456789");

		if (d >= 14 && d <= 17) {
			snprintf(id.imei, sizeof(id.imei), "%.*s", (int)d, p);
			break;
		}
	}
	*ret = id;
	return 0;
}

int fota_session_connect(struct fota_session *s, unsigned command_ms, bool identify, struct report_result *res)
{
	struct fota_identity id;
	int r = fota_session_claim(s, s->port);

	if (r == -ENOENT)
		return session_fail(res, r, "no Quectel module on port %s (see qfota list)", s->port);
	if (r < 0)
		return session_fail(res, r, "cannot claim the AT interface of the module on %s: %s", s->port,
				    qfota_strerror(r));
	if (!identify)
		return 0; /* it may be updating: send nothing */
	r = fota_session_ready(s);
	if (r == -ETIMEDOUT)
		return session_fail(res, r, "the module on %s did not answer within %u s of being claimed "
				    "(--timeout-ready): it may still be booting, or its AT port is wedged", s->port,
				    s->ready_ms / 1000);
	if (r < 0)
		return session_fail(res, r, "the module on %s failed while it was probed: %s", s->port,
				    qfota_strerror(r));
	r = fota_session_identify(s, command_ms, &id);
	if (r == -EPROTO)
		return session_fail(res, r, "the module's answer to ATI has no \"Revision:\" line");
	if (r < 0)
		return session_fail(res, r, "the module on %s did not answer ATI/AT+CGSN: %s", s->port,
				    qfota_strerror(r));
	s->id = id;
	fota_identity_to_result(&id, res);
	return 0;
}

void fota_identity_to_result(const struct fota_identity *id, struct report_result *res)
{
	snprintf(res->model, sizeof(res->model), "%s", id->model);
	snprintf(res->from, sizeof(res->from), "%s", id->revision);
	snprintf(res->imei, sizeof(res->imei), "%s", id->imei);
}

int fota_session_open(const char *port, unsigned command_ms, struct report_result *res, struct fota_session **ret)
{
	_cleanup_(fota_session_closep) struct fota_session *s = NULL;
	int r = fota_session_lock(port, res, &s);

	if (r == 0)
		r = fota_session_connect(s, command_ms, true, res);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(s);
	return 0;
}

struct at_channel *fota_session_at(struct fota_session *s) { return s->at; }
const struct usbxfer_module *fota_session_module(const struct fota_session *s) { return &s->module; }
const char *fota_session_port(const struct fota_session *s) { return s->port; }
const struct fota_identity *fota_session_identity(const struct fota_session *s) { return &s->id; }

void fota_session_close(struct fota_session *s)
{
	if (!s)
		return;
	at_channel_free(s->at); /* the link with it: interface released, driver given back */
	mm_inhibit_release(s->mm);
	qfota_lock_release(s->lock);
	free(s);
}

/* +QFLDS: <free_size>,<total_size> */
int fota_session_free_space(struct fota_session *s, unsigned command_ms, unsigned long long *ret_free,
			    unsigned long long *ret_total)
{
	struct at_response resp;
	unsigned long long free_b, total_b;
	int r = at_command(fota_session_at(s), "AT+QFLDS=\"UFS\"", command_ms, &resp);

	if (r < 0)
		return r;
	if (sscanf(resp.info, "+QFLDS: %llu,%llu", &free_b, &total_b) != 2)
		return -EPROTO;
	*ret_free = free_b;
	*ret_total = total_b;
	return 0;
}
