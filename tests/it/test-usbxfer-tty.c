/* The tty backend of the link interface, against a pseudo-terminal whose
 * master side is a tiny peer thread: echo, a byte sink that hashes what it got
 * and answers with a URC, or silence. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>

#include "common/testutil.h"
#include "qfota/usbxfer.h"

enum peer_mode { PEER_ECHO, PEER_SINK, PEER_SILENT };

struct peer {
	int master;
	char slave[128];
	enum peer_mode mode;
	pthread_t thread;
	int stop_pipe[2];
	uint64_t sunk;
	GChecksum *sum;
	bool urc_sent;
};

static void *peer_main(void *arg)
{
	struct peer *p = arg;
	uint8_t buf[8192];

	for (;;) {
		struct pollfd pfd[2] = { { .fd = p->master, .events = POLLIN }, { .fd = p->stop_pipe[0], .events = POLLIN } };
		ssize_t n;

		if (p->mode == PEER_SILENT)
			pfd[0].events = 0;
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents)
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		n = read(p->master, buf, sizeof(buf));
		if (n <= 0)
			continue;
		if (p->mode == PEER_ECHO) {
			(void)!write(p->master, buf, (size_t)n);
		} else {
			g_checksum_update(p->sum, buf, n);
			p->sunk += (uint64_t)n;
			if (!p->urc_sent && p->sunk > 100000) {
				static const char urc[] = "\r\n+QIND: \"FOTA\",\"DOWNLOADING\",50\r\n";

				(void)!write(p->master, urc, sizeof(urc) - 1);
				p->urc_sent = true;
			}
		}
	}
	return NULL;
}

static void peer_start(struct peer *p, enum peer_mode mode)
{
	memset(p, 0, sizeof(*p));
	p->mode = mode;
	p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(p->master >= 0);
	assert_int_equal(grantpt(p->master), 0);
	assert_int_equal(unlockpt(p->master), 0);
	assert_int_equal(ptsname_r(p->master, p->slave, sizeof(p->slave)), 0);
	assert_int_equal(pipe2(p->stop_pipe, O_CLOEXEC), 0);
	p->sum = g_checksum_new(G_CHECKSUM_SHA256);
	assert_int_equal(pthread_create(&p->thread, NULL, peer_main, p), 0);
}

static void peer_stop(struct peer *p)
{
	(void)!write(p->stop_pipe[1], "x", 1);
	pthread_join(p->thread, NULL);
	close(p->stop_pipe[0]);
	close(p->stop_pipe[1]);
	if (p->master >= 0)
		close(p->master);
	g_checksum_free(p->sum);
}

/* Reads until `want` bytes arrived or the link times out. */
static size_t read_n(struct usbxfer_link *l, char *buf, size_t want)
{
	size_t got = 0;

	while (got < want) {
		int r = usbxfer_link_read(l, buf + got, want - got, 2000);

		if (r < 0)
			break;
		got += (size_t)r;
	}
	return got;
}

static void test_echo_round_trip(void **state)
{
	struct peer p;
	struct usbxfer_link *l = NULL;
	char buf[64] = "";

	(void)state;
	peer_start(&p, PEER_ECHO);
	assert_int_equal(usbxfer_tty_open(p.slave, &l), 0);
	assert_string_equal(usbxfer_link_name(l), p.slave);
	assert_string_equal(l->ops->kind, "tty");
	assert_int_equal(usbxfer_link_write(l, "ATI\r\n", 5, 1000), 5);
	assert_int_equal(read_n(l, buf, 5), 5);
	assert_memory_equal(buf, "ATI\r\n", 5);
	/* Raw: bytes that a cooked tty would eat or translate come back as they were. */
	assert_int_equal(usbxfer_link_write(l, "\x03\x1a\r\x7f", 4, 1000), 4);
	assert_int_equal(read_n(l, buf, 4), 4);
	assert_memory_equal(buf, "\x03\x1a\r\x7f", 4);
	usbxfer_link_close(l);
	peer_stop(&p);
}

static void test_read_timeout(void **state)
{
	struct peer p;
	struct usbxfer_link *l = NULL;
	char buf[16];
	uint64_t t0;

	(void)state;
	peer_start(&p, PEER_ECHO);
	assert_int_equal(usbxfer_tty_open(p.slave, &l), 0);
	t0 = g_get_monotonic_time();
	assert_int_equal(usbxfer_link_read(l, buf, sizeof(buf), 300), -ETIMEDOUT);
	assert_true(g_get_monotonic_time() - t0 >= 290000);
	assert_int_equal(usbxfer_link_read(l, buf, sizeof(buf), 0), -ETIMEDOUT);
	usbxfer_link_close(l);
	peer_stop(&p);
}

static void test_second_opener_busy(void **state)
{
	struct peer p;
	struct usbxfer_link *a = NULL, *b = NULL;

	(void)state;
	peer_start(&p, PEER_ECHO);
	assert_int_equal(usbxfer_tty_open(p.slave, &a), 0);
	assert_int_equal(usbxfer_tty_open(p.slave, &b), -EBUSY);
	assert_null(b);
	usbxfer_link_close(a);
	assert_int_equal(usbxfer_tty_open(p.slave, &b), 0); /* given back */
	usbxfer_link_close(b);
	peer_stop(&p);
}

static void test_not_a_tty(void **state)
{
	struct usbxfer_link *l = NULL;

	(void)state;
	assert_int_equal(usbxfer_tty_open("/dev/null", &l), -ENOTTY);
	assert_int_equal(usbxfer_tty_open("/dev/ttyUSB-none", &l), -ENOENT);
	usbxfer_link_close(NULL);
}

struct rx_log {
	char text[256];
	size_t len;
	uint64_t last_progress;
	unsigned progress_calls;
};

static int on_rx(void *user, const uint8_t *data, size_t len)
{
	struct rx_log *log = user;

	if (log->len + len < sizeof(log->text)) {
		memcpy(log->text + log->len, data, len);
		log->len += len;
	}
	return 0;
}

static int on_progress(void *user, uint64_t sent, uint64_t total)
{
	struct rx_log *log = user;

	assert_true(sent >= log->last_progress);
	assert_true(sent <= total);
	log->last_progress = sent;
	log->progress_calls++;
	return 0;
}

static void test_stream_arrives_intact(void **state)
{
	struct peer p;
	struct usbxfer_link *l = NULL;
	struct rx_log log = { .len = 0 };
	struct usbxfer_stream_opts o = { .on_rx = on_rx, .progress = on_progress, .user = &log, .stall_ms = 5000 };
	char *dir = tu_mkdtemp(), path[256], want[65];
	uint64_t sent = 1;
	const uint64_t len = 3 * 1024 * 1024 + 17;

	(void)state;
	snprintf(path, sizeof(path), "%s/pkg", dir);
	assert_int_equal(tu_write_random_file(path, len, 7), 0);
	assert_int_equal(tu_sha256_file(path, want), 0);
	peer_start(&p, PEER_SINK);
	assert_int_equal(usbxfer_tty_open(p.slave, &l), 0);
	assert_int_equal(usbxfer_stream_file(l, path, &o, &sent), 0);
	assert_int_equal(sent, len);
	assert_int_equal(log.last_progress, len);
	for (int i = 0; i < 50 && p.sunk < len; i++)
		usleep(20000);
	assert_int_equal(p.sunk, len);
	assert_string_equal(g_checksum_get_string(p.sum), want);
	/* The URC that came during the stream went to on_rx. */
	for (int i = 0; i < 20 && !strstr(log.text, "DOWNLOADING"); i++) {
		char buf[128];
		int r = usbxfer_link_read(l, buf, sizeof(buf) - 1, 100);

		if (r > 0)
			on_rx(&log, (uint8_t *)buf, (size_t)r);
	}
	assert_non_null(strstr(log.text, "+QIND: \"FOTA\",\"DOWNLOADING\",50"));
	usbxfer_link_close(l);
	peer_stop(&p);
	tu_rmrf(dir);
	free(dir);
}

static void test_stream_stall_times_out(void **state)
{
	struct peer p;
	struct usbxfer_link *l = NULL;
	struct usbxfer_stream_opts o = { .stall_ms = 300 };
	char *dir = tu_mkdtemp(), path[256];
	uint64_t sent = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/pkg", dir);
	assert_int_equal(tu_write_random_file(path, 4 * 1024 * 1024, 3), 0);
	peer_start(&p, PEER_SILENT);
	assert_int_equal(usbxfer_tty_open(p.slave, &l), 0);
	assert_int_equal(usbxfer_stream_file(l, path, &o, &sent), -ETIMEDOUT);
	/* The pty took what fits its buffer, then nothing. */
	assert_true(sent > 0 && sent < 4 * 1024 * 1024);
	usbxfer_link_close(l);
	peer_stop(&p);
	tu_rmrf(dir);
	free(dir);
}

static void test_cancel(void **state)
{
	struct peer p;
	struct usbxfer_link *l = NULL;
	char buf[16];

	(void)state;
	peer_start(&p, PEER_ECHO);
	assert_int_equal(usbxfer_tty_open(p.slave, &l), 0);
	usbxfer_cancel_all();
	assert_true(usbxfer_cancel_requested());
	assert_int_equal(usbxfer_link_read(l, buf, sizeof(buf), 5000), -ECANCELED);
	assert_int_equal(usbxfer_link_write(l, "AT\r", 3, 1000), -ECANCELED);
	usbxfer_cancel_reset();
	assert_int_equal(usbxfer_link_write(l, "AT\r", 3, 1000), 3);
	usbxfer_link_cancel(l);
	assert_int_equal(usbxfer_link_read(l, buf, sizeof(buf), 5000), -ECANCELED);
	usbxfer_link_close(l);
	peer_stop(&p);
}

static void test_hangup_is_enodev(void **state)
{
	struct peer p;
	struct usbxfer_link *l = NULL;
	char buf[16];

	(void)state;
	peer_start(&p, PEER_SILENT);
	assert_int_equal(usbxfer_tty_open(p.slave, &l), 0);
	peer_stop(&p); /* the master closes: the module vanished */
	assert_int_equal(usbxfer_link_read(l, buf, sizeof(buf), 2000), -ENODEV);
	assert_int_equal(usbxfer_link_write(l, "AT\r", 3, 1000), -ENODEV);
	usbxfer_link_close(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo_round_trip),
		cmocka_unit_test(test_read_timeout),
		cmocka_unit_test(test_second_opener_busy),
		cmocka_unit_test(test_not_a_tty),
		cmocka_unit_test(test_stream_arrives_intact),
		cmocka_unit_test(test_stream_stall_times_out),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_hangup_is_enodev),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
