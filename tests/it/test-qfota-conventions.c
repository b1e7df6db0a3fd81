/* qfota's command-line conventions (STYLE.md "Command line"), against
 * virtual modules where a module is needed: --help/-h of every command to
 * stdout with exit 0 and nothing on stderr; --version/-V; usage errors as one
 * precise line (and a "Try") on stderr, never the full help, nothing on
 * stdout; the -d VID:PID and -p PORT selectors in their short, long and
 * --opt=value forms; a live progress line (\r) and colour only on a terminal,
 * colour never with NO_COLOR, never in --json, never in a file; results on
 * stdout, progress and errors on stderr. test-qfota-cli.c covers what each
 * command does; this file only how it talks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/qfota-run.h"
#include "common/testutil.h"

#define RUN_MS 120000

#define setup qrun_setup_dir
#define teardown qrun_teardown_dir

static void qfota_alone(const char *const args[], const char *const env[], struct tu_run *r)
{
	char qf[256];
	char *argv[16];
	size_t n = 0;

	argv[n++] = (char *)tu_build_path("qfota", qf, sizeof(qf));
	for (size_t i = 0; args[i] && n < 15; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	assert_int_equal(tu_run(argv, (char *const *)env, 30000, r), 0);
}

/* The commands `qfota --help` lists. */
static size_t commands(char cmds[][16], size_t cap)
{
	struct tu_run r;
	const char *p, *end;
	size_t n = 0;

	qfota_alone((const char *const[]){ "--help", NULL }, NULL, &r);
	p = strstr(r.out, "Commands:\n");
	assert_non_null(p);
	end = strstr(p, "\n\n");
	for (p = strchr(p, '\n') + 1; p < end && n < cap; p = strchr(p, '\n') + 1) {
		p += strspn(p, " ");
		snprintf(cmds[n++], 16, "%.*s", (int)strcspn(p, " \n"), p);
	}
	tu_run_clear(&r);
	return n;
}

static void test_help_of_every_command(void **state)
{
	char cmds[16][16];
	size_t n = commands(cmds, 16);
	struct tu_run r;

	(void)state;
	assert_true(n >= 7);
	for (size_t i = 0; i < n; i++) {
		static const char *const forms[] = { "--help", "-h" };

		for (size_t f = 0; f < 2; f++) {
			char usage[64];

			qfota_alone((const char *const[]){ cmds[i], forms[f], NULL }, NULL, &r);
			snprintf(usage, sizeof(usage), "Usage: qfota %s", cmds[i]);
			if (r.status != 0 || strncmp(r.out, usage, strlen(usage)) != 0 || r.err[0])
				fail_msg("qfota %s %s: exit %d, stdout \"%.40s\", stderr \"%s\"", cmds[i], forms[f],
					 r.status, r.out, r.err);
			tu_run_clear(&r);
		}
	}
	qfota_alone((const char *const[]){ "-h", NULL }, NULL, &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(strncmp(r.out, "Usage: qfota", 12), 0);
	assert_string_equal(r.err, "");
	tu_run_clear(&r);
}

static void test_version(void **state)
{
	static const char *const forms[] = { "--version", "-V" };
	struct tu_run r;

	(void)state;
	for (size_t f = 0; f < 2; f++) {
		qfota_alone((const char *const[]){ forms[f], NULL }, NULL, &r);
		assert_int_equal(r.status, 0);
		assert_int_equal(strncmp(r.out, "qfota ", 6), 0);
		assert_int_equal(tu_count(r.out, "\n"), 1); /* one line */
		assert_true(r.out[6] >= '0' && r.out[6] <= '9');
		assert_string_equal(r.err, "");
		tu_run_clear(&r);
	}
}

/* A usage error: exit 2, nothing on stdout, one line naming the problem and
 * one "Try 'qfota CMD --help'." on stderr: not the whole help. */
static void test_usage_error_is_one_line(void **state)
{
	char cmds[16][16];
	size_t n = commands(cmds, 16);
	struct tu_run r;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		char try[64];

		qfota_alone((const char *const[]){ cmds[i], "--frobnicate", NULL }, NULL, &r);
		snprintf(try, sizeof(try), "Try 'qfota %s --help'", cmds[i]);
		if (r.status != 2 || r.out[0] || !strstr(r.err, try) || strstr(r.err, "Usage:") ||
		    tu_count(r.err, "\n") > 3)
			fail_msg("qfota %s --frobnicate: exit %d\nstdout: %s\nstderr: %s", cmds[i], r.status, r.out, r.err);
		tu_run_clear(&r);
	}
	qfota_alone((const char *const[]){ "explain", NULL }, NULL, &r);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "qfota explain: "));
	tu_run_clear(&r);
}

/* -d VID:PID, as lsusb -d and dfu-util -d: every form picks by USB ID. */
static void test_device_selector(void **state)
{
	static const char *const forms[][3] = {
		{ "-d", "2c7c:0901", NULL }, { "--device", "2c7c:0901", NULL }, { "--device=2c7c:0901", NULL, NULL },
		{ "-d2c7c:0901", NULL, NULL },
	};
	struct qrun q;

	for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		const char *args[5] = { "list", forms[f][0], forms[f][1], NULL, NULL };

		qrun(&q, *state, (const char *const[]){ "--count", "2", NULL }, args, RUN_MS);
		qrun_assert_exit(&q, 0);
		assert_int_equal(tu_count(q.run.out, "\n"), 2);
		assert_int_equal(tu_count(q.run.out, " 2c7c:0901 "), 2);
		qrun_clear(&q);
	}
	/* another ID: nothing listed (not an error for list), said on stderr only */
	qrun(&q, *state, (const char *const[]){ "--count", "2", NULL },
	     (const char *const[]){ "list", "-d", "2c7c:0125", NULL }, RUN_MS);
	qrun_assert_exit(&q, 0);
	assert_string_equal(q.run.out, "");
	assert_non_null(strstr(q.run.err, "no Quectel module"));
	qrun_clear(&q);
	/* info wants one module: -d matching two is refused, the candidates named on stderr */
	qrun(&q, *state, (const char *const[]){ "--count", "2", NULL },
	     (const char *const[]){ "info", "-d", "2c7c:0901", NULL }, RUN_MS);
	qrun_assert_exit(&q, 2);
	assert_string_equal(q.run.out, "");
	assert_non_null(strstr(q.run.err, "1-1"));
	assert_non_null(strstr(q.run.err, "1-2"));
	qrun_assert_nothing_sent(&q, "1-1");
	qrun_assert_nothing_sent(&q, "1-2");
	qrun_clear(&q);
	/* -d with -p: both must hold */
	qrun(&q, *state, (const char *const[]){ "--count", "2", NULL },
	     (const char *const[]){ "info", "-d", "2c7c:0901", "-p", "1-2", "--json", NULL }, RUN_MS);
	qrun_assert_exit(&q, 0);
	assert_non_null(strstr(q.run.out, "\"port\":\"1-2\""));
	qrun_clear(&q);
}

/* -p PORT: the physical port path, in every form; the other module untouched. */
static void test_port_selector(void **state)
{
	static const char *const forms[][3] = {
		{ "-p", "1-4.2", NULL }, { "--port", "1-4.2", NULL }, { "--port=1-4.2", NULL, NULL }, { "-p1-4.2", NULL, NULL },
	};
	struct qrun q;

	for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		const char *args[5] = { "info", forms[f][0], forms[f][1], NULL, NULL };

		qrun(&q, *state, (const char *const[]){ "--count", "2", "--port-base", "1-4.", NULL }, args, RUN_MS);
		qrun_assert_exit(&q, 0);
		qrun_assert_says(&q, "EC200UCNAAR03A15M08");
		qrun_assert_nothing_sent(&q, "1-4.1");
		qrun_assert_released(&q, "1-4.2");
		qrun_clear(&q);
	}
	qrun(&q, *state, (const char *const[]){ "--count", "2", "--port-base", "1-4.", NULL },
	     (const char *const[]){ "list", "-p", "1-4.2", NULL }, RUN_MS);
	qrun_assert_exit(&q, 0);
	assert_int_equal(tu_count(q.run.out, "\n"), 1);
	assert_int_equal(strncmp(q.run.out, "1-4.2 ", 6), 0);
	qrun_clear(&q);
}

static bool has_colour(const char *s)
{
	return strstr(s, "\033[3") || strstr(s, "\033[0m") || strstr(s, "\033[1m");
}

/* A \r that is not the tty's own \r\n: a line drawn over. */
static bool has_live_line(const char *s)
{
	for (const char *p = s; (p = strchr(p, '\r')); p++)
		if (p[1] != '\n')
			return true;
	return false;
}

/* Three upgrades under one runner: on a terminal (script(1) gives qfota a pty
 * for stderr, stdout goes to a file), on a terminal with NO_COLOR, and with
 * both streams in files. Then --json on a terminal. */
static void test_terminal_only_progress_and_colour(void **state)
{
	const char *dir = *state;
	char qf[256], script[2048], path[256];
	char *tty, *tty_nc, *tty_json, *out, *out_nc, *out_plain, *err_plain;
	struct qrun q;

	tu_build_path("qfota", qf, sizeof(qf));
	snprintf(path, sizeof(path), "%s/p.pack", dir);
	qrun_pack("ec200u", 300000, path, NULL);
	snprintf(script, sizeof(script),
		 "script -qfec '%1$s upgrade -p 1-1 %2$s/p.pack >%2$s/out' /dev/null </dev/null >%2$s/tty; echo a=$?; "
		 "NO_COLOR=1 script -qfec '%1$s upgrade -p 1-2 %2$s/p.pack >%2$s/out-nc' /dev/null </dev/null "
		 ">%2$s/tty-nc; echo b=$?; "
		 "%1$s upgrade -p 1-3 %2$s/p.pack >%2$s/out-plain 2>%2$s/err-plain; echo c=$?; "
		 "script -qfec '%1$s upgrade --json -p 1-4 %2$s/p.pack' /dev/null </dev/null >%2$s/tty-json; echo d=$?",
		 qf, dir);
	qrun_script(&q, dir, (const char *const[]){ "--count", "4", NULL }, script, RUN_MS);
	qrun_assert_says(&q, "a=0");
	qrun_assert_says(&q, "b=0");
	qrun_assert_says(&q, "c=0");
	qrun_assert_says(&q, "d=0");
#define READ(var, name)                                              \
	snprintf(path, sizeof(path), "%s/%s", dir, name);             \
	var = tu_read_file(path);                                      \
	assert_non_null(var)
	READ(tty, "tty");
	READ(tty_nc, "tty-nc");
	READ(tty_json, "tty-json");
	READ(out, "out");
	READ(out_nc, "out-nc");
	READ(out_plain, "out-plain");
	READ(err_plain, "err-plain");
#undef READ
	/* a terminal: the progress line is redrawn in place, in colour */
	assert_true(has_live_line(tty));
	assert_true(has_colour(tty));
	assert_non_null(strstr(tty, "1-1"));
	/* NO_COLOR: still a live line, no colour */
	assert_true(has_live_line(tty_nc));
	assert_false(has_colour(tty_nc));
	/* not a terminal: plain lines, no \r, no escape at all */
	assert_null(strchr(err_plain, '\r'));
	assert_null(strchr(err_plain, '\033'));
	assert_true(tu_count(err_plain, "\n") >= 3); /* the progress is there, as lines */
	/* stdout: only the result, one line, even when stderr is a terminal:
	 * a file gets no colour (stdout is not the terminal) */
	assert_int_equal(tu_count(out_plain, "\n"), 1);
	assert_non_null(strstr(out_plain, "1-3: upgraded"));
	assert_null(strchr(out_plain, '\033'));
	assert_int_equal(tu_count(out_nc, "\n"), 1);
	assert_null(strchr(out_nc, '\033'));
	assert_int_equal(tu_count(out, "\n"), 1);
	if (strchr(out, '\033'))
		fail_msg("stdout went to a file but got colour (it follows stderr's terminal): %s", out);
	/* --json on a terminal: JSON lines only, no progress drawing, no colour */
	assert_null(strchr(tty_json, '\033'));
	assert_false(has_live_line(tty_json));
	for (const char *p = tty_json; *p; p = strchr(p, '\n') + 1) {
		assert_int_equal(*p, '{');
		assert_non_null(strstr(p, "}\r\n"));
		if (!strchr(p, '\n'))
			break;
	}
	free(tty);
	free(tty_nc);
	free(tty_json);
	free(out);
	free(out_nc);
	free(out_plain);
	free(err_plain);
	qrun_clear(&q);
}

/* Results on stdout, errors on stderr: a failed upgrade writes its result
 * line (FAILED, the module's code) on stdout and the explanation's progress on
 * stderr; a refusal before anything is sent writes nothing on stdout. */
static void test_results_stdout_errors_stderr(void **state)
{
	const char *dir = *state;
	char pkg[128];
	struct qrun q;

	snprintf(pkg, sizeof(pkg), "%s/p.pack", dir);
	qrun_pack("ec200u", 50000, pkg, NULL);
	qrun(&q, dir, (const char *const[]){ "--fault", "code:505", NULL },
	     (const char *const[]){ "upgrade", "-p", "1-1", pkg, NULL }, RUN_MS);
	assert_int_not_equal(q.run.status, 0);
	assert_int_equal(tu_count(q.run.out, "\n"), 1);
	assert_non_null(strstr(q.run.out, "1-1: FAILED"));
	assert_null(strstr(q.run.err, "FAILED")); /* the result once, on stdout */
	assert_non_null(strstr(q.run.err, "1-1: connect"));
	qrun_assert_released(&q, "1-1");
	qrun_clear(&q);

	qrun(&q, dir, NULL, (const char *const[]){ "upgrade", "-p", "1-9", pkg, NULL }, RUN_MS);
	qrun_assert_exit(&q, 2);
	assert_string_equal(q.run.out, "");
	assert_non_null(strstr(q.run.err, "1-9"));
	qrun_clear(&q);

	/* explain: the answer is a result (stdout), nothing on stderr */
	{
		struct tu_run r;

		qfota_alone((const char *const[]){ "explain", "609", NULL }, NULL, &r);
		assert_int_equal(r.status, 0);
		assert_non_null(strstr(r.out, "609"));
		assert_string_equal(r.err, "");
		tu_run_clear(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_help_of_every_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usage_error_is_one_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_selector, setup, teardown),
		cmocka_unit_test_setup_teardown(test_port_selector, setup, teardown),
		cmocka_unit_test_setup_teardown(test_terminal_only_progress_and_colour, setup, teardown),
		cmocka_unit_test_setup_teardown(test_results_stdout_errors_stderr, setup, teardown),
	};
	return cmocka_run_group_tests_name("qfota-conventions", tests, NULL, NULL);
}
