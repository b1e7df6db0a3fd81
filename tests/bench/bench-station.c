/* qfota station against virtual EC200U modules, and the reclaim after a reboot
 * (issue 5, "Benchmarks"):
 *
 *   bench station64_efficiency E x   a lone module's upgrade time / the mean
 *                                    module time with 64 at once
 *   bench rss_per_module_kib N KiB   (peak RSS of a qfota station with 32 modules
 *                                    - with 1) / 31, in the 64-module run
 *   bench reclaim_p99_ms N ms        uevent "add" of a rebooted module -> first AT
 *                                    command written on its reclaimed port, p99 of 100
 *   bench station_fast_efficiency R x  a lone module's upgrade time / the mean
 *                                    module time of a 32-module station, both at
 *                                    the "fast" pace (reboot 20 ms) with qfota's
 *                                    default deadlines (issue 19)
 *   bench station_fast_reboot_follow_max_ms N ms  in that station, the longest
 *                                    a module spent in its reboot phase
 *   bench station_fast_cpu_ms_per_module, station_fast_cpu_floor_ms  why the
 *                                    efficiency is what it is (print_fast)
 *
 * Station (first two figures). The real build/qfota, forked from here as
 * `qfota station --json --port P... PACKAGE` against N in-process virtual
 * modules (vm_station_*, the same adapter build/vmodule uses), N = 1 then
 * N = 64 (two stations of 32 at once, see PER_PROCESS), a fresh testbed each time, BENCH_RUNS (default 2) interleaved rounds. A
 * module's time is its result event's durations.total_ms (qfota's own clock:
 * connect .. verified), the lone figure and the 64 mean are medians over the
 * rounds. Also printed: each side's wall time to the last result, and the
 * 64-module mean of the time from the station's start to each result
 * (station64_efficiency_wall: total_ms leaves out the identify step that a
 * policy-less station still runs first). RSS is VmHWM of each qfota process,
 * sampled every 20 ms while it runs (vm_hwm_kib; a high-water mark, so only
 * growth in the last 20 ms before exit could be missed), so nothing of the virtual
 * modules (this process) is in it.
 *
 * Pacing: the "demo" preset, unmodified: a flash rate of 1 MB/s, update 2.5 s,
 * reboot 1 s, with a 1 MB FILE-mode package, so a lone module spends ~4.8 s of
 * which ~4.7 s are the module's own rates; the link itself is unpaced. That is
 * what a station's parallelism should hide, and it keeps the emulation's CPU
 * cost (every usbfs ioctl and sysfs access of qfota is a round trip through
 * umockdev) small beside the module times on a 2-core machine. Real modules
 * take minutes per phase, so this is the pessimistic end.
 *
 * Ports: 31 per hub, each hub on its own bus (1-4.1 .. 1-4.31, 2-4.1, ...),
 * as a station PC's root ports would be, not 64 behind one root hub: the
 * adapter hands out device numbers per bus and wraps after 127, and 64
 * modules re-enumerating on one bus reuse numbers whose /sys/dev/char links
 * umockdev still holds (it aborts: "failed to symlink ... File exists").
 *
 * Fast station (station_fast_efficiency). The same station runs with the
 * "fast" preset and a 64 KiB package: each module reboots 20 ms after END,0,
 * and every deadline is qfota's default (--timeout-reboot 120 s). A reboot
 * that qfota does not follow at once costs a module the whole deadline, which
 * the demo pace (slower reboots) rarely showed. One process of 32 (see
 * PER_PROCESS). Also printed: the lone and mean times and the slowest module's.
 *
 * Reclaim (third figure). In this process: one virtual EC200U on 1-4.1 with the
 * "fast" preset (reboot 20 ms), alone on its testbed; reclaim64_p99_ms repeats
 * it beside 63 idle modules (a 64-module station's bus: every enumeration of
 * libudev and of libusb_init then walks 66 devices, each sysfs access a trip
 * through umockdev's preload, so that figure grows with the bed). A libudev
 * monitor thread timestamps each "add" uevent of 1-4.1. Each of 100 rounds:
 * open the link, udev_watch_new, AT+CFUN=1,1 (OK), close, udev_watch_wait_gone,
 * then the measured path is qfota's own after a reboot (tool/fota/fota_follow.c
 * follow_reboot): udev_watch_wait_back, usbxfer_link_open (retried every 20 ms
 * on ENOENT/ENODEV/EACCES), then "AT\r" written (the figure: until that write
 * returns) and its OK (printed as reclaim_ok_p99_ms).
 *
 * Diagnostics: BENCH_RECLAIM_ONLY=1 measures only the reclaim, beside
 * BENCH_RECLAIM_IDLE=N idle modules (default 0); BENCH_FAST_ONLY=1 only the
 * fast station.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <libudev.h>

#include "common/link-expect.h"
#include "common/testutil.h"
#include "qfota/udevwatch.h"
#include "qfota/usbxfer.h"
#include "vmodule/vmodule.h"

#define STATION_N 64
/* Modules per qfota process: umockdev 0.17.16's preload tracks at most 50
 * emulated device fds (and 50 netlink sockets) per process (FD_MAP_MAX in
 * libumockdev-preload.c) and aborts beyond; a real kernel has no such limit.
 * So 64 modules at once are two stations of 32 on one testbed. */
#define PER_PROCESS 32u
#define RECLAIM_ROUNDS 100
#define PKG_SIZE 1000000ull
#define FAST_PKG_SIZE 65536ull
#define FAST_N 32u
#define STATION_TIMEOUT_S 300


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

/* Nearest-rank percentile of v[0..n) (sorts v). */
static double percentile(double *v, int n, double p)
{
	int k;

	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	k = (int)((p / 100.0) * n + 0.999999) - 1;
	return v[k < 0 ? 0 : k >= n ? n - 1 : k];
}

static void port_of(unsigned i, char *buf, size_t cap)
{
	snprintf(buf, cap, "%u-4.%u", 1 + i / 31, 1 + i % 31);
}

/* 14 digits from i, then the Luhn digit. */
static void imei_of(unsigned i, char out[16])
{
	int sum = 0;

	snprintf(out, 16, "86605003450%03u", i % 1000u);
	for (int k = 13, dbl = 1; k >= 0; k--, dbl = !dbl) {
		int d = (out[k] - '0') * (dbl ? 2 : 1);

		sum += d > 9 ? d - 9 : d;
	}
	out[14] = (char)('0' + (10 - sum % 10) % 10);
	out[15] = '\0';
}

static struct vm_station *bed(unsigned n, const char *pace)
{
	struct vm_station *st = vm_station_new();

	if (!st)
		tu_die("vm_station_new", -errno);
	for (unsigned i = 0; i < n; i++) {
		struct vm_model_config cfg = { .profile = vm_profile_find("ec200u") };
		char port[16], imei[16];
		int r;

		port_of(i, port, sizeof(port));
		imei_of(i, imei);
		cfg.port = port;
		cfg.imei = imei;
		if (!vm_pacing_preset(pace, &cfg.pacing))
			tu_die("pacing preset", -EINVAL);
		if ((r = vm_station_add(st, &cfg)) < 0)
			tu_die("vm_station_add", r);
	}
	return st;
}

/* ---- station ---- */

struct station_run {
	double mean_total_ms;   /* mean of durations.total_ms */
	double mean_since_start_ms; /* mean of each result's t_ms (from qfota's start) */
	double max_total_ms;    /* the slowest module's durations.total_ms */
	double max_follow_ms;   /* the longest reboot followed: a "reboot" phase event to the port's next one */
	double cpu_ms;          /* CPU time of qfota and of the emulation (this process) while it ran */
	double wall_ms;         /* fork .. exit */
	long maxrss_kib;
};

/* Starts `qfota station --json --port P ...` for modules [first, first + n). */
static pid_t start_station(const char *dir, const char *pkg, unsigned first, unsigned n, unsigned tag)
{
	char qfota[256], out[256], err[256];
	char *argv[4 + 2 * PER_PROCESS + 2];
	char ports[PER_PROCESS][16];
	posix_spawn_file_actions_t fa;
	unsigned k = 0;
	pid_t pid;
	int r;

	tu_build_path("qfota", qfota, sizeof(qfota));
	snprintf(out, sizeof(out), "%s/station-%u.json", dir, tag);
	snprintf(err, sizeof(err), "%s/station-%u.err", dir, tag);
	argv[k++] = qfota;
	argv[k++] = (char *)"station";
	argv[k++] = (char *)"--json";
	for (unsigned i = 0; i < n; i++) {
		port_of(first + i, ports[i], sizeof(ports[i]));
		argv[k++] = (char *)"--port";
		argv[k++] = ports[i];
	}
	argv[k++] = (char *)pkg;
	argv[k] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	r = posix_spawn(&pid, qfota, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0)
		tu_die("posix_spawn qfota", -r);
	return pid;
}

/* One port of a station: when its "reboot" phase began (t_ms), -1 while it
 * is in another phase. */
struct reboot_seen {
	char port[16];
	double t_ms;
};

/* A phase event: if the port was in its "reboot" phase, that reboot was
 * followed now (qfota claimed it again, or gave up on it): *max grows to the
 * time it took. */
static void follow_seen(struct reboot_seen *seen, const char *port, const char *phase, double t, double *max)
{
	size_t i;

	for (i = 0; i < PER_PROCESS && seen[i].port[0] && strcmp(seen[i].port, port) != 0; i++)
		;
	if (i == PER_PROCESS)
		return;
	if (seen[i].port[0] && seen[i].t_ms >= 0 && t - seen[i].t_ms > *max)
		*max = t - seen[i].t_ms;
	snprintf(seen[i].port, sizeof(seen[i].port), "%s", port);
	seen[i].t_ms = strcmp(phase, "reboot") == 0 ? t : -1;
}

/* Adds the result events of one station's output to *sum / *sum_t; returns their count. */
static unsigned read_results(const char *dir, unsigned tag, double *sum, double *sum_t, double *max,
			     double *max_follow)
{
	char out[256], *text, *line, *save = NULL;
	struct reboot_seen seen[PER_PROCESS] = { { "", 0 } };
	unsigned got = 0;

	snprintf(out, sizeof(out), "%s/station-%u.json", dir, tag);
	text = tu_read_file(out);
	if (!text)
		tu_die("reading qfota's output", -EIO);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_object *o = json_tokener_parse(line), *ev, *d, *tot, *ok, *t, *port, *phase;

		if (o && json_object_object_get_ex(o, "event", &ev) && strcmp(json_object_get_string(ev), "phase") == 0 &&
		    json_object_object_get_ex(o, "port", &port) && json_object_object_get_ex(o, "phase", &phase) &&
		    json_object_object_get_ex(o, "t_ms", &t))
			follow_seen(seen, json_object_get_string(port), json_object_get_string(phase),
				    json_object_get_double(t), max_follow);
		if (o && json_object_object_get_ex(o, "event", &ev) &&
		    strcmp(json_object_get_string(ev), "result") == 0) {
			if (!json_object_object_get_ex(o, "ok", &ok) || !json_object_get_boolean(ok) ||
			    !json_object_object_get_ex(o, "durations", &d) ||
			    !json_object_object_get_ex(d, "total_ms", &tot) || !json_object_object_get_ex(o, "t_ms", &t)) {
				fprintf(stderr, "bench-station: unexpected result: %s\n", line);
				exit(1);
			}
			*sum += json_object_get_double(tot);
			if (json_object_get_double(tot) > *max)
				*max = json_object_get_double(tot);
			*sum_t += json_object_get_double(t);
			got++;
		}
		json_object_put(o);
	}
	free(text);
	return got;
}

/* VmHWM of a running process in KiB, 0 if gone: the peak RSS of its own
 * memory since exec. (ru_maxrss from wait4 is not that: at exec the kernel
 * carries the parent's peak over into it, and this process holds 64
 * virtual modules.) */
static long vm_hwm_kib(pid_t pid)
{
	char path[64], *text, *p;
	long kib = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	text = tu_read_file(path);
	p = text ? strstr(text, "VmHWM:") : NULL;
	if (p)
		kib = strtol(p + 6, NULL, 10);
	free(text);
	return kib;
}

static double tv_ms(const struct timeval *tv)
{
	return (double)tv->tv_sec * 1000 + (double)tv->tv_usec / 1000;
}

/* CPU time (user + system) of this process so far: the virtual modules'
 * emulation, umockdev's worker threads included. */
static double cpu_ms(int who)
{
	struct rusage ru;

	getrusage(who, &ru);
	return tv_ms(&ru.ru_utime) + tv_ms(&ru.ru_stime);
}

/* n modules on one testbed, upgraded by ceil(n / PER_PROCESS) station
 * processes at once, each with its share of the ports. */
static void run_station(const char *dir, const char *pkg, const char *pace, unsigned n, struct station_run *ret)
{
	struct vm_station *st = bed(n, pace);
	unsigned procs = (n + PER_PROCESS - 1) / PER_PROCESS, left = procs, got = 0;
	pid_t pids[(STATION_N + PER_PROCESS - 1) / PER_PROCESS];
	double sum = 0, sum_t = 0, cpu_self0 = cpu_ms(RUSAGE_SELF);
	uint64_t t0 = tu_now_ns();

	ret->maxrss_kib = 0;
	ret->max_total_ms = 0;
	ret->max_follow_ms = 0;
	ret->cpu_ms = 0;
	for (unsigned p = 0; p < procs; p++) {
		unsigned first = p * PER_PROCESS, count = n - first < PER_PROCESS ? n - first : PER_PROCESS;

		pids[p] = start_station(dir, pkg, first, count, n * 100 + p);
	}
	while (left > 0) {
		struct rusage ru;
		int status = 0;
		pid_t w = 0;

		for (unsigned p = 0; p < procs && w == 0; p++)
			if (pids[p] > 0)
				w = wait4(pids[p], &status, WNOHANG, &ru);

		if (w < 0)
			tu_die("wait4", -errno);
		if (tu_now_ns() - t0 > (uint64_t)STATION_TIMEOUT_S * 1000000000u) {
			for (unsigned p = 0; p < procs; p++)
				if (pids[p] > 0)
					kill(pids[p], SIGKILL);
			tu_die("qfota station timed out", -ETIMEDOUT);
		}
		if (w == 0) {
			for (unsigned p = 0; p < procs; p++) {
				long kib = pids[p] > 0 ? vm_hwm_kib(pids[p]) : 0;

				if (kib > ret->maxrss_kib)
					ret->maxrss_kib = kib;
			}
			usleep(20000); /* sampling costs the emulation CPU: not faster */
			continue;
		}
		for (unsigned p = 0; p < procs; p++) {
			char err[256], *e;

			if (pids[p] != w)
				continue;
			pids[p] = 0;
			left--;
			ret->cpu_ms += tv_ms(&ru.ru_utime) + tv_ms(&ru.ru_stime);
			if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
				break;
			snprintf(err, sizeof(err), "%s/station-%u.err", dir, n * 100 + p);
			e = tu_read_file(err);
			fprintf(stderr, "bench-station: qfota station %u of %u (%u modules): status %d\n%s\n", p + 1,
				procs, n, status, e ? e : "");
			exit(1);
		}
	}
	ret->wall_ms = (double)(tu_now_ns() - t0) / 1e6;
	ret->cpu_ms += cpu_ms(RUSAGE_SELF) - cpu_self0;
	for (unsigned p = 0; p < procs; p++)
		got += read_results(dir, n * 100 + p, &sum, &sum_t, &ret->max_total_ms, &ret->max_follow_ms);
	if (got != n) {
		fprintf(stderr, "bench-station: %u results for %u modules\n", got, n);
		exit(1);
	}
	ret->mean_total_ms = sum / n;
	ret->mean_since_start_ms = sum_t / n;
	vm_station_free(st);
}

/* ---- reclaim ---- */

struct addmon {
	const char *port;
	atomic_bool stop;
	atomic_uint adds;
	_Atomic uint64_t last_add_ns;
	pthread_t thread;
};

static void *addmon_main(void *arg)
{
	struct addmon *a = arg;
	struct udev *u = udev_new();
	struct udev_monitor *m = u ? udev_monitor_new_from_netlink(u, "udev") : NULL;
	struct pollfd p;

	if (!m || udev_monitor_filter_add_match_subsystem_devtype(m, "usb", "usb_device") < 0 ||
	    udev_monitor_enable_receiving(m) < 0)
		tu_die("udev monitor", -EIO);
	p.fd = udev_monitor_get_fd(m);
	p.events = POLLIN;
	while (!atomic_load(&a->stop)) {
		struct udev_device *d;

		if (poll(&p, 1, 50) <= 0)
			continue;
		while ((d = udev_monitor_receive_device(m))) {
			uint64_t t = tu_now_ns();
			const char *act = udev_device_get_action(d), *name = udev_device_get_sysname(d);

			if (act && name && strcmp(act, "add") == 0 && strcmp(name, a->port) == 0) {
				atomic_store(&a->last_add_ns, t);
				atomic_fetch_add(&a->adds, 1);
			}
			udev_device_unref(d);
		}
	}
	udev_monitor_unref(m);
	udev_unref(u);
	return NULL;
}

static struct usbxfer_link *open_retry(const char *port)
{
	uint64_t deadline = tu_now_ns() + 5000000000u;
	struct usbxfer_link *l = NULL;
	int r;

	while ((r = usbxfer_link_open(port, -1, &l)) < 0) {
		if (tu_now_ns() >= deadline || (r != -ENOENT && r != -ENODEV && r != -EACCES))
			tu_die("usbxfer_link_open after the reboot", r);
		usleep(20000);
	}
	return l;
}

static void run_reclaim(unsigned idle, double *p50, double *p99, double *max, double *ok_p99, double *back_p99)
{
	static double lat[RECLAIM_ROUNDS], ok[RECLAIM_ROUNDS], back[RECLAIM_ROUNDS];
	struct vm_station *st = bed(1 + idle, "fast");
	struct addmon a = { .port = "1-4.1" };
	struct usbxfer_link *l;
	int r;

	atomic_init(&a.stop, false);
	atomic_init(&a.adds, 0);
	atomic_init(&a.last_add_ns, 0);
	if ((r = pthread_create(&a.thread, NULL, addmon_main, &a)) != 0)
		tu_die("pthread_create", -r);
	l = open_retry(a.port);
	if ((r = tu_link_expect(l, "ATE0\r", "OK\r\n", 2000)) < 0)
		tu_die("ATE0", r);
	for (int i = 0; i < RECLAIM_ROUNDS; i++) {
		struct udev_watch *w;
		char port[USBXFER_PORT_MAX];
		int devnum, newnum;
		unsigned adds;
		uint64_t t_back, t_written, t_ok, t_add;

		if ((r = udev_watch_new(a.port, &w)) < 0)
			tu_die("udev_watch_new", r);
		if (!udev_watch_present(w, &devnum, NULL))
			tu_die("module not on its port", -ENODEV);
		adds = atomic_load(&a.adds);
		if ((r = tu_link_expect(l, "AT+CFUN=1,1\r", "OK\r\n", 2000)) < 0)
			tu_die("AT+CFUN=1,1", r);
		usbxfer_link_close(l);
		if ((r = udev_watch_wait_gone(w, devnum, 5000)) < 0)
			tu_die("udev_watch_wait_gone", r);
		/* the measured path */
		if ((r = udev_watch_wait_back(w, devnum, 5000, NULL, port, &newnum)) < 0)
			tu_die("udev_watch_wait_back", r);
		t_back = tu_now_ns();
		l = open_retry(port);
		if (usbxfer_link_write(l, "AT\r", 3, 2000) < 0)
			tu_die("writing AT", -EIO);
		t_written = tu_now_ns();
		if ((r = tu_link_expect(l, NULL, "OK\r\n", 2000)) < 0)
			tu_die("AT after the reboot", r);
		t_ok = tu_now_ns();
		udev_watch_free(w);
		for (int k = 0; k < 200 && atomic_load(&a.adds) == adds; k++)
			usleep(1000);
		if (atomic_load(&a.adds) == adds)
			tu_die("no add uevent seen by the monitor", -ETIMEDOUT);
		t_add = atomic_load(&a.last_add_ns);
		lat[i] = ((double)t_written - (double)t_add) / 1e6;
		ok[i] = ((double)t_ok - (double)t_add) / 1e6;
		back[i] = ((double)t_back - (double)t_add) / 1e6;
	}
	usbxfer_link_close(l);
	atomic_store(&a.stop, true);
	pthread_join(a.thread, NULL);
	vm_station_free(st);
	*p50 = percentile(lat, RECLAIM_ROUNDS, 50);
	*p99 = percentile(lat, RECLAIM_ROUNDS, 99);
	*max = percentile(lat, RECLAIM_ROUNDS, 100);
	*ok_p99 = percentile(ok, RECLAIM_ROUNDS, 99);
	*back_p99 = percentile(back, RECLAIM_ROUNDS, 99);
}

/* The fast station's figures. At this pace a module's own waits are a few
 * tens of ms and most of a lone module's time is CPU (qfota's and the
 * emulation's: every usbfs ioctl and sysfs access a trip through umockdev):
 * 32 modules at once then share the machine's CPUs, and
 * station_fast_cpu_floor_ms, their CPU time over the CPUs, is the least wall
 * time any scheduling could give them. station_fast_reboot_follow_max_ms is
 * what issue 19 is about: the longest a module waited in its reboot phase
 * (the module is back 20 ms after it left; a missed reboot costs 120 s). */
static void print_fast(double *lone, double *many, double *max, double *follow, double *cpu, double *wall, int runs,
		       long ncpu)
{
	printf("bench station_fast_efficiency %.3f x\n", median(lone, runs) / median(many, runs));
	printf("bench station_fast_lone_ms %.0f ms\n", median(lone, runs));
	printf("bench station_fast32_mean_ms %.0f ms\n", median(many, runs));
	printf("bench station_fast32_slowest_ms %.0f ms\n", median(max, runs));
	printf("bench station_fast32_wall_ms %.0f ms\n", median(wall, runs));
	printf("bench station_fast_reboot_follow_max_ms %.0f ms\n", median(follow, runs));
	printf("bench station_fast_cpu_ms_per_module %.1f ms\n", median(cpu, runs));
	printf("bench station_fast_cpu_floor_ms %.0f ms\n", median(cpu, runs) * FAST_N / (double)(ncpu > 0 ? ncpu : 1));
}

int main(int argc, char **argv)
{
	int runs = getenv("BENCH_RUNS") ? atoi(getenv("BENCH_RUNS")) : 2;
	unsigned idle = getenv("BENCH_RECLAIM_IDLE") ? (unsigned)atoi(getenv("BENCH_RECLAIM_IDLE")) : 0;
	double lone[16], lone_wall[16], many[16], many_since[16], many_wall[16], rss1[16], rss64[16];
	double fast_lone[16], fast_many[16], fast_max[16], fast_follow[16], fast_cpu[16], fast_wall[16];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	double p50, p99, pmax, ok99, back99, p99_64, p50_64, max64, ok99_64, back99_64;
	char *dir, pkg[256], fast_pkg[256], vm[256], sz[32], locks[256];
	struct tu_run tr;

	vm_require_preload(argc, argv);
	prctl(PR_SET_TIMERSLACK, 1); /* UMOCKDEV_NOTES gotcha 6 */
	if (runs < 1 || runs > 16)
		runs = 2;
	if (idle > 92)
		idle = 0;
	dir = tu_mkdtemp();
	if (!dir)
		tu_die("mkdtemp", -errno);
	setenv("QFOTA_AUDIT_LOG", "", 1);
	if (!getenv("QFOTA_LOCK_DIR")) {
		snprintf(locks, sizeof(locks), "%s/locks", dir);
		setenv("QFOTA_LOCK_DIR", locks, 1);
	}
	unsetenv("QFOTA_LOG");
	snprintf(pkg, sizeof(pkg), "%s/ec200u.pack", dir);
	snprintf(sz, sizeof(sz), "%llu", PKG_SIZE);
	tu_build_path("vmodule", vm, sizeof(vm));
	if (tu_run((char *const[]){ vm, (char *)"pack", (char *)"--profile", (char *)"ec200u", (char *)"--size", sz,
				    pkg, NULL },
		   NULL, 60000, &tr) < 0 || tr.status != 0)
		tu_die("build/vmodule pack", -EIO);
	tu_run_clear(&tr);
	snprintf(fast_pkg, sizeof(fast_pkg), "%s/ec200u-fast.pack", dir);
	snprintf(sz, sizeof(sz), "%llu", FAST_PKG_SIZE);
	if (tu_run((char *const[]){ vm, (char *)"pack", (char *)"--profile", (char *)"ec200u", (char *)"--size", sz,
				    fast_pkg, NULL },
		   NULL, 60000, &tr) < 0 || tr.status != 0)
		tu_die("build/vmodule pack", -EIO);
	tu_run_clear(&tr);

	for (int i = 0; i < runs && !getenv("BENCH_RECLAIM_ONLY"); i++) {
		struct station_run one, all;

		run_station(dir, fast_pkg, "fast", 1, &one);
		run_station(dir, fast_pkg, "fast", FAST_N, &all);
		fast_lone[i] = one.mean_total_ms;
		fast_many[i] = all.mean_total_ms;
		fast_max[i] = all.max_total_ms;
		fast_follow[i] = all.max_follow_ms;
		fast_cpu[i] = all.cpu_ms / FAST_N;
		fast_wall[i] = all.wall_ms;
		fprintf(stderr, "fast round %d: lone %.0f ms; %u at once: mean %.0f ms, slowest %.0f ms, wall %.0f ms, "
			"longest reboot followed in %.0f ms; CPU %.1f ms per module (lone: %.1f ms)\n",
			i + 1, one.mean_total_ms, FAST_N, all.mean_total_ms, all.max_total_ms, all.wall_ms,
			all.max_follow_ms, all.cpu_ms / FAST_N, one.cpu_ms);
	}
	if (getenv("BENCH_FAST_ONLY")) {
		print_fast(fast_lone, fast_many, fast_max, fast_follow, fast_cpu, fast_wall, runs, ncpu);
		tu_rmrf(dir);
		free(dir);
		return 0;
	}
	for (int i = 0; i < runs && !getenv("BENCH_RECLAIM_ONLY"); i++) {
		struct station_run one, all;

		run_station(dir, pkg, "demo", 1, &one);
		run_station(dir, pkg, "demo", STATION_N, &all);
		lone[i] = one.mean_total_ms;
		lone_wall[i] = one.mean_since_start_ms;
		many[i] = all.mean_total_ms;
		many_since[i] = all.mean_since_start_ms;
		many_wall[i] = all.wall_ms;
		rss1[i] = (double)one.maxrss_kib;
		rss64[i] = (double)all.maxrss_kib;
		fprintf(stderr, "round %d: lone %.0f ms (result at %.0f ms); %d at once: mean %.0f ms, mean result at "
			"%.0f ms, wall %.0f ms; maxrss %ld / %ld KiB\n", i + 1, one.mean_total_ms,
			one.mean_since_start_ms, STATION_N, all.mean_total_ms, all.mean_since_start_ms, all.wall_ms,
			one.maxrss_kib, all.maxrss_kib);
	}
	run_reclaim(idle, &p50, &p99, &pmax, &ok99, &back99);
	if (getenv("BENCH_RECLAIM_ONLY")) {
		printf("bench reclaim_p99_ms %.1f ms\n", p99);
		return 0;
	}
	run_reclaim(STATION_N - 1, &p50_64, &p99_64, &max64, &ok99_64, &back99_64);
	fprintf(stderr, "reclaim (%u idle modules beside): add -> AT written p50 %.2f p99 %.2f max %.2f ms; "
		"add -> wait_back returned p99 %.2f ms; add -> OK p99 %.2f ms\n", STATION_N - 1, p50_64, p99_64,
		max64, back99_64, ok99_64);
	fprintf(stderr, "reclaim (%u idle modules beside): add -> AT written p50 %.2f p99 %.2f max %.2f ms; "
		"add -> wait_back returned p99 %.2f ms; add -> OK p99 %.2f ms\n", idle, p50, p99, pmax, back99, ok99);
	{
		double l = median(lone, runs), m = median(many, runs);

		printf("bench station64_efficiency %.3f x\n", l / m);
		printf("bench station64_efficiency_wall %.3f x\n", median(lone_wall, runs) / median(many_since, runs));
		printf("bench station_lone_s %.2f s\n", l / 1000);
		printf("bench station64_mean_s %.2f s\n", m / 1000);
		printf("bench station64_wall_s %.2f s\n", median(many_wall, runs) / 1000);
		printf("bench rss_per_module_kib %.0f KiB\n", (median(rss64, runs) - median(rss1, runs)) / (PER_PROCESS - 1));
		printf("bench station_rss1_kib %.0f KiB\n", median(rss1, runs));
		printf("bench reclaim_p99_ms %.1f ms\n", p99);
		printf("bench reclaim_p50_ms %.1f ms\n", p50);
		printf("bench reclaim_ok_p99_ms %.1f ms\n", ok99);
		printf("bench reclaim64_p99_ms %.1f ms\n", p99_64);
		print_fast(fast_lone, fast_many, fast_max, fast_follow, fast_cpu, fast_wall, runs, ncpu);
	}
	if (getenv("BENCH_KEEP")) { /* diagnostics: the stations' output, copied out of in-ram.sh's tmpfs */
		char cmd[1024];

		snprintf(cmd, sizeof(cmd), "cp -r '%s' '%s'", dir, getenv("BENCH_KEEP"));
		if (system(cmd) != 0)
			fprintf(stderr, "bench-station: %s failed\n", cmd);
	}
	tu_rmrf(dir);
	free(dir);
	return 0;
}
