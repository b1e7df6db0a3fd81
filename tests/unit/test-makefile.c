/* The front door (README's set-up): the Makefile asks pkg-config only when a
 * recipe needs its answer, so `make demo` and `make check` can install the
 * packages and build in one run; a package pkg-config cannot find stops the
 * build with the apt-get line, never with a compiler error; `make` builds the
 * product with libusb, libudev and json-c alone; and a user who is not root
 * gets the one apt-get line before anything is built. The packages' .pc files
 * are put out of reach with PKG_CONFIG_LIBDIR; dpkg is faked with a
 * dpkg-query that knows no package. */
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

struct fixture {
	char *dir;     /* scratch: build directories, pkg-config dirs, fake tools */
	char pc[600];  /* a PKG_CONFIG_LIBDIR holding some of the real .pc files */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = tu_mkdtemp();
	assert_non_null(f->dir);
	snprintf(f->pc, sizeof(f->pc), "%s/pc", f->dir);
	assert_int_equal(mkdir(f->pc, 0755), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	tu_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Links the real .pc file of each named package into the fixture's pkg-config
 * directory, so that pkg-config finds those and no others. */
static void offer_pc(struct fixture *f, const char *const names[])
{
	for (size_t i = 0; names[i]; i++) {
		struct tu_run r = { 0 };
		char *nl, link[800];

		assert_int_equal(tu_run((char *const[]){ "pkg-config", "--variable=pcfiledir", (char *)names[i], NULL },
					NULL, 10000, &r), 0);
		assert_int_equal(r.status, 0);
		if ((nl = strchr(r.out, '\n')))
			*nl = '\0';
		char target[700];
		snprintf(target, sizeof(target), "%s/%s.pc", r.out, names[i]);
		snprintf(link, sizeof(link), "%s/%s.pc", f->pc, names[i]);
		assert_int_equal(symlink(target, link), 0);
		tu_run_clear(&r);
	}
}

/* make -C TOP BUILD=<scratch>/build ARGS with pkg-config confined to f->pc. */
static void run_make(struct fixture *f, const char *top, const char *const args[], char *const extra_env[],
		     struct tu_run *r)
{
	char build_arg[600], libdir[700];
	char *argv[16];
	char *env[8];
	size_t n = 0, e = 0;

	snprintf(build_arg, sizeof(build_arg), "BUILD=%s/build", f->dir);
	snprintf(libdir, sizeof(libdir), "PKG_CONFIG_LIBDIR=%s", f->pc);
	argv[n++] = "make";
	argv[n++] = "--no-print-directory";
	argv[n++] = "-C";
	argv[n++] = (char *)top;
	argv[n++] = build_arg;
	for (size_t i = 0; args[i] && n < 15; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	/* not the parent make's jobserver or flags (make check runs us) */
	env[e++] = "MAKEFLAGS=";
	env[e++] = "MFLAGS=";
	env[e++] = "MAKELEVEL=";
	env[e++] = libdir;
	env[e++] = "PKG_CONFIG_PATH=";
	for (size_t i = 0; extra_env && extra_env[i] && e < 7; i++)
		env[e++] = extra_env[i];
	env[e] = NULL;
	assert_int_equal(tu_run(argv, env, MAKE_MS, r), 0);
	assert_false(r->timed_out);
}

/* Nothing was compiled into the scratch build directory. */
static void assert_nothing_built(struct fixture *f, const struct tu_run *r)
{
	char path[700];
	struct stat st;

	snprintf(path, sizeof(path), "%s/build/obj", f->dir);
	assert_int_not_equal(stat(path, &st), 0);
	assert_null(strstr(r->err, "fatal error"));
	assert_null(strstr(r->out, " -c -o "));
}

/* No .pc file at all: `make` stops with pkg-config's words and the apt-get
 * line of the product's packages, before the compiler runs. */
static void test_make_without_packages_names_them(void **state)
{
	struct fixture *f = *state;
	struct tu_run r = { 0 };

	run_make(f, tu_top_dir(), (const char *const[]){ "all", NULL }, NULL, &r);
	assert_int_not_equal(r.status, 0);
	assert_non_null(strstr(r.out, "libusb-1.0"));      /* pkg-config's own words */
	assert_non_null(strstr(r.err, "pkg-config cannot find libusb-1.0 libudev json-c libsystemd"));
	assert_non_null(strstr(r.err, "apt-get install build-essential pkg-config libusb-1.0-0-dev libudev-dev libjson-c-dev libsystemd-dev"));
	assert_null(strstr(r.err, "umockdev"));            /* the product does not need it */
	assert_nothing_built(f, &r);
	tu_run_clear(&r);
}

/* libusb, libudev and json-c are all `make` needs: with only their .pc files
 * every recipe of `all` expands (make -n expands them all). */
static void test_make_needs_only_libusb_libudev_json_c(void **state)
{
	struct fixture *f = *state;
	struct tu_run r = { 0 };

	offer_pc(f, (const char *const[]){ "libusb-1.0", "libudev", "json-c", "libsystemd", NULL });
	run_make(f, tu_top_dir(), (const char *const[]){ "-n", "all", NULL }, NULL, &r);
	if (r.status != 0)
		print_error("make -n all:\n%s\n%s\n", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "tool/cli/main.c"));
	assert_null(strstr(r.out, "vmodule"));
	tu_run_clear(&r);
}

/* The virtual module needs umockdev and GLib, not cmocka; without them the
 * demo's programs stop with the vm set's line. */
static void test_virtual_module_names_its_own_packages(void **state)
{
	struct fixture *f = *state;
	struct tu_run r = { 0 };

	offer_pc(f, (const char *const[]){ "libusb-1.0", "libudev", "json-c", "libsystemd", NULL });
	run_make(f, tu_top_dir(), (const char *const[]){ "-n", "vm-programs", NULL }, NULL, &r);
	assert_int_not_equal(r.status, 0);
	assert_non_null(strstr(r.err, "pkg-config cannot find umockdev-1.0"));
	assert_non_null(strstr(r.err, "libumockdev-dev umockdev libglib2.0-dev"));
	assert_null(strstr(r.err, "cmocka"));
	tu_run_clear(&r);
}

/* Copies the files make reads before it builds into dir, readable by all. */
static void copy_makefiles(const char *dir)
{
	static const char *const files[] = { "Makefile", "tests/deps.sh", "tests/fuzz/fuzz.mk",
					     "tests/kernel/kernel.mk", "debian/changelog", NULL };
	char script[4096];
	int len = snprintf(script, sizeof(script), "set -e; cd '%s'; for f in", tu_top_dir());

	for (size_t i = 0; files[i]; i++)
		len += snprintf(script + len, sizeof(script) - (size_t)len, " %s", files[i]);
	snprintf(script + len, sizeof(script) - (size_t)len,
		 "; do mkdir -p \"$(dirname '%s'/$f)\"; cp \"$f\" '%s'/$f; done; chmod -R a+rX '%s'", dir, dir, dir);

	struct tu_run r = { 0 };
	assert_int_equal(tu_run((char *const[]){ "sh", "-c", script, NULL }, NULL, 10000, &r), 0);
	assert_int_equal(r.status, 0);
	tu_run_clear(&r);
}

/* A user who is not root, on a machine without the packages: `make demo`
 * prints the one apt-get line of the demo's sets (not the test, fuzz or .deb
 * tools) and stops before anything is built. */
static void test_demo_as_user_prints_the_line_and_builds_nothing(void **state)
{
	struct fixture *f = *state;
	struct tu_run r = { 0 };
	char top[600], fake[600], path_env[4096], script[700];

	if (geteuid() != 0 || access("/usr/bin/setpriv", X_OK) != 0)
		skip(); /* needs root to become another user */
	assert_int_equal(chmod(f->dir, 0777), 0);
	snprintf(top, sizeof(top), "%s/top", f->dir);
	copy_makefiles(top);
	/* dpkg-query that knows no package: every set is missing */
	snprintf(fake, sizeof(fake), "%s/fakebin", f->dir);
	assert_int_equal(mkdir(fake, 0755), 0);
	snprintf(script, sizeof(script), "%s/dpkg-query", fake);
	FILE *fp = fopen(script, "w");
	assert_non_null(fp);
	fputs("#!/bin/sh\nexit 1\n", fp);
	fclose(fp);
	assert_int_equal(chmod(script, 0755), 0);
	snprintf(path_env, sizeof(path_env), "%s:%s", fake, getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");

	char build_arg[700], libdir[700], fake_path[4200];
	snprintf(build_arg, sizeof(build_arg), "BUILD=%s/build", f->dir);
	snprintf(libdir, sizeof(libdir), "PKG_CONFIG_LIBDIR=%s", f->pc);
	snprintf(fake_path, sizeof(fake_path), "QFOTA_FAKE_PATH=%s", path_env);
	assert_int_equal(tu_run((char *const[]){ "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
						 "sh", "-c", "PATH=\"$QFOTA_FAKE_PATH\" exec make --no-print-directory -C \"$0\" \"$1\" demo",
						 top, build_arg, NULL },
				(char *const[]){ "MAKEFLAGS=", "MFLAGS=", "MAKELEVEL=", libdir, "PKG_CONFIG_PATH=", fake_path,
						 NULL },
				MAKE_MS, &r), 0);
	assert_false(r.timed_out);
	assert_int_not_equal(r.status, 0);
	assert_non_null(strstr(r.err, "Run as root:"));
	assert_non_null(strstr(r.err, "  apt-get install build-essential pkg-config libusb-1.0-0-dev libudev-dev "
				      "libjson-c-dev libsystemd-dev libumockdev-dev umockdev libglib2.0-dev\n"));
	assert_int_equal(tu_count(r.err, "apt-get install"), 1);
	assert_null(strstr(r.err, "lintian"));
	assert_null(strstr(r.err, "clang"));
	assert_null(strstr(r.err, "cmocka"));
	assert_nothing_built(f, &r);
	tu_run_clear(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_make_without_packages_names_them, setup, teardown),
		cmocka_unit_test_setup_teardown(test_make_needs_only_libusb_libudev_json_c, setup, teardown),
		cmocka_unit_test_setup_teardown(test_virtual_module_names_its_own_packages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_demo_as_user_prints_the_line_and_builds_nothing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
