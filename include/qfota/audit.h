/* The audit log: one JSON object per line for each upgrade attempt, appended
 * to a file that several qfota processes (a station's, the auto units') may
 * write at once.
 *
 * A line: {"time":"2026-11-22T03:57:10.123Z","host":"...","port":"1-4.2",
 *   "model":"EC200U","imei":"...","from":"...","to":"...","ok":false,
 *   "result":"failed" (or "ok", "skipped": already at the target),"exit_code":5,"errno":-110,"error":"timed out",
 *   "code":505,"phase":"update","message":"...","total_ms":...,
 *   "download_ms":...,"update_ms":...,"reboot_ms":...}
 * "code" is the module's own code (FOTA <err>, CME), null when it gave none;
 * "errno" is qfota's negative errno, 0 on success. Strings are well-formed
 * UTF-8 (text_utf8_sanitise: bytes that are not, overlong forms, surrogates
 * and code points above U+10FFFF, become '?').
 *
 * Credentials never land in the file: every string field is passed through
 * url_redact_text() (the userinfo of every URL becomes ***), whether or not
 * the caller already redacted it (defence in depth).
 *
 * Appending: open(O_WRONLY|O_APPEND|O_CREAT|O_NOFOLLOW|O_CLOEXEC, 0640), an
 * exclusive flock() around one write() of the whole line, so that lines of
 * concurrent writers never interleave even past PIPE_BUF.
 */
#ifndef QFOTA_AUDIT_H
#define QFOTA_AUDIT_H

#include <time.h>

#include "qfota/report.h"

#define AUDIT_DEFAULT_PATH "/var/lib/qfota/audit.log"

enum audit_flags {
	AUDIT_FSYNC = 1 << 0, /* fsync() the file after the line */
};

/* AUDIT_DEFAULT_PATH when running as root, NULL otherwise (no log unless
 * --log names one). */
const char *audit_default_path(void);

/* Builds one line (with its '\n') for an attempt on port that ended at *when
 * (CLOCK_REALTIME; NULL: now) on host (NULL: gethostname()).
 * Returns 0 and *ret_line (malloc'd, the caller frees); -EINVAL (port or res
 * NULL), -ENOMEM. */
int audit_line_format(const char *port, const struct report_result *res, const struct timespec *when,
		      const char *host, char **ret_line);

/* Appends the line of res to the log at path. When path is the default, its
 * directory is created 0750 if missing. Returns 0; -EINVAL; -ELOOP (path is a
 * symlink); -EPERM (not a regular file); -ENOMEM; the errno of
 * mkdir/open/flock/write/fsync (-EACCES, -ENOSPC, -EFBIG, -EIO ...). A short
 * write is finished under the same lock; a line that cannot be finished
 * (disk full) is cut off again (ftruncate to where it began), so the file
 * holds whole lines only. The default log is always fsync()ed. */
int audit_append(const char *path, const char *port, const struct report_result *res, unsigned flags);

/* Copies text into a malloc'd string with the userinfo of every URL in it
 * hidden (url_redact_text). Returns 0 and *ret; -EINVAL, -ENOMEM. */
int audit_redact(const char *text, char **ret);

#endif
