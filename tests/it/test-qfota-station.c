/* qfota station and qfota auto against virtual modules: 32 at once with four
 * faulted, the plug-in path by policy (upgrade, then skip at the target),
 * unknown models and revisions, malformed policies refused before anything
 * is sent, --json events tagged with their port. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "common/qfota-run.h"
#include "common/testutil.h"

#define RUN_MS 100000
#define R15 "EC200UCNAAR03A15M08"
#define R16 "EC200UCNAAR03A16M08"

static int setup(void **state)
{
	char *dir = tu_mkdtemp();

	if (!dir)
		return -1;
	*state = dir;
	return 0;
}

static int teardown(void **state)
{
	tu_rmrf(*state);
	free(*state);
	return 0;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The runner's port of module i (1-based) with --port-base 1-4.: 31 per hub. */
static void port_of(unsigned i, char *buf, size_t cap)
{
	snprintf(buf, cap, "1-%u.%u", 4 + (i - 1) / 31, 1 + (i - 1) % 31);
}

static void assert_revision(const struct qrun *q, const char *port, bool changed)
{
	char *rev0 = tu_record_get(q->record, port, "revision_before", false);
	char *rev1 = tu_record_get(q->record, port, "revision", true);

	assert_non_null(rev0);
	assert_non_null(rev1);
	if (changed != (strcmp(rev0, rev1) != 0))
		fail_msg("module on %s: revision %s -> %s, expected it %schanged", port, rev0, rev1, changed ? "" : "un");
	free(rev0);
	free(rev1);
}

static void assert_record_count(const struct qrun *q, const char *port, const char *key, long want)
{
	char *v = tu_record_get(q->record, port, key, true);

	assert_non_null(v);
	if (strtol(v, NULL, 10) != want)
		fail_msg("module on %s: %s %s, expected %ld", port, key, v, want);
	free(v);
}

/* 32 modules, four faulted in different ways: exactly the other 28 succeed,
 * and each fault is reported on its own port. */
static void test_station_32_with_four_faults(void **state)
{
	const char *dir = *state;
	char pkg[128], port[16], line[128];
	struct qrun q;
	struct {
		unsigned index;
		const char *result;   /* its result line */
		bool gone;            /* off the bus at the end */
	} faults[] = {
		{ 3, "FAILED (exit 5) in download: ", false },  /* code:547 at FILEEND */
		{ 9, "FAILED (exit 7) in reboot: ", true },     /* never-back */
		{ 17, "FAILED (exit 9) in download: the module took no data", false }, /* nak */
		{ 25, "FAILED (exit 7) in download: the module vanished after", true }, /* unplug-byte */
	};

	snprintf(pkg, sizeof(pkg), "%s/ec200u.pack", dir);
	qrun_pack("ec200u", 300000, pkg, NULL);
	qrun(&q, dir,
	     (const char *const[]){ "--count", "32", "--port-base", "1-4.", "--fault", "3=code:547", "--fault",
				    "9=never-back", "--fault", "17=nak", "--fault", "25=unplug-byte:50000", NULL },
	     (const char *const[]){ "station", "--all", "--timeout-stall", "2", "--timeout-reboot", "3", "--log",
				    "@DIR/audit", pkg, NULL },
	     RUN_MS);
	qrun_assert_exit(&q, 7); /* lost (7) ranks above timeout (9) and download (5) */
	qrun_assert_says(&q, "station: 32 modules: 28 upgraded, 0 skipped, 4 failed (exit 7)");
	assert_int_equal(tu_count(q.run.out, ": upgraded EC200U " R15 " -> " R16), 28);
	for (unsigned i = 1; i <= 32; i++) {
		size_t f = 0;

		port_of(i, port, sizeof(port));
		while (f < 4 && faults[f].index != i)
			f++;
		if (f == 4) {
			snprintf(line, sizeof(line), "%s: upgraded EC200U", port);
			qrun_assert_says(&q, line);
			assert_revision(&q, port, true);
		} else {
			snprintf(line, sizeof(line), "%s: %s", port, faults[f].result);
			qrun_assert_says(&q, line);
			snprintf(line, sizeof(line), "  failed %s (exit", port);
			qrun_assert_says(&q, line);
			if (!faults[f].gone)
				assert_revision(&q, port, false);
		}
		qrun_assert_released(&q, port);
	}
	/* one audit line per attempt: the 547 module (exit 5, before the update)
	 * was tried twice (--retries defaults to 1), the others once */
	{
		char path[160], *audit;

		snprintf(path, sizeof(path), "%s/audit", dir);
		audit = tu_read_file(path);
		assert_non_null(audit);
		assert_int_equal(tu_count(audit, "\n"), 33);
		assert_int_equal(tu_count(audit, "\"result\":\"ok\""), 28);
		assert_int_equal(tu_count(audit, "\"result\":\"failed\""), 5);
		assert_int_equal(tu_count(audit, "\"code\":547"), 2);
		assert_non_null(strstr(audit, "\"port\":\"1-5.1\""));
		free(audit);
	}
	qrun_clear(&q);
}

/* The JSON result event of port in out: its durations.total_ms and
 * durations.reboot_ms (-1 if absent). Fails the test without one. */
static void result_durations(const char *out, const char *port, long *ret_total, long *ret_reboot)
{
	char key[64];
	const char *line, *end, *v;

	snprintf(key, sizeof(key), "{\"event\":\"result\",");
	for (line = strstr(out, key); line; line = strstr(line + 1, key)) {
		char want[48];

		end = strchr(line, '\n');
		snprintf(want, sizeof(want), "\"port\":\"%s\"", port);
		v = strstr(line, want);
		if (v && (!end || v < end))
			break;
	}
	if (!line)
		fail_msg("no result event for port %s", port);
	end = strchr(line, '\n');
	v = strstr(line, "\"total_ms\":");
	*ret_total = v && (!end || v < end) ? strtol(v + 11, NULL, 10) : -1;
	v = strstr(line, "\"reboot_ms\":");
	*ret_reboot = v && (!end || v < end) ? strtol(v + 12, NULL, 10) : -1;
}

/* A station of n modules at the fastest pace with every deadline at its
 * default: each module rebooted at once after END,0 and was followed at once,
 * so its time is far below any deadline (the shortest default is 10 s; the
 * reboot's is 120 s): at most 6 s in all and 3 s in reboots, with room for
 * ASan on a loaded 2-core host (measured: 0.2-0.7 s plain, 2 s with ASan). A reboot that qfota missed costs the whole reboot
 * deadline, and the run RUN_MS would not even be enough (issue 19). */
static void station_fast_default_deadlines(const char *dir, unsigned n)
{
	char pkg[128], count[8], port[16], line[64];
	long total, reboot, worst = 0, worst_reboot = 0;
	struct qrun q;

	snprintf(pkg, sizeof(pkg), "%s/ec200u.pack", dir);
	snprintf(count, sizeof(count), "%u", n);
	qrun_pack("ec200u", 65536, pkg, NULL);
	qrun(&q, dir, (const char *const[]){ "--count", count, "--port-base", "1-4.", NULL },
	     (const char *const[]){ "station", "--all", "--json", pkg, NULL }, RUN_MS);
	qrun_assert_exit(&q, 0);
	snprintf(line, sizeof(line), "\"modules\":%u,\"upgraded\":%u,", n, n);
	qrun_assert_says(&q, line);
	assert_int_equal(tu_count(q.run.out, "did not reboot"), 0);
	for (unsigned i = 1; i <= n; i++) {
		port_of(i, port, sizeof(port));
		result_durations(q.run.out, port, &total, &reboot);
		if (total < 0 || total > 6000 || reboot < 0 || reboot > 3000)
			fail_msg("module on %s: %ld ms in all, %ld ms in reboots: a reboot was not followed at once",
				 port, total, reboot);
		worst = total > worst ? total : worst;
		worst_reboot = reboot > worst_reboot ? reboot : worst_reboot;
		assert_revision(&q, port, true);
		assert_record_count(&q, port, "reboots", 1);
		qrun_assert_released(&q, port);
	}
	print_message("station of %u at the fast pace: the slowest module took %ld ms, the longest reboot %ld ms\n",
		      n, worst, worst_reboot);
	qrun_clear(&q);
}

static void test_station_8_fast_default_deadlines(void **state)
{
	station_fast_default_deadlines(*state, 8);
}

static void test_station_32_fast_default_deadlines(void **state)
{
	station_fast_default_deadlines(*state, 32);
}

/* Several -p: only those modules; --json: every event carries its port. */
static void test_station_ports_json(void **state)
{
	const char *dir = *state;
	char pkg[128];
	struct qrun q;

	snprintf(pkg, sizeof(pkg), "%s/ec200u.pack", dir);
	qrun_pack("ec200u", 100000, pkg, NULL);
	qrun(&q, dir, (const char *const[]){ "--count", "3", NULL },
	     (const char *const[]){ "station", "--json", "-p", "1-1", "-p", "1-3", pkg, NULL }, RUN_MS);
	qrun_assert_exit(&q, 0);
	assert_revision(&q, "1-1", true);
	assert_revision(&q, "1-3", true);
	qrun_assert_nothing_sent(&q, "1-2");
	assert_int_equal(tu_count(q.run.out, "\"event\":\"result\""), 2);
	assert_int_equal(tu_count(q.run.out, "\"event\":\"result\",") , 2);
	assert_true(tu_count(q.run.out, "\"port\":\"1-1\"") > 5);
	assert_true(tu_count(q.run.out, "\"port\":\"1-3\"") > 5);
	assert_int_equal(tu_count(q.run.out, "\"port\":\"1-2\""), 0);
	/* every event line names a port, except the summary */
	assert_int_equal(tu_count(q.run.out, "\n"), tu_count(q.run.out, "\"port\":\"1-") + 1);
	qrun_assert_says(&q, "{\"event\":\"summary\",\"modules\":2,\"upgraded\":2,\"skipped\":0,\"failed\":0,"
			     "\"exit_code\":0,\"failures\":[]}");
	qrun_clear(&q);
}

/* The plug-in path: auto upgrades per policy; run again at the target, it skips. */
static void test_auto_upgrades_then_skips(void **state)
{
	const char *dir = *state;
	char pkg[128], pol[128], text[512], script[1024], path[160], *audit;
	struct qrun q;

	snprintf(pkg, sizeof(pkg), "%s/ec200u.pack", dir);
	qrun_pack("ec200u", 200000, pkg, NULL);
	snprintf(pol, sizeof(pol), "%s/policy.conf", dir);
	snprintf(text, sizeof(text),
		 "# the station's policy\nmodel=EC200U from=" R15 " to=" R16 " file=%s\n"
		 "model=EG25 from=EG25GGBR07A08M2G to=EG25GGBR07A09M2G url=http://fota.example.com/eg25.zip\n", pkg);
	write_text(pol, text);
	snprintf(script, sizeof(script),
		 "\"$QFOTA\" auto --port 1-1 --policy %s --log %s/audit; echo \"first=$?\"; "
		 "\"$QFOTA\" auto --port 1-1 --policy %s --log %s/audit; echo \"second=$?\"",
		 pol, dir, pol, dir);
	qrun_script(&q, dir, NULL, script, RUN_MS);
	qrun_assert_exit(&q, 0);
	qrun_assert_says(&q, "first=0");
	qrun_assert_says(&q, "second=0");
	qrun_assert_says(&q, "1-1: policy line 2: " R15 " -> " R16 " (file)");
	qrun_assert_says(&q, "1-1: upgraded EC200U " R15 " -> " R16);
	qrun_assert_says(&q, "1-1: skipped: already runs " R16 ", the policy's target (line 2)");
	assert_revision(&q, "1-1", true);
	assert_int_equal(qrun_qfotadl_count(&q, "1-1"), 1); /* the second run sent no AT+QFOTADL */
	qrun_assert_released(&q, "1-1");
	/* One claim per run before the reboot: the upgrade keeps the claim
	 * identify made (fota_held); the first run claims again once the module
	 * is back. 4 would mean a second open, claim and detach per run. */
	assert_record_count(&q, "1-1", "claims", 3);
	assert_record_count(&q, "1-1", "driver_detaches", 3);
	assert_string_equal(q.run.out, "first=0\nsecond=0\n"); /* auto logs to stderr (the journal) */
	snprintf(path, sizeof(path), "%s/audit", dir);
	audit = tu_read_file(path);
	assert_non_null(audit);
	assert_int_equal(tu_count(audit, "\n"), 2);
	assert_non_null(strstr(audit, "\"result\":\"ok\""));
	assert_non_null(strstr(audit, "\"result\":\"skipped\""));
	free(audit);
	qrun_clear(&q);
}

/* The plug-in path across runs: the qfota-auto@ run that gives up on a module
 * mid-update (its reboot into the updater takes 4 s, demo pace and
 * slow-reboot, past --timeout-reboot 1: the deadline is what this is about)
 * has ended when the module re-enumerates and udev starts the unit again
 * (here: 2 s later, waiting for the module with --wait; it updates 2.5 s). That second run must
 * not upgrade it anew (before: a second upload and AT+QFOTADL into the
 * updating module) but follow it to its verdict, from what the first run
 * left beside the port's lock (qfota/hold.h); a third run then finds it at
 * the policy's target. */
static void test_auto_follows_what_a_run_left(void **state)
{
	const char *dir = *state;
	char pkg[128], pol[128], text[512], script[1024], *code;
	struct qrun q;

	snprintf(pkg, sizeof(pkg), "%s/eg25.zip", dir);
	qrun_pack("eg25", 60000, pkg, NULL);
	snprintf(pol, sizeof(pol), "%s/policy.conf", dir);
	snprintf(text, sizeof(text), "model=EG25 from=EG25GGBR07A08M2G to=EG25GGBR07A09M2G upload=%s\n", pkg);
	write_text(pol, text);
	snprintf(script, sizeof(script),
		 "\"$QFOTA\" auto --port 1-1 --policy %s --timeout-reboot 1; echo \"first=$?\"; "
		 "ls $QFOTA_LOCK_DIR/1-1.hold >/dev/null && echo held; "
		 "sleep 2; \"$QFOTA\" auto --port 1-1 --policy %s --wait 30; echo \"second=$?\"; "
		 "ls $QFOTA_LOCK_DIR/1-1.hold 2>/dev/null || echo released; "
		 "\"$QFOTA\" auto --port 1-1 --policy %s; echo \"third=$?\"",
		 pol, pol, pol);
	qrun_script(&q, dir,
		    (const char *const[]){ "--profile", "eg25", "--pace", "demo", "--fault", "slow-reboot:3000", NULL },
		    script, RUN_MS);
	qrun_assert_says(&q, "first=7");
	qrun_assert_says(&q, "held\n");
	qrun_assert_says(&q, "was left mid-upgrade here (exit 7) and may still be updating");
	qrun_assert_says(&q, "second=0");
	qrun_assert_says(&q, "released\n");
	qrun_assert_says(&q, "skipped: already runs EG25GGBR07A09M2G, the policy's target");
	qrun_assert_says(&q, "third=0");
	if (qrun_qfotadl_count(&q, "1-1") != 1)
		qrun_fail(&q, "AT+QFOTADL was sent again to a module that was updating");
	code = tu_record_get(q.record, "1-1", "fota_end_code", true);
	assert_string_equal(code, "0");
	free(code);
	assert_revision(&q, "1-1", true);
	qrun_assert_released(&q, "1-1");
	qrun_clear(&q);
}

/* Issue 16.4: the policy is trusted, so it must be safe. A rule's imei= list:
 * a module not on it is skipped untouched (exit 0, words), one on it (by
 * prefix) is upgraded. A policy with a password that others may read is
 * warned about (the password never shown). A policy others may write is
 * refused: exit 2, words, nothing sent. */
static void test_auto_policy_trust(void **state)
{
	const char *dir = *state;
	char pkg[128], deny[128], allow[128], open_pol[128], text[768], script[2048];
	struct qrun q;

	snprintf(pkg, sizeof(pkg), "%s/ec200u.pack", dir);
	qrun_pack("ec200u", 100000, pkg, NULL);
	snprintf(deny, sizeof(deny), "%s/deny.conf", dir);
	snprintf(text, sizeof(text),
		 "model=EC200U from=" R15 " to=" R16 " file=%s imei=358000000000001,35*\n"
		 "model=EG25 from=EG25GGBR07A08M2G to=EG25GGBR07A09M2G url=ftp://fota:s3cret@h.example/eg25.zip\n",
		 pkg);
	write_text(deny, text);
	chmod(deny, 0644);
	snprintf(allow, sizeof(allow), "%s/allow.conf", dir);
	snprintf(text, sizeof(text), "model=EC200U from=" R15 " to=" R16 " file=%s imei=358000000000001,8660500*\n",
		 pkg);
	write_text(allow, text);
	chmod(allow, 0600);
	snprintf(open_pol, sizeof(open_pol), "%s/open.conf", dir);
	write_text(open_pol, text);
	chmod(open_pol, 0666);
	snprintf(script, sizeof(script),
		 "\"$QFOTA\" auto --port 1-1 --policy %s; echo \"deny=$?\"; "
		 "\"$QFOTA\" auto --port 1-1 --policy %s; echo \"open=$?\"; "
		 "\"$QFOTA\" auto --port 1-1 --policy %s; echo \"allow=$?\"",
		 deny, open_pol, allow);
	qrun_script(&q, dir, NULL, script, RUN_MS);
	qrun_assert_says(&q, "deny=0");
	qrun_assert_says(&q, "1-1: skipped: IMEI 8660500");
	qrun_assert_says(&q, " is not on the imei= list of policy line 1: not upgraded");
	snprintf(text, sizeof(text), "warning: %s:2: the url= holds a user and password, and other users may read", deny);
	qrun_assert_says(&q, text);
	assert_null(strstr(q.run.err, "s3cret"));
	qrun_assert_says(&q, "open=2");
	snprintf(text, sizeof(text), "policy %s: writable by everyone, who could change what is flashed: chmod go-w",
		 open_pol);
	qrun_assert_says(&q, text);
	qrun_assert_says(&q, "allow=0");
	qrun_assert_says(&q, "1-1: upgraded EC200U " R15 " -> " R16);
	assert_int_equal(qrun_qfotadl_count(&q, "1-1"), 1); /* the allowed run alone */
	qrun_assert_released(&q, "1-1");
	qrun_clear(&q);
}

/* No rule for the model, or for its revision: reported, never guessed. */
static void test_unknown_model_and_revision(void **state)
{
	const char *dir = *state;
	char pol1[128], pol2[128], pkg[128], text[256], script[1024];
	struct qrun q;

	snprintf(pkg, sizeof(pkg), "%s/eg25.zip", dir);
	write_text(pkg, "not checked before a module needs it, but it must be readable");
	snprintf(pol1, sizeof(pol1), "%s/eg25-only.conf", dir);
	snprintf(text, sizeof(text), "model=EG25 from=EG25GGBR07A08M2G to=EG25GGBR07A09M2G upload=%s\n", pkg);
	write_text(pol1, text);
	snprintf(pol2, sizeof(pol2), "%s/other-rev.conf", dir);
	write_text(pol2, "model=EC200U from=EC200UCNAAR03A12M08 to=EC200UCNAAR03A13M08 url=http://h.example/x.pack\n");
	snprintf(script, sizeof(script),
		 "\"$QFOTA\" auto -p 1-1 --policy %s; echo \"model=$?\"; "
		 "\"$QFOTA\" station --all --policy %s; echo \"revision=$?\"", pol1, pol2);
	qrun_script(&q, dir, (const char *const[]){ "--count", "2", NULL }, script, RUN_MS);
	qrun_assert_says(&q, "model=1");
	qrun_assert_says(&q, "1-1: FAILED (exit 1) in connect: the policy has no rule for model EC200U (revision " R15);
	qrun_assert_says(&q, "revision=1");
	qrun_assert_says(&q, "1-2: FAILED (exit 1) in connect: the policy has no rule from revision " R15 " of EC200U");
	qrun_assert_says(&q, "station: 2 modules: 0 upgraded, 0 skipped, 2 failed (exit 1)");
	assert_int_equal(qrun_qfotadl_count(&q, "1-1"), 0);
	assert_int_equal(qrun_qfotadl_count(&q, "1-2"), 0);
	assert_revision(&q, "1-1", false);
	qrun_assert_released(&q, "1-1");
	qrun_assert_released(&q, "1-2");
	qrun_clear(&q);
}

/* Each kind of malformed policy: exit 2, FILE:LINE: reason, nothing sent. */
static void test_malformed_policies(void **state)
{
	const char *dir = *state;
	static const struct {
		const char *text;
		unsigned line;
		const char *reason;
	} cases[] = {
		{ "model=EC200U from=" R15 " to=" R16 " file=/srv/a.pack color=red\n", 1, "unknown key 'color'" },
		{ "# c\nmodel=EC200U from=" R15 " file=/srv/a.pack\n", 2, "to= is missing" },
		{ "model=EC200U from=" R15 " to=" R16 " url=ftp://u:pw@host/dir/a.pack\n", 1,
		  "url=ftp://***:***@host/dir/a.pack: " },
		{ "model=EC200U from=" R15 " to=EC200U$A16 file=/srv/a.pack\n", 1, "to=EC200U$A16: only letters, digits" },
		{ "model=EC200U from=" R15 " to=" R16 " url=http://h/a\n\nmodel=EC200U from=" R15 " to=X url=http://h/b\n",
		  3, "a second rule for EC200U from " R15 " (the first is on line 1)" },
		{ "\n\n\n\nmodel=EC200U from=" R15 " to=" R16 " file=/nonexistent/a.pack\n", 5, "cannot read package" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char pol[128], expect[256];
		struct qrun q;

		snprintf(pol, sizeof(pol), "%s/bad%zu.conf", dir, i);
		write_text(pol, cases[i].text);
		qrun(&q, dir, NULL,
		     (const char *const[]){ i % 2 ? "auto" : "station", i % 2 ? "--port" : "--all",
					    i % 2 ? "1-1" : "--policy", i % 2 ? "--policy" : pol, i % 2 ? pol : NULL,
					    NULL },
		     RUN_MS);
		qrun_assert_exit(&q, 2);
		snprintf(expect, sizeof(expect), "%s:%u: %s", pol, cases[i].line, cases[i].reason);
		qrun_assert_says(&q, expect);
		qrun_assert_says(&q, "Nothing was sent to any module");
		assert_null(strstr(q.run.err, "pw@"));
		qrun_assert_nothing_sent(&q, "1-1");
		qrun_clear(&q);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_station_32_with_four_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_station_8_fast_default_deadlines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_station_32_fast_default_deadlines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_station_ports_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_upgrades_then_skips, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_follows_what_a_run_left, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_policy_trust, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_model_and_revision, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_policies, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
