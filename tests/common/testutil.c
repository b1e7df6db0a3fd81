/* tests/common/testutil.h */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "common/testutil.h"

extern char **environ;

uint64_t tu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static long long mono_ms(void)
{
	return (long long)(tu_now_ns() / 1000000u);
}

void tu_die(const char *what, int r)
{
	fprintf(stderr, "%s: %s: %d (%s)\n", program_invocation_short_name, what, r, r < 0 ? strerror(-r) : "");
	exit(1);
}

struct buf {
	char *data;
	size_t len, cap;
};

static int buf_fill(struct buf *b, int fd)
{
	char tmp[65536];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n <= 0)
		return (int)n;
	if (b->len + (size_t)n + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 65536) + (size_t)n;
		char *p = realloc(b->data, cap);

		if (!p)
			return -1;
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, tmp, (size_t)n);
	b->len += (size_t)n;
	b->data[b->len] = '\0';
	return (int)n;
}

static char **env_merge(char *const extra[])
{
	size_t n = 0, m = 0;
	char **env;

	while (environ[n])
		n++;
	while (extra && extra[m])
		m++;
	env = calloc(n + m + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < m; i++)
		env[i] = extra[i];
	/* extra first: getenv takes the first match */
	for (size_t i = 0; i < n; i++)
		env[m + i] = environ[i];
	return env;
}

int tu_run(char *const argv[], char *const env[], unsigned timeout_ms, struct tu_run *ret)
{
	posix_spawn_file_actions_t fa;
	int out[2], err[2], r, wstatus = 0;
	struct buf bo = { 0 }, be = { 0 };
	long long deadline = mono_ms() + timeout_ms;
	bool out_open = true, err_open = true, killed = false;
	char **envp;
	posix_spawnattr_t sa;
	pid_t pid;

	memset(ret, 0, sizeof(*ret));
	if (pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(err, O_CLOEXEC) < 0) {
		close(out[0]);
		close(out[1]);
		return -errno;
	}
	envp = env_merge(env);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	/* Its own process group: a timeout kills what it started too (the
	 * runner's qfota), which would otherwise hold its ports' locks into the
	 * next test. */
	posix_spawnattr_init(&sa);
	posix_spawnattr_setflags(&sa, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&sa, 0);
	r = posix_spawnp(&pid, argv[0], &fa, &sa, argv, envp ? envp : environ);
	posix_spawnattr_destroy(&sa);
	posix_spawn_file_actions_destroy(&fa);
	free(envp);
	close(out[1]);
	close(err[1]);
	if (r != 0) {
		close(out[0]);
		close(err[0]);
		return -r;
	}
	while (out_open || err_open) {
		struct pollfd p[2] = { { out_open ? out[0] : -1, POLLIN, 0 },
				       { err_open ? err[0] : -1, POLLIN, 0 } };
		long long left = deadline - mono_ms();

		if (left <= 0) {
			kill(-pid, SIGKILL);
			killed = true;
			break;
		}
		if (poll(p, 2, (int)(left > 1000 ? 1000 : left)) < 0 && errno != EINTR)
			break;
		if (out_open && (p[0].revents & (POLLIN | POLLHUP)) && buf_fill(&bo, out[0]) <= 0)
			out_open = false;
		if (err_open && (p[1].revents & (POLLIN | POLLHUP)) && buf_fill(&be, err[0]) <= 0)
			err_open = false;
	}
	close(out[0]);
	close(err[0]);
	/* The pipes can close before the child exits: wait with the same deadline. */
	for (;;) {
		pid_t w = waitpid(pid, &wstatus, killed ? 0 : WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			break;
		if (!killed && mono_ms() >= deadline) {
			kill(-pid, SIGKILL);
			killed = true;
			continue;
		}
		if (!killed)
			usleep(2000);
	}
	ret->timed_out = killed;
	if (killed)
		ret->status = -1;
	else if (WIFEXITED(wstatus))
		ret->status = WEXITSTATUS(wstatus);
	else
		ret->status = 128 + WTERMSIG(wstatus);
	ret->out = bo.data ? bo.data : strdup("");
	ret->err = be.data ? be.data : strdup("");
	return 0;
}

void tu_run_clear(struct tu_run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

const char *tu_build_dir(void)
{
	const char *b = getenv("QFOTA_BUILD");

	return b && *b ? b : "build";
}

const char *tu_top_dir(void)
{
	const char *t = getenv("QFOTA_TOP");

	return t && *t ? t : ".";
}

const char *tu_build_path(const char *name, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/%s", tu_build_dir(), name);
	return buf;
}

char *tu_mkdtemp(void)
{
	char tmpl[] = "/tmp/qft-XXXXXX";

	if (!mkdtemp(tmpl))
		return NULL;
	return strdup(tmpl);
}

void tu_rmrf(const char *path)
{
	char *argv[] = { "rm", "-rf", (char *)path, NULL };
	struct tu_run r;

	if (path && strncmp(path, "/tmp/", 5) == 0 && tu_run(argv, NULL, 30000, &r) == 0)
		tu_run_clear(&r);
}

int tu_write_random_file(const char *path, uint64_t len, uint32_t seed)
{
	FILE *f = fopen(path, "wb");
	uint64_t x = seed ? seed : 1;
	unsigned char block[65536];

	if (!f)
		return -errno;
	while (len > 0) {
		size_t n = len < sizeof(block) ? (size_t)len : sizeof(block);

		for (size_t i = 0; i < n; i++) {
			/* xorshift64: cheap, deterministic, not compressible */
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			block[i] = (unsigned char)(x >> 24);
		}
		if (fwrite(block, 1, n, f) != n) {
			fclose(f);
			return -EIO;
		}
		len -= n;
	}
	return fclose(f) == 0 ? 0 : -errno;
}

int tu_sha256_file(const char *path, char out[65])
{
	GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
	unsigned char block[65536];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		g_checksum_free(c);
		return -errno;
	}
	while ((n = fread(block, 1, sizeof(block), f)) > 0)
		g_checksum_update(c, block, (gssize)n);
	fclose(f);
	snprintf(out, 65, "%s", g_checksum_get_string(c));
	g_checksum_free(c);
	return 0;
}

size_t tu_count(const char *hay, const char *needle)
{
	size_t n = 0, l = strlen(needle);

	if (!l)
		return 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + l, needle))
		n++;
	return n;
}

char *tu_read_file(const char *path)
{
	gchar *data = NULL;
	gsize len = 0;
	char *copy;

	if (!g_file_get_contents(path, &data, &len, NULL))
		return NULL;
	copy = strndup(data, len);
	g_free(data);
	return copy;
}

/* Walks the record's lines for port+key; calls back with each value. */
static const char *record_find(const char *record, const char *port, const char *key, const char *from,
			       size_t *ret_len)
{
	size_t pl = strlen(port), kl = strlen(key);

	for (const char *line = from ? from : record; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		if (len > pl + kl + 1 && strncmp(line, port, pl) == 0 && line[pl] == ' ' &&
		    strncmp(line + pl + 1, key, kl) == 0 && (line[pl + 1 + kl] == ' ' || pl + 1 + kl == len)) {
			const char *v = line + pl + 1 + kl;

			if (*v == ' ')
				v++;
			*ret_len = len - (size_t)(v - line);
			return v;
		}
		line = end ? end + 1 : NULL;
	}
	return NULL;
}

char *tu_record_get(const char *record, const char *port, const char *key, bool last)
{
	const char *v, *found = NULL;
	size_t len = 0, found_len = 0;

	if (!record)
		return NULL;
	for (v = record_find(record, port, key, NULL, &len); v; v = record_find(record, port, key, v + len, &len)) {
		found = v;
		found_len = len;
		if (!last)
			break;
	}
	return found ? strndup(found, found_len) : NULL;
}

size_t tu_record_count(const char *record, const char *port, const char *key)
{
	const char *v;
	size_t len = 0, n = 0;

	if (!record)
		return 0;
	for (v = record_find(record, port, key, NULL, &len); v; v = record_find(record, port, key, v + len, &len))
		n++;
	return n;
}

int tu_lock_dir_setup(void **state)
{
	struct tu_lock_dir *f = calloc(1, sizeof(*f));

	if (!f || !(f->tmp = tu_mkdtemp())) {
		free(f);
		return -1;
	}
	snprintf(f->dir, sizeof(f->dir), "%s/locks", f->tmp);
	setenv("QFOTA_LOCK_DIR", f->dir, 1);
	*state = f;
	return 0;
}

int tu_lock_dir_teardown(void **state)
{
	struct tu_lock_dir *f = *state;

	unsetenv("QFOTA_LOCK_DIR");
	tu_rmrf(f->tmp);
	free(f->tmp);
	free(f);
	return 0;
}
