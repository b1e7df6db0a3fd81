/* `make install` and `make uninstall` into a DESTDIR, checked file by file:
 * every path, mode and content, and nothing else; PREFIX and the directory
 * variables; the version written once (debian/changelog); and, when the
 * Debian tools are here (or QFOTA_TEST_DEB=1), `make deb`: the .deb holds what
 * `make install PREFIX=/usr` installs and lintian reports no error. */
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/testutil.h"

#define MAKE_MS 120000
#define DEB_MS 600000

struct want {
	const char *path;   /* under DESTDIR, after the prefix substitution */
	unsigned mode;
	const char *source; /* in the tree; NULL: the built qfota */
};

/* What `make install` must install: %P is PREFIX, %U UDEVRULESDIR, %S
 * SYSTEMDUNITDIR, %Y SYSUSERSDIR, %T TMPFILESDIR. */
static const struct want wants[] = {
	{ "%P/bin/qfota", 0755, NULL },
	{ "%P/share/man/man1/qfota.1", 0644, "doc/qfota.1" },
	{ "%U/70-qfota.rules", 0644, "udev/70-qfota.rules" },
	{ "%U/72-qfota-auto.rules", 0644, "udev/72-qfota-auto.rules" },
	{ "%S/qfota-auto@.service", 0644, "udev/qfota-auto@.service" },
	{ "%Y/qfota.conf", 0644, "udev/qfota.sysusers" },
	{ "%T/qfota.conf", 0644, "udev/qfota.tmpfiles" },
	{ "%P/share/bash-completion/completions/qfota", 0644, "completion/qfota.bash" },
	{ "%P/share/doc/qfota/examples/policy.conf.example", 0644, "doc/policy.conf.example" },
	{ "%P/share/doc/qfota/examples/qfota-auto-enable.rules.example", 0644, "udev/qfota-auto-enable.rules.example" },
	{ "%P/share/doc/qfota/examples/qfota-modemmanager-ignore.rules.example", 0644,
	  "udev/qfota-modemmanager-ignore.rules.example" },
};
#define N_WANTS (sizeof(wants) / sizeof(wants[0]))

struct layout {
	const char *prefix, *udevrulesdir, *unitdir, *sysusersdir, *tmpfilesdir;
};

static void expand(const struct want *w, const struct layout *l, char *buf, size_t cap)
{
	const char *rest = w->path + 2;
	const char *base = w->path[1] == 'P'   ? l->prefix
			   : w->path[1] == 'U' ? l->udevrulesdir
			   : w->path[1] == 'Y' ? l->sysusersdir
			   : w->path[1] == 'T' ? l->tmpfilesdir
					       : l->unitdir;

	snprintf(buf, cap, "%s%s", base, rest);
}

static void src_path(const char *rel, char *buf, size_t cap)
{
	char qf[512];

	if (rel)
		snprintf(buf, cap, "%s/%s", tu_top_dir(), rel);
	else
		snprintf(buf, cap, "%s", tu_build_path("qfota", qf, sizeof(qf)));
}

static bool same_bytes(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	bool same = fa && fb;

	while (same) {
		int ca = getc(fa), cb = getc(fb);

		if (ca != cb)
			same = false;
		if (ca == EOF || cb == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

/* Runs make in the top directory with args (NULL-terminated) plus the build
 * directory; qfota itself is never rebuilt (-o): the test installs the binary
 * of the build under test. */
static void run_make(const char *const args[], struct tu_run *r, unsigned timeout_ms)
{
	char build_arg[512], old_arg[512], qf[512];
	char *argv[32];
	size_t n = 0;
	/* not the parent make's jobserver or flags (make check runs us) */
	char *env[] = { "MAKEFLAGS=", "MFLAGS=", "MAKELEVEL=", NULL };

	snprintf(build_arg, sizeof(build_arg), "BUILD=%s", tu_build_dir());
	snprintf(old_arg, sizeof(old_arg), "%s", tu_build_path("qfota", qf, sizeof(qf)));
	argv[n++] = "make";
	argv[n++] = "--no-print-directory";
	argv[n++] = "-C";
	argv[n++] = (char *)tu_top_dir();
	argv[n++] = build_arg;
	argv[n++] = "-o";
	argv[n++] = old_arg;
	for (size_t i = 0; args[i] && n < 30; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	assert_int_equal(tu_run(argv, env, timeout_ms, r), 0);
	if (r->status != 0)
		print_error("make failed (%d):\n%s\n%s\n", r->status, r->out, r->err);
}

/* Every regular file and symlink under a tree, as paths relative to it. */
static char *found[256];
static size_t n_found;
static size_t root_len;

static int collect(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type == FTW_F || type == FTW_SL) {
		if (n_found < 256)
			found[n_found++] = strdup(path + root_len);
	} else if (type == FTW_D) {
		/* directories: never writable by others */
		assert_int_equal(st->st_mode & 0002, 0);
	}
	return 0;
}

static void scan(const char *root)
{
	for (size_t i = 0; i < n_found; i++)
		free(found[i]);
	n_found = 0;
	root_len = strlen(root);
	assert_int_equal(nftw(root, collect, 16, FTW_PHYS), 0);
}

/* The tree under destdir is exactly wants[] under layout l: each file a
 * regular file with its mode and the same bytes as its source. */
static void check_tree(const char *destdir, const struct layout *l)
{
	scan(destdir);
	for (size_t i = 0; i < N_WANTS; i++) {
		char rel[512], abs[1024], src[1024];
		struct stat st;
		bool listed = false;

		expand(&wants[i], l, rel, sizeof(rel));
		snprintf(abs, sizeof(abs), "%s%s", destdir, rel);
		if (lstat(abs, &st) != 0)
			fail_msg("%s was not installed", rel);
		assert_true(S_ISREG(st.st_mode));
		if ((st.st_mode & 07777) != wants[i].mode)
			fail_msg("%s: mode %04o, wanted %04o", rel, st.st_mode & 07777, wants[i].mode);
		src_path(wants[i].source, src, sizeof(src));
		if (!same_bytes(abs, src))
			fail_msg("%s differs from %s", rel, src);
		for (size_t j = 0; j < n_found; j++)
			listed |= strcmp(found[j], rel) == 0;
		assert_true(listed);
	}
	for (size_t j = 0; j < n_found; j++) {
		bool wanted = false;

		for (size_t i = 0; i < N_WANTS; i++) {
			char rel[512];

			expand(&wants[i], l, rel, sizeof(rel));
			wanted |= strcmp(found[j], rel) == 0;
		}
		if (!wanted)
			fail_msg("make install put %s there, which nobody checks", found[j]);
	}
}

static int setup(void **state)
{
	*state = tu_mkdtemp();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	tu_rmrf(*state);
	free(*state);
	for (size_t i = 0; i < n_found; i++)
		free(found[i]);
	n_found = 0;
	return 0;
}

static void install_and_uninstall(const char *dir, const char *const vars[], const struct layout *l)
{
	char destdir[512];
	const char *args[16];
	size_t n = 0;
	struct tu_run r;

	snprintf(destdir, sizeof(destdir), "DESTDIR=%s/root", dir);
	args[n++] = "install";
	args[n++] = destdir;
	for (size_t i = 0; vars[i]; i++)
		args[n++] = vars[i];
	args[n] = NULL;
	run_make(args, &r, MAKE_MS);
	assert_int_equal(r.status, 0);
	tu_run_clear(&r);
	check_tree(destdir + strlen("DESTDIR="), l);

	/* again over the installed tree: install replaces, adds nothing */
	run_make(args, &r, MAKE_MS);
	assert_int_equal(r.status, 0);
	tu_run_clear(&r);
	check_tree(destdir + strlen("DESTDIR="), l);

	args[0] = "uninstall";
	run_make(args, &r, MAKE_MS);
	assert_int_equal(r.status, 0);
	tu_run_clear(&r);
	scan(destdir + strlen("DESTDIR="));
	for (size_t j = 0; j < n_found; j++)
		print_error("left behind: %s\n", found[j]);
	assert_int_equal(n_found, 0);
	{
		char doc[1024];
		struct stat st;

		snprintf(doc, sizeof(doc), "%s%s/share/doc/qfota", destdir + strlen("DESTDIR="), l->prefix);
		assert_int_not_equal(stat(doc, &st), 0); /* its own directory goes too */
	}
	/* uninstalling what is not there is not an error */
	run_make(args, &r, MAKE_MS);
	assert_int_equal(r.status, 0);
	tu_run_clear(&r);
}

/* The .deb's layout: PREFIX=/usr puts the rules and the unit in /usr/lib. */
static void test_install_prefix_usr(void **state)
{
	const struct layout l = { "/usr", "/usr/lib/udev/rules.d", "/usr/lib/systemd/system", "/usr/lib/sysusers.d",
				  "/usr/lib/tmpfiles.d" };

	install_and_uninstall(*state, (const char *const[]){ "PREFIX=/usr", NULL }, &l);
}

/* The default, /usr/local: the /usr/local/lib dirs Debian's udev and systemd
 * also read (udev(7), systemd-analyze unit-paths). */
static void test_install_default_prefix(void **state)
{
	const struct layout l = { "/usr/local", "/usr/local/lib/udev/rules.d", "/usr/local/lib/systemd/system",
				  "/usr/local/lib/sysusers.d", "/usr/local/lib/tmpfiles.d" };

	install_and_uninstall(*state, (const char *const[]){ NULL }, &l);
}

/* Each directory variable on its own (a distribution taking udev's and
 * systemd's pkg-config values). */
static void test_install_dir_variables(void **state)
{
	const struct layout l = { "/opt/q", "/lib/udev/rules.d", "/lib/systemd/system", "/lib/sysusers.d", "/opt/q/lib/tmpfiles.d" };

	install_and_uninstall(*state,
			      (const char *const[]){ "PREFIX=/opt/q", "UDEVRULESDIR=/lib/udev/rules.d",
						     "SYSTEMDUNITDIR=/lib/systemd/system", "SYSUSERSDIR=/lib/sysusers.d", NULL },
			      &l);
}

/* The installed completion is found where bash-completion looks for it: its
 * on-demand loader, with XDG_DATA_DIRS pointing into the DESTDIR. */
static void test_installed_completion_loads(void **state)
{
	const char *dir = *state;
	char destdir[512], script[2048];
	struct tu_run r;

	if (access("/usr/share/bash-completion/bash_completion", R_OK) != 0)
		skip(); /* bash-completion not installed */
	snprintf(destdir, sizeof(destdir), "DESTDIR=%s/root", dir);
	run_make((const char *const[]){ "install", destdir, "PREFIX=/usr", NULL }, &r, MAKE_MS);
	assert_int_equal(r.status, 0);
	tu_run_clear(&r);
	snprintf(script, sizeof(script),
		 ". /usr/share/bash-completion/bash_completion; "
		 "XDG_DATA_DIRS=%s/root/usr/share BASH_COMPLETION_USER_DIR=/nonexistent; "
		 "__load_completion qfota || exit 3; complete -p qfota; "
		 "COMP_WORDS=(qfota ex); COMP_CWORD=1; _qfota; printf '[%%s]\\n' \"${COMPREPLY[@]}\"",
		 dir);
	assert_int_equal(tu_run((char *const[]){ "bash", "-c", script, NULL }, NULL, 30000, &r), 0);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "complete -F _qfota qfota"));
	assert_non_null(strstr(r.out, "[explain]\n"));
	tu_run_clear(&r);
}

/* debian/changelog's version is the one qfota prints. */
static void test_version_single_place(void **state)
{
	char path[1024], qf[512], want[128];
	char *changelog, *open_paren, *close_paren;
	struct tu_run r;

	(void)state;
	snprintf(path, sizeof(path), "%s/debian/changelog", tu_top_dir());
	changelog = tu_read_file(path);
	assert_non_null(changelog);
	assert_int_equal(strncmp(changelog, "qfota (", 7), 0);
	open_paren = strchr(changelog, '(');
	close_paren = strchr(changelog, ')');
	assert_true(close_paren > open_paren + 1);
	snprintf(want, sizeof(want), "qfota %.*s\n", (int)(close_paren - open_paren - 1), open_paren + 1);
	free(changelog);
	tu_build_path("qfota", qf, sizeof(qf));
	assert_int_equal(tu_run((char *const[]){ qf, "--version", NULL }, NULL, 10000, &r), 0);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, want);
	tu_run_clear(&r);
}

static bool have(const char *prog)
{
	struct tu_run r;
	char cmd[256];
	bool ok;

	snprintf(cmd, sizeof(cmd), "command -v %s", prog);
	ok = tu_run((char *const[]){ "sh", "-c", cmd, NULL }, NULL, 10000, &r) == 0 && r.status == 0;
	tu_run_clear(&r);
	return ok;
}

/* make deb, then dpkg -c: every file of `make install PREFIX=/usr` (the man
 * page compressed, as dh_compress does), the copyright file, nothing in /etc
 * or /usr/local. QFOTA_TEST_DEB=1 runs it (and fails without the tools),
 * QFOTA_TEST_DEB=0 skips it, unset: runs it when the tools are here (~20 s). */
static void test_deb(void **state)
{
	const char *dir = *state, *env = getenv("QFOTA_TEST_DEB");
	const struct layout l = { "/usr", "/usr/lib/udev/rules.d", "/usr/lib/systemd/system", "/usr/lib/sysusers.d",
				  "/usr/lib/tmpfiles.d" };
	char build_arg[512], debpath[1024], *p;
	struct tu_run r;

	if (env && strcmp(env, "0") == 0)
		skip();
	if (!(env && strcmp(env, "1") == 0) &&
	    !(have("dpkg-buildpackage") && have("dh") && have("lintian") && have("fakeroot")))
		skip();
	snprintf(build_arg, sizeof(build_arg), "BUILD=%s", dir);
	{
		char *argv[] = { "make", "--no-print-directory", "-C", (char *)tu_top_dir(), "deb", build_arg, NULL };
		char *menv[] = { "MAKEFLAGS=", "MFLAGS=", "MAKELEVEL=", NULL };

		assert_int_equal(tu_run(argv, menv, DEB_MS, &r), 0);
	}
	if (r.status != 0)
		fail_msg("make deb failed (%d):\n%s\n%s", r.status, r.out, r.err);
	p = strstr(r.out, "deb /");
	assert_non_null(p);
	snprintf(debpath, sizeof(debpath), "%s", p + 4);
	debpath[strcspn(debpath, "\n")] = '\0';
	assert_null(strstr(r.out, "\nE: ")); /* lintian: no error */
	tu_run_clear(&r);

	assert_int_equal(tu_run((char *const[]){ "dpkg-deb", "-c", debpath, NULL }, NULL, 30000, &r), 0);
	assert_int_equal(r.status, 0);
	for (size_t i = 0; i < N_WANTS; i++) {
		char rel[512], line[600], perm[16];

		expand(&wants[i], &l, rel, sizeof(rel));
		if (strstr(rel, "/man/"))
			strcat(rel, ".gz");
		snprintf(perm, sizeof(perm), "%s", wants[i].mode == 0755 ? "-rwxr-xr-x" : "-rw-r--r--");
		snprintf(line, sizeof(line), " .%s\n", rel);
		p = strstr(r.out, line);
		if (!p)
			fail_msg("%s is not in the package:\n%s", rel, r.out);
		while (p > r.out && p[-1] != '\n')
			p--;
		assert_int_equal(strncmp(p, perm, strlen(perm)), 0); /* mode */
		assert_int_equal(strncmp(p + strlen(perm), " root/root", 10), 0);
	}
	assert_non_null(strstr(r.out, " ./usr/share/doc/qfota/copyright\n"));
	assert_null(strstr(r.out, " ./etc/"));
	assert_null(strstr(r.out, "/usr/local"));
	tu_run_clear(&r);

	/* the maintainer scripts reload udev's rules and re-run them for 2c7c only */
	assert_int_equal(tu_run((char *const[]){ "dpkg-deb", "-I", debpath, "postinst", NULL }, NULL, 30000, &r), 0);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "udevadm control --reload-rules"));
	assert_non_null(strstr(r.out, "\"2c7c\""));
	assert_non_null(strstr(r.out, "udevadm trigger --action=change --parent-match="));
	/* the qfota group the rules name exists before udevd applies them, and
	 * before systemd-tmpfiles gives it /run/qfota */
	p = strstr(r.out, "systemd-sysusers");
	if (!p || p > strstr(r.out, "udevadm control"))
		fail_msg("postinst does not run systemd-sysusers before udevadm:\n%s", r.out);
	if (!strstr(r.out, "systemd-tmpfiles") || p > strstr(r.out, "systemd-tmpfiles"))
		fail_msg("postinst does not run systemd-tmpfiles after systemd-sysusers:\n%s", r.out);
	tu_run_clear(&r);
	assert_int_equal(tu_run((char *const[]){ "dpkg-deb", "-f", debpath, "Package", "Version", NULL }, NULL,
				30000, &r),
			 0);
	assert_non_null(strstr(r.out, "Package: qfota\n"));
	tu_run_clear(&r);
	assert_int_equal(tu_run((char *const[]){ "dpkg-deb", "-f", debpath, "Depends", NULL }, NULL, 30000, &r), 0);
	assert_non_null(strstr(r.out, "systemd-sysusers"));
	tu_run_clear(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_install_prefix_usr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_install_default_prefix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_install_dir_variables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_installed_completion_loads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_single_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deb, setup, teardown),
	};
	return cmocka_run_group_tests_name("install", tests, NULL, NULL);
}
