/* urc_fota_parse on any line. Properties:
 *  - it returns 0, -ENOMSG or -EPROTO, and leaves ret untouched on failure;
 *  - an accepted event is consistent: a known word, an argument where the
 *    event needs one, a percent 0..100, no '%' after an <err>;
 *  - trailing CR LF does not change the answer (lines come with or without);
 *  - the event re-emitted in canonical form (`+QIND: "FOTA","WORD",ARG`, and
 *    with the canonical word) parses to the same event, argument and sign;
 *  - a line it accepts starting with "+QIND:" is a URC to at_line_classify. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "qfota/atparse.h"
#include "qfota/urc.h"

static void same_event(const struct urc_fota *a, const struct urc_fota *b, const char *what)
{
	FUZZ_CHECK(a->event == b->event, "%s: event %s vs %s", what, urc_event_to_string(a->event),
		   urc_event_to_string(b->event));
	FUZZ_CHECK(a->has_arg == b->has_arg && a->arg == b->arg, "%s: arg %d/%d vs %d/%d", what, a->has_arg,
		   a->arg, b->has_arg, b->arg);
	FUZZ_CHECK(a->percent_sign == b->percent_sign, "%s: percent sign", what);
}

static void reemit(const struct urc_fota *u, const char *word, const char *what)
{
	char line[128];
	struct urc_fota v;
	int r;

	if (u->has_arg)
		snprintf(line, sizeof(line), "+QIND: \"FOTA\",\"%s\",%d%s", word, u->arg, u->percent_sign ? "%" : "");
	else
		snprintf(line, sizeof(line), "+QIND: \"FOTA\",\"%s\"", word);
	r = urc_fota_parse(line, &v);
	FUZZ_CHECK(r == 0, "%s: \"%s\" rejected (%d)", what, line, r);
	same_event(u, &v, what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = fuzz_cstr(data, size), *crlf;
	struct urc_fota u, v;
	size_t n = strlen(line);
	int r, r2;

	memset(&u, 0x5a, sizeof(u));
	r = urc_fota_parse(line, &u);
	FUZZ_CHECK(r == 0 || r == -ENOMSG || r == -EPROTO, "return %d", r);
	if (r < 0)
		FUZZ_CHECK(((unsigned char *)&u)[0] == 0x5a, "ret written on failure %d", r);

	/* trailing CR LF changes nothing */
	crlf = malloc(n + 3);
	if (!crlf)
		abort();
	memcpy(crlf, line, n);
	memcpy(crlf + n, "\r\n", 3);
	r2 = urc_fota_parse(crlf, &v);
	FUZZ_CHECK(r2 == r, "with CR LF: %d, without: %d", r2, r);
	if (r == 0) {
		same_event(&u, &v, "with CR LF");
		FUZZ_CHECK(strcmp(u.word, v.word) == 0, "with CR LF: word");
	}
	free(crlf);

	if (r == 0) {
		size_t wl = strnlen(u.word, sizeof(u.word));

		FUZZ_CHECK(wl > 0 && wl < sizeof(u.word), "word length %zu", wl);
		FUZZ_CHECK(u.word[0] != ' ' && u.word[wl - 1] != ' ', "word not trimmed: \"%s\"", u.word);
		FUZZ_CHECK((unsigned)u.event < URC_EVENT_MAX_, "event %d", (int)u.event);
		FUZZ_CHECK(urc_event_from_string(u.word) == u.event, "word \"%s\" vs event %s", u.word,
			   urc_event_to_string(u.event));
		FUZZ_CHECK(u.has_arg || u.arg == 0, "arg %d without has_arg", u.arg);
		FUZZ_CHECK(u.arg >= 0, "negative arg %d", u.arg);
		FUZZ_CHECK(!u.percent_sign || u.has_arg, "'%%' without an argument");
		if (urc_event_has_percent(u.event))
			FUZZ_CHECK(u.has_arg && u.arg <= 100, "%s %d", u.word, u.arg);
		if (urc_event_has_code(u.event))
			FUZZ_CHECK(u.has_arg && !u.percent_sign, "%s without a code", u.word);

		reemit(&u, u.word, "re-emitted");
		if (u.event != URC_EVENT_UNKNOWN)
			reemit(&u, urc_event_to_string(u.event), "canonical");

		if (strncmp(line, "+QIND:", 6) == 0) {
			struct at_line l;

			FUZZ_CHECK(at_line_classify(line, n, NULL, &l) == 0 && l.kind == AT_LINE_URC,
				   "a FOTA URC classified %s", at_line_kind_to_string(l.kind));
		}
	}
	free(line);
	return 0;
}
