/* What a production line needs beyond "upgrade these modules" (issue 18),
 * with the real build/qfota against virtual modules:
 *  - pinned packages: --sha256 and a policy's sha256= checked before anything
 *    is sent (a mismatch: exit 2, no AT command), and over the bytes streamed;
 *  - multi-hop: A -> B -> C in one station or auto run, a loop refused;
 *  - retries of failures before the update began, one audit line each;
 *  - the plan (--plan): every module's verdict, nothing flashed, all released;
 *  - station metrics in the Prometheus text format;
 *  - continuous mode (--watch) with the runner playing the operator, and a
 *    module it lost mid-update followed when it is back, never started again. */
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
#define R15 "EC200UCNAAR03A15M08"
#define R16 "EC200UCNAAR03A16M08"
#define R17 "EC200UCNAAR03A17M08"
#define ZERO64 "0000000000000000000000000000000000000000000000000000000000000000"

#define setup qrun_setup_dir
#define teardown qrun_teardown_dir

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void assert_not_says(const struct qrun *q, const char *text)
{
	if (strstr(q->run.out, text) || strstr(q->run.err, text))
		qrun_fail(q, text);
}

/* --sha256: the right digest upgrades; a wrong one is bad input (exit 2) and
 * nothing reaches the module; a bad digest is refused the same way; a policy's
 * sha256= that does not match is refused when the policy is loaded. */
static void test_pinned_package(void **state)
{
	const char *dir = *state;
	char pkg[128], sum[65], pol[128], text[512];
	struct qrun q;

	snprintf(pkg, sizeof(pkg), "%s/ec200u.pack", dir);
	qrun_pack("ec200u", 200000, pkg, NULL);
	assert_int_equal(tu_sha256_file(pkg, sum), 0);

	qrun(&q, dir, NULL, (const char *const[]){ "upgrade", "--port", "1-1", "--sha256", sum, pkg, NULL }, RUN_MS);
	qrun_assert_exit(&q, 0);
	qrun_assert_released(&q, "1-1");
	qrun_clear(&q);

	qrun(&q, dir, NULL, (const char *const[]){ "upgrade", "--port", "1-1", "--sha256", ZERO64, pkg, NULL }, RUN_MS);
	qrun_assert_exit(&q, 2);
	qrun_assert_says(&q, "not the pinned " ZERO64);
	qrun_assert_nothing_sent(&q, "1-1");
	qrun_clear(&q);

	qrun(&q, dir, NULL, (const char *const[]){ "upgrade", "--port", "1-1", "--sha256", "abc", pkg, NULL }, RUN_MS);
	qrun_assert_exit(&q, 2);
	qrun_assert_says(&q, "--sha256 wants 64 hex digits");
	qrun_assert_nothing_sent(&q, "1-1");
	qrun_clear(&q);

	/* the station: one package for all, pinned wrong: nothing sent to either */
	qrun(&q, dir, (const char *const[]){ "--count", "2", NULL },
	     (const char *const[]){ "station", "--all", "--sha256", ZERO64, pkg, NULL }, RUN_MS);
	qrun_assert_exit(&q, 2);
	qrun_assert_nothing_sent(&q, "1-1");
	qrun_assert_nothing_sent(&q, "1-2");
	qrun_clear(&q);

	/* a policy: the wrong digest on line 2 is refused at load (FILE:LINE) */
	snprintf(pol, sizeof(pol), "%s/policy.conf", dir);
	snprintf(text, sizeof(text), "# pinned\nmodel=EC200U from=" R15 " to=" R16 " file=%s sha256=%s\n", pkg, ZERO64);
	write_text(pol, text);
	qrun(&q, dir, NULL, (const char *const[]){ "auto", "--port", "1-1", "--policy", pol, NULL }, RUN_MS);
	qrun_assert_exit(&q, 2);
	qrun_assert_says(&q, ":2: package ");
	qrun_assert_says(&q, "not the pinned");
	qrun_assert_nothing_sent(&q, "1-1");
	qrun_clear(&q);

	/* ... and the right one upgrades */
	snprintf(text, sizeof(text), "model=EC200U from=" R15 " to=" R16 " file=%s sha256=%s\n", pkg, sum);
	write_text(pol, text);
	qrun(&q, dir, NULL, (const char *const[]){ "auto", "--port", "1-1", "--policy", pol, NULL }, RUN_MS);
	qrun_assert_exit(&q, 0);
	qrun_assert_says(&q, "upgraded EC200U " R15 " -> " R16);
	qrun_clear(&q);
}

/* A pinned package written to while it streams: caught (size/mtime as before,
 * and the SHA-256 of what was sent before the last bytes go), exit 5, the
 * module never gets the whole file. */
static void test_pinned_package_changed_while_streamed(void **state)
{
	const char *dir = *state;
	char pkg[128], sum[65], qf[256], script[2048], *bytes;
	struct qrun q;

	snprintf(pkg, sizeof(pkg), "%s/big.pack", dir);
	qrun_pack("ec200u", 3000000, pkg, NULL);
	assert_int_equal(tu_sha256_file(pkg, sum), 0);
	snprintf(script, sizeof(script),
		 "%s upgrade --port 1-1 --sha256 %s %s >%s/out 2>%s/err & p=$!; n=0; "
		 "until grep -q 'KiB of' %s/err; do n=$((n+1)); if [ $n -gt 1200 ]; then echo never-started; break; fi; "
		 "sleep 0.05; done; printf XYZ | dd of=%s bs=1 seek=2000000 conv=notrunc 2>/dev/null; "
		 "wait $p; echo exit=$?; cat %s/out %s/err",
		 tu_build_path("qfota", qf, sizeof(qf)), sum, pkg, dir, dir, dir, pkg, dir, dir);
	qrun_script(&q, dir, (const char *const[]){ "--pace", "demo", NULL }, script, RUN_MS);
	if (strstr(q.run.out, "never-started"))
		qrun_fail(&q, "the stream never started");
	qrun_assert_says(&q, "exit=5\n");
	qrun_assert_says(&q, "the module never got the whole file");
	bytes = tu_record_get(q.record, "1-1", "package_bytes", true);
	assert_non_null(bytes);
	if (strtoull(bytes, NULL, 10) >= 3000000)
		qrun_fail(&q, "the module got the whole changed package");
	free(bytes);
	qrun_assert_released(&q, "1-1");
	qrun_clear(&q);
}

static void assert_qfotadl_count(const struct qrun *q, const char *port, size_t want)
{
	char why[128];

	if (qrun_qfotadl_count(q, port) != want) {
		snprintf(why, sizeof(why), "%s: AT+QFOTADL sent %zu times, expected %zu", port, qrun_qfotadl_count(q, port), want);
		qrun_fail(q, why);
	}
}

static size_t file_lines(const char *path, const char *needle)
{
	char *text = tu_read_file(path);
	size_t n = 0;

	if (!text)
		return 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
		n += !needle || strstr(line, needle) != NULL;
	free(text);
	return n;
}

/* A15 -> A16 -> A17 in one station run, each hop verified; a second run
 * finds them at the chain's end; auto does the same; a loop is refused. */
static void test_multi_hop(void **state)
{
	const char *dir = *state;
	char p1[128], p2[128], pol[128], text[1024], audit[128];
	struct qrun q;

	snprintf(p1, sizeof(p1), "%s/a15-a16.pack", dir);
	snprintf(p2, sizeof(p2), "%s/a16-a17.pack", dir);
	qrun_pack("ec200u", 150000, p1, (const char *const[]){ "--from", R15, "--to", R16, NULL });
	qrun_pack("ec200u", 150000, p2, (const char *const[]){ "--from", R16, "--to", R17, NULL });
	snprintf(pol, sizeof(pol), "%s/policy.conf", dir);
	snprintf(audit, sizeof(audit), "%s/audit", dir);
	/* the second hop first: the chain does not depend on the order of lines */
	snprintf(text, sizeof(text), "model=EC200U from=" R16 " to=" R17 " file=%s\nmodel=EC200U from=" R15 " to=" R16
		 " file=%s\n", p2, p1);
	write_text(pol, text);
	qrun(&q, dir, (const char *const[]){ "--count", "2", NULL },
	     (const char *const[]){ "station", "--all", "--policy", pol, "--log", audit, NULL }, RUN_MS);
	qrun_assert_exit(&q, 0);
	qrun_assert_says(&q, "1-1: upgraded EC200U " R15 " -> " R17);
	qrun_assert_says(&q, "station: 2 modules: 2 upgraded, 0 skipped, 0 failed");
	for (int i = 1; i <= 2; i++) {
		char port[16], *rev;

		snprintf(port, sizeof(port), "1-%d", i);
		rev = tu_record_get(q.record, port, "revision", true);
		assert_non_null(rev);
		assert_string_equal(rev, R17);
		free(rev);
		assert_qfotadl_count(&q, port, 2);
		qrun_assert_released(&q, port);
	}
	assert_int_equal(file_lines(audit, NULL), 4); /* one line per hop */
	assert_int_equal(file_lines(audit, "\"from\":\"" R16 "\",\"to\":\"" R17 "\""), 2);
	qrun_clear(&q);

	/* auto: the same chain on the plug-in path */
	qrun(&q, dir, NULL, (const char *const[]){ "auto", "--port", "1-1", "--policy", pol, "--json", NULL }, RUN_MS);
	qrun_assert_exit(&q, 0);
	qrun_assert_says(&q, "upgraded from " R15 " to " R17 " in 2 hops (" R15 " -> " R16 " -> " R17 ")");
	qrun_clear(&q);

	/* a loop: refused when loaded, nothing sent */
	snprintf(text, sizeof(text), "model=EC200U from=" R15 " to=" R16 " file=%s\nmodel=EC200U from=" R16 " to=" R15
		 " file=%s\n", p1, p2);
	write_text(pol, text);
	qrun(&q, dir, NULL, (const char *const[]){ "station", "--all", "--policy", pol, NULL }, RUN_MS);
	qrun_assert_exit(&q, 2);
	qrun_assert_says(&q, "policy.conf:1: the rules of EC200U lead back to " R15);
	qrun_assert_nothing_sent(&q, "1-1");
	qrun_clear(&q);
}

/* --retries: a failure before the update began (547 at FILEEND: exit 5) is
 * tried again, each attempt with its own audit line; one after the update
 * began (505 at END: exit 6) never is. Station and auto default to 1 retry,
 * upgrade to none. */
static void test_retries(void **state)
{
	const char *dir = *state;
	char pkg[128], audit[128];
	struct qrun q;

	snprintf(pkg, sizeof(pkg), "%s/ec200u.pack", dir);
	snprintf(audit, sizeof(audit), "%s/audit", dir);
	qrun_pack("ec200u", 100000, pkg, NULL);
	qrun(&q, dir, (const char *const[]){ "--fault", "code:547", NULL },
	     (const char *const[]){ "upgrade", "--port", "1-1", "--retries", "2", "--log", audit, pkg, NULL }, RUN_MS);
	qrun_assert_exit(&q, 5);
	qrun_assert_says(&q, "retry 1 of 2 in 3 s");
	qrun_assert_says(&q, "retry 2 of 2 in 3 s");
	assert_qfotadl_count(&q, "1-1", 3);
	assert_int_equal(file_lines(audit, "\"code\":547"), 3);
	qrun_assert_released(&q, "1-1");
	qrun_clear(&q);

	qrun(&q, dir, (const char *const[]){ "--fault", "code:547", NULL },
	     (const char *const[]){ "upgrade", "--port", "1-1", pkg, NULL }, RUN_MS);
	qrun_assert_exit(&q, 5);
	assert_qfotadl_count(&q, "1-1", 1); /* upgrade: no retry unless asked */
	assert_not_says(&q, "retry 1 of");
	qrun_clear(&q);

	remove(audit);
	qrun(&q, dir, (const char *const[]){ "--count", "2", "--fault", "1=code:547", "--fault", "2=code:505", NULL },
	     (const char *const[]){ "station", "--all", "--log", audit, pkg, NULL }, RUN_MS);
	qrun_assert_exit(&q, 6);
	qrun_assert_says(&q, "1-1: warning: failed before the update began (exit 5): retry 1 of 1");
	assert_qfotadl_count(&q, "1-1", 2);
	assert_qfotadl_count(&q, "1-2", 1); /* the update had begun: never again */
	assert_int_equal(file_lines(audit, "\"port\":\"1-1\""), 2);
	assert_int_equal(file_lines(audit, "\"port\":\"1-2\""), 1);
	qrun_assert_released(&q, "1-1");
	qrun_assert_released(&q, "1-2");
	qrun_clear(&q);
}

static void assert_nothing_flashed(const struct qrun *q, const char *port)
{
	char key[64];

	snprintf(key, sizeof(key), "%s cmd AT+QFOTADL", port);
	if (strstr(q->record, key))
		qrun_fail(q, key);
	snprintf(key, sizeof(key), "%s cmd AT+QFUPL", port);
	if (strstr(q->record, key))
		qrun_fail(q, key);
	qrun_assert_released(q, port);
}

/* --plan: each module's verdict (a chain of two hops, busy, and with another
 * policy no rule; an upload larger than the module's UFS does not fit), the
 * package's size and SHA-256, the module's free space; nothing flashed, every
 * module released. */
static void test_plan(void **state)
{
	const char *dir = *state;
	char p1[128], p2[128], big[128], pol[128], pol2[128], text[1024], script[2048], sum[65], want[512];
	struct qrun q;

	snprintf(p1, sizeof(p1), "%s/a15-a16.pack", dir);
	snprintf(p2, sizeof(p2), "%s/a16-a17.pack", dir);
	qrun_pack("ec200u", 150000, p1, (const char *const[]){ "--from", R15, "--to", R16, NULL });
	qrun_pack("ec200u", 150000, p2, (const char *const[]){ "--from", R16, "--to", R17, NULL });
	assert_int_equal(tu_sha256_file(p1, sum), 0);
	snprintf(pol, sizeof(pol), "%s/policy.conf", dir);
	snprintf(text, sizeof(text), "model=EC200U from=" R15 " to=" R16 " file=%s\nmodel=EC200U from=" R16 " to=" R17
		 " file=%s\n", p1, p2);
	write_text(pol, text);
	snprintf(pol2, sizeof(pol2), "%s/eg25.conf", dir);
	snprintf(text, sizeof(text), "model=EG25 from=EG25GGBR07A08M2G to=EG25GGBR07A09M2G upload=%s\n", p1);
	write_text(pol2, text);
	/* 1-2 held by someone else's lock while the plan runs */
	snprintf(script, sizeof(script),
		 "L=%s/locks; mkdir -m 700 -p $L; export QFOTA_LOCK_DIR=$L; : >$L/1-2.lock; "
		 "flock -n $L/1-2.lock sleep 30 & h=$!; sleep 0.3; "
		 "\"$QFOTA\" station --all --plan --policy %s; echo \"plan=$?\"; "
		 "\"$QFOTA\" station --all --plan --json --policy %s; echo \"json=$?\"; kill $h; wait; "
		 "\"$QFOTA\" station -p 1-1 --plan --policy %s; echo \"norule=$?\"",
		 dir, pol, pol, pol2);
	qrun_script(&q, dir, (const char *const[]){ "--count", "3", NULL }, script, RUN_MS);
	qrun_assert_says(&q, "PORT ");
	snprintf(want, sizeof(want), "line 1   %s 150000 %s 67108864  upgrade, 2 hops to " R17, p1, sum);
	qrun_assert_says(&q, want);
	qrun_assert_says(&q, "1-2          -");
	qrun_assert_says(&q, "busy");
	qrun_assert_says(&q, "plan=1\n");
	qrun_assert_says(&q, "{\"event\":\"plan\",\"port\":\"1-3\",\"model\":\"EC200U\",\"revision\":\"" R15 "\"");
	qrun_assert_says(&q, "\"verdict\":\"upgrade\",\"hops\":2,\"target\":\"" R17 "\",\"rule_line\":1");
	qrun_assert_says(&q, "\"verdict\":\"busy\"");
	qrun_assert_says(&q, "json=1\n");
	qrun_assert_says(&q, "no rule: unknown model");
	qrun_assert_says(&q, "norule=1\n");
	for (int i = 1; i <= 3; i++) {
		char port[16];

		snprintf(port, sizeof(port), "1-%d", i);
		assert_nothing_flashed(&q, port);
	}
	qrun_clear(&q);

	/* an upload larger than the module's UFS (64 MiB free): does not fit; exit 0 once it would */
	snprintf(big, sizeof(big), "%s/big.zip", dir);
	qrun_pack("eg25", 70000000, big, NULL);
	qrun(&q, dir, (const char *const[]){ "--profile", "eg25", NULL },
	     (const char *const[]){ "station", "--all", "--plan", "--upload", big, NULL }, RUN_MS);
	qrun_assert_exit(&q, 1);
	qrun_assert_says(&q, "does not fit, 70000000 bytes > 67108864 free");
	assert_nothing_flashed(&q, "1-1");
	qrun_clear(&q);
	qrun(&q, dir, NULL, (const char *const[]){ "station", "--all", "--plan", p1, NULL }, RUN_MS);
	qrun_assert_exit(&q, 0);
	qrun_assert_says(&q, "upgrade, 1 hop to a new revision");
	assert_nothing_flashed(&q, "1-1");
	qrun_clear(&q);
}

/* --metrics: the Prometheus text file of the run, written whole (no
 * temporary file left). */
static void test_metrics(void **state)
{
	const char *dir = *state;
	char pkg[128], prom[128], *text;
	struct qrun q;

	snprintf(pkg, sizeof(pkg), "%s/ec200u.pack", dir);
	snprintf(prom, sizeof(prom), "%s/qfota.prom", dir);
	qrun_pack("ec200u", 100000, pkg, NULL);
	qrun(&q, dir, (const char *const[]){ "--count", "3", "--fault", "2=code:505", NULL },
	     (const char *const[]){ "station", "--all", "--metrics", prom, pkg, NULL }, RUN_MS);
	qrun_assert_exit(&q, 6);
	text = tu_read_file(prom);
	assert_non_null(text);
	if (!strstr(text, "qfota_station_results_total{model=\"EC200U\",outcome=\"upgraded\"} 2\n") ||
	    !strstr(text, "qfota_station_results_total{model=\"EC200U\",outcome=\"failed\"} 1\n") ||
	    !strstr(text, "qfota_station_upgrade_duration_seconds_count{model=\"EC200U\"} 2\n") ||
	    !strstr(text, "qfota_station_upgrade_duration_seconds_bucket{model=\"EC200U\",le=\"+Inf\"} 2\n"))
		fail_msg("metrics:\n%s", text);
	free(text);
	{
		char *ls = NULL;
		size_t n = 0;
		FILE *f;
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "ls %s", dir);
		f = popen(cmd, "r");
		assert_non_null(f);
		while (getline(&ls, &n, f) > 0)
			if (strstr(ls, ".tmp."))
				fail_msg("a temporary file is left: %s", ls);
		free(ls);
		pclose(f);
	}
	qrun_clear(&q);
}

static size_t count_of(const char *text, const char *needle)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* The value of "key":"..." in the line at p, copied to buf. */
static void json_field(const char *p, const char *key, char *buf, size_t cap)
{
	char k[32];
	const char *end = strchr(p, '\n'), *v;

	snprintf(k, sizeof(k), "\"%s\":\"", key);
	v = strstr(p, k);
	buf[0] = '\0';
	if (!v || (end && v > end))
		return;
	v += strlen(k);
	snprintf(buf, cap, "%.*s", (int)(strcspn(v, "\"")), v);
}

/* Continuous mode: the runner plays the operator (a finished module out, a
 * new one with a new IMEI and the old revision in); qfota station --watch
 * upgrades each generation once, on each port, until SIGINT, which ends it
 * with exit 0 (every result ok) and every module released. RESULTS results
 * are awaited in the script (at most 120 s), then SIGINT. */
static void watch_run(struct qrun *q, const char *dir, const char *ports, const char *gens, unsigned results,
		      const char *extra)
{
	char qf[256], script[2048];

	snprintf(script, sizeof(script),
		 "%s station --watch %s %s >%s/out 2>%s/err & p=$!; n=0; "
		 "until [ $(grep -c '%s' %s/out) -ge %u ]; do n=$((n+1)); if [ $n -gt 1200 ]; then echo not-all-done; "
		 "break; fi; sleep 0.1; done; sleep 0.5; kill -INT $p; wait $p; echo exit=$?; cat %s/out %s/err",
		 tu_build_path("qfota", qf, sizeof(qf)), ports, extra, dir, dir,
		 strstr(extra, "--json") ? "\"event\":\"result\"" : ": upgraded ", dir, results, dir, dir);
	qrun_script(q, dir, (const char *const[]){ "--count", "2", "--operator", gens, NULL }, script, RUN_MS);
	if (strstr(q->run.out, "not-all-done"))
		qrun_fail(q, "not every generation was upgraded");
	qrun_assert_says(q, "exit=0\n");
	if (strstr(q->record, " claimed 1\n"))
		qrun_fail(q, "a module is still claimed");
	qrun_assert_released(q, "1-1");
	qrun_assert_released(q, "1-2");
}

static void test_watch(void **state)
{
	const char *dir = *state;
	char pkg[128], pol[128], text[512], extra[300], imeis[6][32];
	const char *p;
	size_t k = 0;
	struct qrun q;

	snprintf(pkg, sizeof(pkg), "%s/ec200u.pack", dir);
	qrun_pack("ec200u", 100000, pkg, NULL);
	snprintf(pol, sizeof(pol), "%s/policy.conf", dir);
	snprintf(text, sizeof(text), "model=EC200U from=" R15 " to=" R16 " file=%s\n", pkg);
	write_text(pol, text);

	/* JSON, two ports, three generations: six results, six IMEIs, each once */
	snprintf(extra, sizeof(extra), "--policy %s --json --metrics %s/m.prom", pol, dir);
	watch_run(&q, dir, "-p 1-1 -p 1-2", "300:3", 6, extra);
	assert_int_equal(count_of(q.run.out, "\"event\":\"result\""), 6);
	assert_int_equal(count_of(q.run.out, "\"port\":\"1-1\",\"phase\":\"done\""), 3);
	assert_int_equal(count_of(q.run.out, "\"port\":\"1-2\",\"phase\":\"done\""), 3);
	assert_int_equal(count_of(q.run.out, "\"from\":\"" R15 "\",\"to\":\"" R16 "\",\"ok\":true"), 6);
	qrun_assert_says(&q, "{\"event\":\"summary\",\"modules\":6,\"upgraded\":6,\"skipped\":0,\"failed\":0,");
	assert_int_equal(count_of(q.record, " imei "), 6);
	for (p = q.run.out; (p = strstr(p, "\"event\":\"result\"")); p++) {
		assert_true(k < 6);
		json_field(p, "imei", imeis[k], sizeof(imeis[k]));
		assert_int_equal(strlen(imeis[k]), 15);
		for (size_t j = 0; j < k; j++)
			if (strcmp(imeis[j], imeis[k]) == 0)
				qrun_fail(&q, "one IMEI upgraded twice");
		k++;
	}
	{
		char path[160], *m;

		snprintf(path, sizeof(path), "%s/m.prom", dir);
		m = tu_read_file(path);
		assert_non_null(m);
		if (!strstr(m, "qfota_station_results_total{model=\"EC200U\",outcome=\"upgraded\"} 6\n"))
			fail_msg("metrics:\n%s", m);
		free(m);
	}
	qrun_clear(&q);

	/* plain lines, --all: each port's modules as they come, two generations */
	snprintf(extra, sizeof(extra), "--policy %s", pol);
	watch_run(&q, dir, "--all", "200:2", 4, extra);
	assert_int_equal(count_of(q.run.out, "1-1: upgraded EC200U " R15 " -> " R16), 2);
	assert_int_equal(count_of(q.run.out, "1-2: upgraded EC200U " R15 " -> " R16), 2);
	qrun_assert_says(&q, "station: 4 modules: 4 upgraded, 0 skipped, 0 failed (exit 0)");
	assert_not_says(&q, "skipped:");
	qrun_clear(&q);
}

/* Continuous mode meets the module it gave up on: the EG25's reboot into its
 * updater takes 3 s (slow-reboot), longer than --timeout-reboot 1 (the
 * deadline is what this test is about), so the first worker fails with exit 7
 * while the module goes on updating. When it is back, the station must not
 * start it again (before: a new worker uploaded and sent AT+QFOTADL to the
 * updating module on each return, 9 times in 40 s, and it ended at END,510),
 * but follow it to its verdict: one AT+QFOTADL in all, the module upgraded. */
static void test_watch_module_left_mid_update(void **state)
{
	const char *dir = *state;
	char pkg[128], qf[256], script[2048], *rev;
	struct qrun q;

	snprintf(pkg, sizeof(pkg), "%s/eg25.zip", dir);
	qrun_pack("eg25", 60000, pkg, NULL);
	snprintf(script, sizeof(script),
		 "%s station --watch -p 1-1 --timeout-reboot 1 --upload %s >%s/out 2>%s/err & p=$!; n=0; "
		 "until grep -q ': upgraded ' %s/out; do n=$((n+1)); if [ $n -gt 600 ]; then echo not-upgraded; "
		 "break; fi; sleep 0.1; done; sleep 1; kill -INT $p; wait $p; echo exit=$?; cat %s/out %s/err",
		 tu_build_path("qfota", qf, sizeof(qf)), pkg, dir, dir, dir, dir, dir);
	qrun_script(&q, dir, (const char *const[]){ "--profile", "eg25", "--fault", "slow-reboot:3000", NULL }, script,
		    RUN_MS);
	if (strstr(q.run.out, "not-upgraded"))
		qrun_fail(&q, "the module was not followed to its upgrade");
	qrun_assert_says(&q, "1-1: FAILED (exit 7) in reboot");
	qrun_assert_says(&q, "was left mid-upgrade here (exit 7) and may still be updating");
	qrun_assert_says(&q, "1-1: upgraded EG25 EG25GGBR07A08M2G -> ");
	if (qrun_qfotadl_count(&q, "1-1") != 1)
		qrun_fail(&q, "AT+QFOTADL was sent again to a module that was updating");
	if (count_of(q.record, "1-1 cmd AT+QFUPL=") != 1)
		qrun_fail(&q, "the package was uploaded again");
	rev = tu_record_get(q.record, "1-1", "fota_end_code", true);
	assert_string_equal(rev, "0");
	free(rev);
	qrun_assert_released(&q, "1-1");
	qrun_clear(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pinned_package, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pinned_package_changed_while_streamed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multi_hop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_module_left_mid_update, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
