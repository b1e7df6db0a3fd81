/* Following one physical USB port through a module's reboots, with libudev.
 *
 * A module is its physical port path ("1-4.2"), never its bus/device number,
 * which changes at every re-enumeration. A USB3 module may come back on the
 * USB2 bus, on the port's *peer* (sysfs .../<hub>-port<N>/peer), so the watch
 * follows both (DESIGN.md: "device did not come back" is the most reported
 * failure of every flashing tool).
 *
 * Each wait takes a snapshot of the uevents seen on the port, then looks at
 * the port (sysfs), then sleeps until the next uevent of the port or 100 ms:
 * a module that left or came back before the wait is found by the look (its
 * device number differs), one during the wait wakes it. The uevents come from
 * one monitor per process (udev/hub.c) that tells each watch only of its own
 * port and peer, so a station's 64 watches do not each read every module's
 * reboots. Create the watch before the action that makes the module reboot,
 * and note the device number then.
 */
#ifndef QFOTA_UDEVWATCH_H
#define QFOTA_UDEVWATCH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "qfota/usbxfer.h" /* USBXFER_PORT_MAX, usbxfer_port_is_valid: the one port grammar */

struct udev_watch;

/* Starts watching port (e.g. "1-4.2") and its peer, if it has one.
 * Returns 0, -EINVAL (not a port path), -ENOMEM, or the errno of libudev. */
int udev_watch_new(const char *port, struct udev_watch **ret);
/* Accepts NULL. */
void udev_watch_free(struct udev_watch *w);

/* The port and, if any, its USB2/USB3 peer ("" if none). */
const char *udev_watch_port(const struct udev_watch *w);
const char *udev_watch_peer(const struct udev_watch *w);

/* Whether a USB device is on the port (or its peer) now; its devnum in
 * *ret_devnum (may be NULL) and which port in ret_port (may be NULL). */
bool udev_watch_present(struct udev_watch *w, int *ret_devnum, char ret_port[USBXFER_PORT_MAX]);

/* Whether the device with devnum has left port (the port itself or the peer
 * it came back on), from sysfs now, with no uevent needed: the port holds no
 * device, or another device number (the module rebooted and may be back
 * already). False while the device is there, and when sysfs cannot be read
 * (out of memory): only evidence of a departure says it left. */
bool udev_watch_left(struct udev_watch *w, const char *port, int devnum);

/* Waits until the device with devnum old_devnum has left the port: a remove
 * uevent, or the port is found empty or holding another device. Returns 0 or
 * -ETIMEDOUT after timeout_ms. */
int udev_watch_wait_gone(struct udev_watch *w, int old_devnum, unsigned timeout_ms);

/* Waits until a USB device other than old_devnum (-1: any) is on the port or
 * its peer: an add uevent, or found there by enumeration. Writes the port it
 * came back on (the port itself or the peer) and its devnum. Returns 0,
 * -ETIMEDOUT after timeout_ms, or -ECANCELED when *cancel becomes true
 * (a SIGINT/SIGTERM flag, checked every 100 ms; may be NULL). */
int udev_watch_wait_back(struct udev_watch *w, int old_devnum, unsigned timeout_ms,
			 const volatile sig_atomic_t *cancel, char ret_port[USBXFER_PORT_MAX], int *ret_devnum);

/* The peer of port read from a sysfs tree rooted at sysroot ("/sys" normally;
 * tests pass a temporary tree). Writes "" when the port has none. Returns 0 or
 * -EINVAL. */
int udev_port_peer(const char *sysroot, const char *port, char ret_peer[USBXFER_PORT_MAX]);

#endif
