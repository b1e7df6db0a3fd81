/* The module as a USB device on qemu's side of the socket: connect and
 * disconnect as the model comes and goes (reboots), interface and endpoint
 * info, configuration and alt settings, and the control requests qemu passes
 * through (it answers SET_ADDRESS itself and turns SET_CONFIGURATION /
 * SET_INTERFACE into their own messages). */
#include <string.h>

#include "redir.h"

const struct vm_endpoint *redir_device_find_ep(const struct rmod *m, uint8_t addr, uint8_t *ret_ifno)
{
	const struct vm_profile *p = m->profile;

	for (unsigned i = 0; i < p->n_interfaces && i < REDIR_MAX_IFS; i++) {
		const struct vm_altsetting *a = &p->interfaces[i].alts[m->alt[i]];
		for (unsigned e = 0; e < a->n_endpoints; e++)
			if (a->endpoints[e].address == addr) {
				*ret_ifno = (uint8_t)i;
				return &a->endpoints[e];
			}
	}
	return NULL;
}

/* usbredir indexes endpoints 0-15 OUT, 16-31 IN. */
static unsigned ep_index(uint8_t addr)
{
	return ((addr & 0x80u) >> 3) | (addr & 0x0fu);
}

/* interface_info then ep_info, for the current alt settings: qemu wants both
 * before device_connect and again after every change. */
static void send_layout(struct rmod *m)
{
	const struct vm_profile *p = m->profile;
	struct usb_redir_interface_info_header ii;
	struct usb_redir_ep_info_header ei;

	memset(&ii, 0, sizeof(ii));
	for (unsigned i = 0; i < p->n_interfaces && i < REDIR_MAX_IFS; i++) {
		const struct vm_altsetting *a = &p->interfaces[i].alts[m->alt[i]];
		ii.interface[i] = (uint8_t)i;
		ii.interface_class[i] = a->cls;
		ii.interface_subclass[i] = a->subcls;
		ii.interface_protocol[i] = a->proto;
		ii.interface_count++;
	}
	memset(&ei, 0, sizeof(ei));
	memset(ei.type, usb_redir_type_invalid, sizeof(ei.type));
	ei.type[0] = ei.type[16] = usb_redir_type_control;
	ei.max_packet_size[0] = ei.max_packet_size[16] = p->ep0_max_packet;
	for (unsigned i = 0; i < p->n_interfaces && i < REDIR_MAX_IFS; i++) {
		const struct vm_altsetting *a = &p->interfaces[i].alts[m->alt[i]];
		for (unsigned e = 0; e < a->n_endpoints; e++) {
			const struct vm_endpoint *ep = &a->endpoints[e];
			unsigned k = ep_index(ep->address);
			ei.type[k] = ep->attributes & 3;
			ei.interval[k] = ep->interval;
			ei.interface[k] = (uint8_t)i;
			ei.max_packet_size[k] = ep->max_packet;
		}
	}
	usbredirparser_send_interface_info(m->parser, &ii);
	usbredirparser_send_ep_info(m->parser, &ei);
}

/* A fresh enumeration: unconfigured until the host sets a configuration
 * (the kernel does at once), every interface at alt 0. */
static void plug(struct rmod *m)
{
	const struct vm_profile *p = m->profile;
	struct usb_redir_device_connect_header dc = {
		.speed = usb_redir_speed_high,
		.device_class = p->dev_class,
		.device_subclass = p->dev_subclass,
		.device_protocol = p->dev_proto,
		.vendor_id = p->vid,
		.product_id = p->pid,
		.device_version_bcd = p->bcd_device,
	};

	memset(m->alt, 0, sizeof(m->alt));
	m->configuration = 0;
	send_layout(m);
	usbredirparser_send_device_connect(m->parser, &dc);
	m->device_up = true;
	m->departures = vm_model_departures(m->model);
	m->count.device_connects++;
	redir_log(m, "device_connect %04x:%04x (%s) on %s", p->vid, p->pid, p->name, vm_model_port(m->model));
}

static void unplug(struct rmod *m, enum vm_presence why)
{
	redir_link_drop_all(m);
	usbredirparser_send_device_disconnect(m->parser);
	m->device_up = false;
	m->count.device_disconnects++;
	/* With the ack capability on both sides, a new device_connect must wait
	 * for the ack: packets of the old device may still be on their way. */
	m->await_ack = usbredirparser_peer_has_cap(m->parser, usb_redir_cap_device_disconnect_ack) &&
		       usbredirparser_have_cap(m->parser, usb_redir_cap_device_disconnect_ack);
	redir_log(m, "device_disconnect (%s)", why == VM_GONE ? "gone" : "rebooting");
}

void redir_device_sync(struct rmod *m)
{
	enum vm_presence p = vm_model_presence(m->model);

	if (m->fd < 0 || !m->peer_hello)
		return;
	/* Also a module that left and is back already (one late tick ran its
	 * reboot and its return): the host must see it go and come back. */
	if (m->device_up && (p != VM_PRESENT || vm_model_departures(m->model) != m->departures))
		unplug(m, p == VM_PRESENT ? VM_REBOOTING : p);
	else if (!m->device_up && p == VM_PRESENT && !m->await_ack)
		plug(m);
}

void redir_device_on_hello(struct rmod *m)
{
	m->peer_hello = true;
	redir_device_sync(m);
}

void redir_device_on_disconnect_ack(struct rmod *m)
{
	m->await_ack = false;
	redir_device_sync(m);
}

/* A port reset (the guest's hub driver resets on enumeration and on
 * errors): alt settings back to 0. The model does not see it; qemu expects
 * no answer. */
void redir_device_on_reset(struct rmod *m)
{
	bool changed = false;

	m->count.resets++;
	for (unsigned i = 0; i < REDIR_MAX_IFS; i++)
		if (m->alt[i]) {
			m->alt[i] = 0;
			changed = true;
		}
	if (changed && m->device_up)
		send_layout(m);
}

void redir_device_set_configuration(struct rmod *m, uint64_t id, uint8_t configuration)
{
	struct usb_redir_configuration_status_header st = { usb_redir_success, configuration };

	if (configuration > 1) {
		st.status = usb_redir_stall;
		st.configuration = m->configuration;
	} else {
		m->configuration = configuration;
		memset(m->alt, 0, sizeof(m->alt));
		send_layout(m);
	}
	usbredirparser_send_configuration_status(m->parser, id, &st);
}

void redir_device_get_configuration(struct rmod *m, uint64_t id)
{
	struct usb_redir_configuration_status_header st = { usb_redir_success, m->configuration };

	usbredirparser_send_configuration_status(m->parser, id, &st);
}

void redir_device_set_alt(struct rmod *m, uint64_t id, uint8_t ifno, uint8_t alt)
{
	const struct vm_profile *p = m->profile;
	struct usb_redir_alt_setting_status_header st = { usb_redir_success, ifno, alt };

	if (ifno >= p->n_interfaces || ifno >= REDIR_MAX_IFS || alt >= p->interfaces[ifno].n_alts) {
		st.status = usb_redir_stall;
	} else if (m->alt[ifno] != alt) {
		m->alt[ifno] = alt;
		send_layout(m);
	}
	usbredirparser_send_alt_setting_status(m->parser, id, &st);
}

void redir_device_get_alt(struct rmod *m, uint64_t id, uint8_t ifno)
{
	struct usb_redir_alt_setting_status_header st = { usb_redir_success, ifno, 0 };

	if (ifno >= m->profile->n_interfaces || ifno >= REDIR_MAX_IFS)
		st.status = usb_redir_inval;
	else
		st.alt = m->alt[ifno];
	usbredirparser_send_alt_setting_status(m->parser, id, &st);
}

static int put(uint8_t *out, size_t cap, const uint8_t *desc, int n)
{
	if (n < 0)
		return -1;
	if ((size_t)n > cap)
		n = (int)cap;
	memcpy(out, desc, (size_t)n);
	return n;
}

/* The data stage of a standard or class request: bytes for IN, 0 for OUT,
 * -1 to stall. The same answers as the umockdev adapter's (../ADAPTER.md). */
static int answer(struct rmod *m, const struct usb_redir_control_packet_header *h, uint8_t *out, size_t cap)
{
	const struct vm_profile *p = m->profile;
	uint8_t desc[1024];
	int n;

	switch (h->requesttype << 8 | h->request) {
	case 0x8006: /* GET_DESCRIPTOR */
		switch (h->value >> 8) {
		case 1: /* device: the first 18 bytes of descriptors+config */
			n = vm_profile_descriptors(p, desc, sizeof(desc));
			return put(out, cap, desc, n < 18 ? -1 : 18);
		case 2:
			if ((h->value & 0xff) != 0)
				return -1;
			return put(out, cap, desc, vm_profile_config_descriptor(p, desc, sizeof(desc)));
		case 3:
			return put(out, cap, desc, vm_profile_string_descriptor(p, h->value & 0xff, desc, sizeof(desc)));
		case 6: { /* DEVICE_QUALIFIER: a high-speed device describes its full-speed self */
			uint8_t q[10] = { 10, 6, (uint8_t)p->bcd_usb, (uint8_t)(p->bcd_usb >> 8),
					  p->dev_class, p->dev_subclass, p->dev_proto, 64, 1, 0 };
			return put(out, cap, q, sizeof(q));
		}
		default: /* BOS, OTG, DEBUG: a USB 2.00 device stalls them */
			return -1;
		}
	case 0x8000: { /* GET_STATUS (device): bit 0 self-powered */
		uint8_t st[2] = { (p->config_attributes & 0x40) ? 1 : 0, 0 };
		return put(out, cap, st, 2);
	}
	case 0x8100: case 0x8200: {
		uint8_t st[2] = { 0, 0 };
		return put(out, cap, st, 2);
	}
	case 0x8008: /* GET_CONFIGURATION */
		return put(out, cap, &m->configuration, 1);
	case 0x810a: /* GET_INTERFACE */
		if ((h->index & 0xff) >= p->n_interfaces || (h->index & 0xff) >= REDIR_MAX_IFS)
			return -1;
		return put(out, cap, &m->alt[h->index & 0xff], 1);
	case 0x0009: case 0x010b: case 0x0001: case 0x0101: case 0x0201: case 0x0003: case 0x0203:
		return 0;
	case 0x2122: /* CDC SET_CONTROL_LINE_STATE: option.c sends it on open and close */
		if ((h->index & 0xff) == p->at_interface)
			vm_model_usb_event(m->model, VM_USB_LINE_STATE, h->value);
		return 0;
	case 0x2120: /* SET_LINE_CODING: baud is irrelevant on USB (facts §2.1) */
		return 0;
	case 0xa121: { /* GET_LINE_CODING: 115200 8N1 */
		uint8_t lc[7] = { 0x00, 0xc2, 0x01, 0x00, 0, 0, 8 };
		return put(out, cap, lc, sizeof(lc));
	}
	default:
		return -1;
	}
}

void redir_device_control(struct rmod *m, uint64_t id, struct usb_redir_control_packet_header *h,
			  uint8_t *data, int data_len)
{
	struct usb_redir_control_packet_header reply = *h;
	uint8_t buf[1024];
	size_t cap = h->length < sizeof(buf) ? h->length : sizeof(buf);
	int n;

	usbredirparser_free_packet_data(m->parser, data);
	if (!m->device_up)
		return; /* for a device that has left: qemu dropped it already */
	n = answer(m, h, buf, cap);
	if (n < 0) {
		m->count.stalls++;
		reply.status = usb_redir_stall;
		reply.length = 0;
		usbredirparser_send_control_packet(m->parser, id, &reply, NULL, 0);
	} else if (h->requesttype & 0x80) {
		reply.status = usb_redir_success;
		reply.length = (uint16_t)n;
		usbredirparser_send_control_packet(m->parser, id, &reply, n ? buf : NULL, n);
	} else {
		reply.status = usb_redir_success;
		reply.length = (uint16_t)(data_len > 0 ? data_len : 0);
		usbredirparser_send_control_packet(m->parser, id, &reply, NULL, 0);
	}
}
