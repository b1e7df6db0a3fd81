/* vm_require_preload(): a station must run under umockdev's preload, or its
 * uevents fail and add_from_string() sends no "add" (UMOCKDEV_NOTES "How the
 * pieces meet"). Re-executing is what umockdev-wrapper does, minus the shell. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmodule.h"

#define PRELOAD "libumockdev-preload.so.0"

void vm_require_preload(int argc, char **argv)
{
	const char *pre = getenv("LD_PRELOAD");
	const char *asan = getenv("ASAN_OPTIONS");
	char *val;

	(void)argc;
	if (pre && strstr(pre, "libumockdev-preload"))
		return;
	if (asprintf(&val, "%s%s%s", PRELOAD, pre && *pre ? ":" : "", pre ? pre : "") < 0)
		return;
	setenv("LD_PRELOAD", val, 1);
	free(val);
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
