/* The behaviour of one virtual Quectel module, with no USB in it: the AT port
 * (echo, identity, file system, configuration), the FOTA engine of both seeds
 * (../shared/seeds/), packages, pacing of its flash and update, reboots, and the
 * faults it can be told to show.
 *
 * An adapter (umockdev usbdevfs now, usbredir later) exposes the model as a USB
 * device: bytes the host writes to the AT interface's bulk OUT go to
 * vm_model_host_write(), bytes for its bulk IN come from vm_model_host_read(), and
 * the adapter calls vm_model_tick() whenever the time returned by the last call
 * (or by host_write) has come. When vm_model_presence() changes, the adapter
 * makes the USB device disappear (remove) or come back (add, new device number,
 * on vm_model_port()).
 *
 * Not thread-safe: the adapter serialises every call with its own lock.
 * Times are CLOCK_MONOTONIC nanoseconds supplied by the caller, so that tests can
 * drive the model with a fake clock.
 *
 * The model shares no protocol code with qfota (no AT or URC parser, no checksum,
 * no error table): it is an independent witness.
 */
#ifndef VM_MODEL_H
#define VM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "profile.h"

#define VM_NEVER UINT64_MAX

/* Pacing: everything that takes time on a real module (facts §5). */
struct vm_pacing {
	uint64_t link_bytes_per_sec;   /* USB link rate, applied by the adapter (0 = unpaced) */
	uint32_t turnaround_us;        /* per bulk transfer, applied by the adapter */
	uint64_t flash_bytes_per_sec;  /* how fast the module takes package data (0 = unlimited) */
	uint32_t command_ms;           /* OK after AT+QFOTADL, FILESTART after OK */
	uint32_t url_download_ms;      /* a URL-mode download, whole */
	uint32_t update_ms;            /* START .. END */
	uint32_t reboot_ms;            /* USB gone .. USB back */
	uint32_t file_timeout_ms;      /* FILE mode: no data this long -> FILEEND,567 */
	/* Addition (model): a reboot the module decides on (after a download, after
	 * END, after AT+CFUN=1,1) first waits until the host has read what is queued
	 * on the AT port, at most this long (see tests/vmodule/README.md). */
	uint32_t drain_ms;
	/* Addition (field): after every enumeration the AT port takes bytes but
	 * answers nothing this long, then sends RDY and the boot URCs; applied
	 * with fault boot-silent (without an argument). 0: 1500 ms. */
	uint32_t boot_ms;
};

/* Named pacing sets: "fast" (tests), "demo" (visible but short), "usb2"
 * (benchmarks: 40 MB/s link with a per-transfer turnaround), "field[:FACTOR]"
 * (real figures, every duration divided and every rate multiplied by FACTOR,
 * 1..100000, default 1). false if unknown. */
bool vm_pacing_preset(const char *name, struct vm_pacing *ret);

enum vm_fault_kind {
	VM_FAULT_NONE = 0,
	VM_FAULT_CODE,          /* fail with <err> code in its phase (arg = code) */
	VM_FAULT_CMD_ERROR,     /* answer ERROR to AT+QFOTADL */
	VM_FAULT_CME_ERROR,     /* answer +CME ERROR: <arg> to AT+QFOTADL */
	VM_FAULT_UNPLUG_BYTE,   /* vanish after arg bytes of package data */
	VM_FAULT_UNPLUG_UPDATE, /* vanish at UPDATING arg % */
	VM_FAULT_NO_END,        /* UPDATING reaches 100, END never comes (no reboot) */
	VM_FAULT_END_NO_REBOOT, /* END,0 but no reboot, revision unchanged */
	VM_FAULT_REBOOT_NO_END, /* reboots in the update phase, END never sent */
	VM_FAULT_GARBAGE,       /* garbage lines between URCs */
	VM_FAULT_TRUNCATED,     /* some URCs cut short ("+QIND: "FOTA","UPD") */
	VM_FAULT_QUIRK_SPACE,   /* +QIND: "FOTA", "END", 0 (spaces after commas) */
	VM_FAULT_QUIRK_DOWNLOADING, /* "FOTA"," DOWNLOADING",100 */
	VM_FAULT_QUIRK_HTTPPEND,    /* "FOTA","HTTPPEND",0 */
	VM_FAULT_QUIRK_PERCENT, /* "DOWNLOADING", 57% */
	VM_FAULT_OTHER_PORT,    /* comes back from reboot on another port (arg unused) */
	VM_FAULT_NEVER_BACK,    /* never comes back from a reboot */
	VM_FAULT_IMEI_CHANGE,   /* another IMEI after a reboot */
	VM_FAULT_NAK,           /* refuses package data forever (NAK) */
	VM_FAULT_HOSTILE,       /* before its first FOTA URC, arg lines of hostile reports: terminal
	                         * escapes (ESC ] 0;title BEL, ESC [2J), bytes that are not UTF-8
	                         * (overlong, surrogate, > U+10FFFF), unknown words */
	/* Field realism (issue 15); `--fault field` turns every one of them on. */
	VM_FAULT_BOOT_SILENT,   /* after every enumeration: silent for arg ms (0: pacing.boot_ms) */
	VM_FAULT_STRICT_SYNTAX, /* DFOTA profiles: AT+QFOTADL takes "<URL>" or "<file_name>" alone */
	VM_FAULT_CACHE_UFS,     /* local files under /cache/ufs (when no --ufs-path is given) */
	VM_FAULT_NO_DRAIN,      /* reboots 20 ms after queuing END (and a local-file DFOTA's OK), read
	                         * or not; output while the AT interface is not claimed is lost */
	VM_FAULT_ACK_STRICT,    /* QFUPL ACK mode: after each 1024 bytes, no data (NAK) until the host
	                         * has read that 'A' */
	VM_FAULT_ACK_LOSSY,     /* ... or data past the window is lost (a UART without flow control);
	                         * a short upload ends after <timeout> with +QFUPL: <got>,<xor> */
	VM_FAULT_CODE_AT,       /* code-at:EVENT:N: N on EVENT (FILEEND, FTPEND, HTTPEND, END), whatever
	                         * its table; arg = N, at = the event */
	VM_FAULT_BACK_EDL,      /* the first reboot comes back as Qualcomm emergency download mode
	                         * (05c6:9008, no AT port) and stays so */
	VM_FAULT_SLOW_REBOOT,   /* slow-reboot:MS: the first reboot takes MS more than the pacing's */
	VM_FAULT_BACK_RNDIS,    /* the first reboot comes back in the RNDIS composition
	                         * (AT+QCFG="usbnet",3: serial interfaces shifted by two, facts §7)
	                         * and stays so; the module goes on as before on its moved AT port */
	VM_FAULT_URCPORT_MODEM, /* factory default AT+QURCCFG="urcport" is "usbmodem": FOTA URCs go to
	                         * the modem interface, not the AT one (chan_dongle note, facts §7) */
	VM_FAULT_URC_MIXED,     /* download URCs canonical, from START on `"FOTA", "START"` (EC200U
	                         * note 3.3.1.2 HTTP example: both forms in one sequence) */
	VM_FAULT_RESTORE,       /* RESTORE,20..100 between the last UPDATING and END (BG96 guide) */
	VM_FAULT_UPDATING_ZERO, /* UPDATING,0 right after START (EG18, real; facts §2.4) */
	VM_FAULT_STEPS_IRREGULAR, /* UPDATING 8,16,25,...,91 then END, no 100 (official figure) */
	VM_FAULT_FIELD,         /* every field fault at once (vm_fault_parse expands nothing:
	                         * vm_fault_find answers for each field kind) */
};

enum vm_fault_event { VM_FE_NONE, VM_FE_FILEEND, VM_FE_FTPEND, VM_FE_HTTPEND, VM_FE_END };

struct vm_fault {
	enum vm_fault_kind kind;
	long arg;
	enum vm_fault_event at;    /* code-at only */
};

/* Parses a fault spec: "code:505", "error", "cme:3", "unplug-byte:1000",
 * "unplug-update:40", "no-end", "end-no-reboot", "reboot-no-end", "garbage",
 * "truncated", "quirk-space", "quirk-downloading", "quirk-httppend",
 * "quirk-percent", "other-port", "never-back", "imei-change", "nak".
 * Returns 0, or -EINVAL. */
int vm_fault_parse(const char *spec, struct vm_fault *ret);
/* Addition (model): the spec name of a kind ("code", "unplug-byte", ...). */
const char *vm_fault_kind_to_string(enum vm_fault_kind k);

#define VM_MAX_FAULTS 8
#define VM_MAX_URLS 16

struct vm_url_entry {
	const char *url;          /* as the module receives it in AT+QFOTADL */
	const char *package_path; /* the host file that URL "serves" */
	int fail_code;            /* 0, or the FTPEND/HTTPEND <err> to fail with */
};

struct vm_model_config {
	const struct vm_profile *profile;
	const char *port;          /* physical port path, e.g. "1-4.2" */
	const char *other_port;    /* where VM_FAULT_OTHER_PORT comes back */
	const char *imei;          /* distinct per module */
	const char *revision;      /* NULL: profile default */
	const char *ufs_dir;       /* NULL: the profile's local_fota_dir (firmware-dependent, facts §3.5) */
	struct vm_pacing pacing;
	struct vm_fault faults[VM_MAX_FAULTS];
	size_t n_faults;
	struct vm_url_entry urls[VM_MAX_URLS];
	size_t n_urls;
};

struct vm_model;

/* Copies what it needs from cfg. NULL on bad config (errno set). */
struct vm_model *vm_model_new(const struct vm_model_config *cfg, uint64_t now_ns);
void vm_model_free(struct vm_model *m);  /* accepts NULL */

/* Host -> module bytes on the AT bulk OUT endpoint. Returns how many were taken
 * (0..len). Fewer than len means the module is busy (the adapter NAKs the rest
 * and retries at vm_model_next_ns()). */
size_t vm_model_host_write(struct vm_model *m, const uint8_t *data, size_t len, uint64_t now_ns);

/* Module -> host bytes for the AT bulk IN endpoint: copies up to cap and
 * removes them. Returns the count (0 = nothing waiting). */
size_t vm_model_host_read(struct vm_model *m, uint8_t *buf, size_t cap, uint64_t now_ns);
size_t vm_model_pending_in(const struct vm_model *m);

/* Runs whatever is due at now_ns (timed URCs, flash progress, reboots).
 * Returns the next time the model wants to run, or VM_NEVER. */
uint64_t vm_model_tick(struct vm_model *m, uint64_t now_ns);
uint64_t vm_model_next_ns(const struct vm_model *m);

enum vm_presence {
	VM_PRESENT,    /* on the bus */
	VM_REBOOTING,  /* off the bus; back at vm_model_next_ns() */
	VM_GONE,       /* unplugged for good */
};
enum vm_presence vm_model_presence(const struct vm_model *m);
/* How many times the module has left the bus. One tick that comes late may
 * run a reboot and the module's return together (presence is VM_PRESENT
 * before and after): the adapter takes the device off the bus and
 * enumerates it again whenever this count differs from the one it saw when
 * it put the device on the bus, as a real host sees every reboot (the
 * claimed link drops, a new device number). */
unsigned vm_model_departures(const struct vm_model *m);
/* The port the module is (or will come back) on. */
const char *vm_model_port(const struct vm_model *m);
/* Addition (adapter): the USB composition the module shows itself in now:
 * its profile's, Qualcomm emergency download mode (fault back-edl) or the
 * RNDIS one (fault back-rndis). */
enum vm_composition { VM_COMPOSITION_OWN, VM_COMPOSITION_EDL, VM_COMPOSITION_RNDIS };
enum vm_composition vm_model_composition(const struct vm_model *m);

/* What the adapter tells the model about the USB side, for its record. */
enum vm_usb_event {
	VM_USB_CLAIM,           /* AT interface claimed */
	VM_USB_RELEASE,
	VM_USB_DRIVER_DETACH,   /* kernel driver of the AT interface detached */
	VM_USB_DRIVER_ATTACH,   /* given back */
	VM_USB_LINE_STATE,      /* SET_CONTROL_LINE_STATE, arg = wValue */
	VM_USB_OPEN,            /* a client opened the device node */
	VM_USB_CLOSE,
};
void vm_model_usb_event(struct vm_model *m, enum vm_usb_event ev, long arg);

/* What the module saw, for tests to assert on. */
struct vm_model_stats {
	enum vm_presence presence;
	bool driver_bound;         /* the pretend `option` driver holds the AT interface */
	bool claimed;              /* a client holds the AT interface now */
	unsigned opens, closes, claims, releases;
	unsigned driver_detaches, driver_attaches, line_state_sets;
	unsigned reboots;          /* times it left the bus and came back */
	unsigned commands;         /* AT command lines received */
	unsigned dropped_booting;  /* bytes taken and ignored while booting (boot-silent) */
	unsigned lost_at_reboot;   /* bytes queued for the host and never read: lost at a reboot */
	unsigned lost_unclaimed;   /* bytes printed while nobody held the AT interface (no-drain) */
	unsigned lost_ack_window;  /* QFUPL bytes lost past the ACK window (ack-lossy) */
	unsigned ack_naks;         /* QFUPL writes refused until an 'A' was read (ack-strict) */
	uint64_t last_ready_ms;    /* CLOCK_MONOTONIC ms when it last came back and answered again */
	/* the module's own time (what no host can shorten), ms: reboots, boot
	 * silence, the command delays, URL downloads, START..END; the flash's
	 * share of a transfer is package_bytes / flash rate (record) */
	unsigned lost_urcport;     /* FOTA URCs sent to a port other than usbat (AT+QURCCFG="urcport") */
	char urcport[16];          /* AT+QURCCFG="urcport" now */
	uint64_t module_reboot_ms, module_boot_ms, module_command_ms, module_download_ms, module_update_ms;
	unsigned urcs_sent;        /* +QIND: "FOTA" lines sent */
	uint64_t package_bytes;    /* package bytes received (FILE data or QFUPL upload) */
	char package_sha256[65];   /* SHA-256 (GLib GChecksum) of those bytes, hex */
	int fota_end_code;         /* <err> of the END URC sent, -1 if none yet */
	char fota_mode[8];         /* "", "FILE", "FTP", "HTTP", "LOCAL" */
	char revision[64];         /* what ATI reports now */
	char imei[32];             /* what AT+CGSN reports now */
	char port[32];             /* port it is on now */
};
void vm_model_get_stats(const struct vm_model *m, struct vm_model_stats *ret);

/* Writes what the module saw, one "key value" per line, each line prefixed by
 * "<port> " (the port it was first on). Keys are documented in
 * tests/vmodule/README.md. */
void vm_model_write_record(const struct vm_model *m, FILE *out);

#endif
