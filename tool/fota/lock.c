/* One qfota per module: per-port lock files (include/qfota/lock.h). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "qfota/error.h"
#include "qfota/cleanup.h"
#include "qfota/lock.h"
#include "qfota/usbxfer.h"
#include "qfota/log.h"

#define HOLDER_WAIT_TRIES 20 /* x 1 ms: a holder writes its PID right after flock() */
#define DEFAULT_DIR "/run/qfota"
#define SHARED_GROUP "qfota"
#define SHARED_DIR_MODE 03770 /* = udev/qfota.tmpfiles: root:qfota, setgid, sticky */

struct qfota_lock {
	int fd;
	bool writable;
};

int qfota_lock_dir(char *buf, size_t cap)
{
	const char *env = getenv("QFOTA_LOCK_DIR");
	int n;

	if (!buf || cap == 0)
		return -EINVAL;
	n = snprintf(buf, cap, "%s", env && *env ? env : DEFAULT_DIR);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* The qfota group's ID, or -1 when there is none. Reentrant: station threads
 * lock concurrently. */
static gid_t shared_gid(void)
{
	struct group gr, *res = NULL;
	char buf[4096];

	if (getgrnam_r(SHARED_GROUP, &gr, buf, sizeof(buf), &res) != 0 || !res)
		return (gid_t)-1;
	return gr.gr_gid;
}

/* mkdir of a missing lock directory with mode. A directory that is missing
 * and that we may not create (a user, or root under the unit's read-only
 * /run) is -EACCES: the set-up is missing; the words are the caller's
 * (fota_session.c). */
static int dir_make(const char *path, mode_t mode, bool *ret_created)
{
	struct stat st;
	int e;

	*ret_created = false;
	if (mkdir(path, mode) == 0) {
		*ret_created = true;
		return 0;
	}
	e = errno;
	if (e == EEXIST || lstat(path, &st) == 0)
		return 0;
	errno = e;
	if (e == EACCES || e == EPERM || e == EROFS)
		return qfota_log_errno(QFOTA_LOG_DEBUG, -EACCES, "lock: %s is missing and cannot be created: %m", path);
	return qfota_log_errno(QFOTA_LOG_DEBUG, qfota_errno(), "lock: creating %s", path);
}

/* Opens the lock directory, creating it if missing: the default one, when
 * root makes it and the qfota group exists, as the tmpfiles.d entry makes it
 * (root:qfota 3770: created 0700, then given to the group); any other 0755,
 * this user's. Refuses what another user could have prepared for us: a
 * symlink (it could point anywhere), a directory of another owner than us or
 * root, or one others may write into without the sticky bit (they could swap
 * our lock file for theirs). *ret_shared: the group may write it, so lock
 * files are made group-writable too (every member writes its PID). */
static int dir_open(const char *path, bool *ret_shared)
{
	gid_t gid = geteuid() == 0 && strcmp(path, DEFAULT_DIR) == 0 ? shared_gid() : (gid_t)-1;
	_cleanup_close_ int fd = -1;
	struct stat st;
	bool created;
	int r;

	if ((r = dir_make(path, gid != (gid_t)-1 ? 0700 : 0755, &created)) < 0)
		return r;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = errno == ELOOP || errno == ENOTDIR ? -ELOOP : qfota_errno();
		if (r == -ELOOP && !(lstat(path, &st) == 0 && S_ISLNK(st.st_mode)))
			r = -EINVAL; /* not a directory, and not a link either */
		return qfota_log_errno(QFOTA_LOG_DEBUG, r, "lock: opening directory %s", path);
	}
	if (fstat(fd, &st) < 0)
		return qfota_errno();
	if (st.st_uid != geteuid() && st.st_uid != 0)
		return qfota_log_errno(QFOTA_LOG_DEBUG, -EPERM, "lock: %s belongs to uid %u, refusing it", path,
				       (unsigned)st.st_uid);
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
		return qfota_log_errno(QFOTA_LOG_DEBUG, -EPERM, "lock: %s is writable by others, refusing it", path);
	if (created) {
		mode_t want = gid != (gid_t)-1 ? SHARED_DIR_MODE : 0755; /* the umask may have narrowed it */

		if (gid != (gid_t)-1 && fchown(fd, 0, gid) < 0)
			return qfota_log_errno(QFOTA_LOG_DEBUG, qfota_errno(), "lock: giving %s to group %s", path,
					       SHARED_GROUP);
		if ((st.st_mode & 07777) != want && fchmod(fd, want) < 0)
			return qfota_errno();
		st.st_mode = (st.st_mode & ~(mode_t)07777) | want;
	}
	*ret_shared = (st.st_mode & S_IWGRP) != 0;
	return TAKE_FD(fd);
}

/* The PID in a held lock file; 0 if none can be read. The holder writes it
 * just after its flock() succeeds, so an empty file is worth a short wait. */
static pid_t holder_read(int fd)
{
	for (int i = 0; i < HOLDER_WAIT_TRIES; i++) {
		char buf[32];
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		char *end;
		long v;

		if (n > 0) {
			buf[n] = '\0';
			v = strtol(buf, &end, 10);
			if (end != buf && (*end == '\n' || *end == '\0') && v > 0 && v <= 0x7fffffffL)
				return (pid_t)v;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
	return 0;
}

int qfota_lock_dir_open(bool *ret_shared)
{
	char dir[4096];
	bool shared = false;
	int r;

	if ((r = qfota_lock_dir(dir, sizeof(dir))) < 0)
		return r;
	r = dir_open(dir, &shared);
	if (r >= 0 && ret_shared)
		*ret_shared = shared;
	return r;
}

int qfota_lock_port(const char *port, pid_t *holder_pid, struct qfota_lock **ret)
{
	_cleanup_close_ int dfd = -1, fd = -1;
	char dir[4096], name[USBXFER_PORT_MAX + 8];
	bool writable = true, shared = false;
	mode_t mode;
	struct qfota_lock *l;
	struct stat st;
	int r;

	/* the port is a file name as it is: only digits, '-' and '.' (one grammar) */
	if (!ret || !usbxfer_port_is_valid(port))
		return -EINVAL;
	if ((r = qfota_lock_dir(dir, sizeof(dir))) < 0)
		return r;
	if ((dfd = dir_open(dir, &shared)) < 0)
		return dfd;
	mode = shared ? 0664 : 0644;
	snprintf(name, sizeof(name), "%s.lock", port);

	fd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode);
	if (fd < 0 && errno == EACCES) {
		/* Another user's lock file in a shared (sticky) directory that we
		 * may not write (we are not in its group, or fs.protected_regular
		 * refuses O_CREAT on it): flock works on a read-only descriptor
		 * too, only the PID is not ours to write. */
		fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		writable = false;
	}
	if (fd < 0)
		return qfota_log_errno(QFOTA_LOG_DEBUG, qfota_errno(), "lock: opening %s/%s", dir, name);
	if (fstat(fd, &st) < 0)
		return qfota_errno();
	if (!S_ISREG(st.st_mode))
		return qfota_log_errno(QFOTA_LOG_DEBUG, -EPERM, "lock: %s/%s is not a regular file", dir, name);

	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = errno == EWOULDBLOCK ? -EWOULDBLOCK : qfota_errno();
		if (r != -EWOULDBLOCK)
			return qfota_log_errno(QFOTA_LOG_DEBUG, r, "lock: flock %s/%s", dir, name);
		if (holder_pid)
			*holder_pid = holder_read(fd);
		return qfota_log_errno(QFOTA_LOG_DEBUG, -EBUSY, "lock: port %s is held", port);
	}

	if (writable) {
		char pid[24];
		int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());

		if (st.st_uid == geteuid() && (st.st_mode & 07777) != mode)
			(void)fchmod(fd, mode); /* the umask may have narrowed it; the PID is for everyone */
		if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n)
			return qfota_log_errno(QFOTA_LOG_DEBUG, qfota_errno(), "lock: writing %s/%s", dir, name);
	}
	if (!(l = calloc(1, sizeof(*l))))
		return -ENOMEM;
	l->fd = TAKE_FD(fd);
	l->writable = writable;
	*ret = l;
	return 0;
}

void qfota_lock_release(struct qfota_lock *lock)
{
	if (!lock)
		return;
	/* Clear the PID first: the file stays (unlinking a flock file races with
	 * the next locker), and a stale PID would only mislead a reader. */
	if (lock->writable && ftruncate(lock->fd, 0) < 0)
		qfota_debug("lock: clearing the PID: %m");
	close(lock->fd);
	free(lock);
}
