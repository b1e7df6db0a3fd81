/* Data packets: the AT interface's bulk endpoints connected to the model,
 * the other endpoints idle. usbredir carries whole transfers (a 1 MiB write
 * is one packet), so the module sets the pace by when it answers: an OUT
 * packet completes once the paced link has carried it and the model has taken
 * every byte; an IN packet waits until the model has bytes. */
#include <stdlib.h>

#include "redir.h"

static void q_init(struct rqueue *q)
{
	q->head = NULL;
	q->tail = &q->head;
}

static void q_push(struct rqueue *q, struct rpacket *p)
{
	p->next = NULL;
	*q->tail = p;
	q->tail = &p->next;
}

static struct rpacket *q_pop(struct rqueue *q)
{
	struct rpacket *p = q->head;

	if (p && !(q->head = p->next))
		q->tail = &q->head;
	return p;
}

static struct rpacket *q_take(struct rqueue *q, uint64_t id)
{
	for (struct rpacket **pp = &q->head; *pp; pp = &(*pp)->next) {
		struct rpacket *p = *pp;
		if (p->id != id)
			continue;
		if (!(*pp = p->next))
			q->tail = pp;
		return p;
	}
	return NULL;
}

void redir_link_init(struct rmod *m)
{
	const struct vm_profile *p = m->profile;

	q_init(&m->out_q);
	q_init(&m->in_q);
	q_init(&m->parked);
	m->at_in = m->at_out = 0;
	if (p->at_interface >= p->n_interfaces)
		return;
	const struct vm_altsetting *a = &p->interfaces[p->at_interface].alts[0];
	for (unsigned e = 0; e < a->n_endpoints; e++) {
		if ((a->endpoints[e].attributes & 3) != usb_redir_type_bulk)
			continue;
		if (a->endpoints[e].address & 0x80)
			m->at_in = a->endpoints[e].address;
		else
			m->at_out = a->endpoints[e].address;
	}
}

static void packet_free(struct rmod *m, struct rpacket *p)
{
	if (p->data)
		usbredirparser_free_packet_data(m->parser, p->data);
	free(p);
}

/* Answers a packet and frees it: IN with n bytes of in, OUT with n bytes
 * taken. */
static void complete(struct rmod *m, struct rpacket *p, uint8_t status, uint8_t *in, uint32_t n)
{
	int data_len = (p->endpoint & 0x80) ? (int)n : 0;

	if (p->type == usb_redir_type_bulk) {
		struct usb_redir_bulk_packet_header h = {
			.endpoint = p->endpoint, .status = status,
			.length = (uint16_t)(n & 0xffff), .length_high = (uint16_t)(n >> 16),
		};
		usbredirparser_send_bulk_packet(m->parser, p->id, &h, data_len ? in : NULL, data_len);
	} else {
		struct usb_redir_interrupt_packet_header h = { p->endpoint, status, (uint16_t)n };
		usbredirparser_send_interrupt_packet(m->parser, p->id, &h, data_len ? in : NULL, data_len);
	}
	packet_free(m, p);
}

static uint64_t link_ns(const struct rmod *m, uint32_t len)
{
	uint64_t t = (uint64_t)m->pacing.turnaround_us * 1000u;

	if (m->pacing.link_bytes_per_sec)
		t += (uint64_t)len * 1000000000u / m->pacing.link_bytes_per_sec;
	return t;
}

/* OUT: one link per module, packets in order, each holding the link for
 * len/rate + turnaround, then its bytes go to the model; what the model does
 * not take waits (a real device NAKs) and is retried when the model runs.
 * IN: whatever the model has queued, up to the packet's size. */
static void service(struct rmod *m, uint64_t now)
{
	while (m->out_q.head) {
		struct rpacket *p = m->out_q.head;

		if (!p->started) {
			uint64_t start = m->link_free_ns > p->queued_ns ? m->link_free_ns : p->queued_ns;
			p->due_ns = start + link_ns(m, p->len);
			p->started = true;
			m->link_free_ns = p->due_ns;
		}
		if (p->due_ns > now)
			break;
		if (p->off < p->len) {
			size_t n = vm_model_host_write(m->model, p->data + p->off, p->len - p->off, now);
			p->off += (uint32_t)n;
			m->count.at_out_bytes += n;
			m->model_next_ns = vm_model_next_ns(m->model);
			if (vm_model_presence(m->model) != VM_PRESENT ||
			    vm_model_departures(m->model) != m->departures)
				return; /* redir_device_sync() disconnects; the packet is dropped */
			if (p->off < p->len) {
				m->out_nak = true;
				break;
			}
		}
		if (m->out_nak && now > m->link_free_ns)
			m->link_free_ns = now; /* NAKed until now: the link was busy with it */
		m->out_nak = false;
		complete(m, q_pop(&m->out_q), usb_redir_success, NULL, p->len);
	}
	while (m->in_q.head && vm_model_presence(m->model) == VM_PRESENT &&
	       vm_model_departures(m->model) == m->departures) {
		struct rpacket *p = m->in_q.head;
		uint8_t *buf;
		size_t n;

		if (p->len == 0) {
			complete(m, q_pop(&m->in_q), usb_redir_success, NULL, 0);
			continue;
		}
		if (vm_model_pending_in(m->model) == 0)
			break;
		if (!(buf = malloc(p->len)))
			break;
		n = vm_model_host_read(m->model, buf, p->len, now);
		m->count.at_in_bytes += n;
		complete(m, q_pop(&m->in_q), usb_redir_success, buf, (uint32_t)n);
		free(buf);
	}
	m->model_next_ns = vm_model_next_ns(m->model);
}

void redir_link_run(struct rmod *m, uint64_t now)
{
	if (m->model_next_ns <= now)
		m->model_next_ns = vm_model_tick(m->model, now);
	redir_device_sync(m);
	if (m->device_up)
		service(m, now);
	redir_device_sync(m);
}

uint64_t redir_link_next_ns(const struct rmod *m)
{
	uint64_t t = m->model_next_ns;

	if (m->device_up && m->out_q.head && !m->out_nak) {
		const struct rpacket *p = m->out_q.head;
		uint64_t due = p->started ? p->due_ns : 0;
		if (due < t)
			t = due;
	}
	return t;
}

void redir_link_packet(struct rmod *m, uint64_t id, uint8_t type, uint8_t endpoint, uint8_t *data, uint32_t len)
{
	const struct vm_endpoint *ep;
	struct rpacket *p;
	uint8_t ifno;

	if (!m->device_up) {
		usbredirparser_free_packet_data(m->parser, data);
		return; /* for a device that has left: qemu dropped it already */
	}
	if (!(p = calloc(1, sizeof(*p)))) {
		usbredirparser_free_packet_data(m->parser, data);
		return;
	}
	p->id = id;
	p->type = type;
	p->endpoint = endpoint;
	p->len = len;
	p->data = data;
	p->queued_ns = redir_now_ns();
	ep = redir_device_find_ep(m, endpoint, &ifno);
	if (!ep || (ep->attributes & 3) != type) {
		m->count.stalls++;
		complete(m, p, usb_redir_stall, NULL, 0);
		return;
	}
	bool at = ifno == m->profile->at_interface && type == usb_redir_type_bulk;
	if (endpoint & 0x80)
		q_push(at && endpoint == m->at_in ? &m->in_q : &m->parked, p);
	else if (at && endpoint == m->at_out)
		q_push(&m->out_q, p);
	else
		complete(m, p, usb_redir_success, NULL, len); /* consumed */
	redir_link_run(m, redir_now_ns());
}

void redir_link_cancel(struct rmod *m, uint64_t id)
{
	bool was_head = m->out_q.head && m->out_q.head->id == id;
	struct rpacket *p;

	if ((p = q_take(&m->out_q, id))) {
		if (was_head)
			m->out_nak = false;
		m->count.cancels++;
		complete(m, p, usb_redir_cancelled, NULL, p->off);
	} else if ((p = q_take(&m->in_q, id)) || (p = q_take(&m->parked, id))) {
		m->count.cancels++;
		complete(m, p, usb_redir_cancelled, NULL, 0);
	}
}

void redir_link_drop_all(struct rmod *m)
{
	struct rqueue *qs[] = { &m->out_q, &m->in_q, &m->parked };
	struct rpacket *p;

	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
		while ((p = q_pop(qs[i])))
			packet_free(m, p);
	m->out_nak = false;
	m->link_free_ns = 0;
}
