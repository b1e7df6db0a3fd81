/* The AT channel: commands and their final results over a usbxfer link, with
 * every unsolicited line (URCs such as +QIND: "FOTA",...) routed to one
 * callback, also while a command is pending and while a package streams.
 *
 * Lines are assembled by atparse (split across USB packets, echo on or off).
 * AT traffic is logged escaped at debug level; package bytes never are.
 */
#ifndef QFOTA_AT_H
#define QFOTA_AT_H

#include <stddef.h>
#include <stdint.h>

#include "qfota/atparse.h"
#include "qfota/usbxfer.h"

struct at_channel;

/* Called for each line that is not part of a command's answer: URCs, and
 * information lines nobody asked for. line is valid only during the call. */
typedef void (*at_unsolicited_fn)(void *user, const struct at_line *line);

#define AT_INFO_MAX 2048

struct at_response {
	enum at_line_kind final; /* OK, ERROR, CME_ERROR, CONNECT, ... */
	int cme;                 /* +CME ERROR code, -1 if none */
	char info[AT_INFO_MAX];  /* information lines, each ended by '\n' */
	size_t n_info;
};

/* link is borrowed (the caller closes it after at_channel_free). */
int at_channel_new(struct usbxfer_link *link, at_unsolicited_fn fn, void *user, struct at_channel **ret);
void at_channel_free(struct at_channel *ch); /* accepts NULL */
struct usbxfer_link *at_channel_link(struct at_channel *ch);
/* After a reboot: the same channel on a new link; drops any partial line. */
void at_channel_set_link(struct at_channel *ch, struct usbxfer_link *link);

/* Sends cmd + CR and waits up to timeout_ms for its final result, handing
 * URCs to the callback meanwhile. Returns 0 (OK), 1 (CONNECT: the module waits
 * for data), -EIO (ERROR or +CME ERROR: ret->cme says which), -ETIMEDOUT (no
 * final result), -ENODEV, -ECANCELED, -EPROTO (the module's answer does not
 * fit), or a link error. ret may be NULL; when given it is filled on every
 * return but link errors. */
int at_command(struct at_channel *ch, const char *cmd, unsigned timeout_ms, struct at_response *ret);

/* printf-style at_command. */
int at_commandf(struct at_channel *ch, unsigned timeout_ms, struct at_response *ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Waits up to timeout_ms for bytes, and hands every complete line to the
 * callback. Returns the number of lines (0 on timeout), -ENODEV, -ECANCELED,
 * or a link error. */
int at_channel_poll(struct at_channel *ch, unsigned timeout_ms);

/* Bytes the module sent while something else read the link (a stream's
 * on_rx): assembled and dispatched like at_channel_poll's. Returns 0. */
int at_channel_feed(struct at_channel *ch, const uint8_t *data, size_t len);

/* AT+QFUPL in ACK mode: reads 'A's until `want` have come (or timeout_ms of
 * silence). Returns the count received so far (>= 0) or an error; stops early
 * with the count when a non-'A' line arrives (it is kept for at_command_finish). */
int at_channel_read_acks(struct at_channel *ch, size_t want, unsigned timeout_ms);
void at_channel_set_ack_mode(struct at_channel *ch, bool on);

/* After data mode (CONNECT), waits for the command's final result as
 * at_command does; lines that came while the data was sent are kept. While a
 * command is in data mode, at_command returns -EBUSY. Returns -EINVAL when no
 * command is in data mode. */
int at_command_finish(struct at_channel *ch, const char *cmd, unsigned timeout_ms, struct at_response *ret);

#endif
