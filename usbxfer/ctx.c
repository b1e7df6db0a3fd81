/* A libusb context per link, with libusb's own log routed through qfota's at
 * debug level: with QFOTA_LOG=debug libusb's warnings and errors appear;
 * QFOTA_LOG_LIBUSB=debug adds libusb's own debug trace.
 *
 * No context enumerates the bus: usbxfer finds devices with libudev and opens
 * the one it wants by its node (libusb_wrap_sys_device). libusb's own scan,
 * at every libusb_init, reads every device and interface of the machine under
 * a process-wide lock, and its hotplug thread then hands each re-enumeration
 * to every context; with a context per module in a station, that was most of
 * the CPU a 64-module station spent (issue 5). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "qfota/log.h"
#include "usb-private.h"

static void libusb_log(libusb_context *ctx, enum libusb_log_level level, const char *str)
{
	size_t n = strlen(str);

	(void)ctx;
	(void)level;
	while (n > 0 && (str[n - 1] == '\n' || str[n - 1] == '\r'))
		n--;
	qfota_debug("libusb: %.*s", (int)n, str);
}

/* libusb 1.0.26 keeps this option process-wide (os/linux_usbfs.c
 * no_enumeration): set once, before the first context. */
static void no_device_discovery(void)
{
	int r = libusb_set_option(NULL, LIBUSB_OPTION_NO_DEVICE_DISCOVERY);

	if (r < 0)
		qfota_debug("libusb: cannot turn device discovery off: %s", libusb_error_name(r));
}

int usbxfer_ctx_new(libusb_context **ret)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	libusb_context *ctx = NULL;
	int r;

	pthread_once(&once, no_device_discovery);
	r = libusb_init(&ctx);
	if (r < 0)
		return qfota_log_errno(QFOTA_LOG_DEBUG, usbxfer_errno_from_libusb(r),
				       "libusb_init: %s", libusb_error_name(r));
	if (qfota_log_get_level() >= QFOTA_LOG_DEBUG) {
		const char *v = getenv("QFOTA_LOG_LIBUSB");
		int level = v && strcmp(v, "debug") == 0 ? LIBUSB_LOG_LEVEL_DEBUG : LIBUSB_LOG_LEVEL_WARNING;

		libusb_set_log_cb(ctx, libusb_log, LIBUSB_LOG_CB_CONTEXT);
		libusb_set_option(ctx, LIBUSB_OPTION_LOG_LEVEL, level);
	}
	*ret = ctx;
	return 0;
}

void usbxfer_ctx_free(libusb_context *ctx)
{
	if (ctx)
		libusb_exit(ctx);
}
