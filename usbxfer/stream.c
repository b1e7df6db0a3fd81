/* Streaming a package over the USB link: K bulk OUT transfers of S bytes in
 * flight, refilled from the file (pread) as each one completes, while the
 * link's bulk IN transfers keep running in the same libusb event loop so the
 * module's URCs (DOWNLOADING ...) are delivered during the stream.
 *
 * Zero-length packet: a bulk transfer ends, for the receiving controller, with
 * a packet shorter than wMaxPacketSize. When the package length is a multiple
 * of it, the last packet is full-size and a device that reads with a buffer
 * larger than what is left waits for more; the trailing ZLP ends the transfer
 * there. It is harmless when the device counts bytes instead (FILE:<n> gives
 * it the count). It goes as its own zero-length transfer queued after the
 * last data, which works with or without usbfs's ZERO_PACKET capability.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qfota/cleanup.h"
#include "qfota/error.h"
#include "qfota/log.h"
#include "qfota/clock.h"
#include "usb-private.h"

#define CANCEL_GRACE_MS 2000

struct out_slot {
	struct stream *s;
	struct libusb_transfer *t;
	bool busy;
};

struct stream {
	struct usb_link *l;
	int fd;
	const struct usbxfer_stream_opts *o;
	uint64_t total, next_off, done;
	size_t size;
	bool zlp_needed, zlp_queued;
	int err;                 /* first error; stops refilling */
	uint64_t last_done_ns;   /* last completed transfer: the stall clock */
};

static void set_err(struct stream *s, int r)
{
	if (s->err == 0 && r < 0)
		s->err = r;
}

/* Reads the next chunk into slot's buffer and queues it (or the ZLP, after the
 * last chunk). Returns 1 if queued, 0 if nothing is left, or sets s->err. */
static int refill(struct out_slot *slot)
{
	struct stream *s = slot->s;
	struct libusb_transfer *t = slot->t;
	size_t n = 0;
	int r;

	if (s->err)
		return 0;
	if (s->next_off < s->total) {
		uint64_t left = s->total - s->next_off;

		n = left < s->size ? (size_t)left : s->size;
		for (size_t got = 0; got < n;) {
			ssize_t k = pread(s->fd, t->buffer + got, n - got, (off_t)(s->next_off + got));

			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				set_err(s, k < 0 ? qfota_errno() : -EIO); /* EOF: the file is shorter than promised */
				qfota_debug("%s: reading the package at %llu: %s", s->l->base.name,
					    (unsigned long long)(s->next_off + got), k < 0 ? "error" : "end of file");
				return 0;
			}
			got += (size_t)k;
		}
		if (s->o->on_read) {
			r = s->o->on_read(s->o->user, t->buffer, n);
			if (r < 0) {
				set_err(s, r);
				return 0;
			}
		}
		s->next_off += n;
	} else if (s->zlp_needed && !s->zlp_queued) {
		s->zlp_queued = true;
	} else {
		return 0;
	}
	t->length = (int)n;
	r = libusb_submit_transfer(t);
	if (r < 0) {
		set_err(s, usbxfer_errno_from_libusb(r));
		return 0;
	}
	slot->busy = true;
	return 1;
}

static void out_done(struct libusb_transfer *t)
{
	struct out_slot *slot = t->user_data;
	struct stream *s = slot->s;
	int r = usbxfer_errno_from_transfer_status(t->status);

	slot->busy = false;
	s->done += (uint64_t)t->actual_length;
	if (r == 0 && t->actual_length != t->length)
		r = -EIO;
	if (r < 0) {
		set_err(s, r);
		return;
	}
	s->last_done_ns = qfota_now_ns();
	refill(slot);
}

static void orphan_done(struct libusb_transfer *t)
{
	libusb_free_transfer(t);
}

static int check_opts(const struct usb_link *l, const struct usbxfer_stream_opts *o, size_t *size, unsigned *k)
{
	*size = o->transfer_size ? o->transfer_size : USBXFER_STREAM_TRANSFER_SIZE;
	*k = o->in_flight ? o->in_flight : USBXFER_STREAM_IN_FLIGHT;
	if (*size % l->out_max_packet != 0 || *size > INT32_MAX || (uint64_t)*size * *k > USBXFER_STREAM_MAX_BYTES)
		return qfota_log_errno(QFOTA_LOG_DEBUG, -EINVAL, "stream: %u x %zu bytes: not a multiple of %u "
				       "or over %u bytes in flight", *k, *size, l->out_max_packet,
				       USBXFER_STREAM_MAX_BYTES);
	return 0;
}

/* Runs until every transfer is back. Errors, cancel, stall and the callbacks'
 * verdicts all end in s->err; the remaining transfers are then cancelled. */
static void run(struct stream *s, struct out_slot *slots, unsigned k, const struct usbxfer_stream_opts *o)
{
	struct usb_link *l = s->l;
	uint64_t stall_ns = (uint64_t)(o->stall_ms ? o->stall_ms : USBXFER_STREAM_STALL_MS) * 1000000u;
	uint64_t progress_ns = (uint64_t)(o->progress_ms ? o->progress_ms : USBXFER_STREAM_PROGRESS_MS) * 1000000u;
	uint64_t next_progress = qfota_now_ns() + progress_ns, give_up = 0;

	for (;;) {
		uint64_t now = qfota_now_ns(), deadline;
		bool busy = false;

		for (unsigned i = 0; i < k; i++)
			busy |= slots[i].busy;
		if (!busy)
			return;
		if (s->err == 0) {
			set_err(s, usbxfer_check_cancel(&l->base, o->cancel));
			set_err(s, l->rx_sink_err);
			set_err(s, l->dead);
			if (now - s->last_done_ns >= stall_ns) {
				qfota_debug("%s: no bulk OUT transfer completed in %llu ms (NAK)", l->base.name,
					    (unsigned long long)(stall_ns / 1000000u));
				set_err(s, -ETIMEDOUT);
			}
			if (s->err == 0 && o->progress && now >= next_progress) {
				set_err(s, o->progress(o->user, s->done, s->total));
				next_progress = now + progress_ns;
			}
		}
		if (s->err && !give_up) {
			for (unsigned i = 0; i < k; i++)
				if (slots[i].busy)
					(void)libusb_cancel_transfer(slots[i].t);
			give_up = now + (uint64_t)CANCEL_GRACE_MS * 1000000u;
		}
		if (give_up && now >= give_up)
			return;
		deadline = give_up ? give_up : s->last_done_ns + stall_ns;
		if (o->progress && !give_up && next_progress < deadline)
			deadline = next_progress;
		set_err(s, usb_link_pump(l, deadline));
	}
}

int usb_link_stream(struct usbxfer_link *link, int fd, uint64_t len,
		    const struct usbxfer_stream_opts *o, uint64_t *ret_sent)
{
	struct usb_link *l = (struct usb_link *)link;
	struct stream s = { .l = l, .fd = fd, .o = o, .total = len };
	_cleanup_free_ struct out_slot *slots = NULL;
	unsigned k;
	int r;

	r = check_opts(l, o, &s.size, &k);
	if (r < 0)
		return r;
	if (l->dead)
		return l->dead;
	r = usbxfer_check_cancel(link, o->cancel);
	if (r < 0)
		return r;
	s.zlp_needed = len > 0 && len % l->out_max_packet == 0;
	slots = calloc(k, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (unsigned i = 0; i < k; i++) {
		uint8_t *buf = malloc(s.size);

		slots[i].s = &s;
		slots[i].t = libusb_alloc_transfer(0);
		if (!slots[i].t || !buf) {
			free(buf);
			set_err(&s, -ENOMEM);
			break;
		}
		libusb_fill_bulk_transfer(slots[i].t, l->h, l->ep_out, buf, 0, out_done, &slots[i], 0);
		slots[i].t->flags = LIBUSB_TRANSFER_FREE_BUFFER;
	}

	/* From here on URCs go to the caller as they come; what arrived before
	 * goes first. */
	if (o->on_rx && s.err == 0) {
		uint8_t tmp[1024];

		l->rx_sink = o->on_rx;
		l->rx_sink_user = o->user;
		l->rx_sink_err = 0;
		while (l->ring_len > 0 && l->rx_sink_err == 0) {
			size_t n = 0;

			while (n < sizeof(tmp) && l->ring_len > 0) {
				tmp[n++] = l->ring[l->ring_head];
				l->ring_head = (l->ring_head + 1) % USB_RX_RING_SIZE;
				l->ring_len--;
			}
			r = o->on_rx(o->user, tmp, n);
			if (r < 0)
				l->rx_sink_err = r;
		}
		set_err(&s, l->rx_sink_err);
		usb_link_rx_kick(l);
	}

	s.last_done_ns = qfota_now_ns();
	for (unsigned i = 0; i < k && s.err == 0; i++)
		if (!refill(&slots[i]))
			break;
	qfota_debug("%s: streaming %llu bytes, %u x %zu in flight%s", link->name, (unsigned long long)len, k,
		    s.size, s.zlp_needed ? ", ZLP at the end" : "");
	run(&s, slots, k, o);

	l->rx_sink = NULL;
	l->rx_sink_user = NULL;
	usb_link_rx_kick(l);
	for (unsigned i = 0; i < k; i++) {
		if (!slots[i].t)
			continue;
		if (slots[i].busy)
			slots[i].t->callback = orphan_done; /* the kernel still has it */
		else
			libusb_free_transfer(slots[i].t);
	}
	if (s.err == 0 && s.done != len)
		s.err = -EIO;
	if (s.err == 0 && o->progress)
		set_err(&s, o->progress(o->user, s.done, len));
	if (ret_sent)
		*ret_sent = s.done;
	if (s.err < 0)
		return qfota_log_errno(QFOTA_LOG_DEBUG, s.err, "%s: stream stopped after %llu of %llu bytes: %s",
				       link->name, (unsigned long long)s.done, (unsigned long long)len,
				       qfota_strerror(s.err));
	qfota_debug("%s: streamed %llu bytes", link->name, (unsigned long long)len);
	return 0;
}

int usbxfer_stream_file(struct usbxfer_link *link, const char *path,
			const struct usbxfer_stream_opts *opts, uint64_t *ret_sent)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (ret_sent)
		*ret_sent = 0;
	if (!link || !path)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return qfota_log_errno(QFOTA_LOG_DEBUG, qfota_errno(), "opening %s", path);
	if (fstat(fd, &st) < 0)
		return qfota_errno();
	if (!S_ISREG(st.st_mode))
		return qfota_log_errno(QFOTA_LOG_DEBUG, -EINVAL, "%s is not a regular file", path);
	return usbxfer_stream_fd(link, fd, (uint64_t)st.st_size, opts, ret_sent);
}
