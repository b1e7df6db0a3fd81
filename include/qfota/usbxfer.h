/* usbxfer: qfota's transport. Finds Quectel modules, claims their AT
 * interface, moves bytes: AT traffic both ways, and a
 * whole FOTA package as a stream of asynchronous bulk OUT transfers.
 *
 * Errors follow include/qfota/error.h: negative errno, never a libusb code.
 * Every function here logs at debug level only; the caller logs the failure.
 *
 * Threads: a link belongs to one thread at a time. Each USB link owns its own
 * libusb context, so links in different threads never share an event loop.
 *
 * Signals: a SIGINT/SIGTERM handler calls usbxfer_cancel_all() (async-signal-
 * safe, it only sets a flag). Every loop in usbxfer (read, write, stream) checks
 * the flag at least every USBXFER_POLL_MS and returns -ECANCELED; the caller's
 * ordinary error path then calls usbxfer_link_close(), which releases the
 * interface and gives the kernel driver back. Nothing is released from inside
 * the handler.
 */
#ifndef QFOTA_USBXFER_H
#define QFOTA_USBXFER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define USBXFER_QUECTEL_VID 0x2c7c
/* The one limit of a port path: "255-255.255.255.255.255.255.255", bus and
 * up to 7 port numbers (31 bytes), and its NUL. */
#define USBXFER_PORT_MAX 32
/* Upper bound of any usbxfer wait between two checks of the cancel flags. */
#define USBXFER_POLL_MS 100

/* ---- Known modules (models.c) ------------------------------------------ */

enum usbxfer_family {
	USBXFER_FAMILY_UNKNOWN = 0,
	USBXFER_FAMILY_QUALCOMM, /* EC2x/EG2x/EP06/RM5xx: DFOTA (AT+QFUPL + local file, URL) */
	USBXFER_FAMILY_UNISOC,   /* EC200U/EC600U: AT+QFOTADL="FILE:<n>" and URL */
	USBXFER_FAMILY_ASR,      /* EC200S/EC200T: LTE Standard(A), FILE mode and URL */
};
/* "qualcomm", "unisoc", "asr", "unknown". Never NULL. */
const char *usbxfer_family_to_string(enum usbxfer_family f);

#define USBXFER_CAP_FILE_MODE (1u << 0) /* AT+QFOTADL="FILE:<n>": qfota streams the package */
#define USBXFER_CAP_QFUPL     (1u << 1) /* AT+QFUPL to UFS, then local-file AT+QFOTADL */
#define USBXFER_CAP_URL       (1u << 2) /* AT+QFOTADL="<ftp|http(s) URL>" */

struct usbxfer_model {
	uint16_t vid, pid;
	const char *name;          /* "EC25/EG25": every model sold under this PID */
	enum usbxfer_family family;
	int at_interface;          /* bInterfaceNumber of the AT port; -1: find it (ff/00/00) */
	unsigned caps;             /* USBXFER_CAP_* */
};

/* The table entry for vid:pid (static storage), or NULL if not a known module. */
const struct usbxfer_model *usbxfer_model_find(uint16_t vid, uint16_t pid);
/* Whether `wanted` names this model: case-insensitive against each '/'-separated
 * name, ignoring a "-suffix" of wanted ("EG25-G" matches "EC25/EG25"). */
bool usbxfer_model_matches(const struct usbxfer_model *m, const char *wanted);

/* ---- Discovery (discover.c) --------------------------------------------- */

/* One Quectel device on the bus, as seen without claiming anything. */
struct usbxfer_module {
	char port[USBXFER_PORT_MAX]; /* physical port path, "1-4.2": the module's identity */
	uint16_t vid, pid;
	uint8_t bus, devnum;         /* change at every re-enumeration: not an identity */
	const struct usbxfer_model *model; /* NULL: a Quectel PID not in the table */
	char model_name[40];         /* model->name, or "Quectel 2c7c:xxxx" */
	int at_interface;            /* -1: no usable AT interface, see note */
	bool at_ambiguous;           /* -1 because several interfaces qualify (unknown PID) */
	char driver[32];             /* kernel driver of the AT interface: "option", "usbfs"
	                              * (another program holds it), "" (none / unknown) */
	char serial[64];             /* iSerialNumber string, "" if none */
	char tty[32];                /* "/dev/ttyUSB2" when option holds the AT interface, else "" */
	char note[160];              /* why at_interface is -1, else "" */
};

/* What to pick; every field set must match. A zeroed struct matches every
 * Quectel module. */
struct usbxfer_select {
	const char *port;    /* "1-4.2" (exact) */
	const char *serial;  /* exact */
	const char *model;   /* usbxfer_model_matches() */
	uint16_t vid, pid;   /* 0 = any */
};

/* Lists every Quectel (VID 0x2c7c) device matching sel (NULL = all), sorted
 * by port path. *ret_modules is malloc'd (caller frees; NULL when none).
 * Returns 0, -ENOMEM, or an errno of libusb_init / device listing (-EACCES, -EIO). */
int usbxfer_discover(const struct usbxfer_select *sel, struct usbxfer_module **ret_modules,
		     size_t *ret_n);

/* The one module matching sel. Returns 0; -ENOENT if none matches; -ENOTUNIQ if
 * several do (list them with usbxfer_discover and ask for --port); errors of
 * usbxfer_discover. */
int usbxfer_discover_one(const struct usbxfer_select *sel, struct usbxfer_module *ret);

/* Whether s has the form of a physical port path ("1-4.2"): digits, one '-',
 * dots; nothing that could leave /sys/bus/usb/devices. */
bool usbxfer_port_is_valid(const char *s);

/* What is on port now, a Quectel module or not (after a reboot: emergency
 * download mode, another composition, another device): vid, pid, model (NULL
 * if not in the table), at_interface and note as usbxfer_discover() sets
 * them. Reads sysfs only. Returns 0, -EINVAL (not a port path), -ENOENT
 * (nothing there), -EPROTO (malformed descriptors), or the errno of reading
 * sysfs. */
int usbxfer_port_describe(const char *port, struct usbxfer_module *ret);

/* The device's sysfs path ("/sys/devices/pci0000:00/.../usb1/1-4"), as udev
 * and ModemManager name it. Returns 0, -ENOENT (no device there), -EINVAL,
 * -ENOMEM, -ENAMETOOLONG. */
int usbxfer_port_syspath(const char *port, char *ret, size_t cap);

/* Parses "2c7c:0901" (hex). Returns 0 or -EINVAL. */
int usbxfer_vidpid_parse(const char *s, uint16_t *ret_vid, uint16_t *ret_pid);

/* ---- Links: the AT channel, over libusb (link.c) ------------------------ */

struct usbxfer_link;
struct usbxfer_stream_opts;

/* A backend. The libusb link implements it; a unit test of the layers above
 * may implement it with a scripted peer. (A tty backend existed for tests
 * alone and was removed: issue 18, README "Why no tty transport".) Each op has the
 * contract of the usbxfer_link_* function of the same name. */
struct usbxfer_link_ops {
	const char *kind; /* "usb", or a test's own */
	int (*write)(struct usbxfer_link *link, const void *buf, size_t len, unsigned timeout_ms);
	int (*read)(struct usbxfer_link *link, void *buf, size_t cap, unsigned timeout_ms);
	int (*stream)(struct usbxfer_link *link, int fd, uint64_t len,
		      const struct usbxfer_stream_opts *opts, uint64_t *ret_sent);
	void (*close)(struct usbxfer_link *link); /* frees link */
};

/* The common head of every backend's link (a backend embeds it first). */
struct usbxfer_link {
	const struct usbxfer_link_ops *ops;
	char name[64];                  /* port path, for messages */
	volatile sig_atomic_t cancel;   /* set by usbxfer_link_cancel() */
	const struct usbxfer_module *module; /* the device as described when opened; NULL for a test's link */
};

/* Opens the module on physical port `port` ("1-4.2"), finding it afresh (its
 * device number changes at every reboot), and claims its AT interface
 * (`interface` >= 0 overrides the table). The kernel driver is detached and the
 * interface claimed in one step (usbfs DISCONNECT_CLAIM, via libusb's
 * auto-detach), then DTR|RTS is raised (SET_CONTROL_LINE_STATE) as the option
 * driver does, and two bulk IN transfers stay queued until close.
 * *ret is owned by the caller: usbxfer_link_close().
 * Returns 0; -ENOENT no Quectel module on that port; -ENOTUNIQ the AT interface
 * is ambiguous (unknown PID; pass `interface`); -ENXIO it has no usable AT
 * interface; -ENODEV it vanished meanwhile; -EACCES no permission (udev rules);
 * -EBUSY another program (another qfota) holds the interface; -ENOMEM; -EIO. */
int usbxfer_link_open(const char *port, int interface, struct usbxfer_link **ret);

/* Writes all of buf (an AT command, a QFUPL chunk). Returns len; -ETIMEDOUT
 * (not all taken within timeout_ms; 0 = no limit); -ENODEV the module vanished;
 * -EPIPE stall; -ECANCELED (usbxfer_cancel_all / usbxfer_link_cancel); -EIO. */
int usbxfer_link_write(struct usbxfer_link *link, const void *buf, size_t len, unsigned timeout_ms);

/* Reads what the module sent, as it arrived (no line assembly), at most cap
 * bytes. Bytes received before the module vanished are returned first.
 * Returns a count > 0; -ETIMEDOUT nothing within timeout_ms (0 = just check);
 * -ENODEV vanished; -EPIPE; -ECANCELED; -EIO. */
int usbxfer_link_read(struct usbxfer_link *link, void *buf, size_t cap, unsigned timeout_ms);

/* Releases the interface, gives the kernel driver back (if one was bound at
 * open), closes. The one exit path for every case: success, error, module
 * vanished, cancel. Accepts NULL. */
void usbxfer_link_close(struct usbxfer_link *link);
static inline void usbxfer_link_closep(struct usbxfer_link **link) { usbxfer_link_close(*link); }

/* "1-4.2". */
const char *usbxfer_link_name(const struct usbxfer_link *link);

/* The device a USB link opened, as described from sysfs at that moment (its
 * model, family, device number): the one discovery of an open. NULL for a test's link. */
const struct usbxfer_module *usbxfer_link_module(const struct usbxfer_link *link);

/* Makes this link's current and later loops return -ECANCELED (within
 * USBXFER_POLL_MS). Async-signal-safe and callable from another thread. */
void usbxfer_link_cancel(struct usbxfer_link *link);

/* Process-wide: every loop of every link returns -ECANCELED, now and until
 * usbxfer_cancel_reset(). Async-signal-safe: call it from the SIGINT/SIGTERM
 * handler (the flag is a static volatile sig_atomic_t in cancel.c). */
void usbxfer_cancel_all(void);
void usbxfer_cancel_reset(void);
bool usbxfer_cancel_requested(void);
/* The process-wide flag itself, for the layers above that take a cancel
 * flag (udev's waits, a job's): qfota has this one cancel flag. */
const volatile sig_atomic_t *usbxfer_cancel_flag(void);

/* ---- Streaming a package (stream.c) ------------------------------------ */

/* Defaults, from measurement on virtual modules (tests/bench/bench-stream.c,
 * BENCH_SWEEP=1): 2 x 64 KiB in flight = 128 KiB per module, so 64 modules use
 * 8 MiB of the kernel's default 16 MiB usbfs budget (usbcore.usbfs_memory_mb).
 * Within that budget, fewer and larger transfers win: each transfer costs a
 * fixed turnaround (on the usb2 preset 80 us = 3.2 KB of link time; 16 KiB
 * transfers cap at 0.84 of the link rate, 64 KiB at 0.95), and two in flight
 * keep the link busy while the completed one is refilled. */
#define USBXFER_STREAM_TRANSFER_SIZE (64u * 1024)
#define USBXFER_STREAM_IN_FLIGHT 2u
#define USBXFER_STREAM_MAX_BYTES (256u * 1024) /* K*S above this: -EINVAL */
#define USBXFER_STREAM_STALL_MS 30000u
#define USBXFER_STREAM_PROGRESS_MS 250u

/* A zeroed struct means every default. */
struct usbxfer_stream_opts {
	size_t transfer_size;   /* S: bytes per bulk OUT transfer, a multiple of 512 */
	unsigned in_flight;     /* K: transfers queued at once */
	unsigned stall_ms;      /* no transfer completes this long: -ETIMEDOUT (NAK forever) */
	unsigned progress_ms;   /* at most one progress call per this */
	/* Called with bytes acknowledged so far (and once at the end); a negative
	 * return aborts the stream with that errno. May be NULL. */
	int (*progress)(void *user, uint64_t sent, uint64_t total);
	/* Bytes the module sends meanwhile (URCs such as DOWNLOADING), as they
	 * come; a negative return aborts with that errno. NULL: they are kept for
	 * usbxfer_link_read(). */
	int (*on_rx)(void *user, const uint8_t *data, size_t len);
	/* Each chunk of the file as it was read, in file order, before it is
	 * queued: what the module gets (a pinned package's SHA-256 is computed
	 * over it); a negative return aborts with that errno, the chunk unsent.
	 * May be NULL. */
	int (*on_read)(void *user, const uint8_t *data, size_t len);
	void *user;
	const volatile sig_atomic_t *cancel; /* the caller's flag; may be NULL */
};

/* Sends exactly len bytes of fd (from offset 0, with pread: fd's offset is
 * untouched), K transfers of S bytes in flight; when len is a multiple of the
 * endpoint's wMaxPacketSize a zero-length packet follows (see stream.c: the
 * module's controller would otherwise not see the last transfer end).
 * *ret_sent (if not NULL) is ALWAYS written, on failure too: the bytes the
 * module acknowledged, the error's context.
 * Returns 0; -ENODEV the module vanished; -EPIPE stall; -ETIMEDOUT no transfer
 * completed within stall_ms; -ECANCELED; -EIO (short file, read error, USB
 * error); -EINVAL bad options; -ENOMEM; -EOPNOTSUPP the backend has no
 * stream op; or the errno a callback returned. */
int usbxfer_stream_fd(struct usbxfer_link *link, int fd, uint64_t len,
		      const struct usbxfer_stream_opts *opts, uint64_t *ret_sent);

/* usbxfer_stream_fd() of the whole file at path (its size when opened).
 * Also -ENOENT / -EACCES opening it. */
int usbxfer_stream_file(struct usbxfer_link *link, const char *path,
			const struct usbxfer_stream_opts *opts, uint64_t *ret_sent);

#endif
