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
	unsigned download_ms;     /* FILEEND after the last byte (30 s); whole URL download (600 s) */
	unsigned update_start_ms; /* START after the download or a reboot (300 s) */
	unsigned update_gap_ms;   /* between UPDATING reports (120 s) */
	unsigned reboot_ms;       /* module back on its port after a reboot (120 s) */
	unsigned total_ms;        /* the whole upgrade (30 min) */
};
void fota_timeouts_default(struct fota_timeouts *ret);

struct fota_job {
	const char *port;              /* physical port path, e.g. "1-4.2" */
	enum fota_source source;
	const char *package_path;      /* FILE, UPLOAD */
	const char *url;               /* URL (checked against the seeds' limits) */
	const char *upload_name;       /* UPLOAD: file name on UFS (default "dfota_update.bin") */
	int cid;                       /* 0: leave the PDP context alone; 1-16: AT+QICSGP + fota/cid */
	const char *apn;
	const char *expect_revision;   /* NULL: any revision other than the one before */
	const char *expect_from;       /* NULL: any; else the module must run this revision now,
	                                * or nothing is sent (-ESTALE): a policy chose the
	                                * package for it (fota_identify_port) */
	int upgrade_mode;              /* <upgrade_mode> (1: update at once) */
	int download_urc_max;          /* <download_URC_max> (0, 5-100) */
	int update_urc_max;            /* <update_URC_max> (0, 5-100) */
	struct fota_timeouts timeouts;
	struct reporter *reporter;     /* borrowed; events of this job go here */
	const volatile sig_atomic_t *cancel; /* set by SIGINT/SIGTERM; may be NULL */
};

/* The one grammar of the two strings that go into AT commands as the user
 * gave them (AT+QICSGP, AT+QFUPL/AT+QFDEL/AT+QFOTADL), from the command line
 * or a policy:
 *   APN:         1-100 of [A-Za-z0-9._-]   (3GPP TS 23.003 §9.1: labels of
 *                letters, digits, '-', joined by '.'; 100 octets; '_' seen in use)
 *   upload name: 1-80 of [A-Za-z0-9._-], not "." or ".."
 * Anything else (a '"', CR, '*' ...) could end the command or name other
 * files: refused as bad input before anything is sent. */
#define FOTA_APN_MAX 100
#define FOTA_UPLOAD_NAME_MAX 80
bool fota_apn_is_valid(const char *apn);
bool fota_upload_name_is_valid(const char *name);

/* Checks everything that needs no module (the package file, the URL against
 * the seeds' limits, the parameters; job->port may be NULL). Returns 0, or a
 * negative errno with ret->message saying what is wrong and what to do. */
int fota_job_check(const struct fota_job *job, struct report_result *ret);

/* Runs one upgrade to the end and fills ret (always, also on failure). Returns
 * 0 when the module was upgraded, else a negative errno; ret->exit_code is the
 * command's exit code, ret->message says what happened in plain words. The
 * module is released and its kernel driver given back on every path. */
int fota_run(const struct fota_job *job, struct report_result *ret);

/* A module kept between fota_identify_port() and fota_run_held(): the port's
 * lock, the claimed AT interface, and who the module said it is. A station
 * identifies a module, lets its policy decide, and upgrades it without
 * letting go: no second open, claim and driver detach per module, and nobody
 * (another qfota, ModemManager on a re-bound option tty) gets in between. */
struct fota_held;

/* Who the module on job->port is, before deciding what to send it (a station's
 * policy): takes the port's lock, opens the module, asks ATE0, ATI and AT+CGSN
 * (nothing else). Uses port, timeouts.command_ms and cancel of job (reports
 * nothing). Fills ret->model, ret->from (the revision) and ret->imei; on
 * failure also ret->err, ret->message, ret->exit_code and ret->phase as
 * fota_run does, but emits no REPORT_RESULT (the caller decides what the
 * result is). Returns 0 or the negative errno of fota_run's connect step
 * (-EBUSY, -ENOENT, -EACCES, -EPROTO, -ETIMEDOUT, -ECANCELED, ...).
 * held NULL: the module is released, its driver given back and the lock
 * dropped before it returns. Else, on success only, *held keeps all three for
 * fota_run_held() or fota_held_free(); on failure *held is NULL. */
int fota_identify_port(const struct fota_job *job, struct report_result *ret, struct fota_held **held);

/* fota_run() on the module fota_identify_port() kept: no new lock, open or
 * ATI; the identity is the one held. Takes held over (frees it on every
 * path); held NULL is fota_run(). */
int fota_run_held(const struct fota_job *job, struct fota_held *held, struct report_result *ret);

/* Releases a held module (driver given back, lock dropped). Accepts NULL. */
void fota_held_free(struct fota_held *held);

#endif
