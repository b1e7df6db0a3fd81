/* usbxfer_port_is_valid and udev_port_peer against a sysfs tree built in a
 * temporary directory (the real kernel layout of hub ports and peers). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "qfota/udevwatch.h"

static void port_valid_one(const char *s, bool expected)
{
	if (usbxfer_port_is_valid(s) != expected)
		fail_msg("usbxfer_port_is_valid(\"%s\") != %d", s, expected);
}

static void test_port_valid(void **state)
{
	(void)state;
	port_valid_one("1-4", true);
	port_valid_one("1-4.2", true);
	port_valid_one("3-1.1.4", true);
	port_valid_one("10-12", true);
	port_valid_one("", false);
	port_valid_one("1", false);
	port_valid_one("1-", false);
	port_valid_one("1-4.", false);
	port_valid_one("1-4..2", false);
	port_valid_one("-4", false);
	port_valid_one("a-4", false);
	port_valid_one("1-4:1.2", false);
	port_valid_one("usb1", false);
	port_valid_one("1-4.2 ", false);
	port_valid_one("1-1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1", false); /* too long */
}

static void mkdirs(const char *path)
{
	char tmp[512];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(tmp, 0755);
			*p = '/';
		}
	}
	mkdir(tmp, 0755);
}

/* root hub usb1 port 4 <-> usb2 port 4; hub 1-4 port 2 <-> hub 2-4 port 2 */
static void build_tree(const char *root)
{
	char a[512], b[512];

	snprintf(a, sizeof(a), "%s/bus/usb/devices/usb1/1-0:1.0/usb1-port4", root);
	snprintf(b, sizeof(b), "%s/bus/usb/devices/usb2/2-0:1.0/usb2-port4", root);
	mkdirs(a);
	mkdirs(b);
	strcat(a, "/peer");
	assert_int_equal(symlink("../../../usb2/2-0:1.0/usb2-port4", a), 0);
	snprintf(a, sizeof(a), "%s/bus/usb/devices/1-4/1-4:1.0/1-4-port2", root);
	snprintf(b, sizeof(b), "%s/bus/usb/devices/2-4/2-4:1.0/2-4-port2", root);
	mkdirs(a);
	mkdirs(b);
	strcat(a, "/peer");
	assert_int_equal(symlink("../../../2-4/2-4:1.0/2-4-port2", a), 0);
}

static void peer_one(const char *root, const char *port, int expected_r, const char *expected)
{
	char peer[USBXFER_PORT_MAX] = "junk";
	int r = udev_port_peer(root, port, peer);

	assert_int_equal(r, expected_r);
	if (r == 0)
		assert_string_equal(peer, expected);
}

static void test_peer(void **state)
{
	char root[] = "/tmp/qfota-sysfs-XXXXXX";
	char cmd[600];

	(void)state;
	assert_non_null(mkdtemp(root));
	build_tree(root);
	peer_one(root, "1-4", 0, "2-4");     /* root hub port */
	peer_one(root, "1-4.2", 0, "2-4.2"); /* behind a hub */
	peer_one(root, "1-3", 0, "");        /* no peer link: USB2 only */
	peer_one(root, "1-4.3", 0, "");
	peer_one(root, "bogus", -EINVAL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_valid),
		cmocka_unit_test(test_peer),
	};
	return cmocka_run_group_tests_name("udev-peer", tests, NULL, NULL);
}
