/* A port's hold file beside its lock (include/qfota/hold.h): reading and
 * writing it; its text is hold_text.c's. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qfota/cleanup.h"
#include "qfota/error.h"
#include "qfota/hold.h"
#include "qfota/lock.h"
#include "qfota/log.h"
#include "qfota/usbxfer.h"

#define HOLD_MAX_BYTES FOTA_HOLD_MAX_BYTES


int fota_hold_load(const char *port, struct fota_hold *ret)
{
	_cleanup_close_ int dfd = -1, fd = -1;
	char name[USBXFER_PORT_MAX + 8], text[HOLD_MAX_BYTES + 1];
	struct stat st;
	ssize_t n;
	int r;

	if (!ret || !usbxfer_port_is_valid(port))
		return -EINVAL;
	if ((dfd = qfota_lock_dir_open(NULL)) < 0)
		return dfd;
	snprintf(name, sizeof(name), "%s.hold", port);
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT : qfota_errno();
	if (fstat(fd, &st) < 0)
		return qfota_errno();
	if (!S_ISREG(st.st_mode) || st.st_size > HOLD_MAX_BYTES)
		return qfota_log_errno(QFOTA_LOG_DEBUG, -EINVAL, "hold: %s is not a small regular file", name);
	n = read(fd, text, HOLD_MAX_BYTES);
	if (n < 0)
		return qfota_errno();
	if ((r = fota_hold_parse(text, (size_t)n, ret)) < 0)
		return qfota_log_errno(QFOTA_LOG_DEBUG, r, "hold: %s does not parse", name);
	return 0;
}

int fota_hold_store(const char *port, const struct fota_hold *h)
{
	_cleanup_close_ int dfd = -1, fd = -1;
	char name[USBXFER_PORT_MAX + 8], tmp[USBXFER_PORT_MAX + 32], text[HOLD_MAX_BYTES + 1];
	bool shared = false;
	int n, r = 0;

	if (!h || !usbxfer_port_is_valid(port))
		return -EINVAL;
	if ((dfd = qfota_lock_dir_open(&shared)) < 0)
		return dfd;
	snprintf(name, sizeof(name), "%s.hold", port);
	if (h->after == FOTA_AFTER_UNTOUCHED)
		return unlinkat(dfd, name, 0) < 0 && errno != ENOENT ? qfota_errno() : 0;
	if ((n = fota_hold_format(h, text, sizeof(text))) < 0)
		return n;
	snprintf(tmp, sizeof(tmp), ".%s.hold.%ld", port, (long)getpid());
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, shared ? 0664 : 0644);
	if (fd < 0)
		return qfota_errno();
	/* the unit's UMask=0077 would make it root's alone: every qfota that
	 * meets the module must read it (as the lock files' PIDs) */
	if (fchmod(fd, shared ? 0664 : 0644) < 0)
		r = qfota_errno();
	if (r == 0 && write(fd, text, (size_t)n) != n)
		r = errno ? qfota_errno() : -EIO;
	if (close(TAKE_FD(fd)) < 0 && r == 0)
		r = qfota_errno();
	if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
		r = qfota_errno();
	if (r < 0)
		unlinkat(dfd, tmp, 0);
	return r;
}
