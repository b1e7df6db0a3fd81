/* Virtual modules in this process: a umockdev testbed with N virtual modules,
 * each a vm_model exposed as a USB device by the usbdevfs adapter. Used by the
 * runner (build/vmodule), the vm/ and it/ tests and the benchmarks.
 *
 * The process must run under umockdev's preload (umockdev-wrapper, or
 * vm_require_preload() which re-executes the program under it) before anything
 * initialises libusb or libudev. Create the station and its modules first, then
 * libusb_init(): libusb scans sysfs at init.
 */
#ifndef VM_VMODULE_H
#define VM_VMODULE_H

#include <stddef.h>
#include <stdio.h>

#include "model.h"

/* If not under the umockdev preload and libvmshim.so (shim/usbfs_seek.c),
 * re-executes argv[0] under both (never returns on success). Call first thing
 * in main(). */
void vm_require_preload(int argc, char **argv);
/* Puts libvmshim.so into LD_PRELOAD for the programs this one starts
 * (vm_station_new calls it). */
void vm_preload_shim_for_children(void);

struct vm_station;

/* Creates the testbed and the adapter's worker thread. NULL on failure (errno set). */
struct vm_station *vm_station_new(void);
/* Unplugs every module, stops the worker, removes the testbed. Accepts NULL. */
void vm_station_free(struct vm_station *st);

/* Plugs in a module (cfg->port decides the sysfs path; a port behind a hub
 * such as "1-4.2" adds the hub "1-4" first). Returns its index (>= 0) or a
 * negative errno. */
int vm_station_add(struct vm_station *st, const struct vm_model_config *cfg);
size_t vm_station_count(const struct vm_station *st);

/* Typed view of what module idx saw (thread-safe snapshot). */
int vm_station_stats(struct vm_station *st, size_t idx, struct vm_model_stats *ret);
/* Every module's record (vm_model_write_record), in index order. */
void vm_station_write_records(struct vm_station *st, FILE *out);

/* Pulls the module out now (as a person would): pending transfers end with
 * ESHUTDOWN/NO_DEVICE, a remove uevent is sent. */
int vm_station_unplug(struct vm_station *st, size_t idx);

/* Waits until module idx has no pending timed work left or timeout_ms passes.
 * Returns 0 or -ETIMEDOUT. For tests that drive a module to the end. */
int vm_station_wait_idle(struct vm_station *st, size_t idx, unsigned timeout_ms);

/* The testbed's sysfs path of the module's USB device (e.g.
 * "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-4"), or NULL if it is off the bus. */
const char *vm_station_sysfs_path(struct vm_station *st, size_t idx);

#endif
