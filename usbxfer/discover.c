/* Finding Quectel modules: enumerate USB devices with libudev, describe each
 * from sysfs (port path, model, AT interface, bound kernel driver, serial)
 * without opening anything, and select by port, serial, model or VID:PID.
 *
 * Not libusb: its enumeration reads every USB device and interface of the
 * machine at every libusb_init, under one process-wide lock; with a link per
 * module in a station that was most of a 64-module station's start (issue 5).
 * usbxfer turns it off (ctx.c) and opens the one device it wants by its node. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libudev.h>

#include "qfota/error.h"
#include "qfota/cleanup.h"
#include "qfota/log.h"
#include "qfota/usbdesc.h"
#include "usb-private.h"

/* Reads a one-line sysfs attribute into buf (newline stripped). */
int usbxfer_read_attr(const char *path, char *buf, size_t cap)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return qfota_errno();
	n = read(fd, buf, cap - 1);
	if (n < 0)
		return qfota_errno();
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

/* The driver bound to <port>:<config>.<ifno>, from its sysfs driver link. */
static void interface_driver(const char *port, int config, int ifno, char *buf, size_t cap)
{
	char path[128], target[256];
	const char *name;
	ssize_t n;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/sys/bus/usb/devices/%s:%d.%d/driver", port, config, ifno);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0) {
		/* No link (a testbed without driver links): the interface's uevent
		 * names the driver as "DRIVER=option". */
		_cleanup_fclose_ FILE *f = NULL;
		char line[128];

		snprintf(path, sizeof(path), "/sys/bus/usb/devices/%s:%d.%d/uevent", port, config, ifno);
		f = fopen(path, "re");
		while (f && fgets(line, sizeof(line), f))
			if (strncmp(line, "DRIVER=", 7) == 0) {
				line[strcspn(line, "\r\n")] = '\0';
				if (strlen(line + 7) < cap)
					memcpy(buf, line + 7, strlen(line + 7) + 1);
				break;
			}
		return;
	}
	target[n] = '\0';
	name = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	if (strlen(name) < cap)
		memcpy(buf, name, strlen(name) + 1);
}

/* The option driver's tty of an interface: <port>:<config>.<ifno>/ttyUSBn. */
static void interface_tty(const char *port, int config, int ifno, char *buf, size_t cap)
{
	char path[128];
	DIR *d;
	struct dirent *e;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/sys/bus/usb/devices/%s:%d.%d", port, config, ifno);
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d)))
		if (strncmp(e->d_name, "ttyUSB", 6) == 0 && strlen(e->d_name) + 6 < cap) {
			memcpy(buf, "/dev/", 5);
			memcpy(buf + 5, e->d_name, strlen(e->d_name) + 1);
			break;
		}
	closedir(d);
}

/* Every AT port the facts show (§0.1, §1: EC25 family, RM500Q, EC200U) is
 * vendor class ff/00/00 with bulk IN, bulk OUT and an interrupt IN for its
 * modem status lines; option.c binds the Unisoc/ASR ones by ff/00/00 (§1.4).
 * The DM port (ff/ff/ff) also has bulk IN and OUT: after a composition change
 * that shifts the interfaces (RNDIS, facts §7) it sits where the AT port was,
 * and AT commands must not go into it. */
static bool looks_like_at_port(const struct usbdesc_interface *it)
{
	const unsigned all = USBDESC_BULK_IN | USBDESC_BULK_OUT | USBDESC_INTR_IN;

	return it->cls == 0xff && it->subcls == 0 && it->proto == 0 && it->kinds == all;
}

/* Several candidates (EC200U has two such ports, if2 and if7) cannot be told
 * apart from descriptors alone: refuse. */
static int guess_at_interface(const struct usbdesc_layout *l, char *note, size_t cap)
{
	int found = -1, count = 0;
	char list[64] = "";

	for (size_t i = 0; i < l->n_interfaces; i++) {
		const struct usbdesc_interface *it = &l->interfaces[i];

		if (!looks_like_at_port(it))
			continue;
		count++;
		found = it->number;
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%d", count > 1 ? ", " : "", found);
	}
	if (count == 1)
		return found;
	if (count == 0)
		snprintf(note, cap, "no vendor-specific ff/00/00 interface with bulk IN, bulk OUT "
			 "and interrupt IN (download mode or another USB composition?)");
	else
		snprintf(note, cap, "%d interfaces could be the AT port (%s): name one with --interface",
			 count, list);
	return count == 0 ? -ENODEV : -ENOTUNIQ;
}

/* Reads a whole sysfs file (the binary `descriptors` attribute) into buf. */
static int read_blob(const char *path, uint8_t *buf, size_t cap, size_t *ret_len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;

	if (fd < 0)
		return qfota_errno();
	while (len < cap) {
		ssize_t n = read(fd, buf + len, cap - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return qfota_errno();
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*ret_len = len;
	return 0;
}

static int read_attr_uint(const char *port, const char *attr, int base, unsigned long *ret)
{
	char path[128], v[32], *end;
	unsigned long x;
	int r;

	snprintf(path, sizeof(path), "/sys/bus/usb/devices/%s/%s", port, attr);
	r = usbxfer_read_attr(path, v, sizeof(v));
	if (r < 0)
		return r;
	errno = 0;
	x = strtoul(v, &end, base);
	if (end == v || *end != '\0' || errno)
		return -EPROTO;
	*ret = x;
	return 0;
}

bool usbxfer_port_is_valid(const char *port)
{
	/* grammar: bus "-" port { "." port }, each a decimal number without sign */
	const char *p = port;
	bool dash = false;

	if (!port || strlen(port) >= USBXFER_PORT_MAX)
		return false;
	for (;;) {
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
		if (*p == '\0')
			return dash;
		if (*p == '-' && !dash)
			dash = true;
		else if (*p != '.' || !dash)
			return false;
		p++;
	}
}

int usbxfer_module_describe_port(const char *port, struct usbxfer_module *ret, struct usbdesc_layout *ret_layout)
{
	struct usbxfer_module m = { .at_interface = -1 };
	struct usbdesc_layout layout;
	uint8_t blob[4096];
	size_t len = 0;
	unsigned long bus, devnum, config = 0;
	char path[128];
	int r;

	if (!usbxfer_port_is_valid(port))
		return -EINVAL;
	snprintf(m.port, sizeof(m.port), "%s", port);
	if (read_attr_uint(port, "busnum", 10, &bus) < 0 || read_attr_uint(port, "devnum", 10, &devnum) < 0 ||
	    bus > 255 || devnum > 255)
		return -ENOENT; /* no USB device there (now) */
	m.bus = (uint8_t)bus;
	m.devnum = (uint8_t)devnum;
	snprintf(path, sizeof(path), "/sys/bus/usb/devices/%s/descriptors", port);
	r = read_blob(path, blob, sizeof(blob), &len);
	if (r < 0)
		return r == -ENOENT ? -ENOENT : r;
	/* Unconfigured: an empty bConfigurationValue, and no interfaces. */
	(void)read_attr_uint(port, "bConfigurationValue", 10, &config);
	r = usbdesc_parse(blob, len, (unsigned)config, &layout);
	if (r == -EPROTO)
		return qfota_log_errno(QFOTA_LOG_DEBUG, r, "%s: malformed USB descriptors", port);
	if (r < 0 && len >= 18) {
		/* No such configuration: still say who it is. */
		layout = (struct usbdesc_layout){ .vid = (uint16_t)(blob[8] | blob[9] << 8),
						  .pid = (uint16_t)(blob[10] | blob[11] << 8) };
		snprintf(m.note, sizeof(m.note), "not configured (no active configuration)");
	} else if (r < 0) {
		return r;
	}
	m.vid = layout.vid;
	m.pid = layout.pid;
	m.model = usbxfer_model_find(m.vid, m.pid);
	if (m.model)
		snprintf(m.model_name, sizeof(m.model_name), "%s", m.model->name);
	else
		snprintf(m.model_name, sizeof(m.model_name), "Quectel %04x:%04x", m.vid, m.pid);

	if (r == 0 && m.model && m.model->at_interface >= 0) {
		const struct usbdesc_interface *it = usbdesc_find_interface(&layout, (unsigned)m.model->at_interface);

		if (it && looks_like_at_port(it))
			m.at_interface = m.model->at_interface;
		else if (it)
			snprintf(m.note, sizeof(m.note), "interface %d is %02x/%02x/%02x here, not the AT port "
				 "(ff/00/00 with bulk IN, bulk OUT and interrupt IN)", m.model->at_interface,
				 it->cls, it->subcls, it->proto);
		else
			snprintf(m.note, sizeof(m.note), "it has no interface %d, where %s has its AT port",
				 m.model->at_interface, m.model->name);
	} else if (r == 0) {
		int at = guess_at_interface(&layout, m.note, sizeof(m.note));

		if (at >= 0)
			m.at_interface = at;
		m.at_ambiguous = at == -ENOTUNIQ;
	}
	if (m.at_interface >= 0) {
		interface_driver(port, layout.config_value, m.at_interface, m.driver, sizeof(m.driver));
		interface_tty(port, layout.config_value, m.at_interface, m.tty, sizeof(m.tty));
	}
	snprintf(path, sizeof(path), "/sys/bus/usb/devices/%s/serial", port);
	(void)usbxfer_read_attr(path, m.serial, sizeof(m.serial));
	*ret = m;
	if (ret_layout)
		*ret_layout = layout;
	return 0;
}

int usbxfer_port_describe(const char *port, struct usbxfer_module *ret)
{
	if (!port || !ret)
		return -EINVAL;
	return usbxfer_module_describe_port(port, ret, NULL);
}

static bool selected(const struct usbxfer_module *m, const struct usbxfer_select *sel)
{
	if (!sel)
		return true;
	if (sel->port && strcmp(sel->port, m->port) != 0)
		return false;
	if (sel->serial && strcmp(sel->serial, m->serial) != 0)
		return false;
	if (sel->model && !usbxfer_model_matches(m->model, sel->model))
		return false;
	if (sel->vid && sel->vid != m->vid)
		return false;
	if (sel->pid && sel->pid != m->pid)
		return false;
	return true;
}

/* Port paths in numeric order: 1-2 < 1-4 < 1-4.1 < 1-10. */
static int port_cmp(const void *a, const void *b)
{
	const char *p = ((const struct usbxfer_module *)a)->port;
	const char *q = ((const struct usbxfer_module *)b)->port;

	while (*p && *q) {
		char *pe, *qe;
		unsigned long x = strtoul(p, &pe, 10), y = strtoul(q, &qe, 10);

		if (x != y)
			return x < y ? -1 : 1;
		p = *pe ? pe + 1 : pe;
		q = *qe ? qe + 1 : qe;
	}
	return (*p != '\0') - (*q != '\0');
}

/* The port paths ("1-4.2") of every USB device with Quectel's vendor ID. */
static void udev_unrefp(struct udev **u) { udev_unref(*u); }
static void udev_enumerate_unrefp(struct udev_enumerate **e) { udev_enumerate_unref(*e); }

static int ports_fail(int r)
{
	return qfota_log_errno(QFOTA_LOG_DEBUG, r, "listing USB devices with libudev: %s", strerror(-r));
}

static int quectel_ports(char (**ret_ports)[USBXFER_PORT_MAX], size_t *ret_n)
{
	_cleanup_(udev_unrefp) struct udev *udev = udev_new();
	_cleanup_(udev_enumerate_unrefp) struct udev_enumerate *e = NULL;
	struct udev_list_entry *it;
	_cleanup_free_ char (*ports)[USBXFER_PORT_MAX] = NULL;
	size_t n = 0, cap = 0;
	int r;

	if (!udev)
		return errno ? qfota_errno() : -ENOMEM;
	e = udev_enumerate_new(udev);
	r = e ? 0 : -ENOMEM;
	if (r == 0)
		r = udev_enumerate_add_match_subsystem(e, "usb");
	if (r >= 0)
		r = udev_enumerate_add_match_sysattr(e, "idVendor", "2c7c");
	if (r >= 0)
		r = udev_enumerate_scan_devices(e);
	if (r < 0)
		return ports_fail(r);
	udev_list_entry_foreach(it, udev_enumerate_get_list_entry(e)) {
		const char *sys = strrchr(udev_list_entry_get_name(it), '/');

		sys = sys ? sys + 1 : udev_list_entry_get_name(it);
		if (!usbxfer_port_is_valid(sys))
			continue; /* an interface ("1-4:1.2") or a root hub ("usb1") */
		if (n == cap) {
			void *p = reallocarray(ports, cap ? cap * 2 : 16, sizeof(*ports));

			if (!p)
				return ports_fail(-ENOMEM);
			ports = p;
			cap = cap ? cap * 2 : 16;
		}
		snprintf(ports[n++], USBXFER_PORT_MAX, "%s", sys);
	}
	*ret_ports = TAKE_PTR(ports);
	*ret_n = n;
	return 0;
}

int usbxfer_discover(const struct usbxfer_select *sel, struct usbxfer_module **ret_modules, size_t *ret_n)
{
	_cleanup_free_ char (*ports)[USBXFER_PORT_MAX] = NULL;
	_cleanup_free_ struct usbxfer_module *mods = NULL;
	size_t n = 0, count = 0;
	int r;

	if (sel && sel->port) {
		/* One port: describe it alone (a station's modules each select
		 * theirs; enumerating the whole bus for each is quadratic). */
		if (!usbxfer_port_is_valid(sel->port)) {
			*ret_modules = NULL;
			*ret_n = 0;
			return 0; /* no device is on a port that cannot exist */
		}
		ports = calloc(1, sizeof(*ports));
		if (!ports)
			return -ENOMEM;
		snprintf(ports[0], USBXFER_PORT_MAX, "%s", sel->port);
		n = 1;
	} else {
		r = quectel_ports(&ports, &n);
		if (r < 0)
			return r;
	}
	mods = calloc(n + 1, sizeof(*mods));
	if (!mods)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		/* One that left meanwhile, or has unreadable descriptors: not listed. */
		if (usbxfer_module_describe_port(ports[i], &mods[count], NULL) < 0)
			continue;
		if (mods[count].vid == USBXFER_QUECTEL_VID && selected(&mods[count], sel))
			count++;
	}
	qsort(mods, count, sizeof(*mods), port_cmp);
	qfota_debug("discover: %zu Quectel module(s) match", count);
	*ret_modules = count ? TAKE_PTR(mods) : NULL;
	*ret_n = count;
	return 0;
}

int usbxfer_discover_one(const struct usbxfer_select *sel, struct usbxfer_module *ret)
{
	_cleanup_free_ struct usbxfer_module *mods = NULL;
	size_t n = 0;
	int r;

	r = usbxfer_discover(sel, &mods, &n);
	if (r < 0)
		return r;
	if (n == 0)
		return qfota_log_errno(QFOTA_LOG_DEBUG, -ENOENT, "no Quectel module matches the selection");
	if (n > 1)
		return qfota_log_errno(QFOTA_LOG_DEBUG, -ENOTUNIQ,
				       "%zu modules match (%s, %s, ...): choose one with --port", n,
				       mods[0].port, mods[1].port);
	*ret = mods[0];
	return 0;
}

int usbxfer_vidpid_parse(const char *s, uint16_t *ret_vid, uint16_t *ret_pid)
{
	char *end;
	unsigned long v, p;

	if (!s || !*s)
		return -EINVAL;
	v = strtoul(s, &end, 16);
	if (end == s || *end != ':' || v > 0xffff)
		return -EINVAL;
	s = end + 1;
	p = strtoul(s, &end, 16);
	if (end == s || *end != '\0' || p > 0xffff || s[0] == '-' || s[0] == '+')
		return -EINVAL;
	*ret_vid = (uint16_t)v;
	*ret_pid = (uint16_t)p;
	return 0;
}

int usbxfer_port_syspath(const char *port, char *ret, size_t cap)
{
	_cleanup_(udev_unrefp) struct udev *udev = NULL;
	struct udev_device *d;
	int r;

	if (!usbxfer_port_is_valid(port) || !ret || cap == 0)
		return -EINVAL;
	udev = udev_new();
	if (!udev)
		return -ENOMEM;
	d = udev_device_new_from_subsystem_sysname(udev, "usb", port);
	if (!d)
		return -ENOENT;
	r = snprintf(ret, cap, "%s", udev_device_get_syspath(d)) < (int)cap ? 0 : -ENAMETOOLONG;
	udev_device_unref(d);
	return r;
}
