/* udev_watch: follow one physical port through remove/add (include/qfota/udevwatch.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libudev.h>

#include "qfota/error.h"
#include "qfota/cleanup.h"
#include "qfota/clock.h"
#include "hub.h"
#include "qfota/log.h"
#include "qfota/udevwatch.h"

struct udev_watch {
	struct udev *udev;               /* for presence checks, this watch's thread only */
	struct udev_hub_waiter waiter;   /* port, peer, and the uevents seen on them */
	bool joined;
};


static void udev_watch_freep(struct udev_watch **w) { udev_watch_free(*w); }

static int watch_fail(const char *port, int r)
{
	return qfota_log_errno(QFOTA_LOG_DEBUG, r, "udev: cannot watch port %s", port);
}

int udev_watch_new(const char *port, struct udev_watch **ret)
{
	_cleanup_(udev_watch_freep) struct udev_watch *w = NULL;
	int r;

	if (!usbxfer_port_is_valid(port) || !ret)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	strcpy(w->waiter.port, port);
	w->udev = udev_new();
	if (!w->udev)
		return watch_fail(port, errno ? qfota_errno() : -ENOMEM);
	udev_port_peer("/sys", port, w->waiter.peer);
	/* Fail here, not in the middle of an upgrade, if no monitor can be had. */
	r = udev_hub_join(&w->waiter);
	if (r < 0)
		return watch_fail(port, r);
	w->joined = true;
	qfota_debug("udev: watching port %s%s%s", w->waiter.port, w->waiter.peer[0] ? " and its peer " : "", w->waiter.peer);
	*ret = TAKE_PTR(w);
	return 0;
}

void udev_watch_free(struct udev_watch *w)
{
	if (!w)
		return;
	if (w->joined)
		udev_hub_leave(&w->waiter);
	udev_unref(w->udev);
	free(w);
}

const char *udev_watch_port(const struct udev_watch *w) { return w->waiter.port; }
const char *udev_watch_peer(const struct udev_watch *w) { return w->waiter.peer; }

/* The devnum of the usb_device on one port now; -ENODEV if the port holds
 * none (or it left while being read), another negative errno if sysfs could
 * not be read (then nothing is known). */
static int devnum_on_port(struct udev_watch *w, const char *port)
{
	struct udev_device *d;
	const char *v;
	int devnum = -ENODEV;

	errno = 0;
	d = udev_device_new_from_subsystem_sysname(w->udev, "usb", port);
	if (!d)
		return errno == ENOMEM ? -ENOMEM : -ENODEV;
	v = udev_device_get_sysattr_value(d, "devnum");
	if (v && strcmp(udev_device_get_devtype(d) ?: "", "usb_device") == 0)
		devnum = atoi(v);
	udev_device_unref(d);
	return devnum;
}

bool udev_watch_left(struct udev_watch *w, const char *port, int devnum)
{
	int now = devnum_on_port(w, port);

	return now == -ENODEV || (now >= 0 && now != devnum);
}

bool udev_watch_present(struct udev_watch *w, int *ret_devnum, char ret_port[USBXFER_PORT_MAX])
{
	const char *ports[2] = { w->waiter.port, w->waiter.peer };

	for (size_t i = 0; i < 2; i++) {
		int devnum;

		if (!ports[i][0])
			continue;
		devnum = devnum_on_port(w, ports[i]);
		if (devnum < 0)
			continue;
		if (ret_devnum)
			*ret_devnum = devnum;
		if (ret_port)
			strcpy(ret_port, ports[i]);
		return true;
	}
	return false;
}

/* At most one cancel-check interval of waiting for a uevent of our ports. */
static void wait_event(struct udev_watch *w, unsigned seen, unsigned long long deadline)
{
	unsigned long long t = qfota_now_ms();

	if (t < deadline)
		udev_hub_wait(&w->waiter, seen, deadline - t > 100 ? 100 : (unsigned)(deadline - t));
}

int udev_watch_wait_gone(struct udev_watch *w, int old_devnum, unsigned timeout_ms)
{
	unsigned long long deadline = qfota_now_ms() + timeout_ms;
	unsigned events, removes, removes0;

	udev_hub_snapshot(&w->waiter, &events, &removes0);
	for (;;) {
		int devnum;

		/* Snapshot, then look: a uevent after the look changes the count. A
		 * device that left before the wait began is found by the look. */
		udev_hub_snapshot(&w->waiter, &events, &removes);
		if (removes != removes0 || !udev_watch_present(w, &devnum, NULL) || devnum != old_devnum)
			return 0;
		if (qfota_now_ms() >= deadline)
			return -ETIMEDOUT;
		wait_event(w, events, deadline);
	}
}

int udev_watch_wait_back(struct udev_watch *w, int old_devnum, unsigned timeout_ms,
			 const volatile sig_atomic_t *cancel, char ret_port[USBXFER_PORT_MAX], int *ret_devnum)
{
	unsigned long long deadline = qfota_now_ms() + timeout_ms;

	for (;;) {
		char port[USBXFER_PORT_MAX];
		unsigned events;
		int devnum;

		if (cancel && *cancel)
			return -ECANCELED;
		udev_hub_snapshot(&w->waiter, &events, NULL);
		if (udev_watch_present(w, &devnum, port) && devnum != old_devnum) {
			if (ret_port)
				strcpy(ret_port, port);
			if (ret_devnum)
				*ret_devnum = devnum;
			return 0;
		}
		if (qfota_now_ms() >= deadline)
			return -ETIMEDOUT;
		wait_event(w, events, deadline);
	}
}
