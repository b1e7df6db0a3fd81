/* bench qfupl_vs_stopwait R x: qfota's AT+QFUPL upload (tool/fota/fota_upload.c,
 * run through fota_run, the upload phase timed from its JSON events) against
 * fwupd's stop-and-wait (2 KiB chunks, wait for the module's two 'A's after
 * each, facts §3.1), written here, on virtual EG25 modules with the "usb2"
 * pacing (40 MB/s link, per-transfer turnaround), same package size, same
 * run. Each figure is the median of BENCH_RUNS (default 3) interleaved runs;
 * every run gets a fresh module. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include <json-c/json.h>

#include "common/testutil.h"
#include "qfota/fota.h"
#include "qfota/usbxfer.h"
#include "vmodule/package.h"
#include "vmodule/vmodule.h"

#define PACKAGE_BYTES (8u * 1024 * 1024)
#define CHUNK 2048u

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void add_module(struct vm_station *st, const char *port)
{
	static unsigned seq;
	struct vm_model_config cfg = { .profile = vm_profile_find("eg25"), .port = port };
	char imei[32];

	snprintf(imei, sizeof(imei), "86605003444%04u", seq++);
	cfg.imei = imei;
	if (!cfg.profile || !vm_pacing_preset("usb2", &cfg.pacing))
		tu_die("profile", -EINVAL);
	if (vm_station_add(st, &cfg) < 0)
		tu_die("vm_station_add", -EIO);
}

/* What the module sent, kept across reads so that nothing read while waiting
 * for the A's is lost to the wait for OK. */
struct rx {
	char acc[8192];
	size_t len;
	size_t as; /* 'A's not yet consumed */
};

/* Waits until `want` is in what the module sent, or (want NULL) until two
 * 'A's have come; 10 s at most. */
static int read_until(struct usbxfer_link *l, struct rx *rx, const char *want)
{
	uint64_t deadline = now_ms() + 10000;

	for (;;) {
		char buf[4096];
		int n;

		if (!want && rx->as >= 2) {
			rx->as -= 2;
			return 0;
		}
		if (want && strstr(rx->acc, want)) {
			rx->len = 0;
			rx->acc[0] = '\0';
			return 0;
		}
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		n = usbxfer_link_read(l, buf, sizeof(buf), 100);
		if (n == -ETIMEDOUT)
			continue;
		if (n < 0)
			return n;
		for (int i = 0; i < n; i++)
			rx->as += buf[i] == 'A';
		if (rx->len + (size_t)n >= sizeof(rx->acc))
			rx->len = 0;
		memcpy(rx->acc + rx->len, buf, (size_t)n);
		rx->len += (size_t)n;
		rx->acc[rx->len] = '\0';
	}
}

/* fwupd's way: 2 KiB, then wait for two 'A's, then the next 2 KiB. */
static uint64_t stop_and_wait_ms(const char *port, const char *pkg)
{
	struct usbxfer_link *l = NULL;
	char cmd[128], chunk[CHUNK];
	FILE *f = fopen(pkg, "rb");
	struct rx rx = { .len = 0 };
	uint64_t t0, sent = 0;
	int r;

	if (!f)
		tu_die("open package", -errno);
	r = usbxfer_link_open(port, -1, &l);
	if (r < 0)
		tu_die("link open", r);
	snprintf(cmd, sizeof(cmd), "AT+QFUPL=\"sw.bin\",%u,5,1\r", PACKAGE_BYTES);
	t0 = now_ms();
	if (usbxfer_link_write(l, cmd, strlen(cmd), 1000) < 0 || read_until(l, &rx, "CONNECT") < 0)
		tu_die("QFUPL", -EIO);
	while (sent < PACKAGE_BYTES) {
		size_t n = fread(chunk, 1, CHUNK, f);

		r = usbxfer_link_write(l, chunk, n, 2000);
		if (r < 0)
			tu_die("write", r);
		sent += n;
		if (n == CHUNK && read_until(l, &rx, NULL) < 0)
			tu_die("waiting for the A's", -ETIMEDOUT);
	}
	if (read_until(l, &rx, "\r\nOK\r\n") < 0)
		tu_die("final OK", -ETIMEDOUT);
	t0 = now_ms() - t0;
	usbxfer_link_close(l);
	fclose(f);
	return t0;
}

/* The upload phase of fota_run: from its "upload" phase event to the next. */
static uint64_t qfota_upload_ms(const char *port, const char *pkg)
{
	struct fota_job job = { .port = port, .source = FOTA_SOURCE_UPLOAD, .package_path = pkg,
				.upgrade_mode = 1, .update_urc_max = 100 };
	struct report_result res;
	struct reporter *rep;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int64_t t_upload = -1, t_next = -1;

	fota_timeouts_default(&job.timeouts);
	if (reporter_new(REPORT_STYLE_JSON, out, stderr, &rep) < 0)
		tu_die("reporter", -ENOMEM);
	job.reporter = rep;
	fota_run(&job, &res);
	reporter_free(rep);
	fclose(out);
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		json_object *o = json_tokener_parse(line), *ev, *ph, *t;

		if (o && json_object_object_get_ex(o, "event", &ev) && strcmp(json_object_get_string(ev), "phase") == 0 &&
		    json_object_object_get_ex(o, "phase", &ph) && json_object_object_get_ex(o, "t_ms", &t)) {
			if (strcmp(json_object_get_string(ph), "upload") == 0)
				t_upload = json_object_get_int64(t);
			else if (t_upload >= 0 && t_next < 0)
				t_next = json_object_get_int64(t);
		}
		json_object_put(o);
	}
	free(text);
	if (!res.ok || t_upload < 0 || t_next < 0)
		tu_die("qfota upgrade --upload did not succeed", res.err);
	return (uint64_t)(t_next - t_upload);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	const char *runs_env = getenv("BENCH_RUNS");
	int runs = runs_env ? atoi(runs_env) : 3;
	uint64_t ours[16], theirs[16];
	struct vm_station *st;
	char *dir, pkg[128], port[16];

	vm_require_preload(argc, argv);
	prctl(PR_SET_TIMERSLACK, 1);
	if (runs < 1 || runs > 16)
		runs = 3;
	dir = tu_mkdtemp();
	snprintf(pkg, sizeof(pkg), "%s/eg25.zip", dir);
	st = vm_station_new();
	if (!dir || !st)
		tu_die("set-up", -errno);
	if (vm_package_write(pkg, vm_profile_find("eg25"), NULL, NULL, PACKAGE_BYTES, false) < 0)
		tu_die("package", -EIO);
	for (int i = 0; i < 2 * runs; i++) {
		snprintf(port, sizeof(port), "1-%d", i + 1);
		add_module(st, port);
	}
	for (int i = 0; i < runs; i++) {
		snprintf(port, sizeof(port), "1-%d", 2 * i + 1);
		theirs[i] = stop_and_wait_ms(port, pkg);
		snprintf(port, sizeof(port), "1-%d", 2 * i + 2);
		ours[i] = qfota_upload_ms(port, pkg);
		fprintf(stderr, "bench-qfupl: run %d: stop-and-wait %llu ms, qfota %llu ms (%u MiB)\n", i + 1,
			(unsigned long long)theirs[i], (unsigned long long)ours[i], PACKAGE_BYTES >> 20);
	}
	qsort(ours, (size_t)runs, sizeof(ours[0]), cmp_u64);
	qsort(theirs, (size_t)runs, sizeof(theirs[0]), cmp_u64);
	printf("bench qfupl_vs_stopwait %.2f x\n", (double)theirs[runs / 2] / (double)(ours[runs / 2] ? ours[runs / 2] : 1));
	printf("bench qfupl_mb_per_s %.1f MB/s\n", PACKAGE_BYTES / 1e3 / (double)(ours[runs / 2] ? ours[runs / 2] : 1));
	vm_station_free(st);
	tu_rmrf(dir);
	free(dir);
	return 0;
}
