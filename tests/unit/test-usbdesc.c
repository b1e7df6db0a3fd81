/* The descriptor walker (include/qfota/usbdesc.h): a two-interface device
 * as the kernel hands it out, the configuration picked by value, and every
 * way a device's bytes can be malformed refused with -EPROTO. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "qfota/usbdesc.h"

/* Device 2c7c:0901, config 1: if0 CDC (class 2) with an interrupt IN, if2
 * vendor ff/00/00 with bulk IN 0x83, bulk OUT 0x02 (512) and interrupt IN
 * 0x84, plus a class-specific descriptor and an alternate setting 1 of if2
 * that must not count. */
static const uint8_t blob[] = {
	18, 1, 0x00, 0x02, 0, 0, 0, 64, 0x7c, 0x2c, 0x01, 0x09, 0x18, 0x03, 1, 2, 3, 1,
	9, 2, 76, 0, 2, 1, 0, 0xe0, 250,
	9, 4, 0, 0, 1, 2, 6, 0, 0,
	5, 0x24, 0x00, 0x10, 0x01,
	7, 5, 0x81, 3, 16, 0, 9,
	9, 4, 2, 0, 3, 0xff, 0, 0, 0,
	7, 5, 0x83, 2, 0x00, 0x02, 0,
	7, 5, 0x02, 2, 0x00, 0x02, 0,
	7, 5, 0x84, 3, 16, 0, 9,
	9, 4, 2, 1, 1, 0xff, 0, 0, 0,
	7, 5, 0x85, 2, 0x00, 0x02, 0,
};

static void test_layout(void **state)
{
	struct usbdesc_layout l;
	const struct usbdesc_interface *it;

	(void)state;
	assert_int_equal(sizeof(blob), 18 + 76);
	assert_int_equal(usbdesc_parse(blob, sizeof(blob), 0, &l), 0);
	assert_int_equal(l.vid, 0x2c7c);
	assert_int_equal(l.pid, 0x0901);
	assert_int_equal(l.bcd_device, 0x0318);
	assert_int_equal(l.config_value, 1);
	assert_int_equal(l.n_interfaces, 2);
	it = usbdesc_find_interface(&l, 0);
	assert_non_null(it);
	assert_int_equal(it->cls, 2);
	assert_int_equal(it->kinds, USBDESC_INTR_IN);
	it = usbdesc_find_interface(&l, 2);
	assert_non_null(it);
	assert_int_equal(it->cls, 0xff);
	assert_int_equal(it->kinds, USBDESC_BULK_IN | USBDESC_BULK_OUT | USBDESC_INTR_IN);
	assert_int_equal(it->ep_bulk_in, 0x83);
	assert_int_equal(it->ep_bulk_out, 0x02);
	assert_int_equal(it->bulk_out_max_packet, 512);
	assert_null(usbdesc_find_interface(&l, 1));
	assert_int_equal(usbdesc_parse(blob, sizeof(blob), 1, &l), 0);
	assert_int_equal(usbdesc_parse(blob, sizeof(blob), 2, &l), -ENOENT);
}

static void expect_eproto(const uint8_t *b, size_t n, const char *what)
{
	struct usbdesc_layout l;
	int r = usbdesc_parse(b, n, 0, &l);

	if (r != -EPROTO)
		fail_msg("%s: %d, expected -EPROTO", what, r);
}

static void test_malformed(void **state)
{
	uint8_t b[sizeof(blob)];

	(void)state;
	expect_eproto(NULL, 0, "NULL");
	expect_eproto(blob, 17, "short device descriptor");
	expect_eproto(blob, 18 + 8, "short configuration header");
	expect_eproto(blob, sizeof(blob) - 1, "wTotalLength past the end");
	memcpy(b, blob, sizeof(b));
	b[18 + 9] = 0; /* the first interface descriptor's bLength */
	expect_eproto(b, sizeof(b), "bLength 0");
	memcpy(b, blob, sizeof(b));
	b[18 + 9] = 200;
	expect_eproto(b, sizeof(b), "bLength past wTotalLength");
	memcpy(b, blob, sizeof(b));
	b[1] = 2;
	expect_eproto(b, sizeof(b), "not a device descriptor");
	memcpy(b, blob, sizeof(b));
	b[18 + 2] = 5;
	expect_eproto(b, sizeof(b), "wTotalLength shorter than its header");
}

static void test_too_many_interfaces(void **state)
{
	uint8_t b[18 + 9 + 9 * (USBDESC_MAX_INTERFACES + 1)];
	size_t o = 18 + 9;

	(void)state;
	memcpy(b, blob, 18);
	memcpy(b + 18, blob + 18, 9);
	b[18 + 2] = (uint8_t)((sizeof(b) - 18) & 0xff);
	b[18 + 3] = (uint8_t)((sizeof(b) - 18) >> 8);
	for (unsigned i = 0; i <= USBDESC_MAX_INTERFACES; i++, o += 9) {
		const uint8_t it[9] = { 9, 4, (uint8_t)i, 0, 0, 0xff, 0, 0, 0 };

		memcpy(b + o, it, 9);
	}
	expect_eproto(b, sizeof(b), "more interfaces than the table holds");
	b[18 + 2] = (uint8_t)((sizeof(b) - 18 - 9) & 0xff);
	b[18 + 3] = (uint8_t)((sizeof(b) - 18 - 9) >> 8);
	{
		struct usbdesc_layout l;

		assert_int_equal(usbdesc_parse(b, sizeof(b) - 9, 0, &l), 0);
		assert_int_equal(l.n_interfaces, USBDESC_MAX_INTERFACES);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_too_many_interfaces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
