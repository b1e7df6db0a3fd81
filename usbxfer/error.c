/* qfota_strerror: the words a person reads for each errno of
 * include/qfota/error.h. */
#include <errno.h>
#include <string.h>

#include "qfota/error.h"

const char *qfota_strerror(int r)
{
	switch (r) {
	case 0: return "success";
	case -EINVAL: return "invalid argument";
	case -ENOENT: return "not found";
	case -ENODEV: return "the module vanished (unplugged or rebooting)";
	case -EBUSY: return "busy: the module is in use by another program";
	case -EACCES: return "permission denied (see README: udev rules and the plugdev group)";
	case -EPERM: return "operation not permitted";
	case -ETIMEDOUT: return "timed out";
	case -EPIPE: return "the USB endpoint stalled";
	case -EPROTO: return "the module answered something that does not fit the protocol";
	case -EIO: return "input/output error";
	case -ECANCELED: return "cancelled";
	case -ENOMEM: return "out of memory";
	case -E2BIG: return "over a limit of the specification";
	case -EOVERFLOW: return "the module sent more data than asked for";
	default: return r < 0 ? strerror(-r) : "success";
	}
}
