/* Each profile, enumerated in-process by a small libusb client, against
 * ../shared/QUECTEL_FACTS.md §1. The expected layouts are written out here
 * from the facts, independently of profiles.c.
 * Layout notation: "if.alt=cls/sub/proto[drv]:ep,ep,..." with ep "84b512"
 * (address, b bulk / i interrupt, wMaxPacketSize) and "xN" for bInterval. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>
#include <libusb.h>

#include "vmodule/adapter.h"
#include "vmodule/vmodule.h"

struct expect {
	const char *profile;
	uint16_t vid, pid, bcd;
	uint8_t cls, sub, proto;
	const char *manufacturer, *product, *serial; /* serial NULL: no string */
	uint8_t attributes;
	unsigned max_power_ma;
	const char *iad;                             /* "first+count=cls/sub/proto" or "" */
	const char *layout;
	bool rndis;                                  /* the profile's RNDIS composition (back-rndis) */
};

/* Facts §1.3 (kernel commit d9bbb1588104): bulk IN, bulk OUT, then interrupt. */
static const struct expect ec200u = {
	"ec200u", 0x2c7c, 0x0901, 0x0318, 0x00, 0x00, 0x00, "Android", "Android", NULL, 0xe0, 400,
	"0+2=02/06/00",
	"0.0=02/06/00:81i16x9 1.0=0a/00/00: 1.1=0a/00/00:82b512,01b512 "
	"2.0=ff/00/00:84b512,02b512,83i512x16 3.0=ff/00/00:85b512,03b512 "
	"4.0=ff/00/00:86b512,04b512 5.0=ff/00/00:87b512,05b512 6.0=ff/00/00:88b512,06b512 "
	"7.0=ff/00/00:8ab512,07b512,89i512x16 8.0=ff/00/00:8bb512,08b512",
};

/* Facts §1.2 (kernel commit 2bb70f0a4b23): interrupt IN first on if1-if4. */
#define EC25_LAYOUT \
	"0.0=ff/ff/ff:81b512,01b512 1.0=ff/00/00:83i10x9,82b512,02b512 " \
	"2.0=ff/00/00:85i10x9,84b512,03b512 3.0=ff/00/00:87i10x9,86b512,04b512 " \
	"4.0=ff/ff/ff:89i8x9,88b512,05b512"

static const struct expect eg25 = {
	"eg25", 0x2c7c, 0x0125, 0x0318, 0xef, 0x02, 0x01, "Quectel", "EG25-G", NULL, 0xa0, 500,
	"", EC25_LAYOUT,
};

static const struct expect ep06 = {
	"ep06", 0x2c7c, 0x0306, 0x0310, 0xef, 0x02, 0x01, "Quectel", "EP06-E", "0123456789ABCDEF",
	0xa0, 500, "", EC25_LAYOUT,
};

/* Facts §7 (gl-inet thread 28294): after AT+QCFG="usbnet",3 RNDIS takes
 * interfaces 0-1 and the serial ports shift by two; the QMI function is gone.
 * The AT port is interface 4 now, and interface 2 the DM port. */
static const struct expect eg25_rndis = {
	"eg25", 0x2c7c, 0x0125, 0x0318, 0xef, 0x02, 0x01, "Quectel", "EG25-G", NULL, 0xa0, 500,
	"0+2=e0/01/03",
	"0.0=e0/01/03:89i8x9 1.0=0a/00/00:88b512,05b512 2.0=ff/ff/ff:81b512,01b512 "
	"3.0=ff/00/00:83i10x9,82b512,02b512 4.0=ff/00/00:85i10x9,84b512,03b512 "
	"5.0=ff/00/00:87i10x9,86b512,04b512",
	true,
};

static void layout_of(const struct libusb_config_descriptor *c, GString *out)
{
	for (int i = 0; i < c->bNumInterfaces; i++) {
		const struct libusb_interface *itf = &c->interface[i];
		for (int a = 0; a < itf->num_altsetting; a++) {
			const struct libusb_interface_descriptor *d = &itf->altsetting[a];
			g_string_append_printf(out, "%s%u.%u=%02x/%02x/%02x:", out->len ? " " : "",
					       d->bInterfaceNumber, d->bAlternateSetting, d->bInterfaceClass,
					       d->bInterfaceSubClass, d->bInterfaceProtocol);
			for (int e = 0; e < d->bNumEndpoints; e++) {
				const struct libusb_endpoint_descriptor *ep = &d->endpoint[e];
				bool intr = (ep->bmAttributes & 3) == LIBUSB_TRANSFER_TYPE_INTERRUPT;
				g_string_append_printf(out, "%s%02x%c%u", e ? "," : "", ep->bEndpointAddress,
						       intr ? 'i' : 'b', ep->wMaxPacketSize);
				if (intr)
					g_string_append_printf(out, "x%u", ep->bInterval);
			}
		}
	}
}

/* The IAD, from the raw extra bytes libusb leaves on the first interface. */
static void iad_of(const struct libusb_config_descriptor *c, GString *out)
{
	const unsigned char *x = c->extra;
	int n = c->extra_length;

	if (n == 0 && c->bNumInterfaces > 0) {
		x = c->interface[0].altsetting[0].extra;
		n = c->interface[0].altsetting[0].extra_length;
	}
	for (int i = 0; i + 8 <= n; i += x[i] ? x[i] : n)
		if (x[i + 1] == 0x0b)
			g_string_append_printf(out, "%u+%u=%02x/%02x/%02x", x[i + 2], x[i + 3], x[i + 4],
					       x[i + 5], x[i + 6]);
}

static void check_string(libusb_device_handle *h, uint8_t index, const char *want)
{
	unsigned char buf[128];

	if (!want) {
		assert_int_equal(index, 0);
		return;
	}
	assert_int_not_equal(index, 0);
	assert_true(libusb_get_string_descriptor_ascii(h, index, buf, sizeof(buf)) > 0);
	assert_string_equal((char *)buf, want);
}

static void check_profile(const struct expect *x, const char *port)
{
	struct vm_station *st = vm_station_new();
	struct vm_model_config cfg = { 0 };
	libusb_context *ctx;
	libusb_device **list;
	libusb_device *dev = NULL;
	struct libusb_device_descriptor dd;
	struct libusb_config_descriptor *c;
	libusb_device_handle *h;
	GString *layout = g_string_new(NULL), *iad = g_string_new(NULL);

	assert_non_null(st);
	cfg.profile = vm_profile_find(x->profile);
	assert_non_null(cfg.profile);
	if (x->rndis)
		cfg.profile = vm_profile_rndis(cfg.profile);
	cfg.port = port;
	cfg.imei = "866050034443331";
	assert_true(vm_pacing_preset("fast", &cfg.pacing));
	assert_int_equal(vm_station_add(st, &cfg), 0);
	assert_int_equal(libusb_init(&ctx), 0);

	ssize_t n = libusb_get_device_list(ctx, &list);
	for (ssize_t i = 0; i < n; i++) {
		assert_int_equal(libusb_get_device_descriptor(list[i], &dd), 0);
		if (dd.idVendor == x->vid)
			dev = libusb_ref_device(list[i]);
	}
	libusb_free_device_list(list, 1);
	assert_non_null(dev);

	assert_int_equal(libusb_get_device_descriptor(dev, &dd), 0);
	assert_int_equal(dd.bcdUSB, 0x0200);
	assert_int_equal(dd.idProduct, x->pid);
	assert_int_equal(dd.bcdDevice, x->bcd);
	assert_int_equal(dd.bDeviceClass, x->cls);
	assert_int_equal(dd.bDeviceSubClass, x->sub);
	assert_int_equal(dd.bDeviceProtocol, x->proto);
	assert_int_equal(dd.bMaxPacketSize0, 64);
	assert_int_equal(dd.bNumConfigurations, 1);
	assert_int_equal(libusb_get_device_speed(dev), LIBUSB_SPEED_HIGH);

	uint8_t ports[8], want_ports[8];
	int depth = 0;
	for (const char *s = strchr(port, '-') + 1; s; s = strchr(s, '.') ? strchr(s, '.') + 1 : NULL)
		want_ports[depth++] = (uint8_t)atoi(s);
	assert_int_equal(libusb_get_port_numbers(dev, ports, sizeof(ports)), depth);
	assert_memory_equal(ports, want_ports, (size_t)depth);

	assert_int_equal(libusb_get_active_config_descriptor(dev, &c), 0);
	assert_int_equal(c->bConfigurationValue, 1);
	assert_int_equal(c->bmAttributes, x->attributes);
	assert_int_equal(c->MaxPower * 2, x->max_power_ma);
	layout_of(c, layout);
	assert_string_equal(layout->str, x->layout);
	iad_of(c, iad);
	assert_string_equal(iad->str, x->iad);
	libusb_free_config_descriptor(c);

	/* Strings and GET_DESCRIPTOR(CONFIG) go over control transfers. */
	assert_int_equal(libusb_open(dev, &h), 0);
	check_string(h, dd.iManufacturer, x->manufacturer);
	check_string(h, dd.iProduct, x->product);
	check_string(h, dd.iSerialNumber, x->serial);
	unsigned char raw[512];
	int len = libusb_get_descriptor(h, LIBUSB_DT_CONFIG, 0, raw, sizeof(raw));
	assert_true(len > 9);
	assert_int_equal(raw[2] | raw[3] << 8, len); /* wTotalLength right */
	libusb_close(h);

	libusb_unref_device(dev);
	libusb_exit(ctx);
	vm_station_free(st);
	g_string_free(layout, TRUE);
	g_string_free(iad, TRUE);
}

static void test_ec200u(void **state) { (void)state; check_profile(&ec200u, "1-1"); }
static void test_eg25(void **state) { (void)state; check_profile(&eg25, "1-3"); }
static void test_ep06(void **state) { (void)state; check_profile(&ep06, "1-4.2"); }

static void test_rndis(void **state)
{
	(void)state;
	check_profile(&eg25_rndis, "1-2");
	assert_int_equal(vm_profile_rndis(vm_profile_find("eg25"))->at_interface, 4);
	/* the EC200U's ECM pair is replaced: its AT port stays interface 2 */
	assert_int_equal(vm_profile_rndis(vm_profile_find("ec200u"))->at_interface, 2);
	assert_int_equal(vm_profile_rndis(vm_profile_find("ec200u"))->n_interfaces, 9);
}

static void test_profile_list(void **state)
{
	const struct vm_profile *const *all = vm_profile_all();
	size_t n = 0;

	(void)state;
	while (all[n])
		n++;
	assert_int_equal(n, 3);
	assert_null(vm_profile_find("ec21"));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(all[i]->at_interface, 2);
	assert_string_equal(vm_profile_find("eg25")->ati_model, "EG25");
	assert_string_equal(vm_profile_find("eg25")->default_revision, "EG25GGBR07A08M2G");
	assert_string_equal(vm_profile_find("eg25")->qgmr_suffix, "_30.203.30.203");
	assert_string_equal(vm_profile_find("ec200u")->default_revision, "EC200UCNAAR03A15M08");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profile_list),
		cmocka_unit_test(test_ec200u),
		cmocka_unit_test(test_eg25),
		cmocka_unit_test(test_ep06),
		cmocka_unit_test(test_rndis),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
