/* Cancellation: one process-wide flag for signal handlers, one per link, and
 * the caller's own. Loops call usbxfer_check_cancel() at least every
 * USBXFER_POLL_MS. */
#include <errno.h>

#include "usb-private.h"

/* The only global state of usbxfer: written by a signal handler, so a
 * volatile sig_atomic_t and nothing else. */
static volatile sig_atomic_t cancel_all_flag;

void usbxfer_cancel_all(void) { cancel_all_flag = 1; }
void usbxfer_cancel_reset(void) { cancel_all_flag = 0; }
bool usbxfer_cancel_requested(void) { return cancel_all_flag != 0; }
const volatile sig_atomic_t *usbxfer_cancel_flag(void) { return &cancel_all_flag; }

void usbxfer_link_cancel(struct usbxfer_link *link)
{
	if (link)
		link->cancel = 1;
}

int usbxfer_check_cancel(const struct usbxfer_link *link, const volatile sig_atomic_t *extra)
{
	if (cancel_all_flag || (link && link->cancel) || (extra && *extra))
		return -ECANCELED;
	return 0;
}

