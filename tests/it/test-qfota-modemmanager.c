/* ModemManager is borrowed from, not taken away (tool/fota/mm_inhibit.c):
 * when it manages the modem on qfota's port, qfota inhibits that modem over
 * the system bus before it claims it, keeps the inhibition through the
 * upgrade's reboots, and lets go at the end; a modem it does not manage is
 * left alone. The bus is a private dbus-daemon (DBUS_SYSTEM_BUS_ADDRESS), and
 * ModemManager a stand-in of this test's, with sd-bus: it owns
 * org.freedesktop.ModemManager1, exports one modem through the object manager
 * (its Device the sysfs path of the virtual module's port, as udev names it)
 * and writes each InhibitDevice call to a file. Debian's real ModemManager
 * is exercised by the kernel tier. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <systemd/sd-bus.h>

#include "common/qfota-run.h"
#include "common/testutil.h"

#define RUN_MS 120000
/* The virtual module's sysfs path for port 1-1 (tests/vmodule/station.c). */
#define SYSPATH_1_1 "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1"

struct fixture {
	char *dir;
	char bus_addr[320];
	char calls[300];    /* the stand-in's record of InhibitDevice calls */
	pid_t daemon, mm;
};

static const char *mm_calls_path;
static const char *mm_device;

static int mm_inhibit_device(sd_bus_message *m, void *user, sd_bus_error *error)
{
	const char *uid;
	int on;
	FILE *f;

	(void)user;
	(void)error;
	if (sd_bus_message_read(m, "sb", &uid, &on) < 0)
		return -EINVAL;
	f = fopen(mm_calls_path, "a");
	if (f) {
		fprintf(f, "inhibit %s %d\n", uid, on);
		fclose(f);
	}
	return sd_bus_reply_method_return(m, "");
}

static int mm_device_property(sd_bus *bus, const char *path, const char *iface, const char *prop,
			      sd_bus_message *reply, void *user, sd_bus_error *error)
{
	(void)bus, (void)path, (void)iface, (void)prop, (void)user, (void)error;
	return sd_bus_message_append(reply, "s", mm_device);
}

static const sd_bus_vtable mm_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("InhibitDevice", "sb", "", mm_inhibit_device, SD_BUS_VTABLE_UNPRIVILEGED),
	SD_BUS_VTABLE_END,
};

static const sd_bus_vtable modem_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Device", "s", mm_device_property, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_VTABLE_END,
};

/* The stand-in ModemManager, in a child process: serves until killed. */
static _Noreturn void run_fake_mm(const char *addr)
{
	sd_bus *bus = NULL;

	if (sd_bus_new(&bus) < 0 || sd_bus_set_address(bus, addr) < 0 || sd_bus_set_bus_client(bus, 1) < 0 ||
	    sd_bus_start(bus) < 0)
		_exit(2);
	if (sd_bus_add_object_manager(bus, NULL, "/org/freedesktop/ModemManager1") < 0 ||
	    sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/ModemManager1", "org.freedesktop.ModemManager1",
				     mm_vtable, NULL) < 0 ||
	    sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/ModemManager1/Modem/0",
				     "org.freedesktop.ModemManager1.Modem", modem_vtable, NULL) < 0 ||
	    sd_bus_request_name(bus, "org.freedesktop.ModemManager1", 0) < 0)
		_exit(3);
	for (;;) {
		int r = sd_bus_process(bus, NULL);

		if (r < 0)
			_exit(4);
		if (r == 0)
			sd_bus_wait(bus, UINT64_MAX);
	}
}

static bool wait_for_path(const char *path, unsigned ms)
{
	for (unsigned t = 0; t < ms; t += 20) {
		if (access(path, F_OK) == 0)
			return true;
		usleep(20000);
	}
	return false;
}

/* A private bus and, with device non-NULL, a ModemManager on it that
 * manages a modem at that sysfs path. */
static void start_bus(struct fixture *f, const char *device)
{
	char sock[280], addr_arg[340];

	snprintf(sock, sizeof(sock), "%s/bus", f->dir);
	snprintf(f->bus_addr, sizeof(f->bus_addr), "unix:path=%s", sock);
	snprintf(addr_arg, sizeof(addr_arg), "--address=%s", f->bus_addr);
	snprintf(f->calls, sizeof(f->calls), "%s/mm-calls", f->dir);
	f->daemon = fork();
	assert_true(f->daemon >= 0);
	if (f->daemon == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, 1);
		dup2(null, 2); /* its complaints about fd limits under a test runner */
		execlp("dbus-daemon", "dbus-daemon", "--session", "--nofork", "--nopidfile", addr_arg, (char *)NULL);
		_exit(127);
	}
	assert_true(wait_for_path(sock, 10000));
	setenv("DBUS_SYSTEM_BUS_ADDRESS", f->bus_addr, 1);
	if (!device)
		return;
	mm_calls_path = f->calls;
	mm_device = device;
	f->mm = fork();
	assert_true(f->mm >= 0);
	if (f->mm == 0)
		run_fake_mm(f->bus_addr);
	/* wait until the name is owned */
	for (int i = 0; i < 500; i++) {
		sd_bus *bus = NULL;
		int has = 0;
		sd_bus_message *reply = NULL;

		if (sd_bus_new(&bus) >= 0 && sd_bus_set_address(bus, f->bus_addr) >= 0 &&
		    sd_bus_set_bus_client(bus, 1) >= 0 && sd_bus_start(bus) >= 0 &&
		    sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
				       "NameHasOwner", NULL, &reply, "s", "org.freedesktop.ModemManager1") >= 0)
			sd_bus_message_read(reply, "b", &has);
		sd_bus_message_unref(reply);
		sd_bus_flush_close_unref(bus);
		if (has)
			return;
		usleep(20000);
	}
	fail_msg("the stand-in ModemManager did not come up");
}

static void stop(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGTERM);
		waitpid(*pid, NULL, 0);
	}
	*pid = 0;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (access("/usr/bin/dbus-daemon", X_OK) != 0)
		skip(); /* tests/deps.sh installs dbus-daemon */
	assert_non_null(f);
	f->dir = tu_mkdtemp();
	assert_non_null(f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	stop(&f->mm);
	stop(&f->daemon);
	unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
	tu_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Inhibited before the first AT command, through the reboot, released after. */
static void test_upgrade_inhibits_and_releases(void **state)
{
	struct fixture *f = *state;
	char pkg[300];
	struct qrun q;
	char *calls;
	const char *on, *off, *first_at, *inhibited;

	start_bus(f, SYSPATH_1_1);
	snprintf(pkg, sizeof(pkg), "%s/p.pack", f->dir);
	qrun_pack("ec200u", 65536, pkg, NULL);
	qrun(&q, f->dir, (const char *const[]){ "--profile", "ec200u", NULL },
	     (const char *const[]){ "-v", "-v", "upgrade", "--port", "1-1", pkg, NULL }, RUN_MS);
	qrun_assert_exit(&q, 0);
	qrun_assert_released(&q, "1-1");
	calls = tu_read_file(f->calls);
	assert_non_null(calls);
	on = strstr(calls, "inhibit " SYSPATH_1_1 " 1\n");
	off = strstr(calls, "inhibit " SYSPATH_1_1 " 0\n");
	assert_non_null(on);
	assert_non_null(off);
	assert_true(on < off);
	assert_int_equal(tu_count(calls, "inhibit "), 2); /* once on, once off: the reboot kept it */
	/* before the claim and the first AT command */
	inhibited = strstr(q.run.err, "ModemManager manages this modem");
	first_at = strstr(q.run.err, "at >: ");
	assert_non_null(inhibited);
	assert_non_null(first_at);
	assert_true(inhibited < first_at);
	free(calls);
	qrun_clear(&q);
}

/* A modem ModemManager does not manage (another port) is left alone, and
 * so is a bus without ModemManager: no call, the upgrade as ever. */
static void test_other_modem_left_alone(void **state)
{
	struct fixture *f = *state;
	char pkg[300];
	struct qrun q;

	start_bus(f, "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-7");
	snprintf(pkg, sizeof(pkg), "%s/p.pack", f->dir);
	qrun_pack("ec200u", 65536, pkg, NULL);
	qrun(&q, f->dir, (const char *const[]){ "--profile", "ec200u", NULL },
	     (const char *const[]){ "upgrade", "--port", "1-1", pkg, NULL }, RUN_MS);
	qrun_assert_exit(&q, 0);
	assert_int_not_equal(access(f->calls, F_OK), 0);
	qrun_clear(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_upgrade_inhibits_and_releases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_modem_left_alone, setup, teardown),
	};

	return cmocka_run_group_tests_name("qfota-modemmanager", tests, NULL, NULL);
}
