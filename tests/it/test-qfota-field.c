/* Field realism (issue 15): the real build/qfota against virtual modules that
 * do what real ones do where the seeds' examples are generous: silent while
 * they boot, strict about the DFOTA syntax, a file system path that varies,
 * reboots that do not wait for the host to read, ... Each behaviour is a fault
 * switch of the virtual module (tests/vmodule/README.md); `--fault field` turns
 * them all on. qfota copes without being told. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/qfota-run.h"
#include "common/testutil.h"

#define RUN_MS 240000
#define URL_HTTP "http://fota.example.com/pkg.pack"

#define setup qrun_setup_dir_packages

#define teardown qrun_teardown_dir

enum mode { M_FILE, M_HTTP, M_UPLOAD };

struct field_case {
	const char *profile;
	enum mode mode;
	const char *vm_extra[12];   /* more vmodule options (NULL-terminated) */
	const char *qf_extra[8];    /* more qfota options */
	bool debug;                 /* qfota -vv (AT traffic on stderr) */
};

static bool record_has(const struct qrun *q, const char *text)
{
	return q->record && strstr(q->record, text);
}

static size_t record_count(const struct qrun *q, const char *text)
{
	size_t n = 0;

	for (const char *p = q->record ? strstr(q->record, text) : NULL; p; p = strstr(p + 1, text))
		n++;
	return n;
}

static void run_case(struct qrun *q, const char *dir, const struct field_case *fc)
{
	char pkg[128], map[256];
	const char *vm[24], *qf[24];
	size_t nv = 0, nq = 0;

	snprintf(pkg, sizeof(pkg), "%s/%s", dir,
		 strcmp(fc->profile, "ec200u") == 0 ? "ec200u.pack" : strcmp(fc->profile, "eg25") == 0 ? "eg25.zip"
												     : "ep06.zip");
	vm[nv++] = "--profile";
	vm[nv++] = fc->profile;
	for (size_t i = 0; fc->vm_extra[i]; i++)
		vm[nv++] = fc->vm_extra[i];
	if (fc->mode == M_HTTP) {
		snprintf(map, sizeof(map), "%s=%s", URL_HTTP, pkg);
		vm[nv++] = "--url";
		vm[nv++] = map;
	}
	vm[nv] = NULL;
	if (fc->debug)
		qf[nq++] = "-vv";
	qf[nq++] = "upgrade";
	qf[nq++] = "--port";
	qf[nq++] = "1-1";
	for (size_t i = 0; fc->qf_extra[i]; i++)
		qf[nq++] = fc->qf_extra[i];
	switch (fc->mode) {
	case M_FILE: qf[nq++] = pkg; break;
	case M_HTTP: qf[nq++] = "--url"; qf[nq++] = URL_HTTP; break;
	case M_UPLOAD: qf[nq++] = "--upload"; qf[nq++] = pkg; break;
	}
	qf[nq] = NULL;
	qrun(q, dir, vm, qf, RUN_MS);
}

/* exit 0, "upgraded", the new revision on the module, released. */
static void assert_upgraded(const struct qrun *q)
{
	char *rev0 = tu_record_get(q->record, "1-1", "revision_before", false);
	char *rev1 = tu_record_get(q->record, "1-1", "revision", true);

	if (q->run.status != 0 || !strstr(q->run.out, "upgraded"))
		qrun_fail(q, "not upgraded");
	assert_non_null(rev0);
	assert_non_null(rev1);
	assert_string_not_equal(rev0, rev1);
	qrun_assert_released(q, "1-1");
	free(rev0);
	free(rev1);
}

/* ---------------------------------------------------------------------------
 * Boot readiness: after every enumeration the AT port takes bytes and answers
 * nothing for a while, then RDY and the boot URCs. qfota probes until it
 * answers (--timeout-ready) and never takes a boot URC for an answer. */
static void test_boot_silence(void **state)
{
	static const struct field_case cases[] = {
		{ "ec200u", M_FILE, { "--fault", "boot-silent:3000", NULL }, { NULL } },
		{ "eg25", M_UPLOAD, { "--fault", "boot-silent:3000", NULL }, { NULL } },
		{ "ep06", M_UPLOAD, { "--fault", "boot-silent:3000", NULL }, { NULL } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct qrun q;
		char *dropped;

		print_message("boot silence: %s\n", cases[i].profile);
		run_case(&q, *state, &cases[i]);
		assert_upgraded(&q);
		/* it did probe while the module was still booting */
		dropped = tu_record_get(q.record, "1-1", "dropped_booting", true);
		assert_non_null(dropped);
		if (atoi(dropped) == 0)
			qrun_fail(&q, "qfota never spoke to the booting module: the case tests nothing");
		free(dropped);
		qrun_clear(&q);
	}
}

/* A module that never finishes booting: the named deadline, not a hang. */
static void test_boot_never_ready(void **state)
{
	struct qrun q;

	run_case(&q, *state,
		 &(struct field_case){ "ec200u", M_FILE, { "--fault", "boot-silent:600000", NULL },
				       { "--timeout-ready", "2", NULL } });
	qrun_assert_exit(&q, 9);
	qrun_assert_says(&q, "--timeout-ready");
	qrun_assert_released(&q, "1-1");
	qrun_clear(&q);
}

/* ---------------------------------------------------------------------------
 * The seed's syntax per family: an EP06/EG06/EM06-class module takes
 * AT+QFOTADL="<URL>" / ="<file_name>" alone and answers ERROR to more. */
static void test_strict_dfota_syntax(void **state)
{
	static const struct field_case cases[] = {
		{ "eg25", M_HTTP, { "--fault", "strict-syntax", NULL }, { NULL } },
		{ "ep06", M_HTTP, { "--fault", "strict-syntax", NULL }, { NULL } },
		{ "eg25", M_UPLOAD, { "--fault", "strict-syntax", NULL }, { NULL } },
		/* the EC200U note's forms still carry its parameters */
		{ "ec200u", M_HTTP, { "--fault", "strict-syntax", NULL }, { NULL } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct qrun q;

		print_message("strict syntax: %s %s\n", cases[i].profile, cases[i].mode == M_HTTP ? "URL" : "upload");
		run_case(&q, *state, &cases[i]);
		assert_upgraded(&q);
		if (cases[i].mode == M_HTTP && strcmp(cases[i].profile, "ec200u") != 0 &&
		    !record_has(&q, "1-1 cmd AT+QFOTADL=\"" URL_HTTP "\"\n"))
			qrun_fail(&q, "not the bare AT+QFOTADL=\"<URL>\" of the DFOTA guide");
		if (strcmp(cases[i].profile, "ec200u") == 0 && !record_has(&q, "1-1 cmd AT+QFOTADL=\"" URL_HTTP "\",1,"))
			qrun_fail(&q, "the EC200U form lost its parameters");
		qrun_clear(&q);
	}
}

/* A DFOTA module has no <upgrade_mode>: asked for 0, qfota says it cannot. */
static void test_dfota_has_no_upgrade_mode(void **state)
{
	struct qrun q;

	run_case(&q, *state, &(struct field_case){ "eg25", M_HTTP, { "--fault", "strict-syntax", NULL },
						   { "--upgrade-mode", "0", NULL } });
	qrun_assert_exit(&q, 3);
	qrun_assert_says(&q, "<upgrade_mode>");
	if (record_has(&q, "cmd AT+QFOTADL"))
		qrun_fail(&q, "AT+QFOTADL sent anyway");
	qrun_assert_released(&q, "1-1");
	qrun_clear(&q);
}

/* ---------------------------------------------------------------------------
 * The module's file system path varies by firmware (/data/ufs, /cache/ufs,
 * facts §3.5); AT+QFOTADL on the wrong one is a plain ERROR. */
static void test_ufs_path(void **state)
{
	struct qrun q;

	/* found by itself: /data/ufs refused, /cache/ufs taken */
	run_case(&q, *state, &(struct field_case){ "eg25", M_UPLOAD, { "--fault", "cache-ufs", NULL }, { NULL } });
	assert_upgraded(&q);
	qrun_assert_says(&q, "under /cache/ufs");
	if (!record_has(&q, "1-1 cmd AT+QFOTADL=\"/cache/ufs/dfota_update.bin\"\n"))
		qrun_fail(&q, "never asked for /cache/ufs");
	qrun_clear(&q);

	/* forced: one AT+QFOTADL, on that path */
	run_case(&q, *state, &(struct field_case){ "ep06", M_UPLOAD, { "--ufs-path", "/usrdata/cache/ufs", NULL },
						   { "--ufs-path", "/usrdata/cache/ufs", NULL } });
	assert_upgraded(&q);
	assert_int_equal(record_count(&q, "1-1 cmd AT+QFOTADL="), 1);
	qrun_clear(&q);

	/* neither default: refused, with what to do */
	run_case(&q, *state, &(struct field_case){ "eg25", M_UPLOAD, { "--ufs-path", "/usrdata/cache/ufs", NULL },
						   { NULL } });
	qrun_assert_exit(&q, 5);
	qrun_assert_says(&q, "--ufs-path");
	qrun_assert_released(&q, "1-1");
	qrun_clear(&q);

	/* a path that could end the command: bad input, nothing sent */
	run_case(&q, *state, &(struct field_case){ "eg25", M_UPLOAD, { NULL }, { "--ufs-path", "/data/\"x", NULL } });
	qrun_assert_exit(&q, 2);
	qrun_assert_nothing_sent(&q, "1-1");
	qrun_clear(&q);
}

/* ---------------------------------------------------------------------------
 * No drain before a reboot: the module reboots 20 ms after queuing END (and a
 * local-file DFOTA's OK), read or not, and what it prints before the host has
 * reclaimed the port (START) is lost. With END lost, qfota judges by what the
 * module runs after the reboot, at once: not after the 120 s report gap. */
static void test_no_drain(void **state)
{
	static const struct field_case cases[] = {
		{ "ec200u", M_FILE, { "--fault", "no-drain", NULL }, { NULL } },
		{ "eg25", M_UPLOAD, { "--fault", "no-drain", NULL }, { NULL } },
		{ "eg25", M_HTTP, { "--fault", "no-drain", NULL }, { NULL } },
		{ "ep06", M_UPLOAD, { "--fault", "no-drain", NULL }, { NULL } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct qrun q;

		print_message("no drain: %s %d\n", cases[i].profile, (int)cases[i].mode);
		run_case(&q, *state, &cases[i]);
		assert_upgraded(&q);
		qrun_clear(&q);
	}
}

static void test_lost_end_verdict(void **state)
{
	static const struct field_case cases[] = {
		{ "ec200u", M_FILE, { "--fault", "no-drain", "--fault", "reboot-no-end", NULL }, { NULL } },
		{ "eg25", M_UPLOAD, { "--fault", "no-drain", "--fault", "reboot-no-end", NULL }, { NULL } },
		{ "ep06", M_HTTP, { "--fault", "no-drain", "--fault", "reboot-no-end", NULL }, { NULL } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct qrun q;
		uint64_t t0 = tu_now_ns() / 1000000;

		print_message("lost END: %s %d\n", cases[i].profile, (int)cases[i].mode);
		run_case(&q, *state, &cases[i]);
		assert_upgraded(&q);
		qrun_assert_says(&q, "END not seen; the module now runs");
		/* the default 120 s report gap never ran out: the verdict came at once */
		if (tu_now_ns() / 1000000 - t0 > 60000)
			qrun_fail(&q, "the verdict waited for a deadline");
		qrun_clear(&q);
	}
}

/* ---------------------------------------------------------------------------
 * QFUPL's ACK mode as the module's flow control: after each 1024 bytes an 'A',
 * and no more data until the host has read it (strict), or what arrives past
 * it is lost (lossy). qfota reads while it writes, checks the module's size
 * and checksum, and sends a damaged file again stop-and-wait. */
static void test_ack_window(void **state)
{
	struct qrun q;
	char *v;

	run_case(&q, *state, &(struct field_case){ "eg25", M_UPLOAD, { "--fault", "ack-strict", NULL }, { NULL } });
	assert_upgraded(&q);
	v = tu_record_get(q.record, "1-1", "ack_naks", true);
	assert_non_null(v);
	if (atoi(v) == 0)
		qrun_fail(&q, "the window never closed: the case tests nothing");
	free(v);
	qrun_clear(&q);

	run_case(&q, *state, &(struct field_case){ "ep06", M_UPLOAD, { "--fault", "ack-lossy", NULL }, { NULL } });
	assert_upgraded(&q);
	qrun_assert_says(&q, "sending it again, 1 KiB per 'A'");
	v = tu_record_get(q.record, "1-1", "lost_ack_window", true);
	assert_non_null(v);
	if (atoi(v) == 0)
		qrun_fail(&q, "nothing was lost: the case tests nothing");
	free(v);
	if (record_count(&q, "1-1 cmd AT+QFDEL=\"dfota_update.bin\"") != 1)
		qrun_fail(&q, "the damaged file was not deleted once");
	qrun_clear(&q);
}

/* ---------------------------------------------------------------------------
 * URC forms real modules print: both spacings in one sequence (EC200U note
 * HTTP example), UPDATING,0 first (EG18), the official figure's 8,16,...,91
 * with no 100, RESTORE,<n> before END (BG96), and between them a console's
 * control bytes and terminal escapes. qfota follows to END,0 and prints none
 * of those bytes, even at debug level (-vv: the AT traffic). */
static bool has_control_bytes(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f || (*p >= 0x80 && *p < 0xa0 && (p == (const unsigned char *)s || p[-1] != 0xc2)))
			return true;
	return false;
}

static void test_urc_forms(void **state)
{
	static const struct field_case cases[] = {
		{ "ec200u", M_HTTP, { "--fault", "urc-mixed", "--fault", "restore", "--fault", "updating-zero",
				      "--fault", "steps-irregular", "--fault", "garbage", NULL }, { NULL }, true },
		{ "ep06", M_UPLOAD, { "--fault", "urc-mixed", "--fault", "restore", "--fault", "updating-zero",
				      "--fault", "steps-irregular", "--fault", "garbage", NULL }, { NULL } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct qrun q;

		print_message("urc forms: %s\n", cases[i].profile);
		run_case(&q, *state, &cases[i]);
		assert_upgraded(&q);
		if (has_control_bytes(q.run.out) || has_control_bytes(q.run.err))
			qrun_fail(&q, "a control byte of the module's reached the terminal");
		/* the sequence ran as asked: RESTORE and 91 were sent (the record
		 * counts every FOTA URC: 11 UPDATING + UPDATING,0 + 5 RESTORE + ...) */
		char *n = tu_record_get(q.record, "1-1", "urcs_sent", true);
		assert_true(atoi(n) >= 19);
		free(n);
		qrun_clear(&q);
	}
}

/* ---------------------------------------------------------------------------
 * Field timing (`--pace field:25`: the real figures 25 times faster, their
 * ratios kept: a 60 s reboot, 12 s boots, 8 min of update, flash at 15 KB/s)
 * with every field fault: qfota adds at most 1 % to the module's own time
 * (the record's module_ms: reboots, boot silence, command delays, flash,
 * START..END), measured against the command's wall time from the runner.
 * Before the probe wait grew with the wait, a 500 ms probe and a 200 ms quiet
 * period after each boot added 15 %. */
static void test_field_timing(void **state)
{
	static const struct field_case fc = { "ec200u", M_FILE, { "--fault", "field", "--pace", "field:25", NULL },
					      { NULL } };
	struct qrun q;

	run_case(&q, *state, &fc);
	assert_upgraded(&q);
	char *mod = tu_record_get(q.record, "1-1", "module_ms", true);
	char *wall = tu_record_get(q.record, "runner", "command_wall_ms", true);
	long long m = atoll(mod), w = atoll(wall);

	print_message("module %lld ms, qfota's wall time %lld ms: %+lld ms (%.2f %%)\n", m, w, w - m,
		      100.0 * (double)(w - m) / (double)m);
	assert_true(m >= 30000); /* the preset ran: 2.4 s reboot, 19.2 s update, ... */
	if (w - m > m / 100)
		qrun_fail(&q, "qfota added more than 1 % to the module's own time");
	free(mod);
	free(wall);
	qrun_clear(&q);
}

/* ---------------------------------------------------------------------------
 * The URC port: the module's factory default sends URCs to the modem
 * interface (AT+QURCCFG="urcport" is "usbmodem"); qfota holds the AT one.
 * qfota points the reports at usbat for the upgrade and sets the module back
 * to usbmodem after the final reboot (the setting survives reboots here).
 * Without that, no FOTA report arrives: the upgrade fails on its START
 * deadline. */
static void test_urc_port(void **state)
{
	static const struct field_case cases[] = {
		{ "ec200u", M_HTTP, { "--fault", "urcport-modem", NULL }, { NULL } },
		{ "eg25", M_UPLOAD, { "--fault", "urcport-modem", NULL }, { NULL } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct qrun q;

		print_message("urc port: %s\n", cases[i].profile);
		run_case(&q, *state, &cases[i]);
		assert_upgraded(&q);
		if (!record_has(&q, "1-1 urcport usbmodem\n") || !record_has(&q, "1-1 lost_urcport 0\n"))
			qrun_fail(&q, "the URC port was not pointed at usbat for the upgrade and set back after it");
		qrun_assert_says(&q, "pointed at the AT port (usbat)");
		qrun_assert_says(&q, "reports go to usbmodem again");
		qrun_clear(&q);
	}
}

/* ---------------------------------------------------------------------------
 * Back as something else on the same port: Qualcomm emergency download mode
 * (05c6:9008, no AT port) after the reboot. qfota names it and says what to
 * do (exit 7), rather than "cannot be claimed: not found". */
static void test_back_as_edl(void **state)
{
	static const struct field_case fc = { "eg25", M_UPLOAD, { "--fault", "back-edl", NULL }, { NULL } };
	struct qrun q;

	run_case(&q, *state, &fc);
	qrun_assert_exit(&q, 7);
	qrun_assert_says(&q, "05c6:9008");
	qrun_assert_says(&q, "emergency download mode");
	qrun_assert_says(&q, "QFirehose");
	qrun_clear(&q);
}

/* ---------------------------------------------------------------------------
 * Back in another USB composition on the same port (fault back-rndis, as
 * after AT+QCFG="usbnet",3): RNDIS on interfaces 0-1 shifts the serial ports
 * (facts §7). On the EG25 the AT port moves to interface 4 and interface 2 is
 * the DM port, which also has bulk endpoints: qfota must not send AT into it
 * (before, it claimed it and waited out --timeout-ready, exit 9), but name the
 * composition, say the module may still be updating, and let go (exit 7). On
 * the EC200U the RNDIS pair replaces its ECM one and the AT port stays
 * interface 2: the same fault is then no obstacle. */
static void test_back_as_another_composition(void **state)
{
	static const struct field_case eg25 = { "eg25", M_UPLOAD, { "--fault", "back-rndis", NULL }, { NULL } };
	static const struct field_case ec200u = { "ec200u", M_FILE, { "--fault", "back-rndis", NULL }, { NULL } };
	struct qrun q;

	run_case(&q, *state, &eg25);
	qrun_assert_exit(&q, 7);
	if (!record_has(&q, "1-1 composition rndis\n"))
		qrun_fail(&q, "the module did not come back as RNDIS");
	qrun_assert_says(&q, "another USB composition");
	qrun_assert_says(&q, "interface 2 is ff/ff/ff here");
	qrun_assert_says(&q, "do not power it off");
	qrun_assert_says(&q, "AT+QCFG=\"usbnet\",0");
	qrun_assert_released(&q, "1-1");
	qrun_clear(&q);

	run_case(&q, *state, &ec200u);
	assert_upgraded(&q);
	if (!record_has(&q, "1-1 composition rndis\n"))
		qrun_fail(&q, "the module did not come back as RNDIS");
	qrun_clear(&q);
}

/* ---------------------------------------------------------------------------
 * Everything at once: `--fault field` upgrades every profile in every mode. */
static void test_field_all(void **state)
{
	static const struct field_case cases[] = {
		{ "ec200u", M_FILE, { "--fault", "field", NULL }, { NULL } },
		{ "ec200u", M_HTTP, { "--fault", "field", NULL }, { NULL } },
		{ "eg25", M_UPLOAD, { "--fault", "field", NULL }, { NULL } },
		{ "eg25", M_HTTP, { "--fault", "field", NULL }, { NULL } },
		{ "ep06", M_UPLOAD, { "--fault", "field", NULL }, { NULL } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct qrun q;

		print_message("field: %s %d\n", cases[i].profile, (int)cases[i].mode);
		run_case(&q, *state, &cases[i]);
		assert_upgraded(&q);
		qrun_clear(&q);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_boot_silence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boot_never_ready, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strict_dfota_syntax, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dfota_has_no_upgrade_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ufs_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_drain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_end_verdict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_urc_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_field_timing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_urc_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_back_as_edl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_back_as_another_composition, setup, teardown),
		cmocka_unit_test_setup_teardown(test_field_all, setup, teardown),
	};
	return cmocka_run_group_tests_name("qfota-field", tests, NULL, NULL);
}
