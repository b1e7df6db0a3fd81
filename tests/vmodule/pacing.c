/* Named pacing sets. Real figures (facts §5): flash 8-20 min, reboot 30-60 s,
 * OK within 10 s; these sets compress them so tests and the demo stay short. */
#include <string.h>

#include "model.h"

static const struct {
	const char *name;
	struct vm_pacing p;
} presets[] = {
	/* Tests: every phase in a few ms. Timeouts that wait for the host stay
	 * generous so a loaded (sanitizer) host does not trip them. */
	{ "fast", { .link_bytes_per_sec = 0, .turnaround_us = 0, .flash_bytes_per_sec = 0,
		    .command_ms = 2, .url_download_ms = 10, .update_ms = 20, .reboot_ms = 20,
		    .file_timeout_ms = 5000, .drain_ms = 2000 } },
	/* Demo: visible progress, a few seconds per module (a 1 MB package takes
	 * about 1 s to stream at 1 MB/s). */
	{ "demo", { .link_bytes_per_sec = 0, .turnaround_us = 0, .flash_bytes_per_sec = 1000000,
		    .command_ms = 50, .url_download_ms = 1500, .update_ms = 2500, .reboot_ms = 1000,
		    .file_timeout_ms = 10000, .drain_ms = 5000 } },
	/* Benchmarks: a USB 2.0 high-speed link (about 40 MB/s of bulk payload) with
	 * a per-transfer turnaround; the module's flash is not the bottleneck. */
	{ "usb2", { .link_bytes_per_sec = 40000000, .turnaround_us = 80,
		    .flash_bytes_per_sec = 0, .command_ms = 5, .url_download_ms = 50,
		    .update_ms = 50, .reboot_ms = 50, .file_timeout_ms = 10000, .drain_ms = 2000 } },
};

bool vm_pacing_preset(const char *name, struct vm_pacing *ret)
{
	if (!name || !ret)
		return false;
	for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++)
		if (strcmp(presets[i].name, name) == 0) {
			*ret = presets[i].p;
			return true;
		}
	return false;
}
