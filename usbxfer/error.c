/* qfota_strerror: the words a person reads for each errno of the closed set
 * of include/qfota/error.h; qfota_errno: a system call's errno into it. */
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
	case -ENXIO: return "the module has no usable AT interface";
	case -ENOTUNIQ: return "more than one matches; choose one";
	case -EOPNOTSUPP: return "the module cannot do this";
	case -EBUSY: return "busy: the module is in use by another program";
	case -EACCES: return "permission denied (see README: udev rules and the qfota group)";
	case -EPERM: return "refused: not safely owned (owner or permissions)";
	case -ETIMEDOUT: return "timed out";
	case -EPIPE: return "the USB endpoint stalled";
	case -EPROTO: return "the module answered something that does not fit the protocol";
	case -EIO: return "input/output error";
	case -ECANCELED: return "cancelled";
	case -ENOMEM: return "out of memory";
	case -E2BIG: return "over a limit of the specification";
	case -EOVERFLOW: return "the module sent more data than asked for";
	case -ESTALE: return "changed since it was checked";
	case -ENOSPC: return "no room for the package on the module";
	case -EALREADY: return "already at the target revision";
	case -EINPROGRESS: return "the package waits for the module's next reboot";
	case -ENOPKG: return "no package for this module";
	case -EFBIG: return "the file is too large";
	case -ELOOP: return "a symbolic link where a file or directory was expected";
	case -ENAMETOOLONG: return "the path is too long";
	default: return r < 0 ? "unexpected error (not in qfota's error set)" : "success";
	}
}

int qfota_errno(void)
{
	int e = errno;

	switch (e) {
	case ENOENT: case ENODEV: case ENXIO: case EBUSY: case EACCES: case EPERM: case ETIMEDOUT:
	case EPIPE: case EPROTO: case EIO: case ECANCELED: case ENOMEM: case E2BIG: case EOVERFLOW:
	case ENOSPC: case EFBIG: case ELOOP: case ENAMETOOLONG: case EINVAL:
		return -e;
	case EISDIR: case ENOTDIR: case EBADF:
		return -EINVAL;
	case EROFS:
		return -EACCES;
	case EDQUOT:
		return -ENOSPC;
	case EMFILE: case ENFILE:
		return -ENOMEM;
	case EWOULDBLOCK:
		return -EBUSY;
	default:
		return -EIO;
	}
}
