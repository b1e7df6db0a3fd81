/* The USB link through real libusb against virtual modules: claim takes the
 * AT interface from the (pretend) option driver and DTR/RTS goes up; close
 * gives the driver back, also after an error and after SIGINT in a child
 * process; a second opener is busy; reads time out; AT bytes go both ways. */
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <time.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "usbxfer-it.h"

static void test_open_claims_and_close_gives_back(void **state)
{
	struct vm_station *st = vm_station_new();
	struct usbxfer_link *l = NULL;
	struct vm_model_stats s;
	char out[512];

	(void)state;
	it_add(st, "ec200u", "1-4", NULL);
	s = it_stats(st, 0);
	assert_true(s.driver_bound);
	assert_false(s.claimed);

	assert_int_equal(usbxfer_link_open("1-4", -1, &l), 0);
	assert_string_equal(usbxfer_link_name(l), "1-4");
	assert_string_equal(l->ops->kind, "usb");
	s = it_stats(st, 0);
	assert_false(s.driver_bound);
	assert_true(s.claimed);
	assert_int_equal(s.claims, 1);
	assert_int_equal(s.driver_detaches, 1);
	assert_int_equal(s.line_state_sets, 1);

	assert_int_equal(it_expect(l, "ATI\r", "OK\r\n", out, sizeof(out), 3000), 0);
	assert_non_null(strstr(out, "EC200U"));

	usbxfer_link_close(l);
	s = it_stats(st, 0);
	assert_true(s.driver_bound);
	assert_false(s.claimed);
	assert_int_equal(s.releases, 1);
	assert_int_equal(s.driver_attaches, 1);
	/* the testbed learns of the closed fd asynchronously (umockdev sees its
	 * client socket go): wait for it, briefly */
	for (int i = 0; i < 200 && s.opens != s.closes; i++) {
		nanosleep(&(struct timespec){ 0, 10 * 1000000L }, NULL);
		s = it_stats(st, 0);
	}
	assert_int_equal(s.opens, s.closes);
	vm_station_free(st);
}

static void test_open_by_port_among_several(void **state)
{
	static const char *const ports[] = { "1-1", "1-2", "1-3", "1-4.1" };
	struct vm_station *st = vm_station_new();
	struct usbxfer_link *l = NULL;

	(void)state;
	for (size_t i = 0; i < 4; i++)
		it_add(st, i % 2 ? "eg25" : "ec200u", ports[i], NULL);
	for (size_t i = 0; i < 4; i++) {
		char out[512];

		assert_int_equal(usbxfer_link_open(ports[i], -1, &l), 0);
		assert_true(it_stats(st, i).claimed);
		for (size_t j = 0; j < 4; j++)
			if (j != i)
				assert_int_equal(it_stats(st, j).claims, j < i ? 1 : 0);
		assert_int_equal(it_expect(l, "ATI\r", "OK\r\n", out, sizeof(out), 3000), 0);
		assert_non_null(strstr(out, i % 2 ? "EG25" : "EC200U"));
		usbxfer_link_close(l);
		assert_true(it_stats(st, i).driver_bound);
	}
	assert_int_equal(usbxfer_link_open("1-4", -1, &l), -ENOENT); /* the hub */
	assert_int_equal(usbxfer_link_open("1-7", -1, &l), -ENOENT);
	vm_station_free(st);
}

static void test_second_opener_is_busy(void **state)
{
	struct vm_station *st = vm_station_new();
	struct usbxfer_link *a = NULL, *b = NULL;
	char out[256];

	(void)state;
	it_add(st, "eg25", "1-2", NULL);
	assert_int_equal(usbxfer_link_open("1-2", -1, &a), 0);
	assert_int_equal(usbxfer_link_open("1-2", -1, &b), -EBUSY);
	assert_null(b);
	/* The failed opener took nothing and gave nothing back. */
	assert_int_equal(it_stats(st, 0).driver_attaches, 0);
	assert_true(it_stats(st, 0).claimed);
	assert_int_equal(it_expect(a, "AT\r", "OK\r\n", out, sizeof(out), 3000), 0);
	usbxfer_link_close(a);
	assert_int_equal(usbxfer_link_open("1-2", -1, &b), 0);
	usbxfer_link_close(b);
	assert_true(it_stats(st, 0).driver_bound);
	assert_int_equal(it_stats(st, 0).driver_attaches, 2);
	vm_station_free(st);
}

static void test_read_timeout_and_cancel(void **state)
{
	struct vm_station *st = vm_station_new();
	struct usbxfer_link *l = NULL;
	char buf[64];
	uint64_t t0;

	(void)state;
	it_add(st, "ec200u", "1-1", NULL);
	assert_int_equal(usbxfer_link_open("1-1", -1, &l), 0);
	t0 = it_now_ns();
	assert_int_equal(usbxfer_link_read(l, buf, sizeof(buf), 300), -ETIMEDOUT);
	assert_true(it_now_ns() - t0 >= 290000000u);
	assert_int_equal(usbxfer_link_read(l, buf, sizeof(buf), 0), -ETIMEDOUT);
	usbxfer_cancel_all();
	assert_int_equal(usbxfer_link_read(l, buf, sizeof(buf), 5000), -ECANCELED);
	assert_int_equal(usbxfer_link_write(l, "AT\r", 3, 1000), -ECANCELED);
	usbxfer_cancel_reset();
	usbxfer_link_close(l);
	assert_true(it_stats(st, 0).driver_bound);
	vm_station_free(st);
}

static void test_unplug_while_open(void **state)
{
	struct vm_station *st = vm_station_new();
	struct usbxfer_link *l = NULL;
	char buf[64];

	(void)state;
	it_add(st, "ec200u", "1-1", NULL);
	assert_int_equal(usbxfer_link_open("1-1", -1, &l), 0);
	assert_int_equal(vm_station_unplug(st, 0), 0);
	assert_int_equal(usbxfer_link_read(l, buf, sizeof(buf), 3000), -ENODEV);
	assert_int_equal(usbxfer_link_write(l, "AT\r", 3, 1000), -ENODEV);
	usbxfer_link_close(l); /* must not hang or crash on a vanished module */
	assert_int_equal(usbxfer_link_open("1-1", -1, &l), -ENOENT);
	vm_station_free(st);
}

static void test_bad_interface_takes_nothing(void **state)
{
	struct vm_station *st = vm_station_new();
	struct usbxfer_link *l = NULL;

	(void)state;
	it_add(st, "eg25", "1-1", NULL);
	assert_true(usbxfer_link_open("1-1", 12, &l) < 0);
	assert_null(l);
	assert_int_equal(it_stats(st, 0).claims, 0);
	assert_true(it_stats(st, 0).driver_bound);
	vm_station_free(st);
}

/* ---- SIGINT: a child opens, gets SIGINT, and must give everything back ---- */

static void on_signal(int sig)
{
	(void)sig;
	usbxfer_cancel_all();
}

/* argv: --sigint-child <port> <ready fd>. Exit 0 when the read ended with
 * -ECANCELED and the link was closed. */
static int sigint_child(const char *port, int ready_fd)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct usbxfer_link *l = NULL;
	char buf[256];
	int r;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	r = usbxfer_link_open(port, -1, &l);
	if (r < 0)
		return 2;
	(void)!write(ready_fd, "r", 1);
	close(ready_fd);
	do
		r = usbxfer_link_read(l, buf, sizeof(buf), 20000);
	while (r > 0);
	usbxfer_link_close(l);
	return r == -ECANCELED ? 0 : 3;
}

static void test_sigint_child_gives_back(void **state)
{
	struct vm_station *st = vm_station_new();
	int p[2], status = -1;
	char fdarg[16], c;
	struct pollfd pfd;
	pid_t pid;

	(void)state;
	it_add(st, "ec200u", "1-3", NULL);
	assert_int_equal(pipe(p), 0);
	snprintf(fdarg, sizeof(fdarg), "%d", p[1]);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *const args[] = { (char *)"/proc/self/exe", (char *)"--sigint-child", (char *)"1-3", fdarg, NULL };

		close(p[0]);
		execv("/proc/self/exe", args);
		_exit(127);
	}
	close(p[1]);
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 10000), 1);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	assert_true(it_stats(st, 0).claimed);
	assert_false(it_stats(st, 0).driver_bound);
	assert_int_equal(kill(pid, SIGINT), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_false(it_stats(st, 0).claimed);
	assert_true(it_stats(st, 0).driver_bound);
	assert_int_equal(it_stats(st, 0).driver_attaches, 1);
	vm_station_free(st);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_claims_and_close_gives_back),
		cmocka_unit_test(test_open_by_port_among_several),
		cmocka_unit_test(test_second_opener_is_busy),
		cmocka_unit_test(test_read_timeout_and_cancel),
		cmocka_unit_test(test_unplug_while_open),
		cmocka_unit_test(test_bad_interface_takes_nothing),
		cmocka_unit_test(test_sigint_child_gives_back),
	};

	if (argc == 4 && strcmp(argv[1], "--sigint-child") == 0)
		return sigint_child(argv[2], atoi(argv[3]));
	vm_require_preload(argc, argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
