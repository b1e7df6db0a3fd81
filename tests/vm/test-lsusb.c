/* usbutils' lsusb (a program we did not write) run under build/vmodule sees
 * the layouts of ../shared/QUECTEL_FACTS.md §1, and --count 4 lists four. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <glib.h>

#include "common/testutil.h"

static void run_vmodule(char *const args[], struct tu_run *r)
{
	char vm[512];
	char *argv[32];
	size_t n = 0;

	tu_build_path("vmodule", vm, sizeof(vm));
	argv[n++] = vm;
	for (size_t i = 0; args[i] && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	assert_int_equal(tu_run(argv, NULL, 30000, r), 0);
	if (r->status != 0)
		fprintf(stderr, "# %s\n", r->err);
	assert_false(r->timed_out);
	assert_int_equal(r->status, 0);
}

/* The endpoint addresses in the order lsusb prints them. */
static void endpoints(const char *out, GString *ret)
{
	for (const char *p = out; (p = strstr(p, "bEndpointAddress")); p++) {
		unsigned a;
		if (sscanf(p, "bEndpointAddress %x", &a) == 1)
			g_string_append_printf(ret, "%s%02x", ret->len ? " " : "", a);
	}
}

static void check(const char *profile, const char *id, const char *const *lines, const char *eps,
		  unsigned n_if)
{
	char *args[] = { "--profile", (char *)profile, "--", "lsusb", "-v", "-d", (char *)id, NULL };
	struct tu_run r;
	GString *got = g_string_new(NULL);
	char buf[64];

	run_vmodule(args, &r);
	for (size_t i = 0; lines[i]; i++) {
		if (!strstr(r.out, lines[i]))
			fprintf(stderr, "# missing: %s\n", lines[i]);
		assert_non_null(strstr(r.out, lines[i]));
	}
	endpoints(r.out, got);
	assert_string_equal(got->str, eps);
	snprintf(buf, sizeof(buf), "bNumInterfaces          %u", n_if);
	assert_non_null(strstr(r.out, buf));
	assert_int_equal(tu_count(r.out, "Interface Descriptor:"), n_if + (n_if == 9 ? 1 : 0));
	g_string_free(got, TRUE);
	tu_run_clear(&r);
}

static void test_ec200u(void **state)
{
	static const char *const lines[] = {
		"ID 2c7c:0901", "bcdUSB               2.00", "bDeviceClass            0",
		"bcdDevice            3.18", "iManufacturer           1 Android", "iProduct                2 Android",
		"iSerial                 0", "bmAttributes         0xe0", "MaxPower              400mA",
		"bFirstInterface         0", "bInterfaceCount         2", "bFunctionClass          2",
		"bFunctionSubClass       6", "bInterfaceClass       255 Vendor Specific Class",
		"bInterval              16", NULL,
	};
	(void)state;
	check("ec200u", "2c7c:0901", lines,
	      "81 82 01 84 02 83 85 03 86 04 87 05 88 06 8a 07 89 8b 08", 9);
}

static void test_eg25(void **state)
{
	static const char *const lines[] = {
		"ID 2c7c:0125", "bDeviceClass          239", "bDeviceSubClass         2", "bDeviceProtocol         1",
		"bcdDevice            3.18", "iManufacturer           1 Quectel", "iProduct                2 EG25-G",
		"iSerial                 0", "bmAttributes         0xa0", "MaxPower              500mA", NULL,
	};
	(void)state;
	check("eg25", "2c7c:0125", lines, "81 01 83 82 02 85 84 03 87 86 04 89 88 05", 5);
}

static void test_ep06(void **state)
{
	static const char *const lines[] = {
		"ID 2c7c:0306", "bcdDevice            3.10", "iManufacturer           1 Quectel",
		"iProduct                2 EP06-E", "iSerial                 3 0123456789ABCDEF",
		"bmAttributes         0xa0", NULL,
	};
	(void)state;
	check("ep06", "2c7c:0306", lines, "81 01 83 82 02 85 84 03 87 86 04 89 88 05", 5);
}

static void test_count4(void **state)
{
	char *args[] = { "--count", "4", "--", "lsusb", "-d", "2c7c:0901", NULL };
	char *hub[] = { "--count", "3", "--port-base", "1-4.", "--", "lsusb", NULL };
	struct tu_run r;

	(void)state;
	run_vmodule(args, &r);
	assert_int_equal(tu_count(r.out, "ID 2c7c:0901"), 4);
	assert_int_equal(tu_count(r.out, "\n"), 4);
	tu_run_clear(&r);
	/* Behind a hub, the hub shows up as well. */
	run_vmodule(hub, &r);
	assert_int_equal(tu_count(r.out, "ID 2c7c:0901"), 3);
	assert_int_equal(tu_count(r.out, "ID 05e3:0608"), 1);
	tu_run_clear(&r);
}

static void test_bad_arguments(void **state)
{
	static const char *const bad[][4] = {
		{ "--profile", "ec21", "--", "true" },
		{ "--count", "0", "--", "true" },
		{ "--pace", "warp", "--", "true" },
		{ "--port-base", "x", "--", "true" },
	};
	char vm[512];

	(void)state;
	tu_build_path("vmodule", vm, sizeof(vm));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[] = { vm, (char *)bad[i][0], (char *)bad[i][1], (char *)bad[i][2], (char *)bad[i][3], NULL };
		struct tu_run r;
		assert_int_equal(tu_run(argv, NULL, 10000, &r), 0);
		assert_int_equal(r.status, 2);
		assert_int_equal(tu_count(r.err, "\n"), 1);
		assert_string_equal(r.out, "");
		tu_run_clear(&r);
	}
	char *help[] = { vm, "--help", NULL };
	struct tu_run r;
	assert_int_equal(tu_run(help, NULL, 10000, &r), 0);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "Usage: vmodule"));
	tu_run_clear(&r);
	/* The command's exit status comes back. */
	char *st[] = { vm, "--", "sh", "-c", "exit 7", NULL };
	assert_int_equal(tu_run(st, NULL, 10000, &r), 0);
	assert_int_equal(r.status, 7);
	tu_run_clear(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ec200u),
		cmocka_unit_test(test_eg25),
		cmocka_unit_test(test_ep06),
		cmocka_unit_test(test_count4),
		cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
