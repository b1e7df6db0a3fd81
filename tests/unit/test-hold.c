/* What a port's last upgrade left its module in (include/qfota/hold.h): a
 * round trip through the file beside the port's lock; the file read strictly
 * (another member of the qfota group can write the directory: junk, a
 * symlink, a huge file are no hold, never a crash); and the rule that turns
 * one result into the next hold. Every test runs in its own directory
 * (QFOTA_LOCK_DIR). */
#include <errno.h>
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
#include "qfota/exitcode.h"
#include "qfota/hold.h"

#define IMEI "866050034443000"
#define IMEI2 "866050034443018"

#define setup tu_lock_dir_setup
#define teardown tu_lock_dir_teardown

static void write_hold(const struct tu_lock_dir *f, const char *text)
{
	char path[600];
	FILE *o;

	mkdir(f->dir, 0755);
	snprintf(path, sizeof(path), "%s/1-1.hold", f->dir);
	assert_non_null(o = fopen(path, "w"));
	fputs(text, o);
	fclose(o);
}

static void test_round_trip(void **state)
{
	struct tu_lock_dir *f = *state;
	struct fota_hold h = { .after = FOTA_AFTER_MAY_UPDATE, .imei = IMEI, .from = "EG25GGBR07A08M2G",
			       .to = "EG25GGBR07A09M2G", .exit_code = 7 }, got;
	char path[600];

	/* a message with a newline, a control byte and UTF-8: one line of ASCII */
	snprintf(h.why, sizeof(h.why), "did not come back\nin 1 s \x1b[2J \xc3\xa9");
	struct stat st;
	mode_t old_mask;

	assert_int_equal(fota_hold_load("1-1", &got), -ENOENT);
	old_mask = umask(077); /* the unit's: the file must stay readable to every qfota */
	assert_int_equal(fota_hold_store("1-1", &h), 0);
	umask(old_mask);
	snprintf(path, sizeof(path), "%s/1-1.hold", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(fota_hold_load("1-1", &got), 0);
	assert_int_equal(got.after, FOTA_AFTER_MAY_UPDATE);
	assert_string_equal(got.imei, IMEI);
	assert_string_equal(got.from, h.from);
	assert_string_equal(got.to, h.to);
	assert_int_equal(got.exit_code, 7);
	assert_string_equal(got.why, "did not come back?in 1 s ?[2J ??");
	assert_int_equal(fota_hold_load("1-2", &got), -ENOENT); /* per port */
	/* no temporary file left */
	snprintf(path, sizeof(path), "%s/.1-1.hold.%ld", f->dir, (long)getpid());
	assert_int_not_equal(access(path, F_OK), 0);

	h.after = FOTA_AFTER_FAILED;
	h.to[0] = '\0';
	assert_int_equal(fota_hold_store("1-1", &h), 0);
	assert_int_equal(fota_hold_load("1-1", &got), 0);
	assert_int_equal(got.after, FOTA_AFTER_FAILED);
	assert_string_equal(got.to, "");

	h.after = FOTA_AFTER_UNTOUCHED; /* removes it */
	assert_int_equal(fota_hold_store("1-1", &h), 0);
	assert_int_equal(fota_hold_load("1-1", &got), -ENOENT);
	assert_int_equal(fota_hold_store("1-1", &h), 0); /* nothing to remove: fine */
	assert_int_equal(fota_hold_store("../x", &h), -EINVAL);
	assert_int_equal(fota_hold_load("1-1/..", &got), -EINVAL);
}

/* What another member of the group might leave there: no hold, -EINVAL. */
static void test_strict(void **state)
{
	static const char *const bad[] = {
		"",
		"after may-update\n",                          /* no IMEI */
		"imei " IMEI "\n",                             /* no after */
		"after maybe\nimei " IMEI "\n",                /* unknown value */
		"after failed\nimei 8660500344430x0\n",        /* not digits */
		"after failed\nimei " IMEI "\nexit 300\n",     /* not an exit code */
		"after failed\nimei " IMEI "\nexit -1\n",
		"after failed\nimei " IMEI "\nfrom A B\n",     /* a space in a revision */
		"after failed\nimei " IMEI "\ncommand AT+QFOTADL\n", /* unknown key */
		"after failed\nimei " IMEI "\nwhy \x1b]0;x\x07\n",   /* control bytes */
		"after failed\nimei " IMEI "\nto 0123456789012345678901234567890123456789012345678901234567890123456789\n",
		"after failed\nimei\n",
	};
	struct tu_lock_dir *f = *state;
	struct fota_hold got;
	char path[600], big[2048];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_hold(f, bad[i]);
		if (fota_hold_load("1-1", &got) != -EINVAL)
			fail_msg("case %zu was taken as a hold", i);
	}
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	write_hold(f, big);
	assert_int_equal(fota_hold_load("1-1", &got), -EINVAL);

	/* a symlink is not followed */
	snprintf(path, sizeof(path), "%s/1-1.hold", f->dir);
	unlink(path);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_not_equal(fota_hold_load("1-1", &got), 0);

	write_hold(f, "after failed\nimei " IMEI "\nexit 6\n");
	unlink(path);
	write_hold(f, "after failed\nimei " IMEI "\nexit 6\n");
	assert_int_equal(fota_hold_load("1-1", &got), 0);
	assert_int_equal(got.after, FOTA_AFTER_FAILED);
}

static struct report_result result(bool ok, enum fota_phase phase, int exit_code, const char *imei)
{
	struct report_result r = { .ok = ok, .phase = phase, .exit_code = exit_code, .module_code = -1 };

	snprintf(r.imei, sizeof(r.imei), "%s", imei);
	snprintf(r.from, sizeof(r.from), "EG25GGBR07A08M2G");
	snprintf(r.message, sizeof(r.message), "words");
	return r;
}

/* One result makes the next hold. */
static void test_next(void **state)
{
	struct fota_hold none = { .after = FOTA_AFTER_UNTOUCHED }, next, held;
	struct report_result r;

	(void)state;
	/* lost in the reboot after the command: held, may update */
	r = result(false, FOTA_PHASE_REBOOT, QFOTA_EXIT_LOST, IMEI);
	assert_true(fota_hold_next(&none, &r, FOTA_SOURCE_UPLOAD, &next));
	assert_int_equal(next.after, FOTA_AFTER_MAY_UPDATE);
	assert_string_equal(next.imei, IMEI);
	assert_string_equal(next.from, "EG25GGBR07A08M2G");
	assert_int_equal(next.exit_code, QFOTA_EXIT_LOST);
	held = next;

	/* the same module, followed to a good end: released */
	r = result(true, FOTA_PHASE_DONE, QFOTA_EXIT_OK, IMEI);
	assert_true(fota_hold_next(&held, &r, FOTA_SOURCE_FOLLOW, &next));
	assert_int_equal(next.after, FOTA_AFTER_UNTOUCHED);

	/* followed and lost again: let be */
	r = result(false, FOTA_PHASE_UPDATE, QFOTA_EXIT_TIMEOUT, IMEI);
	assert_true(fota_hold_next(&held, &r, FOTA_SOURCE_FOLLOW, &next));
	assert_int_equal(next.after, FOTA_AFTER_FAILED);

	/* another module on the port, untouched: the hold ends */
	r = result(false, FOTA_PHASE_COMMAND, QFOTA_EXIT_DOWNLOAD, IMEI2);
	assert_true(fota_hold_next(&held, &r, FOTA_SOURCE_UPLOAD, &next));
	assert_int_equal(next.after, FOTA_AFTER_UNTOUCHED);

	/* the held module failing before it was identified: no change */
	r = result(false, FOTA_PHASE_CONNECT, QFOTA_EXIT_LOST, "");
	assert_false(fota_hold_next(&held, &r, FOTA_SOURCE_UPLOAD, &next));
	assert_int_equal(next.after, FOTA_AFTER_MAY_UPDATE);

	/* the held module refusing a command before anything began: kept */
	r = result(false, FOTA_PHASE_COMMAND, QFOTA_EXIT_DOWNLOAD, IMEI);
	assert_false(fota_hold_next(&held, &r, FOTA_SOURCE_UPLOAD, &next));

	/* a reported failed update: let be, whoever was there before */
	r = result(false, FOTA_PHASE_UPDATE, QFOTA_EXIT_UPDATE, IMEI2);
	assert_true(fota_hold_next(&held, &r, FOTA_SOURCE_FILE, &next));
	assert_int_equal(next.after, FOTA_AFTER_FAILED);
	assert_string_equal(next.imei, IMEI2);

	/* no hold and a good upgrade: nothing to write */
	r = result(true, FOTA_PHASE_DONE, QFOTA_EXIT_OK, IMEI);
	assert_false(fota_hold_next(&none, &r, FOTA_SOURCE_FILE, &next));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_next, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
