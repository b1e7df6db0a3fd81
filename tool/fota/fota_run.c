/* One module's upgrade (include/qfota/fota.h), from the top: preflight,
 * connect, the mode's steps, and the one way out. The steps live below it
 * (tool/fota_internal.h) and never call back up. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fota_internal.h"
#include "qfota/cleanup.h"
#include "qfota/error.h"
#include "qfota/exitcode.h"
#include "qfota/log.h"
#include "qfota/sha256.h"
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
		/* Quectel's scripts wait up to 60 s for PB DONE after a boot (facts §7) */
		.ready_ms = 60000,
		.total_ms = 30 * 60 * 1000,
	};
}

void fota_job_init(struct fota_job *job, enum fota_source source)
{
	*job = (struct fota_job){ .source = source, .upgrade_mode = 1, .download_urc_max = 50,
				  .update_urc_max = 100 };
	fota_timeouts_default(&job->timeouts);
}

/* Checks that need no module: the package file, the URL, the parameters. */
static int preflight(struct fota_ctx *c, uint64_t *ret_size)
{
	const struct fota_job *j = c->job;
	struct stat st;

	if (j->port && !usbxfer_port_is_valid(j->port))
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
			return fota_fail(c, qfota_errno(), -1, "cannot read package %s: %s", j->package_path, strerror(errno));
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
			return fota_fail(c, -EINVAL, -1, "package %s is not a regular file: give the package file itself",
					 j->package_path);
		if (st.st_size == 0)
			return fota_fail(c, -EINVAL, -1, "package %s is empty: nothing to send", j->package_path);
		*ret_size = (uint64_t)st.st_size;
		if (j->sha256) {
			uint8_t d[SHA256_BYTES];
			char have[SHA256_HEX_MAX];

			if (sha256_from_hex(j->sha256, c->pin) < 0)
				return fota_fail(c, -EINVAL, -1, "--sha256 wants 64 hex digits (a SHA-256 as sha256sum "
						 "prints it)");
			if (sha256_fd(fd, *ret_size, d) < 0)
				return fota_fail(c, -EIO, -1, "cannot read package %s", j->package_path);
			sha256_to_hex(d, have);
			if (memcmp(d, c->pin, sizeof(d)) != 0)
				return fota_fail(c, -EINVAL, -1, "package %s has SHA-256 %s, not the pinned %s: "
						 "nothing sent (the wrong file, or a damaged copy)", j->package_path, have,
						 j->sha256);
			c->pinned = true;
			sha256_init(&c->streamed);
		}
		c->package_fd = TAKE_FD(fd);
	} else if (j->sha256) {
		return fota_fail(c, -EINVAL, -1, "--sha256 goes with a package file (FILE or --upload): the module "
				 "downloads a URL itself, qfota never sees its bytes");
	}
	if (j->cid < 0 || j->cid > 16 || (j->cid > 0 && !j->apn))
		return fota_fail(c, -EINVAL, -1, "--cid must be 1-16 and comes with --apn");
	/* Both go between the quotes of an AT command: a '"' or a CR there would
	 * end it and start another one. */
	if (j->apn && !at_apn_is_valid(j->apn))
		return fota_fail(c, -EINVAL, -1, "--apn must be 1-%d letters, digits, '.', '-' and '_' "
				 "(an access point name, e.g. internet or m2m.example.com)", AT_APN_MAX);
	if (j->ufs_path && !at_ufs_path_is_valid(j->ufs_path))
		return fota_fail(c, -EINVAL, -1, "--ufs-path must be an absolute path under %d bytes of letters, digits, "
				 "'.', '-', '_' and '/' (e.g. /data/ufs or /cache/ufs)", AT_UFS_PATH_MAX);
	if (j->upload_name && !at_file_name_is_valid(j->upload_name))
		return fota_fail(c, -EINVAL, -1, "--upload-name must be 1-%d letters, digits, '.', '-' and '_' "
				 "(a file name on the module, e.g. dfota_update.bin)", AT_FILE_NAME_MAX);
	return 0;
}

/* The module of the session: who it is, whether it can do the job's mode,
 * and a udev watch on its port for the reboots to come. */
static int connect_module(struct fota_ctx *c, struct fota_session *held)
{
	int r = 0;

	fota_set_phase(c, FOTA_PHASE_CONNECT, NULL);
	if (!held) {
		r = fota_session_connect(c->session, c->job->timeouts.command_ms,
					 c->job->source != FOTA_SOURCE_FOLLOW, c->res);
		if (r == -ENOENT && c->job->source == FOTA_SOURCE_FOLLOW) {
			/* follow: the module may be between two reboots of its upgrade */
			r = udev_watch_new(c->job->port, &c->watch);
			if (r == 0) {
				reporter_say(c->job->reporter, c->job->port, false,
					     "waiting up to %u s for a module on port %s",
					     c->job->timeouts.reboot_ms / 1000, c->job->port);
				r = fota_wait_back(c, -1, c->port, &c->devnum);
			}
			if (r == 0) {
				/* the first look's "no module" is history now */
				c->res->message[0] = '\0';
				c->res->err = 0;
				r = fota_session_connect(c->session, c->job->timeouts.command_ms, false, c->res);
			} else
				fota_fail(c, r, -1, "no Quectel module on port %s (see qfota list)", c->job->port);
		}
		if (r < 0)
			return r;
	}
	fota_attach_session(c, c->session);
	if (c->job->source == FOTA_SOURCE_FILE && c->module.model && !(c->module.model->caps & USBXFER_CAP_FILE_MODE))
		return fota_fail(c, -EOPNOTSUPP, -1, "%s modules take no package in FILE mode; use --upload PACKAGE "
				 "(DFOTA from the module's file system) or --url", c->module.model_name);
	if (c->job->source == FOTA_SOURCE_UPLOAD && c->module.model && !(c->module.model->caps & USBXFER_CAP_QFUPL))
		return fota_fail(c, -EOPNOTSUPP, -1, "%s modules have no AT+QFUPL upload; give the package as a "
				 "file (FILE mode) or --url", c->module.model_name);
	/* EP06/EG06/EM06 DFOTA guide: AT+QFOTADL=<URL> or =<file_name>, nothing
	 * more: the module itself decides when to update. */
	if (c->family == FAMILY_DFOTA && c->job->upgrade_mode == 0 && c->job->source != FOTA_SOURCE_FOLLOW)
		return fota_fail(c, -EOPNOTSUPP, -1, "%s modules take no <upgrade_mode> (the DFOTA guide's "
				 "AT+QFOTADL has the URL or file name alone): they update at once; drop --upgrade-mode 0",
				 c->module.model_name);
	if (!c->watch)
		r = udev_watch_new(c->job->port, &c->watch);
	if (r < 0)
		return fota_fail(c, r, -1, "cannot watch port %s with udev: %s", c->job->port, qfota_strerror(r));
	if (c->job->source == FOTA_SOURCE_FOLLOW)
		return 0; /* it may be updating: send nothing */
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
	unsigned long long free_b = 0, total_b = 0;

	if (fota_session_free_space(c->session, c->job->timeouts.command_ms, &free_b, &total_b) < 0)
		return 0; /* not every firmware answers: the module itself checks FILE:<n> */
	if (free_b < size)
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

/* +QURCCFG: "urcport","<port>" -> port (facts §7: usbat, usbmodem, uart1, ...). */
static bool parse_urcport(const char *info, char *port, size_t cap)
{
	const char *p = strstr(info, "+QURCCFG:");
	const char *q, *e;

	if (!p || !(q = strstr(p, "\"urcport\"")))
		return false;
	q += strlen("\"urcport\"");
	q += strspn(q, " ");
	if (*q++ != ',')
		return false;
	q += strspn(q, " ");
	if (*q++ != '"' || !(e = strchr(q, '"')) || e == q || (size_t)(e - q) >= cap)
		return false;
	memcpy(port, q, (size_t)(e - q));
	port[e - q] = '\0';
	return true;
}

/* FOTA reports go to the one port AT+QURCCFG="urcport" names (facts §7; a
 * chan_dongle note: an EC25's factory default was the modem port). qfota
 * claims the AT port, the one Quectel's scripts call usbat (ModemManager's
 * "AT primary", interface 2 of every model in the table: facts §1): if the
 * reports would go elsewhere they are pointed here for the upgrade, and set
 * back at the end (the setting may survive reboots: taken as if it does). A
 * module that does not know the command (ERROR) is left as it is. Where the
 * AT port was found by its class alone (a model with no known layout), that
 * it is usbat is qfota's inference, and the line says so. */
static int point_urcs(struct fota_ctx *c)
{
	const struct usbxfer_module *m = fota_session_module(c->session);
	bool by_table = m->model && m->model->at_interface >= 0 && m->at_interface == m->model->at_interface;
	struct at_response resp;
	unsigned t = c->job->timeouts.command_ms;
	char port[sizeof(c->urcport_restore)];
	int r;

	r = at_command(c->at, "AT+QURCCFG=\"urcport\"", t, &resp);
	if (r == -EIO || (r == 0 && !parse_urcport(resp.info, port, sizeof(port))))
		return 0;
	if (r < 0)
		return fota_fail(c, r, -1, "AT+QURCCFG=\"urcport\" got no answer: %s (--timeout-command)",
				 qfota_strerror(r));
	if (strcasecmp(port, "usbat") == 0)
		return 0;
	r = at_command(c->at, "AT+QURCCFG=\"urcport\",\"usbat\"", t, &resp);
	if (r < 0)
		return fota_fail(c, r, resp.cme, "the module sends its reports to %s, not to the AT port qfota "
				 "holds, and refused AT+QURCCFG=\"urcport\",\"usbat\": %s", port,
				 resp.cme >= 0 ? "+CME ERROR" : qfota_strerror(r));
	snprintf(c->urcport_restore, sizeof(c->urcport_restore), "%s", port);
	if (by_table)
		reporter_say(c->job->reporter, c->job->port, false,
			     "the module's reports went to %s; pointed at the AT port (usbat) for the upgrade", port);
	else
		reporter_say(c->job->reporter, c->job->port, true,
			     "the module's reports went to %s; pointed at usbat for the upgrade, taken to be "
			     "interface %d, which qfota found by its class: if no report arrives there, the "
			     "verdict rests on the revision after the reboot", port, m->at_interface);
	return 0;
}

/* Sets AT+QURCCFG="urcport" back, on the module as it is now (after the
 * final reboot on success); says so when it cannot. */
static void restore_urcs(struct fota_ctx *c)
{
	struct at_response resp;
	int r = -ENODEV;

	if (!c->urcport_restore[0])
		return;
	if (c->at) /* a link that is gone answers -ENODEV at once */
		r = at_commandf(c->at, c->job->timeouts.command_ms, &resp, "AT+QURCCFG=\"urcport\",\"%s\"",
				c->urcport_restore);
	if (r < 0)
		reporter_say(c->job->reporter, c->job->port, true,
			     "could not set the module's report port back to %s (%s): set it with "
			     "AT+QURCCFG=\"urcport\",\"%s\"", c->urcport_restore, qfota_strerror(r),
			     c->urcport_restore);
	else
		reporter_say(c->job->reporter, c->job->port, false, "the module's reports go to %s again",
			     c->urcport_restore);
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

int fota_run_held(const struct fota_job *job, struct fota_session *held, struct report_result *res)
{
	struct fota_ctx c = { .job = job, .res = res, .phase = FOTA_PHASE_PREFLIGHT, .end_code = -1, .package_fd = -1,
			      .download_end_code = -1, .last_percent = -1, .session = held };
	uint64_t size = 0;
	int r;

	memset(res, 0, sizeof(*res));
	res->module_code = -1;
	if (held) /* asked under this same claim and lock: it cannot have changed */
		fota_identity_to_result(fota_session_identity(held), res);
	c.t_start = c.t_phase = qfota_now_ms();
	snprintf(c.port, sizeof(c.port), "%s", job->port ? job->port : "");
	r = preflight(&c, &size);
	if (r == 0 && !job->port)
		r = fota_fail(&c, -EINVAL, -1, "no port given");
	if (r == 0 && held && strcmp(job->port, fota_session_port(held)) != 0)
		r = fota_fail(&c, -EINVAL, -1, "the module held is on port %s, not %s", fota_session_port(held),
			      job->port);
	if (r == 0 && !held) {
		r = fota_session_lock(job->port, res, &c.session);
		if (r < 0)
			c.phase = FOTA_PHASE_CONNECT;
		else
			fota_session_set_ready_ms(c.session, job->timeouts.ready_ms);
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
		r = point_urcs(&c);
	if (r == 0 && job->source != FOTA_SOURCE_FOLLOW)
		r = fota_send_command(&c, size);
	if (r == 0)
		r = fota_follow(&c);
	restore_urcs(&c);

	/* The one way out: release the interface, give the driver back, unlock. */
	fota_session_close(c.session);
	udev_watch_free(c.watch);
	qfota_closep(&c.package_fd);
	res->phase = r == 0 ? FOTA_PHASE_DONE : c.phase;
	res->total_ms = qfota_now_ms() - c.t_start;
	res->ok = r == 0 || r == -EALREADY;
	res->err = r;
	res->exit_code = qfota_exit_for(r, res->phase, res->module_code >= 0 && r == -EIO, fota_update_begun(&c));
	if (r == 0 && !res->message[0])
		snprintf(res->message, sizeof(res->message), "upgraded from %s to %s", res->from, res->to);
	reporter_emit(job->reporter, &(struct report_event){ .kind = REPORT_RESULT, .port = job->port,
							      .phase = res->phase, .percent = -1, .result = res });
	return r;
}

int fota_identify_port(const struct fota_job *job, struct report_result *res, struct fota_session **held)
{
	struct fota_session *s = NULL;
	uint64_t t_start = qfota_now_ms();
	int r;

	memset(res, 0, sizeof(*res));
	res->module_code = -1;
	if (held)
		*held = NULL;
	if (!job->port || !usbxfer_port_is_valid(job->port)) {
		r = -EINVAL;
		snprintf(res->message, sizeof(res->message), "'%s' is not a USB port path such as 1-4.2",
			 job->port ? job->port : "");
	} else {
		r = fota_session_lock(job->port, res, &s);
		if (r == 0) {
			fota_session_set_ready_ms(s, job->timeouts.ready_ms);
			r = fota_session_connect(s, job->timeouts.command_ms, true, res);
		}
	}
	if (r == 0 && held)
		*held = TAKE_PTR(s);
	fota_session_close(s);
	res->phase = FOTA_PHASE_CONNECT;
	res->total_ms = qfota_now_ms() - t_start;
	res->err = r;
	res->ok = r == 0;
	res->exit_code = qfota_exit_for(r, FOTA_PHASE_CONNECT, false, false);
	return r;
}

bool fota_result_retryable(const struct report_result *res)
{
	return !res->ok && res->exit_code == QFOTA_EXIT_DOWNLOAD;
}

int fota_retry_pause(const volatile sig_atomic_t *cancel)
{
	uint64_t end = qfota_now_ms() + FOTA_RETRY_PAUSE_MS;

	for (uint64_t t = qfota_now_ms(); t < end; t = qfota_now_ms()) {
		struct timespec ts = { 0, (long)(end - t < USBXFER_POLL_MS ? end - t : USBXFER_POLL_MS) * 1000000L };

		if (cancel && *cancel)
			return -ECANCELED;
		nanosleep(&ts, NULL);
	}
	return cancel && *cancel ? -ECANCELED : 0;
}
