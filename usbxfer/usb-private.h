/* What the files of usbxfer share and nothing above it sees: libusb types,
 * the errno conversion, the USB link's state and its event pump. */
#ifndef USBXFER_USB_PRIVATE_H
#define USBXFER_USB_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <libusb.h>

#include "qfota/usbdesc.h"
#include "qfota/usbxfer.h"

/* The one conversion of libusb's codes to qfota's errno (libusb_errno.c). */
int usbxfer_errno_from_libusb(int libusb_error);
int usbxfer_errno_from_transfer_status(enum libusb_transfer_status status);

/* A libusb context of our own, its log routed through qfota's (ctx.c). */
int usbxfer_ctx_new(libusb_context **ret);
/* libusb_exit. Accepts NULL. */
void usbxfer_ctx_free(libusb_context *ctx);

/* Reads a one-line sysfs attribute into buf, newline stripped (discover.c). */
int usbxfer_read_attr(const char *path, char *buf, size_t cap);
/* Describes the device on port from sysfs alone (its `descriptors`, busnum,
 * devnum, serial, the AT interface's driver and tty), without opening it
 * (discover.c). *ret_layout (may be NULL) gets its parsed interfaces.
 * Returns 0; -EINVAL not a port path; -ENOENT no USB device there; -EPROTO
 * malformed descriptors; -EACCES. A device of any vendor is described. */
int usbxfer_module_describe_port(const char *port, struct usbxfer_module *ret, struct usbdesc_layout *ret_layout);

/* -ECANCELED if the process-wide flag, the link's or *extra (may be NULL) is set. */
int usbxfer_check_cancel(const struct usbxfer_link *link, const volatile sig_atomic_t *extra);

#define USB_RX_XFERS 2
#define USB_RX_XFER_SIZE 4096u
#define USB_RX_RING_SIZE (64u * 1024)

struct usb_link {
	struct usbxfer_link base;
	libusb_context *ctx;
	int fd;                  /* the usbfs node, wrapped by h (libusb does not close it) */
	libusb_device_handle *h;
	struct usbxfer_module module;
	int ifno;
	uint8_t ep_in, ep_out;
	uint16_t out_max_packet;
	bool claimed;
	bool give_back;          /* a kernel driver was bound at open: re-attach at close */
	bool closing;
	int dead;                /* -ENODEV etc. once the IN side failed for good; 0 alive */

	struct libusb_transfer *rx[USB_RX_XFERS];
	bool rx_busy[USB_RX_XFERS];
	uint8_t *ring;           /* IN bytes not yet read */
	size_t ring_head, ring_len;
	/* While streaming: IN bytes go here instead of the ring. */
	int (*rx_sink)(void *user, const uint8_t *data, size_t len);
	void *rx_sink_user;
	int rx_sink_err;
};

/* Runs libusb's events once, waiting at most until deadline_ns (and never more
 * than USBXFER_POLL_MS). Returns 0 or a negative errno of the event loop. */
int usb_link_pump(struct usb_link *l, uint64_t deadline_ns);
/* Queues the idle IN transfers that the ring (or the sink) has room for. */
void usb_link_rx_kick(struct usb_link *l);
/* Cancels transfer t if busy and runs events until *busy is false (bounded). */
void usb_link_reap(struct usb_link *l, struct libusb_transfer *t, const bool *busy);

/* The stream op of the USB link (stream.c). */
int usb_link_stream(struct usbxfer_link *link, int fd, uint64_t len,
		    const struct usbxfer_stream_opts *opts, uint64_t *ret_sent);

#endif
