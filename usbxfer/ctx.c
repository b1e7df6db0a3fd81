/* A libusb context per link (and per discovery), with libusb's own log routed
 * through qfota's at debug level: with QFOTA_LOG=debug libusb's warnings and
 * errors appear; QFOTA_LOG_LIBUSB=debug adds libusb's own debug trace. */
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

int usbxfer_ctx_new(libusb_context **ret)
{
	libusb_context *ctx = NULL;
	int r;

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

/* libusb 1.0.26 queues a hotplug "arrived" message, holding a device
 * reference, for devices it finds while other contexts exist; only event
 * handling drops those references. A context closed before it handled them
 * leaks the devices (seen under LeakSanitizer with 32 modules re-enumerating
 * while links opened and closed). Handle whatever is pending, without
 * waiting, then exit. */
void usbxfer_ctx_free(libusb_context *ctx)
{
	struct timeval zero = { 0, 0 };

	if (!ctx)
		return;
	for (int i = 0; i < 4; i++)
		if (libusb_handle_events_timeout_completed(ctx, &zero, NULL) < 0)
			break;
	libusb_exit(ctx);
}
