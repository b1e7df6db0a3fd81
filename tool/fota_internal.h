/* Shared state of one upgrade (tool/fota*.c); not a public header. */
#ifndef FOTA_INTERNAL_H
#define FOTA_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "qfota/at.h"
#include "qfota/codes.h"
#include "qfota/fota.h"
#include "qfota/udevwatch.h"
#include "qfota/urc.h"
#include "qfota/usbxfer.h"

struct fota_ctx {
	const struct fota_job *job;
	struct report_result *res;
	enum fota_phase phase;
	uint64_t t_start, deadline_total;
	uint64_t t_phase;              /* when the current phase began */

	char port[UDEV_PORT_MAX];      /* where the module is now (the port or its peer) */
	int devnum;                    /* its device number now (changes at each reboot) */
	struct usbxfer_module module;  /* as discovered at connect */
	enum fota_family family;       /* which error table applies */
	struct usbxfer_link *link;
	struct at_channel *at;
	struct udev_watch *watch;

	/* What the module reported (+QIND: "FOTA",...). */
	bool download_started;         /* FILESTART / FTPSTART / HTTPSTART */
	bool download_ended;           /* FILEEND / FTPEND / HTTPEND */
	enum urc_event download_end_event;
	int download_end_code;
	bool update_started;           /* START */
	bool ended;                    /* END */
	bool command_accepted;         /* AT+QFOTADL answered OK */
	int end_code;
	int last_percent;
	uint64_t t_last_report;        /* last FOTA URC, for the gap deadline */
	unsigned reboots;
	uint64_t t_port_look;          /* last look at the port in sysfs (fota_follow.c) */
	unsigned port_left_looks;      /* consecutive looks that found the module gone */
};

/* What fota_identify_port keeps for fota_run_held (include/qfota/fota.h). */
struct fota_held {
	struct qfota_lock *lock;
	struct usbxfer_link *link;
	struct usbxfer_module module;
	char model[sizeof(((struct report_result *)0)->model)];
	char from[sizeof(((struct report_result *)0)->from)];
	char imei[sizeof(((struct report_result *)0)->imei)];
};

uint64_t fota_now_ms(void);
void fota_set_phase(struct fota_ctx *c, enum fota_phase p, const char *text);
/* Records the failure in res (message formatted), returns err. */
int fota_fail(struct fota_ctx *c, int err, int module_code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Explains a module <err> code in c's family and fails with it. */
int fota_fail_code(struct fota_ctx *c, enum urc_event event, int code);
/* The at_channel callback: parses FOTA URCs into c and reports them. */
void fota_on_unsolicited(void *user, const struct at_line *line);
/* Opens the link on c->port and a channel on it (reusing c->at). */
int fota_link_open(struct fota_ctx *c);
void fota_link_close(struct fota_ctx *c);
/* ATI + AT+CGSN into model/revision/imei. */
int fota_identify(struct fota_ctx *c, char *model, size_t model_cap, char *rev, size_t rev_cap,
		  char *imei, size_t imei_cap);
bool fota_cancelled(const struct fota_ctx *c);
/* Whether the module has begun (or is committed to) rewriting its firmware:
 * from then on qfota never touches it, and a stop means "still upgrading". */
bool fota_update_begun(const struct fota_ctx *c);
/* Waits up to --timeout-reboot for a device other than old_devnum on the port
 * (or its peer); -ECANCELED on SIGINT/SIGTERM, -ETIMEDOUT. */
int fota_wait_back(struct fota_ctx *c, int old_devnum, char port[UDEV_PORT_MAX], int *devnum);
/* A REPORT_TRANSFER of phase: sent of total bytes since t0_ms. */
void fota_report_transfer(struct fota_ctx *c, enum fota_phase phase, uint64_t sent, uint64_t total, uint64_t t0_ms);

/* fota_follow.c: from after AT+QFOTADL's OK to the end: URCs, reboots, END,
 * verification. */
int fota_follow(struct fota_ctx *c);
/* fota_upload.c: AT+QFUPL of the package to UFS in ACK mode. */
int fota_upload(struct fota_ctx *c, const char *name);

#endif
