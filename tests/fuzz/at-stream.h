/* Feeds one byte stream through an at_assembler the way tool/at.c does (call
 * again with data + consumed until all is used), in chunks chosen by a
 * generator, and records every line handed out. Used by fuzz-atparse.c and
 * fuzz-qfupl.c to compare one-chunk, byte-by-byte and random splits. */
#ifndef QFOTA_FUZZ_AT_STREAM_H
#define QFOTA_FUZZ_AT_STREAM_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "qfota/atparse.h"

struct at_rec {
	enum at_line_kind kind;
	size_t len, acks;
	bool has_code;
	int code;
	char *text; /* copy of len bytes */
};

struct at_run {
	struct at_rec *recs;
	size_t n, cap;
	struct at_assembler a; /* the state after the last byte */
};

enum at_split {
	AT_SPLIT_ONE,    /* everything in one call */
	AT_SPLIT_BYTES,  /* one byte per call */
	AT_SPLIT_RANDOM, /* fuzz_chunk() sizes */
};

struct at_opts {
	const char *pending;    /* the command in flight at the start, or NULL */
	bool ack_at_start;      /* ACK mode on from the first byte (AT+QFUPL after CONNECT) */
	bool ack_after_connect; /* turn ACK mode on after each CONNECT, as fota_upload.c does */
	bool pending_from_echo; /* each echoed "AT..." line becomes the pending command */
};

/* Checks what holds for every line handed out, whatever the bytes. */
static inline void at_line_check(const struct at_line *l)
{
	FUZZ_CHECK((unsigned)l->kind < AT_LINE_MAX_KIND_, "kind %d", (int)l->kind);
	FUZZ_CHECK(l->text != NULL, "NULL text");
	if (l->kind == AT_LINE_ACK) {
		FUZZ_CHECK(l->acks > 0 && l->len == 0, "ACK with %zu acks, len %zu", l->acks, l->len);
		return;
	}
	FUZZ_CHECK(l->acks == 0, "%zu acks on a %s line", l->acks, at_line_kind_to_string(l->kind));
	FUZZ_CHECK(l->len <= AT_LINE_MAX, "line of %zu bytes", l->len);
	FUZZ_CHECK(l->text[l->len] == '\0', "text not terminated");
	FUZZ_CHECK(!memchr(l->text, '\r', l->len) && !memchr(l->text, '\n', l->len), "CR or LF inside a line");
	FUZZ_CHECK((l->kind == AT_LINE_BLANK) == (l->len == 0), "blank kind vs length %zu", l->len);
	FUZZ_CHECK(l->kind != AT_LINE_OVERLONG || l->len == AT_LINE_MAX, "overlong of %zu", l->len);
	FUZZ_CHECK(!l->has_code || l->kind == AT_LINE_CME_ERROR || l->kind == AT_LINE_CMS_ERROR,
		   "a code on a %s line", at_line_kind_to_string(l->kind));
	FUZZ_CHECK(!l->has_code || l->code >= 0, "code %d", l->code);
}

static inline void at_run_add(struct at_run *run, const struct at_line *l)
{
	struct at_rec *last = run->n ? &run->recs[run->n - 1] : NULL;

	/* An ACK run split across calls comes out as several ACK lines: one run. */
	if (l->kind == AT_LINE_ACK && last && last->kind == AT_LINE_ACK) {
		last->acks += l->acks;
		return;
	}
	if (run->n == run->cap) {
		run->cap = run->cap ? run->cap * 2 : 16;
		run->recs = realloc(run->recs, run->cap * sizeof(*run->recs));
		if (!run->recs)
			abort();
	}
	run->recs[run->n++] = (struct at_rec){ .kind = l->kind, .len = l->len, .acks = l->acks,
					       .has_code = l->has_code, .code = l->code,
					       .text = fuzz_cstr((const uint8_t *)l->text, l->len) };
}

static inline void at_run_free(struct at_run *run)
{
	for (size_t i = 0; i < run->n; i++)
		free(run->recs[i].text);
	free(run->recs);
}

static inline void at_run_feed(struct at_run *run, const uint8_t *data, size_t size, const struct at_opts *o,
			       enum at_split split, uint64_t seed)
{
	struct at_assembler *a = &run->a;
	size_t off = 0;

	memset(run, 0, sizeof(*run));
	at_assembler_init(a);
	if (o->pending)
		at_assembler_set_pending(a, o->pending);
	at_assembler_set_ack_mode(a, o->ack_at_start);
	while (off < size || split == AT_SPLIT_RANDOM) {
		size_t chunk = split == AT_SPLIT_ONE ? size - off : split == AT_SPLIT_BYTES ? 1 :
									 fuzz_chunk(&seed, size - off);
		size_t used = 0;
		int guard = 0;

		/* the caller's loop: the same chunk until all of it is used */
		do {
			struct at_line l;
			size_t consumed = (size_t)-1;
			int r = at_assembler_feed(a, data + off + used, chunk - used, &l, &consumed);

			FUZZ_CHECK(r == 0 || r == 1, "feed returned %d", r);
			FUZZ_CHECK(consumed <= chunk - used, "consumed %zu of %zu", consumed, chunk - used);
			FUZZ_CHECK(r == 1 || consumed == chunk - used, "no line, %zu of %zu used", consumed,
				   chunk - used);
			used += consumed;
			/* a line may use no byte (a CR ended it), never twice in a row */
			guard = consumed == 0 ? guard + 1 : 0;
			FUZZ_CHECK(guard < 3, "no progress");
			if (r == 1) {
				at_line_check(&l);
				at_run_add(run, &l);
				if (l.kind == AT_LINE_CONNECT && o->ack_after_connect)
					at_assembler_set_ack_mode(a, true);
				if (l.kind == AT_LINE_ECHO && o->pending_from_echo)
					at_assembler_set_pending(a, l.text);
			}
		} while (used < chunk);
		off += chunk;
		if (split == AT_SPLIT_RANDOM && off == size)
			break;
	}
}

/* The same lines, and the same partial line left over. */
static inline void at_run_compare(const struct at_run *x, const struct at_run *y, const char *what)
{
	FUZZ_CHECK(x->n == y->n, "%s: %zu lines vs %zu", what, x->n, y->n);
	for (size_t i = 0; i < x->n; i++) {
		const struct at_rec *p = &x->recs[i], *q = &y->recs[i];

		FUZZ_CHECK(p->kind == q->kind, "%s: line %zu: %s vs %s", what, i, at_line_kind_to_string(p->kind),
			   at_line_kind_to_string(q->kind));
		FUZZ_CHECK(p->len == q->len && memcmp(p->text, q->text, p->len) == 0, "%s: line %zu text", what, i);
		FUZZ_CHECK(p->acks == q->acks, "%s: line %zu: %zu acks vs %zu", what, i, p->acks, q->acks);
		FUZZ_CHECK(p->has_code == q->has_code && p->code == q->code, "%s: line %zu code", what, i);
	}
	FUZZ_CHECK(x->a.len == y->a.len && memcmp(x->a.buf, y->a.buf, x->a.len) == 0, "%s: partial line", what);
	FUZZ_CHECK(x->a.overflow == y->a.overflow && x->a.ack_mode == y->a.ack_mode, "%s: end state", what);
	FUZZ_CHECK(x->a.crs == y->a.crs, "%s: pending CRs %zu vs %zu", what, x->a.crs, y->a.crs);
	FUZZ_CHECK(strcmp(x->a.pending, y->a.pending) == 0, "%s: pending command", what);
}

#endif
