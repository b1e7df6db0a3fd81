/* AT response assembly: bytes from the AT port, in chunks of any size (a line
 * may be split across USB packets), become classified lines. Pure: a small
 * state struct, no I/O, no allocation; the AT channel (tool/at/at.c) feeds it.
 *
 * Framing (QUECTEL_FACTS §2.1): the echo is the command as sent, up to its CR,
 * and is followed by the response's leading CR LF ("AT+COPS?\r\r\n+COPS: ...\r\n
 * \r\nOK\r\n"); responses are "\r\n<line>\r\n". Lines end at LF; CRs before the
 * LF are dropped. The leading CR LF of a response shows up as a BLANK line.
 *
 * AT+QFUPL in ACK mode (facts §3.1): after CONNECT the module answers one 'A'
 * per 1024 bytes received. In ACK mode the assembler reports runs of 'A' as
 * AT_LINE_ACK; any other byte ends ACK mode and is read as line data (the
 * closing "\r\n+QFUPL: <size>,<hex>\r\n\r\nOK\r\n" or a "+CME ERROR: n").
 */
#ifndef QFOTA_ATPARSE_H
#define QFOTA_ATPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum at_line_kind {
	AT_LINE_BLANK,      /* empty line */
	AT_LINE_ECHO,       /* our command, echoed (starts with AT/at, ended by CR CR LF) */
	AT_LINE_OK,         /* final: OK */
	AT_LINE_ERROR,      /* final: ERROR */
	AT_LINE_CME_ERROR,  /* final: +CME ERROR: <n> (code/has_code) or a verbose text */
	AT_LINE_CMS_ERROR,  /* final: +CMS ERROR: <n> */
	AT_LINE_NO_CARRIER, /* final: NO CARRIER, BUSY, NO ANSWER, NO DIALTONE (V.250) */
	AT_LINE_CONNECT,    /* CONNECT [<text>]: the module enters data mode */
	AT_LINE_URC,        /* unsolicited: +QIND:, RDY, +CPIN:, ... (see at_line_classify) */
	AT_LINE_INFO,       /* an information response (or anything else) */
	AT_LINE_OVERLONG,   /* a line over AT_LINE_MAX bytes: its first AT_LINE_MAX bytes; never final */
	AT_LINE_ACK,        /* ACK mode: a run of 'A' bytes (count in .acks) */
	AT_LINE_MAX_KIND_,
};
const char *at_line_kind_to_string(enum at_line_kind k); /* "blank", "echo", "OK", ... */
/* OK, ERROR, +CME ERROR, +CMS ERROR, NO CARRIER & co: the command is over. */
bool at_line_kind_is_final(enum at_line_kind k);

struct at_line {
	enum at_line_kind kind;
	const char *text;   /* NUL-terminated, without CR/LF; borrowed from the assembler
	                       (valid until the next feed/reset); "" for ACK */
	size_t len;         /* bytes in text (a NUL byte from the module is kept) */
	bool has_code;      /* CME/CMS ERROR with a number */
	int code;           /* that number */
	size_t acks;        /* AT_LINE_ACK: how many 'A' */
};

/* Classifies one line (no CR/LF). pending is the name of the command awaiting
 * its answer ("+CPIN" for AT+CPIN?, see at_command_name), or NULL: a line
 * "<pending>: ..." is INFO even when its prefix is also a known URC (+CPIN:,
 * +CFUN: are both). Known URCs: +QIND:, RDY, +CPIN:, +QUSIM:, +CFUN: (EG18 after
 * a FOTA reboot, facts §2.2), POWERED DOWN, +QIURC:, +CREG:, +CGREG:, +CEREG:.
 * Fills ret (text points into line). Returns 0, -EINVAL on NULL. */
int at_line_classify(const char *line, size_t len, const char *pending, struct at_line *ret);

/* The name of an AT command as its information response starts:
 * "AT+CPIN?" -> "+CPIN", "AT+QFUPL=\"a\",1" -> "+QFUPL", "ATI" -> "" (no
 * prefixed response). Returns the length, -E2BIG if cap is too small, -EINVAL
 * if cmd does not start with AT. */
int at_command_name(const char *cmd, char *buf, size_t cap);

#define AT_LINE_MAX 1024
#define AT_NAME_MAX 32

struct at_assembler {
	char buf[AT_LINE_MAX + 1];
	size_t len;          /* bytes in buf */
	size_t crs;          /* CRs seen since the last non-CR byte (dropped at LF) */
	bool overflow;       /* the current line went over AT_LINE_MAX: skip to its LF */
	bool ack_mode;
	char pending[AT_NAME_MAX];
	char line[AT_LINE_MAX + 1]; /* the last line handed out */
};

void at_assembler_init(struct at_assembler *a);
/* Drops any partial line (e.g. after a reboot); keeps the pending name. */
void at_assembler_reset(struct at_assembler *a);
/* The command now awaiting its answer ("AT+CPIN?"), or NULL for none. Returns
 * 0, -E2BIG (name over AT_NAME_MAX-1: then treated as none), -EINVAL. */
int at_assembler_set_pending(struct at_assembler *a, const char *cmd);
/* After CONNECT of AT+QFUPL with <ackmode> 1. Ends by itself at the first
 * byte that is not 'A'. */
void at_assembler_set_ack_mode(struct at_assembler *a, bool on);
bool at_assembler_in_ack_mode(const struct at_assembler *a);

/* Consumes data up to and including the end of one line (or one run of ACKs).
 * Returns 1 with *ret_line set when a line is complete, 0 when all of data was
 * consumed without completing one; *ret_consumed (bytes used) on both. Call
 * again with data + consumed while consumed < len. Returns -EINVAL on NULL.
 * Stops after each line so that the caller can switch mode (after CONNECT the
 * next bytes may be ACKs). */
int at_assembler_feed(struct at_assembler *a, const void *data, size_t len, struct at_line *ret_line,
		      size_t *ret_consumed);

struct at_qfupl {
	uint64_t size;      /* bytes the module stored */
	uint16_t checksum;  /* its XOR16 (see xor16.h) */
};
/* Parses the result of AT+QFUPL (facts §3.1: "+QFUPL: 1188,2d13").
 * Grammar:  +QFUPL: SP* DIGITS SP* , SP* HEX{1,4} SP*   (hex in either case,
 * zero-padded or not: whether the module pads is unknown, facts §6).
 * Returns 0; -ENOMSG not a +QFUPL line; -EPROTO malformed; -EINVAL on NULL.
 * ret is written only on success. */
int at_qfupl_parse(const char *line, struct at_qfupl *ret);

#endif
