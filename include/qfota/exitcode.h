/* qfota's exit codes: one table, mapped in one place (tool/report/exitcode.c), and
 * documented in README.md and `qfota --help`. */
#ifndef QFOTA_EXITCODE_H
#define QFOTA_EXITCODE_H

#include "qfota/report.h"

enum qfota_exit {
	QFOTA_EXIT_OK = 0,            /* done; for upgrade: END,0 and the new revision seen */
	QFOTA_EXIT_FAILED = 1,        /* any other failure */
	QFOTA_EXIT_USAGE = 2,         /* bad arguments or input; nothing was sent to any module */
	QFOTA_EXIT_NO_MODULE = 3,     /* the module cannot do this: no usable AT interface, mode not supported */
	QFOTA_EXIT_ACCESS = 4,        /* busy (another program holds it) or permission denied */
	QFOTA_EXIT_DOWNLOAD = 5,      /* failed before the update began: safe to retry */
	QFOTA_EXIT_UPDATE = 6,        /* the module reported a failed update: do not retry blindly */
	QFOTA_EXIT_LOST = 7,          /* the module vanished, did not come back, or came back as another */
	QFOTA_EXIT_VERIFY = 8,        /* END,0 but not the expected revision afterwards */
	QFOTA_EXIT_TIMEOUT = 9,       /* a deadline passed (the message names which) */
	QFOTA_EXIT_STILL_UPDATING = 10, /* stopped following while the module updates: `qfota follow` */
	QFOTA_EXIT_INTERRUPTED = 130, /* interrupted before the update began; module released */
};

/* The exit code for an error (negative errno of include/qfota/error.h, 0 =
 * success) that ended a job in phase, given whether the module itself reported
 * a failure code and whether its update had begun (then a stop only stopped
 * following: 10). The one mapping from errors to exit codes. */
int qfota_exit_for(int err, enum fota_phase phase, bool module_reported, bool update_begun);
const char *qfota_exit_to_string(int code);

#endif
