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
 * The closed set: every errno a function of qfota returns is one of these
 * (tests/unit/test-error.c checks the code for any other). qfota_strerror
 * words each; qfota_exit_for (tool/report/exitcode.c) maps each to the exit code
 * in brackets (for the job's phase; "5|1": before|after the update began).
 * A system call's errno outside the set comes back as -EIO (qfota_errno()),
 * with the call's own words in the message.
 *   -EINVAL       bad argument or input caught early [2 in preflight, else 1]
 *   -ENOENT       no such module on the port, or no such file [3 at connect, else 7]
 *   -ENODEV       the module vanished (unplugged, rebooting) [7]
 *   -ENXIO        the module has no usable AT interface [3]
 *   -ENOTUNIQ     several modules (or interfaces) match; choose one [3 at connect, else 7]
 *   -EOPNOTSUPP   the module cannot do this (mode not supported) [3]
 *   -EBUSY        the module or its port is held by another program [4]
 *   -EACCES       no permission to open it (udev rules, group) [4]
 *   -EPERM        refused: a file or directory that is not safely owned [4]
 *   -ETIMEDOUT    a deadline passed; the caller names which [9]
 *   -EPIPE        the endpoint stalled [1]
 *   -EPROTO       the module said something that does not fit the protocol [1; 8 in verify]
 *   -EIO          the module answered ERROR / +CME ERROR, or an I/O error [5|1; 5|6 when the module reported it]
 *   -ECANCELED    cancelled by a signal (or the caller) [130; 10 once the update began]
 *   -ENOMEM       out of memory [1]
 *   -E2BIG        over a limit of the specification (URL too long, ...) [2 in preflight, else 1]
 *   -EOVERFLOW    the module sent more data than asked for [1]
 *   -ESTALE       the package or the module changed since it was checked [5]
 *   -ENOSPC       no room for the package on the module [5]
 *   -EALREADY     nothing to do: the module already runs the target revision, or
 *                 the policy leaves it alone (its IMEI is not on the rule's list) [0]
 *   -EINPROGRESS  the package waits for the module's next reboot (--upgrade-mode 0) [10]
 *   -ENOPKG       no package for this module (the policy has no rule for it) [1]
 *   -EFBIG        a file over qfota's size limit (the policy) [2 in preflight, else 1]
 *   -ELOOP        a symbolic link where qfota wants a file or directory [1]
 *   -ENAMETOOLONG a path over PATH_MAX [1]
 * Inside one function only, never returned across a header: -ENOMSG (a
 * parser's "not mine": an URC that is not a FOTA report), -EINTR and
 * -EWOULDBLOCK (retried or turned into -EBUSY where they arise).
 */
#ifndef QFOTA_ERROR_H
#define QFOTA_ERROR_H

/* Text for a person: "the module vanished" rather than "No such device". Never
 * NULL; an errno outside the set is "unexpected error" (a bug: the set is closed). */
const char *qfota_strerror(int negative_errno);

/* -errno of the system call that just failed, if it is in the set above (or
 * one qfota words the same: EISDIR and friends as -EINVAL); else -EIO. */
int qfota_errno(void);

#endif
