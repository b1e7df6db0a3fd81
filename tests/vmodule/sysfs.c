/* What a USB device and its interfaces look like in sysfs and to udev, as
 * umockdev_testbed_add_from_string() text. The attribute formats are the
 * kernel's (drivers/usb/core/sysfs.c: "%02x\n", "%2d\n", "%4x\n" ...), the
 * properties those of the kernel uevent plus udev's usb_id builtin, since
 * umockdev serves both from the same place. UMOCKDEV_NOTES lists which ones
 * libusb needs (DEVTYPE=usb_device, descriptors, busnum, devnum, speed ...).
 *
 * No N: line: the adapter creates the node itself, as a FIFO (notes gotcha 1).
 */
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "adapter.h"

static void id_string(GString *s, const char *key, const char *val)
{
	g_string_append_printf(s, "E: %s=", key);
	for (const char *c = val; *c; c++)
		g_string_append_c(s, (*c == ' ' || *c == '/') ? '_' : *c);
	g_string_append_c(s, '\n');
}

/* "1-4.2" -> "4.2" (the kernel's devpath attribute and udev's ID_PATH tail). */
static const char *devpath_of(const char *port)
{
	const char *d = strchr(port, '-');
	return d ? d + 1 : port;
}

char *vm_sysfs_device(const struct vmod *mod)
{
	const struct vm_profile *p = mod->profile;
	GString *s = g_string_new(NULL);
	uint8_t desc[1024];
	int n = vm_profile_descriptors(p, desc, sizeof(desc));
	const char *vendor = p->manufacturer ? p->manufacturer : "";
	const char *model = p->product ? p->product : "";
	char buf[64];

	g_string_append_printf(s, "P: %s\n", mod->syspath + strlen("/sys"));
	g_string_append(s, "E: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DRIVER=usb\n");
	g_string_append_printf(s, "E: PRODUCT=%x/%x/%x\n", p->vid, p->pid, p->bcd_device);
	g_string_append_printf(s, "E: TYPE=%u/%u/%u\n", p->dev_class, p->dev_subclass, p->dev_proto);
	g_string_append_printf(s, "E: BUSNUM=%03u\nE: DEVNUM=%03u\n", mod->bus, mod->devnum);
	g_string_append_printf(s, "E: DEVNAME=%s\n", mod->devnode);
	g_string_append_printf(s, "E: MAJOR=189\nE: MINOR=%u\n", (mod->bus - 1) * 128 + mod->devnum - 1);
	g_string_append_printf(s, "E: ID_BUS=usb\nE: ID_VENDOR_ID=%04x\nE: ID_MODEL_ID=%04x\nE: ID_REVISION=%04x\n",
			       p->vid, p->pid, p->bcd_device);
	snprintf(buf, sizeof(buf), "%04x", p->vid);
	id_string(s, "ID_VENDOR", *vendor ? vendor : buf);
	snprintf(buf, sizeof(buf), "%04x", p->pid);
	id_string(s, "ID_MODEL", *model ? model : buf);
	{
		GString *serial = g_string_new(NULL);
		g_string_append_printf(serial, "%s_%s", *vendor ? vendor : "", *model ? model : "");
		if (p->serial) {
			g_string_append_printf(serial, "_%s", p->serial);
			id_string(s, "ID_SERIAL_SHORT", p->serial);
		}
		id_string(s, "ID_SERIAL", serial->str);
		g_string_free(serial, TRUE);
	}
	{
		/* udev's usb_id lists each interface type once, ":ff0000:020600:" */
		GString *ifs = g_string_new(":");
		for (unsigned i = 0; i < p->n_interfaces; i++) {
			const struct vm_altsetting *a = &p->interfaces[i].alts[0];
			char t[16];
			snprintf(t, sizeof(t), ":%02x%02x%02x:", a->cls, a->subcls, a->proto);
			if (!strstr(ifs->str, t))
				g_string_append(ifs, t + 1);
		}
		g_string_append_printf(s, "E: ID_USB_INTERFACES=%s\n", ifs->str);
		g_string_free(ifs, TRUE);
	}
	g_string_append_printf(s, "E: ID_PATH=pci-0000:00:14.0-usb-0:%s\n", devpath_of(mod->port));

	g_string_append_printf(s, "A: busnum=%u\\n\nA: devnum=%u\\n\nA: devpath=%s\\n\n",
			       mod->bus, mod->devnum, devpath_of(mod->port));
	g_string_append_printf(s, "A: dev=189:%u\\n\n", (mod->bus - 1) * 128 + mod->devnum - 1);
	g_string_append(s, "A: speed=480\\n\nA: bConfigurationValue=1\\n\nA: bNumConfigurations=1\\n\n");
	g_string_append_printf(s, "A: bNumInterfaces=%2u\\n\n", p->n_interfaces);
	g_string_append_printf(s, "A: bDeviceClass=%02x\\n\nA: bDeviceSubClass=%02x\\n\nA: bDeviceProtocol=%02x\\n\n",
			       p->dev_class, p->dev_subclass, p->dev_proto);
	g_string_append_printf(s, "A: bMaxPacketSize0=%u\\n\n", p->ep0_max_packet);
	g_string_append_printf(s, "A: idVendor=%04x\\n\nA: idProduct=%04x\\n\nA: bcdDevice=%04x\\n\n",
			       p->vid, p->pid, p->bcd_device);
	g_string_append_printf(s, "A: version=%2x.%02x\\n\n", p->bcd_usb >> 8, p->bcd_usb & 0xff);
	g_string_append_printf(s, "A: bmAttributes=%02x\\n\nA: bMaxPower=%umA\\n\n",
			       p->config_attributes, p->max_power_2ma * 2u);
	if (p->manufacturer)
		g_string_append_printf(s, "A: manufacturer=%s\\n\n", p->manufacturer);
	if (p->product)
		g_string_append_printf(s, "A: product=%s\\n\n", p->product);
	if (p->serial)
		g_string_append_printf(s, "A: serial=%s\\n\n", p->serial);
	g_string_append_printf(s, "A: maxchild=%u\\n\n", p->dev_class == 0x09 ? 4u : 0u);
	g_string_append(s, "A: configuration=\\n\nA: authorized=1\\n\nA: avoid_reset_port=0\\n\nA: removable=unknown\\n\n"
			   "A: quirks=0x0\\n\nA: ltm_capable=no\\n\nA: rx_lanes=1\\n\nA: tx_lanes=1\\n\n"
			   "A: power/control=on\\n\nA: power/autosuspend_delay_ms=2000\\n\n");
	g_string_append(s, "H: descriptors=");
	for (int i = 0; i < n; i++)
		g_string_append_printf(s, "%02X", desc[i]);
	g_string_append(s, "\n\n");
	return g_string_free(s, FALSE);
}

char *vm_sysfs_interface(const struct vmod *mod, unsigned ifno, char *ret_path, size_t cap)
{
	const struct vm_profile *p = mod->profile;
	const struct vm_interface *itf = &p->interfaces[ifno];
	const struct vm_altsetting *a = &itf->alts[0];
	GString *s = g_string_new(NULL);

	snprintf(ret_path, cap, "%s/%s:1.%u", mod->syspath, mod->port, ifno);
	g_string_append_printf(s, "P: %s\n", ret_path + strlen("/sys"));
	g_string_append(s, "E: SUBSYSTEM=usb\nE: DEVTYPE=usb_interface\n");
	if (itf->kernel_driver)
		g_string_append_printf(s, "E: DRIVER=%s\n", itf->kernel_driver);
	g_string_append_printf(s, "E: PRODUCT=%x/%x/%x\n", p->vid, p->pid, p->bcd_device);
	g_string_append_printf(s, "E: TYPE=%u/%u/%u\n", p->dev_class, p->dev_subclass, p->dev_proto);
	g_string_append_printf(s, "E: INTERFACE=%u/%u/%u\n", a->cls, a->subcls, a->proto);
	g_string_append_printf(s, "E: MODALIAS=usb:v%04Xp%04Xd%04Xdc%02Xdsc%02Xdp%02Xic%02Xisc%02Xip%02Xin%02X\n",
			       p->vid, p->pid, p->bcd_device, p->dev_class, p->dev_subclass, p->dev_proto,
			       a->cls, a->subcls, a->proto, ifno);
	g_string_append_printf(s, "A: bInterfaceNumber=%02x\\n\nA: bAlternateSetting=%2u\\n\n", ifno, 0u);
	g_string_append_printf(s, "A: bNumEndpoints=%02x\\n\nA: bInterfaceClass=%02x\\n\n", a->n_endpoints, a->cls);
	g_string_append_printf(s, "A: bInterfaceSubClass=%02x\\n\nA: bInterfaceProtocol=%02x\\n\n", a->subcls, a->proto);
	g_string_append(s, "A: authorized=1\\n\nA: supports_autosuspend=1\\n\n\n");
	return g_string_free(s, FALSE);
}
