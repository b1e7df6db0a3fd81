/* qfota's results and phase changes reach the systemd journal as structured
 * entries (include/qfota/journal.h), through libsystemd's sd-journal. No
 * journald runs here: the test takes journald's place. In a mount namespace
 * of its own it puts a tmpfs on /run/systemd/journal and listens on the
 * datagram socket there, where sd_journal_send writes; then it runs the real
 * build/qfota against virtual modules and reads the entries' fields (the
 * native protocol: KEY=value lines, or KEY, a 64-bit length and the bytes).
 * Root only (mount namespace); skipped otherwise. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/qfota-run.h"
#include "common/testutil.h"
#include "qfota/journal.h"

#define RUN_MS 120000
#define JOURNAL_DIR "/run/systemd/journal"

static int journal_fd = -1;

/* One entry: its fields, "KEY=value" each, NUL-separated. */
struct entry {
	char fields[8192];
	size_t len;
};

static int setup(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int rcvbuf = 4 << 20;

	if (geteuid() != 0 || unshare(CLONE_NEWNS) < 0)
		skip(); /* a mount namespace of our own needs root */
	assert_int_equal(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	(void)mkdir("/run/systemd", 0755);
	(void)mkdir(JOURNAL_DIR, 0755);
	assert_int_equal(mount("qfota-test-journal", JOURNAL_DIR, "tmpfs", 0, "size=1m"), 0);
	journal_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	assert_true(journal_fd >= 0);
	(void)setsockopt(journal_fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	snprintf(sa.sun_path, sizeof(sa.sun_path), JOURNAL_DIR "/socket");
	assert_int_equal(bind(journal_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(chmod(sa.sun_path, 0666), 0);
	return qrun_setup_dir(state);
}

static int teardown(void **state)
{
	if (journal_fd >= 0)
		close(journal_fd);
	journal_fd = -1;
	(void)umount(JOURNAL_DIR);
	return qrun_teardown_dir(state);
}

/* Parses one datagram of the native protocol into e. */
static void parse(const char *d, size_t n, struct entry *e)
{
	size_t i = 0;

	e->len = 0;
	while (i < n) {
		const char *nl = memchr(d + i, '\n', n - i);
		const char *eq;
		size_t line = nl ? (size_t)(nl - (d + i)) : n - i;

		eq = memchr(d + i, '=', line);
		if (eq) { /* KEY=value\n */
			if (e->len + line + 1 < sizeof(e->fields)) {
				memcpy(e->fields + e->len, d + i, line);
				e->len += line;
				e->fields[e->len++] = '\0';
			}
			i += line + 1;
		} else { /* KEY\n, le64 length, bytes, \n */
			uint64_t len = 0;
			size_t key = line;

			assert_true(i + key + 1 + 8 <= n);
			memcpy(&len, d + i + key + 1, 8);
			assert_true(i + key + 9 + len <= n);
			if (e->len + key + 1 + len + 1 < sizeof(e->fields)) {
				memcpy(e->fields + e->len, d + i, key);
				e->len += key;
				e->fields[e->len++] = '=';
				memcpy(e->fields + e->len, d + i + key + 9, len);
				e->len += len;
				e->fields[e->len++] = '\0';
			}
			i += key + 9 + len + 1;
		}
	}
}

/* The value of key in e, or NULL. */
static const char *field(const struct entry *e, const char *key)
{
	size_t kl = strlen(key);

	for (size_t i = 0; i < e->len; i += strlen(e->fields + i) + 1)
		if (strncmp(e->fields + i, key, kl) == 0 && e->fields[i + kl] == '=')
			return e->fields + i + kl + 1;
	return NULL;
}

/* Every entry sent so far. */
static size_t drain(struct entry *out, size_t cap)
{
	static char buf[65536];
	size_t n = 0;
	ssize_t k;

	while ((k = recv(journal_fd, buf, sizeof(buf), 0)) > 0) {
		if (n < cap)
			parse(buf, (size_t)k, &out[n++]);
	}
	return n;
}

static const struct entry *find(const struct entry *es, size_t n, const char *key, const char *value)
{
	for (size_t i = 0; i < n; i++) {
		const char *v = field(&es[i], key);

		if (v && strcmp(v, value) == 0)
			return &es[i];
	}
	return NULL;
}

static struct entry entries[256];

/* qfota upgrade --port PORT of a 64 KiB package on a virtual EC200U (with
 * fault, if not NULL), QFOTA_JOURNAL=journal; the entries it sent into
 * entries, their count returned. */
static size_t run_upgrade(struct qrun *q, const char *dir, const char *port, const char *fault, const char *journal)
{
	char pkg[256];
	const char *vm[8] = { "--profile", "ec200u", "--port-base", "1-4.", NULL };

	if (fault) {
		vm[4] = "--fault";
		vm[5] = fault;
	}
	setenv("QFOTA_JOURNAL", journal, 1);
	snprintf(pkg, sizeof(pkg), "%s/p.pack", dir);
	qrun_pack("ec200u", 65536, pkg, NULL);
	qrun(q, dir, vm, (const char *const[]){ "upgrade", "--port", port, pkg, NULL }, RUN_MS);
	return drain(entries, 256);
}

static void test_upgrade_result_and_phases(void **state)
{
	struct qrun q;
	const struct entry *e;
	size_t n = run_upgrade(&q, *state, "1-4.1", NULL, "1");

	qrun_assert_exit(&q, 0);
	assert_true(n >= 4);
	e = find(entries, n, "MESSAGE_ID", QFOTA_MESSAGE_ID_UPGRADED);
	if (!e)
		fail_msg("no result entry with MESSAGE_ID=%s among %zu", QFOTA_MESSAGE_ID_UPGRADED, n);
	assert_string_equal(field(e, "QFOTA_PORT"), "1-4.1");
	assert_string_equal(field(e, "QFOTA_RESULT"), "ok");
	assert_string_equal(field(e, "QFOTA_CODE"), "0");
	assert_string_equal(field(e, "QFOTA_MODEL"), "EC200U");
	assert_string_equal(field(e, "SYSLOG_IDENTIFIER"), "qfota");
	assert_string_equal(field(e, "PRIORITY"), "6");
	{
		char *rev0 = tu_record_get(q.record, "1-4.1", "revision_before", false);
		char *rev1 = tu_record_get(q.record, "1-4.1", "revision", true);

		assert_non_null(rev0);
		assert_non_null(rev1);
		assert_string_equal(field(e, "QFOTA_FROM"), rev0);
		assert_string_equal(field(e, "QFOTA_TO"), rev1);
		free(rev0);
		free(rev1);
	}
	assert_true(strlen(field(e, "QFOTA_IMEI")) >= 15);
	/* the phases, each an entry of its own */
	assert_non_null(find(entries, n, "QFOTA_PHASE", "download"));
	assert_non_null(find(entries, n, "QFOTA_PHASE", "reboot"));
	assert_non_null(find(entries, n, "QFOTA_PHASE", "verify"));
	e = find(entries, n, "MESSAGE_ID", QFOTA_MESSAGE_ID_PHASE);
	assert_non_null(e);
	assert_string_equal(field(e, "QFOTA_PORT"), "1-4.1");
	qrun_clear(&q);
}

/* A failure: its own MESSAGE_ID, the exit code, priority err. */
static void test_failure_entry(void **state)
{
	struct qrun q;
	const struct entry *e;
	size_t n = run_upgrade(&q, *state, "1-4.1", "error", "1");

	assert_int_not_equal(q.run.status, 0);
	e = find(entries, n, "MESSAGE_ID", QFOTA_MESSAGE_ID_FAILED);
	if (!e)
		fail_msg("no failure entry among %zu (exit %d)", n, q.run.status);
	assert_string_equal(field(e, "QFOTA_RESULT"), "failed");
	assert_int_equal(atoi(field(e, "QFOTA_CODE")), q.run.status);
	assert_string_equal(field(e, "PRIORITY"), "3");
	assert_null(find(entries, n, "MESSAGE_ID", QFOTA_MESSAGE_ID_UPGRADED));
	qrun_clear(&q);
}

/* QFOTA_JOURNAL=0: nothing is sent. */
static void test_off(void **state)
{
	struct qrun q;
	size_t n = run_upgrade(&q, *state, "1-4.1", NULL, "0");

	qrun_assert_exit(&q, 0);
	assert_int_equal(n, 0);
	qrun_clear(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_upgrade_result_and_phases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_off, setup, teardown),
	};

	return cmocka_run_group_tests_name("qfota-journal", tests, NULL, NULL);
}
