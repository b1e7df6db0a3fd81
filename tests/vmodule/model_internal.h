/* The virtual module's state, shared by its parts: model.c (I/O, time,
 * presence, reboots, record), at_engine.c (command lines), at_args.c
 * (parameters), ufs.c (file system, QFUPL), fota_engine.c (AT+QFOTADL and its
 * URCs). Nothing here is shared with qfota. */
#ifndef VM_MODEL_INTERNAL_H
#define VM_MODEL_INTERNAL_H

#include <glib.h>
#include <stdarg.h>

#include "model.h"
#include "package_internal.h"

#define VM_LINE_MAX 1024         /* longest command line kept (URL 255 + params) */
#define VM_OUT_MAX (4u << 20)    /* IN queue cap; beyond it output is dropped */
#define VM_MAX_FILES 32
#define VM_FILENAME_MAX 80       /* AT+QFUPL <filename> (facts §3.1) */
#define VM_MAX_CIDS 16
#define VM_MAX_LOG 1000          /* "cmd"/"urc" record lines kept */

/* Final results a command handler returns; > 0 is "+CME ERROR: <n>". */
#define AT_OK 0
#define AT_ERROR (-1)
#define AT_DEFER (-2)            /* the handler sends (or will send) its final result */

enum vm_input {
	VM_IN_COMMAND,               /* command lines, echoed */
	VM_IN_FILE,                  /* AT+QFOTADL="FILE:<n>" package data */
	VM_IN_QFUPL,                 /* AT+QFUPL data mode */
	VM_IN_QFUPL_PAD,             /* 0xFF padding after an upload (fwupd pads to 2 KiB) */
};

enum vm_fota_mode { VM_FM_NONE, VM_FM_FILE, VM_FM_FTP, VM_FM_HTTP, VM_FM_LOCAL };

enum vm_fota_step {
	VM_FS_IDLE,
	VM_FS_OK,                    /* OK to AT+QFOTADL due */
	VM_FS_FILESTART,             /* FILESTART due; data NAKed until then */
	VM_FS_FILE_DATA,             /* receiving FILE data (due = timeout) */
	VM_FS_FILEEND,               /* all data in; FILEEND due */
	VM_FS_DLSTART,               /* FTPSTART/HTTPSTART due */
	VM_FS_DOWNLOADING,           /* next DOWNLOADING (or FTPEND/HTTPEND) due */
	VM_FS_WAIT_REBOOT,           /* upgrade_mode 0: waits for AT+CFUN=1,1 */
	VM_FS_START,                 /* START due */
	VM_FS_UPDATING,              /* next UPDATING (or END) due */
	VM_FS_STALLED,               /* faults: no END ever */
};

/* What the module does once it is back on the bus. */
enum vm_boot { VM_BOOT_NORMAL, VM_BOOT_UPDATE };

struct vm_ufs_file {
	char name[VM_FILENAME_MAX + 1];
	uint64_t size;
	struct vm_pkg_digest digest;
};

struct vm_context {              /* AT+QICSGP */
	bool set;
	int type, auth;
	char apn[64], user[64], pass[64];
};

struct vm_fota {
	enum vm_fota_step step;
	uint64_t due_ns;
	enum vm_fota_mode mode;
	int upgrade_mode, dl_max, up_max;
	uint64_t length, received;   /* FILE mode */
	uint64_t last_data_ns;
	int k;                       /* progress URCs sent in this phase */
	uint64_t phase_ns;           /* start of the timed phase */
	int dl_code;                 /* FTPEND/HTTPEND/FILEEND <err> */
	int end_code;                /* END <err> */
	int restore_k;               /* RESTORE URCs sent (fault restore) */
	int fail_after;              /* UPDATING URCs before a failing END */
	char url[260];
	char local_name[VM_FILENAME_MAX + 1];
	struct vm_pkg_reader reader;
	struct vm_pkg_digest digest;
	bool have_digest;
	bool rebooted_to_update;
};

struct vm_model {
	const struct vm_profile *profile;
	enum vm_composition composition; /* back-edl, back-rndis: what it came back as, for good */
	char first_port[32], port[32], other_port[32];
	char imei[32], revision[64], initial_revision[64], pending_revision[64];
	char ufs_dir[64];            /* where AT+QFOTADL finds UFS files ("" none) */
	struct vm_pacing pacing;
	struct vm_fault faults[VM_MAX_FAULTS];
	size_t n_faults;
	struct { char *url, *path; int fail_code; } urls[VM_MAX_URLS];
	size_t n_urls;
	uint64_t now_ns;

	/* Module -> host. */
	uint8_t *out;
	size_t out_len, out_cap;
	uint64_t out_total, read_total;  /* bytes ever queued for / read by the host */

	/* Host -> module. */
	enum vm_input input;
	char line[VM_LINE_MAX];
	size_t line_len;
	bool line_overflow;
	bool busy;                   /* a command's final result is pending: NAK input */
	double credit;               /* flash pacing token bucket, bytes */
	uint64_t credit_ns;
	uint64_t retry_ns;           /* host was NAKed for pacing: retry then */
	uint64_t pad_left;           /* VM_IN_QFUPL_PAD bytes still tolerated */

	/* AT settings. */
	bool echo;
	int cmee;
	int fota_cid;
	char fota_path[64];
	int usbifc[2];
	struct vm_context ctx[VM_MAX_CIDS + 1];

	/* File system. */
	struct vm_ufs_file files[VM_MAX_FILES];
	size_t n_files;
	struct {
		char name[VM_FILENAME_MAX + 1];
		uint64_t size, received;
		uint32_t timeout_ms;
		bool ack;
		uint64_t ack_until;      /* out_total just after the last 'A' queued */
		uint16_t xor16;
		bool odd;                /* a high byte is waiting for its low byte */
		uint64_t last_ns;
		struct vm_pkg_reader reader;
	} up;

	struct vm_fota fota;

	/* Presence and reboots. */
	enum vm_presence presence;
	unsigned departures;         /* times it left the bus (vm_model_departures) */
	bool reboot_pending;         /* waiting for the host to drain before rebooting */
	bool reboot_nodrain;         /* ... or not waiting: at reboot_deadline_ns, read or not */
	uint64_t reboot_deadline_ns;
	uint64_t back_ns;
	enum vm_boot boot;
	uint64_t boot_urc_ns;        /* boot URCs (RDY ...) due */
	uint64_t silent_until_ns;    /* boot-silent: command bytes ignored until then */
	bool moved;                  /* other-port / imei-change applied */

	/* What it saw. */
	struct vm_model_stats st;
	GChecksum *pkg_sha;          /* running SHA-256 of package bytes */
	unsigned last_line_state;
	GPtrArray *log;              /* "cmd ..." / "urc ..." strings */
};

/* model.c */
void vm_out(struct vm_model *m, const void *data, size_t len);
void vm_outs(struct vm_model *m, const char *s);
void vm_outf(struct vm_model *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vm_final(struct vm_model *m, int result);   /* OK / ERROR / +CME ERROR */
const struct vm_fault *vm_fault_find(const struct vm_model *m, enum vm_fault_kind k);
void vm_reboot_request(struct vm_model *m, enum vm_boot boot);
void vm_reboot_after_queuing(struct vm_model *m, enum vm_boot boot);   /* no-drain aware */
void vm_log(struct vm_model *m, const char *kind, const char *text, size_t len);
void vm_pkg_bytes(struct vm_model *m, const uint8_t *data, size_t len); /* stats */
void vm_pkg_begin(struct vm_model *m);
void vm_pkg_end(struct vm_model *m);
size_t vm_pace(struct vm_model *m, size_t want);   /* flash pacing: how many may be taken */
void vm_unplug(struct vm_model *m);
bool vm_is_dfota(const struct vm_model *m);

/* at_engine.c */
void vm_at_line(struct vm_model *m, const char *line, size_t len);
void vm_at_reset(struct vm_model *m);            /* power-on defaults */

/* at_args.c: parameters of a write command, split at commas outside quotes. */
#define VM_MAX_ARGS 10
struct vm_args {
	int n;
	struct { char text[VM_LINE_MAX]; bool quoted; } a[VM_MAX_ARGS];
};
int vm_args_parse(const char *s, struct vm_args *ret);   /* 0 or -EINVAL */
/* An unquoted decimal in [min, max]; -EINVAL otherwise. */
int vm_args_int(const struct vm_args *a, int i, long min, long max, long *ret);

/* ufs.c */
int vm_ufs_command(struct vm_model *m, const char *name, int kind, const char *params);
size_t vm_ufs_data(struct vm_model *m, const uint8_t *data, size_t len);
uint64_t vm_ufs_free(const struct vm_model *m);
struct vm_ufs_file *vm_ufs_find(struct vm_model *m, const char *name);
void vm_ufs_abort(struct vm_model *m);
uint64_t vm_ufs_next_ns(const struct vm_model *m);
void vm_ufs_tick(struct vm_model *m);

/* fota_engine.c */
int vm_fota_command(struct vm_model *m, int kind, const char *params);
size_t vm_fota_data(struct vm_model *m, const uint8_t *data, size_t len);
void vm_fota_tick(struct vm_model *m);
uint64_t vm_fota_next_ns(const struct vm_model *m);
void vm_fota_back(struct vm_model *m);           /* back on the bus after a reboot */
void vm_fota_reboot_requested(struct vm_model *m);   /* AT+CFUN=1,1 or power cycle */
void vm_fota_reset(struct vm_model *m);          /* frees what a FOTA holds */

/* Command kinds (the "kind" arguments above). */
enum { VM_CMD_EXEC, VM_CMD_TEST, VM_CMD_READ, VM_CMD_WRITE };

#endif
