/* Streaming throughput of usbxfer against baselines written here, all on
 * virtual EG25 modules in one run (a 40 MiB raw upload: AT+QFUPL, CONNECT,
 * bytes, +QFUPL/OK, then AT+QFDEL so the module can take the next run):
 *
 *   bench stream_ratio R x   usbxfer / a bare libusb async streamer, same S and
 *                            K, same file (pread), same unpaced module
 *   bench paced_ratio R x    usbxfer on the "usb2" pacing preset / its 40 MB/s link
 *   bench vs_stopwait R x    usbxfer / synchronous 2 KiB stop-and-wait (fwupd), paced
 *   bench vs_wwan R x        usbxfer / 4 x 4 KiB in flight (the option driver), paced
 *
 * Each figure is the median of BENCH_RUNS (default 3) interleaved runs. With
 * BENCH_SWEEP=1 it also prints usbxfer's throughput for several S x K within
 * the 128 KiB budget, on both presets (how the defaults were chosen). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <libusb.h>

#include "common/link-expect.h"
#include "common/testutil.h"
#include "qfota/usbxfer.h"
#include "vmodule/vmodule.h"

#define MiB (1024u * 1024u)
#define FILE_NAME "bench.bin"


/* ---- usbxfer ---- */

static double run_usbxfer(const char *port, const char *path, uint64_t len, size_t size, unsigned k)
{
	struct usbxfer_stream_opts o = { .transfer_size = size, .in_flight = k };
	struct usbxfer_link *l = NULL;
	char cmd[96];
	uint64_t t0, sent = 0;
	int r;

	r = usbxfer_link_open(port, -1, &l);
	if (r < 0)
		tu_die("usbxfer_link_open", r);
	snprintf(cmd, sizeof(cmd), "AT+QFUPL=\"%s\",%llu,60\r", FILE_NAME, (unsigned long long)len);
	if ((r = tu_link_expect(l, cmd, "CONNECT\r\n", 10000)) < 0)
		tu_die("QFUPL", r);
	t0 = tu_now_ns();
	r = usbxfer_stream_file(l, path, &o, &sent);
	t0 = tu_now_ns() - t0;
	if (r < 0)
		tu_die("usbxfer_stream_file", r);
	if ((r = tu_link_expect(l, NULL, "OK\r\n", 10000)) < 0 || (r = tu_link_expect(l, "AT+QFDEL=\"" FILE_NAME "\"\r", "OK\r\n", 10000)) < 0)
		tu_die("QFUPL result / QFDEL", r);
	usbxfer_link_close(l);
	return (double)len / ((double)t0 / 1e9) / 1e6;
}

/* ---- the baselines: plain libusb, what a minimal tool would write ---- */

struct bare {
	libusb_context *ctx;
	libusb_device_handle *h;
	int node_fd;
	uint8_t ep_in, ep_out;
	int fd;
	uint64_t len, next, done;
	size_t size;
	int busy, err;
};

/* Opened as usbxfer opens (by the port's node, wrapped), since usbxfer
 * turns libusb's device discovery off for the whole process. */
static void bare_open(struct bare *b, const char *port)
{
	char path[128], node[64], *bus, *dev;
	int r;

	memset(b, 0, sizeof(*b));
	if ((r = libusb_init(&b->ctx)) < 0)
		tu_die("libusb_init", r);
	snprintf(path, sizeof(path), "/sys/bus/usb/devices/%s/busnum", port);
	bus = tu_read_file(path);
	snprintf(path, sizeof(path), "/sys/bus/usb/devices/%s/devnum", port);
	dev = tu_read_file(path);
	if (!bus || !dev)
		tu_die("baseline: no device on port", -ENOENT);
	snprintf(node, sizeof(node), "/dev/bus/usb/%03d/%03d", atoi(bus), atoi(dev));
	free(bus);
	free(dev);
	b->node_fd = open(node, O_RDWR | O_CLOEXEC);
	if (b->node_fd < 0)
		tu_die("baseline: opening the node", -errno);
	if ((r = libusb_wrap_sys_device(b->ctx, (intptr_t)b->node_fd, &b->h)) < 0)
		tu_die("libusb_wrap_sys_device", r);
	/* The EG25's AT interface 2: bulk IN 0x84, bulk OUT 0x03 (facts §1.2). */
	b->ep_in = 0x84;
	b->ep_out = 0x03;
	libusb_set_auto_detach_kernel_driver(b->h, 1);
	if ((r = libusb_claim_interface(b->h, 2)) < 0)
		tu_die("libusb_claim_interface", r);
}

static void bare_close(struct bare *b)
{
	libusb_release_interface(b->h, 2);
	libusb_close(b->h);
	libusb_exit(b->ctx);
	close(b->node_fd);
}

static int bare_expect(struct bare *b, const char *cmd, const char *want)
{
	char out[4096];
	size_t len = 0;
	int got;

	out[0] = '\0';
	if (cmd && libusb_bulk_transfer(b->h, b->ep_out, (uint8_t *)(uintptr_t)cmd, (int)strlen(cmd), &got, 2000) < 0)
		return -EIO;
	for (int i = 0; i < 100 && !strstr(out, want); i++) {
		uint8_t buf[512];
		int r = libusb_bulk_transfer(b->h, b->ep_in, buf, sizeof(buf), &got, 100);

		if (r < 0 && r != LIBUSB_ERROR_TIMEOUT)
			return -EIO;
		if (got > 0 && len + (size_t)got < sizeof(out)) {
			memcpy(out + len, buf, (size_t)got);
			len += (size_t)got;
			out[len] = '\0';
		}
	}
	return strstr(out, want) ? 0 : -ETIMEDOUT;
}

static void bare_fill(struct bare *b, struct libusb_transfer *t)
{
	size_t n = b->len - b->next < b->size ? (size_t)(b->len - b->next) : b->size;

	if (n == 0 || b->err)
		return;
	if (pread(b->fd, t->buffer, n, (off_t)b->next) != (ssize_t)n) {
		b->err = -EIO;
		return;
	}
	b->next += n;
	t->length = (int)n;
	if (libusb_submit_transfer(t) < 0) {
		b->err = -EIO;
		return;
	}
	b->busy++;
}

static void bare_done(struct libusb_transfer *t)
{
	struct bare *b = t->user_data;

	b->busy--;
	if (t->status != LIBUSB_TRANSFER_COMPLETED) {
		b->err = -EIO;
		return;
	}
	b->done += (uint64_t)t->actual_length;
	bare_fill(b, t);
}

/* K async transfers of S bytes, refilled from the file in the callback. */
static uint64_t bare_async(struct bare *b, size_t size, unsigned k)
{
	struct libusb_transfer *t[64];
	uint64_t t0 = tu_now_ns();

	b->size = size;
	for (unsigned i = 0; i < k; i++) {
		t[i] = libusb_alloc_transfer(0);
		libusb_fill_bulk_transfer(t[i], b->h, b->ep_out, malloc(size), 0, bare_done, b, 0);
		t[i]->flags = LIBUSB_TRANSFER_FREE_BUFFER;
		bare_fill(b, t[i]);
	}
	while (b->busy > 0)
		libusb_handle_events(b->ctx);
	t0 = tu_now_ns() - t0;
	for (unsigned i = 0; i < k; i++)
		libusb_free_transfer(t[i]);
	if (b->err || b->done != b->len)
		tu_die("baseline async stream", b->err ? b->err : -EIO);
	return t0;
}

/* fwupd's way: one synchronous 2 KiB transfer at a time. */
static uint64_t bare_stopwait(struct bare *b)
{
	uint8_t buf[2048];
	uint64_t t0 = tu_now_ns();

	while (b->done < b->len) {
		size_t n = b->len - b->done < sizeof(buf) ? (size_t)(b->len - b->done) : sizeof(buf);
		int got = 0;

		if (pread(b->fd, buf, n, (off_t)b->done) != (ssize_t)n ||
		    libusb_bulk_transfer(b->h, b->ep_out, buf, (int)n, &got, 5000) < 0 || got != (int)n)
			tu_die("baseline stop-and-wait", -EIO);
		b->done += n;
	}
	return tu_now_ns() - t0;
}

enum bare_kind { BARE_ASYNC, BARE_STOPWAIT };

static double run_bare(const char *port, const char *path, uint64_t len, enum bare_kind kind, size_t size, unsigned k)
{
	struct bare b;
	char cmd[96];
	uint64_t t;

	bare_open(&b, port);
	b.len = len;
	b.fd = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(cmd, sizeof(cmd), "AT+QFUPL=\"%s\",%llu,60\r", FILE_NAME, (unsigned long long)len);
	if (b.fd < 0 || bare_expect(&b, cmd, "CONNECT\r\n") < 0)
		tu_die("baseline QFUPL", -EIO);
	t = kind == BARE_ASYNC ? bare_async(&b, size, k) : bare_stopwait(&b);
	if (bare_expect(&b, NULL, "OK\r\n") < 0 || bare_expect(&b, "AT+QFDEL=\"" FILE_NAME "\"\r", "OK\r\n") < 0)
		tu_die("baseline QFUPL result / QFDEL", -EIO);
	close(b.fd);
	bare_close(&b);
	return (double)len / ((double)t / 1e9) / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void add(struct vm_station *st, const char *port, const char *preset)
{
	struct vm_model_config cfg = { .profile = vm_profile_find("eg25"), .port = port, .imei = "866050034440000" };
	int r;

	if (!vm_pacing_preset(preset, &cfg.pacing))
		tu_die("pacing preset", -EINVAL);
	r = vm_station_add(st, &cfg);
	if (r < 0)
		tu_die("vm_station_add", r);
}

int main(int argc, char **argv)
{
	const size_t S = USBXFER_STREAM_TRANSFER_SIZE;
	const unsigned K = USBXFER_STREAM_IN_FLIGHT;
	const uint64_t len = 40 * MiB;
	int runs = getenv("BENCH_RUNS") ? atoi(getenv("BENCH_RUNS")) : 3;
	double q_fast[16], b_fast[16], q_paced[16], sw[16], ww[16];
	struct vm_station *st;
	char *dir, path[256];

	vm_require_preload(argc, argv);
	prctl(PR_SET_TIMERSLACK, 1); /* UMOCKDEV_NOTES gotcha 6, for every contender alike */
	if (runs < 1 || runs > 16)
		runs = 3;
	dir = tu_mkdtemp();
	snprintf(path, sizeof(path), "%s/pkg", dir);
	if (tu_write_random_file(path, len, 1) < 0)
		tu_die("writing the package", -EIO);
	st = vm_station_new();
	if (!st)
		tu_die("vm_station_new", -errno);
	add(st, "1-1", "fast");
	add(st, "1-2", "usb2");

	for (int i = 0; i < runs; i++) {
		b_fast[i] = run_bare("1-1", path, len, BARE_ASYNC, S, K);
		q_fast[i] = run_usbxfer("1-1", path, len, S, K);
		q_paced[i] = run_usbxfer("1-2", path, len, S, K);
		ww[i] = run_bare("1-2", path, len, BARE_ASYNC, 4096, 4);
		sw[i] = run_bare("1-2", path, len, BARE_STOPWAIT, 0, 0);
		fprintf(stderr, "run %d: unpaced usbxfer %.1f bare %.1f MB/s; usb2 usbxfer %.1f, 4x4KiB %.1f, "
			"stop-and-wait %.1f MB/s\n", i + 1, q_fast[i], b_fast[i], q_paced[i], ww[i], sw[i]);
	}
	if (getenv("BENCH_SWEEP")) {
		static const struct { size_t s; unsigned k; } sweep[] = {
			{ 8192, 16 }, { 16384, 8 }, { 32768, 4 }, { 65536, 2 }, { 131072, 1 },
			{ 16384, 4 }, { 32768, 2 }, { 65536, 1 },
		};
		for (size_t i = 0; i < sizeof(sweep) / sizeof(sweep[0]); i++) {
			double f[16], p[16];

			for (int j = 0; j < runs; j++) {
				f[j] = run_usbxfer("1-1", path, len, sweep[i].s, sweep[i].k);
				p[j] = run_usbxfer("1-2", path, len, sweep[i].s, sweep[i].k);
			}
			printf("sweep %u x %zu KiB: unpaced %.1f MB/s, usb2 %.1f MB/s\n", sweep[i].k, sweep[i].s / 1024,
			       median(f, runs), median(p, runs));
		}
	}
	{
		double qf = median(q_fast, runs), bf = median(b_fast, runs), qp = median(q_paced, runs);

		printf("bench stream_ratio %.3f x\n", qf / bf);
		printf("bench paced_ratio %.3f x\n", qp / 40.0);
		printf("bench vs_stopwait %.2f x\n", qp / median(sw, runs));
		printf("bench vs_wwan %.2f x\n", qp / median(ww, runs));
		printf("bench stream_mbps %.1f MB/s\n", qf);
	}
	vm_station_free(st);
	tu_rmrf(dir);
	free(dir);
	return 0;
}
