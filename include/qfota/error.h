/* qfota's one error convention, used by every layer (usbxfer, udev, tool).
 *
 * - A function that can fail returns int: 0 (or a count >= 0) on success, a
 *   negative errno on failure. libusb's LIBUSB_ERROR_* codes are converted to
 *   errno in exactly one place (usbxfer_errno_from_libusb) and never travel above
 *   usbxfer.
 * - Output parameters are named ret_*, come last, and are written only on success.
 * - What the *module* reports (+CME ERROR: n, the <err> of a +QIND "FOTA" URC) is
 *   not an errno: it travels beside the errno, in an out parameter or in the
 *   event struct, never squeezed into the return value.
 * - Libraries log at debug level only and return the error; the command logs
 *   each failure once, with context from every layer.
 *
 * The errnos qfota uses and what they mean here:
 *   -EINVAL     bad argument (a programming error or bad user input caught early)
 *   -ENOENT     no such module / file
 *   -ENODEV     the module vanished (unplugged, rebooting)
 *   -EBUSY      the module or its interface is held by someone else
 *   -EACCES     no permission to open the USB device (udev rules, group)
 *   -ETIMEDOUT  a deadline passed; the caller names which one
 *   -EPIPE      the endpoint stalled
 *   -EPROTO     the module said something that does not fit the protocol
 *   -EIO        the module answered ERROR / +CME ERROR, or a USB I/O error
 *   -ECANCELED  cancelled by the user (SIGINT/SIGTERM) or by the caller
 *   -ENOMEM     out of memory
 *   -E2BIG      an argument over a limit of the specification (URL too long, ...)
 */
#ifndef QFOTA_ERROR_H
#define QFOTA_ERROR_H

/* Text for a person: "the module vanished" rather than "No such device". Never NULL. */
const char *qfota_strerror(int negative_errno);

#endif
