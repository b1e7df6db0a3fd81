/* The log module (include/qfota/log.h). It lives in the bottom layer so that
 * every layer above can use it without depending on the command. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qfota/log.h"

static enum qfota_log_level log_level = QFOTA_LOG_WARN;
static qfota_log_sink log_sink;
static void *log_sink_user;

void qfota_log_set_level(enum qfota_log_level level) { log_level = level; }
enum qfota_log_level qfota_log_get_level(void) { return log_level; }

void qfota_log_level_from_env(void)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	const char *v = getenv("QFOTA_LOG");

	if (!v)
		return;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(v, names[i]) == 0)
			log_level = (enum qfota_log_level)i;
}

void qfota_log_set_sink(qfota_log_sink sink, void *user)
{
	log_sink = sink;
	log_sink_user = user;
}

static void log_va(enum qfota_log_level level, const char *fmt, va_list ap)
{
	static const char *const prefix[] = { "error", "warning", "info", "debug" };
	char raw[1024], msg[4 * sizeof(raw)];
	size_t o = 0;

	if (level > log_level)
		return;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	/* A message may quote what a module said: no control byte reaches the
	 * terminal or the journal raw (ESC ] 0; retitles a terminal). */
	for (const unsigned char *p = (const unsigned char *)raw; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			o += (size_t)snprintf(msg + o, sizeof(msg) - o, "\\x%02x", *p);
		else
			msg[o++] = (char)*p;
	msg[o] = '\0';
	if (log_sink)
		log_sink(level, msg, log_sink_user);
	else
		fprintf(stderr, "qfota: %s: %s\n", prefix[level], msg);
}

void qfota_log(enum qfota_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_va(level, fmt, ap);
	va_end(ap);
}

int qfota_log_errno(enum qfota_log_level level, int r, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_va(level, fmt, ap);
	va_end(ap);
	errno = saved;
	return r;
}

char *qfota_log_escape(const void *data, size_t len, char *out, size_t cap)
{
	const unsigned char *p = data;
	size_t o = 0;

	if (cap == 0)
		return out;
	for (size_t i = 0; i < len; i++) {
		char tmp[5];
		size_t n;

		if (p[i] == '\r')
			n = (size_t)snprintf(tmp, sizeof(tmp), "\\r");
		else if (p[i] == '\n')
			n = (size_t)snprintf(tmp, sizeof(tmp), "\\n");
		else if (p[i] == '\\')
			n = (size_t)snprintf(tmp, sizeof(tmp), "\\\\");
		else if (p[i] >= 0x20 && p[i] < 0x7f)
			n = (size_t)snprintf(tmp, sizeof(tmp), "%c", p[i]);
		else
			n = (size_t)snprintf(tmp, sizeof(tmp), "\\x%02x", p[i]);
		if (o + n >= cap)
			break;
		memcpy(out + o, tmp, n);
		o += n;
	}
	out[o] = '\0';
	return out;
}
