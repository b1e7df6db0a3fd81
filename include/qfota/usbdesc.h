/* USB descriptors as the kernel hands them out: the sysfs `descriptors`
 * attribute, and read() on a usbfs node, both give the 18-byte device
 * descriptor followed by every configuration's descriptors in wire order.
 * usbxfer reads a module's interface layout from it without opening the
 * device (discovery) and without libusb's bus scan (usbdesc.c).
 *
 * The bytes come from a device: every length is checked, nothing is trusted
 * (tests/unit/test-usbdesc.c, tests/fuzz/fuzz-usbdesc.c).
 */
#ifndef QFOTA_USBDESC_H
#define QFOTA_USBDESC_H

#include <stddef.h>
#include <stdint.h>

#define USBDESC_MAX_INTERFACES 32

/* Endpoint kinds of an interface's alternate setting 0. */
#define USBDESC_BULK_IN  (1u << 0)
#define USBDESC_BULK_OUT (1u << 1)
#define USBDESC_INTR_IN  (1u << 2)

struct usbdesc_interface {
	uint8_t number;              /* bInterfaceNumber */
	uint8_t cls, subcls, proto;  /* of alternate setting 0 */
	unsigned kinds;              /* USBDESC_* of alternate setting 0 */
	uint8_t ep_bulk_in, ep_bulk_out; /* first of each kind, 0 if none */
	uint16_t bulk_out_max_packet;
};

struct usbdesc_layout {
	uint16_t vid, pid, bcd_device;
	uint8_t config_value;        /* bConfigurationValue of the parsed configuration */
	size_t n_interfaces;
	struct usbdesc_interface interfaces[USBDESC_MAX_INTERFACES];
};

/* Parses blob (device descriptor + configurations) and describes the
 * configuration whose bConfigurationValue is config_value (0: the first).
 * Returns 0; -EPROTO malformed (short device descriptor, a descriptor running
 * past the end, bLength < 2, more than USBDESC_MAX_INTERFACES interfaces);
 * -ENOENT no such configuration. ret is written only on success. */
int usbdesc_parse(const uint8_t *blob, size_t len, unsigned config_value, struct usbdesc_layout *ret);

/* The interface numbered `number`, or NULL. */
const struct usbdesc_interface *usbdesc_find_interface(const struct usbdesc_layout *l, unsigned number);

#endif
