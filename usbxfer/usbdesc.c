/* A USB descriptor walker (include/qfota/usbdesc.h): enough of chapter 9 of
 * the USB 2.0 specification to say which interfaces a module has and which
 * endpoints each one's alternate setting 0 carries. */
#include <errno.h>
#include <string.h>

#include "qfota/usbdesc.h"

#define DT_DEVICE 1
#define DT_CONFIG 2
#define DT_INTERFACE 4
#define DT_ENDPOINT 5
#define DEVICE_DESC_LEN 18
#define CONFIG_DESC_LEN 9
#define INTERFACE_DESC_LEN 9
#define ENDPOINT_DESC_LEN 7

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* Interface and endpoint descriptors of one configuration (body = what
 * follows its 9-byte header, up to wTotalLength). */
static int parse_config_body(const uint8_t *p, size_t len, struct usbdesc_layout *l)
{
	struct usbdesc_interface *cur = NULL;

	for (size_t o = 0; o < len;) {
		uint8_t blen = p[o], type;

		if (len - o < 2 || blen < 2 || blen > len - o)
			return -EPROTO;
		type = p[o + 1];
		if (type == DT_INTERFACE && blen >= INTERFACE_DESC_LEN) {
			cur = NULL;
			if (p[o + 3] == 0) { /* alternate setting 0 */
				if (l->n_interfaces == USBDESC_MAX_INTERFACES)
					return -EPROTO;
				cur = &l->interfaces[l->n_interfaces++];
				*cur = (struct usbdesc_interface){ .number = p[o + 2], .cls = p[o + 5],
								   .subcls = p[o + 6], .proto = p[o + 7] };
			}
		} else if (type == DT_ENDPOINT && blen >= ENDPOINT_DESC_LEN && cur && (p[o + 2] & 0x0f) != 0) {
			/* (endpoint 0 is the control pipe: one that says 0 is ignored) */
			uint8_t addr = p[o + 2], xfer = p[o + 3] & 0x03;
			int in = (addr & 0x80) != 0;

			if (xfer == 2 && in) {
				cur->kinds |= USBDESC_BULK_IN;
				if (!cur->ep_bulk_in)
					cur->ep_bulk_in = addr;
			} else if (xfer == 2) {
				cur->kinds |= USBDESC_BULK_OUT;
				if (!cur->ep_bulk_out) {
					cur->ep_bulk_out = addr;
					cur->bulk_out_max_packet = le16(p + o + 4) & 0x7ff;
				}
			} else if (xfer == 3 && in) {
				cur->kinds |= USBDESC_INTR_IN;
			}
		}
		o += blen;
	}
	return 0;
}

int usbdesc_parse(const uint8_t *blob, size_t len, unsigned config_value, struct usbdesc_layout *ret)
{
	struct usbdesc_layout l = { 0 };
	size_t o = DEVICE_DESC_LEN;

	if (!blob || len < DEVICE_DESC_LEN || blob[0] < DEVICE_DESC_LEN || blob[1] != DT_DEVICE)
		return -EPROTO;
	l.vid = le16(blob + 8);
	l.pid = le16(blob + 10);
	l.bcd_device = le16(blob + 12);
	while (o < len) {
		size_t total;
		int r;

		if (len - o < CONFIG_DESC_LEN || blob[o] < CONFIG_DESC_LEN || blob[o + 1] != DT_CONFIG)
			return -EPROTO;
		total = le16(blob + o + 2);
		if (total < blob[o] || total > len - o)
			return -EPROTO;
		if (config_value == 0 || blob[o + 5] == config_value) {
			l.config_value = blob[o + 5];
			r = parse_config_body(blob + o + blob[o], total - blob[o], &l);
			if (r < 0)
				return r;
			*ret = l;
			return 0;
		}
		o += total;
	}
	return -ENOENT;
}

const struct usbdesc_interface *usbdesc_find_interface(const struct usbdesc_layout *l, unsigned number)
{
	for (size_t i = 0; l && i < l->n_interfaces; i++)
		if (l->interfaces[i].number == number)
			return &l->interfaces[i];
	return NULL;
}
