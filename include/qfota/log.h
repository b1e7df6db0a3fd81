/* One small log module for the whole code base.
 *
 * usbxfer, udev and the AT layer log at QFOTA_LOG_DEBUG only; the command logs
 * each failure once. Messages go to stderr (or the sink set with
 * qfota_log_set_sink). The level comes from -v/-q or QFOTA_LOG=debug|info|warn|error.
 * AT traffic is logged escaped at debug level; package bytes never are.
 */
#ifndef QFOTA_LOG_H
#define QFOTA_LOG_H

#include <stddef.h>

enum qfota_log_level {
	QFOTA_LOG_ERROR = 0,
	QFOTA_LOG_WARN,
	QFOTA_LOG_INFO,
	QFOTA_LOG_DEBUG,
};

typedef void (*qfota_log_sink)(enum qfota_log_level level, const char *msg, void *user);

void qfota_log_set_level(enum qfota_log_level level);
enum qfota_log_level qfota_log_get_level(void);
/* Reads QFOTA_LOG from the environment; unknown values are ignored. */
void qfota_log_level_from_env(void);
/* NULL restores the default sink (stderr). */
void qfota_log_set_sink(qfota_log_sink sink, void *user);

void qfota_log(enum qfota_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Logs at level and returns r (a negative errno), so that an error path reads
 * `return qfota_log_errno(QFOTA_LOG_DEBUG, r, "claiming %s", port);` */
int qfota_log_errno(enum qfota_log_level level, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Writes at most cap-1 bytes of data into out, escaping CR as \r, LF as \n and
 * any other non-printable byte as \xNN; always NUL-terminates. Returns out. */
char *qfota_log_escape(const void *data, size_t len, char *out, size_t cap);

#define qfota_debug(...) qfota_log(QFOTA_LOG_DEBUG, __VA_ARGS__)
#define qfota_info(...) qfota_log(QFOTA_LOG_INFO, __VA_ARGS__)
#define qfota_warn(...) qfota_log(QFOTA_LOG_WARN, __VA_ARGS__)
#define qfota_error(...) qfota_log(QFOTA_LOG_ERROR, __VA_ARGS__)

#endif
