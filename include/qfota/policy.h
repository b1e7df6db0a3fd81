/* The upgrade policy of a station or of `qfota auto`: for a model and its
 * current firmware revision (from ATI), which package, how it reaches the
 * module, and the revision it leads to. Default file /etc/qfota/policy.conf.
 *
 * Format: one rule per line, whitespace-separated KEY=VALUE fields in any
 * order; '#' starts a comment (at the start of a line or of a field); blank
 * lines are ignored; CRLF line ends are accepted.
 *
 *   # EC200U: A15 -> A16 streamed over USB, then A16 -> A17 from a server
 *   model=EC200U from=EC200UCNAAR03A15M08 to=EC200UCNAAR03A16M08 file=/srv/fota/a15-a16.pack
 *   model=EC200U from=EC200UCNAAR03A16M08 to=EC200UCNAAR03A17M08 url=http://fota.example.com/a16-a17.pack
 *   model=EG25   from=EG25GGBR07A08M2G    to=EG25GGBR07A09M2G    upload=/srv/fota/eg25.zip
 *
 * Keys:
 *   model=M         the model as ATI names it (EC200U, EG25, EP06); letters,
 *                   digits, '-', at most 31; compared without regard to case
 *   from=REV        the revision the package applies to (a delta needs its exact
 *                   source); letters, digits, '_', '.', '-', at most 63
 *   to=REV          the revision the module runs afterwards (checked after the
 *                   upgrade; a module already at it is skipped); same characters
 *   file=PATH       stream PATH over USB in FILE mode (EC200U-class)
 *   url=URL         the module downloads URL itself (checked with url_parse)
 *   upload=PATH     AT+QFUPL PATH to the module, then DFOTA from there (EC25-class)
 *   upload-name=N   optional, with upload=: the file name on the module
 *   imei=LIST       optional: the rule upgrades only the modules whose IMEI
 *                   is on LIST; others are skipped (policy_rule_allows_imei).
 *                   Grammar: item { "," item }, item = 15 digits (one module)
 *                   | 1-14 digits "*" (every IMEI starting with them)
 *   sha256=HEX      optional, with file= or upload=: the package's SHA-256 (64 hex
 *                   digits); checked when the policy is loaded (station_policy_check)
 *                   and over the bytes as they are sent (fota_job.sha256)
 * model, from, to and exactly one of file/url/upload are required; PATH is
 * absolute. Values hold no whitespace, '"' or '#'. A second rule for the same
 * model and from-revision is an error (which one would be meant?).
 *
 * Chains: rules A -> B and B -> C of one model take a module at A through
 * both in one run (policy_chain), each hop verified before the next. Rules
 * that lead back to a revision they start from (A -> B, B -> A) are a loop: a
 * module would be upgraded forever; the policy is refused (the line of the
 * loop's first rule).
 *
 * Deciding (policy_decide): the rule whose model and from match the module is
 * applied; else, when some rule of that model leads to the module's revision,
 * the module is at its target and is skipped; else the model or the revision
 * is unknown and is reported, never guessed.
 *
 * Trust (policy_load): in `qfota auto` the policy alone decides what is
 * flashed onto whatever is plugged in, so the file must be as trusted as the
 * program: owned by root or by the user running qfota (by root alone when
 * that is root), and writable by nobody else. A url= with a user:password
 * makes the file a secret too: the caller warns when others may read it.
 */
#ifndef QFOTA_POLICY_H
#define QFOTA_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#define POLICY_DEFAULT_PATH "/etc/qfota/policy.conf"
#define POLICY_MODEL_MAX 32  /* with the NUL */
#define POLICY_REV_MAX 64    /* with the NUL */

enum policy_source {
	POLICY_SOURCE_FILE,   /* file=  */
	POLICY_SOURCE_URL,    /* url=   */
	POLICY_SOURCE_UPLOAD, /* upload= */
};
const char *policy_source_to_string(enum policy_source s); /* "file", "url", "upload" */

struct policy_rule {
	char model[POLICY_MODEL_MAX];
	char from[POLICY_REV_MAX];
	char to[POLICY_REV_MAX];
	enum policy_source source;
	char *location;     /* the path or URL (owned by the policy) */
	char *upload_name;  /* NULL unless upload-name= (owned) */
	char *imei;         /* NULL unless imei=: the allow-list as written (owned) */
	char sha256[65];    /* "" unless sha256= (64 hex digits) */
	unsigned line;      /* where it was written, for messages */
};

struct policy {
	struct policy_rule *rules;
	size_t n_rules;
	unsigned credentials_line; /* the first rule whose url= holds a user (0: none) */
	bool readable_by_others;   /* policy_load: others, or a group other than root's, may read the file */
};

struct policy_error {
	unsigned line;      /* 1-based; 0: not about one line (I/O, memory) */
	char reason[512];
};

/* Parses a whole policy file's text (len bytes, need not be NUL-terminated;
 * a NUL byte in it is an error). Pure: no I/O (a file= path is not opened
 * here). Returns 0 and *ret (the caller frees it with policy_free; a policy
 * with no rules is valid); -EINVAL with err->line and err->reason for the
 * first error; -ENOMEM (err->line 0). ret and err must not be NULL. */
int policy_parse(const char *text, size_t len, struct policy **ret, struct policy_error *err);

/* Reads path and parses it. Besides policy_parse's errors: the errno of
 * open/read (-ENOENT, -EACCES, ...) with err->line 0; -EFBIG over 1 MiB;
 * -EPERM (err->line 0, the reason says what to do) for a file owned by
 * another user than root or this one (any but root when this is root), or
 * writable by group or others. Sets (*ret)->readable_by_others. */
int policy_load(const char *path, struct policy **ret, struct policy_error *err);

void policy_free(struct policy *p); /* accepts NULL */
static inline void policy_freep(struct policy **p) { policy_free(*p); }
#define _cleanup_policy_ __attribute__((cleanup(policy_freep)))

enum policy_verdict {
	POLICY_UPGRADE,          /* *ret_rule says how */
	POLICY_AT_TARGET,        /* *ret_rule is a rule that leads to this revision */
	POLICY_UNKNOWN_MODEL,    /* no rule names this model; *ret_rule NULL */
	POLICY_UNKNOWN_REVISION, /* rules for the model, none from or to this revision */
};
const char *policy_verdict_to_string(enum policy_verdict v);

/* What to do with a module that reports model and revision (see above).
 * ret_rule may be NULL. */
enum policy_verdict policy_decide(const struct policy *p, const char *model, const char *revision,
				  const struct policy_rule **ret_rule);

/* Whether rule may upgrade the module with this IMEI: true when the rule has
 * no imei= list or the IMEI matches an item of it; false for a NULL or empty
 * IMEI when there is a list. */
bool policy_rule_allows_imei(const struct policy_rule *rule, const char *imei);
/* The hops from revision to the chain's last target: the rules one after the
 * other (at most cap into ret_rules, which may be NULL). Returns how many
 * there are (0 when no rule starts from revision). Finite: a parsed policy
 * has no loop. */
size_t policy_chain(const struct policy *p, const char *model, const char *revision,
		    const struct policy_rule **ret_rules, size_t cap);

#endif
