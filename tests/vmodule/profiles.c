/* The virtual modules' identities and USB layouts (profile.h), and their wire
 * descriptors. Every field comes from ../shared/QUECTEL_FACTS.md §1 unless it
 * is marked [I] (an inference, as in the facts file).
 *
 * bInterval on the wire for high-speed interrupt endpoints: period =
 * 2^(bInterval-1) microframes of 125 us, so usb-devices' "Ivl=32ms" is 9 and
 * "Ivl=4096ms" is 16.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "adapter.h"
#include "profile.h"

#define BULK 2
#define INTR 3
#define IVL_32MS 9
#define IVL_4096MS 16

#define EP_BULK(a) { (a), BULK, 512, 0 }
#define EP_INTR(a, mps, ivl) { (a), INTR, (mps), (ivl) }
#define IF1(c, s, p, drv, n, ...) \
	{ .n_alts = 1, .alts = { { (c), (s), (p), (n), { __VA_ARGS__ } } }, .kernel_driver = (drv) }

/* EC200U: kernel commit d9bbb1588104 (facts §1.3). Inside if2 and if7 the bulk
 * endpoints come before the interrupt one, unlike the EC25 family. */
static const struct vm_profile ec200u = {
	.name = "ec200u",
	.vid = 0x2c7c, .pid = 0x0901, .bcd_device = 0x0318, .bcd_usb = 0x0200,
	.dev_class = 0x00, .dev_subclass = 0x00, .dev_proto = 0x00, .ep0_max_packet = 64,
	.manufacturer = "Android", .product = "Android", .serial = NULL,
	.config_attributes = 0xe0, .max_power_2ma = 200, /* 400 mA */
	.n_interfaces = 9,
	.interfaces = {
		{ .n_alts = 1,
		  .alts = { { 0x02, 0x06, 0x00, 1, { EP_INTR(0x81, 16, IVL_32MS) } } },
		  .kernel_driver = "cdc_ether",
		  .iad_count = 2, .iad_cls = 0x02, .iad_subcls = 0x06, .iad_proto = 0x00 },
		{ .n_alts = 2,
		  .alts = { { 0x0a, 0x00, 0x00, 0, { { 0 } } },
			    { 0x0a, 0x00, 0x00, 2, { EP_BULK(0x82), EP_BULK(0x01) } } },
		  .kernel_driver = "cdc_ether" },
		IF1(0xff, 0x00, 0x00, "option", 3, EP_BULK(0x84), EP_BULK(0x02),
		    EP_INTR(0x83, 512, IVL_4096MS)),
		IF1(0xff, 0x00, 0x00, "option", 2, EP_BULK(0x85), EP_BULK(0x03)),
		IF1(0xff, 0x00, 0x00, "option", 2, EP_BULK(0x86), EP_BULK(0x04)),
		IF1(0xff, 0x00, 0x00, "option", 2, EP_BULK(0x87), EP_BULK(0x05)),
		IF1(0xff, 0x00, 0x00, "option", 2, EP_BULK(0x88), EP_BULK(0x06)),
		IF1(0xff, 0x00, 0x00, "option", 3, EP_BULK(0x8a), EP_BULK(0x07),
		    EP_INTR(0x89, 512, IVL_4096MS)),
		IF1(0xff, 0x00, 0x00, "option", 2, EP_BULK(0x8b), EP_BULK(0x08)),
	},
	.at_interface = 2,
	.ati_model = "EC200U",
	.default_revision = "EC200UCNAAR03A15M08", /* real log, facts §2.2 */
	.qgmr_suffix = "", /* [I] no QGMR capture for EC200U */
	.reboot_style = VM_REBOOT_AFTER_END,
	.supports_file_mode = 1,
	.supports_qfupl = 0,
	.local_fota_dir = "/data/ufs",
	.ufs_total_bytes = 64u << 20, /* [I] room for the 40 MB deltas of DESIGN.md */
};

/* The EC25 endpoint map of kernel commit 2bb70f0a4b23 (facts §1.2), default
 * 5-interface composition: interrupt IN first, then bulk IN, bulk OUT. */
#define EC25_INTERFACES \
	IF1(0xff, 0xff, 0xff, "option", 2, EP_BULK(0x81), EP_BULK(0x01)), \
	IF1(0xff, 0x00, 0x00, "option", 3, EP_INTR(0x83, 10, IVL_32MS), EP_BULK(0x82), EP_BULK(0x02)), \
	IF1(0xff, 0x00, 0x00, "option", 3, EP_INTR(0x85, 10, IVL_32MS), EP_BULK(0x84), EP_BULK(0x03)), \
	IF1(0xff, 0x00, 0x00, "option", 3, EP_INTR(0x87, 10, IVL_32MS), EP_BULK(0x86), EP_BULK(0x04)), \
	IF1(0xff, 0xff, 0xff, "qmi_wwan", 3, EP_INTR(0x89, 8, IVL_32MS), EP_BULK(0x88), EP_BULK(0x05))

/* EG25-G: identity from its dmesg (Quectel/EG25-G, bcdDevice 3.18, no serial
 * string, facts §1.1), layout of the EC25 it is a variant of (same PID). */
static const struct vm_profile eg25 = {
	.name = "eg25",
	.vid = 0x2c7c, .pid = 0x0125, .bcd_device = 0x0318, .bcd_usb = 0x0200,
	.dev_class = 0xef, .dev_subclass = 0x02, .dev_proto = 0x01, .ep0_max_packet = 64,
	.manufacturer = "Quectel", .product = "EG25-G", .serial = NULL,
	.config_attributes = 0xa0, .max_power_2ma = 250, /* 500 mA */
	.n_interfaces = 5,
	.interfaces = { EC25_INTERFACES },
	.at_interface = 2,
	.ati_model = "EG25", /* not EG25-G: lukejenkins/cwd outputs.md, facts §2.2 */
	.default_revision = "EG25GGBR07A08M2G",
	.qgmr_suffix = "_30.203.30.203",
	.reboot_style = VM_REBOOT_DFOTA,
	.supports_file_mode = 0,
	.supports_qfupl = 1,
	.local_fota_dir = "/data/ufs",
	.ufs_total_bytes = 64u << 20, /* [I] */
};

/* EP06-E: OpenWrt's ltedongle page (facts §1.1); its endpoint map is assumed
 * to be the EC25 one [I] (same Qualcomm family, same option.c pattern). */
static const struct vm_profile ep06 = {
	.name = "ep06",
	.vid = 0x2c7c, .pid = 0x0306, .bcd_device = 0x0310, .bcd_usb = 0x0200,
	.dev_class = 0xef, .dev_subclass = 0x02, .dev_proto = 0x01, .ep0_max_packet = 64,
	.manufacturer = "Quectel", .product = "EP06-E", .serial = "0123456789ABCDEF",
	.config_attributes = 0xa0, .max_power_2ma = 250,
	.n_interfaces = 5,
	.interfaces = { EC25_INTERFACES },
	.at_interface = 2,
	.ati_model = "EP06",
	.default_revision = "EP06ELAR04A05M4G", /* [I] EC2x-style revision string */
	.qgmr_suffix = "_01.001.01.001", /* [I] as EG18's, facts §2.2 */
	.reboot_style = VM_REBOOT_DFOTA,
	.supports_file_mode = 0,
	.supports_qfupl = 1,
	.local_fota_dir = "/data/ufs",
	.ufs_total_bytes = 64u << 20, /* [I] */
};

/* The hub a module sits behind for ports like 1-4.2. [I] A Genesys Logic
 * GL850G, the most common 4-port USB 2.0 hub chip; only its shape matters. */
static const struct vm_profile hub = {
	.name = "hub",
	.vid = 0x05e3, .pid = 0x0608, .bcd_device = 0x6060, .bcd_usb = 0x0200,
	.dev_class = 0x09, .dev_subclass = 0x00, .dev_proto = 0x01, .ep0_max_packet = 64,
	.manufacturer = NULL, .product = "USB2.0 Hub", .serial = NULL,
	.config_attributes = 0xe0, .max_power_2ma = 50,
	.n_interfaces = 1,
	.interfaces = { IF1(0x09, 0x00, 0x00, "hub", 1, EP_INTR(0x81, 1, 12)) },
	.at_interface = 0xff,
};

/* Qualcomm emergency download mode (QDL/EDL, 05c6:9008): the boot ROM's
 * Sahara/Firehose port, what a Qualcomm module with no bootable firmware
 * shows (facts §1.4: RM500Q's QDL interface ff/ff/10 is another path to the
 * same mode). One vendor interface, two bulk endpoints, no AT port; the
 * strings are those of the "QUSB__BULK" device [I]. */
static const struct vm_profile edl = {
	.name = "edl",
	.vid = 0x05c6, .pid = 0x9008, .bcd_device = 0x0000, .bcd_usb = 0x0200,
	.dev_class = 0x00, .dev_subclass = 0x00, .dev_proto = 0x00, .ep0_max_packet = 64,
	.manufacturer = "Qualcomm CDMA Technologies MSM", .product = "QUSB__BULK", .serial = NULL,
	.config_attributes = 0xa0, .max_power_2ma = 1,
	.n_interfaces = 1,
	.interfaces = { IF1(0xff, 0xff, 0xff, NULL, 2, EP_BULK(0x81), EP_BULK(0x01)) },
	.at_interface = 0xff,
};

static const struct vm_profile *const all[] = { &ec200u, &eg25, &ep06, NULL };

const struct vm_profile *vm_profile_find(const char *name)
{
	for (size_t i = 0; name && all[i]; i++)
		if (strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}

const struct vm_profile *const *vm_profile_all(void)
{
	return all;
}

const struct vm_profile *vm_profile_hub(void)
{
	return &hub;
}

const struct vm_profile *vm_profile_edl(void)
{
	return &edl;
}

/* The RNDIS composition (AT+QCFG="usbnet",3) of a profile, for fault
 * back-rndis: RNDIS's control (e0/01/03) and data interfaces first, then the
 * profile's serial interfaces renumbered after them, its own network function
 * (QMI, CDC-ECM) gone. Facts §7 (gl-inet thread 28294): "RNDIS on interfaces
 * 0-1 shifts the serial ports", which breaks a match by interface number: on
 * the EC25 family the AT port moves from if2 to if4 and if2 is the DM port.
 * [I] same VID:PID, strings and power; the RNDIS endpoints take the
 * addresses the network function freed; no class-specific descriptors. */
static struct vm_profile rndis[sizeof(all) / sizeof(all[0])];

static void take_endpoints(const struct vm_interface *itf, struct vm_endpoint *intr, struct vm_endpoint *in,
			   struct vm_endpoint *out)
{
	for (unsigned a = 0; a < itf->n_alts; a++)
		for (unsigned e = 0; e < itf->alts[a].n_endpoints; e++) {
			const struct vm_endpoint *ep = &itf->alts[a].endpoints[e];
			struct vm_endpoint *to = ep->attributes == INTR ? intr : ep->address & 0x80 ? in : out;

			if (!to->address)
				*to = *ep;
		}
}

static bool is_network(const struct vm_interface *itf)
{
	return itf->kernel_driver &&
	       (strcmp(itf->kernel_driver, "qmi_wwan") == 0 || strcmp(itf->kernel_driver, "cdc_ether") == 0);
}

static void build_rndis(void)
{
	for (size_t k = 0; all[k]; k++) {
		const struct vm_profile *p = all[k];
		struct vm_profile *r = &rndis[k];
		struct vm_endpoint intr = { 0 }, in = { 0 }, out = { 0 };
		unsigned n = 2;

		*r = *p;
		memset(r->interfaces, 0, sizeof(r->interfaces));
		for (unsigned i = 0; i < p->n_interfaces; i++) {
			if (is_network(&p->interfaces[i])) {
				take_endpoints(&p->interfaces[i], &intr, &in, &out);
				continue;
			}
			if (i == p->at_interface)
				r->at_interface = (uint8_t)n;
			r->interfaces[n++] = p->interfaces[i];
		}
		r->n_interfaces = (uint8_t)n;
		r->interfaces[0] = (struct vm_interface){ .n_alts = 1,
			.alts = { { 0xe0, 0x01, 0x03, 1, { intr } } }, .kernel_driver = "rndis_host",
			.iad_count = 2, .iad_cls = 0xe0, .iad_subcls = 0x01, .iad_proto = 0x03 };
		r->interfaces[1] = (struct vm_interface){ .n_alts = 1,
			.alts = { { 0x0a, 0x00, 0x00, 2, { in, out } } }, .kernel_driver = "rndis_host" };
	}
}

const struct vm_profile *vm_profile_rndis(const struct vm_profile *p)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, build_rndis);
	for (size_t k = 0; all[k]; k++)
		if (all[k] == p)
			return &rndis[k];
	return p;
}

/* [I] CDC-ECM needs class-specific descriptors after its control interface
 * (Header, Union, Ethernet Networking): the EC200U's if0/if1 pair is bound by
 * cdc_ether (facts §1.3), whose bind fails without Union and Ethernet ones.
 * The Ethernet descriptor names its MAC address string (index 4). */
static const uint8_t ecm_functional[] = {
	5, 0x24, 0x00, 0x10, 0x01,                      /* Header, bcdCDC 1.10 */
	5, 0x24, 0x06, 0x00, 0x01,                      /* Union: master 0, slave 1 */
	13, 0x24, 0x0f, VM_STRING_MAC, 0, 0, 0, 0, 0xea, 0x05, 0, 0, 0, /* 1514 */
};
static const char ecm_mac[] = "0a5c3e000901"; /* [I] locally administered */

static bool is_ecm_control(const struct vm_altsetting *a)
{
	return a->cls == 0x02 && a->subcls == 0x06;
}

static bool has_ecm(const struct vm_profile *p)
{
	for (unsigned i = 0; i < p->n_interfaces; i++)
		if (is_ecm_control(&p->interfaces[i].alts[0]))
			return true;
	return false;
}

struct out {
	uint8_t *buf;
	size_t cap, len;
};

static void put(struct out *o, const void *data, size_t n)
{
	if (o->len + n <= o->cap)
		memcpy(o->buf + o->len, data, n);
	o->len += n; /* counts past cap so the caller can report -ENOSPC */
}

static void put_config(const struct vm_profile *p, struct out *o)
{
	size_t start = o->len;
	uint8_t cfg[9] = { 9, 0x02, 0, 0, p->n_interfaces, 1, 0, p->config_attributes,
			   p->max_power_2ma };

	put(o, cfg, sizeof(cfg));
	for (unsigned i = 0; i < p->n_interfaces; i++) {
		const struct vm_interface *itf = &p->interfaces[i];

		if (itf->iad_count > 0) {
			uint8_t iad[8] = { 8, 0x0b, (uint8_t)i, (uint8_t)itf->iad_count,
					   itf->iad_cls, itf->iad_subcls, itf->iad_proto, 0 };
			put(o, iad, sizeof(iad));
		}
		for (unsigned a = 0; a < itf->n_alts; a++) {
			const struct vm_altsetting *alt = &itf->alts[a];
			uint8_t d[9] = { 9, 0x04, (uint8_t)i, (uint8_t)a, alt->n_endpoints,
					 alt->cls, alt->subcls, alt->proto, 0 };

			put(o, d, sizeof(d));
			if (is_ecm_control(alt))
				put(o, ecm_functional, sizeof(ecm_functional));
			for (unsigned e = 0; e < alt->n_endpoints; e++) {
				const struct vm_endpoint *ep = &alt->endpoints[e];
				uint8_t ed[7] = { 7, 0x05, ep->address, ep->attributes,
						  (uint8_t)(ep->max_packet & 0xff),
						  (uint8_t)(ep->max_packet >> 8), ep->interval };
				put(o, ed, sizeof(ed));
			}
		}
	}
	if (start + 4 <= o->cap) {
		size_t total = o->len - start;
		o->buf[start + 2] = (uint8_t)(total & 0xff);
		o->buf[start + 3] = (uint8_t)(total >> 8);
	}
}

static int finish(const struct out *o)
{
	return o->len > o->cap ? -ENOSPC : (int)o->len;
}

int vm_profile_device_descriptor(const struct vm_profile *p, uint8_t *buf, size_t cap)
{
	uint8_t d[18] = {
		18, 0x01, (uint8_t)(p->bcd_usb & 0xff), (uint8_t)(p->bcd_usb >> 8),
		p->dev_class, p->dev_subclass, p->dev_proto, p->ep0_max_packet,
		(uint8_t)(p->vid & 0xff), (uint8_t)(p->vid >> 8),
		(uint8_t)(p->pid & 0xff), (uint8_t)(p->pid >> 8),
		(uint8_t)(p->bcd_device & 0xff), (uint8_t)(p->bcd_device >> 8),
		p->manufacturer ? VM_STRING_MANUFACTURER : 0,
		p->product ? VM_STRING_PRODUCT : 0,
		p->serial ? VM_STRING_SERIAL : 0, 1,
	};
	struct out o = { buf, cap, 0 };

	put(&o, d, sizeof(d));
	return finish(&o);
}

int vm_profile_descriptors(const struct vm_profile *p, uint8_t *buf, size_t cap)
{
	struct out o = { buf, cap, 0 };
	uint8_t dev[18];

	vm_profile_device_descriptor(p, dev, sizeof(dev));
	put(&o, dev, sizeof(dev));
	if (o.len <= cap) {
		struct out c = { buf + o.len, cap - o.len, 0 };
		put_config(p, &c);
		o.len += c.len;
	} else {
		struct out c = { NULL, 0, 0 };
		put_config(p, &c);
		o.len += c.len;
	}
	return finish(&o);
}

int vm_profile_config_descriptor(const struct vm_profile *p, uint8_t *buf, size_t cap)
{
	struct out o = { buf, cap, 0 };

	put_config(p, &o);
	return finish(&o);
}

int vm_profile_string_descriptor(const struct vm_profile *p, uint8_t index, uint8_t *buf, size_t cap)
{
	const char *s = NULL;
	struct out o = { buf, cap, 0 };

	switch (index) {
	case 0: {
		static const uint8_t langids[4] = { 4, 0x03, 0x09, 0x04 }; /* en-US */
		put(&o, langids, sizeof(langids));
		return finish(&o);
	}
	case VM_STRING_MANUFACTURER: s = p->manufacturer; break;
	case VM_STRING_PRODUCT: s = p->product; break;
	case VM_STRING_SERIAL: s = p->serial; break;
	case VM_STRING_MAC: s = has_ecm(p) ? ecm_mac : NULL; break;
	}
	if (!s)
		return -ENOENT;
	size_t n = strlen(s);
	if (n > 126)
		n = 126;
	uint8_t hdr[2] = { (uint8_t)(2 + 2 * n), 0x03 };
	put(&o, hdr, sizeof(hdr));
	for (size_t i = 0; i < n; i++) {
		uint8_t ch[2] = { (uint8_t)s[i], 0 }; /* ASCII only: UTF-16LE is trivial */
		put(&o, ch, sizeof(ch));
	}
	return finish(&o);
}
