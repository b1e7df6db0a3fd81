/* Running the real build/qfota under the virtual module runner, for the it/
 * tests: argv assembly, the record, and the assertions every case shares
 * (module released, kernel driver given back). */
#ifndef QFOTA_RUN_H
#define QFOTA_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "common/testutil.h"

struct qrun {
	struct tu_run run;
	char *record;          /* the runner's --record file, read back */
	char dir[64];          /* scratch directory of this run */
};

/* Runs: build/vmodule VM_ARGS... --record DIR/record -- build/qfota QFOTA_ARGS...
 * Both lists are NULL-terminated. "@DIR" in an argument is replaced by the
 * scratch dir. Fails the test if the runner could not start. */
void qrun(struct qrun *q, const char *dir, const char *const vm_args[], const char *const qfota_args[],
	  unsigned timeout_ms);
void qrun_clear(struct qrun *q);

/* The module on port: not claimed, and its kernel driver bound again if it
 * is on the bus (when the record was written). */
void qrun_assert_released(const struct qrun *q, const char *port);
/* No AT command reached the module on port. */
void qrun_assert_nothing_sent(const struct qrun *q, const char *port);
/* stdout+stderr contain text (prints both on failure). */
void qrun_assert_says(const struct qrun *q, const char *text);
void qrun_assert_exit(const struct qrun *q, int code);

/* Makes a virtual package with build/vmodule pack. extra: NULL-terminated,
 * e.g. {"--corrupt", NULL}. */
void qrun_pack(const char *profile, unsigned long long size, const char *out, const char *const extra[]);

/* cmocka setup/teardown: *state becomes a fresh scratch directory under /tmp. */
int qrun_setup_dir(void **state);
/* qrun_setup_dir, with packages in it: ec200u.pack (100000 bytes), eg25.zip
 * and ep06.zip (60000 each). */
int qrun_setup_dir_packages(void **state);

/* Fails the test with why, after printing the run's stdout, stderr and record. */
void qrun_fail(const struct qrun *q, const char *why);
/* How many AT+QFOTADL commands the module on port got (the record). */
size_t qrun_qfotadl_count(const struct qrun *q, const char *port);
int qrun_teardown_dir(void **state);

/* Runs `sh -c script` under build/vmodule VM_ARGS... --record DIR/record, with
 * $QFOTA the qfota binary, for cases that need more than one qfota or a
 * signal (timeout -s INT). */
void qrun_script(struct qrun *q, const char *dir, const char *const vm_args[], const char *script,
		 unsigned timeout_ms);

#endif
