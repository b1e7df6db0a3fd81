/* The reporter (include/qfota/report.h). */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "qfota/clock.h"
#include "qfota/cleanup.h"
#include "qfota/journal.h"
#include "qfota/report.h"
#include "qfota/text.h"
#include "qfota/url.h"

struct reporter {
	enum report_style style;
	FILE *data, *progress;
	bool quiet, colour, data_colour, line_live;
	pthread_mutex_t lock;
	uint64_t last_draw_ms;
	int last_decile_transfer, last_decile_module;
	enum fota_phase last_phase;
	/* TTY: the latest host transfer and module percent of the phase, drawn
	 * together on one line */
	uint64_t tty_bytes, tty_total;
	double tty_rate;
	int tty_module_percent;
	uint64_t t0_ms;         /* JSON events carry t_ms: milliseconds since reporter_new */
	report_forward_fn forward;
	void *forward_user;
};

enum report_style report_style_pick(FILE *progress, bool json)
{
	if (json)
		return REPORT_STYLE_JSON;
	return isatty(fileno(progress)) ? REPORT_STYLE_TTY : REPORT_STYLE_PLAIN;
}

int reporter_new(enum report_style style, FILE *data, FILE *progress, struct reporter **ret)
{
	struct reporter *r = calloc(1, sizeof(*r));
	const char *no_colour = getenv("NO_COLOR");

	if (!r)
		return -ENOMEM;
	r->style = style;
	r->data = data;
	r->progress = progress;
	/* https://no-color.org: any non-empty NO_COLOR disables colour */
	r->colour = style == REPORT_STYLE_TTY && !(no_colour && *no_colour);
	/* the result line: coloured only when stdout is itself a terminal */
	r->data_colour = r->colour && data && isatty(fileno(data));
	r->last_decile_transfer = r->last_decile_module = -1;
	r->tty_module_percent = -1;
	r->last_phase = (enum fota_phase)-1;
	r->t0_ms = qfota_now_ms();
	pthread_mutex_init(&r->lock, NULL);
	*ret = r;
	return 0;
}

int reporter_new_forward(report_forward_fn fn, void *user, struct reporter **ret)
{
	int r = reporter_new(REPORT_STYLE_FORWARD, NULL, NULL, ret);

	if (r == 0) {
		(*ret)->forward = fn;
		(*ret)->forward_user = user;
	}
	return r;
}

static void end_live_line(struct reporter *r)
{
	if (r->line_live) {
		fputs("\r\033[K", r->progress);
		r->line_live = false;
	}
}

void reporter_free(struct reporter *r)
{
	if (!r)
		return;
	end_live_line(r);
	if (r->progress)
		fflush(r->progress);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

void reporter_set_quiet(struct reporter *r, bool quiet) { r->quiet = quiet; }

static void human_bytes(uint64_t b, char *out, size_t cap)
{
	if (b >= 1024 * 1024)
		snprintf(out, cap, "%.1f MiB", (double)b / (1024.0 * 1024.0));
	else if (b >= 1024)
		snprintf(out, cap, "%.1f KiB", (double)b / 1024.0);
	else
		snprintf(out, cap, "%llu B", (unsigned long long)b);
}

static void json_add_str(json_object *o, const char *k, const char *v)
{
	if (v)
		json_object_object_add(o, k, json_object_new_string(v));
}

static const char *kind_name(enum report_kind k)
{
	static const char *const names[] = { "message", "warning", "phase", "transfer",
					     "progress", "urc", "result" };
	return names[k];
}

static void emit_json(struct reporter *r, const struct report_event *ev)
{
	json_object *o = json_object_new_object();
	const struct report_result *res = ev->result;

	json_add_str(o, "event", kind_name(ev->kind));
	json_object_object_add(o, "t_ms", json_object_new_uint64(qfota_now_ms() - r->t0_ms));
	json_add_str(o, "port", ev->port);
	/* A message is said outside any phase's bookkeeping: it has none. */
	if (ev->kind != REPORT_MESSAGE && ev->kind != REPORT_WARNING)
		json_add_str(o, "phase", fota_phase_to_string(res ? res->phase : ev->phase));
	switch (ev->kind) {
	case REPORT_TRANSFER:
		json_object_object_add(o, "bytes", json_object_new_uint64(ev->bytes));
		json_object_object_add(o, "total", json_object_new_uint64(ev->total));
		json_object_object_add(o, "rate_bps", json_object_new_double(ev->rate_bps));
		break;
	case REPORT_MODULE_PROGRESS:
		json_object_object_add(o, "percent", json_object_new_int(ev->percent));
		break;
	case REPORT_URC:
		json_add_str(o, "urc", ev->text);
		if (ev->percent >= 0)
			json_object_object_add(o, "value", json_object_new_int(ev->percent));
		break;
	case REPORT_RESULT: {
		json_object *d = json_object_new_object();

		json_add_str(o, "model", res->model);
		json_add_str(o, "imei", res->imei);
		json_add_str(o, "from", res->from);
		json_add_str(o, "to", res->to);
		json_object_object_add(o, "ok", json_object_new_boolean(res->ok));
		json_add_str(o, "result", report_result_outcome(res));
		json_object_object_add(o, "exit_code", json_object_new_int(res->exit_code));
		json_object_object_add(o, "code", res->module_code >= 0 ? json_object_new_int(res->module_code) : NULL);
		json_add_str(o, "message", res->message);
		json_object_object_add(d, "total_ms", json_object_new_uint64(res->total_ms));
		json_object_object_add(d, "download_ms", json_object_new_uint64(res->download_ms));
		json_object_object_add(d, "reboot_ms", json_object_new_uint64(res->reboot_ms));
		json_object_object_add(d, "update_ms", json_object_new_uint64(res->update_ms));
		json_object_object_add(o, "durations", d);
		break;
	}
	default:
		json_add_str(o, "text", ev->text);
		break;
	}
	fprintf(r->data, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(r->data);
	json_object_put(o);
}

static void draw_bar(char *out, size_t cap, int percent)
{
	const int width = 24;
	int fill = percent < 0 ? 0 : percent > 100 ? width : percent * width / 100;
	size_t o = 0;

	out[o++] = '[';
	for (int i = 0; i < width && o + 2 < cap; i++)
		out[o++] = i < fill ? '#' : '-';
	out[o++] = ']';
	out[o] = '\0';
}

/* One redrawn line on a terminal, at most ten redraws a second: the host's
 * bytes, rate and ETA when it sends, and the module's own percent. */
static void emit_tty_progress(struct reporter *r, const struct report_event *ev)
{
	char bar[32], done[32], total[32], line[256], module[24] = "";
	uint64_t t = qfota_now_ms();
	int percent;

	if (ev->kind == REPORT_TRANSFER) {
		r->tty_bytes = ev->bytes;
		r->tty_total = ev->total;
		r->tty_rate = ev->rate_bps;
	} else {
		r->tty_module_percent = ev->percent;
	}
	percent = r->tty_total ? (int)(r->tty_bytes * 100 / r->tty_total) : r->tty_module_percent;
	if (t - r->last_draw_ms < 100 && percent < 100)
		return;
	r->last_draw_ms = t;
	draw_bar(bar, sizeof(bar), percent);
	if (r->tty_module_percent >= 0 && r->tty_total)
		snprintf(module, sizeof(module), "  module %d%%", r->tty_module_percent);
	if (r->tty_total) {
		double eta = r->tty_rate > 0 ? (double)(r->tty_total - r->tty_bytes) / r->tty_rate : 0;

		human_bytes(r->tty_bytes, done, sizeof(done));
		human_bytes(r->tty_total, total, sizeof(total));
		snprintf(line, sizeof(line), "%s %-8s %s %3d%%  %s of %s  %.1f MB/s  ETA %d:%02d%s",
			 ev->port ? ev->port : "", fota_phase_to_string(ev->phase), bar, percent, done, total,
			 r->tty_rate / 1e6, (int)eta / 60, (int)eta % 60, module);
	} else {
		snprintf(line, sizeof(line), "%s %-8s %s %3d%% (reported by the module)", ev->port ? ev->port : "",
			 fota_phase_to_string(ev->phase), bar, percent);
	}
	fprintf(r->progress, "\r\033[K%s%s%s", r->colour ? "\033[36m" : "", line, r->colour ? "\033[0m" : "");
	fflush(r->progress);
	r->line_live = true;
}

/* Plain lines: one per tenth, so that a log stays short. */
static void emit_plain_progress(struct reporter *r, const struct report_event *ev)
{
	int *last = ev->kind == REPORT_TRANSFER ? &r->last_decile_transfer : &r->last_decile_module;
	int percent = ev->kind == REPORT_TRANSFER ? (ev->total ? (int)(ev->bytes * 100 / ev->total) : 0)
						  : ev->percent;
	char done[32], total[32];

	if (percent / 10 == *last)
		return;
	*last = percent / 10;
	if (ev->kind == REPORT_TRANSFER) {
		human_bytes(ev->bytes, done, sizeof(done));
		human_bytes(ev->total, total, sizeof(total));
		fprintf(r->progress, "%s: %s %d%% (%s of %s, %.1f MB/s)\n", ev->port ? ev->port : "",
			fota_phase_to_string(ev->phase), percent, done, total, ev->rate_bps / 1e6);
	} else {
		fprintf(r->progress, "%s: %s %d%% (reported by the module)\n", ev->port ? ev->port : "",
			fota_phase_to_string(ev->phase), percent);
	}
}

static void emit_text(struct reporter *r, const struct report_event *ev)
{
	const struct report_result *res = ev->result;

	switch (ev->kind) {
	case REPORT_MESSAGE:
		if (r->quiet)
			return;
		end_live_line(r);
		fprintf(r->progress, "%s: %s\n", ev->port ? ev->port : "qfota", ev->text);
		break;
	case REPORT_WARNING:
		end_live_line(r);
		fprintf(r->progress, "%s: %swarning:%s %s\n", ev->port ? ev->port : "qfota",
			r->colour ? "\033[33m" : "", r->colour ? "\033[0m" : "", ev->text);
		break;
	case REPORT_PHASE:
		if (r->quiet || ev->phase == r->last_phase)
			return;
		r->last_phase = ev->phase;
		r->last_decile_transfer = r->last_decile_module = -1;
		r->tty_bytes = r->tty_total = 0;
		r->tty_module_percent = -1;
		end_live_line(r);
		fprintf(r->progress, "%s: %s%s%s\n", ev->port ? ev->port : "", fota_phase_to_string(ev->phase),
			ev->text ? ": " : "", ev->text ? ev->text : "");
		break;
	case REPORT_TRANSFER:
	case REPORT_MODULE_PROGRESS:
		if (r->quiet)
			return;
		if (r->style == REPORT_STYLE_TTY)
			emit_tty_progress(r, ev);
		else
			emit_plain_progress(r, ev);
		break;
	case REPORT_URC:
		break; /* shown through phases and progress; JSON carries them raw */
	case REPORT_RESULT:
		end_live_line(r);
		if (res->ok && res->err == -EALREADY) /* already at the target */
			fprintf(r->data, "%s: nothing to do: %s\n", ev->port, res->message);
		else if (res->ok)
			fprintf(r->data, "%s: %supgraded%s %s %s -> %s (IMEI %s) in %llu s\n", ev->port,
				r->data_colour ? "\033[32m" : "", r->data_colour ? "\033[0m" : "", res->model, res->from,
				res->to, res->imei, (unsigned long long)(res->total_ms / 1000));
		else
			fprintf(r->data, "%s: %sFAILED%s in %s: %s\n", ev->port ? ev->port : "",
				r->data_colour ? "\033[31m" : "", r->data_colour ? "\033[0m" : "",
				fota_phase_to_string(res->phase), res->message);
		fflush(r->data);
		break;
	}
	fflush(r->progress);
}

/* A result field as shown: see text_shown_new; cut to the field's size at a
 * whole character or escape. */
static void shown_into(char *dst, size_t cap, const char *src, bool json)
{
	size_t rcap = strlen(src) * 3 + 1; /* url_redact_text's bound */
	_cleanup_free_ char *red = malloc(rcap);

	if (!red || url_redact_text(src, red, rcap) < 0) {
		dst[0] = '\0';
		return;
	}
	if (json) {
		snprintf(dst, cap, "%s", red);
		text_utf8_sanitise(dst); /* a cut through a character */
	} else {
		text_display_escape(red, dst, cap);
	}
}

/* Every string of an event may hold what a module said (a URC, a revision,
 * an answer in an error) or a URL: each renderer gets them shown safely
 * (text.h), whatever the layer that emitted them did. */
void reporter_emit(struct reporter *r, const struct report_event *ev)
{
	bool json = r->style == REPORT_STYLE_JSON;
	struct report_event shown = *ev;
	struct report_result res;
	_cleanup_free_ char *text = NULL;

	if (ev->text) {
		text = text_shown_new(ev->text, json);
		shown.text = text ? text : "";
	}
	if (ev->result) {
		res = *ev->result;
		shown_into(res.message, sizeof(res.message), ev->result->message, json);
		shown_into(res.model, sizeof(res.model), ev->result->model, json);
		shown_into(res.imei, sizeof(res.imei), ev->result->imei, json);
		shown_into(res.from, sizeof(res.from), ev->result->from, json);
		shown_into(res.to, sizeof(res.to), ev->result->to, json);
		shown.result = &res;
	}
	ev = &shown;
	journal_send_event(ev);
	pthread_mutex_lock(&r->lock);
	if (r->style == REPORT_STYLE_FORWARD)
		r->forward(r->forward_user, ev);
	else if (r->style == REPORT_STYLE_JSON)
		emit_json(r, ev);
	else
		emit_text(r, ev);
	pthread_mutex_unlock(&r->lock);
}

void reporter_say(struct reporter *r, const char *port, bool warning, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	reporter_emit(r, &(struct report_event){ .kind = warning ? REPORT_WARNING : REPORT_MESSAGE,
						 .port = port, .percent = -1, .text = text });
}
