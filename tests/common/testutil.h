/* Helpers shared by the vm/, it/ and bench/ programs: run a program with a
 * deadline and capture what it printed, temporary directories, file hashing,
 * locating the build. Nothing protocol-related lives here (the virtual module
 * and qfota share no protocol code). */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tu_run {
	int status;        /* exit status, or 128+signal, or -1 if it had to be killed */
	bool timed_out;
	char *out;         /* stdout, NUL-terminated (owned; tu_run_clear frees) */
	char *err;         /* stderr */
};

/* Runs argv (argv[0] looked up in PATH unless it contains '/') with stdin from
 * /dev/null, collecting stdout and stderr, killing it (SIGKILL) after
 * timeout_ms. Extra environment "K=V" strings in env (NULL-terminated, may be
 * NULL) are added. Returns 0, or a negative errno if it could not start. */
int tu_run(char *const argv[], char *const env[], unsigned timeout_ms, struct tu_run *ret);
void tu_run_clear(struct tu_run *r);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t tu_now_ns(void);
/* A benchmark's fatal error: "<program>: what: r (strerror(-r))" on stderr,
 * then exit(1). r is a negative errno, or 0/positive when there is none. */
_Noreturn void tu_die(const char *what, int r);

/* $QFOTA_BUILD (set by tests/run-tests.sh) or "build"; $QFOTA_TOP or ".". */
const char *tu_build_dir(void);
const char *tu_top_dir(void);
/* "<build>/<name>" into buf. */
const char *tu_build_path(const char *name, char *buf, size_t cap);

/* Creates a fresh directory under /tmp (short path: umockdev socket paths are
 * limited to 108 bytes). Returns a malloc'd path; tu_rmrf removes it. */
char *tu_mkdtemp(void);

/* cmocka setup/teardown for tests of the files beside the port locks: *state
 * becomes a struct tu_lock_dir, a scratch directory with QFOTA_LOCK_DIR set to
 * its "locks" (not made: qfota makes it); all removed at teardown. */
struct tu_lock_dir {
	char *tmp;
	char dir[512];
};
int tu_lock_dir_setup(void **state);
int tu_lock_dir_teardown(void **state);
void tu_rmrf(const char *path);

/* Writes len pseudo-random bytes (seeded) to path. Returns 0 or -errno. */
int tu_write_random_file(const char *path, uint64_t len, uint32_t seed);
/* SHA-256 of a file as lowercase hex into out[65] (GLib GChecksum). */
int tu_sha256_file(const char *path, char out[65]);

/* Counts non-overlapping occurrences of needle in hay. */
size_t tu_count(const char *hay, const char *needle);


/* The virtual module runner's record (tests/vmodule/README.md): lines
 * "<port> <key> <value>". Returns a malloc'd copy of the value of the first
 * (or, with last, the last) line for port and key, or NULL. */
char *tu_record_get(const char *record, const char *port, const char *key, bool last);
/* How many lines for port have this key. */
size_t tu_record_count(const char *record, const char *port, const char *key);
/* Reads a whole file; malloc'd, NUL-terminated, or NULL. */
char *tu_read_file(const char *path);

#endif
