/* tests/it/qfota-run.h */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <sys/stat.h>

#include "common/qfota-run.h"

static char *subst(const char *arg, const char *dir)
{
	const char *at = strstr(arg, "@DIR");
	char *out;

	if (!at)
		return strdup(arg);
	out = malloc(strlen(arg) + strlen(dir) + 1);
	sprintf(out, "%.*s%s%s", (int)(at - arg), arg, dir, at + 4);
	return out;
}

/* Not print_message(): cmocka cuts its messages at 1 KiB, and the end of a
 * failing run's stderr is what says why. */
static void dump(const struct qrun *q)
{
	fflush(stdout);
	fprintf(stderr, "--- stdout ---\n%s--- stderr ---\n%s--- record ---\n%s\n", q->run.out, q->run.err,
		q->record ? q->record : "(none)");
	fflush(stderr);
}

/* A lock directory of its own for each run, "QFOTA_LOCK_DIR=DIR/locks-N" into
 * buf: each run's virtual modules are new ones, though they share IMEIs and
 * ports with the last run's, and what qfota kept beside a port's lock about
 * an earlier module there (qfota/hold.h) must not follow them. */
static char *fresh_lock_dir(const char *dir, char *buf, size_t cap)
{
	static unsigned n;
	char path[256];

	snprintf(path, sizeof(path), "%s/locks-%u", dir, ++n);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		fail_msg("mkdir %s: %s", path, strerror(errno));
	snprintf(buf, cap, "QFOTA_LOCK_DIR=%s", path);
	return buf;
}

void qrun(struct qrun *q, const char *dir, const char *const vm_args[], const char *const qfota_args[],
	  unsigned timeout_ms)
{
	char *argv[64];
	char vm[256], qf[256], rec[128], locks[300];
	char *env[] = { locks, NULL };
	size_t n = 0;

	memset(q, 0, sizeof(*q));
	snprintf(q->dir, sizeof(q->dir), "%s", dir);
	snprintf(rec, sizeof(rec), "%s/record", dir);
	remove(rec);
	argv[n++] = strdup(tu_build_path("vmodule", vm, sizeof(vm)));
	for (size_t i = 0; vm_args && vm_args[i]; i++)
		argv[n++] = subst(vm_args[i], dir);
	argv[n++] = strdup("--record");
	argv[n++] = strdup(rec);
	argv[n++] = strdup("--");
	argv[n++] = strdup(tu_build_path("qfota", qf, sizeof(qf)));
	for (size_t i = 0; qfota_args && qfota_args[i]; i++)
		argv[n++] = subst(qfota_args[i], dir);
	argv[n] = NULL;
	assert_true(n < 64);
	fresh_lock_dir(dir, locks, sizeof(locks));
	assert_int_equal(tu_run(argv, env, timeout_ms, &q->run), 0);
	for (size_t i = 0; i < n; i++)
		free(argv[i]);
	q->record = tu_read_file(rec);
	if (q->run.timed_out) {
		dump(q);
		fail_msg("qfota under the runner did not finish within %u ms", timeout_ms);
	}
}

void qrun_clear(struct qrun *q)
{
	tu_run_clear(&q->run);
	free(q->record);
	q->record = NULL;
}

void qrun_assert_exit(const struct qrun *q, int code)
{
	if (q->run.status != code) {
		dump(q);
		fail_msg("exit status %d, expected %d", q->run.status, code);
	}
}

void qrun_assert_says(const struct qrun *q, const char *text)
{
	if (!strstr(q->run.out, text) && !strstr(q->run.err, text)) {
		dump(q);
		fail_msg("output does not say \"%s\"", text);
	}
}

void qrun_assert_released(const struct qrun *q, const char *port)
{
	char *claimed = tu_record_get(q->record, port, "claimed", true);
	char *bound = tu_record_get(q->record, port, "driver_bound", true);
	char *presence = tu_record_get(q->record, port, "presence", true);
	/* Off the bus (rebooting, unplugged) no driver can be bound; the kernel
	 * binds option again when it comes back. On the bus it must be bound. */
	bool on_bus = presence && strcmp(presence, "present") == 0;
	bool ok = claimed && bound && strcmp(claimed, "0") == 0 && (!on_bus || strcmp(bound, "1") == 0);

	if (!ok) {
		dump(q);
		fail_msg("module on %s: claimed=%s driver_bound=%s presence=%s (expected 0, and 1 when present)", port,
			 claimed ? claimed : "?", bound ? bound : "?", presence ? presence : "?");
	}
	free(claimed);
	free(bound);
	free(presence);
}

void qrun_assert_nothing_sent(const struct qrun *q, const char *port)
{
	size_t n = tu_record_count(q->record, port, "cmd");

	if (!q->record || n != 0) {
		dump(q);
		fail_msg("%zu AT commands reached the module on %s; expected none", n, port);
	}
}

void qrun_pack(const char *profile, unsigned long long size, const char *out, const char *const extra[])
{
	char vm[256], sz[32];
	char *argv[16];
	size_t n = 0;
	struct tu_run r;

	snprintf(sz, sizeof(sz), "%llu", size);
	argv[n++] = vm;
	tu_build_path("vmodule", vm, sizeof(vm));
	argv[n++] = (char *)"pack";
	argv[n++] = (char *)"--profile";
	argv[n++] = (char *)profile;
	argv[n++] = (char *)"--size";
	argv[n++] = sz;
	for (size_t i = 0; extra && extra[i]; i++)
		argv[n++] = (char *)extra[i];
	argv[n++] = (char *)out;
	argv[n] = NULL;
	assert_int_equal(tu_run(argv, NULL, 60000, &r), 0);
	if (r.status != 0)
		fail_msg("vmodule pack failed: %s", r.err);
	tu_run_clear(&r);
}

int qrun_setup_dir(void **state)
{
	char *dir = tu_mkdtemp();

	if (!dir)
		return -1;
	*state = dir;
	return 0;
}

int qrun_teardown_dir(void **state)
{
	tu_rmrf(*state);
	free(*state);
	return 0;
}

void qrun_script(struct qrun *q, const char *dir, const char *const vm_args[], const char *script,
		 unsigned timeout_ms)
{
	char vm[256], rec[128], qf[256], env_q[300], locks[300];
	char *argv[32];
	char *env[] = { env_q, locks, NULL };
	size_t n = 0;

	memset(q, 0, sizeof(*q));
	snprintf(q->dir, sizeof(q->dir), "%s", dir);
	snprintf(rec, sizeof(rec), "%s/record", dir);
	remove(rec);
	snprintf(env_q, sizeof(env_q), "QFOTA=%s", tu_build_path("qfota", qf, sizeof(qf)));
	fresh_lock_dir(dir, locks, sizeof(locks));
	argv[n++] = vm;
	tu_build_path("vmodule", vm, sizeof(vm));
	for (size_t i = 0; vm_args && vm_args[i] && n < 24; i++)
		argv[n++] = (char *)vm_args[i];
	argv[n++] = (char *)"--record";
	argv[n++] = rec;
	argv[n++] = (char *)"--";
	argv[n++] = (char *)"sh";
	argv[n++] = (char *)"-c";
	argv[n++] = (char *)script;
	argv[n] = NULL;
	assert_int_equal(tu_run(argv, env, timeout_ms, &q->run), 0);
	q->record = tu_read_file(rec);
	if (q->run.timed_out) {
		dump(q);
		fail_msg("the script under the runner did not finish within %u ms", timeout_ms);
	}
}

void qrun_fail(const struct qrun *q, const char *why)
{
	fprintf(stderr, "--- stdout ---\n%s--- stderr ---\n%s--- record ---\n%s\n", q->run.out, q->run.err,
		q->record ? q->record : "(none)");
	fail_msg("%s", why);
}

size_t qrun_qfotadl_count(const struct qrun *q, const char *port)
{
	char key[64];
	size_t n = 0;
	const char *s = q->record;

	snprintf(key, sizeof(key), "%s cmd AT+QFOTADL=", port);
	while (s && (s = strstr(s, key))) {
		if (s == q->record || s[-1] == '\n')
			n++;
		s += strlen(key);
	}
	return n;
}

int qrun_setup_dir_packages(void **state)
{
	char pkg[128];

	if (qrun_setup_dir(state) < 0)
		return -1;
	snprintf(pkg, sizeof(pkg), "%s/ec200u.pack", (char *)*state);
	qrun_pack("ec200u", 100000, pkg, NULL);
	snprintf(pkg, sizeof(pkg), "%s/eg25.zip", (char *)*state);
	qrun_pack("eg25", 60000, pkg, NULL);
	snprintf(pkg, sizeof(pkg), "%s/ep06.zip", (char *)*state);
	qrun_pack("ep06", 60000, pkg, NULL);
	return 0;
}
