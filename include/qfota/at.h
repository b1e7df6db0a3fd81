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

/* The one grammar of the two strings that go into AT commands as the user
 * gave them (AT+QICSGP, AT+QFUPL/AT+QFDEL/AT+QFOTADL), from the command line
 * or a policy:
 *   APN:         1-100 of [A-Za-z0-9._-]   (3GPP TS 23.003 §9.1: labels of
 *                letters, digits, '-', joined by '.'; 100 octets; '_' seen in use)
 *   upload name: 1-80 of [A-Za-z0-9._-], not "." or ".."
 * Anything else (a '"', CR, '*' ...) could end the command or name other
 * files: refused as bad input before anything is sent. */
#define AT_APN_MAX 100
#define AT_FILE_NAME_MAX 80
bool at_apn_is_valid(const char *apn);
bool at_file_name_is_valid(const char *name);
/* The module's local file system directory (--ufs-path): "/" then 1-63 of
 * [A-Za-z0-9._-] in '/'-separated parts, none empty, "." or "..", no
 * trailing '/': "/data/ufs", "/cache/ufs", "/usrdata/cache/ufs" (facts §3.4). */
#define AT_UFS_PATH_MAX 64
bool at_ufs_path_is_valid(const char *path);

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

/* The channel owns link from here on, also when it fails: at_channel_free()
 * closes it (interface released, kernel driver given back). */
int at_channel_new(struct usbxfer_link *link, at_unsolicited_fn fn, void *user, struct at_channel **ret);
void at_channel_free(struct at_channel *ch); /* closes the link; accepts NULL */
/* The link, to look at (its name, the module it describes); bytes go through
 * the channel. NULL while the module is away (at_channel_set_link(ch, NULL)). */
const struct usbxfer_link *at_channel_link(const struct at_channel *ch);
/* Replaces the unsolicited-line callback (a station's identify step opens the
 * channel before the upgrade that follows the module's reports). */
void at_channel_set_handler(struct at_channel *ch, at_unsolicited_fn fn, void *user);
/* Closes the channel's link and takes link (NULL: none, while the module
 * reboots); drops any partial line. Commands without a link give -ENODEV. */
void at_channel_set_link(struct at_channel *ch, struct usbxfer_link *link);

/* Streams len bytes of fd to the module through the channel's link
 * (usbxfer_stream_fd, opts as there), while the module's bytes that arrive
 * meanwhile (URCs, QFUPL's 'A's) are assembled and dispatched as
 * at_channel_poll's; opts->on_rx is not used. *ret_sent as usbxfer_stream_fd.
 * Returns its errors, or -ENODEV without a link. */
int at_channel_stream(struct at_channel *ch, int fd, uint64_t len, const struct usbxfer_stream_opts *opts,
		      uint64_t *ret_sent);

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


/* AT+QFUPL in ACK mode: reads 'A's until `want` have come (or timeout_ms of
 * silence). Returns the count received so far (>= 0) or an error; stops early
 * with the count when a non-'A' line arrives (it is kept for at_command_finish). */
int at_channel_read_acks(struct at_channel *ch, size_t want, unsigned timeout_ms);
void at_channel_set_ack_mode(struct at_channel *ch, bool on);
/* In data mode: writes len raw bytes (never logged) within timeout_ms.
 * Returns 0, -ETIMEDOUT, -ENODEV (also without a link), or a link error. */
int at_channel_write_data(struct at_channel *ch, const void *data, size_t len, unsigned timeout_ms);

/* After data mode (CONNECT), waits for the command's final result as
 * at_command does; lines that came while the data was sent are kept. While a
 * command is in data mode, at_command returns -EBUSY. Returns -EINVAL when no
 * command is in data mode. */
int at_command_finish(struct at_channel *ch, const char *cmd, unsigned timeout_ms, struct at_response *ret);

#endif
