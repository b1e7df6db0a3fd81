/* The audit log: one JSON line per upgrade attempt (include/qfota/audit.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "qfota/audit.h"
#include "qfota/cleanup.h"
#include "qfota/error.h"
#include "qfota/log.h"
#include "qfota/text.h"
#include "qfota/url.h"

static void json_putp(json_object **o)
{
	json_object_put(*o);
}

const char *audit_default_path(void)
{
	return geteuid() == 0 ? AUDIT_DEFAULT_PATH : NULL;
}

int audit_redact(const char *text, char **ret)
{
	_cleanup_free_ char *out = NULL;
	size_t cap;
	int r;

	if (!text || !ret)
		return -EINVAL;
	cap = strlen(text) * 3 + 1; /* url_redact_text's bound */
	if (!(out = malloc(cap)))
		return -ENOMEM;
	r = url_redact_text(text, out, cap);
	if (r < 0)
		return r; /* cannot happen with this room */
	*ret = TAKE_PTR(out);
	return 0;
}

/* A redacted, UTF-8-clean copy of text as a JSON string; NULL on ENOMEM. */
static json_object *json_text(const char *text)
{
	_cleanup_free_ char *r = NULL;

	if (audit_redact(text ? text : "", &r) < 0)
		return NULL;
	text_utf8_sanitise(r);
	return json_object_new_string(r);
}

static int add(json_object *o, const char *key, json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

int audit_line_format(const char *port, const struct report_result *res, const struct timespec *when,
		      const char *host, char **ret_line)
{
	_cleanup_(json_putp) json_object *o = NULL;
	struct timespec now;
	char hostbuf[256] = "", stamp[64];
	struct tm tm;
	const char *s;
	int r = 0;

	if (!port || !res || !ret_line)
		return -EINVAL;
	if (!when) {
		clock_gettime(CLOCK_REALTIME, &now);
		when = &now;
	}
	if (!host) {
		if (gethostname(hostbuf, sizeof(hostbuf) - 1) < 0)
			hostbuf[0] = '\0';
		host = hostbuf;
	}
	if (!gmtime_r(&when->tv_sec, &tm))
		return -EINVAL;
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + strlen(stamp), sizeof(stamp) - strlen(stamp), ".%03ldZ", when->tv_nsec / 1000000);

	if (!(o = json_object_new_object()))
		return -ENOMEM;
	r |= add(o, "time", json_object_new_string(stamp));
	r |= add(o, "host", json_text(host));
	r |= add(o, "port", json_text(port));
	r |= add(o, "model", json_text(res->model));
	r |= add(o, "imei", json_text(res->imei));
	r |= add(o, "from", json_text(res->from));
	r |= add(o, "to", json_text(res->to));
	r |= add(o, "ok", json_object_new_boolean(res->ok));
	r |= add(o, "result", json_object_new_string(report_result_outcome(res)));
	r |= add(o, "exit_code", json_object_new_int(res->exit_code));
	r |= add(o, "errno", json_object_new_int(res->err));
	r |= add(o, "error", json_object_new_string(res->err ? qfota_strerror(res->err) : ""));
	if (res->module_code >= 0)
		r |= add(o, "code", json_object_new_int(res->module_code));
	else if (json_object_object_add(o, "code", NULL) < 0) /* null: the module gave no code */
		r = -ENOMEM;
	r |= add(o, "phase", json_object_new_string(fota_phase_to_string(res->phase)));
	r |= add(o, "message", json_text(res->message));
	r |= add(o, "total_ms", json_object_new_int64((int64_t)res->total_ms));
	r |= add(o, "download_ms", json_object_new_int64((int64_t)res->download_ms));
	r |= add(o, "update_ms", json_object_new_int64((int64_t)res->update_ms));
	r |= add(o, "reboot_ms", json_object_new_int64((int64_t)res->reboot_ms));
	if (r < 0)
		return -ENOMEM;

	/* PLAIN: no newline inside; json-c escapes control characters in strings. */
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s || asprintf(ret_line, "%s\n", s) < 0)
		return -ENOMEM;
	return 0;
}

/* Creates the default log's directory (0750: the log names modules and
 * IMEIs, not for everyone). Other paths' directories are the user's business. */
static int default_dir_make(const char *path)
{
	_cleanup_free_ char *dir = strdup(path);
	char *slash;

	if (!dir)
		return -ENOMEM;
	if ((slash = strrchr(dir, '/')) && slash != dir)
		*slash = '\0';
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return qfota_log_errno(QFOTA_LOG_DEBUG, qfota_errno(), "audit: creating %s", dir);
	return 0;
}

int audit_append(const char *path, const char *port, const struct report_result *res, unsigned flags)
{
	_cleanup_free_ char *line = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;
	size_t len, done = 0;
	int r;

	if (!path || !*path)
		return -EINVAL;
	if ((r = audit_line_format(port, res, NULL, NULL, &line)) < 0)
		return r;
	if (strcmp(path, AUDIT_DEFAULT_PATH) == 0 && (r = default_dir_make(path)) < 0)
		return r;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0640);
	if (fd < 0)
		return qfota_log_errno(QFOTA_LOG_DEBUG, qfota_errno(), "audit: opening %s", path);
	if (fstat(fd, &st) < 0)
		return qfota_errno();
	if (!S_ISREG(st.st_mode))
		return qfota_log_errno(QFOTA_LOG_DEBUG, -EPERM, "audit: %s is not a regular file", path);

	/* O_APPEND makes each write() land at the end, but one write() of more
	 * than PIPE_BUF is not promised to be atomic against other writers, and a
	 * short write would need a second one: hold the lock across the line.
	 * Every writer holds it for one line only, so the wait is short. */
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return qfota_log_errno(QFOTA_LOG_DEBUG, qfota_errno(), "audit: locking %s", path);
	/* Where this line begins: every writer appends under the lock, so a line
	 * that cannot be written whole (disk full) is cut off again, and the next
	 * record does not land glued to half of it. */
	if (fstat(fd, &st) < 0)
		return qfota_errno();
	len = strlen(line);
	while (done < len) {
		ssize_t n = write(fd, line + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? qfota_errno() : -EIO;
			if (done > 0 && ftruncate(fd, st.st_size) < 0)
				qfota_debug("audit: cannot cut the half line off %s: %s", path, strerror(errno));
			return qfota_log_errno(QFOTA_LOG_DEBUG, r, "audit: writing %s", path);
		}
		done += (size_t)n;
	}
	/* The default log is the root station's record of what was flashed: on
	 * disk before qfota says it is done. */
	if (((flags & AUDIT_FSYNC) || strcmp(path, AUDIT_DEFAULT_PATH) == 0) && fsync(fd) < 0)
		return qfota_log_errno(QFOTA_LOG_DEBUG, qfota_errno(), "audit: fsync %s", path);
	return 0; /* close() drops the lock */
}
