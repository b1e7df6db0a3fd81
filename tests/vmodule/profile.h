/* A virtual module's identity and USB layout, from ../shared/QUECTEL_FACTS.md §1.
 *
 * Shared by the model (which only reads the AT-facing identity: ATI model line,
 * revision, family) and by every adapter (which exposes the USB layout: the
 * umockdev usbdevfs adapter now, a usbredir adapter later). Nothing here is
 * protocol code of qfota's: the virtual module shares none with it.
 */
#ifndef VM_PROFILE_H
#define VM_PROFILE_H

#include <stddef.h>
#include <stdint.h>

/* How the module reboots during FOTA (facts §0.5, §3.5):
 * VM_REBOOT_AFTER_END   EC200U (Unisoc) FILE/URL mode: one reboot, after END.
 * VM_REBOOT_DFOTA       EC25/EG25/EP06 (Qualcomm) DFOTA: after the download (or
 *                       right after OK for a local file) and again after END;
 *                       START/UPDATING/END arrive on the re-enumerated port. */
enum vm_reboot_style { VM_REBOOT_AFTER_END, VM_REBOOT_DFOTA };

struct vm_endpoint {
	uint8_t address;    /* 0x81 = IN 1 */
	uint8_t attributes; /* 2 bulk, 3 interrupt */
	uint16_t max_packet;
	uint8_t interval;   /* bInterval as on the wire */
};

struct vm_altsetting {
	uint8_t cls, subcls, proto;
	uint8_t n_endpoints;
	struct vm_endpoint endpoints[4];
};

struct vm_interface {
	uint8_t n_alts;                 /* 1, or 2 for CDC data if1 (alt0 empty) */
	struct vm_altsetting alts[2];
	const char *kernel_driver;      /* "option", "cdc_ether", "qmi_wwan" or NULL */
	int iad_count;                  /* >0: an IAD starting at this interface */
	uint8_t iad_cls, iad_subcls, iad_proto;
};

struct vm_profile {
	const char *name;               /* "ec200u", "eg25", "ep06" */
	uint16_t vid, pid, bcd_device, bcd_usb;
	uint8_t dev_class, dev_subclass, dev_proto, ep0_max_packet;
	const char *manufacturer, *product, *serial; /* serial may be NULL (no string) */
	uint8_t config_attributes;      /* 0xa0, 0xe0 */
	uint8_t max_power_2ma;          /* bMaxPower, in 2 mA units */
	uint8_t n_interfaces;
	struct vm_interface interfaces[10];
	uint8_t at_interface;           /* bInterfaceNumber of the AT port */

	/* What the AT port says about itself. */
	const char *ati_model;          /* the ATI model line: "EC200U", "EG25" (not EG25-G) */
	const char *default_revision;   /* ATI "Revision: ..." */
	const char *qgmr_suffix;        /* AT+QGMR = revision + suffix, e.g. "_30.203.30.203" */
	enum vm_reboot_style reboot_style;
	int supports_file_mode;         /* AT+QFOTADL="FILE:<n>" (EC200U) */
	int supports_qfupl;             /* AT+QFUPL / local file DFOTA (EC25-class) */
	const char *local_fota_dir;     /* "/data/ufs" where QFUPL files appear for QFOTADL */
	uint64_t ufs_total_bytes;       /* AT+QFLDS */
};

/* NULL if unknown. */
const struct vm_profile *vm_profile_find(const char *name);
/* NULL-terminated list of every profile. */
const struct vm_profile *const *vm_profile_all(void);

/* Writes the 18-byte device descriptor followed by the whole configuration
 * descriptor (wire order, wTotalLength right) into buf: the sysfs "descriptors"
 * attribute. Returns the length, or -ENOSPC if cap is too small. */
int vm_profile_descriptors(const struct vm_profile *p, uint8_t *buf, size_t cap);
/* The configuration descriptor alone (what GET_DESCRIPTOR(CONFIG) returns). */
int vm_profile_config_descriptor(const struct vm_profile *p, uint8_t *buf, size_t cap);
/* String descriptor index for manufacturer (1), product (2), serial (3, or 0 if none). */
int vm_profile_string_descriptor(const struct vm_profile *p, uint8_t index, uint8_t *buf, size_t cap);

#endif
