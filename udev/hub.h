/* The process's one uevent monitor (hub.c), private to udev/: watches join
 * it and are told of the "add"/"remove" uevents of their port and peer. */
#ifndef QFOTA_UDEV_HUB_H
#define QFOTA_UDEV_HUB_H

#include <pthread.h>
#include <stdbool.h>

#include "qfota/udevwatch.h"

struct udev_hub_waiter {
	char port[USBXFER_PORT_MAX];
	char peer[USBXFER_PORT_MAX];        /* "" if none */
	unsigned events;                 /* uevents of port or peer so far */
	unsigned removes;                /* of which "remove" */
	pthread_cond_t cond;             /* broadcast at each */
	struct udev_hub_waiter *next;
};

/* Registers w (port and peer set; the rest is initialised here), starting
 * the monitor on first use. Returns 0 or the errno of libudev/pthread. */
int udev_hub_join(struct udev_hub_waiter *w);
void udev_hub_leave(struct udev_hub_waiter *w);
/* w's counters now (ret_removes may be NULL). */
void udev_hub_snapshot(struct udev_hub_waiter *w, unsigned *ret_events, unsigned *ret_removes);
/* Returns once w has seen more than seen_events uevents, or after ms. */
void udev_hub_wait(struct udev_hub_waiter *w, unsigned seen_events, unsigned ms);

#endif
