/* The link interface: dispatch to the backend (usb, or a test's own). */
#include <errno.h>

#include "qfota/usbxfer.h"

int usbxfer_link_write(struct usbxfer_link *link, const void *buf, size_t len, unsigned timeout_ms)
{
	if (!link || (!buf && len))
		return -EINVAL;
	return link->ops->write(link, buf, len, timeout_ms);
}

int usbxfer_link_read(struct usbxfer_link *link, void *buf, size_t cap, unsigned timeout_ms)
{
	if (!link || !buf || cap == 0)
		return -EINVAL;
	return link->ops->read(link, buf, cap, timeout_ms);
}

int usbxfer_stream_fd(struct usbxfer_link *link, int fd, uint64_t len,
		      const struct usbxfer_stream_opts *opts, uint64_t *ret_sent)
{
	static const struct usbxfer_stream_opts defaults;

	if (ret_sent)
		*ret_sent = 0;
	if (!link || fd < 0)
		return -EINVAL;
	if (!link->ops->stream)
		return -EOPNOTSUPP;
	return link->ops->stream(link, fd, len, opts ? opts : &defaults, ret_sent);
}

const char *usbxfer_link_name(const struct usbxfer_link *link)
{
	return link ? link->name : "(none)";
}

const struct usbxfer_module *usbxfer_link_module(const struct usbxfer_link *link)
{
	return link ? link->module : NULL;
}
