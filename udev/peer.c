/* Port paths and USB2/USB3 peers, from sysfs.
 *
 * The kernel names a device by its port path: "<bus>-<port>[.<port>...]".
 * A hub port of that device lives at
 *   /sys/bus/usb/devices/<parent>/<parent>:1.0/<parent>-port<N>     (behind a hub)
 *   /sys/bus/usb/devices/usb<bus>/<bus>-0:1.0/usb<bus>-port<N>        (root hub)
 * and links to its other-speed twin through "peer" (drivers/usb/core/port.c).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qfota/udevwatch.h"
#include "qfota/usbxfer.h"

/* Splits "1-4.2" into parent "1-4" and port number 2; "1-4" into parent "usb1"
 * (the root hub) and 4. */
static int port_split(const char *port, char *parent, size_t cap, int *ret_num)
{
	const char *dot = strrchr(port, '.');
	const char *dash = strchr(port, '-');
	int n;

	if (!usbxfer_port_is_valid(port))
		return -EINVAL;
	if (dot) {
		if ((size_t)(dot - port) >= cap)
			return -EINVAL;
		memcpy(parent, port, (size_t)(dot - port));
		parent[dot - port] = '\0';
		n = atoi(dot + 1);
	} else {
		snprintf(parent, cap, "usb%.*s", (int)(dash - port), port);
		n = atoi(dash + 1);
	}
	*ret_num = n;
	return 0;
}

/* Turns a hub port directory name back into the port path of the device
 * behind it: "1-4-port2" -> "1-4.2", "usb2-port4" -> "2-4". */
static int port_from_hub_port_name(const char *name, char ret[USBXFER_PORT_MAX])
{
	const char *tag = strstr(name, "-port");
	int len;

	if (!tag)
		return -EINVAL;
	len = (int)(tag - name);
	if (strncmp(name, "usb", 3) == 0)
		snprintf(ret, USBXFER_PORT_MAX, "%.*s-%s", len - 3, name + 3, tag + 5);
	else
		snprintf(ret, USBXFER_PORT_MAX, "%.*s.%s", len, name, tag + 5);
	return usbxfer_port_is_valid(ret) ? 0 : -EINVAL;
}

int udev_port_peer(const char *sysroot, const char *port, char ret_peer[USBXFER_PORT_MAX])
{
	char parent[USBXFER_PORT_MAX], link[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;
	int num, r;

	r = port_split(port, parent, sizeof(parent), &num);
	if (r < 0)
		return r;
	if (strncmp(parent, "usb", 3) == 0)
		snprintf(link, sizeof(link), "%s/bus/usb/devices/%s/%s-0:1.0/%s-port%d/peer",
			 sysroot, parent, parent + 3, parent, num);
	else
		snprintf(link, sizeof(link), "%s/bus/usb/devices/%s/%s:1.0/%s-port%d/peer",
			 sysroot, parent, parent, parent, num);
	ret_peer[0] = '\0';
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return 0; /* no peer: a USB2-only port */
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (port_from_hub_port_name(base, ret_peer) < 0)
		ret_peer[0] = '\0';
	return 0;
}
