/* udev_watch: follow one physical port through remove/add (include/qfota/udevwatch.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libudev.h>

#include "qfota/log.h"
#include "qfota/udevwatch.h"

struct udev_watch {
	struct udev *udev;
	struct udev_monitor *mon;
	char port[UDEV_PORT_MAX];
	char peer[UDEV_PORT_MAX];
};

static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000ULL + (unsigned long long)ts.tv_nsec / 1000000ULL;
}

/* The monitor exists only during a wait (monitor_open at its start,
 * monitor_close at its end): every wait enumerates after enabling it, so
 * nothing is missed, and between waits nothing queues. A station's watches
 * sit idle for minutes while every other module reboots; an idle monitor
 * would fill with their uevents (a real netlink socket then drops events;
 * umockdev's uevent sender aborts the testbed at 10 queued datagrams). */
static int monitor_open(struct udev_watch *w)
{
	int r;

	if (w->mon)
		return 0;
	w->mon = udev_monitor_new_from_netlink(w->udev, "udev");
	if (!w->mon)
		return -errno ?: -EIO;
	r = udev_monitor_filter_add_match_subsystem_devtype(w->mon, "usb", "usb_device");
	if (r >= 0)
		r = udev_monitor_enable_receiving(w->mon);
	if (r < 0) {
		w->mon = udev_monitor_unref(w->mon);
		return r;
	}
	return 0;
}

static void monitor_close(struct udev_watch *w)
{
	w->mon = udev_monitor_unref(w->mon);
}

int udev_watch_new(const char *port, struct udev_watch **ret)
{
	struct udev_watch *w;
	int r;

	if (!udev_port_is_valid(port) || !ret)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	strcpy(w->port, port);
	w->udev = udev_new();
	if (!w->udev) {
		r = -errno ?: -ENOMEM;
		goto fail;
	}
	/* Fail here, not in the middle of an upgrade, if no monitor can be had. */
	r = monitor_open(w);
	if (r < 0)
		goto fail;
	monitor_close(w);
	udev_port_peer("/sys", port, w->peer);
	qfota_debug("udev: watching port %s%s%s", w->port, w->peer[0] ? " and its peer " : "", w->peer);
	*ret = w;
	return 0;
fail:
	udev_watch_free(w);
	return qfota_log_errno(QFOTA_LOG_DEBUG, r < 0 ? r : -EIO, "udev: cannot watch port %s", port);
}

void udev_watch_free(struct udev_watch *w)
{
	if (!w)
		return;
	udev_monitor_unref(w->mon);
	udev_unref(w->udev);
	free(w);
}

const char *udev_watch_port(const struct udev_watch *w) { return w->port; }
const char *udev_watch_peer(const struct udev_watch *w) { return w->peer; }

static bool is_our_port(const struct udev_watch *w, const char *name)
{
	return name && (strcmp(name, w->port) == 0 || (w->peer[0] && strcmp(name, w->peer) == 0));
}

/* The devnum of the usb_device on one port now, or -1. */
static int devnum_on_port(struct udev_watch *w, const char *port)
{
	struct udev_device *d = udev_device_new_from_subsystem_sysname(w->udev, "usb", port);
	const char *v;
	int devnum = -1;

	if (!d)
		return -1;
	v = udev_device_get_sysattr_value(d, "devnum");
	if (v && strcmp(udev_device_get_devtype(d) ?: "", "usb_device") == 0)
		devnum = atoi(v);
	udev_device_unref(d);
	return devnum;
}

bool udev_watch_present(struct udev_watch *w, int *ret_devnum, char ret_port[UDEV_PORT_MAX])
{
	const char *ports[2] = { w->port, w->peer };

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

/* Reads one pending uevent; returns its action if it concerns our ports
 * ("add"/"remove"/...) with the devnum, else NULL. */
static const char *receive_ours(struct udev_watch *w, char ret_port[UDEV_PORT_MAX], int *ret_devnum,
				char action[16])
{
	struct udev_device *d = udev_monitor_receive_device(w->mon);
	const char *result = NULL;

	if (!d)
		return NULL;
	if (is_our_port(w, udev_device_get_sysname(d)) && udev_device_get_action(d)) {
		const char *v = udev_device_get_property_value(d, "DEVNUM");

		snprintf(action, 16, "%s", udev_device_get_action(d));
		strcpy(ret_port, udev_device_get_sysname(d));
		*ret_devnum = v ? atoi(v) : -1;
		result = action;
		qfota_debug("udev: %s %s devnum %d", action, ret_port, *ret_devnum);
	}
	udev_device_unref(d);
	return result;
}

/* Polls the monitor until deadline; returns 1 if an event is ready, 0 on
 * timeout or after at most one cancel-check interval. */
static int wait_readable(struct udev_watch *w, unsigned long long deadline)
{
	struct pollfd pfd = { .fd = udev_monitor_get_fd(w->mon), .events = POLLIN };
	unsigned long long t = now_ms();
	int slice;

	if (t >= deadline)
		return 0;
	slice = deadline - t > 100 ? 100 : (int)(deadline - t);
	return poll(&pfd, 1, slice) > 0;
}

static int wait_gone(struct udev_watch *w, int old_devnum, unsigned long long deadline)
{
	for (;;) {
		char port[UDEV_PORT_MAX], action[16];
		int devnum;

		/* Enumeration after enabling the monitor: an event that came before
		 * the watch existed is seen here, one after it in the monitor. */
		if (!udev_watch_present(w, &devnum, NULL) || devnum != old_devnum)
			return 0;
		if (wait_readable(w, deadline)) {
			if (receive_ours(w, port, &devnum, action) && strcmp(action, "remove") == 0)
				return 0;
		} else if (now_ms() >= deadline) {
			return -ETIMEDOUT;
		}
	}
}

int udev_watch_wait_gone(struct udev_watch *w, int old_devnum, unsigned timeout_ms)
{
	unsigned long long deadline = now_ms() + timeout_ms;
	int r = monitor_open(w);

	if (r < 0)
		return r;
	r = wait_gone(w, old_devnum, deadline);
	monitor_close(w);
	return r;
}

static int wait_back(struct udev_watch *w, int old_devnum, unsigned long long deadline, const volatile sig_atomic_t *cancel,
		     char ret_port[UDEV_PORT_MAX], int *ret_devnum)
{
	for (;;) {
		char port[UDEV_PORT_MAX], action[16];
		int devnum;

		if (cancel && *cancel)
			return -ECANCELED;
		if (udev_watch_present(w, &devnum, port) && devnum != old_devnum) {
			if (ret_port)
				strcpy(ret_port, port);
			if (ret_devnum)
				*ret_devnum = devnum;
			return 0;
		}
		if (wait_readable(w, deadline)) {
			/* Consume the event; the next enumeration decides. */
			receive_ours(w, port, &devnum, action);
		} else if (now_ms() >= deadline) {
			return -ETIMEDOUT;
		}
	}
}

int udev_watch_wait_back(struct udev_watch *w, int old_devnum, unsigned timeout_ms,
			 const volatile sig_atomic_t *cancel, char ret_port[UDEV_PORT_MAX], int *ret_devnum)
{
	unsigned long long deadline = now_ms() + timeout_ms;
	int r = monitor_open(w);

	if (r < 0)
		return r;
	r = wait_back(w, old_devnum, deadline, cancel, ret_port, ret_devnum);
	monitor_close(w);
	return r;
}
