/* The one place where libusb's codes become qfota's errno (include/qfota/error.h). */
#include <errno.h>

#include "usb-private.h"

int usbxfer_errno_from_libusb(int e)
{
	switch (e) {
	case LIBUSB_SUCCESS: return 0;
	case LIBUSB_ERROR_IO: return -EIO;
	case LIBUSB_ERROR_INVALID_PARAM: return -EINVAL;
	case LIBUSB_ERROR_ACCESS: return -EACCES;
	case LIBUSB_ERROR_NO_DEVICE: return -ENODEV;
	case LIBUSB_ERROR_NOT_FOUND: return -ENOENT;
	case LIBUSB_ERROR_BUSY: return -EBUSY;
	case LIBUSB_ERROR_TIMEOUT: return -ETIMEDOUT;
	case LIBUSB_ERROR_OVERFLOW: return -EOVERFLOW;
	case LIBUSB_ERROR_PIPE: return -EPIPE;
	case LIBUSB_ERROR_INTERRUPTED: return -EINTR;
	case LIBUSB_ERROR_NO_MEM: return -ENOMEM;
	case LIBUSB_ERROR_NOT_SUPPORTED: return -EOPNOTSUPP;
	default: return e > 0 ? 0 : -EIO; /* LIBUSB_ERROR_OTHER, and codes of later versions */
	}
}

int usbxfer_errno_from_transfer_status(enum libusb_transfer_status status)
{
	switch (status) {
	case LIBUSB_TRANSFER_COMPLETED: return 0;
	case LIBUSB_TRANSFER_TIMED_OUT: return -ETIMEDOUT;
	case LIBUSB_TRANSFER_CANCELLED: return -ECANCELED;
	case LIBUSB_TRANSFER_STALL: return -EPIPE;
	case LIBUSB_TRANSFER_NO_DEVICE: return -ENODEV;
	case LIBUSB_TRANSFER_OVERFLOW: return -EOVERFLOW;
	case LIBUSB_TRANSFER_ERROR:
	default: return -EIO;
	}
}
