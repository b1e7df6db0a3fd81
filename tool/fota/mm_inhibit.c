/* Borrowing the modem from ModemManager (include/qfota/fota.h, the module
 * session): fwupd's way. When ModemManager is on the system bus and manages
 * the modem on our port, qfota asks it to inhibit that modem
 * (org.freedesktop.ModemManager1.InhibitDevice(uid, true), uid being the
 * modem's Device property: the USB device's sysfs path) before claiming it,
 * keeps its bus connection open for the whole session, reboots included, and
 * lets go after (InhibitDevice(uid, false)). If qfota dies, ModemManager sees
 * it leave the bus and drops the inhibition itself. No ModemManager, no
 * system bus, or a modem it does not manage: nothing to do. Through
 * libsystemd's sd-bus. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <systemd/sd-bus.h>

#include "fota_internal.h"
#include "qfota/cleanup.h"
#include "qfota/log.h"

#define MM_SERVICE "org.freedesktop.ModemManager1"
#define MM_PATH "/org/freedesktop/ModemManager1"
#define MM_MODEM_IFACE "org.freedesktop.ModemManager1.Modem"

struct mm_inhibit {
	sd_bus *bus;
	char uid[PATH_MAX];
};

static void bus_unrefp(sd_bus **b) { sd_bus_flush_close_unref(*b); }
static void message_unrefp(sd_bus_message **m) { sd_bus_message_unref(*m); }

static bool mm_on_bus(sd_bus *bus)
{
	_cleanup_(message_unrefp) sd_bus_message *reply = NULL;
	int has = 0;

	/* NameHasOwner, not a call to ModemManager: it is never started for us */
	if (sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
			       "NameHasOwner", NULL, &reply, "s", MM_SERVICE) < 0 ||
	    sd_bus_message_read(reply, "b", &has) < 0)
		return false;
	return has;
}

/* Whether ModemManager has a modem whose Device is syspath: walks
 * GetManagedObjects, a{oa{sa{sv}}}. */
static bool mm_manages(sd_bus *bus, const char *syspath)
{
	_cleanup_(message_unrefp) sd_bus_message *reply = NULL;
	bool found = false;

	if (sd_bus_call_method(bus, MM_SERVICE, MM_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
			       NULL, &reply, "") < 0 ||
	    sd_bus_message_enter_container(reply, 'a', "{oa{sa{sv}}}") < 0)
		return false;
	while (!found && sd_bus_message_enter_container(reply, 'e', "oa{sa{sv}}") > 0) {
		const char *path;

		if (sd_bus_message_read(reply, "o", &path) < 0 || sd_bus_message_enter_container(reply, 'a', "{sa{sv}}") < 0)
			return false;
		while (!found && sd_bus_message_enter_container(reply, 'e', "sa{sv}") > 0) {
			const char *iface;

			if (sd_bus_message_read(reply, "s", &iface) < 0 ||
			    sd_bus_message_enter_container(reply, 'a', "{sv}") < 0)
				return false;
			while (!found && sd_bus_message_enter_container(reply, 'e', "sv") > 0) {
				const char *name, *device;

				if (sd_bus_message_read(reply, "s", &name) < 0)
					return false;
				if (strcmp(iface, MM_MODEM_IFACE) == 0 && strcmp(name, "Device") == 0 &&
				    sd_bus_message_read(reply, "v", "s", &device) >= 0)
					found = strcmp(device, syspath) == 0;
				else if (sd_bus_message_skip(reply, "v") < 0)
					return false;
				if (!found)
					sd_bus_message_exit_container(reply);
			}
			if (!found) {
				sd_bus_message_exit_container(reply);
				sd_bus_message_exit_container(reply);
			}
		}
		if (!found) {
			sd_bus_message_exit_container(reply);
			sd_bus_message_exit_container(reply);
		}
	}
	return found;
}

static int mm_call_inhibit(sd_bus *bus, const char *uid, bool on)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	int r = sd_bus_call_method(bus, MM_SERVICE, MM_PATH, MM_SERVICE, "InhibitDevice", &error, NULL, "sb", uid,
				   (int)on);

	if (r < 0)
		qfota_warn("ModemManager refused to %s the modem %s: %s", on ? "inhibit" : "release", uid,
			   error.message ? error.message : strerror(-r));
	sd_bus_error_free(&error);
	return r < 0 ? -EIO : 0;
}

int mm_inhibit_port(const char *port, struct mm_inhibit **ret)
{
	_cleanup_(bus_unrefp) sd_bus *bus = NULL;
	_cleanup_free_ struct mm_inhibit *m = NULL;
	char syspath[PATH_MAX];

	*ret = NULL;
	if (sd_bus_open_system(&bus) < 0 || !mm_on_bus(bus))
		return 0; /* no system bus, or no ModemManager on it */
	if (usbxfer_port_syspath(port, syspath, sizeof(syspath)) < 0 || !mm_manages(bus, syspath))
		return 0;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	snprintf(m->uid, sizeof(m->uid), "%s", syspath);
	if (mm_call_inhibit(bus, m->uid, true) < 0)
		return -EIO;
	qfota_info("%s: ModemManager manages this modem: inhibited until qfota is done", port);
	m->bus = TAKE_PTR(bus);
	*ret = TAKE_PTR(m);
	return 0;
}

void mm_inhibit_release(struct mm_inhibit *m)
{
	if (!m)
		return;
	(void)mm_call_inhibit(m->bus, m->uid, false);
	sd_bus_flush_close_unref(m->bus);
	free(m);
}
