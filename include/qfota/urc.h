/* The `+QIND: "FOTA",...` URC: one line in, one event out. Pure: no I/O, no
 * allocation, no globals.
 *
 * Events of both seeds (EC200U/EG915U FOTA application note; EP06/EG06/EM06
 * DFOTA user guide) and the facts (BG96 RESTORE, EG18 HTTPS spelling):
 *   FTPSTART  FTPEND,<err>   HTTPSTART  HTTPEND,<err>   FILESTART  FILEEND,<err>
 *   DOWNLOADING,<percent>    START      UPDATING,<percent>
 *   RESTORE,<percent>        END,<err>
 */
#ifndef QFOTA_URC_H
#define QFOTA_URC_H

#include <stdbool.h>

enum urc_event {
	URC_EVENT_UNKNOWN = 0,  /* a well-formed FOTA URC with a word we do not know (kept in .word) */
	URC_EVENT_FTPSTART,
	URC_EVENT_FTPEND,       /* arg: <ftp_err>, FTP table or data-call table */
	URC_EVENT_HTTPSTART,
	URC_EVENT_HTTPEND,      /* arg: <http_err>, HTTP(S) table or data-call table */
	URC_EVENT_FILESTART,
	URC_EVENT_FILEEND,      /* arg: <err> of the FOTA table */
	URC_EVENT_DOWNLOADING,  /* arg: percent 0..100 */
	URC_EVENT_START,
	URC_EVENT_UPDATING,     /* arg: percent 0..100 */
	URC_EVENT_RESTORE,      /* arg: percent 0..100 (BG96 DFOTA guide, facts §2.4) */
	URC_EVENT_END,          /* arg: <err> of the FOTA / DFOTA table */
	URC_EVENT_MAX_,
};

/* "FTPSTART", ... the canonical word; "UNKNOWN" for URC_EVENT_UNKNOWN; never NULL. */
const char *urc_event_to_string(enum urc_event ev);
/* Canonical words and the known spellings (HTTPPEND, HTTPSSTART, HTTPSEND),
 * case-insensitive, surrounding spaces ignored; URC_EVENT_UNKNOWN otherwise. */
enum urc_event urc_event_from_string(const char *word);
/* The argument is a percent (DOWNLOADING, UPDATING, RESTORE). */
bool urc_event_has_percent(enum urc_event ev);
/* The argument is an <err> code (FTPEND, HTTPEND, FILEEND, END). */
bool urc_event_has_code(enum urc_event ev);
/* FTPEND, HTTPEND, FILEEND: the end of the download phase (its <err> 0 = downloaded). */
bool urc_event_is_download_end(enum urc_event ev);

#define URC_WORD_MAX 24

struct urc_fota {
	enum urc_event event;
	bool has_arg;
	int arg;                  /* percent (0..100) or <err> (>= 0); 0 when !has_arg */
	bool percent_sign;        /* the arg carried a trailing '%' (XinYi SDK, facts §2.4) */
	char word[URC_WORD_MAX];  /* the event word as received, spaces trimmed ("HTTPPEND") */
};

/* Parses one line, without its CR/LF (trailing CR/LF/spaces are tolerated).
 * Grammar:  +QIND: SP* "FOTA" SP* , SP* " SP* WORD SP* " [ SP* , SP* DIGITS [%] ] SP*
 * Returns
 *   0        a FOTA URC; *ret filled (an unknown word gives URC_EVENT_UNKNOWN)
 *   -ENOMSG  not ours: not a +QIND line, or a +QIND of another kind
 *            (`+QIND: SMS DONE`, `+QIND: "csq",...`); the caller passes it on
 *   -EPROTO  a FOTA URC that is garbled or truncated: missing quote, missing or
 *            non-numeric argument where the event needs one, percent over 100,
 *            '%' after an <err>, trailing junk, a word over URC_WORD_MAX-1
 *   -EINVAL  line or ret is NULL
 * ret is written only on success. */
int urc_fota_parse(const char *line, struct urc_fota *ret);

#endif
