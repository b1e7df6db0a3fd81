/* The usbredir adapter: one virtual module (the same model the umockdev
 * adapter drives, ../model.h) exposed as a USB device to qemu's usb-redir
 * device over a unix socket. We are the usbredir "host" side (the side that
 * owns the device); qemu is the "guest" side. README.md beside this file maps
 * the protocol onto the model.
 *
 * Files: conn.c (socket, parser, dispatch of received packets), device.c
 * (connect/disconnect, interface and endpoint info, configuration, control
 * requests), link.c (bulk and interrupt packets, pacing, the model's clock),
 * main.c (command line, poll loop). Single-threaded: no locks.
 *
 * Shares no code with qfota: no qfota header is included here.
 */
#ifndef VM_REDIR_H
#define VM_REDIR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <usbredirparser.h>

#include "../model.h"

#define REDIR_MAX_IFS 16

/* A data packet held until it can complete: AT bulk OUT until the model has
 * taken every byte (and the paced link says it has crossed), AT bulk IN until
 * the model has bytes, IN on other endpoints forever (until cancelled). */
struct rpacket {
	struct rpacket *next;
	uint64_t id;
	uint8_t endpoint;
	uint8_t type;            /* usb_redir_type_bulk or _interrupt */
	uint8_t *data;           /* OUT: the bytes (the parser's buffer, ours to free) */
	uint32_t len;            /* OUT: bytes sent; IN: bytes asked for */
	uint32_t off;            /* OUT: bytes the model has taken so far */
	bool started;            /* OUT: its time on the link is fixed (due_ns) */
	uint64_t queued_ns, due_ns;
};

struct rqueue {
	struct rpacket *head, **tail;
};

struct redir_counters {
	unsigned device_connects, device_disconnects, resets, cancels, stalls;
	uint64_t at_out_bytes, at_in_bytes;
};

struct rmod {
	char port[32];             /* the port the model was created on (record prefix) */
	char socket_path[108];
	const struct vm_profile *profile;
	struct vm_model *model;
	struct vm_pacing pacing;   /* link rate and turnaround apply here */
	uint64_t model_next_ns;
	bool verbose;

	/* The connection: one qemu usb-redir device at a time. */
	int listen_fd, fd;
	struct usbredirparser *parser;
	bool peer_hello;           /* hello received: caps known */
	bool ever_connected;       /* a peer connected once (its leaving ends the run) */
	bool await_ack;            /* device_disconnect sent, its ack not yet back */
	bool device_up;            /* device_connect sent, no disconnect since */
	unsigned departures;       /* vm_model_departures() at the device_connect */

	/* USB state of the current enumeration. */
	uint8_t configuration;
	uint8_t alt[REDIR_MAX_IFS];
	uint8_t at_in, at_out;     /* AT interface's bulk endpoints */

	struct rqueue out_q;       /* AT bulk OUT, in order */
	struct rqueue in_q;        /* AT bulk IN, in order */
	struct rqueue parked;      /* IN on endpoints the model does not feed */
	uint64_t link_free_ns;     /* the paced link is busy until then */
	bool out_nak;              /* head of out_q waits for the model to take more */

	struct redir_counters count;
};

uint64_t redir_now_ns(void);
void redir_log(const struct rmod *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* conn.c ------------------------------------------------------------------ */

/* Creates the listening socket at m->socket_path (replacing a stale one;
 * bound under a temporary name and renamed, so that a peer that sees the path
 * can connect). Returns 0 or a negative errno. */
int redir_conn_listen(struct rmod *m);
/* Accepts one peer (qemu) and sends our hello. 0 or a negative errno. */
int redir_conn_accept(struct rmod *m);
/* Reads and dispatches what the peer sent; closes the connection on EOF or
 * error. */
void redir_conn_read(struct rmod *m);
/* Writes what is queued; 0, or -EIO after closing the connection. */
int redir_conn_flush(struct rmod *m);
bool redir_conn_wants_write(struct rmod *m);
/* Drops the connection (pending packets freed unanswered). */
void redir_conn_close(struct rmod *m);
void redir_conn_free(struct rmod *m);

/* device.c ---------------------------------------------------------------- */

/* Follows vm_model_presence(): device_disconnect when it leaves the bus,
 * device_connect (with interface and endpoint info) when it is back. */
void redir_device_sync(struct rmod *m);
void redir_device_on_hello(struct rmod *m);
void redir_device_on_disconnect_ack(struct rmod *m);
void redir_device_on_reset(struct rmod *m);
void redir_device_set_configuration(struct rmod *m, uint64_t id, uint8_t configuration);
void redir_device_get_configuration(struct rmod *m, uint64_t id);
void redir_device_set_alt(struct rmod *m, uint64_t id, uint8_t ifno, uint8_t alt);
void redir_device_get_alt(struct rmod *m, uint64_t id, uint8_t ifno);
/* Answers a control transfer; takes ownership of data. */
void redir_device_control(struct rmod *m, uint64_t id, struct usb_redir_control_packet_header *h,
			  uint8_t *data, int data_len);
/* The interface an endpoint address belongs to in the current alt settings,
 * its endpoint, or NULL. */
const struct vm_endpoint *redir_device_find_ep(const struct rmod *m, uint8_t addr, uint8_t *ret_ifno);

/* link.c ------------------------------------------------------------------ */

/* Empty queues; the AT interface's bulk endpoints from the profile. */
void redir_link_init(struct rmod *m);

/* A data packet from the peer (bulk or interrupt); takes ownership of data. */
void redir_link_packet(struct rmod *m, uint64_t id, uint8_t type, uint8_t endpoint, uint8_t *data,
		       uint32_t len);
/* The peer cancels a packet: it completes now with status cancelled. */
void redir_link_cancel(struct rmod *m, uint64_t id);
/* Frees every held packet without answering (device gone, connection gone). */
void redir_link_drop_all(struct rmod *m);
/* Runs the model when due and moves the AT link forward at now_ns. */
void redir_link_run(struct rmod *m, uint64_t now_ns);
/* When redir_link_run() is next needed (VM_NEVER if never). */
uint64_t redir_link_next_ns(const struct rmod *m);

#endif
