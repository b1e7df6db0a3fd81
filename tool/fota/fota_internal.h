/* Shared state of one upgrade (tool/fota*.c); not a public header.
 *
 * The files, from the top down; each calls only those below it:
 *   fota_run.c       the orchestration: preflight, connect, the mode's steps, the one way out
 *   fota_download.c  AT+QFOTADL and, in FILE mode, the stream
 *   fota_upload.c    AT+QFUPL of the package to UFS (DFOTA)
 *   fota_follow.c    from AT+QFOTADL's OK to the end: reports, reboots, END, verification
 *   fota_ctx.c       the upgrade's state: phases, failures, the module's FOTA reports
 *   fota_session.c   the module session: lock, claim, identify (include/qfota/fota.h)
 */
#ifndef FOTA_INTERNAL_H
#define FOTA_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "qfota/at.h"
#include "qfota/clock.h"
#include "qfota/codes.h"
#include "qfota/fota.h"
#include "qfota/sha256.h"
#include "qfota/udevwatch.h"
#include "qfota/urc.h"
#include "qfota/usbxfer.h"

struct fota_ctx {
	const struct fota_job *job;
	struct report_result *res;
	enum fota_phase phase;
	uint64_t t_start, deadline_total;
	uint64_t t_phase;              /* when the current phase began */

	struct fota_session *session;  /* the lock, the claim, the AT channel */
	struct at_channel *at;         /* the session's */
	char port[USBXFER_PORT_MAX];   /* where the module is now (the port or its peer) */
	int devnum;                    /* its device number now (changes at each reboot) */
	struct usbxfer_module module;  /* as described at connect */
	enum fota_family family;       /* which error table applies */
	struct udev_watch *watch;
	/* The package (FILE, UPLOAD), opened once by preflight (O_NONBLOCK: a
	 * FIFO never blocks; fstat: a regular file) and read only through this
	 * descriptor, so that it cannot be swapped by path between the checks and
	 * the stream. -1 when none; closed by whoever made the ctx. */
	int package_fd;
	/* A pinned package (job->sha256): the digest wanted, and the SHA-256 of
	 * the bytes streamed so far (usbxfer's on_read tap). */
	bool pinned;
	uint8_t pin[SHA256_BYTES];
	struct sha256 streamed;

	/* What the module reported (+QIND: "FOTA",...). */
	bool download_started;         /* FILESTART / FTPSTART / HTTPSTART */
	bool download_ended;           /* FILEEND / FTPEND / HTTPEND */
	enum urc_event download_end_event;
	int download_end_code;
	bool update_started;           /* START */
	bool ended;                    /* END */
	bool command_accepted;         /* AT+QFOTADL answered OK */
	char urcport_restore[16];      /* the module's AT+QURCCFG="urcport" before qfota pointed it at usbat ("" none) */
	int end_code;
	int last_percent;
	uint64_t t_last_report;        /* last FOTA URC, for the gap deadline */
	unsigned reboots;
	bool reboot_unseen;            /* a reboot happened between the return and the claim */
	unsigned quiet_probes;         /* times a silent DFOTA module was asked what it runs (fota_follow.c) */
	unsigned odd_reports;          /* garbled or unknown FOTA reports so far (warnings are capped) */
	uint64_t t_port_look;          /* last look at the port in sysfs (fota_follow.c) */
	unsigned port_left_looks;      /* consecutive looks that found the module gone */
};

/* A module that floods its port with garbled or unknown reports gets this
 * many warnings, then one saying the rest are not shown. */
#define FOTA_ODD_REPORT_WARNINGS 5

/* mm_inhibit.c: ModemManager kept off the modem on port for a session:
 * 0 with *ret NULL when it does not manage it (or is not there), 0 with *ret
 * set when inhibited, -EIO when it refused, -ENOMEM. */
struct mm_inhibit;
int mm_inhibit_port(const char *port, struct mm_inhibit **ret);
void mm_inhibit_release(struct mm_inhibit *m); /* accepts NULL */

/* fota_ctx.c */
void fota_set_phase(struct fota_ctx *c, enum fota_phase p, const char *text);
/* Records the failure in res (message formatted), returns err. */
int fota_fail(struct fota_ctx *c, int err, int module_code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Explains a module <err> code in c's family and fails with it. */
int fota_fail_code(struct fota_ctx *c, enum urc_event event, int code);
/* The at_channel callback: parses FOTA URCs into c and reports them. */
void fota_on_unsolicited(void *user, const struct at_line *line);
/* Takes over the session's AT channel: c's URC handler, module, family. */
void fota_attach_session(struct fota_ctx *c, struct fota_session *s);
bool fota_cancelled(const struct fota_ctx *c);
/* Whether the module has begun (or is committed to) rewriting its firmware:
 * from then on qfota never touches it, and a stop means "still upgrading". */
bool fota_update_begun(const struct fota_ctx *c);
/* Waits up to --timeout-reboot for a device other than old_devnum on the port
 * (or its peer); -ECANCELED on SIGINT/SIGTERM, -ETIMEDOUT. */
int fota_wait_back(struct fota_ctx *c, int old_devnum, char port[USBXFER_PORT_MAX], int *devnum);
/* A pinned package's stream tap (usbxfer's on_read): hashes what is sent. */
void fota_tap_read(struct fota_ctx *c, const uint8_t *data, size_t len);
/* Whether the bytes streamed (plus tail, tail_len) are the pinned package. */
bool fota_streamed_matches(const struct fota_ctx *c, const uint8_t *tail, size_t tail_len);
/* A REPORT_TRANSFER of phase: sent of total bytes since t0_ms. */
void fota_report_transfer(struct fota_ctx *c, enum fota_phase phase, uint64_t sent, uint64_t total, uint64_t t0_ms);

/* fota_follow.c: from after AT+QFOTADL's OK to the end: URCs, reboots, END,
 * verification. */
int fota_follow(struct fota_ctx *c);
/* fota_upload.c: AT+QFUPL of the package to UFS in ACK mode. */
int fota_upload(struct fota_ctx *c, const char *name);
/* fota_download.c: AT+QFOTADL in the job's mode and, in FILE mode, the
 * stream of size bytes. */
int fota_send_command(struct fota_ctx *c, uint64_t size);

#endif
