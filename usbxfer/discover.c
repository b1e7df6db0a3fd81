/* Finding Quectel modules: enumerate with libusb, describe each (port path,
 * model, AT interface, bound kernel driver, serial) without claiming anything,
 * and select by port, serial, model or VID:PID. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qfota/cleanup.h"
#include "qfota/log.h"
#include "usb-private.h"

int usbxfer_port_path(libusb_device *dev, char *buf, size_t cap)
{
	uint8_t ports[7];
	int n = libusb_get_port_numbers(dev, ports, (int)sizeof(ports));
	size_t o;

	if (n <= 0)
		return -EIO; /* a root hub, or the path is too deep */
	o = (size_t)snprintf(buf, cap, "%u", libusb_get_bus_number(dev));
	for (int i = 0; i < n && o < cap; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%c%u", i == 0 ? '-' : '.', ports[i]);
	return o < cap ? 0 : -EIO;
}

/* Endpoint types of alt 0 of interface ifno: bit 0 bulk IN, 1 bulk OUT, 2 interrupt IN.
 * -1 if there is no such interface. */
static int endpoint_kinds(const struct libusb_config_descriptor *cfg, int ifno,
			  const struct libusb_interface_descriptor **ret_alt)
{
	for (int i = 0; i < cfg->bNumInterfaces; i++) {
		const struct libusb_interface_descriptor *alt;
		int kinds = 0;

		if (cfg->interface[i].num_altsetting < 1)
			continue;
		alt = &cfg->interface[i].altsetting[0];
		if (alt->bInterfaceNumber != ifno)
			continue;
		for (int e = 0; e < alt->bNumEndpoints; e++) {
			uint8_t addr = alt->endpoint[e].bEndpointAddress;
			uint8_t type = alt->endpoint[e].bmAttributes & LIBUSB_TRANSFER_TYPE_MASK;
			bool in = addr & LIBUSB_ENDPOINT_IN;

			if (type == LIBUSB_TRANSFER_TYPE_BULK)
				kinds |= in ? 1 : 2;
			else if (type == LIBUSB_TRANSFER_TYPE_INTERRUPT && in)
				kinds |= 4;
		}
		if (ret_alt)
			*ret_alt = alt;
		return kinds;
	}
	return -1;
}

/* option.c binds the AT ports of Quectel's Unisoc/ASR parts by (ff, 00, 00)
 * (facts §1.4); the AT port proper also has an interrupt IN for its modem
 * status lines. Several candidates (EC200U has two such ports, if2 and if7)
 * cannot be told apart from descriptors alone: refuse. */
static int guess_at_interface(const struct libusb_config_descriptor *cfg, char *note, size_t cap)
{
	int found = -1, count = 0;
	char list[64] = "";

	for (int i = 0; i < cfg->bNumInterfaces; i++) {
		const struct libusb_interface_descriptor *alt;
		int ifno, kinds;

		if (cfg->interface[i].num_altsetting < 1)
			continue;
		alt = &cfg->interface[i].altsetting[0];
		ifno = alt->bInterfaceNumber;
		if (alt->bInterfaceClass != 0xff || alt->bInterfaceSubClass != 0 || alt->bInterfaceProtocol != 0)
			continue;
		kinds = endpoint_kinds(cfg, ifno, NULL);
		if (kinds != 7)
			continue;
		count++;
		found = ifno;
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%d", count > 1 ? ", " : "", ifno);
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

/* Reads a one-line sysfs attribute into buf (newline stripped). */
static int read_attr(const char *path, char *buf, size_t cap)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, cap - 1);
	if (n < 0)
		return -errno;
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

int usbxfer_module_describe(libusb_device *dev, struct usbxfer_module *ret)
{
	struct libusb_device_descriptor dd;
	struct libusb_config_descriptor *cfg = NULL;
	struct usbxfer_module m = { .at_interface = -1 };
	char path[128];
	int r, config = 1;

	r = libusb_get_device_descriptor(dev, &dd);
	if (r < 0)
		return usbxfer_errno_from_libusb(r);
	r = usbxfer_port_path(dev, m.port, sizeof(m.port));
	if (r < 0)
		return r;
	m.vid = dd.idVendor;
	m.pid = dd.idProduct;
	m.bus = libusb_get_bus_number(dev);
	m.devnum = libusb_get_device_address(dev);
	m.model = usbxfer_model_find(m.vid, m.pid);
	if (m.model)
		snprintf(m.model_name, sizeof(m.model_name), "%s", m.model->name);
	else
		snprintf(m.model_name, sizeof(m.model_name), "Quectel %04x:%04x", m.vid, m.pid);

	r = libusb_get_active_config_descriptor(dev, &cfg);
	if (r < 0) {
		snprintf(m.note, sizeof(m.note), "no configuration descriptor (%s)", libusb_error_name(r));
	} else {
		config = cfg->bConfigurationValue;
		if (m.model && m.model->at_interface >= 0) {
			const struct libusb_interface_descriptor *alt = NULL;
			int kinds = endpoint_kinds(cfg, m.model->at_interface, &alt);

			if (kinds >= 0 && (kinds & 3) == 3 && alt->bInterfaceClass == 0xff)
				m.at_interface = m.model->at_interface;
			else
				snprintf(m.note, sizeof(m.note), "interface %d is not an AT port here "
					 "(download mode or another USB composition?)", m.model->at_interface);
		} else {
			r = guess_at_interface(cfg, m.note, sizeof(m.note));
			if (r >= 0)
				m.at_interface = r;
			m.at_ambiguous = r == -ENOTUNIQ;
		}
		libusb_free_config_descriptor(cfg);
	}
	if (m.at_interface >= 0) {
		interface_driver(m.port, config, m.at_interface, m.driver, sizeof(m.driver));
		interface_tty(m.port, config, m.at_interface, m.tty, sizeof(m.tty));
	}
	snprintf(path, sizeof(path), "/sys/bus/usb/devices/%s/serial", m.port);
	(void)read_attr(path, m.serial, sizeof(m.serial));
	*ret = m;
	return 0;
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

int usbxfer_discover(const struct usbxfer_select *sel, struct usbxfer_module **ret_modules, size_t *ret_n)
{
	libusb_context *ctx = NULL;
	libusb_device **list = NULL;
	_cleanup_free_ struct usbxfer_module *mods = NULL;
	ssize_t n;
	size_t count = 0;
	int r;

	r = usbxfer_ctx_new(&ctx);
	if (r < 0)
		return r;
	n = libusb_get_device_list(ctx, &list);
	if (n < 0) {
		r = usbxfer_errno_from_libusb((int)n);
		usbxfer_ctx_free(ctx);
		return qfota_log_errno(QFOTA_LOG_DEBUG, r, "listing USB devices: %s", libusb_error_name((int)n));
	}
	mods = calloc((size_t)n + 1, sizeof(*mods));
	if (!mods) {
		libusb_free_device_list(list, 1);
		usbxfer_ctx_free(ctx);
		return -ENOMEM;
	}
	for (ssize_t i = 0; i < n; i++) {
		struct libusb_device_descriptor dd;

		if (libusb_get_device_descriptor(list[i], &dd) < 0 || dd.idVendor != USBXFER_QUECTEL_VID)
			continue;
		if (usbxfer_module_describe(list[i], &mods[count]) < 0)
			continue;
		if (selected(&mods[count], sel))
			count++;
	}
	libusb_free_device_list(list, 1);
	usbxfer_ctx_free(ctx);
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
