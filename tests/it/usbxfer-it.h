/* Helpers of the usbxfer integration tests: virtual modules in this process
 * (created before anything initialises libusb), and a tiny AT exchange that
 * only looks for a substring (no AT parser here: that is tool/'s job). */
#ifndef USBXFER_IT_H
#define USBXFER_IT_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qfota/usbxfer.h"
#include "vmodule/vmodule.h"

/* Adds one module of profile `profile` on `port` with "fast" pacing and the
 * fault spec `fault` (NULL: none). Returns its index or fails the test. */
static inline int it_add(struct vm_station *st, const char *profile, const char *port, const char *fault)
{
	static unsigned imei_seq;
	struct vm_model_config cfg = { .profile = vm_profile_find(profile), .port = port };
	char imei[32];
	int idx;

	snprintf(imei, sizeof(imei), "86605003444%04u", imei_seq++ % 10000);
	cfg.imei = imei;
	if (!cfg.profile || !vm_pacing_preset("fast", &cfg.pacing)) {
		fprintf(stderr, "no profile %s or pacing\n", profile);
		abort();
	}
	if (fault) {
		if (vm_fault_parse(fault, &cfg.faults[0]) < 0)
			abort();
		cfg.n_faults = 1;
	}
	idx = vm_station_add(st, &cfg);
	if (idx < 0) {
		fprintf(stderr, "vm_station_add %s %s: %d\n", profile, port, idx);
		abort();
	}
	return idx;
}

static inline uint64_t it_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline struct vm_model_stats it_stats(struct vm_station *st, size_t idx)
{
	struct vm_model_stats s;

	memset(&s, 0, sizeof(s));
	if (vm_station_stats(st, idx, &s) < 0)
		abort();
	return s;
}

/* Sends cmd (if not NULL), then reads until `want` appears in what came back
 * (kept in out, NUL-terminated) or timeout_ms passes. Returns 0 or the read's errno. */
static inline int it_expect(struct usbxfer_link *l, const char *cmd, const char *want, char *out, size_t cap,
			    unsigned timeout_ms)
{
	size_t len = 0;
	int r;

	out[0] = '\0';
	if (cmd) {
		r = usbxfer_link_write(l, cmd, strlen(cmd), 2000);
		if (r < 0)
			return r;
	}
	for (unsigned waited = 0;; waited += 100) {
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		r = usbxfer_link_read(l, out + len, cap - 1 - len, 100);
		if (r == -ETIMEDOUT)
			continue;
		if (r < 0) {
			if (getenv("IT_VERBOSE"))
				fprintf(stderr, "# it_expect(%s): %d after: %s\n", want, r, out);
			return r;
		}
		if (getenv("IT_VERBOSE"))
			fprintf(stderr, "# read %d: %.*s\n", r, r, out + len);
		len += (size_t)r;
		out[len] = '\0';
		if (strstr(out, want))
			break;
		if (len + 1 >= cap) { /* keep a tail that may hold the start of want */
			size_t keep = len < 256 ? len : 256;

			memmove(out, out + len - keep, keep + 1);
			len = keep;
		}
	}
	return 0;
}

#endif
