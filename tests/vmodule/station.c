/* The station (vmodule.h): a umockdev testbed with virtual modules on it, and
 * one thread that runs their clocks. The thread ticks each model when it asks,
 * moves the AT links forward (usbdevfs.c), and follows vm_model_presence():
 * a module that reboots leaves the bus (remove uevent, device gone) and comes
 * back on vm_model_port() with a new device number, as real modules do (facts
 * §0.5, UMOCKDEV_NOTES gotchas 2-4).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <umockdev.h>

#include "adapter.h"
#include "vmodule.h"

#define MAX_BUS 16
#define MAX_DEPTH 6
#define MAX_LANES 16
#define DEFAULT_LANES 6  /* bench-station: 2, 4, 6, 8, 16 lanes on 2 cores gave 0.86, 0.89, 0.88, 0.89, 0.84 */
#define CLOCK_NICE (-10)

struct vm_station {
	UMockdevTestbed *tb;
	char *root;
	/* Ioctl lanes: more umockdev worker threads (see attach_handler). */
	UMockdevTestbed *lanes[MAX_LANES];
	char *lane_root[MAX_LANES];
	unsigned n_lanes, next_lane;
	pthread_mutex_t tb_lock;  /* every umockdev_testbed_* call on tb and the lanes */
	pthread_t worker;
	bool worker_started, stop;
	pthread_cond_t wake;      /* the worker waits for work or its next due time */
	pthread_cond_t pass;      /* broadcast after each pass (vm_station_wait_idle) */
	uint64_t wake_at;
	struct vmod **mods;
	size_t n, cap;
	struct vmod **hubs;
	size_t n_hubs;
	unsigned next_devnum[MAX_BUS + 1];
};

uint64_t vm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void vm_station_kick(struct vm_station *st, uint64_t when_ns)
{
	if (when_ns < st->wake_at) {
		st->wake_at = when_ns;
		pthread_cond_signal(&st->wake);
	}
}

/* "1-4.2" -> bus 1, ports {4, 2}. Returns the depth or -EINVAL. */
static int parse_port(const char *port, unsigned *ret_bus, unsigned ports[MAX_DEPTH])
{
	char *end;
	unsigned long v = strtoul(port, &end, 10);
	int depth = 0;

	if (end == port || *end != '-' || v < 1 || v > MAX_BUS)
		return -EINVAL;
	*ret_bus = (unsigned)v;
	do {
		const char *s = end + 1;
		v = strtoul(s, &end, 10);
		if (end == s || v < 1 || v > 31 || depth == MAX_DEPTH)
			return -EINVAL;
		ports[depth++] = (unsigned)v;
	} while (*end == '.');
	return *end ? -EINVAL : depth;
}

/* The sysfs path of a port: ".../usb1/1-4/1-4.2" (each hub a parent dir). */
static void port_syspath(const char *port, char *buf, size_t cap)
{
	unsigned bus, ports[MAX_DEPTH];
	int depth = parse_port(port, &bus, ports);
	size_t n = (size_t)snprintf(buf, cap, "/sys/devices/pci0000:00/0000:00:14.0/usb%u", bus);

	for (int d = 1; d <= depth && n < cap; d++) {
		n += (size_t)snprintf(buf + n, cap - n, "/%u-", bus);
		for (int k = 0; k < d && n < cap; k++)
			n += (size_t)snprintf(buf + n, cap - n, k ? ".%u" : "%u", ports[k]);
	}
}

static bool devnum_in_use(struct vm_station *st, unsigned bus, unsigned devnum)
{
	for (size_t i = 0; i < st->n; i++) {
		const struct vmod *m = st->mods[i];

		if (m->node && m->bus == bus && m->devnum == devnum)
			return true;
		/* still listening for the enumeration before (detach_stale) */
		if (m->stale_devnode[0] && m->stale_bus == bus && m->stale_devnum == devnum)
			return true;
	}
	for (size_t i = 0; i < st->n_hubs; i++)
		if (st->hubs[i]->node && st->hubs[i]->bus == bus && st->hubs[i]->devnum == devnum)
			return true;
	return false;
}

/* The kernel hands out the next free address on the bus, so a module that
 * re-enumerates gets a new one (1 is the root hub's). */
static int alloc_devnum(struct vm_station *st, unsigned bus)
{
	for (int tries = 0; tries < 126; tries++) {
		unsigned d = st->next_devnum[bus];
		st->next_devnum[bus] = d >= 127 ? 2 : d + 1;
		if (!devnum_in_use(st, bus, d))
			return (int)d;
	}
	return -ENOSPC;
}

static struct vmod *port_owner(struct vm_station *st, const char *port)
{
	for (size_t i = 0; i < st->n; i++)
		if (st->mods[i]->node && strcmp(st->mods[i]->port, port) == 0)
			return st->mods[i];
	for (size_t i = 0; i < st->n_hubs; i++)
		if (strcmp(st->hubs[i]->port, port) == 0)
			return st->hubs[i];
	return NULL;
}

static int plug(struct vmod *mod, const char *port);

/* umockdev serves every device node's ioctls on its testbed's one worker
 * thread, where the kernel runs each caller's ioctl on the caller's own
 * thread: with dozens of modules busy, that one thread, not the program
 * under test, would set the pace. So a station also holds a few "lane"
 * testbeds, used only for their worker threads: a node's handler is attached
 * on a lane (modules dealt round-robin), which binds its socket under the
 * lane's directory, and the socket is then moved to where umockdev's preload
 * looks for it, $UMOCKDEV_DIR/ioctl/<node> of the station's testbed (a
 * listening Unix socket keeps working under its new name). n_lanes 0: the
 * station's own worker serves every node. */
static void ioctl_socket_path(const char *root, const struct vmod *mod, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/ioctl%s", root, mod->devnode);
}

static int attach_handler(struct vmod *mod, GError **err)
{
	struct vm_station *st = mod->st;
	char from[512], to[512], *dir;
	int r;

	if (st->n_lanes == 0)
		return umockdev_testbed_attach_ioctl(st->tb, mod->devnode, mod->handler, err) ? 0 : -EIO;
	if (!umockdev_testbed_attach_ioctl(st->lanes[mod->lane], mod->devnode, mod->handler, err))
		return -EIO;
	ioctl_socket_path(st->lane_root[mod->lane], mod, from, sizeof(from));
	ioctl_socket_path(st->root, mod, to, sizeof(to));
	dir = g_path_get_dirname(to);
	r = g_mkdir_with_parents(dir, 0755) < 0 || rename(from, to) < 0 ? -errno : 0;
	g_free(dir);
	if (r < 0) {
		g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(-r), "moving %s to %s: %s", from, to,
			    g_strerror(-r));
		umockdev_testbed_detach_ioctl(st->lanes[mod->lane], mod->devnode, NULL);
	}
	return r;
}

static void detach_path(struct vmod *mod, const char *devnode)
{
	struct vm_station *st = mod->st;
	char to[512];

	if (st->n_lanes == 0) {
		umockdev_testbed_detach_ioctl(st->tb, devnode, NULL);
		return;
	}
	/* umockdev unlinks the socket's old name (gone: moved); this one is ours. */
	umockdev_testbed_detach_ioctl(st->lanes[mod->lane], devnode, NULL);
	snprintf(to, sizeof(to), "%s/ioctl%s", st->root, devnode);
	unlink(to);
}

/* The node of the enumeration before last stops listening. A removed node's
 * socket is not closed with the removal: a program that opened the node just
 * before it went (it read the device number a moment earlier) has its
 * connection still in the listener's queue, and closing the listener resets
 * it, which umockdev's preload answers with abort(). The kernel instead gives
 * such a descriptor ENODEV on every ioctl, as our handler does for a node
 * that is gone. So a node listens on until the module's next removal (a whole
 * enumeration later), or the station's end; its address is not handed out
 * meanwhile (devnum_in_use). */
static void detach_stale(struct vmod *mod)
{
	if (!mod->stale_devnode[0])
		return;
	detach_path(mod, mod->stale_devnode);
	mod->stale_devnode[0] = '\0';
}

static struct vmod *vmod_new(struct vm_station *st, const struct vm_profile *p)
{
	struct vmod *mod = calloc(1, sizeof(*mod));

	if (!mod)
		return NULL;
	mod->st = st;
	mod->lane = st->n_lanes ? st->next_lane++ % st->n_lanes : 0;
	mod->profile = p;
	mod->quectel_profile = p;
	mod->model_next_ns = VM_NEVER;
	mod->handler = vm_usbdevfs_new(mod);
	return mod;
}

/* Ports behind a hub need the hub on the bus: libusb walks the parents for
 * libusb_get_port_numbers() (UMOCKDEV_NOTES "Port paths"). */
static int ensure_hubs(struct vm_station *st, const char *port)
{
	char parent[32];
	char *dot;
	int r;

	snprintf(parent, sizeof(parent), "%s", port);
	if (!(dot = strrchr(parent, '.')))
		return 0;
	*dot = '\0';
	if (port_owner(st, parent))
		return 0;
	if ((r = ensure_hubs(st, parent)) < 0)
		return r;
	struct vmod **hubs = realloc(st->hubs, (st->n_hubs + 1) * sizeof(*hubs));
	if (!hubs)
		return -ENOMEM;
	st->hubs = hubs;
	struct vmod *hub = vmod_new(st, vm_profile_hub());
	if (!hub)
		return -ENOMEM;
	st->hubs[st->n_hubs++] = hub;
	return plug(hub, parent);
}

/* ---- the bus: adapter state under the lock, testbed work outside it ----
 *
 * A (re-)enumeration writes dozens of testbed files and sends uevents, about
 * 3 ms each. Under the adapter lock, a reboot wave of 64 modules held every
 * other module's ioctls up for 0.4 s; a real bus enumerates one device
 * without stopping the others' transfers. So each change has two halves:
 * the adapter's state under the lock (bus_enter, bus_leave: at once, as the
 * kernel fails a vanished device's URBs at once), then the testbed's files
 * and uevents under st->tb_lock alone (tb_add, tb_remove), on the station
 * thread (sync_bus) or, for the API calls, at once. Lock order: the adapter
 * lock, then tb_lock, never the reverse. mod->tb_stale: a removal is due;
 * mod->tb_busy: the station thread is doing testbed work for mod. */

/* Locked. The device's new enumeration: address, node, USB state. */
static int bus_enter(struct vmod *mod, const char *port)
{
	struct vm_station *st = mod->st;
	const struct vm_profile *p = mod->profile;
	unsigned bus, ports[MAX_DEPTH];
	char path[512];
	int r, devnum;

	if (parse_port(port, &bus, ports) < 0)
		return -EINVAL;
	if ((r = ensure_hubs(st, port)) < 0)
		return r;
	if ((devnum = alloc_devnum(st, bus)) < 0)
		return devnum;
	snprintf(mod->port, sizeof(mod->port), "%s", port);
	port_syspath(port, mod->syspath, sizeof(mod->syspath));
	mod->bus = bus;
	mod->devnum = (unsigned)devnum;
	if (mod->model)
		mod->departures = vm_model_departures(mod->model);
	snprintf(mod->devnode, sizeof(mod->devnode), "/dev/bus/usb/%03u/%03u", bus, (unsigned)devnum);
	/* umockdev keeps /sys/dev/char/189:<minor> of a removed device; a number
	 * that wrapped around (no device holds it now) would collide with it and
	 * make umockdev abort ("failed to symlink"). The kernel frees it. */
	snprintf(path, sizeof(path), "%s/sys/dev/char/189:%u", st->root, (bus - 1) * 128 + (unsigned)devnum - 1);
	unlink(path);
	snprintf(path, sizeof(path), "%s%s", st->root, mod->devnode);
	if (!(mod->node = vm_node_new(mod, path)))
		return -errno;

	/* A fresh enumeration: kernel drivers bound again, nothing claimed. */
	for (unsigned i = 0; i < VM_MAX_IFS; i++) {
		mod->claimed_by[i] = NULL;
		mod->driver_bound[i] = i < p->n_interfaces && p->interfaces[i].kernel_driver;
		mod->alt[i] = 0;
	}
	mod->at_in = mod->at_out = 0;
	if (p->at_interface < p->n_interfaces) {
		const struct vm_altsetting *a = &p->interfaces[p->at_interface].alts[0];
		for (unsigned e = 0; e < a->n_endpoints; e++) {
			if (a->endpoints[e].attributes != 2)
				continue;
			if (a->endpoints[e].address & 0x80)
				mod->at_in = a->endpoints[e].address;
			else
				mod->at_out = a->endpoints[e].address;
		}
	}
	mod->out_nak = false;
	mod->link_free_ns = 0;
	return 0;
}

/* tb_lock. The node's handler, then sysfs: add_from_string() sends "add" at
 * once (gotcha 3), and a program may open the node as soon as it sees it. */
static int tb_add(struct vmod *mod)
{
	struct vm_station *st = mod->st;
	const struct vm_profile *p = mod->profile;
	char path[512];
	GError *err = NULL;
	gboolean ok;
	char *desc;

	if (attach_handler(mod, &err) < 0)
		goto fail;
	desc = vm_sysfs_device(mod);
	ok = umockdev_testbed_add_from_string(st->tb, desc, &err);
	g_free(desc);
	if (!ok)
		goto fail;
	for (unsigned i = 0; i < p->n_interfaces; i++) {
		desc = vm_sysfs_interface(mod, i, path, sizeof(path));
		ok = umockdev_testbed_add_from_string(st->tb, desc, &err);
		g_free(desc);
		if (!ok)
			goto fail;
	}
	return 0;
fail:
	fprintf(stderr, "vmodule: cannot add %s on %s: %s\n", p->name, mod->port, err ? err->message : "?");
	g_clear_error(&err);
	return -EIO;
}

/* Locked. Off the bus: URBs end, the node is gone; its testbed files follow
 * (mod->tb_stale). Returns whether it was on the bus. */
static bool bus_leave(struct vmod *mod)
{
	if (!mod->node)
		return false;
	vm_usbdevfs_unplugged(mod);
	mod->tb_stale = true;
	return true;
}

/* tb_lock. The kernel sends the interfaces' remove first; "remove" goes out
 * before the device disappears (gotcha 2). */
static void tb_remove(struct vmod *mod)
{
	struct vm_station *st = mod->st;
	char path[512];

	for (unsigned i = mod->profile->n_interfaces; i-- > 0;) {
		char *desc = vm_sysfs_interface(mod, i, path, sizeof(path));
		g_free(desc);
		umockdev_testbed_uevent(st->tb, path, "remove");
	}
	umockdev_testbed_uevent(st->tb, mod->syspath, "remove");
	detach_stale(mod);
	snprintf(mod->stale_devnode, sizeof(mod->stale_devnode), "%s", mod->devnode);
	mod->stale_bus = mod->bus;
	mod->stale_devnum = mod->devnum;
	/* Interfaces one by one: removing the device's directory alone would
	 * leave their /sys/bus/usb/devices links behind for the next add. */
	for (unsigned i = 0; i < mod->profile->n_interfaces; i++) {
		g_free(vm_sysfs_interface(mod, i, path, sizeof(path)));
		umockdev_testbed_remove_device(st->tb, path);
	}
	umockdev_testbed_remove_device(st->tb, mod->syspath);
}

/* Locked: both halves at once (setup, the API, shutdown). */
static int plug(struct vmod *mod, const char *port)
{
	int r = bus_enter(mod, port);

	if (r == 0) {
		pthread_mutex_lock(&mod->st->tb_lock);
		r = tb_add(mod);
		pthread_mutex_unlock(&mod->st->tb_lock);
		if (r < 0)
			vm_usbdevfs_unplugged(mod);
	}
	return r;
}

static void unplug_usb(struct vmod *mod)
{
	bus_leave(mod);
	if (mod->tb_stale) {
		pthread_mutex_lock(&mod->st->tb_lock);
		mod->tb_stale = false;
		tb_remove(mod);
		pthread_mutex_unlock(&mod->st->tb_lock);
	}
}

bool vm_station_model_on_bus(const struct vmod *mod)
{
	return mod->model && !mod->unplugged && vm_model_presence(mod->model) == VM_PRESENT &&
	       vm_model_departures(mod->model) == mod->departures;
}

void vm_station_sync_presence(struct vmod *mod)
{
	if (mod->model && mod->node && !vm_station_model_on_bus(mod) && bus_leave(mod))
		vm_station_kick(mod->st, 0);
}

/* Whether the bus shows what the model wants: on it as the current
 * enumeration, or off it, with no testbed work left. */
static bool bus_in_line(const struct vmod *mod)
{
	bool want_bus = !mod->unplugged && vm_model_presence(mod->model) == VM_PRESENT;

	if (mod->tb_stale || mod->tb_busy)
		return false;
	return mod->node ? vm_station_model_on_bus(mod) : !want_bus;
}

/* Station thread, locked on entry and on return: brings the bus in line with
 * the model, doing the testbed half with the adapter lock released. Returns
 * whether it released it. */
static bool sync_bus(struct vmod *mod, pthread_mutex_t *lock)
{
	struct vm_station *st = mod->st;
	bool add = false;
	int r = 0;

	vm_station_sync_presence(mod);
	if (!mod->tb_stale) {
		const char *port = vm_model_port(mod->model);
		struct vmod *owner;

		if (mod->node || mod->unplugged || vm_model_presence(mod->model) != VM_PRESENT)
			return false;
		owner = port_owner(st, port);
		if (owner && owner != mod)
			return false; /* [I] port taken: it stays off the bus */
		/* the composition it enumerates with now (back-edl: 05c6:9008) */
		switch (vm_model_composition(mod->model)) {
		case VM_COMPOSITION_EDL: mod->profile = vm_profile_edl(); break;
		case VM_COMPOSITION_RNDIS: mod->profile = vm_profile_rndis(mod->quectel_profile); break;
		default: mod->profile = mod->quectel_profile;
		}
		if (bus_enter(mod, port) < 0) {
			fprintf(stderr, "vmodule: module %zu could not come back on %s\n", mod->idx, port);
			return false;
		}
		add = true;
	}
	mod->tb_stale = false;
	mod->tb_busy = true;
	pthread_mutex_unlock(lock);
	pthread_mutex_lock(&st->tb_lock);
	if (add)
		r = tb_add(mod);
	else
		tb_remove(mod);
	pthread_mutex_unlock(&st->tb_lock);
	pthread_mutex_lock(lock);
	mod->tb_busy = false;
	if (r < 0 && bus_leave(mod))
		mod->tb_stale = false; /* nothing to remove, or half an add: left as it is */
	return true;
}

static void *worker(void *arg)
{
	struct vm_station *st = arg;
	pthread_mutex_t *lock = vm_adapter_lock();

	/* The modules' clocks stand for hardware of their own, which never
	 * waits for the host's CPU: ahead of the program under test when the
	 * host lets us (root, CAP_SYS_NICE), else at the same priority. With
	 * 64 modules on 2 cores, a late tick empties a module's receive buffer
	 * and the flash rate, not the host, drops. */
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), CLOCK_NICE);
	pthread_mutex_lock(lock);
	while (!st->stop) {
		uint64_t now = vm_now_ns(), next = VM_NEVER;
		bool unlocked = false;

		st->wake_at = 0; /* kicks during the pass are folded into next */
		for (size_t i = 0; i < st->n; i++) {
			struct vmod *mod = st->mods[i];

			if (mod->model_next_ns <= now)
				mod->model_next_ns = vm_model_tick(mod->model, now);
			/* Also when the model has nothing due: a module that left and
			 * came back in one late tick still has to go off the bus and
			 * on again. */
			if (!bus_in_line(mod) && sync_bus(mod, lock)) {
				now = vm_now_ns();
				unlocked = true; /* modules already passed may have work */
			}
			vm_usbdevfs_service(mod, now);
			if (mod->model_next_ns < next)
				next = mod->model_next_ns;
			uint64_t t = vm_usbdevfs_next_ns(mod);
			if (t < next)
				next = t;
		}
		pthread_cond_broadcast(&st->pass);
		st->wake_at = next;
		if (unlocked || next <= vm_now_ns())
			continue;
		if (next == VM_NEVER) {
			pthread_cond_wait(&st->wake, lock);
		} else {
			struct timespec ts = { (time_t)(next / 1000000000u), (long)(next % 1000000000u) };
			pthread_cond_timedwait(&st->wake, lock, &ts);
		}
	}
	pthread_mutex_unlock(lock);
	return NULL;
}

/* VMODULE_IOCTL_LANES=N (0..16) overrides DEFAULT_LANES. More lanes than
 * CPUs pay: a lane mostly waits for its client to answer umockdev's memory
 * reads, not for a CPU. */
static unsigned station_lanes(void)
{
	const char *e = getenv("VMODULE_IOCTL_LANES");
	long n = e ? strtol(e, NULL, 10) : DEFAULT_LANES;

	return n < 0 ? 0 : n > MAX_LANES ? MAX_LANES : (unsigned)n;
}

struct vm_station *vm_station_new(void)
{
	vm_uevent_shim_link();
	const char *pre = getenv("LD_PRELOAD");
	struct vm_station *st;
	pthread_condattr_t ca;

	if (!pre || !strstr(pre, "libumockdev-preload")) {
		fprintf(stderr, "vmodule: not under umockdev's preload (run under umockdev-wrapper)\n");
		errno = ENOTSUP;
		return NULL;
	}
	vm_preload_shim_for_children();
	/* Timer slack 1 ns: inherited by umockdev's worker, created next, and
	 * doubles throughput of the preload's usleep(0) round trips (gotcha 6). */
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	if (!(st = calloc(1, sizeof(*st))))
		return NULL;
	st->n_lanes = station_lanes();
	for (unsigned i = 0; i < st->n_lanes; i++) {
		st->lanes[i] = umockdev_testbed_new();
		st->lane_root[i] = umockdev_testbed_get_root_dir(st->lanes[i]);
	}
	/* Last: a testbed sets $UMOCKDEV_DIR to its own directory. */
	st->tb = umockdev_testbed_new();
	st->root = umockdev_testbed_get_root_dir(st->tb);
	if (strlen(st->root) + strlen("/ioctl/dev/bus/usb/001/001") >= 108)
		fprintf(stderr, "vmodule: testbed path %s too long for umockdev's sockets (gotcha 7)\n", st->root);
	for (unsigned b = 0; b <= MAX_BUS; b++)
		st->next_devnum[b] = 2;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&st->tb_lock, NULL);
	pthread_cond_init(&st->wake, &ca);
	pthread_cond_init(&st->pass, &ca);
	pthread_condattr_destroy(&ca);
	st->wake_at = VM_NEVER;
	if (pthread_create(&st->worker, NULL, worker, st) != 0) {
		int e = errno;
		vm_station_free(st);
		errno = e;
		return NULL;
	}
	st->worker_started = true;
	return st;
}

static void vmod_free(struct vmod *mod)
{
	if (!mod)
		return;
	detach_stale(mod); /* every client is gone by now (vm_station_free) */
	vm_usbdevfs_forget(mod->handler);
	vm_model_free(mod->model);
	g_object_unref(mod->handler);
	free(mod);
}

void vm_station_free(struct vm_station *st)
{
	pthread_mutex_t *lock = vm_adapter_lock();

	if (!st)
		return;
	pthread_mutex_lock(lock);
	for (size_t i = 0; i < st->n; i++) {
		st->mods[i]->unplugged = true;
		unplug_usb(st->mods[i]);
	}
	for (size_t i = st->n_hubs; i-- > 0;)
		unplug_usb(st->hubs[i]);
	st->stop = true;
	pthread_cond_signal(&st->wake);
	pthread_mutex_unlock(lock);
	if (st->worker_started)
		pthread_join(st->worker, NULL);

	/* umockdev drops a client (and runs our cleanup) on its own thread once
	 * it sees the fd closed: give the last ones a moment, bounded. */
	for (int i = 0; i < 400; i++) {
		pthread_mutex_lock(lock);
		unsigned n = vm_usbdevfs_clients();
		pthread_mutex_unlock(lock);
		if (n == 0)
			break;
		usleep(5000);
	}
	pthread_mutex_lock(lock);
	for (size_t i = 0; i < st->n; i++)
		vmod_free(st->mods[i]);
	for (size_t i = 0; i < st->n_hubs; i++)
		vmod_free(st->hubs[i]);
	pthread_mutex_unlock(lock);
	free(st->mods);
	free(st->hubs);
	g_object_unref(st->tb);
	g_free(st->root);
	for (unsigned i = 0; i < st->n_lanes; i++) {
		g_object_unref(st->lanes[i]);
		g_free(st->lane_root[i]);
	}
	pthread_mutex_destroy(&st->tb_lock);
	pthread_cond_destroy(&st->wake);
	pthread_cond_destroy(&st->pass);
	free(st);
}

int vm_station_add(struct vm_station *st, const struct vm_model_config *cfg)
{
	pthread_mutex_t *lock = vm_adapter_lock();
	uint64_t now = vm_now_ns();
	struct vmod *mod;
	int r;

	if (!st || !cfg || !cfg->profile || !cfg->port)
		return -EINVAL;
	{
		unsigned bus, ports[MAX_DEPTH];
		if (parse_port(cfg->port, &bus, ports) < 0)
			return -EINVAL;
	}
	pthread_mutex_lock(lock);
	if (port_owner(st, cfg->port)) {
		pthread_mutex_unlock(lock);
		return -EEXIST;
	}
	/* A module unplugged for good from this port has no next removal to
	 * retire its last node (detach_stale): the next module's arrival does,
	 * or a runner swapping modules (--operator) would hold one address per
	 * module ever plugged in and run the bus out of them. */
	for (size_t i = 0; i < st->n; i++) {
		struct vmod *old = st->mods[i];

		if (old->unplugged && !old->node && !old->tb_stale && old->stale_devnode[0] &&
		    strcmp(old->port, cfg->port) == 0) {
			pthread_mutex_lock(&st->tb_lock);
			detach_stale(old);
			pthread_mutex_unlock(&st->tb_lock);
		}
	}
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 8;
		struct vmod **m = realloc(st->mods, cap * sizeof(*m));
		if (!m) {
			pthread_mutex_unlock(lock);
			return -ENOMEM;
		}
		st->mods = m;
		st->cap = cap;
	}
	if (!(mod = vmod_new(st, cfg->profile))) {
		pthread_mutex_unlock(lock);
		return -ENOMEM;
	}
	mod->model = vm_model_new(cfg, now);
	if (!mod->model) {
		r = errno ? -errno : -EINVAL;
		vmod_free(mod);
		pthread_mutex_unlock(lock);
		return r;
	}
	mod->pacing = cfg->pacing;
	mod->idx = st->n;
	st->mods[st->n++] = mod;
	mod->model_next_ns = vm_model_next_ns(mod->model);
	if (vm_model_presence(mod->model) == VM_PRESENT) {
		r = plug(mod, vm_model_port(mod->model));
		if (r < 0) {
			st->n--;
			vmod_free(mod);
			pthread_mutex_unlock(lock);
			return r;
		}
	}
	vm_station_kick(st, mod->model_next_ns);
	pthread_mutex_unlock(lock);
	return (int)mod->idx;
}

size_t vm_station_count(const struct vm_station *st)
{
	return st ? st->n : 0;
}

int vm_station_stats(struct vm_station *st, size_t idx, struct vm_model_stats *ret)
{
	pthread_mutex_t *lock = vm_adapter_lock();

	if (!st || idx >= st->n || !ret)
		return -EINVAL;
	pthread_mutex_lock(lock);
	struct vmod *mod = st->mods[idx];
	unsigned at = mod->profile->at_interface;
	vm_model_get_stats(mod->model, ret);
	/* The adapter is the authority on the USB side: a re-enumeration binds
	 * the kernel driver again without the model hearing of it. */
	if (mod->node && at < VM_MAX_IFS) {
		ret->driver_bound = mod->driver_bound[at];
		ret->claimed = mod->claimed_by[at] != NULL;
	} else {
		ret->claimed = false;
	}
	if (mod->unplugged)
		ret->presence = VM_GONE;
	pthread_mutex_unlock(lock);
	return 0;
}

void vm_station_write_records(struct vm_station *st, FILE *out)
{
	pthread_mutex_t *lock = vm_adapter_lock();

	if (!st || !out)
		return;
	pthread_mutex_lock(lock);
	for (size_t i = 0; i < st->n; i++)
		vm_model_write_record(st->mods[i]->model, out);
	pthread_mutex_unlock(lock);
}

int vm_station_unplug(struct vm_station *st, size_t idx)
{
	pthread_mutex_t *lock = vm_adapter_lock();

	if (!st || idx >= st->n)
		return -EINVAL;
	pthread_mutex_lock(lock);
	st->mods[idx]->unplugged = true;
	unplug_usb(st->mods[idx]);
	pthread_mutex_unlock(lock);
	return 0;
}

static bool is_idle(const struct vmod *mod)
{
	return mod->model_next_ns == VM_NEVER && vm_usbdevfs_next_ns(mod) == VM_NEVER && bus_in_line(mod);
}

int vm_station_wait_idle(struct vm_station *st, size_t idx, unsigned timeout_ms)
{
	pthread_mutex_t *lock = vm_adapter_lock();
	uint64_t deadline = vm_now_ns() + (uint64_t)timeout_ms * 1000000u;
	int r = 0;

	if (!st || idx >= st->n)
		return -EINVAL;
	pthread_mutex_lock(lock);
	while (!is_idle(st->mods[idx])) {
		struct timespec ts = { (time_t)(deadline / 1000000000u), (long)(deadline % 1000000000u) };
		if (vm_now_ns() >= deadline) {
			r = -ETIMEDOUT;
			break;
		}
		pthread_cond_timedwait(&st->pass, lock, &ts);
	}
	pthread_mutex_unlock(lock);
	return r;
}

const char *vm_station_sysfs_path(struct vm_station *st, size_t idx)
{
	pthread_mutex_t *lock = vm_adapter_lock();
	const char *p;

	if (!st || idx >= st->n)
		return NULL;
	pthread_mutex_lock(lock);
	p = st->mods[idx]->node ? st->mods[idx]->syspath : NULL;
	pthread_mutex_unlock(lock);
	return p;
}
