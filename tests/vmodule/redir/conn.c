/* The connection to one qemu usb-redir device: a unix socket we listen on
 * (qemu: -chardev socket,path=...,server=off connects to it), a usbredir
 * parser in "usb host" mode, and the dispatch of what qemu sends to device.c
 * and link.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "redir.h"

#define REDIR_VERSION_STRING "qfota-vmodule-redir"

int redir_conn_listen(struct rmod *m)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char tmp[sizeof(sa.sun_path)];
	int fd, r;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", m->socket_path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	memcpy(sa.sun_path, tmp, strlen(tmp) + 1);
	unlink(tmp);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0 ||
	    rename(tmp, m->socket_path) < 0) {
		r = -errno;
		close(fd);
		unlink(tmp);
		return r;
	}
	m->listen_fd = fd;
	return 0;
}

/* ---- parser I/O: the parser calls these; 0 means "would block" ---- */

static int on_read(void *priv, uint8_t *data, int count)
{
	struct rmod *m = priv;
	ssize_t n = read(m->fd, data, (size_t)count);

	if (n > 0)
		return (int)n;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	return -1; /* EOF or error: the peer has gone */
}

static int on_write(void *priv, uint8_t *data, int count)
{
	struct rmod *m = priv;
	ssize_t n = send(m->fd, data, (size_t)count, MSG_NOSIGNAL);

	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EINTR)
		return 0;
	return -1;
}

static void on_log(void *priv, int level, const char *msg)
{
	struct rmod *m = priv;

	if (level <= usbredirparser_error || m->verbose)
		redir_log(m, "usbredirparser: %s", msg);
}

/* ---- what the peer sends ---- */

static void on_hello(void *priv, struct usb_redir_hello_header *h)
{
	struct rmod *m = priv;

	redir_log(m, "peer hello \"%.64s\"", h->version);
	redir_device_on_hello(m);
}

static void on_reset(void *priv)
{
	redir_device_on_reset(priv);
}

static void on_set_configuration(void *priv, uint64_t id, struct usb_redir_set_configuration_header *h)
{
	redir_device_set_configuration(priv, id, h->configuration);
}

static void on_get_configuration(void *priv, uint64_t id)
{
	redir_device_get_configuration(priv, id);
}

static void on_set_alt(void *priv, uint64_t id, struct usb_redir_set_alt_setting_header *h)
{
	redir_device_set_alt(priv, id, h->interface, h->alt);
}

static void on_get_alt(void *priv, uint64_t id, struct usb_redir_get_alt_setting_header *h)
{
	redir_device_get_alt(priv, id, h->interface);
}

/* Interrupt IN endpoints (the CDC notification endpoints) are polled by
 * qemu once started: accept, and never send on them. */
static void on_start_interrupt(void *priv, uint64_t id, struct usb_redir_start_interrupt_receiving_header *h)
{
	struct rmod *m = priv;
	struct usb_redir_interrupt_receiving_status_header st = { usb_redir_success, h->endpoint };

	usbredirparser_send_interrupt_receiving_status(m->parser, id, &st);
}

static void on_stop_interrupt(void *priv, uint64_t id, struct usb_redir_stop_interrupt_receiving_header *h)
{
	struct rmod *m = priv;
	struct usb_redir_interrupt_receiving_status_header st = { usb_redir_success, h->endpoint };

	usbredirparser_send_interrupt_receiving_status(m->parser, id, &st);
}

/* No isochronous endpoints, no bulk streams, no buffered bulk receiving. */
static void on_start_iso(void *priv, uint64_t id, struct usb_redir_start_iso_stream_header *h)
{
	struct rmod *m = priv;
	struct usb_redir_iso_stream_status_header st = { usb_redir_inval, h->endpoint };

	usbredirparser_send_iso_stream_status(m->parser, id, &st);
}

static void on_stop_iso(void *priv, uint64_t id, struct usb_redir_stop_iso_stream_header *h)
{
	struct rmod *m = priv;
	struct usb_redir_iso_stream_status_header st = { usb_redir_success, h->endpoint };

	usbredirparser_send_iso_stream_status(m->parser, id, &st);
}

static void on_alloc_streams(void *priv, uint64_t id, struct usb_redir_alloc_bulk_streams_header *h)
{
	struct rmod *m = priv;
	struct usb_redir_bulk_streams_status_header st = { h->endpoints, 0, usb_redir_inval };

	usbredirparser_send_bulk_streams_status(m->parser, id, &st);
}

static void on_free_streams(void *priv, uint64_t id, struct usb_redir_free_bulk_streams_header *h)
{
	struct rmod *m = priv;
	struct usb_redir_bulk_streams_status_header st = { h->endpoints, 0, usb_redir_success };

	usbredirparser_send_bulk_streams_status(m->parser, id, &st);
}

static void on_start_bulk_receiving(void *priv, uint64_t id, struct usb_redir_start_bulk_receiving_header *h)
{
	struct rmod *m = priv;
	struct usb_redir_bulk_receiving_status_header st = { h->stream_id, h->endpoint, usb_redir_inval };

	usbredirparser_send_bulk_receiving_status(m->parser, id, &st);
}

static void on_stop_bulk_receiving(void *priv, uint64_t id, struct usb_redir_stop_bulk_receiving_header *h)
{
	struct rmod *m = priv;
	struct usb_redir_bulk_receiving_status_header st = { h->stream_id, h->endpoint, usb_redir_success };

	usbredirparser_send_bulk_receiving_status(m->parser, id, &st);
}

static void on_cancel(void *priv, uint64_t id)
{
	redir_link_cancel(priv, id);
}

static void on_filter_reject(void *priv)
{
	redir_log(priv, "peer rejects the device (usbredir filter)");
}

static void on_filter_filter(void *priv, struct usbredirfilter_rule *rules, int rules_count)
{
	(void)priv;
	(void)rules_count;
	free(rules); /* ours (usbredirparser.h); we offer one device, nothing to filter */
}

static void on_disconnect_ack(void *priv)
{
	redir_device_on_disconnect_ack(priv);
}

static void on_control(void *priv, uint64_t id, struct usb_redir_control_packet_header *h, uint8_t *data,
		       int data_len)
{
	redir_device_control(priv, id, h, data, data_len);
}

static void on_bulk(void *priv, uint64_t id, struct usb_redir_bulk_packet_header *h, uint8_t *data, int data_len)
{
	uint32_t len = (h->endpoint & 0x80) ? ((uint32_t)h->length_high << 16 | h->length) : (uint32_t)data_len;

	redir_link_packet(priv, id, usb_redir_type_bulk, h->endpoint, data, len);
}

static void on_interrupt(void *priv, uint64_t id, struct usb_redir_interrupt_packet_header *h, uint8_t *data,
			 int data_len)
{
	uint32_t len = (h->endpoint & 0x80) ? h->length : (uint32_t)data_len;

	redir_link_packet(priv, id, usb_redir_type_interrupt, h->endpoint, data, len);
}

static void on_iso(void *priv, uint64_t id, struct usb_redir_iso_packet_header *h, uint8_t *data, int data_len)
{
	struct rmod *m = priv;

	(void)id;
	(void)h;
	(void)data_len;
	usbredirparser_free_packet_data(m->parser, data);
}

int redir_conn_accept(struct rmod *m)
{
	uint32_t caps[USB_REDIR_CAPS_SIZE] = { 0 };
	struct usbredirparser *p;
	int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (m->fd >= 0) { /* one peer at a time */
		close(fd);
		return -EBUSY;
	}
	if (!(p = usbredirparser_create())) {
		close(fd);
		return -ENOMEM;
	}
	m->fd = fd;
	m->parser = p;
	p->priv = m;
	p->log_func = on_log;
	p->read_func = on_read;
	p->write_func = on_write;
	p->reset_func = on_reset;
	p->set_configuration_func = on_set_configuration;
	p->get_configuration_func = on_get_configuration;
	p->set_alt_setting_func = on_set_alt;
	p->get_alt_setting_func = on_get_alt;
	p->start_iso_stream_func = on_start_iso;
	p->stop_iso_stream_func = on_stop_iso;
	p->start_interrupt_receiving_func = on_start_interrupt;
	p->stop_interrupt_receiving_func = on_stop_interrupt;
	p->alloc_bulk_streams_func = on_alloc_streams;
	p->free_bulk_streams_func = on_free_streams;
	p->cancel_data_packet_func = on_cancel;
	p->control_packet_func = on_control;
	p->bulk_packet_func = on_bulk;
	p->iso_packet_func = on_iso;
	p->interrupt_packet_func = on_interrupt;
	p->hello_func = on_hello;
	p->filter_reject_func = on_filter_reject;
	p->filter_filter_func = on_filter_filter;
	p->device_disconnect_ack_func = on_disconnect_ack;
	p->start_bulk_receiving_func = on_start_bulk_receiving;
	p->stop_bulk_receiving_func = on_stop_bulk_receiving;
	usbredirparser_caps_set_cap(caps, usb_redir_cap_connect_device_version);
	usbredirparser_caps_set_cap(caps, usb_redir_cap_device_disconnect_ack);
	usbredirparser_caps_set_cap(caps, usb_redir_cap_ep_info_max_packet_size);
	usbredirparser_caps_set_cap(caps, usb_redir_cap_64bits_ids);
	usbredirparser_caps_set_cap(caps, usb_redir_cap_32bits_bulk_length);
	usbredirparser_init(p, REDIR_VERSION_STRING, caps, USB_REDIR_CAPS_SIZE, usbredirparser_fl_usb_host);
	m->ever_connected = true;
	redir_log(m, "peer connected on %s", m->socket_path);
	return 0;
}

void redir_conn_close(struct rmod *m)
{
	if (m->fd < 0)
		return;
	redir_link_drop_all(m);
	usbredirparser_destroy(m->parser);
	m->parser = NULL;
	close(m->fd);
	m->fd = -1;
	m->peer_hello = m->await_ack = m->device_up = false;
	redir_log(m, "peer closed the connection");
}

void redir_conn_read(struct rmod *m)
{
	if (m->fd < 0)
		return;
	int r = usbredirparser_do_read(m->parser);
	if (r == usbredirparser_read_io_error)
		redir_conn_close(m);
	else if (r == usbredirparser_read_parse_error)
		redir_log(m, "usbredir: a packet could not be parsed (skipped)");
}

bool redir_conn_wants_write(struct rmod *m)
{
	return m->fd >= 0 && usbredirparser_has_data_to_write(m->parser) > 0;
}

int redir_conn_flush(struct rmod *m)
{
	if (m->fd < 0)
		return 0;
	if (usbredirparser_has_data_to_write(m->parser) > 0 &&
	    usbredirparser_do_write(m->parser) == usbredirparser_write_io_error) {
		redir_conn_close(m);
		return -EIO;
	}
	return 0;
}

void redir_conn_free(struct rmod *m)
{
	redir_conn_close(m);
	if (m->listen_fd >= 0) {
		close(m->listen_fd);
		m->listen_fd = -1;
		unlink(m->socket_path);
	}
}
