/* The one reporter: every layer's events come up to it as one small struct,
 * and it renders them for a person (progress bars on a terminal, plain lines
 * otherwise) or for a program (one JSON object per line).
 *
 * Where things go: progress, warnings and errors go to the `progress` stream
 * (stderr); results and JSON events are requested data and go to the `data`
 * stream (stdout). Thread-safe: a station's module threads share one reporter.
 */
#ifndef QFOTA_REPORT_H
#define QFOTA_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum fota_phase {
	FOTA_PHASE_PREFLIGHT,  /* checks before anything is sent to the module */
	FOTA_PHASE_CONNECT,    /* open, claim, identify */
	FOTA_PHASE_UPLOAD,     /* AT+QFUPL of a package to the module's file system */
	FOTA_PHASE_COMMAND,    /* AT+QFOTADL and its answer */
	FOTA_PHASE_DOWNLOAD,   /* package to the module: FILE stream or the module's own FTP/HTTP download */
	FOTA_PHASE_REBOOT,     /* waiting for the module to come back on its port */
	FOTA_PHASE_UPDATE,     /* START .. END: the module rewrites its firmware */
	FOTA_PHASE_VERIFY,     /* new revision and IMEI after the last reboot */
	FOTA_PHASE_DONE,
};
const char *fota_phase_to_string(enum fota_phase p);

enum report_kind {
	REPORT_MESSAGE,         /* text for a person (info level) */
	REPORT_WARNING,         /* text for a person (warning) */
	REPORT_PHASE,           /* a new phase begins */
	REPORT_TRANSFER,        /* host -> module bytes: bytes, total, rate */
	REPORT_MODULE_PROGRESS, /* the module's own DOWNLOADING / UPDATING percent */
	REPORT_URC,             /* a +QIND "FOTA" event as received (text = event name) */
	REPORT_RESULT,          /* the end of one module's job */
};

struct report_result {
	bool ok;
	int exit_code;           /* the command's exit code for this result */
	int err;                 /* negative errno, 0 if ok */
	int module_code;         /* the module's <err> or CME code, -1 if none */
	enum fota_phase phase;   /* where it ended */
	char message[512];       /* plain words: what happened, what to do */
	char model[32], imei[32], from[64], to[64];
	uint64_t total_ms, download_ms, update_ms, reboot_ms;
};

/* What a result comes to, in the words the JSON result event and the audit
 * log use: "ok", "skipped" (at the target already, or not on the policy's
 * IMEI list; nothing sent: -EALREADY) or "failed". */
const char *report_result_outcome(const struct report_result *res);

struct report_event {
	enum report_kind kind;
	const char *port;
	enum fota_phase phase;
	int percent;             /* -1: unknown */
	uint64_t bytes, total;   /* REPORT_TRANSFER */
	double rate_bps;         /* REPORT_TRANSFER: bytes per second */
	const char *text;        /* MESSAGE/WARNING text, URC event name */
	const struct report_result *result; /* REPORT_RESULT */
};

enum report_style {
	REPORT_STYLE_PLAIN,      /* lines, for logs and pipes */
	REPORT_STYLE_TTY,        /* a live progress bar, colour unless NO_COLOR */
	REPORT_STYLE_JSON,       /* one JSON object per line on `data` */
	REPORT_STYLE_FORWARD,    /* every event to a function (reporter_new_forward) */
};

struct reporter;

/* Picks TTY when `progress` is a terminal, PLAIN otherwise, unless json. */
enum report_style report_style_pick(FILE *progress, bool json);

/* The streams are borrowed (not closed). Returns 0 or -ENOMEM. */
int reporter_new(enum report_style style, FILE *data, FILE *progress, struct reporter **ret);
/* A reporter that hands every event to fn, one call at a time (under the
 * reporter's lock, whichever thread emits): for renderers that live outside
 * report.c, such as the station's live table (tool/cli/station_view.c). ev and
 * its strings are valid only during the call. Returns 0 or -ENOMEM. */
typedef void (*report_forward_fn)(void *user, const struct report_event *ev);
int reporter_new_forward(report_forward_fn fn, void *user, struct reporter **ret);
void reporter_free(struct reporter *r); /* accepts NULL; ends a live line */
void reporter_emit(struct reporter *r, const struct report_event *ev);
/* For --quiet: only results and warnings. */
void reporter_set_quiet(struct reporter *r, bool quiet);

/* Convenience: a message or warning with printf formatting. */
void reporter_say(struct reporter *r, const char *port, bool warning, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
