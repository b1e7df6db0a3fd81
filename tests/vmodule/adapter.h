/* Internal to the umockdev adapter (usbdevfs.c) and the station (station.c):
 * the state of one emulated USB device and of each client that opened it.
 * See ADAPTER.md for how usbdevfs maps onto the model.
 *
 * Locking: one process-wide mutex (vm_adapter_lock()) guards everything here
 * and every call into a model. It is process-wide, not per station, because
 * umockdev finalises a client (and runs our per-client cleanup) on its own
 * worker thread, possibly after the station is gone. The testbed's files and
 * uevents are written under a station's tb_lock instead (station.c), taken
 * after the adapter lock or alone, never before it.
 */
#ifndef VM_ADAPTER_H
#define VM_ADAPTER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "profile.h"

/* String descriptor indexes the profiles' descriptors use. */
enum {
	VM_STRING_MANUFACTURER = 1,
	VM_STRING_PRODUCT = 2,
	VM_STRING_SERIAL = 3,
	VM_STRING_MAC = 4, /* CDC-ECM iMACAddress (EC200U) */
};

/* The hub modules sit behind on ports like 1-4.2 (not in vm_profile_all()). */
const struct vm_profile *vm_profile_hub(void);
/* Qualcomm emergency download mode, 05c6:9008 (fault back-edl). */
const struct vm_profile *vm_profile_edl(void);
/* p's RNDIS composition (fault back-rndis): RNDIS on if0-1, the serial
 * interfaces shifted after it, the network function gone; p if p is not one
 * of vm_profile_all(). */
const struct vm_profile *vm_profile_rndis(const struct vm_profile *p);
/* The 18-byte device descriptor. Returns 18 or -ENOSPC. */
int vm_profile_device_descriptor(const struct vm_profile *p, uint8_t *buf, size_t cap);

#define VM_MAX_IFS 16

struct vlist {
	struct vlist *prev, *next;
};

/* One enumeration of a device: one device number, one node (a FIFO whose
 * fullness tells the clients' poll() whether a URB can be reaped, see
 * UMOCKDEV_NOTES gotcha 1). Stale clients keep theirs after the device left. */
struct vnode {
	unsigned refs;            /* the device while on the bus, plus each client */
	int fifo;                 /* our end, O_RDWR|O_NONBLOCK; -1 if none */
	unsigned reapable;        /* completed, unreaped URBs of all its clients */
	bool gone;                /* device left: ioctls fail with ENODEV */
	struct vmod *mod;         /* NULL once the module is freed */
};

struct vm_station;

/* One USB device of the testbed: a module (model != NULL) or a hub. */
struct vmod {
	struct vm_station *st;
	size_t idx;
	const struct vm_profile *profile;         /* what it enumerates as now */
	const struct vm_profile *quectel_profile; /* its own composition (profile unless back-edl) */
	struct vm_model *model;
	struct vm_pacing pacing;  /* link rate and turnaround apply here */
	void *handler;            /* the VmUsbdevfs GObject */
	unsigned lane;            /* which ioctl thread serves it (station.c) */

	/* On the bus now (node != NULL) or last time. */
	struct vnode *node;
	unsigned bus, devnum;
	char port[32];
	char syspath[192];        /* "/sys/devices/.../usb1/1-4" */
	char devnode[32];         /* "/dev/bus/usb/001/005" */
	/* The enumeration before: its node's ioctl socket stays until the next
	 * removal (station.c detach_stale), its address with it. "" if none. */
	char stale_devnode[32];
	unsigned stale_bus, stale_devnum;
	unsigned departures;      /* vm_model_departures() when it came on the bus */
	bool unplugged;           /* vm_station_unplug: never comes back */
	bool tb_stale, tb_busy;   /* testbed work due / under way (station.c) */

	/* USB state of the current enumeration. */
	void *claimed_by[VM_MAX_IFS];      /* struct vclient *, or NULL */
	bool driver_bound[VM_MAX_IFS];
	uint8_t alt[VM_MAX_IFS];
	uint8_t at_in, at_out;             /* AT interface's bulk endpoints */

	struct vlist out_q;       /* AT bulk OUT URBs, in order */
	struct vlist in_q;        /* AT bulk IN URBs, in order */
	struct vlist parked;      /* IN URBs on endpoints the model does not feed */
	uint64_t link_free_ns;    /* the link is busy until then (pacing) */
	bool out_nak;             /* head of out_q waits for the model to take more */
	uint64_t model_next_ns;   /* vm_model_next_ns() as last seen */
	struct vmod *next_hub;    /* station's hub list */
};

pthread_mutex_t *vm_adapter_lock(void);

/* usbdevfs.c -------------------------------------------------------------- */

/* A new handler for mod (a GObject: g_object_unref when done). */
void *vm_usbdevfs_new(struct vmod *mod);
/* The module is being freed: stale clients must not reach it. Locked. */
void vm_usbdevfs_forget(void *handler);

/* A node for a new enumeration: creates the FIFO at fifo_path (full, so
 * poll() blocks). NULL on failure (errno set). Locked. */
struct vnode *vm_node_new(struct vmod *mod, const char *fifo_path);
void vm_node_unref(struct vnode *n);

/* Moves the AT link forward at now_ns: delivers due OUT URBs to the model,
 * fills IN URBs from it. Locked. */
void vm_usbdevfs_service(struct vmod *mod, uint64_t now_ns);
/* The device leaves the bus: every pending URB ends with -ESHUTDOWN, claims
 * vanish, later ioctls on its fds fail with ENODEV. Locked. */
void vm_usbdevfs_unplugged(struct vmod *mod);
/* Earliest time the adapter needs vm_usbdevfs_service() for mod (VM_NEVER). */
uint64_t vm_usbdevfs_next_ns(const struct vmod *mod);
/* Clients alive (for vm_station_free's wait). Locked. */
unsigned vm_usbdevfs_clients(void);

/* sysfs.c ----------------------------------------------------------------- */

/* umockdev_testbed_add_from_string() text for mod's device (g_free it). */
char *vm_sysfs_device(const struct vmod *mod);
/* The same for interface ifno; its sysfs path into ret_path. */
char *vm_sysfs_interface(const struct vmod *mod, unsigned ifno, char *ret_path, size_t cap);

/* station.c --------------------------------------------------------------- */

uint64_t vm_now_ns(void);
/* The adapter saw work due at when_ns for mod (or a presence change). Locked. */
void vm_station_kick(struct vm_station *st, uint64_t when_ns);
/* After any model call: a module that left goes off the bus at once (its URBs
 * end), even if it is back already (a late tick ran its reboot and its return
 * together); the testbed's files follow on the station thread. Locked. */
void vm_station_sync_presence(struct vmod *mod);
/* Whether mod's model is on the bus as the enumeration the adapter shows
 * (present, not unplugged, not rebooted since). Locked. */
bool vm_station_model_on_bus(const struct vmod *mod);

/* uevent_shim.c: makes the linker keep the connect/sendmsg wrappers that
 * give umockdev's uevent delivery the kernel's drop semantics. */
void vm_uevent_shim_link(void);

#endif
