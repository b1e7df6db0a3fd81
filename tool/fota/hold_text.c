/* A hold's text and its rules (include/qfota/hold.h): parse, format, and
 * what one result makes of the hold. Pure: no file, no module. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qfota/error.h"
#include "qfota/exitcode.h"
#include "qfota/hold.h"

static int parse(char *text, struct fota_hold *h);

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

int fota_hold_format(const struct fota_hold *h, char *buf, size_t cap)
{
	FILE *f = fmemopen(buf, cap, "w");
	long n;

	if (!f)
		return qfota_errno();
	fprintf(f, "after %s\n", after_to_string(h->after));
	put_value(f, "imei", h->imei, false);
	if (h->from[0])
		put_value(f, "from", h->from, false);
	if (h->to[0])
		put_value(f, "to", h->to, false);
	fprintf(f, "exit %d\n", h->exit_code);
	if (h->why[0])
		put_value(f, "why", h->why, true);
	n = ftell(f);
	if (fclose(f) != 0 || n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return (int)n;
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

int fota_hold_parse(const char *data, size_t len, struct fota_hold *ret)
{
	char text[FOTA_HOLD_MAX_BYTES + 1];
	struct fota_hold hold;
	int r;

	if (len > FOTA_HOLD_MAX_BYTES || memchr(data, '\0', len))
		return -EINVAL;
	memcpy(text, data, len);
	text[len] = '\0';
	if ((r = parse(text, &hold)) < 0)
		return r;
	*ret = hold;
	return 0;
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

/* The phase tells whether AT+QFOTADL was taken: every phase after COMMAND
 * comes after its OK. A failure before it (bad input, no module, busy, a
 * refused command, a download that failed: exit 2-5, 130) left the firmware
 * alone. So did a FILE stream cut by the module vanishing: the package never
 * arrived whole [I: a module gone after the last byte and before FILEEND is
 * taken as cut too]. A module whose own download (URL) outlasted
 * --timeout-download may finish it and update. */
enum fota_after fota_result_after(const struct report_result *res, enum fota_source source)
{
	if (res->ok || res->phase <= FOTA_PHASE_COMMAND)
		return FOTA_AFTER_UNTOUCHED;
	if (res->phase == FOTA_PHASE_DOWNLOAD && source == FOTA_SOURCE_FILE && res->exit_code == QFOTA_EXIT_LOST)
		return FOTA_AFTER_UNTOUCHED;
	switch (res->exit_code) {
	case QFOTA_EXIT_USAGE:
	case QFOTA_EXIT_NO_MODULE:
	case QFOTA_EXIT_ACCESS:
	case QFOTA_EXIT_DOWNLOAD:
	case QFOTA_EXIT_INTERRUPTED:
		return FOTA_AFTER_UNTOUCHED;
	case QFOTA_EXIT_UPDATE:
	case QFOTA_EXIT_VERIFY:
		return FOTA_AFTER_FAILED;
	default: /* lost, a deadline, stopped following, anything else */
		return FOTA_AFTER_MAY_UPDATE;
	}
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
