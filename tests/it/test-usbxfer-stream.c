/* Streaming a package in FILE mode through real libusb to virtual EC200U
 * modules: 40 MiB arrive intact (SHA-256 at the module), ZLP lengths, URCs
 * during the stream, unplug (fault and from the progress callback) ->
 * -ENODEV with the count, cancel (flag, cancel_all from a thread, SIGINT in a
 * child), NAK forever -> -ETIMEDOUT, and the driver given back after each. */
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>

#include "common/testutil.h"
#include "usbxfer-it.h"
#include "vmodule/package.h"

#define MiB (1024u * 1024u)

struct rx {
	GString *text;
	uint64_t last_sent;
	unsigned progress_calls;
	/* Actions at a byte count, from the progress callback. */
	uint64_t act_at;
	volatile sig_atomic_t *cancel_flag;
	struct vm_station *unplug_st;
};

static int on_rx(void *user, const uint8_t *data, size_t len)
{
	struct rx *rx = user;

	g_string_append_len(rx->text, (const char *)data, (gssize)len);
	return 0;
}

static int on_progress(void *user, uint64_t sent, uint64_t total)
{
	struct rx *rx = user;

	assert_true(sent >= rx->last_sent);
	assert_true(sent <= total);
	rx->last_sent = sent;
	rx->progress_calls++;
	if (rx->act_at && sent >= rx->act_at) {
		if (rx->cancel_flag)
			*rx->cancel_flag = 1;
		if (rx->unplug_st)
			vm_station_unplug(rx->unplug_st, 0);
		rx->act_at = 0;
	}
	return 0;
}

/* A virtual package for the EC200U (the model checks it after FILEEND), or
 * random bytes when it is smaller than a package header. */
static char *make_package(uint64_t len, char sha[65], char **ret_dir)
{
	char *dir = tu_mkdtemp(), *path = g_strdup_printf("%s/pkg", dir);

	if (len >= VM_PACKAGE_HEADER_SIZE)
		assert_int_equal(vm_package_write(path, vm_profile_find("ec200u"), NULL, NULL, len, false), 0);
	else
		assert_int_equal(tu_write_random_file(path, len, (uint32_t)len), 0);
	if (sha)
		assert_int_equal(tu_sha256_file(path, sha), 0);
	*ret_dir = dir;
	return path;
}

static void drop_package(char *path, char *dir)
{
	tu_rmrf(dir);
	free(dir);
	g_free(path);
}

/* AT+QFOTADL="FILE:<n>",1,50,100 and wait for FILESTART. */
static void start_file_mode(struct usbxfer_link *l, uint64_t n)
{
	char cmd[96], out[1024];

	snprintf(cmd, sizeof(cmd), "AT+QFOTADL=\"FILE:%llu\",1,50,100\r", (unsigned long long)n);
	assert_int_equal(it_expect(l, cmd, "\"FILESTART\"", out, sizeof(out), 5000), 0);
}

static void assert_given_back(struct vm_station *st, size_t idx)
{
	struct vm_model_stats s = it_stats(st, idx);

	assert_false(s.claimed);
	assert_true(s.driver_bound);
	assert_int_equal(s.driver_attaches, 1);
}

static void stream_intact_one(uint64_t len, const struct usbxfer_stream_opts *base, bool want_downloading)
{
	struct vm_station *st = vm_station_new();
	struct usbxfer_link *l = NULL;
	struct rx rx = { .text = g_string_new("") };
	struct usbxfer_stream_opts o = *base;
	char sha[65], *dir, *path = make_package(len, sha, &dir);
	uint64_t sent = 0, t0;
	struct vm_model_stats s;
	char out[2048];
	int r;

	it_add(st, "ec200u", "1-1", NULL);
	assert_int_equal(usbxfer_link_open("1-1", -1, &l), 0);
	start_file_mode(l, len);
	o.on_rx = on_rx;
	o.progress = on_progress;
	o.user = &rx;
	t0 = it_now_ns();
	assert_int_equal(usbxfer_stream_file(l, path, &o, &sent), 0);
	t0 = it_now_ns() - t0;
	if (len >= 4 * MiB)
		print_message("# streamed %llu bytes in %.3f s: %.1f MB/s\n", (unsigned long long)len, t0 / 1e9,
			      len / (t0 / 1e3));
	assert_int_equal(sent, len);
	assert_int_equal(rx.last_sent, len);
	if (want_downloading)
		assert_non_null(strstr(rx.text->str, "\"DOWNLOADING\""));
	/* FILEEND,0 may have come during the stream already, or after it. */
	if (!strstr(rx.text->str, "\"FILEEND\",0")) {
		r = it_expect(l, NULL, "\"FILEEND\"", out, sizeof(out), 10000);
		if (r != 0)
			print_message("# during the stream: %s\n# after: %s\n", rx.text->str, out);
		assert_int_equal(r, 0);
		assert_non_null(strstr(out, "\"FILEEND\",0"));
	}
	s = it_stats(st, 0);
	assert_int_equal(s.package_bytes, len);
	assert_string_equal(s.package_sha256, sha);
	assert_string_equal(s.fota_mode, "FILE");
	usbxfer_link_close(l);
	g_string_free(rx.text, TRUE);
	drop_package(path, dir);
	vm_station_free(st);
}

/* 40 MiB: the EC200U profile's storage (8 MiB) refuses FILE:<n> that big, so
 * the raw stream goes to an EG25 through AT+QFUPL (CONNECT, raw bytes,
 * +QFUPL: <size>,<xor16>), which the module records the same way. */
static void test_stream_40mib_intact(void **state)
{
	struct vm_station *st = vm_station_new();
	struct usbxfer_link *l = NULL;
	struct rx rx = { .text = g_string_new("") };
	struct usbxfer_stream_opts o = { .progress = on_progress, .on_rx = on_rx, .user = &rx };
	const uint64_t len = 40 * MiB;
	char sha[65], *dir = tu_mkdtemp(), *path = g_strdup_printf("%s/pkg", dir);
	char cmd[96], out[1024], want[64];
	uint64_t sent = 0, t0;
	struct vm_model_stats s;

	(void)state;
	assert_int_equal(tu_write_random_file(path, len, 40), 0);
	assert_int_equal(tu_sha256_file(path, sha), 0);
	it_add(st, "eg25", "1-1", NULL);
	assert_int_equal(usbxfer_link_open("1-1", -1, &l), 0);
	snprintf(cmd, sizeof(cmd), "AT+QFUPL=\"dfota_update.bin\",%llu,60\r", (unsigned long long)len);
	assert_int_equal(it_expect(l, cmd, "CONNECT\r\n", out, sizeof(out), 5000), 0);
	t0 = it_now_ns();
	assert_int_equal(usbxfer_stream_file(l, path, &o, &sent), 0);
	t0 = it_now_ns() - t0;
	print_message("# streamed %llu bytes in %.3f s: %.1f MB/s\n", (unsigned long long)len, t0 / 1e9,
		      len / (t0 / 1e3));
	assert_int_equal(sent, len);
	assert_int_equal(rx.last_sent, len);
	assert_true(rx.progress_calls >= 1);
	/* The result line may have come during the stream (on_rx) or after it. */
	if (!strstr(rx.text->str, "OK\r\n")) {
		assert_int_equal(it_expect(l, NULL, "OK\r\n", out, sizeof(out), 10000), 0);
		g_string_append(rx.text, out);
	}
	snprintf(want, sizeof(want), "+QFUPL: %llu,", (unsigned long long)len);
	assert_non_null(strstr(rx.text->str, want));
	s = it_stats(st, 0);
	assert_int_equal(s.package_bytes, len);
	assert_string_equal(s.package_sha256, sha);
	usbxfer_link_close(l);
	assert_true(it_stats(st, 0).driver_bound);
	g_string_free(rx.text, TRUE);
	g_free(path);
	tu_rmrf(dir);
	free(dir);
	vm_station_free(st);
}

/* FILE mode proper on the EC200U: 40 MiB, the DESIGN.md delta size. */
static void test_stream_file_mode_40mib_intact(void **state)
{
	static const struct usbxfer_stream_opts defaults;

	(void)state;
	stream_intact_one(40 * MiB + 123, &defaults, true);
}

/* After FILEEND the EC200U updates and reboots: the link reports -ENODEV, and
 * the module is found again on the same port with a new device number. */
static void test_reopen_after_reboot(void **state)
{
	struct vm_station *st = vm_station_new();
	struct usbxfer_link *l = NULL;
	struct usbxfer_select sel = { .port = "1-2" };
	struct usbxfer_module before, after;
	char *dir, *path = make_package(1 * MiB, NULL, &dir), out[512];
	uint64_t sent = 0;
	int r = -1;

	(void)state;
	it_add(st, "ec200u", "1-2", NULL);
	assert_int_equal(usbxfer_discover_one(&sel, &before), 0);
	assert_int_equal(usbxfer_link_open("1-2", -1, &l), 0);
	start_file_mode(l, 1 * MiB);
	assert_int_equal(usbxfer_stream_file(l, path, NULL, &sent), 0);
	assert_int_equal(it_expect(l, NULL, "\"END\",0", out, sizeof(out), 10000), 0);
	assert_int_equal(it_expect(l, NULL, "never", out, sizeof(out), 10000), -ENODEV);
	usbxfer_link_close(l);
	for (int i = 0; i < 100 && r < 0; i++) {
		r = usbxfer_link_open("1-2", -1, &l);
		if (r < 0)
			usleep(50000);
	}
	assert_int_equal(r, 0);
	assert_int_equal(it_expect(l, "ATI\r", "OK\r\n", out, sizeof(out), 3000), 0);
	assert_null(strstr(out, "EC200UCNAAR03A15M08")); /* the new revision */
	usbxfer_link_close(l);
	assert_int_equal(usbxfer_discover_one(&sel, &after), 0);
	assert_int_not_equal(after.devnum, before.devnum);
	assert_true(it_stats(st, 0).reboots >= 1);
	assert_true(it_stats(st, 0).driver_bound);
	drop_package(path, dir);
	vm_station_free(st);
}

/* Multiples of wMaxPacketSize (ZLP after the data) and not; smaller than one
 * transfer; one transfer in flight; big transfers. */
static void test_stream_lengths(void **state)
{
	static const struct { uint64_t len; size_t size; unsigned k; } cases[] = {
		{ 1 * MiB, 0, 0 },
		{ 1 * MiB + 1, 0, 0 },
		{ 512, 0, 0 },
		{ 200, 0, 0 },
		{ 3 * MiB, 4096, 1 },
		{ 3 * MiB - 512, 65536, 4 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct usbxfer_stream_opts o = { .transfer_size = cases[i].size, .in_flight = cases[i].k };

		stream_intact_one(cases[i].len, &o, false);
	}
}

static void test_urcs_kept_for_read_without_on_rx(void **state)
{
	struct vm_station *st = vm_station_new();
	struct usbxfer_link *l = NULL;
	char *dir, *path = make_package(2 * MiB, NULL, &dir), out[4096];
	uint64_t sent = 0;

	(void)state;
	it_add(st, "ec200u", "1-1", NULL);
	assert_int_equal(usbxfer_link_open("1-1", -1, &l), 0);
	start_file_mode(l, 2 * MiB);
	assert_int_equal(usbxfer_stream_file(l, path, NULL, &sent), 0);
	assert_int_equal(sent, 2 * MiB);
	assert_int_equal(it_expect(l, NULL, "\"FILEEND\",0", out, sizeof(out), 10000), 0);
	usbxfer_link_close(l);
	drop_package(path, dir);
	vm_station_free(st);
}

static void test_unplug_fault_is_enodev_with_count(void **state)
{
	struct vm_station *st = vm_station_new();
	struct usbxfer_link *l = NULL;
	const uint64_t at = 3 * MiB + 100, len = 8 * MiB;
	char *dir, *path = make_package(len, NULL, &dir);
	uint64_t sent = 0;
	struct vm_model_stats s;
	char fault[32];

	(void)state;
	snprintf(fault, sizeof(fault), "unplug-byte:%llu", (unsigned long long)at);
	it_add(st, "ec200u", "1-1", fault);
	assert_int_equal(usbxfer_link_open("1-1", -1, &l), 0);
	start_file_mode(l, len);
	assert_int_equal(usbxfer_stream_file(l, path, NULL, &sent), -ENODEV);
	s = it_stats(st, 0);
	/* What we count as sent, the module took; nothing is claimed twice. */
	assert_true(sent <= s.package_bytes);
	assert_true(s.package_bytes <= at + USBXFER_STREAM_TRANSFER_SIZE);
	assert_true(sent + (uint64_t)USBXFER_STREAM_TRANSFER_SIZE * USBXFER_STREAM_IN_FLIGHT >= s.package_bytes);
	usbxfer_link_close(l);
	drop_package(path, dir);
	vm_station_free(st);
}

static void test_unplug_mid_stream_is_enodev(void **state)
{
	struct vm_station *st = vm_station_new();
	struct usbxfer_link *l = NULL;
	const uint64_t len = 8 * MiB;
	struct rx rx = { .text = g_string_new(""), .act_at = 3 * MiB, .unplug_st = st };
	struct usbxfer_stream_opts o = { .progress = on_progress, .progress_ms = 1, .user = &rx };
	char *dir, *path = make_package(len, NULL, &dir);
	uint64_t sent = 0;

	(void)state;
	it_add(st, "ec200u", "1-1", NULL);
	assert_int_equal(usbxfer_link_open("1-1", -1, &l), 0);
	start_file_mode(l, len);
	assert_int_equal(usbxfer_stream_file(l, path, &o, &sent), -ENODEV);
	assert_true(sent >= 3 * MiB && sent < len);
	assert_true(sent <= it_stats(st, 0).package_bytes);
	usbxfer_link_close(l);
	g_string_free(rx.text, TRUE);
	drop_package(path, dir);
	vm_station_free(st);
}

static void test_cancel_flag(void **state)
{
	struct vm_station *st = vm_station_new();
	struct usbxfer_link *l = NULL;
	const uint64_t len = 8 * MiB;
	volatile sig_atomic_t cancel = 0;
	struct rx rx = { .text = g_string_new(""), .act_at = 2 * MiB, .cancel_flag = &cancel };
	struct usbxfer_stream_opts o = { .progress = on_progress, .progress_ms = 1, .user = &rx, .cancel = &cancel };
	char *dir, *path = make_package(len, NULL, &dir);
	uint64_t sent = 0;

	(void)state;
	it_add(st, "ec200u", "1-1", NULL);
	assert_int_equal(usbxfer_link_open("1-1", -1, &l), 0);
	start_file_mode(l, len);
	assert_int_equal(usbxfer_stream_file(l, path, &o, &sent), -ECANCELED);
	assert_true(sent >= 2 * MiB && sent < len);
	assert_int_equal(sent, it_stats(st, 0).package_bytes);
	usbxfer_link_close(l);
	assert_given_back(st, 0);
	g_string_free(rx.text, TRUE);
	drop_package(path, dir);
	vm_station_free(st);
}

static void *cancel_all_later(void *arg)
{
	(void)arg;
	usleep(300000);
	usbxfer_cancel_all();
	return NULL;
}

/* NAK forever: the stall deadline ends it; and cancel_all from another thread
 * ends a stalled stream within USBXFER_POLL_MS. Both give the driver back. */
static void test_nak_forever_times_out(void **state)
{
	struct vm_station *st = vm_station_new();
	struct usbxfer_link *l = NULL;
	struct usbxfer_stream_opts o = { .stall_ms = 500 };
	char *dir, *path = make_package(4 * MiB, NULL, &dir);
	uint64_t sent = 1, t0;
	pthread_t th;

	(void)state;
	it_add(st, "ec200u", "1-1", "nak");
	it_add(st, "ec200u", "1-2", "nak");
	assert_int_equal(usbxfer_link_open("1-1", -1, &l), 0);
	start_file_mode(l, 4 * MiB);
	t0 = it_now_ns();
	assert_int_equal(usbxfer_stream_file(l, path, &o, &sent), -ETIMEDOUT);
	t0 = it_now_ns() - t0;
	assert_true(t0 >= 490000000u && t0 < 1500000000u);
	assert_int_equal(sent, it_stats(st, 0).package_bytes);
	usbxfer_link_close(l);
	assert_given_back(st, 0);

	o.stall_ms = 20000;
	assert_int_equal(usbxfer_link_open("1-2", -1, &l), 0);
	start_file_mode(l, 4 * MiB);
	assert_int_equal(pthread_create(&th, NULL, cancel_all_later, NULL), 0);
	t0 = it_now_ns();
	assert_int_equal(usbxfer_stream_file(l, path, &o, &sent), -ECANCELED);
	t0 = it_now_ns() - t0;
	pthread_join(th, NULL);
	usbxfer_cancel_reset();
	assert_true(t0 < 300000000u + 2u * USBXFER_POLL_MS * 1000000u);
	usbxfer_link_close(l);
	assert_given_back(st, 1);
	drop_package(path, dir);
	vm_station_free(st);
}

static void test_bad_options(void **state)
{
	struct vm_station *st = vm_station_new();
	struct usbxfer_link *l = NULL;
	struct usbxfer_stream_opts o = { .transfer_size = 1000 };
	char *dir, *path = make_package(4096, NULL, &dir);
	uint64_t sent = 1;

	(void)state;
	it_add(st, "ec200u", "1-1", NULL);
	assert_int_equal(usbxfer_link_open("1-1", -1, &l), 0);
	assert_int_equal(usbxfer_stream_file(l, path, &o, &sent), -EINVAL);
	assert_int_equal(sent, 0);
	o.transfer_size = 128 * 1024;
	o.in_flight = 4;
	assert_int_equal(usbxfer_stream_file(l, path, &o, &sent), -EINVAL);
	assert_int_equal(usbxfer_stream_file(l, "/nonexistent/pkg", NULL, &sent), -ENOENT);
	usbxfer_link_close(l);
	drop_package(path, dir);
	vm_station_free(st);
}

/* ---- SIGINT mid-stream in a child process ---- */

static void on_signal(int sig)
{
	(void)sig;
	usbxfer_cancel_all();
}

static int sigint_stream_child(const char *port, int ready_fd, const char *path)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct usbxfer_link *l = NULL;
	char cmd[96], out[1024];
	uint64_t sent = 0;
	int r;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	if (usbxfer_link_open(port, -1, &l) < 0)
		return 2;
	snprintf(cmd, sizeof(cmd), "AT+QFOTADL=\"FILE:%d\",1,50,100\r", 4 * MiB);
	if (it_expect(l, cmd, "\"FILESTART\"", out, sizeof(out), 5000) < 0) {
		usbxfer_link_close(l);
		return 4;
	}
	(void)!write(ready_fd, "r", 1);
	close(ready_fd);
	r = usbxfer_stream_file(l, path, NULL, &sent); /* the module NAKs: only SIGINT ends it */
	usbxfer_link_close(l);
	return r == -ECANCELED ? 0 : 3;
}

static void test_sigint_mid_stream_gives_back(void **state)
{
	struct vm_station *st = vm_station_new();
	char *dir, *path = make_package(4 * MiB, NULL, &dir), fdarg[16], c;
	int p[2], status = -1;
	struct pollfd pfd;
	pid_t pid;

	(void)state;
	it_add(st, "ec200u", "1-3", "nak");
	assert_int_equal(pipe(p), 0);
	snprintf(fdarg, sizeof(fdarg), "%d", p[1]);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *const args[] = { (char *)"/proc/self/exe", (char *)"--sigint-child", (char *)"1-3", fdarg, path, NULL };

		close(p[0]);
		execv("/proc/self/exe", args);
		_exit(127);
	}
	close(p[1]);
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 10000), 1);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	usleep(200000); /* let it sit in the stream */
	assert_false(it_stats(st, 0).driver_bound);
	assert_int_equal(kill(pid, SIGINT), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_given_back(st, 0);
	drop_package(path, dir);
	vm_station_free(st);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream_40mib_intact),
		cmocka_unit_test(test_stream_file_mode_40mib_intact),
		cmocka_unit_test(test_reopen_after_reboot),
		cmocka_unit_test(test_stream_lengths),
		cmocka_unit_test(test_urcs_kept_for_read_without_on_rx),
		cmocka_unit_test(test_unplug_fault_is_enodev_with_count),
		cmocka_unit_test(test_unplug_mid_stream_is_enodev),
		cmocka_unit_test(test_cancel_flag),
		cmocka_unit_test(test_nak_forever_times_out),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_sigint_mid_stream_gives_back),
	};

	if (argc == 5 && strcmp(argv[1], "--sigint-child") == 0)
		return sigint_stream_child(argv[2], atoi(argv[3]), argv[4]);
	vm_require_preload(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
