/* Discovery through real libusb against virtual modules: each profile is
 * found with its port, model, AT interface and bound driver; selection by
 * port (also behind a hub), serial, model and VID:PID; and the errors when
 * nothing or several match. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "usbxfer-it.h"

static void discover_profile_one(const char *profile, uint16_t pid, const char *model, int at_if)
{
	struct vm_station *st = vm_station_new();
	struct usbxfer_module *mods = NULL;
	size_t n = 0;

	assert_non_null(st);
	it_add(st, profile, "1-4", NULL);
	assert_int_equal(usbxfer_discover(NULL, &mods, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(mods[0].port, "1-4");
	assert_int_equal(mods[0].vid, 0x2c7c);
	assert_int_equal(mods[0].pid, pid);
	assert_int_equal(mods[0].bus, 1);
	assert_true(mods[0].devnum > 0);
	assert_non_null(mods[0].model);
	assert_string_equal(mods[0].model_name, model);
	assert_int_equal(mods[0].at_interface, at_if);
	assert_string_equal(mods[0].note, "");
	assert_string_equal(mods[0].driver, "option");
	free(mods);
	vm_station_free(st);
}

static void test_discover_ec200u(void **state)
{
	(void)state;
	discover_profile_one("ec200u", 0x0901, "EC200U/EC600U", 2);
}

static void test_discover_eg25(void **state)
{
	(void)state;
	discover_profile_one("eg25", 0x0125, "EC25/EG25", 2);
}

static void test_discover_ep06(void **state)
{
	(void)state;
	discover_profile_one("ep06", 0x0306, "EP06/EG06/EM06", 2);
}

static void test_select_by_port(void **state)
{
	static const char *const ports[] = { "1-3", "1-1", "1-4.1", "1-2" };
	static const char *const sorted[] = { "1-1", "1-2", "1-3", "1-4.1" };
	struct vm_station *st = vm_station_new();
	struct usbxfer_module *mods = NULL, one;
	struct usbxfer_select sel = { .port = NULL };
	size_t n = 0;

	(void)state;
	assert_non_null(st);
	for (size_t i = 0; i < 4; i++)
		it_add(st, "ec200u", ports[i], NULL);
	assert_int_equal(usbxfer_discover(NULL, &mods, &n), 0);
	assert_int_equal(n, 4); /* the hub on 1-4 is not a module */
	for (size_t i = 0; i < n; i++)
		assert_string_equal(mods[i].port, sorted[i]);
	free(mods);

	for (size_t i = 0; i < 4; i++) {
		sel.port = ports[i];
		assert_int_equal(usbxfer_discover_one(&sel, &one), 0);
		assert_string_equal(one.port, ports[i]);
	}
	sel.port = "1-4";
	assert_int_equal(usbxfer_discover_one(&sel, &one), -ENOENT);
	sel.port = "1-9";
	assert_int_equal(usbxfer_discover_one(&sel, &one), -ENOENT);
	assert_int_equal(usbxfer_discover_one(NULL, &one), -ENOTUNIQ);
	sel.port = NULL;
	sel.model = "EC200U";
	assert_int_equal(usbxfer_discover(&sel, &mods, &n), 0);
	assert_int_equal(n, 4);
	free(mods);
	vm_station_free(st);
}

static void test_select_by_model_serial_vidpid(void **state)
{
	struct vm_station *st = vm_station_new();
	struct usbxfer_module one, *mods = NULL;
	struct usbxfer_select sel = { .model = "EG25-G" };
	size_t n = 0;

	(void)state;
	assert_non_null(st);
	it_add(st, "ec200u", "1-1", NULL);
	it_add(st, "eg25", "1-2", NULL);
	it_add(st, "ep06", "1-3", NULL);
	assert_int_equal(usbxfer_discover_one(&sel, &one), 0);
	assert_string_equal(one.port, "1-2");
	sel.model = "ec200u";
	assert_int_equal(usbxfer_discover_one(&sel, &one), 0);
	assert_string_equal(one.port, "1-1");
	sel.model = "RM500Q";
	assert_int_equal(usbxfer_discover_one(&sel, &one), -ENOENT);

	memset(&sel, 0, sizeof(sel));
	sel.serial = "0123456789ABCDEF"; /* EP06-E's (facts §1.1) */
	assert_int_equal(usbxfer_discover_one(&sel, &one), 0);
	assert_string_equal(one.port, "1-3");
	assert_string_equal(one.serial, "0123456789ABCDEF");

	memset(&sel, 0, sizeof(sel));
	assert_int_equal(usbxfer_vidpid_parse("2c7c:0125", &sel.vid, &sel.pid), 0);
	assert_int_equal(usbxfer_discover(&sel, &mods, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(mods[0].port, "1-2");
	free(mods);
	sel.pid = 0;
	assert_int_equal(usbxfer_discover(&sel, &mods, &n), 0);
	assert_int_equal(n, 3);
	free(mods);
	vm_station_free(st);
}

static void test_nothing_on_the_bus(void **state)
{
	struct vm_station *st = vm_station_new();
	struct usbxfer_module *mods = (void *)1, one;
	size_t n = 9;

	(void)state;
	assert_int_equal(usbxfer_discover(NULL, &mods, &n), 0);
	assert_int_equal(n, 0);
	assert_null(mods);
	assert_int_equal(usbxfer_discover_one(NULL, &one), -ENOENT);
	vm_station_free(st);
}

static void test_unplugged_module_disappears(void **state)
{
	struct vm_station *st = vm_station_new();
	struct usbxfer_module *mods = NULL;
	size_t n = 0;

	(void)state;
	it_add(st, "ec200u", "1-1", NULL);
	it_add(st, "ec200u", "1-2", NULL);
	assert_int_equal(vm_station_unplug(st, 0), 0);
	assert_int_equal(usbxfer_discover(NULL, &mods, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(mods[0].port, "1-2");
	free(mods);
	vm_station_free(st);
}

/* PIDs without a known AT interface: the ff/00/00 interface with bulk IN,
 * bulk OUT and interrupt IN, or a refusal when several qualify. The layouts
 * are the EC200U's with another PID (EC200T has no public descriptor dump). */
static void test_unknown_pid_heuristic(void **state)
{
	static struct vm_profile ec200t, single;
	struct vm_station *st = vm_station_new();
	struct vm_model_config cfg = { .port = "1-1", .imei = "866050034449999" };
	struct usbxfer_select sel = { .port = "1-1" };
	struct usbxfer_module m;
	struct usbxfer_link *l = NULL;
	char out[256];

	(void)state;
	ec200t = *vm_profile_find("ec200u");
	ec200t.pid = 0x6026;
	single = ec200t;
	single.pid = 0x1234;
	single.interfaces[7].alts[0].n_endpoints = 2; /* if7 loses its interrupt IN */
	assert_true(vm_pacing_preset("fast", &cfg.pacing));
	cfg.profile = &ec200t;
	assert_true(vm_station_add(st, &cfg) >= 0);
	cfg.profile = &single;
	cfg.port = "1-2";
	assert_true(vm_station_add(st, &cfg) >= 0);

	assert_int_equal(usbxfer_discover_one(&sel, &m), 0);
	assert_string_equal(m.model_name, "EC200T");
	assert_int_equal(m.at_interface, -1);
	assert_true(m.at_ambiguous);
	assert_non_null(strstr(m.note, "(2, 7)"));
	assert_int_equal(usbxfer_link_open("1-1", -1, &l), -ENOTUNIQ);
	assert_int_equal(usbxfer_link_open("1-1", 2, &l), 0); /* the user names it */
	assert_int_equal(it_expect(l, "AT\r", "OK\r\n", out, sizeof(out), 3000), 0);
	usbxfer_link_close(l);

	sel.port = "1-2";
	assert_int_equal(usbxfer_discover_one(&sel, &m), 0);
	assert_null(m.model);
	assert_string_equal(m.model_name, "Quectel 2c7c:1234");
	assert_int_equal(m.at_interface, 2);
	assert_false(m.at_ambiguous);
	assert_int_equal(usbxfer_link_open("1-2", -1, &l), 0);
	assert_int_equal(it_expect(l, "AT\r", "OK\r\n", out, sizeof(out), 3000), 0);
	usbxfer_link_close(l);
	vm_station_free(st);
}

static void test_model_table(void **state)
{
	static const struct { uint16_t pid; const char *name; enum usbxfer_family fam; int at_if; } known[] = {
		{ 0x0121, "EC21", USBXFER_FAMILY_QUALCOMM, 2 },
		{ 0x0125, "EG25", USBXFER_FAMILY_QUALCOMM, 2 },
		{ 0x0296, "BG96", USBXFER_FAMILY_QUALCOMM, 2 },
		{ 0x0306, "EM06", USBXFER_FAMILY_QUALCOMM, 2 },
		{ 0x0512, "EM12", USBXFER_FAMILY_QUALCOMM, 2 },
		{ 0x0800, "RM500Q", USBXFER_FAMILY_QUALCOMM, 2 },
		{ 0x0801, "RM520N", USBXFER_FAMILY_QUALCOMM, 2 },
		{ 0x0901, "EC600U", USBXFER_FAMILY_UNISOC, 2 },
		{ 0x6002, "EC200S", USBXFER_FAMILY_ASR, -1 },
		{ 0x6026, "EC200T", USBXFER_FAMILY_ASR, -1 },
	};
	uint16_t v, p;

	(void)state;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		const struct usbxfer_model *m = usbxfer_model_find(0x2c7c, known[i].pid);

		assert_non_null(m);
		assert_true(usbxfer_model_matches(m, known[i].name));
		assert_int_equal(m->family, known[i].fam);
		assert_int_equal(m->at_interface, known[i].at_if);
	}
	assert_true(usbxfer_model_find(0x2c7c, 0x0901)->caps & USBXFER_CAP_FILE_MODE);
	assert_true(usbxfer_model_find(0x2c7c, 0x0125)->caps & USBXFER_CAP_QFUPL);
	assert_null(usbxfer_model_find(0x2c7c, 0x1234));
	assert_null(usbxfer_model_find(0x05c6, 0x0125));
	assert_false(usbxfer_model_matches(usbxfer_model_find(0x2c7c, 0x0125), "EC2"));
	assert_string_equal(usbxfer_family_to_string(USBXFER_FAMILY_UNISOC), "unisoc");
	assert_int_equal(usbxfer_vidpid_parse("2C7C:0901", &v, &p), 0);
	assert_int_equal(v, 0x2c7c);
	assert_int_equal(p, 0x0901);
	assert_int_equal(usbxfer_vidpid_parse("2c7c", &v, &p), -EINVAL);
	assert_int_equal(usbxfer_vidpid_parse("2c7c:10000", &v, &p), -EINVAL);
	assert_int_equal(usbxfer_vidpid_parse("2c7c:09x1", &v, &p), -EINVAL);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_table),
		cmocka_unit_test(test_discover_ec200u),
		cmocka_unit_test(test_discover_eg25),
		cmocka_unit_test(test_discover_ep06),
		cmocka_unit_test(test_select_by_port),
		cmocka_unit_test(test_select_by_model_serial_vidpid),
		cmocka_unit_test(test_nothing_on_the_bus),
		cmocka_unit_test(test_unplugged_module_disappears),
		cmocka_unit_test(test_unknown_pid_heuristic),
	};

	vm_require_preload(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
