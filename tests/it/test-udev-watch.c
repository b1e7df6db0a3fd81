/* udev_watch against virtual modules, in-process: a reboot whose uevents came
 * before the watch existed (or that no monitor heard) is found by looking at
 * the port, at once, never by waiting out a deadline (issue 19). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "qfota/udevwatch.h"
#include "usbxfer-it.h"

/* Far below any reboot deadline (--timeout-reboot is 120 s by default), and
 * far above what a look at sysfs takes on a loaded host. */
#define AT_ONCE_MS 1000
#define DEFAULT_REBOOT_MS 120000

static unsigned ms_since(uint64_t t0_ns)
{
	return (unsigned)((it_now_ns() - t0_ns) / 1000000u);
}

/* The module's device number on port now, through a watch of its own that is
 * gone again on return (with it the process's uevent monitor). */
static int devnum_now(const char *port)
{
	struct udev_watch *w = NULL;
	int devnum = -1;

	assert_int_equal(udev_watch_new(port, &w), 0);
	assert_true(udev_watch_present(w, &devnum, NULL));
	udev_watch_free(w);
	return devnum;
}

/* AT+CFUN=1,1 over a link that is closed once the module has left; returns
 * after the module is back on the bus (the station idle). */
static void reboot_module(struct vm_station *st, size_t idx, const char *port)
{
	struct usbxfer_link *l = NULL;
	char out[512];
	uint64_t t0 = it_now_ns();
	int r;

	assert_int_equal(usbxfer_link_open(port, -1, &l), 0);
	assert_int_equal(it_expect(l, "AT+CFUN=1,1\r", "OK\r\n", out, sizeof(out), 3000), 0);
	do
		r = usbxfer_link_read(l, out, sizeof(out), 100);
	while (r != -ENODEV && ms_since(t0) < 5000);
	assert_int_equal(r, -ENODEV);
	usbxfer_link_close(l);
	assert_int_equal(vm_station_wait_idle(st, idx, 5000), 0);
	assert_int_equal(it_stats(st, idx).reboots, 1);
}

/* Remove and add both happened while no watch (and no monitor) existed: the
 * watch started afterwards sees no uevent at all. */
static void test_reboot_before_the_watch_starts(void **state)
{
	struct vm_station *st = vm_station_new();
	struct udev_watch *w = NULL;
	char port[USBXFER_PORT_MAX];
	int before, after = -1;
	uint64_t t0;

	(void)state;
	it_add(st, "ec200u", "1-4.2", NULL);
	before = devnum_now("1-4.2");
	reboot_module(st, 0, "1-4.2");

	assert_int_equal(udev_watch_new("1-4.2", &w), 0);
	assert_true(udev_watch_left(w, "1-4.2", before));
	t0 = it_now_ns();
	assert_int_equal(udev_watch_wait_gone(w, before, DEFAULT_REBOOT_MS), 0);
	assert_int_equal(udev_watch_wait_back(w, before, DEFAULT_REBOOT_MS, NULL, port, &after), 0);
	assert_true(ms_since(t0) < AT_ONCE_MS);
	assert_string_equal(port, "1-4.2");
	assert_int_not_equal(after, before);
	assert_int_equal(after, devnum_now("1-4.2"));
	/* the new enumeration has not left */
	assert_false(udev_watch_left(w, "1-4.2", after));
	udev_watch_free(w);
	vm_station_free(st);
}

/* The watch exists, but its waits start only after the module has gone and
 * come back: the uevents were counted before any snapshot, so only the look
 * at the port can tell. */
static void test_reboot_between_watch_and_wait(void **state)
{
	struct vm_station *st = vm_station_new();
	struct udev_watch *w = NULL;
	char port[USBXFER_PORT_MAX];
	int before = -1, after = -1;
	uint64_t t0;

	(void)state;
	it_add(st, "ec200u", "1-4.3", NULL);
	assert_int_equal(udev_watch_new("1-4.3", &w), 0);
	assert_true(udev_watch_present(w, &before, NULL));
	assert_false(udev_watch_left(w, "1-4.3", before));
	reboot_module(st, 0, "1-4.3");

	assert_true(udev_watch_left(w, "1-4.3", before));
	t0 = it_now_ns();
	assert_int_equal(udev_watch_wait_back(w, before, DEFAULT_REBOOT_MS, NULL, port, &after), 0);
	assert_true(ms_since(t0) < AT_ONCE_MS);
	assert_int_not_equal(after, before);
	udev_watch_free(w);
	vm_station_free(st);
}

/* A port that never held the device: empty is "left"; a device number is
 * never taken for another one's. */
static void test_empty_port_is_left(void **state)
{
	struct vm_station *st = vm_station_new();
	struct udev_watch *w = NULL;
	int devnum = -1;

	(void)state;
	it_add(st, "ec200u", "1-4.4", NULL);
	assert_int_equal(udev_watch_new("1-4.5", &w), 0);
	assert_false(udev_watch_present(w, &devnum, NULL));
	assert_true(udev_watch_left(w, "1-4.5", 7));
	udev_watch_free(w);
	assert_int_equal(udev_watch_new("1-4.4", &w), 0);
	assert_true(udev_watch_present(w, &devnum, NULL));
	assert_false(udev_watch_left(w, "1-4.4", devnum));
	assert_true(udev_watch_left(w, "1-4.4", devnum + 1));
	udev_watch_free(w);
	vm_station_free(st);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reboot_before_the_watch_starts),
		cmocka_unit_test(test_reboot_between_watch_and_wait),
		cmocka_unit_test(test_empty_port_is_left),
	};

	vm_require_preload(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
