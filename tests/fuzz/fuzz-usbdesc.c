/* USB descriptors as a device hands them out (sysfs `descriptors`, usbfs
 * read): usbdesc_parse never reads past the input, and what it accepts is
 * consistent: the IDs are the device descriptor's, at most
 * USBDESC_MAX_INTERFACES interfaces, endpoint addresses with the direction
 * their kind says, kinds and addresses agreeing. Also with the input cut
 * short at every length of the first 64 (a read that returned early). */
#include "fuzz.h"
#include "qfota/usbdesc.h"

static void check(const uint8_t *data, size_t size, unsigned config)
{
	struct usbdesc_layout l;

	if (usbdesc_parse(data, size, config, &l) != 0)
		return;
	FUZZ_CHECK(size >= 18, "accepted %zu bytes, shorter than a device descriptor", size);
	FUZZ_CHECK(l.vid == (uint16_t)(data[8] | data[9] << 8), "vid %04x", l.vid);
	FUZZ_CHECK(l.pid == (uint16_t)(data[10] | data[11] << 8), "pid %04x", l.pid);
	FUZZ_CHECK(config == 0 || l.config_value == config, "asked config %u, got %u", config, l.config_value);
	FUZZ_CHECK(l.n_interfaces <= USBDESC_MAX_INTERFACES, "%zu interfaces", l.n_interfaces);
	for (size_t i = 0; i < l.n_interfaces; i++) {
		const struct usbdesc_interface *it = &l.interfaces[i];

		FUZZ_CHECK(!it->ep_bulk_in || (it->ep_bulk_in & 0x80), "bulk IN address %02x", it->ep_bulk_in);
		FUZZ_CHECK(!it->ep_bulk_out || !(it->ep_bulk_out & 0x80), "bulk OUT address %02x", it->ep_bulk_out);
		FUZZ_CHECK(!!it->ep_bulk_in == !!(it->kinds & USBDESC_BULK_IN), "bulk IN kind vs address");
		FUZZ_CHECK(!!it->ep_bulk_out == !!(it->kinds & USBDESC_BULK_OUT), "bulk OUT kind vs address");
		FUZZ_CHECK(it->bulk_out_max_packet <= 0x7ff, "wMaxPacketSize %u", it->bulk_out_max_packet);
		FUZZ_CHECK(usbdesc_find_interface(&l, it->number) != NULL, "interface %u not found", it->number);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check(data, size, 0);
	check(data, size, size ? data[size - 1] : 1);
	for (size_t n = 0; n < size && n < 64; n++)
		check(data, n, 0);
	return 0;
}
