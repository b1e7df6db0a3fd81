/* The per-port lock (include/qfota/lock.h): a second lock of a port is refused
 * with -EBUSY naming the holder's PID, whether the holder is this process or
 * another; a dead holder does not block; release then re-lock works; bad ports
 * and unsafe directories are refused. Every test runs in its own directory
 * (QFOTA_LOCK_DIR). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdbool.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/testutil.h"
#include "qfota/lock.h"

#define setup tu_lock_dir_setup
#define teardown tu_lock_dir_teardown

static char *lock_file_text(const struct tu_lock_dir *f, const char *port)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s.lock", f->dir, port);
	return tu_read_file(path);
}

static void test_lock_release_relock(void **state)
{
	struct tu_lock_dir *f = *state;
	struct qfota_lock *l = NULL, *l2 = NULL;
	char *text, want[32];
	struct stat st;
	char path[600];
	mode_t old = umask(077);

	assert_int_equal(qfota_lock_port("1-4.2", NULL, &l), 0);
	umask(old);
	assert_non_null(l);
	/* the holder's PID is in the file; dir 0755 and file 0644 despite umask 077 */
	snprintf(want, sizeof(want), "%ld\n", (long)getpid());
	assert_non_null(text = lock_file_text(f, "1-4.2"));
	assert_string_equal(text, want);
	free(text);
	assert_int_equal(stat(f->dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	snprintf(path, sizeof(path), "%s/1-4.2.lock", f->dir);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644);

	qfota_lock_release(l);
	/* released: the PID is gone, the port can be locked again */
	assert_non_null(text = lock_file_text(f, "1-4.2"));
	assert_string_equal(text, "");
	free(text);
	assert_int_equal(qfota_lock_port("1-4.2", NULL, &l2), 0);
	qfota_lock_release(l2);
	qfota_lock_release(NULL);
}

/* A permissive umask (0) widens nothing: nobody else may write the lock
 * directory or a lock file (dir 0755, file 0644). */
static void test_modes_under_open_umask(void **state)
{
	struct tu_lock_dir *f = *state;
	struct qfota_lock *l = NULL;
	struct stat st;
	char path[600];
	mode_t old = umask(0);

	assert_int_equal(qfota_lock_port("1-4.3", NULL, &l), 0);
	umask(old);
	assert_int_equal(stat(f->dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	snprintf(path, sizeof(path), "%s/1-4.3.lock", f->dir);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	qfota_lock_release(l);
}

/* flock locks belong to the open file description: a second open in the same
 * process conflicts, so a station cannot drive one module twice. */
static void test_same_process_conflicts(void **state)
{
	struct qfota_lock *a = NULL, *b = (struct qfota_lock *)0x1, *c = NULL;
	pid_t holder = -1;

	(void)state;
	assert_int_equal(qfota_lock_port("1-1", NULL, &a), 0);
	assert_int_equal(qfota_lock_port("1-1", &holder, &b), -EBUSY);
	assert_int_equal(holder, getpid());
	assert_ptr_equal(b, (struct qfota_lock *)0x1); /* ret untouched on failure */
	assert_int_equal(qfota_lock_port("1-1", NULL, &b), -EBUSY); /* holder_pid may be NULL */
	/* another port is independent */
	assert_int_equal(qfota_lock_port("1-2", NULL, &c), 0);
	qfota_lock_release(c);
	qfota_lock_release(a);
}

/* The lock descriptor is close-on-exec: programs qfota starts do not hold it. */
static void test_cloexec(void **state)
{
	struct tu_lock_dir *f = *state;
	struct qfota_lock *l = NULL;
	char want[600];
	int found = 0;

	assert_int_equal(qfota_lock_port("3-1", NULL, &l), 0);
	snprintf(want, sizeof(want), "%s/3-1.lock", f->dir);
	for (int fd = 0; fd < 1024; fd++) {
		char link[64], target[PATH_MAX];
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		if ((n = readlink(link, target, sizeof(target) - 1)) < 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, want) != 0)
			continue;
		found++;
		assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	}
	assert_int_equal(found, 1);
	qfota_lock_release(l);
}

/* A holder in another process: busy with its PID; after it dies (SIGKILL, no
 * cleanup) the file it left does not block. */
static void test_other_process_and_stale(void **state)
{
	struct tu_lock_dir *f = *state;
	struct qfota_lock *l = NULL;
	pid_t holder = 0, child;
	int pfd[2], status;
	char c, *text, want[32];

	assert_int_equal(pipe(pfd), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct qfota_lock *cl = NULL;
		char ok = qfota_lock_port("2-3.1.4", NULL, &cl) == 0 ? 'y' : 'n';

		if (write(pfd[1], &ok, 1) != 1)
			_exit(1);
		pause(); /* hold it until killed */
		_exit(0);
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &c, 1), 1);
	close(pfd[0]);
	assert_int_equal(c, 'y');

	assert_int_equal(qfota_lock_port("2-3.1.4", &holder, &l), -EBUSY);
	assert_int_equal(holder, child);

	assert_int_equal(kill(child, SIGKILL), 0);
	assert_int_equal(waitpid(child, &status, 0), child);
	/* the dead holder's PID is still in the file, and does not matter */
	snprintf(want, sizeof(want), "%ld\n", (long)child);
	assert_non_null(text = lock_file_text(f, "2-3.1.4"));
	assert_string_equal(text, want);
	free(text);
	assert_int_equal(qfota_lock_port("2-3.1.4", NULL, &l), 0);
	snprintf(want, sizeof(want), "%ld\n", (long)getpid());
	assert_non_null(text = lock_file_text(f, "2-3.1.4"));
	assert_string_equal(text, want);
	free(text);
	qfota_lock_release(l);
}

static void bad_port_one(const char *port)
{
	struct qfota_lock *l = NULL;

	if (qfota_lock_port(port, NULL, &l) != -EINVAL)
		fail_msg("port \"%s\" was not refused", port ? port : "(null)");
	assert_null(l);
}

static void test_bad_ports(void **state)
{
	static const char *const bad[] = {
		"", "1", "1-", "-1", "1-4.", "1-.4", "1-4..2", "1--4", "1-4-2", "a-1", "1-a",
		"../1-4", "1-4/../x", "1-4.2 ", " 1-4", "1-4\n", "/1-4", "1-+4",
		"1-4.2.3.4.5.6.7.8.9.10.11.12.13.14", /* longer than any port path */
	};
	struct qfota_lock *l = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		bad_port_one(bad[i]);
	bad_port_one(NULL);
	assert_int_equal(qfota_lock_port("1-4", NULL, NULL), -EINVAL);
	/* good ones, for contrast */
	assert_int_equal(qfota_lock_port("10-1.2.3", NULL, &l), 0);
	qfota_lock_release(l);
}

static void test_symlinked_dir_refused(void **state)
{
	struct tu_lock_dir *f = *state;
	struct qfota_lock *l = NULL;
	char real[600];

	snprintf(real, sizeof(real), "%s/real", f->tmp);
	assert_int_equal(mkdir(real, 0755), 0);
	assert_int_equal(symlink(real, f->dir), 0);
	assert_int_equal(qfota_lock_port("1-4", NULL, &l), -ELOOP);
	assert_null(l);
}

static void test_symlinked_file_refused(void **state)
{
	struct tu_lock_dir *f = *state;
	struct qfota_lock *l = NULL;
	char target[600], link[600];

	assert_int_equal(mkdir(f->dir, 0755), 0);
	snprintf(target, sizeof(target), "%s/elsewhere", f->tmp);
	snprintf(link, sizeof(link), "%s/1-4.lock", f->dir);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(qfota_lock_port("1-4", NULL, &l), -ELOOP);
	assert_int_equal(access(target, F_OK), -1); /* nothing created through the link */
}

static void test_writable_dir_refused(void **state)
{
	struct tu_lock_dir *f = *state;
	struct qfota_lock *l = NULL;

	assert_int_equal(mkdir(f->dir, 0755), 0);
	assert_int_equal(chmod(f->dir, 0777), 0);
	assert_int_equal(qfota_lock_port("1-4", NULL, &l), -EPERM);
	/* sticky, as /tmp: others cannot replace our file, accepted */
	assert_int_equal(chmod(f->dir, 01777), 0);
	assert_int_equal(qfota_lock_port("1-4", NULL, &l), 0);
	qfota_lock_release(l);
}

static void test_foreign_dir_refused(void **state)
{
	struct tu_lock_dir *f = *state;
	struct qfota_lock *l = NULL;

	if (geteuid() != 0)
		skip(); /* giving a directory away needs root */
	assert_int_equal(mkdir(f->dir, 0755), 0);
	assert_int_equal(chown(f->dir, 65534, 65534), 0);
	assert_int_equal(qfota_lock_port("1-4", NULL, &l), -EPERM);
	assert_null(l);
}

/* One lock directory for everyone (issue 16.3): /run/qfota for root and for
 * every other user alike (no $XDG_RUNTIME_DIR of one's own: a user's upgrade
 * must exclude the unit's on the same port); QFOTA_LOCK_DIR overrides it. */
static void test_default_dir(void **state)
{
	char buf[256];
	pid_t child;
	int status;

	(void)state;
	unsetenv("QFOTA_LOCK_DIR");
	assert_int_equal(qfota_lock_dir(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/run/qfota");
	if (geteuid() == 0) { /* and for a user with a runtime directory of its own */
		child = fork();
		assert_true(child >= 0);
		if (child == 0) {
			setenv("XDG_RUNTIME_DIR", "/run/user/65534", 1);
			if (setgid(65534) < 0 || setuid(65534) < 0)
				_exit(2);
			_exit(qfota_lock_dir(buf, sizeof(buf)) == 0 && strcmp(buf, "/run/qfota") == 0 ? 0 : 1);
		}
		assert_int_equal(waitpid(child, &status, 0), child);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	setenv("QFOTA_LOCK_DIR", "/somewhere/else", 1);
	assert_int_equal(qfota_lock_dir(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/somewhere/else");
	assert_int_equal(qfota_lock_dir(buf, 4), -ENAMETOOLONG);
}

/* ---- the shared directory: root and the qfota group -------------------- */

#define QGID 64990 /* the qfota group of these tests (any free gid) */

static void write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

/* A child process as uid (in group QGID when member) that tries to lock port
 * and reports the result on a pipe ('y', or the errno as a byte), then holds
 * the lock until killed. Returns its PID and the result in *ret_result. */
static pid_t lock_as(uid_t uid, bool member, const char *port, int *ret_result)
{
	int pfd[2];
	pid_t child;
	signed char c;

	assert_int_equal(pipe(pfd), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct qfota_lock *l = NULL;
		gid_t groups[] = { QGID };
		int r;

		close(pfd[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlives a failed test */
		if (setgroups(member ? 1 : 0, groups) < 0 || setgid(65534) < 0 || setuid(uid) < 0)
			_exit(1);
		r = qfota_lock_port(port, NULL, &l);
		c = (signed char)(r == 0 ? 'y' : -r);
		if (write(pfd[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &c, 1), 1);
	close(pfd[0]);
	*ret_result = c == 'y' ? 0 : -c;
	return child;
}

static void reap(pid_t child)
{
	int status;

	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, &status, 0), child);
}

/* The directory udev/qfota.tmpfiles makes (systemd-tmpfiles --root, with a
 * qfota group in that root's /etc/group) is one qfota accepts, and in it the
 * locks of root and of two members of the group exclude each other, whoever
 * created the lock file; each holder's PID can be read by the others; a user
 * outside the group cannot lock at all (-EACCES). Root only (setuid). */
static void test_shared_dir_from_tmpfiles(void **state)
{
	struct tu_lock_dir *f = *state;
	char root[600], conf[800], dir[700], etc[700], text[64];
	struct qfota_lock *l = NULL;
	pid_t a, b, holder = 0;
	struct stat st;
	struct tu_run r;
	int res;

	if (geteuid() != 0)
		skip(); /* other users need setuid */
	snprintf(root, sizeof(root), "%s/root", f->tmp);
	snprintf(etc, sizeof(etc), "%s/etc", root);
	assert_int_equal(mkdir(root, 0755), 0);
	assert_int_equal(mkdir(etc, 0755), 0);
	assert_int_equal(chmod(f->tmp, 0755), 0);
	snprintf(etc, sizeof(etc), "%s/etc/group", root);
	snprintf(text, sizeof(text), "root:x:0:\nqfota:x:%u:\n", QGID);
	write_text(etc, text);
	snprintf(etc, sizeof(etc), "%s/etc/passwd", root);
	write_text(etc, "root:x:0:0::/root:/bin/sh\n");
	snprintf(conf, sizeof(conf), "%s/udev/qfota.tmpfiles", tu_top_dir());
	snprintf(dir, sizeof(dir), "--root=%s", root);
	assert_int_equal(tu_run((char *const[]){ "systemd-tmpfiles", dir, "--create", conf, NULL }, NULL, 30000, &r), 0);
	if (r.status != 0)
		fail_msg("systemd-tmpfiles --create %s: %s", conf, r.err);
	tu_run_clear(&r);
	snprintf(dir, sizeof(dir), "%s/run/qfota", root);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 03770);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_gid, QGID);
	setenv("QFOTA_LOCK_DIR", dir, 1);

	/* member A creates the lock file and holds it: root is refused, with A's PID */
	a = lock_as(65501, true, "1-4.2", &res);
	assert_int_equal(res, 0);
	assert_int_equal(qfota_lock_port("1-4.2", &holder, &l), -EBUSY);
	assert_int_equal(holder, a);
	/* member B too */
	b = lock_as(65502, true, "1-4.2", &res);
	assert_int_equal(res, -EBUSY);
	reap(b);
	reap(a);
	/* B takes A's file and writes its PID into it (group-writable, group qfota) */
	b = lock_as(65502, true, "1-4.2", &res);
	assert_int_equal(res, 0);
	holder = 0;
	assert_int_equal(qfota_lock_port("1-4.2", &holder, &l), -EBUSY);
	assert_int_equal(holder, b);
	snprintf(conf, sizeof(conf), "%s/1-4.2.lock", dir);
	assert_int_equal(stat(conf, &st), 0);
	assert_int_equal(st.st_uid, 65501);
	assert_int_equal(st.st_gid, QGID);
	assert_int_equal(st.st_mode & 07777, 0664);
	reap(b);
	/* root holds it: a member is refused */
	assert_int_equal(qfota_lock_port("1-4.2", NULL, &l), 0);
	a = lock_as(65501, true, "1-4.2", &res);
	assert_int_equal(res, -EBUSY);
	reap(a);
	qfota_lock_release(l);
	/* not in the group: no way in */
	a = lock_as(65503, false, "1-4.2", &res);
	assert_int_equal(res, -EACCES);
	reap(a);
}

/* When nothing made /run/qfota (no tmpfiles.d run yet), root makes it as the
 * tmpfiles.d entry would: root:qfota 3770 when the group exists. Run in a
 * private mount namespace with its own /run and an /etc/group that has the
 * group; root only. A user who finds it missing gets -EACCES (the caller
 * words it: fota_session.c). */
static void test_default_dir_made_shared(void **state)
{
	struct tu_lock_dir *f = *state;
	char group[600], text[64];
	pid_t child;
	int status;

	if (geteuid() != 0)
		skip();
	snprintf(group, sizeof(group), "%s/group", f->tmp);
	snprintf(text, sizeof(text), "root:x:0:\nqfota:x:%u:\n", QGID);
	write_text(group, text);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct qfota_lock *l = NULL;
		struct stat st;
		pid_t user;
		int res;

		unsetenv("QFOTA_LOCK_DIR");
		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(77);
		if (mount("qfota-test", "/run", "tmpfs", 0, "mode=0755") < 0 ||
		    mount(group, "/etc/group", NULL, MS_BIND, NULL) < 0)
			_exit(77);
		user = lock_as(65501, true, "1-1", &res);
		reap(user);
		if (res != -EACCES)
			_exit(1);
		umask(077);
		if (qfota_lock_port("1-1", NULL, &l) != 0 || stat("/run/qfota", &st) < 0)
			_exit(2);
		if ((st.st_mode & 07777) != 03770 || st.st_uid != 0 || st.st_gid != QGID)
			_exit(3);
		if (stat("/run/qfota/1-1.lock", &st) < 0 || (st.st_mode & 07777) != 0664 || st.st_gid != QGID)
			_exit(4);
		qfota_lock_release(l);
		user = lock_as(65501, true, "1-1", &res);
		reap(user);
		_exit(res == 0 ? 0 : 5);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip(); /* no mount namespace here */
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lock_release_relock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_process_conflicts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cloexec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_process_and_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_ports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modes_under_open_umask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinked_dir_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinked_file_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writable_dir_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_dir_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_dir_from_tmpfiles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_dir_made_shared, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
