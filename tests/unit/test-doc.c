/* The man page (doc/qfota.1) and the bash completion (completion/qfota.bash)
 * against the program itself: the page renders without a warning, names every
 * command and every option that `qfota COMMAND --help` names, every exit code,
 * and every code of every error table (codes_table_entries) with its meaning,
 * and no code that is in no table. The completion parses, completes the
 * commands and, for each command, exactly options the command accepts,
 * including every option its help names. The example policy, and the one in
 * the man page, parse and decide as their comments say. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/testutil.h"
#include "qfota/codes.h"
#include "qfota/exitcode.h"
#include "qfota/fota.h"
#include "qfota/policy.h"

#define RUN_MS 30000
#define MAX_WORDS 64

static char *man;

static int group_setup(void **state)
{
	char path[1024];

	(void)state;
	snprintf(path, sizeof(path), "%s/doc/qfota.1", tu_top_dir());
	man = tu_read_file(path);
	return man ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	free(man);
	return 0;
}

static void qfota(const char *const args[], struct tu_run *r)
{
	char qf[512];
	char *argv[16];
	size_t n = 0;

	argv[n++] = (char *)tu_build_path("qfota", qf, sizeof(qf));
	for (size_t i = 0; args[i] && n < 15; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	assert_int_equal(tu_run(argv, NULL, RUN_MS, r), 0);
}

struct words {
	char w[MAX_WORDS][48];
	size_t n;
};

static bool words_has(const struct words *ws, const char *w)
{
	for (size_t i = 0; i < ws->n; i++)
		if (strcmp(ws->w[i], w) == 0)
			return true;
	return false;
}

static void words_add(struct words *ws, const char *w, size_t len)
{
	char tmp[48];

	assert_true(len < sizeof(tmp));
	memcpy(tmp, w, len);
	tmp[len] = '\0';
	if (words_has(ws, tmp))
		return;
	assert_true(ws->n < MAX_WORDS);
	memcpy(ws->w[ws->n++], tmp, len + 1);
}

/* The commands `qfota --help` lists under "Commands:". */
static void commands(struct words *ret)
{
	struct tu_run r;
	const char *p, *end;

	ret->n = 0;
	qfota((const char *const[]){ "--help", NULL }, &r);
	assert_int_equal(r.status, 0);
	p = strstr(r.out, "Commands:\n");
	assert_non_null(p);
	end = strstr(p, "\n\n");
	assert_non_null(end);
	for (p = strchr(p, '\n') + 1; p < end; p = strchr(p, '\n') + 1) {
		size_t n;

		while (*p == ' ')
			p++;
		n = strcspn(p, " \n");
		words_add(ret, p, n);
	}
	assert_true(ret->n >= 7);
	tu_run_clear(&r);
}

/* The options a help text names: "-x" and "--long-name" at the start of a
 * word (after a blank, '(', '[', '|', ',' or '\''), not "--timeout-...". */
static void help_options(const char *help, struct words *ret)
{
	ret->n = 0;
	for (const char *p = help; *p; p++) {
		size_t n;

		if (*p != '-' || (p > help && !strchr(" \t\n([|,'", p[-1])))
			continue;
		if (p[1] == '-' && islower((unsigned char)p[2])) {
			n = 2;
			while (islower((unsigned char)p[n]) || (p[n] == '-' && islower((unsigned char)p[n + 1])))
				n++;
			if (p[n] == '-' || isalnum((unsigned char)p[n]))
				continue; /* "--timeout-..." */
		} else if (isalpha((unsigned char)p[1]) && !isalnum((unsigned char)p[2]) && p[2] != '-') {
			n = 2;
		} else {
			continue;
		}
		words_add(ret, p, n);
		p += n - 1;
	}
}

static void command_help(const char *cmd, struct words *ret)
{
	struct tu_run r;

	if (cmd)
		qfota((const char *const[]){ cmd, "--help", NULL }, &r);
	else
		qfota((const char *const[]){ "--help", NULL }, &r);
	assert_int_equal(r.status, 0);
	/* `qfota --help`: the global options only (the command list names some of theirs) */
	help_options(cmd ? r.out : strstr(r.out, "Global options:"), ret);
	if (ret->n == 0)
		fail_msg("qfota %s --help names no option", cmd ? cmd : "");
	tu_run_clear(&r);
}

/* The text of one section: from its heading line to the next heading of the
 * same level or above (malloc'd). */
static char *section(const char *heading, bool sub)
{
	const char *p = strstr(man, heading), *end;
	const char *next_sh, *next_ss;

	if (!p)
		fail_msg("the man page has no %s", heading);
	p += strlen(heading);
	next_sh = strstr(p, "\n.SH ");
	next_ss = sub ? strstr(p, "\n.SS ") : NULL;
	end = next_sh ? next_sh : p + strlen(p);
	if (next_ss && next_ss < end)
		end = next_ss;
	return strndup(p, (size_t)(end - p) + (*end == '\n')); /* with its last newline */
}

static void roff_option(const char *opt, char *buf, size_t cap)
{
	size_t n = 0;

	for (; *opt && n + 3 < cap; opt++) {
		if (*opt == '-')
			buf[n++] = '\\';
		buf[n++] = *opt;
	}
	buf[n] = '\0';
}

/* groff with every warning on, and man-db's own check (what lintian runs). */
static void test_man_renders(void **state)
{
	char path[1024];
	struct tu_run r;
	char *env[] = { "LC_ALL=C.UTF-8", "MANWIDTH=80", NULL };

	(void)state;
	snprintf(path, sizeof(path), "%s/doc/qfota.1", tu_top_dir());
	assert_int_equal(tu_run((char *const[]){ "groff", "-man", "-Tutf8", "-ww", "-z", path, NULL }, env, RUN_MS, &r),
			 0);
	if (r.status != 0 || r.err[0])
		fail_msg("groff -ww: status %d\n%s", r.status, r.err);
	tu_run_clear(&r);
	assert_int_equal(tu_run((char *const[]){ "man", "--warnings", "-E", "UTF-8", "-l", path, NULL }, env, RUN_MS, &r),
			 0);
	if (r.status != 0 || r.err[0])
		fail_msg("man --warnings -l: status %d\n%s", r.status, r.err);
	assert_non_null(strstr(r.out, "qfota - upgrade the firmware of Quectel LTE modules over USB"));
	assert_non_null(strstr(r.out, "EXIT STATUS"));
	assert_non_null(strstr(r.out, "ERROR CODES"));
	tu_run_clear(&r);
}

/* Each command: its synopsis line and its own subsection. */
static void test_man_commands(void **state)
{
	struct words cmds;

	(void)state;
	commands(&cmds);
	for (size_t i = 0; i < cmds.n; i++) {
		char ss[96], syn[96];
		char *synopsis = section(".SH SYNOPSIS\n", false);

		snprintf(ss, sizeof(ss), "\n.SS \"qfota %s\"\n", cmds.w[i]);
		snprintf(syn, sizeof(syn), "\n.B %s\n", cmds.w[i]);
		if (!strstr(man, ss))
			fail_msg("the man page has no subsection for qfota %s", cmds.w[i]);
		if (!strstr(synopsis, syn))
			fail_msg("the man page's synopsis lacks qfota %s", cmds.w[i]);
		free(synopsis);
	}
}

/* Every option of `qfota --help` and of each `qfota CMD --help`. */
static void test_man_options(void **state)
{
	struct words cmds, opts;

	(void)state;
	commands(&cmds);
	for (size_t i = 0; i <= cmds.n; i++) {
		const char *cmd = i < cmds.n ? cmds.w[i] : NULL;

		command_help(cmd, &opts);
		for (size_t j = 0; j < opts.n; j++) {
			char roff[96];

			roff_option(opts.w[j], roff, sizeof(roff));
			if (!strstr(man, roff))
				fail_msg("the man page does not document %s (qfota %s --help)", opts.w[j],
					 cmd ? cmd : "");
		}
	}
}

/* The man page states each deadline's default; the code has them once
 * (fota_timeouts_default, which `qfota upgrade --help` prints): they agree. */
static void test_man_timeout_defaults(void **state)
{
	struct fota_timeouts t;
	const struct {
		const char *opt;
		unsigned ms;
	} want[] = {
		{ "\\-\\-timeout\\-command ", 0 }, { "\\-\\-timeout\\-start ", 0 },
		{ "\\-\\-timeout\\-stall ", 0 }, { "\\-\\-timeout\\-download ", 0 },
		{ "\\-\\-timeout\\-update\\-start ", 0 }, { "\\-\\-timeout\\-update\\-gap ", 0 },
		{ "\\-\\-timeout\\-reboot ", 0 }, { "\\-\\-timeout\\-total ", 0 },
		{ "\\-\\-timeout\\-ready ", 0 },
	};
	unsigned ms[9];

	(void)state;
	fota_timeouts_default(&t);
	ms[0] = t.command_ms, ms[1] = t.start_ms, ms[2] = t.stall_ms, ms[3] = t.download_ms;
	ms[4] = t.update_start_ms, ms[5] = t.update_gap_ms, ms[6] = t.reboot_ms, ms[7] = t.total_ms;
	ms[8] = t.ready_ms;
	for (size_t i = 0; i < 9; i++) {
		const char *p = strstr(man, want[i].opt), *d;
		unsigned secs = 0;

		if (!p)
			fail_msg("qfota.1 has no %s", want[i].opt);
		d = strstr(p, "(default ");
		assert_non_null(d);
		assert_int_equal(sscanf(d, "(default %u)", &secs), 1);
		if (secs * 1000 != ms[i])
			fail_msg("qfota.1 says %s defaults to %u s, the code to %u ms", want[i].opt, secs, ms[i]);
	}
}

static void test_man_exit_codes(void **state)
{
	static const int codes[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 130 };
	char *exit_status = section(".SH \"EXIT STATUS\"\n", false);
	size_t items = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		char item[32];

		assert_string_not_equal(qfota_exit_to_string(codes[i]), "");
		snprintf(item, sizeof(item), ".TP\n.B %d\n", codes[i]);
		if (!strstr(exit_status, item))
			fail_msg("EXIT STATUS lacks %d", codes[i]);
	}
	for (const char *p = exit_status; (p = strstr(p, ".TP\n.B ")); p++)
		items++;
	assert_int_equal(items, sizeof(codes) / sizeof(codes[0])); /* and no other */
	free(exit_status);
}

/* Each table: ".SS "<table> errors"", then for each entry in the seed's order
 * ".TP / .B <code> / <Words>." (the words of codes.c, first letter capital),
 * and no other item. */
static void test_man_error_tables(void **state)
{
	size_t total = 0;

	(void)state;
	for (int t = 0; t < CODES_TABLE_MAX_; t++) {
		char heading[96];
		size_t n = 0, items = 0;
		const struct codes_entry *e = codes_table_entries((enum codes_table)t, &n);
		char *sec;
		const char *at;

		assert_non_null(e);
		snprintf(heading, sizeof(heading), "\n.SS \"%s errors\"\n", codes_table_to_string((enum codes_table)t));
		sec = section(heading, true);
		at = sec;
		for (size_t i = 0; i < n; i++) {
			char item[600];
			const char *p;

			snprintf(item, sizeof(item), ".TP\n.B %d\n%c%s.\n", e[i].code, toupper((unsigned char)e[i].words[0]),
				 e[i].words + 1);
			p = strstr(at, item);
			if (!p)
				fail_msg("%s: code %d missing, out of order, or not \"%s\"", heading + 1, e[i].code,
					 e[i].words);
			at = p + strlen(item);
		}
		for (const char *p = sec; (p = strstr(p, ".TP\n.B ")); p++)
			items++;
		if (items != n)
			fail_msg("%s: %zu items, the table has %zu entries", heading + 1, items, n);
		total += n;
		free(sec);
	}
	assert_int_equal(total, 28 + 32 + 9 + 22 + 2 + 2 + 24); /* codes.h */
}

/* And what the page promises outside the tables. */
static void test_man_environment_files_examples(void **state)
{
	static const char *const env[] = { "QFOTA_LOG", "QFOTA_AUDIT_LOG", "QFOTA_LOCK_DIR", "NO_COLOR" };
	static const char *const files[] = {
		"/etc/qfota/policy.conf", "/var/lib/qfota/audit.log", "/run/qfota/",
		"/usr/lib/udev/rules.d/70\\-qfota.rules",
		"/usr/share/doc/qfota/examples/qfota\\-modemmanager\\-ignore.rules.example",
		"/usr/lib/udev/rules.d/72\\-qfota\\-auto.rules", "/usr/lib/systemd/system/qfota\\-auto@.service",
	};
	static const char *const examples[] = { "usbfs_memory_mb", "adduser operator qfota", "policy.conf.example",
						"qfota\\-auto\\-enable.rules", "udevadm control \\-\\-reload",
						"journalctl \\-u qfota\\-auto@" };
	char *sec;

	(void)state;
	sec = section(".SH ENVIRONMENT\n", false);
	for (size_t i = 0; i < sizeof(env) / sizeof(env[0]); i++) {
		char tp[64];

		snprintf(tp, sizeof(tp), ".TP\n.B %s\n", env[i]);
		if (!strstr(sec, tp))
			fail_msg("ENVIRONMENT lacks %s", env[i]);
	}
	free(sec);
	sec = section(".SH FILES\n", false);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (!strstr(sec, files[i]))
			fail_msg("FILES lacks %s", files[i]);
	free(sec);
	sec = section(".SH EXAMPLES\n", false);
	for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++)
		if (!strstr(sec, examples[i]))
			fail_msg("EXAMPLES lacks %s", examples[i]);
	free(sec);
}

/* Sources the completion in bash (with bash-completion's library first when
 * with_lib), sets COMP_WORDS to words and COMP_CWORD to the last one, calls
 * _qfota; *ret holds COMPREPLY. */
static void complete(bool with_lib, const char *const words[], struct words *ret)
{
	char path[1024], script[512];
	char *argv[24];
	struct tu_run r;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/completion/qfota.bash", tu_top_dir());
	snprintf(script, sizeof(script),
		 "%s. \"$1\"; shift; COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); _qfota; "
		 "printf '%%s\\n' \"${COMPREPLY[@]}\"",
		 with_lib ? ". /usr/share/bash-completion/bash_completion; " : "");
	argv[n++] = "bash";
	argv[n++] = "-c";
	argv[n++] = script;
	argv[n++] = "bash";
	argv[n++] = path;
	for (size_t i = 0; words[i] && n < 23; i++)
		argv[n++] = (char *)words[i];
	argv[n] = NULL;
	assert_int_equal(tu_run(argv, NULL, RUN_MS, &r), 0);
	assert_int_equal(r.status, 0);
	ret->n = 0;
	for (const char *p = r.out; *p; p += strcspn(p, "\n") + 1) {
		if (*p != '\n')
			words_add(ret, p, strcspn(p, "\n"));
		if (!p[strcspn(p, "\n")])
			break;
	}
	tu_run_clear(&r);
}

static void test_completion_parses(void **state)
{
	char path[1024];
	struct tu_run r;

	(void)state;
	snprintf(path, sizeof(path), "%s/completion/qfota.bash", tu_top_dir());
	assert_int_equal(tu_run((char *const[]){ "bash", "-n", path, NULL }, NULL, RUN_MS, &r), 0);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	tu_run_clear(&r);
}

/* The commands, exactly those of `qfota --help`, alone or after global options. */
static void test_completion_commands(void **state)
{
	struct words cmds, got;

	(void)state;
	commands(&cmds);
	complete(false, (const char *const[]){ "qfota", "", NULL }, &got);
	assert_int_equal(got.n, cmds.n);
	for (size_t i = 0; i < cmds.n; i++)
		assert_true(words_has(&got, cmds.w[i]));
	complete(false, (const char *const[]){ "qfota", "-v", "--json", "st", NULL }, &got);
	assert_int_equal(got.n, 1);
	assert_string_equal(got.w[0], "station");
	complete(false, (const char *const[]){ "qfota", "up", NULL }, &got);
	assert_int_equal(got.n, 1);
	assert_string_equal(got.w[0], "upgrade");
	complete(false, (const char *const[]){ "qfota", "explain", "--family", "", NULL }, &got);
	assert_int_equal(got.n, 2);
	assert_true(words_has(&got, "ec200u") && words_has(&got, "dfota"));
	complete(false, (const char *const[]){ "qfota", "info", "-d", "2c7c:09", NULL }, &got);
	assert_int_equal(got.n, 1);
	assert_string_equal(got.w[0], "2c7c:0901");
}

/* Files where a file is wanted (the package, --policy), with and without
 * bash-completion's helpers. */
static void test_completion_files(void **state)
{
	char prefix[1024], want[1100];
	struct words got;

	(void)state;
	snprintf(prefix, sizeof(prefix), "%s/doc/policy.conf.ex", tu_top_dir());
	snprintf(want, sizeof(want), "%s/doc/policy.conf.example", tu_top_dir());
	for (int lib = 0; lib < 2; lib++) {
		if (lib && access("/usr/share/bash-completion/bash_completion", R_OK) != 0)
			break;
		complete(lib, (const char *const[]){ "qfota", "upgrade", "-p", "1-1", prefix, NULL }, &got);
		assert_int_equal(got.n, 1);
		assert_string_equal(got.w[0], want);
		complete(lib, (const char *const[]){ "qfota", "auto", "--policy", prefix, NULL }, &got);
		assert_int_equal(got.n, 1);
		assert_string_equal(got.w[0], want);
	}
}

/* A value that each option accepts, for running `qfota CMD OPT [VALUE] --help`. */
static const char *option_value(const char *opt)
{
	static const struct {
		const char *opt, *value;
	} values[] = {
		{ "-p", "1-1" }, { "--port", "1-1" }, { "-d", "2c7c:0901" }, { "--device", "2c7c:0901" },
		{ "-m", "EC200U" }, { "--model", "EC200U" }, { "--url", "http://h/p.pack" }, { "--cid", "1" },
		{ "--upgrade-mode", "1" }, { "--download-urcs", "50" }, { "--update-urcs", "50" },
		{ "--family", "ec200u" }, { "--wait", "5" }, { "--upload", "/nonexistent.zip" },
		{ "--policy", "/nonexistent.conf" }, { "--log", "/nonexistent.log" }, { "--retries", "1" },
		{ "--metrics", "/nonexistent.prom" },
	};
	static const char *const flags[] = { "--json", "--all", "-h", "--help", "-v", "--verbose",
					     "-q", "--quiet", "-V", "--version", "--plan" };

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (strcmp(opt, flags[i]) == 0)
			return NULL;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		if (strcmp(opt, values[i].opt) == 0)
			return values[i].value;
	return strncmp(opt, "--timeout-", 10) == 0 ? "5" : "x";
}

/* For each command, `qfota CMD -` completes every option its help names, and
 * each completed option is accepted by the command (it still prints its help,
 * exit 0: not "unknown option", not "does not apply"). Global options too. */
static void test_completion_options(void **state)
{
	struct words cmds, help, got;

	(void)state;
	commands(&cmds);
	for (size_t i = 0; i <= cmds.n; i++) {
		const char *cmd = i < cmds.n ? cmds.w[i] : NULL;

		command_help(cmd, &help);
		if (cmd)
			complete(false, (const char *const[]){ "qfota", cmd, "-", NULL }, &got);
		else
			complete(false, (const char *const[]){ "qfota", "-", NULL }, &got);
		for (size_t j = 0; j < help.n; j++)
			if (!words_has(&got, help.w[j]))
				fail_msg("qfota %s %s: not completed", cmd ? cmd : "", help.w[j]);
		for (size_t j = 0; j < got.n; j++) {
			const char *value = option_value(got.w[j]);
			const char *args[6];
			size_t n = 0;
			struct tu_run r;

			if (cmd)
				args[n++] = cmd;
			args[n++] = got.w[j];
			if (value)
				args[n++] = value;
			args[n++] = "--help";
			args[n] = NULL;
			qfota(args, &r);
			if (r.status != 0 || !(strstr(r.out, "Usage: qfota") || strstr(r.out, "qfota ")))
				fail_msg("qfota %s %s %s --help: exit %d\n%s", cmd ? cmd : "", got.w[j], value ? value : "",
					 r.status, r.err);
			tu_run_clear(&r);
		}
	}
}

/* doc/policy.conf.example (installed as an example) is a valid policy that
 * does what its comments say; so is the man page's example. */
static void test_policy_examples(void **state)
{
	char path[1024];
	struct policy *p = NULL;
	struct policy_error err = { 0 };
	const struct policy_rule *rule = NULL;
	const char *ex, *end;

	(void)state;
	snprintf(path, sizeof(path), "%s/doc/policy.conf.example", tu_top_dir());
	if (policy_load(path, &p, &err) != 0)
		fail_msg("%s:%u: %s", path, err.line, err.reason);
	assert_int_equal(p->n_rules, 3);
	assert_int_equal(policy_decide(p, "EC200U", "EC200UCNAAR03A15M08", &rule), POLICY_UPGRADE);
	assert_int_equal(rule->source, POLICY_SOURCE_FILE);
	assert_string_equal(rule->to, "EC200UCNAAR03A16M08");
	assert_int_equal(policy_decide(p, "EC200U", "EC200UCNAAR03A16M08", &rule), POLICY_UPGRADE);
	assert_int_equal(rule->source, POLICY_SOURCE_URL);
	assert_int_equal(policy_decide(p, "ec200u", "EC200UCNAAR03A17M08", &rule), POLICY_AT_TARGET);
	assert_int_equal(policy_decide(p, "EG25", "EG25GGBR07A08M2G", &rule), POLICY_UPGRADE);
	assert_int_equal(rule->source, POLICY_SOURCE_UPLOAD);
	assert_string_equal(rule->upload_name, "dfota_update.bin");
	assert_int_equal(policy_decide(p, "EP06", "EP06ELAR04A05M4G", &rule), POLICY_UNKNOWN_MODEL);
	policy_free(p);
	p = NULL;

	ex = strstr(man, "\n.SH \"POLICY FILE\"\n");
	assert_non_null(ex);
	ex = strstr(ex, "\n.EX\n");
	assert_non_null(ex);
	ex += 5;
	end = strstr(ex, ".EE\n");
	assert_non_null(end);
	if (policy_parse(ex, (size_t)(end - ex), &p, &err) != 0)
		fail_msg("the man page's policy example, line %u: %s", err.line, err.reason);
	assert_int_equal(p->n_rules, 3);
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_man_renders),
		cmocka_unit_test(test_man_commands),
		cmocka_unit_test(test_man_options),
		cmocka_unit_test(test_man_timeout_defaults),
		cmocka_unit_test(test_man_exit_codes),
		cmocka_unit_test(test_man_error_tables),
		cmocka_unit_test(test_man_environment_files_examples),
		cmocka_unit_test(test_completion_parses),
		cmocka_unit_test(test_completion_commands),
		cmocka_unit_test(test_completion_files),
		cmocka_unit_test(test_completion_options),
		cmocka_unit_test(test_policy_examples),
	};
	return cmocka_run_group_tests_name("doc", tests, group_setup, group_teardown);
}
