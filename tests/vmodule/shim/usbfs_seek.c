/* libvmshim.so: what umockdev cannot emulate of a usbfs node, preloaded
 * beside libumockdev-preload into every process that talks to a virtual
 * module (vm_require_preload, vm_station_new).
 *
 * The adapter's nodes are FIFOs (their fullness stands for "URBs to reap",
 * ADAPTER.md), and umockdev forwards read() of them to the adapter but not
 * lseek(). The kernel's usbfs node is seekable: libusb_wrap_sys_device
 * lseek()s it to 0 and reads the descriptors. Here lseek on a FIFO under the
 * testbed's /dev/bus/usb answers as the kernel would; the adapter rewinds its
 * read position by itself (usbdevfs.c handle_read). Everything else goes to
 * libc untouched. Built without sanitizers: it is loaded before their
 * runtimes. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static int is_testbed_usbfs_node(int fd)
{
	const char *root = getenv("UMOCKDEV_DIR");
	char link[64], target[512];
	struct stat st;
	ssize_t n;

	if (!root || fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode))
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return 0;
	target[n] = '\0';
	return strncmp(target, root, strlen(root)) == 0 && strstr(target + strlen(root), "/dev/bus/usb/") != NULL;
}

off_t lseek(int fd, off_t offset, int whence)
{
	static off_t (*real)(int, off_t, int);
	off_t r;

	if (!real)
		real = (off_t (*)(int, off_t, int))dlsym(RTLD_NEXT, "lseek");
	r = real ? real(fd, offset, whence) : -1;
	if (r < 0 && errno == ESPIPE && whence == SEEK_SET && offset == 0 && is_testbed_usbfs_node(fd))
		return 0;
	return r;
}

off64_t lseek64(int fd, off64_t offset, int whence)
{
	return lseek(fd, offset, whence);
}
