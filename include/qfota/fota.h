/* One module's upgrade, as a state machine over the AT channel:
 * preflight -> connect (open, claim, identify) -> [upload] -> command
 * (AT+QFOTADL) -> download (FILE stream / the module's own FTP/HTTP download)
 * -> reboot(s), followed on the same physical port -> update (START..END)
 * -> verify (END,0, the new revision, the same IMEI).
 *
 * Safety rules (DESIGN.md): never interrupt a module in the update phase (a
 * cancel there only stops following and says how to resume with `qfota
 * follow`); download-phase failures are safe to retry; nothing is retried
 * blindly after the update has begun.
 */
#ifndef QFOTA_FOTA_H
#define QFOTA_FOTA_H

#include <signal.h>
#include <stdbool.h>

#include "qfota/at.h"
#include "qfota/report.h"

enum fota_source {
	FOTA_SOURCE_FILE,    /* AT+QFOTADL="FILE:<n>": qfota streams the package (EC200U) */
	FOTA_SOURCE_URL,     /* AT+QFOTADL="<ftp|http(s) URL>": the module downloads it */
	FOTA_SOURCE_UPLOAD,  /* AT+QFUPL to the module's UFS, then AT+QFOTADL="<path>" (DFOTA) */
	FOTA_SOURCE_FOLLOW,  /* send nothing: follow a module that is already upgrading */
};

/* Every deadline of an upgrade, in milliseconds; each is named in the error it
 * causes ("no FILESTART within 10 s of AT+QFOTADL (--timeout-start)"). */
struct fota_timeouts {
	unsigned command_ms;      /* final result of an AT command (default 10 s) */
	unsigned start_ms;        /* FILESTART/FTPSTART/HTTPSTART after OK (10 s) */
	unsigned stall_ms;        /* no progress of the FILE stream (30 s) */
	unsigned download_ms;     /* the download's end (FILEEND/FTPEND/HTTPEND) after it began (600 s) */
	unsigned update_start_ms; /* START after the download or a reboot (300 s) */
	unsigned update_gap_ms;   /* between UPDATING reports (120 s) */
	unsigned reboot_ms;       /* module back on its port after a reboot (120 s) */
	unsigned ready_ms;        /* module answering AT after it enumerated (60 s) */
	unsigned total_ms;        /* the whole upgrade (30 min) */
};
void fota_timeouts_default(struct fota_timeouts *ret);

struct fota_job {
	const char *port;              /* physical port path, e.g. "1-4.2" */
	enum fota_source source;
	const char *package_path;      /* FILE, UPLOAD */
	const char *url;               /* URL (checked against the seeds' limits) */
	const char *upload_name;       /* UPLOAD: file name on UFS (default "dfota_update.bin") */
	const char *sha256;            /* FILE, UPLOAD: NULL, or the package's pinned SHA-256 (64 hex
	                                * digits). Checked before anything is sent (a mismatch is bad
	                                * input: -EINVAL in preflight, exit 2), and the bytes streamed
	                                * are hashed as they go: a package that changed meanwhile is
	                                * stopped before its last bytes (FILE) or its upload deleted
	                                * before AT+QFOTADL (UPLOAD), -ESTALE */
	const char *ufs_path;          /* UPLOAD: UFS's directory for AT+QFOTADL; NULL: /data/ufs,
	                                * then /cache/ufs if the module refuses it (facts §3.5) */
	int cid;                       /* 0: leave the PDP context alone; 1-16: AT+QICSGP + fota/cid */
	const char *apn;
	const char *expect_revision;   /* NULL: any revision other than the one before */
	const char *expect_from;       /* NULL: any; else the module must run this revision now,
	                                * or nothing is sent (-ESTALE): a policy chose the
	                                * package for it (fota_identify_port). FOLLOW: the
	                                * revision it ran before its upgrade began, if known:
	                                * one that runs another now has finished, its reports
	                                * lost (judged as a lost END: verified at once) */
	int upgrade_mode;              /* <upgrade_mode> (1: update at once) */
	int download_urc_max;          /* <download_URC_max> (0, 5-100) */
	int update_urc_max;            /* <update_URC_max> (0, 5-100) */
	struct fota_timeouts timeouts;
	struct reporter *reporter;     /* borrowed; events of this job go here */
	const volatile sig_atomic_t *cancel; /* set by SIGINT/SIGTERM; may be NULL */
};

/* A job with every default: source, <upgrade_mode> 1, 50 download and 100
 * update reports, fota_timeouts_default; nothing else set. */
void fota_job_init(struct fota_job *job, enum fota_source source);


/* Checks everything that needs no module (the package file, the URL against
 * the seeds' limits, the parameters; job->port may be NULL). Returns 0, or a
 * negative errno with ret->message saying what is wrong and what to do. */
int fota_job_check(const struct fota_job *job, struct report_result *ret);

/* Runs one upgrade to the end and fills ret (always, also on failure). Returns
 * 0 when the module was upgraded, else a negative errno; ret->exit_code is the
 * command's exit code, ret->message says what happened in plain words. The
 * module is released and its kernel driver given back on every path. */
int fota_run(const struct fota_job *job, struct report_result *ret);

/* A module session: the port's lock, the claimed AT interface (an AT channel
 * that owns the link) and the module as its open described it. The one way
 * every subcommand reaches a module (upgrade, follow, info, station, auto):
 * lock, find and claim (one discovery: the open describes the device), wait
 * until it answers (ATE0), identify (ATI, AT+CGSN). A station keeps the
 * session of its identify step for the upgrade: no second open, claim and
 * driver detach per module, and nobody (another qfota, ModemManager on a
 * re-bound option tty) gets in between. */
struct fota_session;

struct fota_identity {
	char model[32];     /* "EC200U" */
	char revision[64];  /* "EC200UCNAAR03A15M08" */
	char imei[32];      /* "" if the module did not say */
};

/* Takes the port's lock (nothing else). On failure res->err and res->message
 * say why (-EBUSY names the holder's PID). */
int fota_session_lock(const char *port, struct report_result *res, struct fota_session **ret);
/* Claims the module on the session's port; identify: then ATE0, ATI and
 * AT+CGSN into res->model, res->from, res->imei. Returns 0, or the errno of
 * the open (-ENOENT no module there, -ENXIO no usable AT interface, -EBUSY,
 * -EACCES, ...) or of the AT exchange, with res->message saying it. */
int fota_session_connect(struct fota_session *s, unsigned command_ms, bool identify, struct report_result *res);
/* fota_session_lock + fota_session_connect(identify), closed again on failure. */
int fota_session_open(const char *port, unsigned command_ms, struct report_result *res, struct fota_session **ret);
/* Waits until the claimed module answers: a module that has just enumerated
 * (power-on, every reboot) takes bytes but answers nothing until it has booted
 * (RDY; facts §7). Probes with ATE0 (echo off keeps the channel quiet) and
 * retries until ready_ms (fota_session_set_ready_ms; default 60 s) has passed.
 * Boot URCs (RDY, +CPIN: READY, ...) go to the channel's handler, never taken
 * for answers. Returns 0, -ETIMEDOUT (never answered), -ENODEV, -ECANCELED. */
int fota_session_ready(struct fota_session *s);
void fota_session_set_ready_ms(struct fota_session *s, unsigned ready_ms);
/* ATI and AT+CGSN on the claimed module. -EPROTO: no "Revision:" line. */
int fota_session_identify(struct fota_session *s, unsigned command_ms, struct fota_identity *ret);
/* After a reboot: claims the module on port (the session's or its peer) on
 * the same AT channel. Returns usbxfer_link_open's errors. */
int fota_session_claim(struct fota_session *s, const char *port);
/* The module's file system (UFS) as AT+QFLDS="UFS" says: free and total
 * bytes. Returns 0; -EIO the module answered ERROR (not every firmware has
 * it); -EPROTO no "+QFLDS: <free>,<total>"; the channel's errors. */
int fota_session_free_space(struct fota_session *s, unsigned command_ms, unsigned long long *ret_free,
			    unsigned long long *ret_total);
/* Gives the interface back while the module reboots; the channel stays. */
void fota_session_unclaim(struct fota_session *s);
struct at_channel *fota_session_at(struct fota_session *s);
const struct usbxfer_module *fota_session_module(const struct fota_session *s);
const char *fota_session_port(const struct fota_session *s);
/* What the module said at fota_session_connect(identify); "" before. */
const struct fota_identity *fota_session_identity(const struct fota_session *s);
/* model, revision and IMEI into res->model, res->from, res->imei. */
void fota_identity_to_result(const struct fota_identity *id, struct report_result *res);
/* Releases the interface, gives the driver back, drops the lock. Accepts NULL. */
void fota_session_close(struct fota_session *s);
static inline void fota_session_closep(struct fota_session **s) { fota_session_close(*s); }

/* Who the module on job->port is, before deciding what to send it (a station's
 * policy): a fota_session_open with job's port and timeouts.command_ms
 * (reports nothing). Fills ret->model, ret->from (the revision) and ret->imei;
 * on failure also ret->err, ret->message, ret->exit_code and ret->phase as
 * fota_run does, but emits no REPORT_RESULT (the caller decides what the
 * result is). Returns 0 or the session's negative errno.
 * held NULL: the session is closed before it returns. Else, on success only,
 * *held keeps it for fota_run_held() or fota_session_close(); on failure
 * *held is NULL. */
int fota_identify_port(const struct fota_job *job, struct report_result *ret, struct fota_session **held);

/* Retries (--retries N): only a failure before the update began (exit 5:
 * the module's firmware untouched) is tried again, after a pause that lets
 * the module and its download server settle; never once the update has begun. */
#define FOTA_RETRY_PAUSE_MS 3000
bool fota_result_retryable(const struct report_result *res);

/* Sleeps FOTA_RETRY_PAUSE_MS, watching cancel (may be NULL). Returns 0, or
 * -ECANCELED when it was set. */
int fota_retry_pause(const volatile sig_atomic_t *cancel);

/* fota_run() on the session fota_identify_port() kept: no new lock, open or
 * ATI; the identity is the one held. Takes held over (closes it on every
 * path); held NULL is fota_run(). */
int fota_run_held(const struct fota_job *job, struct fota_session *held, struct report_result *ret);

#endif
