/* The USB link: open a module by port path, take its AT interface from the
 * kernel driver in one step, keep bulk IN transfers queued, hand bytes up,
 * write, and give everything back in one close function. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qfota/cleanup.h"
#include "qfota/error.h"
#include "qfota/log.h"
#include "qfota/clock.h"
#include "usb-private.h"

/* CDC SET_CONTROL_LINE_STATE, as the option driver sends it when its tty opens. */
#define CDC_REQTYPE_CLASS_IFACE_OUT 0x21
#define CDC_SET_CONTROL_LINE_STATE 0x22
#define CDC_LINE_DTR 0x01
#define CDC_LINE_RTS 0x02
#define CONTROL_TIMEOUT_MS 1000
/* How long close waits for cancelled transfers to come back before giving up
 * on them (they are leaked rather than freed while the kernel may use them). */
#define REAP_TIMEOUT_MS 2000

static const struct usbxfer_link_ops usb_link_ops;

int usb_link_pump(struct usb_link *l, uint64_t deadline_ns)
{
	uint64_t now = qfota_now_ns(), wait_ns = 0;
	struct timeval tv;
	int r;

	if (deadline_ns > now)
		wait_ns = deadline_ns - now;
	if (wait_ns > (uint64_t)USBXFER_POLL_MS * 1000000u)
		wait_ns = (uint64_t)USBXFER_POLL_MS * 1000000u;
	tv.tv_sec = (time_t)(wait_ns / 1000000000u);
	tv.tv_usec = (suseconds_t)(wait_ns % 1000000000u / 1000u);
	r = libusb_handle_events_timeout_completed(l->ctx, &tv, NULL);
	if (r == LIBUSB_ERROR_INTERRUPTED)
		return 0; /* a signal: the caller checks its flags */
	return usbxfer_errno_from_libusb(r);
}

static void ring_put(struct usb_link *l, const uint8_t *data, size_t len)
{
	size_t tail = (l->ring_head + l->ring_len) % USB_RX_RING_SIZE;

	/* usb_link_rx_kick only queues transfers the ring has room for. */
	for (size_t i = 0; i < len && l->ring_len < USB_RX_RING_SIZE; i++) {
		l->ring[tail] = data[i];
		tail = (tail + 1) % USB_RX_RING_SIZE;
		l->ring_len++;
	}
}

static size_t ring_get(struct usb_link *l, uint8_t *buf, size_t cap)
{
	size_t n = 0;

	while (n < cap && l->ring_len > 0) {
		size_t chunk = USB_RX_RING_SIZE - l->ring_head;

		if (chunk > l->ring_len)
			chunk = l->ring_len;
		if (chunk > cap - n)
			chunk = cap - n;
		memcpy(buf + n, l->ring + l->ring_head, chunk);
		l->ring_head = (l->ring_head + chunk) % USB_RX_RING_SIZE;
		l->ring_len -= chunk;
		n += chunk;
	}
	return n;
}

static void rx_deliver(struct usb_link *l, const uint8_t *data, size_t len)
{
	if (len == 0)
		return;
	if (l->rx_sink) {
		int r = l->rx_sink(l->rx_sink_user, data, len);

		if (r < 0 && l->rx_sink_err == 0)
			l->rx_sink_err = r;
	} else {
		ring_put(l, data, len);
	}
}

static void rx_done(struct libusb_transfer *t)
{
	struct usb_link *l = t->user_data;
	int i = t == l->rx[0] ? 0 : 1;
	int r = usbxfer_errno_from_transfer_status(t->status);

	l->rx_busy[i] = false;
	rx_deliver(l, t->buffer, (size_t)t->actual_length);
	if (r == -ECANCELED || r == -ETIMEDOUT || r == 0) {
		usb_link_rx_kick(l);
		return;
	}
	if (l->dead == 0) {
		l->dead = r;
		qfota_debug("%s: bulk IN ended: %s", l->base.name, qfota_strerror(r));
	}
}

void usb_link_rx_kick(struct usb_link *l)
{
	for (int i = 0; i < USB_RX_XFERS; i++) {
		size_t busy = 0;
		int r;

		if (l->rx_busy[i] || l->closing || l->dead)
			continue;
		for (int j = 0; j < USB_RX_XFERS; j++)
			busy += l->rx_busy[j];
		if (!l->rx_sink && USB_RX_RING_SIZE - l->ring_len < (busy + 1) * USB_RX_XFER_SIZE)
			return; /* the reader is behind: let the module wait (NAK) */
		r = libusb_submit_transfer(l->rx[i]);
		if (r < 0) {
			l->dead = usbxfer_errno_from_libusb(r);
			qfota_debug("%s: queueing bulk IN: %s", l->base.name, libusb_error_name(r));
			return;
		}
		l->rx_busy[i] = true;
	}
}

void usb_link_reap(struct usb_link *l, struct libusb_transfer *t, const bool *busy)
{
	uint64_t deadline = qfota_now_ns() + (uint64_t)REAP_TIMEOUT_MS * 1000000u;

	if (!*busy)
		return;
	(void)libusb_cancel_transfer(t);
	while (*busy && qfota_now_ns() < deadline)
		if (usb_link_pump(l, deadline) < 0)
			break;
}

/* The AT interface's bulk pair, from the descriptors sysfs gave. */
static int find_endpoints(struct usb_link *l, const struct usbdesc_layout *layout)
{
	const struct usbdesc_interface *it = usbdesc_find_interface(layout, (unsigned)l->ifno);

	if (!it || !it->ep_bulk_in || !it->ep_bulk_out)
		return qfota_log_errno(QFOTA_LOG_DEBUG, -ENXIO, "%s: interface %d has no bulk IN and OUT pair",
				       l->base.name, l->ifno);
	l->ep_in = it->ep_bulk_in;
	l->ep_out = it->ep_bulk_out;
	l->out_max_packet = it->bulk_out_max_packet ? it->bulk_out_max_packet : 512;
	return 0;
}

/* Opens the usbfs node of the device sysfs describes and hands it to libusb.
 * The device may re-enumerate between reading devnum and opening: the node
 * is then gone (ENOENT) or another device's; devnum read again after the
 * open tells, and -ENODEV lets the caller retry. */
static int open_node(struct usb_link *l)
{
	char node[64], path[128], v[16];
	int r;

	snprintf(node, sizeof(node), "/dev/bus/usb/%03u/%03u", l->module.bus, l->module.devnum);
	l->fd = open(node, O_RDWR | O_CLOEXEC);
	if (l->fd < 0) {
		r = errno == ENOENT || errno == ENXIO || errno == ENODEV ? -ENODEV : -errno;
		return qfota_log_errno(QFOTA_LOG_DEBUG, r, "%s: opening %s: %s", l->base.name, node, strerror(errno));
	}
	snprintf(path, sizeof(path), "/sys/bus/usb/devices/%s/devnum", l->base.name);
	if (usbxfer_read_attr(path, v, sizeof(v)) < 0 || strtoul(v, NULL, 10) != l->module.devnum)
		return qfota_log_errno(QFOTA_LOG_DEBUG, -ENODEV, "%s: re-enumerated while being opened",
				       l->base.name);
	r = libusb_wrap_sys_device(l->ctx, (intptr_t)l->fd, &l->h);
	if (r < 0) {
		l->h = NULL;
		/* A device that left meanwhile fails libusb's descriptor read
		 * (LIBUSB_ERROR_IO): say it vanished, so that callers retry. */
		r = usbxfer_errno_from_libusb(r);
		if (r == -EIO && (usbxfer_read_attr(path, v, sizeof(v)) < 0 ||
				  strtoul(v, NULL, 10) != l->module.devnum))
			r = -ENODEV;
		return qfota_log_errno(QFOTA_LOG_DEBUG, r, "%s: opening %s: %s", l->base.name, node,
				       qfota_strerror(r));
	}
	return 0;
}

/* Detach the driver and claim in one ioctl: libusb's auto-detach uses usbfs
 * DISCONNECT_CLAIM (libusb 1.0.26 os/linux_usbfs.c detach_kernel_driver_and_claim,
 * flag EXCEPT_DRIVER "usbfs"), so no other program can slip in between, and an
 * interface already held through usbfs (another qfota) gives EBUSY. */
static int claim(struct usb_link *l)
{
	int r = libusb_kernel_driver_active(l->h, l->ifno);

	l->give_back = r == 1;
	r = libusb_set_auto_detach_kernel_driver(l->h, 1);
	if (r < 0)
		qfota_debug("%s: no auto-detach (%s)", l->base.name, libusb_error_name(r));
	r = libusb_claim_interface(l->h, l->ifno);
	if (r == LIBUSB_ERROR_BUSY)
		return qfota_log_errno(QFOTA_LOG_DEBUG, -EBUSY, "%s: interface %d is held by another program "
				       "(another qfota?)", l->base.name, l->ifno);
	if (r < 0)
		return qfota_log_errno(QFOTA_LOG_DEBUG, usbxfer_errno_from_libusb(r), "%s: claiming interface %d: %s",
				       l->base.name, l->ifno, libusb_error_name(r));
	l->claimed = true;
	qfota_debug("%s: claimed interface %d%s%s", l->base.name, l->ifno,
		    l->give_back ? ", detached " : "", l->give_back ? (l->module.driver[0] ? l->module.driver : "its driver") : "");
	return 0;
}

static int raise_dtr_rts(struct usb_link *l)
{
	int r = libusb_control_transfer(l->h, CDC_REQTYPE_CLASS_IFACE_OUT, CDC_SET_CONTROL_LINE_STATE,
					CDC_LINE_DTR | CDC_LINE_RTS, (uint16_t)l->ifno, NULL, 0, CONTROL_TIMEOUT_MS);

	if (r == LIBUSB_ERROR_NO_DEVICE)
		return -ENODEV;
	if (r < 0) /* the option driver ignores a refusal too */
		qfota_debug("%s: SET_CONTROL_LINE_STATE: %s (ignored)", l->base.name, libusb_error_name(r));
	return 0;
}

static int setup_rx(struct usb_link *l)
{
	l->ring = malloc(USB_RX_RING_SIZE);
	if (!l->ring)
		return -ENOMEM;
	for (int i = 0; i < USB_RX_XFERS; i++) {
		uint8_t *buf = malloc(USB_RX_XFER_SIZE);

		l->rx[i] = libusb_alloc_transfer(0);
		if (!l->rx[i] || !buf) {
			free(buf);
			return -ENOMEM;
		}
		libusb_fill_bulk_transfer(l->rx[i], l->h, l->ep_in, buf, USB_RX_XFER_SIZE, rx_done, l, 0);
		l->rx[i]->flags = LIBUSB_TRANSFER_FREE_BUFFER;
	}
	usb_link_rx_kick(l);
	/* A module that vanished right after the claim may already have put its
	 * last words (END, then a reboot) into the first transfer: open anyway
	 * and let reads hand those bytes over before -ENODEV (seen with the
	 * virtual DFOTA module rebooting the moment its queue was read). */
	if (l->dead == -ENODEV && l->rx_busy[0])
		return 0;
	return l->dead;
}

int usbxfer_link_open(const char *port, int interface, struct usbxfer_link **ret)
{
	_cleanup_(usbxfer_link_closep) struct usbxfer_link *link = NULL;
	struct usbdesc_layout layout;
	struct usb_link *l;
	int r;

	if (!usbxfer_port_is_valid(port) || !ret || interface > 255)
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	link = &l->base; /* from here on every return closes it: nothing left claimed */
	l->base.ops = &usb_link_ops;
	l->base.module = &l->module;
	l->fd = -1;
	snprintf(l->base.name, sizeof(l->base.name), "%s", port);
	r = usbxfer_module_describe_port(port, &l->module, &layout);
	if (r < 0)
		return qfota_log_errno(QFOTA_LOG_DEBUG, r, "%s: no USB device on this port (%s)", port,
				       qfota_strerror(r));
	if (l->module.vid != USBXFER_QUECTEL_VID && interface < 0)
		return qfota_log_errno(QFOTA_LOG_DEBUG, -ENOENT, "%s: %04x:%04x is not a Quectel module", port,
				       l->module.vid, l->module.pid);
	l->ifno = interface >= 0 ? interface : l->module.at_interface;
	if (l->ifno < 0)
		return qfota_log_errno(QFOTA_LOG_DEBUG, l->module.at_ambiguous ? -ENOTUNIQ : -ENXIO, "%s: %s", port,
				       l->module.note);
	if ((r = find_endpoints(l, &layout)) < 0 || (r = usbxfer_ctx_new(&l->ctx)) < 0 || (r = open_node(l)) < 0 ||
	    (r = claim(l)) < 0 || (r = raise_dtr_rts(l)) < 0 || (r = setup_rx(l)) < 0)
		return r;
	*ret = TAKE_PTR(link);
	return 0;
}

static void usb_close(struct usbxfer_link *link)
{
	struct usb_link *l = (struct usb_link *)link;
	bool leak = false;

	l->closing = true;
	for (int i = 0; i < USB_RX_XFERS; i++) {
		if (!l->rx[i])
			continue;
		usb_link_reap(l, l->rx[i], &l->rx_busy[i]);
		if (l->rx_busy[i])
			leak = true; /* never came back: leave it to the kernel, not to free() */
		else
			libusb_free_transfer(l->rx[i]);
	}
	if (l->claimed) {
		int r;

		/* Give back only what was taken: with auto-detach on, release
		 * re-attaches (usbfs CONNECT) even where no driver was bound. */
		if (!l->give_back)
			libusb_set_auto_detach_kernel_driver(l->h, 0);
		r = libusb_release_interface(l->h, l->ifno);
		qfota_debug("%s: released interface %d%s (%s)", link->name, l->ifno,
			    l->give_back ? " and gave the kernel driver back" : "", libusb_error_name(r));
	}
	if (l->h && !leak)
		libusb_close(l->h);
	if (l->ctx && !leak)
		usbxfer_ctx_free(l->ctx);
	/* A wrapped device's node stays ours to close (after libusb let go of it;
	 * with transfers still held by the kernel, it stays open with them). */
	if (l->fd >= 0 && !leak)
		close(l->fd);
	free(l->ring);
	free(l);
}

void usbxfer_link_close(struct usbxfer_link *link)
{
	if (link)
		link->ops->close(link);
}

static bool rx_in_flight(const struct usb_link *l)
{
	for (int i = 0; i < USB_RX_XFERS; i++)
		if (l->rx_busy[i])
			return true;
	return false;
}

static int usb_read(struct usbxfer_link *link, void *buf, size_t cap, unsigned timeout_ms)
{
	struct usb_link *l = (struct usb_link *)link;
	uint64_t deadline = qfota_now_ns() + (uint64_t)timeout_ms * 1000000u;
	bool extended = false;

	for (;;) {
		size_t n;
		/* Cancel first: a chatty module must not keep a cancelled reader busy. */
		int r = usbxfer_check_cancel(link, NULL);

		if (r < 0)
			return r;
		n = ring_get(l, buf, cap);
		if (n > 0) {
			usb_link_rx_kick(l);
			return (int)n;
		}
		/* Dead, but a transfer is still out: it may hold the module's last
		 * bytes; reap it before saying the module is gone. */
		if (l->dead && !rx_in_flight(l))
			return l->dead;
		if (qfota_now_ns() >= deadline && timeout_ms > 0 && !l->dead)
			return -ETIMEDOUT;
		if (l->dead && qfota_now_ns() >= deadline) {
			if (extended)
				return l->dead;
			extended = true; /* one more interval to reap, never more */
			deadline = qfota_now_ns() + (uint64_t)USBXFER_POLL_MS * 1000000u;
		}
		r = usb_link_pump(l, deadline);
		if (r < 0)
			return r;
		if (timeout_ms == 0 && l->ring_len == 0)
			return l->dead ? l->dead : -ETIMEDOUT;
	}
}

struct write_state {
	bool busy;
};

/* A write abandoned while the kernel still held it frees itself if it ever
 * comes back. */
static void orphan_done(struct libusb_transfer *t)
{
	libusb_free_transfer(t);
}

static void write_done(struct libusb_transfer *t)
{
	struct write_state *w = t->user_data;

	w->busy = false;
}

static int usb_write(struct usbxfer_link *link, const void *buf, size_t len, unsigned timeout_ms)
{
	struct usb_link *l = (struct usb_link *)link;
	struct write_state w = { .busy = false };
	uint64_t deadline = timeout_ms ? qfota_now_ns() + (uint64_t)timeout_ms * 1000000u : UINT64_MAX;
	struct libusb_transfer *t;
	int r;

	if (len > INT32_MAX)
		return -EINVAL;
	r = usbxfer_check_cancel(link, NULL);
	if (r < 0)
		return r;
	t = libusb_alloc_transfer(0);
	if (!t)
		return -ENOMEM;
	/* libusb only reads an OUT buffer; the cast drops const for its API. */
	libusb_fill_bulk_transfer(t, l->h, l->ep_out, (uint8_t *)(uintptr_t)buf, (int)len, write_done, &w, 0);
	r = libusb_submit_transfer(t);
	if (r < 0) {
		libusb_free_transfer(t);
		return usbxfer_errno_from_libusb(r);
	}
	w.busy = true;
	while (w.busy) {
		r = usbxfer_check_cancel(link, NULL);
		if (r == 0 && qfota_now_ns() >= deadline)
			r = -ETIMEDOUT;
		if (r == 0)
			r = usb_link_pump(l, deadline);
		if (r < 0) {
			usb_link_reap(l, t, &w.busy);
			if (w.busy) {
				t->callback = orphan_done;
				return r;
			}
			libusb_free_transfer(t);
			return r;
		}
	}
	r = usbxfer_errno_from_transfer_status(t->status);
	if (r == 0 && t->actual_length != (int)len)
		r = -EIO;
	libusb_free_transfer(t);
	if (r < 0)
		return qfota_log_errno(QFOTA_LOG_DEBUG, r, "%s: bulk OUT of %zu bytes: %s", link->name, len,
				       qfota_strerror(r));
	return (int)len;
}

static const struct usbxfer_link_ops usb_link_ops = {
	.kind = "usb",
	.write = usb_write,
	.read = usb_read,
	.stream = usb_link_stream,
	.close = usb_close,
};
