/* The station's live table and plain lines (tool/station_view.h). Runs under
 * the forward reporter's lock (events) or its own (identity, tick): one
 * mutex, the view's, guards the rows. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "qfota/clock.h"
#include "qfota/cleanup.h"
#include "qfota/text.h"
#include "station_view.h"

#define VIEW_REDRAW_MS 100
#define VIEW_WARNINGS_MAX 64

struct row {
	char port[USBXFER_PORT_MAX];
	char model[32], imei[32];
	enum fota_phase phase;
	int percent;            /* -1 unknown */
	double rate_bps;        /* host transfer rate in the download phase, 0 else */
	uint64_t t_start_ms;    /* when its module arrived (the start, without --watch) */
	uint64_t t_end_ms;      /* 0 while running */
	char result[48];        /* "" while running */
	int colour;             /* 0 none, 32 green, 31 red, 33 yellow */
	/* PLAIN: the last phase and tenth printed for this module */
	int plain_phase, plain_decile_host, plain_decile_module;
};

struct station_view {
	enum station_view_style style;
	FILE *data, *progress;
	bool colour, quiet;
	pthread_mutex_t lock;
	struct row *rows;
	size_t n, cap;
	bool watch;             /* --watch: rows come and go with modules; counts in the header */
	unsigned n_upgraded, n_skipped, n_failed;
	uint64_t t0_ms, last_draw_ms;
	unsigned drawn_lines;   /* lines of the last drawing, to move back over */
	char *warnings[VIEW_WARNINGS_MAX];
	size_t n_warnings;
};


static void row_reset(struct row *r, const char *port, uint64_t t)
{
	*r = (struct row){ .phase = FOTA_PHASE_PREFLIGHT, .percent = -1, .t_start_ms = t };
	snprintf(r->port, sizeof(r->port), "%s", port);
	r->plain_phase = r->plain_decile_host = r->plain_decile_module = -1;
}

int station_view_new(enum station_view_style style, const char *const *ports, size_t n, FILE *data,
		     FILE *progress, bool colour, bool quiet, struct station_view **ret)
{
	struct station_view *v;

	if ((n && !ports) || !data || !progress || !ret)
		return -EINVAL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->rows = calloc(n ? n : 1, sizeof(*v->rows));
	if (!v->rows) {
		free(v);
		return -ENOMEM;
	}
	v->style = style;
	v->data = data;
	v->progress = progress;
	v->colour = colour;
	v->quiet = quiet;
	v->n = n;
	v->cap = n ? n : 1;
	v->t0_ms = qfota_now_ms();
	for (size_t i = 0; i < n; i++)
		row_reset(&v->rows[i], ports[i], v->t0_ms);
	pthread_mutex_init(&v->lock, NULL);
	*ret = v;
	return 0;
}

void station_view_free(struct station_view *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n_warnings; i++)
		free(v->warnings[i]);
	pthread_mutex_destroy(&v->lock);
	free(v->rows);
	free(v);
}

static struct row *row_of(struct station_view *v, const char *port)
{
	for (size_t i = 0; port && i < v->n; i++)
		if (strcmp(v->rows[i].port, port) == 0)
			return &v->rows[i];
	return NULL;
}

static unsigned term_rows(const struct station_view *v)
{
	struct winsize ws;

	if (ioctl(fileno(v->progress), TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0)
		return ws.ws_row;
	return 24;
}

static void format_row(const struct station_view *v, const struct row *r, uint64_t t, char *out, size_t cap)
{
	char pct[16] = "", rate[16] = "";
	uint64_t el = ((r->t_end_ms ? r->t_end_ms : t) - r->t_start_ms) / 1000;

	if (r->percent >= 0)
		snprintf(pct, sizeof(pct), "%d%%", r->percent);
	if (r->rate_bps > 0 && !r->t_end_ms)
		snprintf(rate, sizeof(rate), "%.1f MB/s", r->rate_bps / 1e6);
	snprintf(out, cap, "%-12s %-8s %-15s %-9s %4s %10s %4llu:%02llu  %s%s%s", r->port, r->model[0] ? r->model : "-",
		 r->imei[0] ? r->imei : "-", r->t_end_ms ? "" : fota_phase_to_string(r->phase), pct, rate,
		 (unsigned long long)(el / 60), (unsigned long long)(el % 60),
		 v->colour && r->colour ? (r->colour == 31 ? "\033[31m" : r->colour == 32 ? "\033[32m" : "\033[33m") : "",
		 r->result, v->colour && r->colour ? "\033[0m" : "");
}

/* The table, over the previous drawing. Running rows first when the terminal
 * is too short for all (unless final: then every row, once, scrolling). */
static void draw_table(struct station_view *v, bool final)
{
	uint64_t t = qfota_now_ms();
	unsigned room = term_rows(v) > 4 ? term_rows(v) - 3 : 1;
	size_t shown = 0, running = 0, failed = 0, ok = 0;
	char line[256];

	v->last_draw_ms = t;
	if (v->drawn_lines)
		fprintf(v->progress, "\033[%uA", v->drawn_lines);
	if (v->watch) {
		unsigned total = v->n_upgraded + v->n_skipped + v->n_failed;
		uint64_t el = t - v->t0_ms;

		fprintf(v->progress, "\r\033[Kwatching %zu ports: %u done, %u failed, %u skipped, %.1f modules/h\n", v->n,
			v->n_upgraded, v->n_failed, v->n_skipped, el ? total * 3600000.0 / (double)el : 0.0);
	}
	fprintf(v->progress, "\r\033[K%-12s %-8s %-15s %-9s %4s %10s %7s  %s\n", "PORT", "MODEL", "IMEI", "PHASE", "%",
		"RATE", "ELAPSED", "RESULT");
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < v->n; i++) {
			const struct row *r = &v->rows[i];
			bool done = r->t_end_ms != 0;

			if (pass == 0) {
				running += !done;
				failed += done && r->colour == 31;
				ok += done && r->colour != 31;
			}
			/* pass 0: running and failed rows; pass 1: the rest */
			if ((pass == 0) != (!done || r->colour == 31))
				continue;
			if (!final && shown >= room)
				continue;
			format_row(v, r, t, line, sizeof(line));
			fprintf(v->progress, "\r\033[K%s\n", line);
			shown++;
		}
	}
	fprintf(v->progress, "\r\033[K%zu %s: %zu running, %zu done, %zu failed%s\n", v->n, v->watch ? "ports" : "modules",
		running, ok, failed, shown < v->n ? " (some rows hidden: terminal too short)" : "");
	v->drawn_lines = final ? 0 : (unsigned)shown + 2 + (v->watch ? 1 : 0);
	fflush(v->progress);
}

static void plain_progress(struct station_view *v, struct row *r, const struct report_event *ev)
{
	bool host = ev->kind == REPORT_TRANSFER;
	int *last = host ? &r->plain_decile_host : &r->plain_decile_module;
	int percent = host ? (ev->total ? (int)(ev->bytes * 100 / ev->total) : 0) : ev->percent;

	if (percent < 0 || percent / 10 == *last)
		return;
	*last = percent / 10;
	if (host)
		fprintf(v->progress, "%s: %s %d%% (%.1f MB/s)\n", r->port, fota_phase_to_string(ev->phase), percent,
			ev->rate_bps / 1e6);
	else
		fprintf(v->progress, "%s: %s %d%% (reported by the module)\n", r->port,
			fota_phase_to_string(ev->phase), percent);
}

static void plain_result(struct station_view *v, const char *port, const struct report_result *res)
{
	if (res->ok && res->err == -EALREADY)
		fprintf(v->data, "%s: skipped: %s\n", port, res->message);
	else if (res->ok)
		fprintf(v->data, "%s: upgraded %s %s -> %s (IMEI %s) in %llu ms\n", port, res->model, res->from, res->to,
			res->imei, (unsigned long long)res->total_ms);
	else
		fprintf(v->data, "%s: FAILED (exit %d) in %s: %s\n", port, res->exit_code, fota_phase_to_string(res->phase),
			res->message);
	fflush(v->data);
}

static void row_result(struct row *r, const struct report_result *res)
{
	r->t_end_ms = qfota_now_ms();
	r->phase = res->phase;
	if (res->model[0])
		snprintf(r->model, sizeof(r->model), "%s", res->model);
	if (res->imei[0])
		snprintf(r->imei, sizeof(r->imei), "%s", res->imei);
	if (res->ok && res->err == -EALREADY) {
		if (res->to[0])
			snprintf(r->result, sizeof(r->result), "skipped (at %.30s)", res->to);
		else /* left alone by the policy (IMEI not listed) */
			snprintf(r->result, sizeof(r->result), "skipped (not listed)");
		r->colour = 33;
	} else if (res->ok) {
		snprintf(r->result, sizeof(r->result), "upgraded to %.30s", res->to);
		r->colour = 32;
	} else {
		snprintf(r->result, sizeof(r->result), "FAILED (exit %d) in %s", res->exit_code,
			 fota_phase_to_string(res->phase));
		r->colour = 31;
	}
}

/* One event, under the view's lock. */
static void view_event(struct station_view *v, const struct report_event *ev)
{
	struct row *r = row_of(v, ev->port);
	bool table = v->style == STATION_VIEW_TABLE;

	if (!r) { /* not a module's event: say it as it is */
		if (ev->text && (ev->kind == REPORT_WARNING || !v->quiet) && !table)
			fprintf(v->progress, "qfota: %s\n", ev->text);
		return;
	}
	switch (ev->kind) {
	case REPORT_MESSAGE:
		if (!table && !v->quiet)
			fprintf(v->progress, "%s: %s\n", r->port, ev->text);
		break;
	case REPORT_WARNING:
		if (!table) {
			fprintf(v->progress, "%s: warning: %s\n", r->port, ev->text);
		} else if (v->n_warnings < VIEW_WARNINGS_MAX) {
			char *w = NULL;

			if (asprintf(&w, "%s: warning: %s", r->port, ev->text) >= 0)
				v->warnings[v->n_warnings++] = w;
		}
		break;
	case REPORT_PHASE:
		if (ev->phase != r->phase) {
			r->percent = -1;
			r->rate_bps = 0;
		}
		r->phase = ev->phase;
		if (!table && !v->quiet && r->plain_phase != (int)ev->phase) {
			r->plain_phase = (int)ev->phase;
			r->plain_decile_host = r->plain_decile_module = -1;
			fprintf(v->progress, "%s: %s%s%s\n", r->port, fota_phase_to_string(ev->phase), ev->text ? ": " : "",
				ev->text ? ev->text : "");
		}
		break;
	case REPORT_TRANSFER:
		r->rate_bps = ev->rate_bps;
		if (ev->total)
			r->percent = (int)(ev->bytes * 100 / ev->total);
		if (!table && !v->quiet)
			plain_progress(v, r, ev);
		break;
	case REPORT_MODULE_PROGRESS:
		if (ev->phase != FOTA_PHASE_DOWNLOAD || r->rate_bps <= 0)
			r->percent = ev->percent;
		if (!table && !v->quiet)
			plain_progress(v, r, ev);
		break;
	case REPORT_URC:
		break;
	case REPORT_RESULT:
		row_result(r, ev->result);
		if (!table)
			plain_result(v, r->port, ev->result);
		break;
	}
	if (table && (ev->kind == REPORT_RESULT || qfota_now_ms() - v->last_draw_ms >= VIEW_REDRAW_MS))
		draw_table(v, false);
}

void station_view_event(void *user, const struct report_event *ev)
{
	struct station_view *v = user;

	pthread_mutex_lock(&v->lock);
	view_event(v, ev);
	if (v->style != STATION_VIEW_TABLE)
		fflush(v->progress);
	pthread_mutex_unlock(&v->lock);
}

void station_view_identity(void *user, const char *port, const struct report_result *id)
{
	struct station_view *v = user;
	struct row *r;

	pthread_mutex_lock(&v->lock);
	r = row_of(v, port);
	if (r) { /* what the module said: shown escaped (qfota/text.h) */
		text_display_escape(id->model, r->model, sizeof(r->model));
		text_display_escape(id->imei, r->imei, sizeof(r->imei));
	}
	pthread_mutex_unlock(&v->lock);
}

void station_view_tick(void *user)
{
	struct station_view *v = user;

	pthread_mutex_lock(&v->lock);
	/* elapsed keeps counting while a module reboots and says nothing */
	if (v->style == STATION_VIEW_TABLE && qfota_now_ms() - v->last_draw_ms >= VIEW_REDRAW_MS)
		draw_table(v, false);
	pthread_mutex_unlock(&v->lock);
}

void station_view_watch(struct station_view *v)
{
	v->watch = true;
}

void station_view_arrival(void *user, const char *port)
{
	struct station_view *v = user;
	struct row *r;

	pthread_mutex_lock(&v->lock);
	r = row_of(v, port);
	if (!r && v->n == v->cap) {
		struct row *more = realloc(v->rows, v->cap * 2 * sizeof(*more));

		if (more) {
			v->rows = more;
			v->cap *= 2;
		}
	}
	if (!r && v->n < v->cap)
		r = &v->rows[v->n++];
	if (r) /* the last module's result, IMEI and duration stay until now */
		row_reset(r, port, qfota_now_ms());
	pthread_mutex_unlock(&v->lock);
}

void station_view_outcome(struct station_view *v, const struct station_entry *e)
{
	pthread_mutex_lock(&v->lock);
	v->n_upgraded += e->outcome == STATION_UPGRADED;
	v->n_skipped += e->outcome == STATION_SKIPPED;
	v->n_failed += e->outcome == STATION_FAILED;
	if (v->style == STATION_VIEW_TABLE)
		draw_table(v, false);
	pthread_mutex_unlock(&v->lock);
}

void station_view_finish(struct station_view *v)
{
	pthread_mutex_lock(&v->lock);
	if (v->style == STATION_VIEW_TABLE) {
		draw_table(v, true);
		for (size_t i = 0; i < v->n_warnings; i++)
			fprintf(v->progress, "%s\n", v->warnings[i]);
		fflush(v->progress);
	}
	pthread_mutex_unlock(&v->lock);
}

void station_summary_print(FILE *out, const struct station_result *r)
{
	fprintf(out, "station: %zu modules: %u upgraded, %u skipped, %u failed (exit %d)\n", r->n, r->upgraded,
		r->skipped, r->failed, r->exit_code);
	for (size_t i = 0; i < r->n; i++) {
		const struct station_entry *e = &r->entries[i];

		if (e->outcome == STATION_FAILED) {
			_cleanup_free_ char *msg = text_shown_new(e->res.message, false);

			fprintf(out, "  failed %s (exit %d, %s): %s\n", e->port, e->res.exit_code,
				fota_phase_to_string(e->res.phase), msg ? msg : "");
		}
	}
	fflush(out);
}

void station_summary_print_json(FILE *out, const struct station_result *r)
{
	json_object *o = json_object_new_object(), *fails = json_object_new_array();

	json_object_object_add(o, "event", json_object_new_string("summary"));
	json_object_object_add(o, "modules", json_object_new_uint64(r->n));
	json_object_object_add(o, "upgraded", json_object_new_int((int)r->upgraded));
	json_object_object_add(o, "skipped", json_object_new_int((int)r->skipped));
	json_object_object_add(o, "failed", json_object_new_int((int)r->failed));
	json_object_object_add(o, "exit_code", json_object_new_int(r->exit_code));
	for (size_t i = 0; i < r->n; i++) {
		const struct station_entry *e = &r->entries[i];
		_cleanup_free_ char *msg = NULL;
		json_object *f;

		if (e->outcome != STATION_FAILED)
			continue;
		msg = text_shown_new(e->res.message, true);
		f = json_object_new_object();
		json_object_object_add(f, "port", json_object_new_string(e->port));
		json_object_object_add(f, "exit_code", json_object_new_int(e->res.exit_code));
		json_object_object_add(f, "phase", json_object_new_string(fota_phase_to_string(e->res.phase)));
		json_object_object_add(f, "message", json_object_new_string(msg ? msg : ""));
		json_object_array_add(fails, f);
	}
	json_object_object_add(o, "failures", fails);
	fprintf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(out);
	json_object_put(o);
}
