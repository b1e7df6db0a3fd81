/* The AT channel (include/qfota/at.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qfota/clock.h"
#include "qfota/at.h"
#include "qfota/log.h"
#include "qfota/url.h"

struct at_channel {
	struct usbxfer_link *link;
	at_unsolicited_fn fn;
	void *user;
	struct at_assembler asm_;
	/* Bytes read but not yet assembled: assembly stops after each line so
	 * that a CONNECT can switch to ACK mode before the next byte is read. */
	uint8_t rx[4096];
	size_t rx_off, rx_len;
	/* The command in progress, or NULL: its answer lines land in resp. */
	struct at_response *resp;
	bool final_seen;
	/* After CONNECT the command is still in progress (AT+QFUPL: data, then
	 * "+QFUPL: <size>,<sum>" and OK); its answer collects here meanwhile, so
	 * that lines arriving while the data is being sent are not lost. */
	struct at_response data_resp;
	bool in_data_mode;
	size_t acks;
	bool nonack_line;
};


int at_channel_new(struct usbxfer_link *link, at_unsolicited_fn fn, void *user, struct at_channel **ret)
{
	struct at_channel *ch;

	if (!link || !ret) {
		usbxfer_link_close(link);
		return -EINVAL;
	}
	ch = calloc(1, sizeof(*ch));
	if (!ch) {
		usbxfer_link_close(link);
		return -ENOMEM;
	}
	ch->link = link;
	ch->fn = fn;
	ch->user = user;
	at_assembler_init(&ch->asm_);
	*ret = ch;
	return 0;
}

void at_channel_free(struct at_channel *ch)
{
	if (!ch)
		return;
	usbxfer_link_close(ch->link);
	free(ch);
}

const struct usbxfer_link *at_channel_link(const struct at_channel *ch) { return ch->link; }

void at_channel_set_handler(struct at_channel *ch, at_unsolicited_fn fn, void *user)
{
	ch->fn = fn;
	ch->user = user;
}

void at_channel_set_link(struct at_channel *ch, struct usbxfer_link *link)
{
	usbxfer_link_close(ch->link);
	ch->link = link;
	ch->rx_off = ch->rx_len = 0;
	ch->resp = NULL;
	ch->in_data_mode = false;
	at_assembler_reset(&ch->asm_);
	at_assembler_set_pending(&ch->asm_, NULL);
	at_assembler_set_ack_mode(&ch->asm_, false);
}

void at_channel_set_ack_mode(struct at_channel *ch, bool on)
{
	at_assembler_set_ack_mode(&ch->asm_, on);
	ch->acks = 0;
	ch->nonack_line = false;
}

/* Logs one line of AT traffic, escaped, with the userinfo of every URL
 * hidden (url_redact_text, the one rule): AT+QFOTADL="FTP://user:pass@host/f"
 * and its echo carry FTP credentials, which must never reach any output. */
static void log_traffic(const char *dir, const char *kind, const void *data, size_t len)
{
	char esc[AT_LINE_MAX * 4 + 8], red[sizeof(esc) * 3];

	if (qfota_log_get_level() < QFOTA_LOG_DEBUG)
		return;
	qfota_log_escape(data, len, esc, sizeof(esc));
	if (url_redact_text(esc, red, sizeof(red)) < 0)
		snprintf(red, sizeof(red), "[line not shown: it could not be redacted]");
	qfota_debug("at %s%s%s: %s", dir, kind ? " " : "", kind ? kind : "", red);
}

static void log_line(const char *dir, const struct at_line *l)
{
	log_traffic(dir, at_line_kind_to_string(l->kind), l->text, l->len);
}

/* One complete line: part of the pending command's answer, or unsolicited. */
static void dispatch(struct at_channel *ch, const struct at_line *l)
{
	struct at_response *r = ch->resp;

	log_line("<", l);
	if (l->kind == AT_LINE_ACK) {
		ch->acks += l->acks;
		return;
	}
	if (l->kind == AT_LINE_BLANK || l->kind == AT_LINE_ECHO)
		return;
	if (r && !ch->final_seen && (at_line_kind_is_final(l->kind) || l->kind == AT_LINE_CONNECT)) {
		r->final = l->kind;
		r->cme = l->kind == AT_LINE_CME_ERROR && l->has_code ? l->code : -1;
		ch->final_seen = true;
		ch->nonack_line = true;
		return;
	}
	if (r && !ch->final_seen && (l->kind == AT_LINE_INFO || l->kind == AT_LINE_OVERLONG)) {
		size_t room = sizeof(r->info) - r->n_info;

		if (l->len + 1 < room) {
			memcpy(r->info + r->n_info, l->text, l->len);
			r->n_info += l->len;
			r->info[r->n_info++] = '\n';
			r->info[r->n_info] = '\0';
		}
		ch->nonack_line = true;
		return;
	}
	ch->nonack_line = true;
	if (ch->fn)
		ch->fn(ch->user, l);
}

/* Assembles buffered bytes, dispatching lines; returns lines dispatched. */
static int drain(struct at_channel *ch)
{
	int lines = 0;

	while (ch->rx_off < ch->rx_len) {
		struct at_line l;
		size_t used = 0;
		int r = at_assembler_feed(&ch->asm_, ch->rx + ch->rx_off, ch->rx_len - ch->rx_off, &l, &used);

		ch->rx_off += used;
		if (r < 0)
			return r;
		if (r == 1) {
			dispatch(ch, &l);
			lines++;
		}
		if (used == 0 && r == 0)
			break;
	}
	if (ch->rx_off == ch->rx_len)
		ch->rx_off = ch->rx_len = 0;
	return lines;
}

/* Bytes the module sent while a stream had the link: assembled and
 * dispatched like at_channel_poll's. */
static int at_channel_feed(struct at_channel *ch, const uint8_t *data, size_t len)
{
	while (len > 0) {
		size_t n = sizeof(ch->rx) - ch->rx_len;

		if (n > len)
			n = len;
		memcpy(ch->rx + ch->rx_len, data, n);
		ch->rx_len += n;
		data += n;
		len -= n;
		drain(ch);
		if (ch->rx_len == sizeof(ch->rx)) /* a line stuck in assembly: cannot happen, atparse caps lines */
			ch->rx_off = ch->rx_len = 0;
	}
	return 0;
}

int at_channel_poll(struct at_channel *ch, unsigned timeout_ms)
{
	int r, lines;

	lines = drain(ch);
	if (lines < 0)
		return lines;
	if (lines > 0)
		return lines;
	if (!ch->link)
		return -ENODEV;
	r = usbxfer_link_read(ch->link, ch->rx + ch->rx_len, sizeof(ch->rx) - ch->rx_len, timeout_ms);
	if (r == -ETIMEDOUT)
		return 0;
	if (r < 0)
		return r;
	ch->rx_len += (size_t)r;
	return drain(ch);
}

/* Waits for the pending command's final result until deadline. */
static int wait_final(struct at_channel *ch, const char *cmd, uint64_t deadline, struct at_response *resp)
{
	while (!ch->final_seen) {
		uint64_t t = qfota_now_ms();
		int r;

		if (t >= deadline) {
			qfota_debug("at: no final result to %s", cmd);
			return -ETIMEDOUT;
		}
		r = at_channel_poll(ch, (unsigned)(deadline - t));
		if (r < 0)
			return r;
	}
	switch (resp->final) {
	case AT_LINE_OK:
		return 0;
	case AT_LINE_CONNECT:
		return 1;
	case AT_LINE_ERROR:
	case AT_LINE_CME_ERROR:
	case AT_LINE_CMS_ERROR:
	case AT_LINE_NO_CARRIER:
		return -EIO;
	default:
		return -EPROTO;
	}
}

static int command_run(struct at_channel *ch, const char *cmd, unsigned timeout_ms, struct at_response *ret)
{
	struct at_response local;
	struct at_response *resp = ret ? ret : &local;
	char line[AT_LINE_MAX + 2];
	size_t n;
	int r;

	memset(resp, 0, sizeof(*resp));
	resp->cme = -1;
	n = (size_t)snprintf(line, sizeof(line), "%s\r", cmd);
	if (n >= sizeof(line))
		return -E2BIG;
	at_assembler_set_pending(&ch->asm_, cmd);
	ch->resp = resp;
	ch->final_seen = false;
	log_traffic(">", NULL, line, n);
	r = ch->link ? usbxfer_link_write(ch->link, line, n, timeout_ms) : -ENODEV;
	if (r >= 0)
		r = wait_final(ch, cmd, qfota_now_ms() + timeout_ms, resp);
	if (r == 1) {
		/* CONNECT: the command goes on in data mode (see data_resp) */
		memset(&ch->data_resp, 0, sizeof(ch->data_resp));
		ch->data_resp.cme = -1;
		ch->resp = &ch->data_resp;
		ch->final_seen = false;
		ch->in_data_mode = true;
		return r;
	}
	ch->resp = NULL;
	at_assembler_set_pending(&ch->asm_, NULL);
	return r;
}

int at_command(struct at_channel *ch, const char *cmd, unsigned timeout_ms, struct at_response *ret)
{
	if (ch->in_data_mode)
		return -EBUSY; /* at_command_finish first */
	return command_run(ch, cmd, timeout_ms, ret);
}

int at_commandf(struct at_channel *ch, unsigned timeout_ms, struct at_response *ret, const char *fmt, ...)
{
	char cmd[AT_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(cmd))
		return -E2BIG;
	return at_command(ch, cmd, timeout_ms, ret);
}

int at_command_finish(struct at_channel *ch, const char *cmd, unsigned timeout_ms, struct at_response *ret)
{
	int r;

	if (!ch->in_data_mode)
		return -EINVAL;
	r = wait_final(ch, cmd, qfota_now_ms() + timeout_ms, &ch->data_resp);
	if (ret)
		*ret = ch->data_resp;
	ch->in_data_mode = false;
	ch->resp = NULL;
	at_assembler_set_pending(&ch->asm_, NULL);
	return r;
}

int at_channel_write_data(struct at_channel *ch, const void *data, size_t len, unsigned timeout_ms)
{
	int r;

	if (!ch->link)
		return -ENODEV;
	r = usbxfer_link_write(ch->link, data, len, timeout_ms);
	return r < 0 ? r : 0;
}

int at_channel_read_acks(struct at_channel *ch, size_t want, unsigned timeout_ms)
{
	uint64_t deadline = qfota_now_ms() + timeout_ms;

	while (ch->acks < want && !ch->nonack_line) {
		uint64_t t = qfota_now_ms();
		int r;

		if (t >= deadline)
			break;
		r = at_channel_poll(ch, (unsigned)(deadline - t));
		if (r < 0)
			return r;
	}
	return (int)ch->acks;
}

/* What a stream hands its two callbacks: the module's bytes go to the
 * channel, the progress to the caller's own callback and context. */
struct stream_relay {
	struct at_channel *ch;
	const struct usbxfer_stream_opts *caller;
};

static int relay_rx(void *user, const uint8_t *data, size_t len)
{
	struct stream_relay *relay = user;

	return at_channel_feed(relay->ch, data, len);
}

static int relay_read(void *user, const uint8_t *data, size_t len)
{
	struct stream_relay *relay = user;

	return relay->caller->on_read(relay->caller->user, data, len);
}

static int relay_progress(void *user, uint64_t sent, uint64_t total)
{
	struct stream_relay *relay = user;

	return relay->caller->progress(relay->caller->user, sent, total);
}

int at_channel_stream(struct at_channel *ch, int fd, uint64_t len, const struct usbxfer_stream_opts *opts,
		      uint64_t *ret_sent)
{
	struct stream_relay relay = { .ch = ch, .caller = opts };
	struct usbxfer_stream_opts o = *opts;

	if (ret_sent)
		*ret_sent = 0;
	if (!ch->link)
		return -ENODEV;
	o.on_rx = relay_rx;
	o.progress = opts->progress ? relay_progress : NULL;
	o.on_read = opts->on_read ? relay_read : NULL;
	o.user = &relay;
	return usbxfer_stream_fd(ch->link, fd, len, &o, ret_sent);
}
