/* The link interface over a tty (/dev/ttyUSBn of the option driver), raw, for
 * hosts that keep the kernel driver bound. One qfota per tty: flock() (and
 * TIOCEXCL, so that other programs' opens fail too while we hold it). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "qfota/cleanup.h"
#include "qfota/error.h"
#include "qfota/log.h"
#include "qfota/clock.h"
#include "usb-private.h"

#define TTY_CHUNK 4096

struct tty_link {
	struct usbxfer_link base;
	int fd;
	struct termios saved;
	bool restore;
};

static const struct usbxfer_link_ops tty_link_ops;

/* EIO/ENXIO/POLLHUP on a tty whose USB device went away (and on a pty whose
 * master closed): the module vanished. */
static int tty_errno(int e)
{
	return e == EIO || e == ENXIO || e == ENODEV ? -ENODEV : -e;
}

static uint64_t deadline_after(unsigned timeout_ms)
{
	return timeout_ms ? qfota_now_ns() + (uint64_t)timeout_ms * 1000000u : UINT64_MAX;
}

/* Waits for `events` on the tty, at most USBXFER_POLL_MS and until deadline.
 * Returns revents (0 on a timeout slice) or a negative errno. */
static int tty_wait(struct tty_link *t, short events, uint64_t deadline)
{
	struct pollfd pfd = { .fd = t->fd, .events = events };
	uint64_t now = qfota_now_ns();
	int ms = USBXFER_POLL_MS, r;

	if (deadline != UINT64_MAX && deadline - now < (uint64_t)ms * 1000000u)
		ms = deadline > now ? (int)((deadline - now + 999999u) / 1000000u) : 0;
	r = poll(&pfd, 1, ms);
	if (r < 0)
		return errno == EINTR ? 0 : qfota_errno();
	if (r > 0 && (pfd.revents & (POLLERR | POLLNVAL)))
		return -ENODEV;
	return r > 0 ? pfd.revents : 0;
}

static int tty_read(struct usbxfer_link *link, void *buf, size_t cap, unsigned timeout_ms)
{
	struct tty_link *t = (struct tty_link *)link;
	uint64_t deadline = timeout_ms ? deadline_after(timeout_ms) : 0;

	for (;;) {
		/* Cancel first: a chatty module must not keep a cancelled reader busy. */
		int r = usbxfer_check_cancel(link, NULL);
		ssize_t n;

		if (r < 0)
			return r;
		n = read(t->fd, buf, cap);
		if (n > 0)
			return (int)n;
		if (n == 0)
			return -ENODEV; /* hang-up */
		if (errno != EAGAIN && errno != EINTR)
			return tty_errno(errno);
		if (qfota_now_ns() >= deadline)
			return -ETIMEDOUT;
		r = tty_wait(t, POLLIN, deadline);
		if (r < 0)
			return r;
		if ((r & POLLHUP) && !(r & POLLIN))
			return -ENODEV;
	}
}

/* Writes all of buf; *progress (if not NULL) counts what was taken. Stops at
 * deadline with -ETIMEDOUT. While waiting, input goes to on_rx if given. */
static int write_all(struct tty_link *t, const uint8_t *buf, size_t len, uint64_t deadline,
		     const struct usbxfer_stream_opts *o, uint64_t *progress)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n;
		int r;

		r = usbxfer_check_cancel(&t->base, o ? o->cancel : NULL);
		if (r < 0)
			return r;
		n = write(t->fd, buf + off, len - off);
		if (n > 0) {
			off += (size_t)n;
			if (progress)
				*progress += (uint64_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return tty_errno(errno);
		if (qfota_now_ns() >= deadline)
			return -ETIMEDOUT;
		r = tty_wait(t, (short)(POLLOUT | (o && o->on_rx ? POLLIN : 0)), deadline);
		if (r < 0)
			return r;
		if (r & POLLIN) {
			uint8_t in[512];

			n = read(t->fd, in, sizeof(in));
			if (n > 0) {
				r = o->on_rx(o->user, in, (size_t)n);
				if (r < 0)
					return r;
			}
		} else if (r & POLLHUP) {
			return -ENODEV;
		}
	}
	return 0;
}

static int tty_write(struct usbxfer_link *link, const void *buf, size_t len, unsigned timeout_ms)
{
	int r;

	if (len > INT32_MAX)
		return -EINVAL;
	r = write_all((struct tty_link *)link, buf, len, deadline_after(timeout_ms), NULL, NULL);
	return r < 0 ? r : (int)len;
}

/* The tty has no transfers to keep in flight: the kernel's option driver
 * queues the bytes (4 x 4 KiB URBs). The stall clock restarts whenever the
 * tty takes a byte. */
static int tty_stream(struct usbxfer_link *link, int fd, uint64_t len,
		      const struct usbxfer_stream_opts *o, uint64_t *ret_sent)
{
	struct tty_link *t = (struct tty_link *)link;
	uint64_t stall_ns = (uint64_t)(o->stall_ms ? o->stall_ms : USBXFER_STREAM_STALL_MS) * 1000000u;
	uint64_t progress_ns = (uint64_t)(o->progress_ms ? o->progress_ms : USBXFER_STREAM_PROGRESS_MS) * 1000000u;
	uint64_t sent = 0, next_progress = qfota_now_ns() + progress_ns;
	uint8_t buf[TTY_CHUNK];
	int r = 0;

	while (sent < len && r == 0) {
		size_t n = len - sent < sizeof(buf) ? (size_t)(len - sent) : sizeof(buf);
		ssize_t k = pread(fd, buf, n, (off_t)sent);
		uint64_t before = sent;

		if (k <= 0) {
			r = k < 0 && errno == EINTR ? 0 : (k < 0 ? qfota_errno() : -EIO);
			continue;
		}
		/* The deadline counts from the last byte taken, chunk by chunk. */
		r = write_all(t, buf, (size_t)k, qfota_now_ns() + stall_ns, o, &sent);
		if (r == -ETIMEDOUT && sent > before)
			r = 0; /* it took some: go on from there (pread at sent) */
		if (r == 0 && o->progress && qfota_now_ns() >= next_progress) {
			r = o->progress(o->user, sent, len);
			r = r < 0 ? r : 0;
			next_progress = qfota_now_ns() + progress_ns;
		}
	}
	if (r == 0 && o->progress) {
		r = o->progress(o->user, sent, len);
		r = r < 0 ? r : 0;
	}
	if (ret_sent)
		*ret_sent = sent;
	if (r < 0)
		return qfota_log_errno(QFOTA_LOG_DEBUG, r, "%s: stream stopped after %llu of %llu bytes: %s",
				       link->name, (unsigned long long)sent, (unsigned long long)len, qfota_strerror(r));
	return 0;
}

static void tty_close(struct usbxfer_link *link)
{
	struct tty_link *t = (struct tty_link *)link;

	if (t->fd >= 0) {
		if (t->restore)
			(void)tcsetattr(t->fd, TCSANOW, &t->saved);
		(void)ioctl(t->fd, TIOCNXCL);
		close(t->fd); /* drops the flock */
	}
	free(t);
}

int usbxfer_tty_open(const char *path, struct usbxfer_link **ret)
{
	_cleanup_close_ int fd = -1;
	struct termios tio;
	struct tty_link *t;

	if (!path || !ret)
		return -EINVAL;
	fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return qfota_log_errno(QFOTA_LOG_DEBUG, qfota_errno(), "opening %s", path);
	if (!isatty(fd))
		return qfota_log_errno(QFOTA_LOG_DEBUG, -ENOTTY, "%s is not a tty", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return qfota_log_errno(QFOTA_LOG_DEBUG, errno == EWOULDBLOCK ? -EBUSY : qfota_errno(),
				       "%s is in use by another qfota", path);
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->base.ops = &tty_link_ops;
	snprintf(t->base.name, sizeof(t->base.name), "%s", path);
	if (tcgetattr(fd, &t->saved) == 0) {
		t->restore = true;
		tio = t->saved;
		cfmakeraw(&tio);
		tio.c_cflag |= CLOCAL | CREAD;
		/* VMIN 1 with O_NONBLOCK: no data is EAGAIN, so 0 can only mean hang-up. */
		tio.c_cc[VMIN] = 1;
		tio.c_cc[VTIME] = 0;
		/* The rate means nothing on a USB AT port (facts §2.1) but a UART wants one. */
		cfsetispeed(&tio, B115200);
		cfsetospeed(&tio, B115200);
		if (tcsetattr(fd, TCSANOW, &tio) < 0) {
			int r = qfota_errno();

			free(t);
			return qfota_log_errno(QFOTA_LOG_DEBUG, r, "setting %s raw", path);
		}
	}
	(void)ioctl(fd, TIOCEXCL);
	(void)tcflush(fd, TCIOFLUSH);
	t->fd = TAKE_FD(fd);
	*ret = &t->base;
	return 0;
}

static const struct usbxfer_link_ops tty_link_ops = {
	.kind = "tty",
	.write = tty_write,
	.read = tty_read,
	.stream = tty_stream,
	.close = tty_close,
};
