/* One uevent monitor per process, shared by every udev_watch (hub.h).
 *
 * A station follows 64 ports. With a monitor per watch, every uevent of every
 * module went to every watch's socket: 64 modules rebooting at once made
 * 64 x 64 x (device + interfaces) deliveries, each parsed by a thread that
 * wanted none of them, and 64 netlink sockets (umockdev's preload holds at
 * most 50 per process). Here one thread reads the one monitor and tells only
 * the watches of the port an event names. It runs while any watch exists,
 * and a later watch starts a fresh one (a test's next testbed is another
 * "machine"). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libudev.h>

#include "qfota/error.h"
#include "hub.h"
#include "qfota/log.h"

/* One running monitor and its thread; each run has its own libudev context,
 * so a run being stopped shares nothing with the one that may replace it. */
struct hub_run {
	struct udev *udev;
	struct udev_monitor *mon;
	pthread_t thread;
	volatile bool stop; /* read by the thread between polls (100 ms) */
};

static pthread_mutex_t hub_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hub_run *hub_run;             /* NULL while no watch exists */
static struct udev_hub_waiter *hub_waiters; /* every joined watch */

static void deliver(const char *sysname, const char *action)
{
	bool removed = strcmp(action, "remove") == 0;

	pthread_mutex_lock(&hub_lock);
	for (struct udev_hub_waiter *w = hub_waiters; w; w = w->next) {
		if (strcmp(sysname, w->port) != 0 && (!w->peer[0] || strcmp(sysname, w->peer) != 0))
			continue;
		w->events++;
		w->removes += removed;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&hub_lock);
}

static void *hub_main(void *arg)
{
	struct hub_run *run = arg;
	struct pollfd p = { .fd = udev_monitor_get_fd(run->mon), .events = POLLIN };

	while (!run->stop) {
		struct udev_device *d;

		if (poll(&p, 1, 100) <= 0)
			continue;
		while ((d = udev_monitor_receive_device(run->mon))) {
			const char *name = udev_device_get_sysname(d), *action = udev_device_get_action(d);

			if (name && action) {
				qfota_debug("udev: %s %s", action, name);
				deliver(name, action);
			}
			udev_device_unref(d);
		}
	}
	return NULL;
}

static void run_free(struct hub_run *run)
{
	udev_monitor_unref(run->mon);
	udev_unref(run->udev);
	free(run);
}

/* Creates the monitor and its thread. Signals stay with the application's
 * threads (the thread starts with all of them blocked). */
static int hub_start_locked(void)
{
	struct hub_run *run;
	sigset_t all, old;
	int r;

	if (hub_run)
		return 0;
	run = calloc(1, sizeof(*run));
	if (!run)
		return -ENOMEM;
	run->udev = udev_new();
	run->mon = run->udev ? udev_monitor_new_from_netlink(run->udev, "udev") : NULL;
	r = run->mon ? 0 : (errno ? qfota_errno() : -EIO);
	if (r == 0)
		r = udev_monitor_filter_add_match_subsystem_devtype(run->mon, "usb", "usb_device");
	if (r >= 0)
		r = udev_monitor_enable_receiving(run->mon);
	if (r >= 0) {
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		r = -pthread_create(&run->thread, NULL, hub_main, run);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	if (r < 0) {
		run_free(run);
		return r;
	}
	hub_run = run;
	return 0;
}

int udev_hub_join(struct udev_hub_waiter *w)
{
	pthread_condattr_t ca;
	int r;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
	w->events = w->removes = 0;
	pthread_mutex_lock(&hub_lock);
	r = hub_start_locked();
	if (r == 0) {
		w->next = hub_waiters;
		hub_waiters = w;
	}
	pthread_mutex_unlock(&hub_lock);
	if (r < 0)
		pthread_cond_destroy(&w->cond);
	return r;
}

void udev_hub_leave(struct udev_hub_waiter *w)
{
	struct hub_run *last = NULL;

	pthread_mutex_lock(&hub_lock);
	for (struct udev_hub_waiter **p = &hub_waiters; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			break;
		}
	if (!hub_waiters && hub_run) {
		/* The last watch: stop the thread. It takes the lock to deliver,
		 * so it is joined after the lock is released. */
		last = hub_run;
		last->stop = true;
		hub_run = NULL;
	}
	pthread_mutex_unlock(&hub_lock);
	if (last) {
		pthread_join(last->thread, NULL);
		run_free(last);
	}
	pthread_cond_destroy(&w->cond);
}

void udev_hub_snapshot(struct udev_hub_waiter *w, unsigned *ret_events, unsigned *ret_removes)
{
	pthread_mutex_lock(&hub_lock);
	*ret_events = w->events;
	if (ret_removes)
		*ret_removes = w->removes;
	pthread_mutex_unlock(&hub_lock);
}

void udev_hub_wait(struct udev_hub_waiter *w, unsigned seen_events, unsigned ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&hub_lock);
	while (w->events == seen_events)
		if (pthread_cond_timedwait(&w->cond, &hub_lock, &ts) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&hub_lock);
}
