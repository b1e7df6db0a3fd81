/* The umockdev usbdevfs adapter: answers the ioctls a program's libusb sends
 * to /dev/bus/usb/BBB/DDD as the Linux kernel (drivers/usb/core/devio.c)
 * would, and connects the AT interface's bulk endpoints to the model.
 * ADAPTER.md says what is emulated and what is not.
 *
 * Runs on umockdev's worker threads (the station's lanes: handle_ioctl,
 * client_connected, client cleanup) and on the station's thread
 * (vm_usbdevfs_service/unplugged). State is touched only under
 * vm_adapter_lock(); an ioctl's round trips to its client (reading its
 * argument, handing over a reaped URB) happen outside it. Every ioctl is
 * answered before the handler returns: REAPURBNDELAY never blocks, so nothing
 * ever waits inside umockdev.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/usbdevice_fs.h>
#include <umockdev.h>

#include "adapter.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned n_clients;

pthread_mutex_t *vm_adapter_lock(void)
{
	return &lock;
}

/* Intrusive doubly linked lists: a URB moves between queues without allocating. */
static void vl_init(struct vlist *l) { l->prev = l->next = l; }
static bool vl_empty(const struct vlist *l) { return l->next == l; }
static void vl_del(struct vlist *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	e->prev = e->next = e;
}
static void vl_add_tail(struct vlist *l, struct vlist *e)
{
	e->prev = l->prev;
	e->next = l;
	l->prev->next = e;
	l->prev = e;
}
#define vl_entry(p, type, member) ((type *)(void *)((char *)(p) - offsetof(type, member)))

struct vclient {
	struct vnode *node;      /* NULL: opened while the device was off the bus */
	uint32_t claimed;        /* bit per interface number */
	struct vlist urbs;       /* every URB not reaped yet (vurb.client_link) */
	struct vlist done;       /* completed, waiting for REAPURBNDELAY (vurb.link) */
	size_t read_off;         /* file position of read() (the descriptors) */
};

struct vurb {
	struct vlist link;       /* in out_q, in_q, parked or the client's done */
	struct vlist client_link;
	struct vclient *vc;
	UMockdevIoctlData *urb;  /* the client's struct usbdevfs_urb (a ref) */
	UMockdevIoctlData *buf;  /* its buffer (a ref), NULL if empty */
	unsigned long addr;      /* client address of the urb, for DISCARDURB */
	uint8_t ep;
	uint8_t ifno;
	size_t len, off;         /* bytes; off = taken by the model so far */
	bool done, started;
	uint64_t queued_ns;      /* submitted: a host controller starts it then, or when the link frees */
	uint64_t due_ns;
};

/* ---- the node's FIFO: full = nothing to reap (poll blocks), empty = reap ---- */

static void fifo_fill(int fd)
{
	static const char zeros[4096];

	while (fd >= 0 && write(fd, zeros, sizeof(zeros)) > 0)
		;
}

static void fifo_drain(int fd)
{
	char sink[4096];

	while (fd >= 0 && read(fd, sink, sizeof(sink)) > 0)
		;
}

struct vnode *vm_node_new(struct vmod *mod, const char *fifo_path)
{
	struct vnode *n = calloc(1, sizeof(*n));
	char *dir = g_path_get_dirname(fifo_path);

	if (!n || g_mkdir_with_parents(dir, 0755) < 0)
		goto fail;
	unlink(fifo_path);
	if (mkfifo(fifo_path, 0666) < 0)
		goto fail;
	n->fifo = open(fifo_path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (n->fifo < 0)
		goto fail;
	/* One page: a single write fills it, so poll(POLLOUT) blocks. */
	(void)fcntl(n->fifo, F_SETPIPE_SZ, 4096);
	fifo_fill(n->fifo);
	n->refs = 1;
	n->mod = mod;
	g_free(dir);
	return n;
fail:
	g_free(dir);
	free(n);
	return NULL;
}

void vm_node_unref(struct vnode *n)
{
	if (!n || --n->refs > 0)
		return;
	if (n->fifo >= 0)
		close(n->fifo);
	free(n);
}

static void node_reapable_add(struct vnode *n)
{
	if (n->reapable++ == 0)
		fifo_drain(n->fifo);
}

static void node_reapable_sub(struct vnode *n)
{
	if (--n->reapable == 0)
		fifo_fill(n->fifo);
}

static struct vmod *live_mod(const struct vclient *vc)
{
	return vc->node && !vc->node->gone ? vc->node->mod : NULL;
}

/* ---- URBs ---- */

static void urb_free(struct vurb *u)
{
	if (u->buf)
		g_object_unref(u->buf);
	g_object_unref(u->urb);
	free(u);
}

static void urb_complete(struct vurb *u, int status, size_t actual)
{
	struct usbdevfs_urb *k = (struct usbdevfs_urb *)(void *)u->urb->data;

	k->status = status;
	k->actual_length = (int)actual;
	u->done = true;
	vl_del(&u->link);
	vl_add_tail(&u->vc->done, &u->link);
	node_reapable_add(u->vc->node);
}

static void kick(struct vmod *mod)
{
	uint64_t t = vm_usbdevfs_next_ns(mod);

	if (mod->model && mod->model_next_ns < t)
		t = mod->model_next_ns;
	if (t != VM_NEVER)
		vm_station_kick(mod->st, t);
}

uint64_t vm_usbdevfs_next_ns(const struct vmod *mod)
{
	if (vl_empty(&mod->out_q) || mod->out_nak)
		return VM_NEVER;
	struct vurb *u = vl_entry(mod->out_q.next, struct vurb, link);
	return u->started ? u->due_ns : 0;
}

static uint64_t link_ns(const struct vmod *mod, size_t len)
{
	uint64_t t = (uint64_t)mod->pacing.turnaround_us * 1000u;

	if (mod->pacing.link_bytes_per_sec)
		t += (uint64_t)len * 1000000000u / mod->pacing.link_bytes_per_sec;
	return t;
}

void vm_usbdevfs_service(struct vmod *mod, uint64_t now)
{
	if (!mod->model || !mod->node)
		return;
	/* The model first catches up: a reboot it has run meanwhile (even one
	 * it is back from already) takes this enumeration off the bus before
	 * any of its URBs reaches the rebooted module. */
	mod->model_next_ns = vm_model_tick(mod->model, now);
	vm_station_sync_presence(mod);
	if (!mod->node)
		return;
	/* Bulk OUT: one link per module, transfers in order; a transfer holds
	 * the link for len/rate + turnaround, then its bytes reach the model.
	 * What the model does not take is NAKed: retried when it runs again. */
	while (!vl_empty(&mod->out_q)) {
		struct vurb *u = vl_entry(mod->out_q.next, struct vurb, link);

		if (!u->started) {
			/* Back to back, as a host controller runs queued transfers:
			 * from when the link freed, not from when this code ran. */
			uint64_t start = mod->link_free_ns > u->queued_ns ? mod->link_free_ns : u->queued_ns;
			u->due_ns = start + link_ns(mod, u->len);
			u->started = true;
			mod->link_free_ns = u->due_ns;
		}
		if (u->due_ns > now)
			break;
		if (u->off < u->len) {
			u->off += vm_model_host_write(mod->model, u->buf->data + u->off,
						      u->len - u->off, now);
			mod->model_next_ns = vm_model_next_ns(mod->model);
			if (!vm_station_model_on_bus(mod))
				break;
			if (u->off < u->len) {
				mod->out_nak = true;
				break;
			}
		}
		if (mod->out_nak && now > mod->link_free_ns)
			mod->link_free_ns = now; /* NAKed until now: the link was busy with it */
		mod->out_nak = false;
		urb_complete(u, 0, u->len);
	}
	/* Bulk IN: whatever the module has queued, up to the transfer's size. */
	while (!vl_empty(&mod->in_q) && vm_station_model_on_bus(mod)) {
		struct vurb *u = vl_entry(mod->in_q.next, struct vurb, link);
		size_t n;

		if (u->len == 0) {
			urb_complete(u, 0, 0);
			continue;
		}
		if (vm_model_pending_in(mod->model) == 0)
			break;
		n = vm_model_host_read(mod->model, u->buf->data, u->len, now);
		urb_complete(u, 0, n);
	}
	mod->model_next_ns = vm_model_next_ns(mod->model);
	vm_station_sync_presence(mod);
	if (mod->node)
		kick(mod);
}

static void fail_queue(struct vlist *q, int status)
{
	while (!vl_empty(q)) {
		struct vurb *u = vl_entry(q->next, struct vurb, link);
		urb_complete(u, status, u->off);
	}
}

void vm_usbdevfs_unplugged(struct vmod *mod)
{
	struct vnode *n = mod->node;

	if (!n)
		return;
	/* Kernel: usb_disconnect kills every URB (-ESHUTDOWN); reaping stays
	 * possible (USBDEVFS_CAP_REAP_AFTER_DISCONNECT), all else is ENODEV. */
	fail_queue(&mod->out_q, -ESHUTDOWN);
	fail_queue(&mod->in_q, -ESHUTDOWN);
	fail_queue(&mod->parked, -ESHUTDOWN);
	for (unsigned i = 0; i < VM_MAX_IFS; i++) {
		struct vclient *vc = mod->claimed_by[i];
		if (vc)
			vc->claimed &= ~(1u << i);
		mod->claimed_by[i] = NULL;
	}
	mod->out_nak = false;
	mod->link_free_ns = 0;
	n->gone = true;
	mod->node = NULL;
	vm_node_unref(n);
}

/* ---- interfaces, claims, drivers (devio.c: claimintf, proc_ioctl, ...) ---- */

static const struct vm_endpoint *find_ep(const struct vmod *mod, uint8_t addr, uint8_t *ret_ifno)
{
	const struct vm_profile *p = mod->profile;

	for (unsigned i = 0; i < p->n_interfaces && i < VM_MAX_IFS; i++) {
		const struct vm_altsetting *a = &p->interfaces[i].alts[mod->alt[i]];
		for (unsigned e = 0; e < a->n_endpoints; e++)
			if (a->endpoints[e].address == addr) {
				*ret_ifno = (uint8_t)i;
				return &a->endpoints[e];
			}
	}
	return NULL;
}

static bool is_at(const struct vmod *mod, unsigned ifno)
{
	return mod->model && ifno == mod->profile->at_interface;
}

static int claim(struct vmod *mod, struct vclient *vc, unsigned ifno)
{
	if (ifno >= mod->profile->n_interfaces || ifno >= VM_MAX_IFS)
		return -ENOENT;
	if (vc->claimed & (1u << ifno))
		return 0;
	/* Another fd (usbfs) or a kernel driver holds it: libusb's BUSY. */
	if (mod->claimed_by[ifno] || mod->driver_bound[ifno])
		return -EBUSY;
	mod->claimed_by[ifno] = vc;
	vc->claimed |= 1u << ifno;
	if (is_at(mod, ifno))
		vm_model_usb_event(mod->model, VM_USB_CLAIM, (long)ifno);
	return 0;
}

/* Kernel checkintf(): using an interface not claimed claims it implicitly
 * (with a "did not claim interface before use" warning), so a forgotten
 * driver detach shows up as EBUSY on the first transfer. */
static int checkintf(struct vmod *mod, struct vclient *vc, unsigned ifno)
{
	return claim(mod, vc, ifno);
}

/* Kernel proc_releaseinterface(): release, then destroy_async_on_interface():
 * URBs still in flight on that interface are killed and freed, never reaped. */
static int release(struct vmod *mod, struct vclient *vc, unsigned ifno)
{
	if (ifno >= VM_MAX_IFS || !(vc->claimed & (1u << ifno)))
		return -EINVAL;
	vc->claimed &= ~(1u << ifno);
	mod->claimed_by[ifno] = NULL;
	for (struct vlist *l = vc->urbs.next, *nx; l != &vc->urbs; l = nx) {
		struct vurb *u = vl_entry(l, struct vurb, client_link);
		nx = l->next;
		if (u->done || u->ifno != ifno)
			continue;
		if (mod->out_q.next == &u->link)
			mod->out_nak = false;
		vl_del(&u->link);
		vl_del(&u->client_link);
		urb_free(u);
	}
	if (is_at(mod, ifno))
		vm_model_usb_event(mod->model, VM_USB_RELEASE, (long)ifno);
	return 0;
}

static const char *driver_of(const struct vmod *mod, unsigned ifno)
{
	if (mod->claimed_by[ifno])
		return "usbfs";
	if (mod->driver_bound[ifno])
		return mod->profile->interfaces[ifno].kernel_driver;
	return NULL;
}

/* USBDEVFS_DISCONNECT: unbinds whichever driver holds it, usbfs included. */
static int driver_disconnect(struct vmod *mod, unsigned ifno)
{
	struct vclient *holder = mod->claimed_by[ifno];

	if (holder)
		return release(mod, holder, ifno);
	if (!mod->driver_bound[ifno])
		return -ENODATA;
	mod->driver_bound[ifno] = false;
	if (is_at(mod, ifno))
		vm_model_usb_event(mod->model, VM_USB_DRIVER_DETACH, (long)ifno);
	return 0;
}

/* USBDEVFS_CONNECT: device_attach() returns 1 when a driver bound, 0 if none. */
static int driver_connect(struct vmod *mod, unsigned ifno)
{
	if (driver_of(mod, ifno))
		return -EBUSY;
	if (!mod->profile->interfaces[ifno].kernel_driver)
		return 0;
	mod->driver_bound[ifno] = true;
	if (is_at(mod, ifno))
		vm_model_usb_event(mod->model, VM_USB_DRIVER_ATTACH, (long)ifno);
	return 1;
}

/* ---- control requests (chapter 9 + CDC ACM class requests) ---- */

struct setup {
	uint8_t type, req;
	uint16_t value, index, length;
};

static size_t put_desc(uint8_t *data, size_t cap, const uint8_t *desc, int n)
{
	size_t m = n < 0 ? 0 : (size_t)n;

	if (m > cap)
		m = cap;
	if (m)
		memcpy(data, desc, m);
	return m;
}

/* Returns the bytes for the data stage (IN) or 0, -EPIPE for a stall, or
 * another negative errno that fails the submission itself (check_ctrlrecip). */
static int control(struct vmod *mod, struct vclient *vc, const struct setup *s, uint8_t *data, size_t cap)
{
	const struct vm_profile *p = mod->profile;
	uint8_t desc[1024];
	int r;

	if (cap > s->length)
		cap = s->length;
	/* Kernel check_ctrlrecip(): class and standard requests to an interface
	 * or endpoint need it claimed; vendor requests pass unchecked. */
	if ((s->type & 0x60) == 0x40) {
		/* nothing to check */
	} else if ((s->type & 0x1f) == 1) {
		if ((r = checkintf(mod, vc, s->index & 0xff)) < 0)
			return r;
	} else if ((s->type & 0x1f) == 2 && (s->index & 0x7f)) {
		uint8_t ifno;
		if (!find_ep(mod, (uint8_t)s->index, &ifno))
			return -ENOENT;
		if ((r = checkintf(mod, vc, ifno)) < 0)
			return r;
	}
	switch (s->type << 8 | s->req) {
	case 0x8006: /* GET_DESCRIPTOR */
		switch (s->value >> 8) {
		case 1:
			return (int)put_desc(data, cap, desc, vm_profile_device_descriptor(p, desc, sizeof(desc)));
		case 2:
			if ((s->value & 0xff) != 0)
				return -EPIPE;
			return (int)put_desc(data, cap, desc, vm_profile_config_descriptor(p, desc, sizeof(desc)));
		case 3:
			r = vm_profile_string_descriptor(p, s->value & 0xff, desc, sizeof(desc));
			return r < 0 ? -EPIPE : (int)put_desc(data, cap, desc, r);
		case 6: { /* DEVICE_QUALIFIER: a high-speed device describes its full-speed self */
			uint8_t q[10] = { 10, 6, (uint8_t)p->bcd_usb, (uint8_t)(p->bcd_usb >> 8),
					  p->dev_class, p->dev_subclass, p->dev_proto, 64, 1, 0 };
			return (int)put_desc(data, cap, q, sizeof(q));
		}
		default: /* BOS, OTG, DEBUG: a USB 2.00 device stalls them */
			return -EPIPE;
		}
	case 0x8000: { /* GET_STATUS (device): bit 0 self-powered */
		uint8_t st[2] = { (p->config_attributes & 0x40) ? 1 : 0, 0 };
		return (int)put_desc(data, cap, st, 2);
	}
	case 0x8100: case 0x8200: {
		uint8_t st[2] = { 0, 0 };
		return (int)put_desc(data, cap, st, 2);
	}
	case 0x8008: { /* GET_CONFIGURATION */
		uint8_t c = 1;
		return (int)put_desc(data, cap, &c, 1);
	}
	case 0x810a: /* GET_INTERFACE */
		if ((s->index & 0xff) >= p->n_interfaces)
			return -EPIPE;
		return (int)put_desc(data, cap, &mod->alt[s->index & 0xff], 1);
	case 0x0009: case 0x010b: case 0x0001: case 0x0101: case 0x0201: case 0x0003: case 0x0203:
		return 0;
	case 0x2122: /* CDC SET_CONTROL_LINE_STATE, as option.c sends on open */
		if (is_at(mod, s->index & 0xff))
			vm_model_usb_event(mod->model, VM_USB_LINE_STATE, s->value);
		return 0;
	case 0x2120: /* SET_LINE_CODING: baud is irrelevant on USB (facts §2.1) */
		return 0;
	case 0xa121: { /* GET_LINE_CODING: 115200 8N1 */
		uint8_t lc[7] = { 0x00, 0xc2, 0x01, 0x00, 0, 0, 8 };
		return (int)put_desc(data, cap, lc, sizeof(lc));
	}
	default:
		return -EPIPE;
	}
}

static struct setup parse_setup(const uint8_t *b)
{
	struct setup s = { b[0], b[1], (uint16_t)(b[2] | b[3] << 8), (uint16_t)(b[4] | b[5] << 8),
			   (uint16_t)(b[6] | b[7] << 8) };
	return s;
}

/* ---- ioctls ---- */

static UMockdevIoctlData *resolve(UMockdevIoctlData *d, size_t off, size_t len)
{
	return umockdev_ioctl_data_resolve(d, off, len, NULL);
}

/* An ioctl's argument, read from the client before the lock is taken: every
 * round trip to the client (umockdev's READ_MEM) happens outside the lock, so
 * one module's ioctl never holds up another's, nor the station thread. */
struct req {
	unsigned long request;
	UMockdevIoctlData *arg;  /* the raw argument (umockdev's, not a ref) */
	UMockdevIoctlData *d;    /* *arg, _IOC_SIZE(request) bytes; NULL if none */
	UMockdevIoctlData *sub;  /* SUBMITURB's buffer, CONTROL's data stage; or NULL */
	bool fault;              /* a resolve failed: the ioctl is -EFAULT */
};

/* The requests whose argument points to _IOC_SIZE(request) bytes. */
static bool takes_struct(uint32_t r)
{
	switch (r) {
	case (uint32_t)USBDEVFS_GET_CAPABILITIES: case (uint32_t)USBDEVFS_SUBMITURB:
	case (uint32_t)USBDEVFS_CLAIMINTERFACE: case (uint32_t)USBDEVFS_RELEASEINTERFACE:
	case (uint32_t)USBDEVFS_DISCONNECT_CLAIM: case (uint32_t)USBDEVFS_IOCTL:
	case (uint32_t)USBDEVFS_GETDRIVER: case (uint32_t)USBDEVFS_CONTROL:
	case (uint32_t)USBDEVFS_SETINTERFACE: case (uint32_t)USBDEVFS_SETCONFIGURATION:
	case (uint32_t)USBDEVFS_CLEAR_HALT: case (uint32_t)USBDEVFS_RESETEP:
	case (uint32_t)USBDEVFS_CONNECTINFO:
		return true;
	default:
		return false;
	}
}

static void req_fetch(struct req *q)
{
	uint32_t r = (uint32_t)q->request;

	if (!takes_struct(r))
		return;
	if (!(q->d = resolve(q->arg, 0, _IOC_SIZE(r)))) {
		q->fault = true;
		return;
	}
	if (r == (uint32_t)USBDEVFS_SUBMITURB) {
		const struct usbdevfs_urb *k = (const void *)q->d->data;
		if (k->buffer_length > 0 &&
		    !(q->sub = resolve(q->d, offsetof(struct usbdevfs_urb, buffer), (size_t)k->buffer_length)))
			q->fault = true;
	} else if (r == (uint32_t)USBDEVFS_CONTROL) {
		const struct usbdevfs_ctrltransfer *c = (const void *)q->d->data;
		if (c->wLength &&
		    !(q->sub = resolve(q->d, offsetof(struct usbdevfs_ctrltransfer, data), c->wLength)))
			q->fault = true;
	}
}

static void req_clear(struct req *q)
{
	if (q->sub)
		g_object_unref(q->sub);
	if (q->d)
		g_object_unref(q->d);
}

static uint32_t req_u32(const struct req *q)
{
	uint32_t v;

	memcpy(&v, q->d->data, sizeof(v));
	return v;
}

static struct vurb *urb_new(struct vclient *vc, UMockdevIoctlData *urbd, UMockdevIoctlData *bufd)
{
	struct vurb *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->vc = vc;
	u->urb = g_object_ref(urbd);
	u->buf = bufd ? g_object_ref(bufd) : NULL;
	u->addr = urbd->client_addr;
	vl_init(&u->link);
	vl_add_tail(&vc->urbs, &u->client_link);
	return u;
}

static int submit(struct vmod *mod, struct vclient *vc, const struct req *q)
{
	UMockdevIoctlData *urbd = q->d, *bufd = q->sub;
	struct usbdevfs_urb *k = (struct usbdevfs_urb *)(void *)urbd->data;
	struct vurb *u;

	if (k->buffer_length < 0)
		return -EINVAL;
	if (k->type == USBDEVFS_URB_TYPE_CONTROL) {
		struct setup s;
		int r;

		if (!bufd || k->buffer_length < 8 || (k->endpoint & 0x7f) != 0)
			return -EINVAL;
		s = parse_setup(bufd->data);
		r = control(mod, vc, &s, bufd->data + 8, (size_t)k->buffer_length - 8);
		if (r < 0 && r != -EPIPE)
			return r;
		if (!(u = urb_new(vc, urbd, bufd)))
			return -ENOMEM;
		/* OUT data stages are consumed whole; IN ones return r bytes. */
		if (r >= 0 && !(s.type & 0x80))
			r = s.length;
		urb_complete(u, r < 0 ? r : 0, r < 0 ? 0 : (size_t)r);
		return 0;
	}
	if (k->type != USBDEVFS_URB_TYPE_BULK && k->type != USBDEVFS_URB_TYPE_INTERRUPT)
		return -EINVAL; /* isochronous: none of the modules has such an endpoint */
	uint8_t ifno;
	int r;
	if (!find_ep(mod, k->endpoint, &ifno))
		return -ENOENT;
	if ((r = checkintf(mod, vc, ifno)) < 0)
		return r;
	if (!(u = urb_new(vc, urbd, bufd)))
		return -ENOMEM;
	u->ep = k->endpoint;
	u->ifno = ifno;
	u->len = (size_t)k->buffer_length;
	if (mod->model && k->endpoint == mod->at_out) {
		u->queued_ns = vm_now_ns();
		vl_add_tail(&mod->out_q, &u->link);
		vm_usbdevfs_service(mod, vm_now_ns());
	} else if (mod->model && k->endpoint == mod->at_in) {
		vl_add_tail(&mod->in_q, &u->link);
		vm_usbdevfs_service(mod, vm_now_ns());
	} else if (!(k->endpoint & 0x80)) {
		urb_complete(u, 0, u->len); /* other OUT endpoints: a sink */
	} else {
		vl_add_tail(&mod->parked, &u->link); /* other IN: nothing ever comes */
	}
	return 0;
}

/* Takes the oldest completed URB off the client's list (locked); reap_deliver
 * then hands it to the client (unlocked). */
static int reap_take(struct vclient *vc, struct vurb **ret)
{
	struct vurb *u;

	if (vl_empty(&vc->done))
		return !vc->node || vc->node->gone ? -ENODEV : -EAGAIN;
	u = vl_entry(vc->done.next, struct vurb, link);
	vl_del(&u->link);
	vl_del(&u->client_link);
	node_reapable_sub(vc->node);
	*ret = u;
	return 0;
}

/* The URB is off every list, so nothing else touches it: the round trip to
 * the client needs no lock. */
static int reap_deliver(struct vurb *u, UMockdevIoctlData *arg)
{
	UMockdevIoctlData *slot = resolve(arg, 0, sizeof(void *));

	if (slot) {
		/* The slot now owns a ref to the URB data: complete() writes the URB
		 * (status, actual_length, IN bytes) and the pointer back to the client. */
		umockdev_ioctl_data_set_ptr(slot, 0, u->urb);
		g_object_unref(slot);
	}
	urb_free(u);
	return slot ? 0 : -EFAULT;
}

static int discard(struct vmod *mod, struct vclient *vc, UMockdevIoctlData *arg)
{
	unsigned long addr;

	memcpy(&addr, arg->data, sizeof(addr));
	for (struct vlist *l = vc->urbs.next; l != &vc->urbs; l = l->next) {
		struct vurb *u = vl_entry(l, struct vurb, client_link);
		if (u->addr != addr)
			continue;
		if (u->done)
			return -EINVAL;
		if (mod->out_q.next == &u->link)
			mod->out_nak = false;
		urb_complete(u, -ENOENT, u->off);
		return 0;
	}
	return -EINVAL;
}

static int sync_control(struct vmod *mod, struct vclient *vc, const struct req *q)
{
	const struct usbdevfs_ctrltransfer *c = (const void *)q->d->data;
	struct setup s = { c->bRequestType, c->bRequest, c->wValue, c->wIndex, c->wLength };
	int r = control(mod, vc, &s, q->sub ? q->sub->data : NULL, s.length);

	if (r >= 0 && !(s.type & 0x80))
		r = s.length;
	return r;
}

static int usbfs_ioctl(struct vmod *mod, const struct req *q)
{
	const struct usbdevfs_ioctl *c = (const void *)q->d->data;
	int r;

	if (c->ifno < 0 || c->ifno >= mod->profile->n_interfaces || c->ifno >= VM_MAX_IFS)
		r = -EINVAL;
	else if ((uint32_t)c->ioctl_code == (uint32_t)USBDEVFS_DISCONNECT)
		r = driver_disconnect(mod, (unsigned)c->ifno);
	else if ((uint32_t)c->ioctl_code == (uint32_t)USBDEVFS_CONNECT)
		r = driver_connect(mod, (unsigned)c->ifno);
	else
		r = -ENOTTY; /* no kernel driver here takes private ioctls */
	return r;
}

static int getdriver(struct vmod *mod, const struct req *q)
{
	struct usbdevfs_getdriver *g = (void *)q->d->data;
	const char *drv = NULL;

	if (g->interface < mod->profile->n_interfaces && g->interface < VM_MAX_IFS)
		drv = driver_of(mod, g->interface);
	if (drv)
		snprintf(g->driver, sizeof(g->driver), "%s", drv);
	return drv ? 0 : -ENODATA;
}

static int disconnect_claim(struct vmod *mod, struct vclient *vc, const struct req *q)
{
	struct usbdevfs_disconnect_claim dc;
	const char *drv;
	int r;

	memcpy(&dc, q->d->data, sizeof(dc));
	dc.driver[sizeof(dc.driver) - 1] = '\0';
	if (dc.interface >= mod->profile->n_interfaces || dc.interface >= VM_MAX_IFS)
		return -EINVAL;
	if (mod->claimed_by[dc.interface] == vc)
		return 0;
	drv = driver_of(mod, dc.interface);
	if (drv) {
		if ((dc.flags & USBDEVFS_DISCONNECT_CLAIM_IF_DRIVER) && strcmp(dc.driver, drv) != 0)
			return -EBUSY;
		if ((dc.flags & USBDEVFS_DISCONNECT_CLAIM_EXCEPT_DRIVER) && strcmp(dc.driver, drv) == 0)
			return -EBUSY;
		if ((r = driver_disconnect(mod, dc.interface)) < 0)
			return r;
	}
	return claim(mod, vc, dc.interface);
}

static int setinterface(struct vmod *mod, struct vclient *vc, const struct req *q)
{
	struct usbdevfs_setinterface si;
	int r;

	memcpy(&si, q->d->data, sizeof(si));
	if ((r = checkintf(mod, vc, si.interface)) < 0)
		return r;
	if (si.altsetting >= mod->profile->interfaces[si.interface].n_alts)
		return -EINVAL;
	mod->alt[si.interface] = (uint8_t)si.altsetting;
	return 0;
}

static int endpoint_op(struct vmod *mod, struct vclient *vc, const struct req *q)
{
	uint32_t ep = req_u32(q);
	uint8_t ifno;

	if (!find_ep(mod, (uint8_t)ep, &ifno))
		return -ENOENT;
	return checkintf(mod, vc, ifno); /* halts never happen here */
}

static void note_request(unsigned long request)
{
	static uint64_t seen;
	static int trace = -1;
	unsigned nr = (unsigned)(request & 0xff);

	if (trace < 0)
		trace = getenv("VMODULE_TRACE_IOCTL") != NULL;
	if (trace && nr < 64 && !(seen & (1ull << nr))) {
		seen |= 1ull << nr;
		fprintf(stderr, "vmodule: first usbdevfs ioctl 'U' %u (0x%lx)\n", nr, request);
	}
}

/* Locked. Everything the client's argument holds was fetched (req_fetch). */
static long dispatch(struct vclient *vc, const struct req *q)
{
	uint32_t request32 = (uint32_t)q->request;
	struct vmod *mod;
	uint32_t v;

	note_request(q->request);
	if (!(mod = live_mod(vc)))
		return -ENODEV;
	if (q->fault)
		return -EFAULT;
	switch (request32) {
	case (uint32_t)USBDEVFS_GET_CAPABILITIES:
		/* With BULK_SCATTER_GATHER libusb sends one URB per transfer. */
		v = USBDEVFS_CAP_ZERO_PACKET | USBDEVFS_CAP_BULK_CONTINUATION |
		    USBDEVFS_CAP_NO_PACKET_SIZE_LIM | USBDEVFS_CAP_BULK_SCATTER_GATHER |
		    USBDEVFS_CAP_REAP_AFTER_DISCONNECT;
		memcpy(q->d->data, &v, sizeof(v));
		return 0;
	case (uint32_t)USBDEVFS_SUBMITURB:
		return submit(mod, vc, q);
	case (uint32_t)USBDEVFS_DISCARDURB:
		return discard(mod, vc, q->arg);
	case (uint32_t)USBDEVFS_CLAIMINTERFACE:
		return claim(mod, vc, req_u32(q));
	case (uint32_t)USBDEVFS_RELEASEINTERFACE:
		return release(mod, vc, req_u32(q));
	case (uint32_t)USBDEVFS_DISCONNECT_CLAIM:
		return disconnect_claim(mod, vc, q);
	case (uint32_t)USBDEVFS_IOCTL:
		return usbfs_ioctl(mod, q);
	case (uint32_t)USBDEVFS_GETDRIVER:
		return getdriver(mod, q);
	case (uint32_t)USBDEVFS_CONTROL:
		return sync_control(mod, vc, q);
	case (uint32_t)USBDEVFS_SETINTERFACE:
		return setinterface(mod, vc, q);
	case (uint32_t)USBDEVFS_SETCONFIGURATION:
		v = req_u32(q);
		return v == 1 || v == (uint32_t)-1 ? 0 : -EINVAL;
	case (uint32_t)USBDEVFS_CLEAR_HALT:
	case (uint32_t)USBDEVFS_RESETEP:
		return endpoint_op(mod, vc, q);
	case (uint32_t)USBDEVFS_RESET:
		return 0; /* [I] a reset keeps address and state here: no re-enumeration */
	case (uint32_t)USBDEVFS_GET_SPEED:
		return 3; /* USB_SPEED_HIGH */
	case (uint32_t)USBDEVFS_CONNECTINFO: {
		struct usbdevfs_connectinfo ci = { mod->devnum, 0 };
		memcpy(q->d->data, &ci, sizeof(ci));
		return 0;
	}
	default:
		return -ENOTTY;
	}
}

/* ---- the GObject ---- */

typedef struct {
	UMockdevIoctlBase parent;
	struct vmod *mod;
} VmUsbdevfs;

typedef struct {
	UMockdevIoctlBaseClass parent_class;
} VmUsbdevfsClass;

G_DEFINE_TYPE(VmUsbdevfs, vm_usbdevfs, UMOCKDEV_TYPE_IOCTL_BASE)

/* Three steps, only the middle one locked: read the argument from the client,
 * run the request, reply. complete() itself is asynchronous: umockdev writes
 * the results back from its main loop, after this returns. */
static gboolean handle_ioctl(UMockdevIoctlBase *base, UMockdevIoctlClient *client)
{
	struct vclient *vc = g_object_get_data(G_OBJECT(client), "vm-client");
	struct req q = { .request = umockdev_ioctl_client_get_request(client),
			 .arg = umockdev_ioctl_client_get_arg(client) };
	uint32_t request32 = (uint32_t)q.request;
	struct vurb *reaped = NULL;
	long r;

	(void)base;
	if (request32 == (uint32_t)USBDEVFS_REAPURBNDELAY || request32 == (uint32_t)USBDEVFS_REAPURB) {
		/* Reaping stays possible after a disconnect (devio.c handles
		 * REAP* before its connected() check). REAPURB cannot block
		 * here: it acts as NDELAY. */
		pthread_mutex_lock(&lock);
		r = vc ? reap_take(vc, &reaped) : -ENODEV;
		pthread_mutex_unlock(&lock);
		if (reaped)
			r = reap_deliver(reaped, q.arg);
	} else {
		req_fetch(&q);
		pthread_mutex_lock(&lock);
		r = vc ? dispatch(vc, &q) : -ENODEV;
		pthread_mutex_unlock(&lock);
	}
	umockdev_ioctl_client_complete(client, r < 0 ? -1 : r, r < 0 ? (int)-r : 0);
	req_clear(&q);
	return TRUE;
}

/* read() on a usbfs node gives the device descriptor and the configuration
 * descriptors, as sysfs `descriptors` does (drivers/usb/core/devio.c
 * usbdev_read). What libusb_wrap_sys_device reads. The node is a FIFO here,
 * whose lseek the shim (shim.c) answers without telling us: a read that
 * reaches the end puts the position back to 0, so the next lseek(0) + read
 * sees the descriptors again. */
static gboolean handle_read(UMockdevIoctlBase *base, UMockdevIoctlClient *client)
{
	struct vclient *vc = g_object_get_data(G_OBJECT(client), "vm-client");
	UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(client);
	uint8_t blob[2048];
	struct vmod *mod;
	long r = -ENODEV;

	(void)base;
	pthread_mutex_lock(&lock);
	mod = vc ? live_mod(vc) : NULL;
	if (mod) {
		int len = vm_profile_descriptors(mod->profile, blob, sizeof(blob));
		size_t n = 0, cap = arg->data_len > 0 ? (size_t)arg->data_len : 0;

		r = len < 0 ? -EIO : 0;
		if (len >= 0 && vc->read_off < (size_t)len) {
			n = (size_t)len - vc->read_off;
			if (n > cap)
				n = cap;
			memcpy(arg->data, blob + vc->read_off, n);
		}
		vc->read_off += n;
		if (len >= 0 && n < cap)
			vc->read_off = 0;
		if (len >= 0)
			r = (long)n;
	}
	umockdev_ioctl_client_complete(client, r < 0 ? -1 : r, r < 0 ? (int)-r : 0);
	pthread_mutex_unlock(&lock);
	return TRUE;
}

/* The kernel on close of a usbfs fd: kill its URBs, release its interfaces. */
static void client_free(gpointer data)
{
	struct vclient *vc = data;
	struct vnode *n = vc->node;
	struct vmod *mod;

	pthread_mutex_lock(&lock);
	mod = live_mod(vc);
	while (!vl_empty(&vc->urbs)) {
		struct vurb *u = vl_entry(vc->urbs.next, struct vurb, client_link);
		if (mod && mod->out_q.next == &u->link)
			mod->out_nak = false;
		vl_del(&u->link);
		vl_del(&u->client_link);
		if (u->done)
			node_reapable_sub(n);
		urb_free(u);
	}
	if (mod) {
		for (unsigned i = 0; i < VM_MAX_IFS; i++)
			if (vc->claimed & (1u << i))
				release(mod, vc, i);
		if (mod->model)
			vm_model_usb_event(mod->model, VM_USB_CLOSE, 0);
	}
	vm_node_unref(n);
	n_clients--;
	pthread_mutex_unlock(&lock);
	free(vc);
}

static void client_connected(UMockdevIoctlBase *base, UMockdevIoctlClient *client)
{
	VmUsbdevfs *self = (VmUsbdevfs *)base;
	struct vclient *vc = calloc(1, sizeof(*vc));

	if (!vc)
		return; /* its ioctls then fail with ENODEV */
	vl_init(&vc->urbs);
	vl_init(&vc->done);
	pthread_mutex_lock(&lock);
	if (self->mod && self->mod->node) {
		vc->node = self->mod->node;
		vc->node->refs++;
		if (self->mod->model)
			vm_model_usb_event(self->mod->model, VM_USB_OPEN, 0);
	}
	n_clients++;
	pthread_mutex_unlock(&lock);
	/* client-vanished is never emitted in umockdev 0.17.16 (UMOCKDEV_NOTES
	 * gotcha 9): clean up when umockdev drops the client object instead. */
	g_object_set_data_full(G_OBJECT(client), "vm-client", vc, client_free);
}

static void vm_usbdevfs_class_init(VmUsbdevfsClass *klass)
{
	klass->parent_class.handle_ioctl = handle_ioctl;
	klass->parent_class.handle_read = handle_read;
	klass->parent_class.client_connected = client_connected;
}

static void vm_usbdevfs_init(VmUsbdevfs *self)
{
	self->mod = NULL;
}

void *vm_usbdevfs_new(struct vmod *mod)
{
	VmUsbdevfs *self = g_object_new(vm_usbdevfs_get_type(), NULL);

	self->mod = mod;
	vl_init(&mod->out_q);
	vl_init(&mod->in_q);
	vl_init(&mod->parked);
	return self;
}

void vm_usbdevfs_forget(void *handler)
{
	if (handler)
		((VmUsbdevfs *)handler)->mod = NULL;
}

unsigned vm_usbdevfs_clients(void)
{
	return n_clients;
}
