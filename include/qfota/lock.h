/* One qfota per module: a lock keyed by the module's physical port path
 * ("1-4.2"), the module's identity (../shared/DESIGN.md "Identity"; the bus and
 * device numbers change at every reboot of the module, the port does not).
 *
 * A lock is a file "<dir>/<port>.lock" held with flock(LOCK_EX) on an
 * O_CLOEXEC descriptor (so programs qfota starts do not inherit it), with the
 * holder's PID written in it for the "busy" message. The kernel drops the lock
 * when the holder exits, however it exits: a file left by a dead holder does
 * not block. flock locks belong to the open file description, so two locks of
 * the same port in one process conflict as well (a station never drives one
 * module twice).
 *
 * The directory: $QFOTA_LOCK_DIR when set and not empty (tests), else
 * /run/qfota, one directory for root (qfota-auto@.service, root's own runs)
 * and every member of the qfota group alike, so that all their runs on a port
 * exclude each other (issue 16.3). tmpfiles.d/qfota.conf makes it root:qfota
 * 3770 (udev/qfota.tmpfiles says why each bit); if it is missing, root makes
 * it so (0755 when there is no qfota group), and anyone else gets -EACCES.
 * Another directory is made 0755, this user's. Refused: a symlink, a
 * directory owned by someone other than this user or root, or one writable by
 * group or others without the sticky bit (issue 6, safe permissions). Lock
 * files are 0644, or 0664 in a group-writable directory (every member writes
 * its PID); another user's lock file we may not write is locked read-only.
 */
#ifndef QFOTA_LOCK_H
#define QFOTA_LOCK_H

#include <stdbool.h>
#include <sys/types.h>

struct qfota_lock;

/* Takes the lock of port, without waiting.
 * Port grammar: bus "-" port { "." port }, decimal numbers, e.g. "1-4.2".
 * Returns 0 and *ret (owned by the caller: qfota_lock_release);
 *   -EBUSY   another qfota (or another lock in this process) holds it; then
 *            *holder_pid (may be NULL) is set to the holder's PID, or 0 when
 *            it cannot be read. Unlike ret_* parameters it is written only on
 *            -EBUSY, which is when it matters.
 *   -EINVAL  port or ret NULL, or port not a port path;
 *   -ELOOP   the directory or the lock file is a symlink;
 *   -EPERM   the directory is foreign-owned or writable by others, or the
 *            lock file is not a regular file;
 *   -EACCES  the directory is missing and this user may not create it, or
 *            this user may not enter it (not in its group);
 *   -ENOMEM, or the errno of mkdir/open/flock. */
int qfota_lock_port(const char *port, pid_t *holder_pid, struct qfota_lock **ret);

/* Drops the lock (and clears the PID in the file). Accepts NULL. */
void qfota_lock_release(struct qfota_lock *lock);
static inline void qfota_lock_releasep(struct qfota_lock **l) { qfota_lock_release(*l); }
#define _cleanup_lock_ __attribute__((cleanup(qfota_lock_releasep)))

/* The directory qfota_lock_port uses (see above), into buf.
 * Returns 0, -ENAMETOOLONG, -EINVAL. Pure: creates and checks nothing. */
int qfota_lock_dir(char *buf, size_t cap);

/* That directory opened (O_DIRECTORY, O_CLOEXEC), made and checked as
 * qfota_lock_port does: a descriptor, or its negative errno. *ret_shared: the
 * qfota group may write in it (files there are made group-writable). For the
 * other per-port files that live beside the locks (fota_hold). */
int qfota_lock_dir_open(bool *ret_shared);

#endif
