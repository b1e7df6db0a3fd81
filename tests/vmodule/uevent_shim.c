/* The kernel's netlink, not umockdev 0.17.16's abort().
 *
 * umockdev delivers uevents by connecting to every "$UMOCKDEV_DIR/event<N>"
 * socket (one per libudev monitor) and sending the message; its uevent_sender
 * calls abort() when a socket file vanished between its glob() and its
 * connect() (a monitor closed at that moment: ENOENT), or when a monitor's
 * queue is full (sendmsg: EAGAIN; a Unix datagram socket queues 10). The
 * kernel does neither: netlink drops a message for a listener that is gone or
 * full. qfota, libusb and libudev open and close monitors as they please, so
 * the testbed process must survive that as a kernel would. These wrappers,
 * linked into every program that hosts a testbed (they win symbol lookup over
 * the libraries), turn exactly those two cases on exactly those sockets into
 * "gone" (ECONNREFUSED, which umockdev already treats as a closed monitor)
 * and "dropped" (the message counted as sent); everything else goes to the
 * real function (the preload's, then libc's). Seen as "sendmsg_one: cannot
 * connect to client's event socket: No such file or directory" killing a run
 * of the fault matrix (tests/vmodule/ADAPTER.md). */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "adapter.h"

/* "$UMOCKDEV_DIR/event<digits>" */
static bool is_event_socket(const struct sockaddr *addr, socklen_t len)
{
	const struct sockaddr_un *un = (const struct sockaddr_un *)addr;
	const char *dir = getenv("UMOCKDEV_DIR");
	size_t dl;

	if (!addr || !dir || len <= offsetof(struct sockaddr_un, sun_path) || un->sun_family != AF_UNIX)
		return false;
	dl = strlen(dir);
	return strncmp(un->sun_path, dir, dl) == 0 && strncmp(un->sun_path + dl, "/event", 6) == 0;
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	static int (*real)(int, const struct sockaddr *, socklen_t);
	int r;

	if (!real)
		real = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "connect");
	r = real(fd, addr, len);
	if (r < 0 && errno == ENOENT && is_event_socket(addr, len))
		errno = ECONNREFUSED; /* the monitor is gone: umockdev skips it */
	return r;
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	static ssize_t (*real)(int, const struct msghdr *, int);
	ssize_t r;

	if (!real)
		real = (ssize_t (*)(int, const struct msghdr *, int))dlsym(RTLD_NEXT, "sendmsg");
	r = real(fd, msg, flags);
	/* umockdev 0.17.16 passes the address with msg_namelen 0 on a connected
	 * socket: read it as a whole sockaddr_un */
	if (r < 0 && (errno == EAGAIN || errno == ECONNREFUSED || errno == ENOENT) && msg && msg->msg_name &&
	    is_event_socket(msg->msg_name, msg->msg_namelen ? msg->msg_namelen : sizeof(struct sockaddr_un))) {
		size_t total = 0;

		for (size_t i = 0; i < msg->msg_iovlen; i++)
			total += msg->msg_iov[i].iov_len;
		return (ssize_t)total; /* dropped, as netlink drops for a full listener */
	}
	return r;
}

void vm_uevent_shim_link(void)
{
	/* referenced by station.c so that the linker keeps this object */
}
