/* Every error table of both seeds, in plain words, with the phase each code
 * belongs to. Pure: const tables, no I/O.
 *
 * Tables (each code of a range is its own entry):
 *   EC200U/EG915U FOTA application note v1.0, chapter 4:
 *     Table 2 FOTA <err>      0 500 502 510 547 549-571   (28 entries)
 *     Table 3 FTP <err>       0 601-631                    (32)
 *     Table 4 HTTP(S) <err>   0 701 702 703 714 716 729 730 731 (9)
 *     Table 5 Datacall <err>  1-22                         (22)
 *   EP06/EG06/EM06 DFOTA user guide v1.0, chapter 5, Table 1:
 *     <ftp_err> 0 601; <http_err> 0 701;
 *     <err> 0 502 504 505 510 511 520-530 540-546          (24)
 *
 * Which table applies is decided by (family, event, code): the URC that carried
 * the code picks the family's primary table (FTPEND -> FTP, HTTPEND -> HTTP(S),
 * FILEEND/END -> FOTA (EC200U) or DFOTA <err>); code 0 is looked up there only.
 * A non-zero code not in the primary table is then looked up in the family's
 * other tables: within one family no non-zero code is in two tables, so the
 * answer is unique (EC200U FTPEND,5 is the data-call table's "CFW active state
 * getting error"; a DFOTA END,701 — which Quectel's own test scripts expect
 * after the network is cut, facts §4.1 — is the HTTP(S) table's).
 */
#ifndef QFOTA_CODES_H
#define QFOTA_CODES_H

#include <stdbool.h>
#include <stddef.h>

#include "qfota/urc.h"

enum fota_family {
	FAMILY_EC200U,  /* Unisoc: EC200U, EG915U (FOTA application note) */
	FAMILY_DFOTA,   /* Qualcomm: EC25, EG25, EP06, EG06, EM06 (DFOTA user guide) */
	FAMILY_MAX_,
};
/* "EC200U" / "DFOTA"; "unknown" out of range. */
const char *fota_family_to_string(enum fota_family f);
/* "EC200U/EG915U" / "EC25/EG25/EP06/EG06/EM06 (DFOTA)": for people. */
const char *fota_family_describe(enum fota_family f);
/* Accepts the family names ("ec200u", "dfota", "unisoc", "qualcomm") and model
 * names by prefix (EC200U*, EG915U*; EC25*, EG25*, EP06*, EG06*, EM06*),
 * case-insensitive. Returns 0, -ENOENT when nothing matches, -EINVAL on NULL. */
int fota_family_from_string(const char *name, enum fota_family *ret);

enum codes_table {
	CODES_TABLE_FOTA,        /* EC200U note Table 2, FOTA <err> */
	CODES_TABLE_FTP,         /* EC200U note Table 3, FTP <err> */
	CODES_TABLE_HTTP,        /* EC200U note Table 4, HTTP(S) <err> */
	CODES_TABLE_DATACALL,    /* EC200U note Table 5, data call <err> */
	CODES_TABLE_DFOTA_FTP,   /* DFOTA guide Table 1, <ftp_err> */
	CODES_TABLE_DFOTA_HTTP,  /* DFOTA guide Table 1, <http_err> */
	CODES_TABLE_DFOTA,       /* DFOTA guide Table 1, <err> */
	CODES_TABLE_MAX_,
};
/* "EC200U FOTA", "EC200U FTP", "EC200U HTTP(S)", "EC200U data call",
 * "DFOTA FTP", "DFOTA HTTP(S)", "DFOTA"; never NULL. */
const char *codes_table_to_string(enum codes_table t);
enum fota_family codes_table_family(enum codes_table t);

/* Where a failure happened. Download-phase failures left the firmware as it
 * was: safe to retry. Update-phase failures are reported, never retried blindly. */
enum codes_phase {
	CODES_PHASE_ANY,       /* entries only: the table does not tell, the carrying URC does */
	CODES_PHASE_DOWNLOAD,  /* getting the package to the module, checking it */
	CODES_PHASE_UPDATE,    /* rewriting the firmware (START .. END) */
};
const char *codes_phase_to_string(enum codes_phase p); /* "either", "download", "update" */

struct codes_entry {
	int code;
	enum codes_table table;
	enum codes_phase phase;   /* as far as the table itself tells */
	const char *seed_text;    /* the seed's words, verbatim (whitespace normalised) */
	const char *words;        /* plain words for a person */
	const char *hint;         /* what to do; NULL when the seeds give nothing to go on */
};

/* The entries of one table, in the seed's order; *ret_count set. NULL (and
 * *ret_count untouched) when t is out of range. */
const struct codes_entry *codes_table_entries(enum codes_table t, size_t *ret_count);

struct codes_explanation {
	enum fota_family family;
	int code;
	bool known;                 /* false: in no table of this family */
	bool success;               /* code 0 */
	enum codes_table table;     /* where it was found; when !known, the primary table */
	enum codes_phase phase;     /* DOWNLOAD or UPDATE; ANY only when neither the URC nor the table tells */
	bool retry_safe;            /* a failure of the download phase: the firmware was not touched */
	const struct codes_entry *entry; /* NULL when !known */
	const char *words;          /* entry->words, or "unknown code" */
	const char *hint;           /* may be NULL */
};

/* Explains code as carried by event (URC_EVENT_UNKNOWN when there is no URC,
 * e.g. `qfota explain`) on a module of family. Phase: FTPEND/HTTPEND/FILEEND
 * -> download; END -> update, except codes of the FTP/HTTP(S)/data-call tables
 * (always download); no URC -> the entry's own phase. An unknown code is still
 * explained: known = false, words "unknown code", phase from the URC.
 * Returns 0, or -EINVAL (family out of range, ret NULL, code negative). */
int codes_explain(enum fota_family family, enum urc_event event, int code,
		  struct codes_explanation *ret);

#define CODES_EXPLAIN_MAX 8
/* For `qfota explain CODE`: every entry of every table holding code (code 0 is
 * in six), and for a family with none, one explanation with known = false.
 * Families in enum order, tables in enum order. Returns the count (>= 2), or
 * -E2BIG if cap is too small (CODES_EXPLAIN_MAX always suffices), -EINVAL. */
int codes_explain_all(int code, struct codes_explanation *ret, size_t cap);

/* A buffer this size holds every explanation (a test checks all of them). */
#define CODES_FORMAT_MAX 512
/* One line for a person, e.g. "EC200U FTP error 609: the FTP server did not
 * answer in time (download phase: safe to retry). What to do: ...".
 * Returns the length, or -E2BIG when it did not fit (buf then holds as much as
 * fitted, NUL-terminated), -EINVAL. */
int codes_explanation_format(const struct codes_explanation *e, char *buf, size_t cap);

#endif
