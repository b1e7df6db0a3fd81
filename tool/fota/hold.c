/* A port's hold file (include/qfota/hold.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qfota/cleanup.h"
#include "qfota/error.h"
#include "qfota/hold.h"
#include "qfota/lock.h"
#include "qfota/log.h"
#include "qfota/usbxfer.h"

#define HOLD_MAX_BYTES 1024

static const char *after_to_string(enum fota_after a)
{
	return a == FOTA_AFTER_MAY_UPDATE ? "may-update" : a == FOTA_AFTER_FAILED ? "failed" : "untouched";
}

/* A value as written: printable ASCII, spaces too when allowed, else '?'. */
static void put_value(FILE *f, const char *key, const char *v, bool spaces)
{
	fprintf(f, "%s ", key);
	for (; *v; v++)
		fputc((*v > ' ' || (spaces && *v == ' ')) && *v < 0x7f ? *v : '?', f);
	fputc('\n', f);
}

/* Copies v into out if it is 1..cap-1 printable ASCII (spaces when allowed). */
static bool take_value(const char *v, char *out, size_t cap, bool spaces)
{
	size_t n = strlen(v);

	if (n == 0 || n >= cap)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((v[i] > ' ' || (spaces && v[i] == ' ')) && v[i] < 0x7f))
			return false;
	memcpy(out, v, n + 1);
	return true;
}

static int parse(char *text, struct fota_hold *h)
{
	char *save = NULL;
	bool have_after = false, have_imei = false;

	*h = (struct fota_hold){ .after = FOTA_AFTER_UNTOUCHED };
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(line, ' ');
		bool ok;

		if (!v)
			return -EINVAL;
		*v++ = '\0';
		if (strcmp(line, "after") == 0) {
			h->after = strcmp(v, "may-update") == 0 ? FOTA_AFTER_MAY_UPDATE
				   : strcmp(v, "failed") == 0	  ? FOTA_AFTER_FAILED
								  : FOTA_AFTER_UNTOUCHED;
			ok = have_after = h->after != FOTA_AFTER_UNTOUCHED;
		} else if (strcmp(line, "imei") == 0) {
			ok = have_imei = take_value(v, h->imei, sizeof(h->imei), false) &&
					 strspn(h->imei, "0123456789") == strlen(h->imei);
		} else if (strcmp(line, "from") == 0) {
			ok = take_value(v, h->from, sizeof(h->from), false);
		} else if (strcmp(line, "to") == 0) {
			ok = take_value(v, h->to, sizeof(h->to), false);
		} else if (strcmp(line, "exit") == 0) {
			char *end;
			long n = strtol(v, &end, 10);

			ok = end != v && !*end && n >= 0 && n <= 255;
			h->exit_code = (int)n;
		} else if (strcmp(line, "why") == 0) {
			ok = take_value(v, h->why, sizeof(h->why), true);
		} else {
			ok = false;
		}
		if (!ok)
			return -EINVAL;
	}
	return have_after && have_imei ? 0 : -EINVAL;
}

int fota_hold_load(const char *port, struct fota_hold *ret)
{
	_cleanup_close_ int dfd = -1, fd = -1;
	char name[USBXFER_PORT_MAX + 8], text[HOLD_MAX_BYTES + 1];
	struct stat st;
	ssize_t n;
	int r;

	if (!ret || !usbxfer_port_is_valid(port))
		return -EINVAL;
	if ((dfd = qfota_lock_dir_open(NULL)) < 0)
		return dfd;
	snprintf(name, sizeof(name), "%s.hold", port);
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT : qfota_errno();
	if (fstat(fd, &st) < 0)
		return qfota_errno();
	if (!S_ISREG(st.st_mode) || st.st_size > HOLD_MAX_BYTES)
		return qfota_log_errno(QFOTA_LOG_DEBUG, -EINVAL, "hold: %s is not a small regular file", name);
	n = read(fd, text, HOLD_MAX_BYTES);
	if (n < 0)
		return qfota_errno();
	text[n] = '\0';
	if (strlen(text) != (size_t)n || (r = parse(text, ret)) < 0)
		return qfota_log_errno(QFOTA_LOG_DEBUG, -EINVAL, "hold: %s does not parse", name);
	return 0;
}

int fota_hold_store(const char *port, const struct fota_hold *h)
{
	_cleanup_close_ int dfd = -1, fd = -1;
	char name[USBXFER_PORT_MAX + 8], tmp[USBXFER_PORT_MAX + 32];
	bool shared = false;
	FILE *f;
	int r = 0;

	if (!h || !usbxfer_port_is_valid(port))
		return -EINVAL;
	if ((dfd = qfota_lock_dir_open(&shared)) < 0)
		return dfd;
	snprintf(name, sizeof(name), "%s.hold", port);
	if (h->after == FOTA_AFTER_UNTOUCHED)
		return unlinkat(dfd, name, 0) < 0 && errno != ENOENT ? qfota_errno() : 0;
	snprintf(tmp, sizeof(tmp), ".%s.hold.%ld", port, (long)getpid());
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, shared ? 0664 : 0644);
	if (fd < 0)
		return qfota_errno();
	if (!(f = fdopen(fd, "w"))) {
		r = qfota_errno();
		unlinkat(dfd, tmp, 0);
		return r;
	}
	fd = -1; /* the stream's now */
	fprintf(f, "after %s\n", after_to_string(h->after));
	put_value(f, "imei", h->imei, false);
	if (h->from[0])
		put_value(f, "from", h->from, false);
	if (h->to[0])
		put_value(f, "to", h->to, false);
	fprintf(f, "exit %d\n", h->exit_code);
	if (h->why[0])
		put_value(f, "why", h->why, true);
	if (fclose(f) != 0)
		r = qfota_errno();
	if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
		r = qfota_errno();
	if (r < 0)
		unlinkat(dfd, tmp, 0);
	return r;
}

bool fota_hold_next(const struct fota_hold *old, const struct report_result *res, enum fota_source source,
		    struct fota_hold *next)
{
	enum fota_after after = fota_result_after(res, source);
	bool same = old->after != FOTA_AFTER_UNTOUCHED && strcmp(old->imei, res->imei) == 0;

	*next = *old;
	if (!res->imei[0])
		return false;
	/* a module followed from a hold and not seen to a good end: let be */
	if (after == FOTA_AFTER_MAY_UPDATE && source == FOTA_SOURCE_FOLLOW && same)
		after = FOTA_AFTER_FAILED;
	if (after == FOTA_AFTER_UNTOUCHED) {
		if (old->after == FOTA_AFTER_UNTOUCHED || (same && !res->ok))
			return false;
		*next = (struct fota_hold){ .after = FOTA_AFTER_UNTOUCHED };
		return true;
	}
	*next = (struct fota_hold){ .after = after, .exit_code = res->exit_code };
	snprintf(next->imei, sizeof(next->imei), "%s", res->imei);
	/* a follow's result keeps the revision before in from (fota_follow) */
	snprintf(next->from, sizeof(next->from), "%s", res->from);
	snprintf(next->to, sizeof(next->to), "%s", res->to);
	snprintf(next->why, sizeof(next->why), "%.*s", (int)sizeof(next->why) - 1, res->message);
	return true;
}
