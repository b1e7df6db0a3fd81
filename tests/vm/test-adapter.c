/* The usbdevfs adapter through an unmodified libusb, in-process: kernel driver
 * detach/re-attach, claims, DTR/RTS, AT over bulk, async bulk OUT with
 * several transfers in flight, unplug mid-stream, and re-enumeration after a
 * reboot seen by a libudev monitor. Every wait has a deadline. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>
#include <libudev.h>
#include <libusb.h>

#include "common/testutil.h"
#include "vmodule/package.h"
#include "vmodule/vmodule.h"

struct fx {
	struct vm_station *st;
	libusb_context *ctx;
	libusb_device_handle *h;
	uint8_t ep_in, ep_out, at_if;
	GString *in;                     /* everything the AT bulk IN delivered */
	struct libusb_transfer *rx;
	bool rx_done;
	int rx_status;
	uint8_t rxbuf[4096];
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int add_module(struct vm_station *st, const char *profile, const char *port,
		      const struct vm_pacing *pacing)
{
	struct vm_model_config cfg = { 0 };

	cfg.profile = vm_profile_find(profile);
	cfg.port = port;
	cfg.imei = "866050034443331";
	assert_true(vm_pacing_preset("fast", &cfg.pacing));
	if (pacing)
		cfg.pacing = *pacing;
	return vm_station_add(st, &cfg);
}

static void port_of(libusb_device *d, char *buf, size_t cap)
{
	uint8_t ports[8];
	int n = libusb_get_port_numbers(d, ports, sizeof(ports));
	size_t len = (size_t)snprintf(buf, cap, "%u-", libusb_get_bus_number(d));

	for (int i = 0; i < n && len < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, i ? ".%u" : "%u", ports[i]);
}

/* The device on port (libusb's view), polled until its hotplug thread has it. */
static libusb_device *find_port(libusb_context *ctx, const char *port, int not_addr, unsigned ms)
{
	long long deadline = now_ms() + ms;

	do {
		libusb_device **list, *found = NULL;
		ssize_t n = libusb_get_device_list(ctx, &list);
		for (ssize_t i = 0; i < n && !found; i++) {
			char p[32];
			port_of(list[i], p, sizeof(p));
			if (strcmp(p, port) == 0 && libusb_get_device_address(list[i]) != not_addr)
				found = libusb_ref_device(list[i]);
		}
		if (n >= 0)
			libusb_free_device_list(list, 1);
		if (found)
			return found;
		struct timeval tv = { 0, 10000 };
		libusb_handle_events_timeout_completed(ctx, &tv, NULL);
	} while (now_ms() < deadline);
	return NULL;
}

static libusb_device_handle *open_port(struct fx *f, const char *port)
{
	libusb_device *d = find_port(f->ctx, port, -1, 2000);
	libusb_device_handle *h = NULL;

	assert_non_null(d);
	assert_int_equal(libusb_open(d, &h), 0);
	libusb_unref_device(d);
	return h;
}

static void at_endpoints(struct fx *f, const char *profile)
{
	const struct vm_profile *p = vm_profile_find(profile);
	const struct vm_altsetting *a = &p->interfaces[p->at_interface].alts[0];

	f->at_if = p->at_interface;
	for (unsigned e = 0; e < a->n_endpoints; e++)
		if (a->endpoints[e].attributes == 2) {
			if (a->endpoints[e].address & 0x80)
				f->ep_in = a->endpoints[e].address;
			else
				f->ep_out = a->endpoints[e].address;
		}
}

static bool pump_until_flag(struct fx *f, const bool *flag, unsigned ms);

static int setup_one(void **state, const char *profile, const struct vm_pacing *pacing)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->st = vm_station_new();
	assert_non_null(f->st);
	assert_int_equal(add_module(f->st, profile, "1-1", pacing), 0);
	/* libusb scans sysfs at init: after the modules exist. */
	assert_int_equal(libusb_init(&f->ctx), 0);
	f->in = g_string_new(NULL);
	at_endpoints(f, profile);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_one(state, "ec200u", NULL);
}

/* The same tests with umockdev's own worker serving every node (no ioctl
 * lanes, station.c): the fallback must stay working. */
static int setup_no_lanes(void **state)
{
	int r;

	setenv("VMODULE_IOCTL_LANES", "0", 1);
	r = setup_one(state, "ec200u", NULL);
	unsetenv("VMODULE_IOCTL_LANES");
	return r;
}

static int setup_slow_link(void **state)
{
	struct vm_pacing p;

	assert_true(vm_pacing_preset("fast", &p));
	p.link_bytes_per_sec = 1000; /* a 4 KiB transfer holds the link for 4 s */
	return setup_one(state, "ec200u", &p);
}

/* A module back the moment it left: one tick of the station thread runs the
 * reboot and the return together (as a late tick does on a loaded host). The
 * host must still see it go (NO_DEVICE, remove) and come back (add, a new
 * device number), as a real host always does. */
static int setup_instant_reboot(void **state)
{
	struct vm_pacing p;

	assert_true(vm_pacing_preset("fast", &p));
	p.reboot_ms = 0;
	return setup_one(state, "ec200u", &p);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (f->rx) {
		/* a failed test may leave the reader in flight */
		if (!f->rx_done && libusb_cancel_transfer(f->rx) == 0)
			pump_until_flag(f, &f->rx_done, 2000);
		if (f->rx_done)
			libusb_free_transfer(f->rx);
	}
	if (f->h)
		libusb_close(f->h);
	libusb_exit(f->ctx);
	vm_station_free(f->st);
	g_string_free(f->in, TRUE);
	free(f);
	return 0;
}

static void pump(struct fx *f, unsigned ms)
{
	long long deadline = now_ms() + ms;

	while (now_ms() < deadline) {
		struct timeval tv = { 0, 10000 };
		libusb_handle_events_timeout_completed(f->ctx, &tv, NULL);
	}
}

static bool pump_until_flag(struct fx *f, const bool *flag, unsigned ms)
{
	long long deadline = now_ms() + ms;

	while (!*flag && now_ms() < deadline) {
		struct timeval tv = { 0, 10000 };
		libusb_handle_events_timeout_completed(f->ctx, &tv, NULL);
	}
	return *flag;
}

static bool pump_until_in(struct fx *f, const char *needle, unsigned ms)
{
	long long deadline = now_ms() + ms;

	while (!strstr(f->in->str, needle) && now_ms() < deadline) {
		struct timeval tv = { 0, 10000 };
		libusb_handle_events_timeout_completed(f->ctx, &tv, NULL);
	}
	return strstr(f->in->str, needle) != NULL;
}

static void LIBUSB_CALL rx_cb(struct libusb_transfer *t)
{
	struct fx *f = t->user_data;

	if (t->status == LIBUSB_TRANSFER_COMPLETED) {
		int r;
		g_string_append_len(f->in, (const char *)t->buffer, t->actual_length);
		if ((r = libusb_submit_transfer(t)) == 0)
			return;
		/* the module left between two reads */
		f->rx_status = r == LIBUSB_ERROR_NO_DEVICE ? LIBUSB_TRANSFER_NO_DEVICE : LIBUSB_TRANSFER_ERROR;
		f->rx_done = true;
		return;
	}
	f->rx_status = t->status;
	f->rx_done = true;
}

static void rx_start(struct fx *f)
{
	f->rx = libusb_alloc_transfer(0);
	f->rx_done = false;
	libusb_fill_bulk_transfer(f->rx, f->h, f->ep_in, f->rxbuf, sizeof(f->rxbuf), rx_cb, f, 0);
	assert_int_equal(libusb_submit_transfer(f->rx), 0);
}

static void rx_stop(struct fx *f)
{
	if (!f->rx_done)
		libusb_cancel_transfer(f->rx);
	assert_true(pump_until_flag(f, &f->rx_done, 2000));
	libusb_free_transfer(f->rx);
	f->rx = NULL;
}

static void at_send(struct fx *f, const char *cmd)
{
	int n = 0;

	assert_int_equal(libusb_bulk_transfer(f->h, f->ep_out, (unsigned char *)cmd, (int)strlen(cmd), &n, 2000), 0);
	assert_int_equal(n, (int)strlen(cmd));
}

/* What the kernel's option driver does on open, and qfota after claiming. */
static void take_at_port(struct fx *f)
{
	assert_int_equal(libusb_kernel_driver_active(f->h, f->at_if), 1);
	assert_int_equal(libusb_detach_kernel_driver(f->h, f->at_if), 0);
	assert_int_equal(libusb_claim_interface(f->h, f->at_if), 0);
	assert_int_equal(libusb_control_transfer(f->h, 0x21, 0x22, 0x0003, f->at_if, NULL, 0, 1000), 0);
}

static void test_at_session(void **state)
{
	struct fx *f = *state;
	struct vm_model_stats s;

	f->h = open_port(f, "1-1");
	assert_int_equal(vm_station_stats(f->st, 0, &s), 0);
	assert_true(s.driver_bound);
	assert_false(s.claimed);

	take_at_port(f);
	/* GETDRIVER now answers "usbfs": libusb reports no kernel driver. */
	assert_int_equal(libusb_kernel_driver_active(f->h, f->at_if), 0);
	/* Other interfaces keep theirs (cdc_ether on if1). */
	assert_int_equal(libusb_kernel_driver_active(f->h, 1), 1);
	assert_int_equal(vm_station_stats(f->st, 0, &s), 0);
	assert_false(s.driver_bound);
	assert_true(s.claimed);
	assert_int_equal(s.driver_detaches, 1);
	assert_int_equal(s.line_state_sets, 1);

	rx_start(f);
	/* Waiting on a pending IN transfer costs no CPU: the node is a full FIFO
	 * while nothing can be reaped (UMOCKDEV_NOTES gotcha 1). */
	struct timespec c0, c1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	pump(f, 300);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	long long cpu_ms = (c1.tv_sec - c0.tv_sec) * 1000LL + (c1.tv_nsec - c0.tv_nsec) / 1000000;
	assert_true(cpu_ms < 60);
	at_send(f, "AT\r");
	assert_true(pump_until_in(f, "OK\r\n", 2000));
	g_string_truncate(f->in, 0);
	at_send(f, "ATI\r");
	assert_true(pump_until_in(f, "OK\r\n", 2000));
	assert_non_null(strstr(f->in->str, "Quectel\r\nEC200U\r\nRevision: EC200UCNAAR03A15M08\r\n"));
	rx_stop(f);

	assert_int_equal(libusb_release_interface(f->h, f->at_if), 0);
	assert_int_equal(vm_station_stats(f->st, 0, &s), 0);
	assert_false(s.claimed);
	assert_false(s.driver_bound);
	assert_int_equal(libusb_attach_kernel_driver(f->h, f->at_if), 0);
	assert_int_equal(libusb_kernel_driver_active(f->h, f->at_if), 1);
	/* A second attach finds the driver there: BUSY, as the kernel says. */
	assert_int_equal(libusb_attach_kernel_driver(f->h, f->at_if), LIBUSB_ERROR_BUSY);
	assert_int_equal(vm_station_stats(f->st, 0, &s), 0);
	assert_true(s.driver_bound);
	assert_false(s.claimed);
	assert_int_equal(s.driver_attaches, 1);
	assert_int_equal(s.claims, 1);
	assert_int_equal(s.releases, 1);
}

static void test_busy(void **state)
{
	struct fx *f = *state;
	libusb_device_handle *h2;

	f->h = open_port(f, "1-1");
	/* A forgotten detach: the kernel driver holds the interface. */
	assert_int_equal(libusb_claim_interface(f->h, f->at_if), LIBUSB_ERROR_BUSY);
	take_at_port(f);
	h2 = open_port(f, "1-1");
	assert_int_equal(libusb_claim_interface(h2, f->at_if), LIBUSB_ERROR_BUSY);
	/* libusb's auto-detach must not steal it from another usbfs client either. */
	assert_int_equal(libusb_set_auto_detach_kernel_driver(h2, 1), 0);
	assert_int_equal(libusb_claim_interface(h2, f->at_if), LIBUSB_ERROR_BUSY);
	/* A bulk transfer on an interface not claimed claims it implicitly (kernel
	 * checkintf), so here it fails. */
	int n;
	unsigned char b[4] = "AT\r";
	assert_int_not_equal(libusb_bulk_transfer(h2, f->ep_out, b, 3, &n, 500), 0);
	libusb_close(h2);
	assert_int_equal(libusb_release_interface(f->h, f->at_if), 0);
	/* Released and detached: another client may have it. */
	h2 = open_port(f, "1-1");
	assert_int_equal(libusb_claim_interface(h2, f->at_if), 0);
	libusb_close(h2);
}

struct stream {
	struct fx *f;
	const uint8_t *data;
	size_t len, next, done;
	int in_flight, failed;
};

static void LIBUSB_CALL tx_cb(struct libusb_transfer *t)
{
	struct stream *s = t->user_data;

	s->in_flight--;
	if (t->status != LIBUSB_TRANSFER_COMPLETED || t->actual_length != t->length) {
		s->failed++;
		libusb_free_transfer(t);
		return;
	}
	s->done += (size_t)t->actual_length;
	if (s->next < s->len) {
		size_t n = s->len - s->next < (size_t)t->length ? s->len - s->next : (size_t)t->length;
		t->buffer = (unsigned char *)s->data + s->next;
		t->length = (int)n;
		s->next += n;
		if (libusb_submit_transfer(t) == 0) {
			s->in_flight++;
			return;
		}
		s->failed++;
	}
	libusb_free_transfer(t);
}

/* Streams len bytes to ep, 1 MiB transfers, 8 in flight; prints MB/s. */
static void stream(struct fx *f, uint8_t ep, const uint8_t *data, size_t len, const char *what)
{
	const size_t chunk = 1 << 20;
	const int depth = 8;
	struct stream s = { f, data, len, 0, 0, 0, 0 };
	long long t0 = now_ms();

	for (int i = 0; i < depth && s.next < s.len; i++) {
		struct libusb_transfer *t = libusb_alloc_transfer(0);
		size_t n = s.len - s.next < chunk ? s.len - s.next : chunk;
		libusb_fill_bulk_transfer(t, f->h, ep, (unsigned char *)data + s.next, (int)n, tx_cb, &s, 10000);
		s.next += n;
		assert_int_equal(libusb_submit_transfer(t), 0);
		s.in_flight++;
	}
	long long deadline = now_ms() + 120000;
	while (s.in_flight > 0 && now_ms() < deadline) {
		struct timeval tv = { 0, 100000 };
		libusb_handle_events_timeout_completed(f->ctx, &tv, NULL);
	}
	long long dt = now_ms() - t0;
	assert_int_equal(s.in_flight, 0);
	assert_int_equal(s.failed, 0);
	assert_int_equal(s.done, len);
	fprintf(stderr, "# bulk OUT %s: %zu MiB, %zu KiB x %d in flight: %lld ms, %.1f MB/s\n", what,
		len >> 20, chunk >> 10, depth, dt, dt ? (double)len / 1e3 / (double)dt : 0.0);
}

static void test_async_stream(void **state)
{
	struct fx *f = *state;
	const char *mib_env = getenv("VM_TEST_STREAM_MIB");
	size_t mib = mib_env ? strtoul(mib_env, NULL, 10) : 8, size = mib << 20;
	char *dir = tu_mkdtemp(), path[256], hash[65], cmd[64];
	gchar *data = NULL;
	gsize len = 0;
	struct vm_model_stats st;

	snprintf(path, sizeof(path), "%s/p.pack", dir);
	assert_int_equal(vm_package_write(path, vm_profile_find("ec200u"), NULL, NULL, size, false), 0);
	assert_true(g_file_get_contents(path, &data, &len, NULL));
	assert_int_equal(len, size);
	assert_int_equal(tu_sha256_file(path, hash), 0);

	f->h = open_port(f, "1-1");
	take_at_port(f);
	rx_start(f);
	snprintf(cmd, sizeof(cmd), "AT+QFOTADL=\"FILE:%zu\",1,50,100\r", size);
	at_send(f, cmd);
	assert_true(pump_until_in(f, "\"FILESTART\"", 5000));

	stream(f, f->ep_out, (const uint8_t *)data, len, "AT port, FILE mode");

	assert_true(pump_until_in(f, "\"FILEEND\",0", 10000));
	assert_int_equal(vm_station_stats(f->st, 0, &st), 0);
	assert_int_equal(st.package_bytes, size);
	assert_string_equal(st.package_sha256, hash);
	rx_stop(f);
	g_free(data);
	tu_rmrf(dir);
	free(dir);
}

static void LIBUSB_CALL flag_cb(struct libusb_transfer *t)
{
	int *status = t->user_data;
	*status = t->status;
}

static void test_unplug_midstream(void **state)
{
	struct fx *f = *state;
	static unsigned char block[3][4096];
	struct libusb_transfer *t[3];
	int status[3] = { -1, -1, -1 };
	struct vm_model_stats s;

	memset(block, 'A', sizeof(block));
	f->h = open_port(f, "1-1");
	take_at_port(f);
	rx_start(f);
	for (int i = 0; i < 3; i++) {
		t[i] = libusb_alloc_transfer(0);
		libusb_fill_bulk_transfer(t[i], f->h, f->ep_out, block[i], sizeof(block[i]), flag_cb, &status[i], 0);
		assert_int_equal(libusb_submit_transfer(t[i]), 0);
	}
	pump(f, 50);
	for (int i = 0; i < 3; i++)
		assert_int_equal(status[i], -1); /* the slow link still holds them */
	assert_int_equal(vm_station_unplug(f->st, 0), 0);
	long long deadline = now_ms() + 2000;
	while ((status[0] < 0 || status[1] < 0 || status[2] < 0 || !f->rx_done) && now_ms() < deadline)
		pump(f, 10);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(status[i], LIBUSB_TRANSFER_NO_DEVICE);
		libusb_free_transfer(t[i]);
	}
	assert_true(f->rx_done);
	assert_int_equal(f->rx_status, LIBUSB_TRANSFER_NO_DEVICE);
	libusb_free_transfer(f->rx);
	f->rx = NULL;
	int n;
	assert_int_equal(libusb_bulk_transfer(f->h, f->ep_out, block[0], 4, &n, 500), LIBUSB_ERROR_NO_DEVICE);
	assert_int_equal(vm_station_stats(f->st, 0, &s), 0);
	assert_int_equal(s.presence, VM_GONE);
	assert_null(vm_station_sysfs_path(f->st, 0));
}

/* Next usb_device event on mon, or NULL after ms. */
static struct udev_device *next_event(struct udev_monitor *mon, unsigned ms)
{
	long long deadline = now_ms() + ms;
	struct pollfd p = { udev_monitor_get_fd(mon), POLLIN, 0 };

	while (now_ms() < deadline) {
		if (poll(&p, 1, 50) > 0) {
			struct udev_device *d = udev_monitor_receive_device(mon);
			if (d)
				return d;
		}
	}
	return NULL;
}

static void test_reboot_reenumerates(void **state)
{
	struct fx *f = *state;
	struct udev *udev = udev_new();
	struct udev_monitor *mon = udev_monitor_new_from_netlink(udev, "udev");
	struct udev_device *ev;
	char old_devnum[8], path[256];
	int old_addr;

	assert_non_null(mon);
	assert_int_equal(udev_monitor_filter_add_match_subsystem_devtype(mon, "usb", "usb_device"), 0);
	assert_int_equal(udev_monitor_enable_receiving(mon), 0);
	snprintf(path, sizeof(path), "%s", vm_station_sysfs_path(f->st, 0));
	assert_non_null(strstr(path, "/usb1/1-1"));

	f->h = open_port(f, "1-1");
	old_addr = libusb_get_device_address(libusb_get_device(f->h));
	snprintf(old_devnum, sizeof(old_devnum), "%03d", old_addr);
	take_at_port(f);
	rx_start(f);
	at_send(f, "AT+CFUN=1,1\r");
	assert_true(pump_until_in(f, "OK\r\n", 2000));
	/* The old handle's reader ends with NO_DEVICE when the module leaves. */
	assert_true(pump_until_flag(f, &f->rx_done, 5000));
	assert_int_equal(f->rx_status, LIBUSB_TRANSFER_NO_DEVICE);

	ev = next_event(mon, 5000);
	assert_non_null(ev);
	assert_string_equal(udev_device_get_action(ev), "remove");
	assert_string_equal(udev_device_get_sysname(ev), "1-1");
	assert_string_equal(udev_device_get_property_value(ev, "DEVNUM"), old_devnum);
	udev_device_unref(ev);
	ev = next_event(mon, 5000);
	assert_non_null(ev);
	assert_string_equal(udev_device_get_action(ev), "add");
	assert_string_equal(udev_device_get_sysname(ev), "1-1");
	assert_string_not_equal(udev_device_get_property_value(ev, "DEVNUM"), old_devnum);
	assert_non_null(strstr(udev_device_get_syspath(ev), "/usb1/1-1"));
	assert_string_equal(vm_station_sysfs_path(f->st, 0), path);
	/* The old node's ioctl socket listens on for an enumeration (station.c
	 * detach_stale): a descriptor of the node that went gets ENODEV, as
	 * the kernel gives it, never a reset connection (umockdev's preload
	 * aborts on one). The new node has one of its own. */
	snprintf(path, sizeof(path), "%s/ioctl/dev/bus/usb/001/%s", getenv("UMOCKDEV_DIR"), old_devnum);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(libusb_control_transfer(f->h, 0x21, 0x22, 0x0003, f->at_if, NULL, 0, 1000),
			 LIBUSB_ERROR_NO_DEVICE);
	snprintf(path, sizeof(path), "%s/ioctl/dev/bus/usb/001/%03d", getenv("UMOCKDEV_DIR"),
		 atoi(udev_device_get_property_value(ev, "DEVNUM")));
	assert_int_equal(access(path, F_OK), 0);
	udev_device_unref(ev);

	libusb_free_transfer(f->rx);
	f->rx = NULL;
	libusb_close(f->h);
	f->h = NULL;
	libusb_device *d = find_port(f->ctx, "1-1", old_addr, 5000);
	assert_non_null(d);
	assert_int_not_equal(libusb_get_device_address(d), old_addr);
	assert_int_equal(libusb_open(d, &f->h), 0);
	libusb_unref_device(d);
	/* The new enumeration has the kernel driver bound again. */
	g_string_truncate(f->in, 0);
	take_at_port(f);
	rx_start(f);
	at_send(f, "ATI\r");
	assert_true(pump_until_in(f, "OK\r\n", 3000));
	assert_non_null(strstr(f->in->str, "EC200U"));
	/* A second reboot: now the first node stops listening. */
	g_string_truncate(f->in, 0);
	at_send(f, "AT+CFUN=1,1\r");
	assert_true(pump_until_in(f, "OK\r\n", 2000));
	rx_stop(f); /* ends with NO_DEVICE when the module leaves */
	for (int i = 0; i < 2; i++) { /* remove, add */
		ev = next_event(mon, 5000);
		assert_non_null(ev);
		udev_device_unref(ev);
	}
	snprintf(path, sizeof(path), "%s/ioctl/dev/bus/usb/001/%s", getenv("UMOCKDEV_DIR"), old_devnum);
	assert_int_equal(access(path, F_OK), -1);

	struct vm_model_stats s;
	assert_int_equal(vm_station_stats(f->st, 0, &s), 0);
	assert_int_equal(s.reboots, 2);
	udev_monitor_unref(mon);
	udev_unref(udev);
}

static void test_behind_hub(void **state)
{
	struct fx *f = *state;

	/* A second module behind a hub: the hub appears too, ports are [4, 2]. */
	assert_int_equal(add_module(f->st, "eg25", "1-4.2", NULL), 1);
	assert_non_null(strstr(vm_station_sysfs_path(f->st, 1), "/usb1/1-4/1-4.2"));
	libusb_device *d = find_port(f->ctx, "1-4.2", -1, 3000);
	assert_non_null(d);
	struct libusb_device_descriptor dd;
	assert_int_equal(libusb_get_device_descriptor(d, &dd), 0);
	assert_int_equal(dd.idProduct, 0x0125);
	libusb_unref_device(d);
	assert_int_equal(add_module(f->st, "eg25", "1-4.2", NULL), -EEXIST);
}

/* The same stream into an endpoint the model does not see (if3's bulk OUT):
 * what the adapter and umockdev cost without the model's per-byte work. */
static void test_sink_stream(void **state)
{
	struct fx *f = *state;
	const char *mib_env = getenv("VM_TEST_STREAM_MIB");
	size_t size = (mib_env ? strtoul(mib_env, NULL, 10) : 8) << 20;
	uint8_t *data = calloc(1, size);

	f->h = open_port(f, "1-1");
	assert_int_equal(libusb_detach_kernel_driver(f->h, 3), 0);
	assert_int_equal(libusb_claim_interface(f->h, 3), 0);
	stream(f, 0x03, data, size, "sink if3");
	free(data);
}

/* The model vanishes inside vm_model_host_write() (unplug at byte N): the
 * device leaves from within the ioctl handler; the stream ends NO_DEVICE. */
static void test_unplug_at_byte(void **state)
{
	struct fx *f = *state;
	struct vm_model_config cfg = { 0 };
	static uint8_t data[1 << 20];
	struct libusb_transfer *t[4];
	int status[4] = { -1, -1, -1, -1 };

	cfg.profile = vm_profile_find("ec200u");
	cfg.port = "1-2";
	cfg.imei = "866050034443349";
	assert_true(vm_pacing_preset("fast", &cfg.pacing));
	assert_int_equal(vm_fault_parse("unplug-byte:100000", &cfg.faults[0]), 0);
	cfg.n_faults = 1;
	assert_int_equal(vm_station_add(f->st, &cfg), 1);
	f->h = open_port(f, "1-2");
	take_at_port(f);
	rx_start(f);
	at_send(f, "AT+QFOTADL=\"FILE:1048576\",1,50,100\r");
	assert_true(pump_until_in(f, "\"FILESTART\"", 5000));
	/* Unpaced, a transfer reaches the model inside SUBMITURB: the one that
	 * crosses byte 100000 takes the device away, the next submit fails. */
	for (int i = 0; i < 4; i++) {
		t[i] = libusb_alloc_transfer(0);
		libusb_fill_bulk_transfer(t[i], f->h, f->ep_out, data + i * 65536, 65536, flag_cb, &status[i], 5000);
		int r = libusb_submit_transfer(t[i]);
		if (r != 0) {
			assert_int_equal(r, LIBUSB_ERROR_NO_DEVICE);
			status[i] = LIBUSB_TRANSFER_NO_DEVICE;
		}
	}
	long long deadline = now_ms() + 3000;
	while ((status[0] < 0 || status[1] < 0 || status[2] < 0 || status[3] < 0 || !f->rx_done) &&
	       now_ms() < deadline)
		pump(f, 10);
	assert_int_equal(status[0], LIBUSB_TRANSFER_COMPLETED);
	assert_int_equal(status[3], LIBUSB_TRANSFER_NO_DEVICE);
	for (int i = 0; i < 4; i++)
		libusb_free_transfer(t[i]);
	assert_true(f->rx_done);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_at_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_async_stream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sink_stream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unplug_midstream, setup_slow_link, teardown),
		cmocka_unit_test_setup_teardown(test_reboot_reenumerates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_behind_hub, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unplug_at_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_at_session, setup_no_lanes, teardown),
		cmocka_unit_test_setup_teardown(test_reboot_reenumerates, setup_no_lanes, teardown),
		cmocka_unit_test_setup_teardown(test_reboot_reenumerates, setup_instant_reboot, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
