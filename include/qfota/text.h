/* Strings that came from a device, made safe to show. No I/O, no globals.
 *
 * A module's answers and URCs (and its USB descriptor strings) may hold any
 * byte: terminal escape sequences (ESC ] 0;title BEL retitles a terminal,
 * ESC [2J clears it) and bytes that are not UTF-8 (which strict JSON readers
 * reject). Every device string goes through one of these before it is shown:
 * text_display_escape() for a terminal or a log, text_utf8_sanitise() for
 * JSON (json-c then escapes the control characters).
 *
 * Well-formed UTF-8 is RFC 3629's: shortest form only (no C0 80 for NUL),
 * no surrogates (U+D800-U+DFFF), nothing above U+10FFFF.
 */
#ifndef QFOTA_TEXT_H
#define QFOTA_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* The length of the well-formed UTF-8 sequence at s (1-4), or 0 when the byte
 * at s does not begin one (s is read no further than its NUL). */
size_t text_utf8_sequence(const char *s);

/* Replaces, in place, every byte that is not part of a well-formed UTF-8
 * sequence with '?'. Returns the number of bytes replaced. s may be NULL. */
size_t text_utf8_sanitise(char *s);

/* Copies s into out (cap bytes, always NUL-terminated, cut at a whole
 * character or escape), escaping every control character (C0, DEL, C1
 * U+0080-U+009F) and every byte outside well-formed UTF-8 as \xNN; printable
 * ASCII and well-formed printable UTF-8 are kept. Returns out. */
char *text_display_escape(const char *s, char *out, size_t cap);

/* What the reporter shows of any text that may hold device strings or a URL:
 * a malloc'd copy of s with the userinfo of every URL hidden
 * (url_redact_text), then display-escaped (json false: for a terminal or a
 * log) or UTF-8-sanitised (json true: json-c escapes the controls). Returns
 * NULL for s NULL or on ENOMEM; the caller frees. */
char *text_shown_new(const char *s, bool json);

#endif
