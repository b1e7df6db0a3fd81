/* qfota's error set is closed (include/qfota/error.h): every -EXXX the
 * product code returns is listed there with its meaning and exit code,
 * qfota_strerror words each in qfota's own terms (never libc's "Name not
 * unique on network"), and a system call's errno outside the set comes back
 * as -EIO. The code is read from the tree, so a new -EXXX without its line in
 * error.h fails here. */
#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/testutil.h"
#include "qfota/error.h"
#include "qfota/exitcode.h"

/* Names and values of the errnos the product code may ever name. */
static const struct {
	const char *name;
	int value;
} known[] = {
	{ "EINVAL", EINVAL }, { "ENOENT", ENOENT }, { "ENODEV", ENODEV }, { "ENXIO", ENXIO },
	{ "ENOTUNIQ", ENOTUNIQ }, { "EOPNOTSUPP", EOPNOTSUPP }, { "EBUSY", EBUSY }, { "EACCES", EACCES },
	{ "EPERM", EPERM }, { "ETIMEDOUT", ETIMEDOUT }, { "EPIPE", EPIPE }, { "EPROTO", EPROTO }, { "EIO", EIO },
	{ "ECANCELED", ECANCELED }, { "ENOMEM", ENOMEM }, { "E2BIG", E2BIG }, { "EOVERFLOW", EOVERFLOW },
	{ "ESTALE", ESTALE }, { "ENOSPC", ENOSPC }, { "EALREADY", EALREADY }, { "EINPROGRESS", EINPROGRESS },
	{ "ENOPKG", ENOPKG }, { "ENOTTY", ENOTTY }, { "EFBIG", EFBIG }, { "ELOOP", ELOOP },
	{ "ENAMETOOLONG", ENAMETOOLONG }, { "ENOMSG", ENOMSG }, { "EINTR", EINTR }, { "EWOULDBLOCK", EWOULDBLOCK },
	{ "EAGAIN", EAGAIN }, { "EEXIST", EEXIST }, { "ENOTDIR", ENOTDIR }, { "EISDIR", EISDIR },
	{ "ERANGE", ERANGE }, { "ENOSYS", ENOSYS }, { "EBADMSG", EBADMSG }, { "EFAULT", EFAULT },
};

static int value_of(const char *name)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(known[i].name, name) == 0)
			return known[i].value;
	return 0;
}

/* The names error.h lists: "  -EXXX  meaning [exit]" lines (returned) and the
 * "Inside one function only" paragraph (internal). */
static char listed[64][16], internal[16][16];
static size_t n_listed, n_internal;

static void read_error_h(void)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/include/qfota/error.h", tu_top_dir());
	char *text = tu_read_file(path);
	regex_t line_re, name_re;
	regmatch_t m[2];
	bool in_internal = false;

	assert_non_null(text);
	assert_int_equal(regcomp(&line_re, "^ \\*   -(E[A-Z0-9]+) ", REG_EXTENDED), 0);
	assert_int_equal(regcomp(&name_re, "-(E[A-Z0-9]+)", REG_EXTENDED), 0);
	n_listed = n_internal = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (strstr(line, "Inside one function only"))
			in_internal = true;
		if (strstr(line, "*/"))
			in_internal = false;
		if (regexec(&line_re, line, 2, m, 0) == 0 && n_listed < 64) {
			snprintf(listed[n_listed++], 16, "%.*s", (int)(m[1].rm_eo - m[1].rm_so), line + m[1].rm_so);
		} else if (in_internal) {
			for (char *p = line; regexec(&name_re, p, 2, m, 0) == 0 && n_internal < 16; p += m[0].rm_eo)
				snprintf(internal[n_internal++], 16, "%.*s", (int)(m[1].rm_eo - m[1].rm_so),
					 p + m[1].rm_so);
		}
	}
	regfree(&line_re);
	regfree(&name_re);
	free(text);
	assert_true(n_listed >= 20);
	assert_true(n_internal >= 1);
}

static bool in(char names[][16], size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

/* Every -EXXX in usbxfer/, udev/ and tool/ is listed in error.h. */
static void scan_dir(const char *rel, size_t *n_names, char *unlisted, size_t cap)
{
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/%s", tu_top_dir(), rel);
	DIR *d = opendir(dir);
	struct dirent *de;
	regex_t re;
	regmatch_t m[2];

	assert_non_null(d);
	assert_int_equal(regcomp(&re, "[^A-Za-z0-9_]-(E[A-Z0-9]{2,})\\b", REG_EXTENDED), 0);
	while ((de = readdir(d))) {
		char path[1024];
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", rel, de->d_name);
		if (de->d_type == DT_DIR) {
			scan_dir(path, n_names, unlisted, cap);
			continue;
		}
		if (len < 3 || (strcmp(de->d_name + len - 2, ".c") != 0 && strcmp(de->d_name + len - 2, ".h") != 0))
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", tu_top_dir(), rel, de->d_name);
		char *text = tu_read_file(path);
		assert_non_null(text);
		for (char *p = text; regexec(&re, p, 2, m, 0) == 0; p += m[0].rm_eo) {
			char name[32];

			snprintf(name, sizeof(name), "%.*s", (int)(m[1].rm_eo - m[1].rm_so), p + m[1].rm_so);
			(*n_names)++;
			if (!in(listed, n_listed, name) && !in(internal, n_internal, name) && !strstr(unlisted, name)) {
				strncat(unlisted, " ", cap - strlen(unlisted) - 1);
				strncat(unlisted, name, cap - strlen(unlisted) - 1);
				strncat(unlisted, " in ", cap - strlen(unlisted) - 1);
				strncat(unlisted, de->d_name, cap - strlen(unlisted) - 1);
			}
		}
		free(text);
	}
	closedir(d);
	regfree(&re);
}

static void test_every_errno_in_the_code_is_listed(void **state)
{
	char unlisted[2048] = "";
	size_t n_names = 0;

	(void)state;
	read_error_h();
	scan_dir("usbxfer", &n_names, unlisted, sizeof(unlisted));
	scan_dir("udev", &n_names, unlisted, sizeof(unlisted));
	scan_dir("tool", &n_names, unlisted, sizeof(unlisted));
	assert_true(n_names > 100); /* the scan found the code */
	if (unlisted[0])
		fail_msg("errnos the code returns that include/qfota/error.h does not list:%s", unlisted);
}

/* Each listed errno has qfota's own words (not libc's, not the fallback) and
 * an exit code from the one mapping. */
static void test_every_listed_errno_is_worded(void **state)
{
	(void)state;
	read_error_h();
	for (size_t i = 0; i < n_listed; i++) {
		int v = value_of(listed[i]);
		const char *words;

		if (!v)
			fail_msg("error.h lists %s, which this test does not know", listed[i]);
		words = qfota_strerror(-v);
		if (strstr(words, "unexpected") || strcmp(words, strerror(v)) == 0)
			fail_msg("qfota_strerror(-%s) = \"%s\": not worded by qfota", listed[i], words);
		int code = qfota_exit_for(-v, FOTA_PHASE_DOWNLOAD, false, false);
		assert_true(code == QFOTA_EXIT_OK || (code >= QFOTA_EXIT_FAILED && code <= QFOTA_EXIT_STILL_UPDATING) ||
			    code == QFOTA_EXIT_INTERRUPTED);
	}
	assert_non_null(strstr(qfota_strerror(-EXDEV), "unexpected"));
}

/* The exit codes error.h states for the errnos that name a distinct case. */
static void test_exit_codes_of_distinct_cases(void **state)
{
	(void)state;
	assert_int_equal(qfota_exit_for(-ENXIO, FOTA_PHASE_CONNECT, false, false), QFOTA_EXIT_NO_MODULE);
	assert_int_equal(qfota_exit_for(-ENODEV, FOTA_PHASE_CONNECT, false, false), QFOTA_EXIT_LOST);
	assert_int_equal(qfota_exit_for(-EALREADY, FOTA_PHASE_CONNECT, false, false), QFOTA_EXIT_OK);
	assert_int_equal(qfota_exit_for(-ENOPKG, FOTA_PHASE_CONNECT, false, false), QFOTA_EXIT_FAILED);
	assert_int_equal(qfota_exit_for(-ECANCELED, FOTA_PHASE_DOWNLOAD, false, false), QFOTA_EXIT_INTERRUPTED);
	assert_int_equal(qfota_exit_for(-ECANCELED, FOTA_PHASE_DOWNLOAD, false, true), QFOTA_EXIT_STILL_UPDATING);
	assert_int_equal(qfota_exit_for(-EIO, FOTA_PHASE_UPDATE, true, true), QFOTA_EXIT_UPDATE);
	assert_int_equal(qfota_exit_for(-EINVAL, FOTA_PHASE_PREFLIGHT, false, false), QFOTA_EXIT_USAGE);
	/* "safe to retry" (5) only before the update began: a DFOTA module
	 * rebooting into its updater that fails its claim with EIO is not */
	assert_int_equal(qfota_exit_for(-EIO, FOTA_PHASE_REBOOT, false, false), QFOTA_EXIT_DOWNLOAD);
	assert_int_equal(qfota_exit_for(-EIO, FOTA_PHASE_REBOOT, false, true), QFOTA_EXIT_FAILED);
	assert_int_equal(qfota_exit_for(-EIO, FOTA_PHASE_DOWNLOAD, true, true), QFOTA_EXIT_UPDATE);
}

static void test_syscall_errno_is_closed(void **state)
{
	(void)state;
	errno = EISDIR;
	assert_int_equal(qfota_errno(), -EINVAL);
	errno = EACCES;
	assert_int_equal(qfota_errno(), -EACCES);
	errno = EXDEV;
	assert_int_equal(qfota_errno(), -EIO);
	errno = EROFS;
	assert_int_equal(qfota_errno(), -EACCES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_errno_in_the_code_is_listed),
		cmocka_unit_test(test_every_listed_errno_is_worded),
		cmocka_unit_test(test_exit_codes_of_distinct_cases),
		cmocka_unit_test(test_syscall_errno_is_closed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
