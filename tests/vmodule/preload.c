/* vm_require_preload(): a station must run under umockdev's preload, or its
 * uevents fail and add_from_string() sends no "add" (UMOCKDEV_NOTES "How the
 * pieces meet"); and under libvmshim.so (shim/usbfs_seek.c), or libusb cannot
 * wrap a node it opened. Re-executing is what umockdev-wrapper does, minus the
 * shell. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmodule.h"

#define PRELOAD "libumockdev-preload.so.0"

/* Adds lib to LD_PRELOAD (first) if missing; true if it was missing. */
static bool preload_add(const char *lib, const char *marker)
{
	const char *pre = getenv("LD_PRELOAD");
	char *val;

	if (pre && strstr(pre, marker))
		return false;
	if (asprintf(&val, "%s%s%s", lib, pre && *pre ? ":" : "", pre ? pre : "") < 0)
		return false;
	setenv("LD_PRELOAD", val, 1);
	free(val);
	return true;
}

void vm_preload_shim_for_children(void)
{
	preload_add(VM_SHIM_PATH, "libvmshim");
}

void vm_require_preload(int argc, char **argv)
{
	const char *asan = getenv("ASAN_OPTIONS");
	char *val;
	bool added;

	(void)argc;
	added = preload_add(VM_SHIM_PATH, "libvmshim");
	added |= preload_add(PRELOAD, "libumockdev-preload");
	if (!added)
		return;
	/* An ASan build refuses to start when the preload comes first (gotcha 8). */
	if (!asan || !strstr(asan, "verify_asan_link_order")) {
		if (asprintf(&val, "%s%sverify_asan_link_order=0", asan ? asan : "",
			     asan && *asan ? ":" : "") >= 0) {
			setenv("ASAN_OPTIONS", val, 1);
			free(val);
		}
	}
	execv("/proc/self/exe", argv);
	perror("vmodule: cannot re-execute under umockdev's preload");
}
