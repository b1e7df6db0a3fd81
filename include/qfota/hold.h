/* What a port's last upgrade left its module in, kept beside the port's lock
 * ("<lock dir>/<port>.hold", include/qfota/lock.h) so that every qfota that
 * meets the module again on that port knows it: a station's next worker, a
 * `qfota station --watch`, and `qfota auto` started by udev when the module
 * re-enumerates after the run that gave up on it has ended.
 *
 * A module whose firmware was touched and that got no good verdict (qfota lost
 * it in a reboot, a deadline passed, it stopped following: FOTA_AFTER_MAY_UPDATE)
 * may still be updating: it must not get a new AT+QFOTADL, only be followed to
 * its end. One whose update failed (FOTA_AFTER_FAILED) is not retried blindly.
 * The hold names the module by IMEI: another module on the port ends it.
 *
 * The file is a few "key value" lines, written whole (a temporary file renamed
 * over it) and read strictly: another member of the qfota group can write this
 * directory, so a file that does not parse is no hold (and said so), never a
 * crash or a command. Errors: negative errno (include/qfota/error.h). */
#ifndef QFOTA_HOLD_H
#define QFOTA_HOLD_H

#include "qfota/fota.h"

/* What a failed result leaves the module in, for whoever meets it again:
 * FOTA_AFTER_UNTOUCHED  nothing was started (or only a download, safe to retry);
 * FOTA_AFTER_MAY_UPDATE the command was taken and no verdict came (qfota lost
 *                       it in a reboot, a deadline passed, it stopped
 *                       following): the module may still be updating, so it is
 *                       followed (FOTA_SOURCE_FOLLOW), never started again;
 * FOTA_AFTER_FAILED     the module reported a failed update, or ended at
 *                       another revision: not retried blindly. */
enum fota_after { FOTA_AFTER_UNTOUCHED, FOTA_AFTER_MAY_UPDATE, FOTA_AFTER_FAILED };
enum fota_after fota_result_after(const struct report_result *res, enum fota_source source);

/* The longest hold file: longer is not a hold. */
#define FOTA_HOLD_MAX_BYTES 1024

struct fota_hold {
	enum fota_after after;   /* FOTA_AFTER_UNTOUCHED: no hold */
	char imei[32];           /* digits */
	char from[64];           /* the revision before the upgrade, "" unknown */
	char to[64];             /* the revision it was taken to, "" unknown */
	int exit_code;           /* that upgrade's */
	char why[160];           /* its words, cut */
};

/* The hold of port into *ret. Returns 0 (a hold), -ENOENT (none), -EINVAL (a
 * bad port, or a file that does not parse), or the errno of reading it. */
int fota_hold_load(const char *port, struct fota_hold *ret);

/* Writes h as port's hold; h->after FOTA_AFTER_UNTOUCHED removes it.
 * Returns 0 or a negative errno (-EPERM: another user's hold in the shared,
 * sticky directory). */
int fota_hold_store(const char *port, const struct fota_hold *h);

/* The file's text: parse len bytes (no NUL in them) into *ret (untouched on
 * failure): 0 or -EINVAL. Format h as the file holds it: its length, or
 * -ENOSPC. A parsed hold formats to text that parses to the same hold. */
int fota_hold_parse(const char *text, size_t len, struct fota_hold *ret);
int fota_hold_format(const struct fota_hold *h, char *buf, size_t cap);

/* What the result of one attempt on a module makes of the port's hold old
 * (the attempt's job source: fota_result_after): a touched module with no
 * good verdict is held; a module that a followed hold did not see to a good
 * end is let be (FAILED); a good end, or another module, ends the hold. A
 * result without an IMEI (the module was never identified) changes nothing.
 * Returns true when *next differs from old. */
bool fota_hold_next(const struct fota_hold *old, const struct report_result *res, enum fota_source source,
		    struct fota_hold *next);

#endif
