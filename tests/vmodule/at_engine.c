/* The AT command interpreter of the virtual module: splits a command line into
 * basic (E, I, Z, ...) and extended (+NAME[=...|?|=?]) commands, runs each, and
 * sends one final result. Identity, configuration and CFUN live here; file
 * system commands in ufs.c, AT+QFOTADL in fota_engine.c.
 *
 * Line grammar: *junk ("AT" | "at") *(basic | extended [";"]) CR. Characters
 * before "AT" are ignored, as V.250 asks; a line without "AT" gets no answer. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <qfota/cleanup.h>

#include "model_internal.h"

#define CME_INCORRECT_PARAMS 50     /* 3GPP TS 27.007 "Incorrect parameters" */
#define CME_NOT_ALLOWED 3           /* 3GPP TS 27.007 "operation not allowed" */

typedef int (*handler_fn)(struct vm_model *m, int kind, const char *params);

void vm_at_reset(struct vm_model *m)
{
	m->echo = true;   /* facts §2.1 [I]: captures show echo; Quectel scripts send ATE1 */
	m->cmee = 1;      /* numeric +CME ERROR, the Quectel default [I] */
}

static void info(struct vm_model *m, const char *line)
{
	vm_outf(m, "\r\n%s\r\n", line);
}

static int exec_only(int kind)
{
	return kind == VM_CMD_EXEC ? AT_OK : kind == VM_CMD_TEST ? 1 : AT_ERROR;
}

/* ATI: "Quectel", the model line, "Revision: ..." (facts §2.2). */
static void ati(struct vm_model *m)
{
	vm_outf(m, "\r\nQuectel\r\n%s\r\nRevision: %s\r\n", m->profile->ati_model, m->revision);
}

static int h_gmr(struct vm_model *m, int kind, const char *params)
{
	(void)params;
	int r = exec_only(kind);
	if (r == AT_OK)
		info(m, m->revision);
	return r == 1 ? AT_OK : r;
}

static int h_qgmr(struct vm_model *m, int kind, const char *params)
{
	(void)params;
	int r = exec_only(kind);
	if (r == AT_OK)
		vm_outf(m, "\r\n%s%s\r\n", m->revision,
			m->profile->qgmr_suffix ? m->profile->qgmr_suffix : "");
	return r == 1 ? AT_OK : r;
}

static int h_cgsn(struct vm_model *m, int kind, const char *params)
{
	(void)params;
	int r = exec_only(kind);
	if (r == AT_OK)
		info(m, m->imei);
	return r == 1 ? AT_OK : r;
}

static int h_cgmi(struct vm_model *m, int kind, const char *params)
{
	(void)params;
	int r = exec_only(kind);
	if (r == AT_OK)
		info(m, "Quectel");
	return r == 1 ? AT_OK : r;
}

static int h_cgmm(struct vm_model *m, int kind, const char *params)
{
	(void)params;
	int r = exec_only(kind);
	if (r == AT_OK)
		info(m, m->profile->ati_model);
	return r == 1 ? AT_OK : r;
}

/* AT+CSUB (EG18, facts §2.2): "SubEdition: V01". */
static int h_csub(struct vm_model *m, int kind, const char *params)
{
	(void)params;
	int r = exec_only(kind);
	if (r == AT_OK)
		info(m, "SubEdition: V01");
	return r == 1 ? AT_OK : r;
}

static int h_cpin(struct vm_model *m, int kind, const char *params)
{
	(void)params;
	if (kind == VM_CMD_READ)
		info(m, "+CPIN: READY");
	return kind == VM_CMD_READ || kind == VM_CMD_TEST ? AT_OK : AT_ERROR;
}

static int h_cmee(struct vm_model *m, int kind, const char *params)
{
	struct vm_args a;
	long v;
	switch (kind) {
	case VM_CMD_READ:
		vm_outf(m, "\r\n+CMEE: %d\r\n", m->cmee);
		return AT_OK;
	case VM_CMD_TEST:
		info(m, "+CMEE: (0-2)");
		return AT_OK;
	case VM_CMD_WRITE:
		if (vm_args_parse(params, &a) < 0 || a.n != 1 || vm_args_int(&a, 0, 0, 2, &v) < 0)
			return CME_INCORRECT_PARAMS;
		m->cmee = (int)v;
		return AT_OK;
	}
	return AT_ERROR;
}

/* AT+IFC=2,2 (hardware flow control on the UART, EC200U note 3.3.1.3): harmless on USB. */
static int h_ifc(struct vm_model *m, int kind, const char *params)
{
	struct vm_args a;
	long v;
	if (kind == VM_CMD_READ) {
		info(m, "+IFC: 0,0");
		return AT_OK;
	}
	if (kind == VM_CMD_TEST) {
		info(m, "+IFC: (0,2),(0,2)");
		return AT_OK;
	}
	if (kind != VM_CMD_WRITE || vm_args_parse(params, &a) < 0 || a.n != 2 ||
	    vm_args_int(&a, 0, 0, 2, &v) < 0 || vm_args_int(&a, 1, 0, 2, &v) < 0)
		return CME_INCORRECT_PARAMS;
	return AT_OK;
}

/* AT+CFUN=<fun>[,<rst>]: rst 1 reboots the module once OK is out. */
static int h_cfun(struct vm_model *m, int kind, const char *params)
{
	struct vm_args a;
	long fun, rst = 0;
	switch (kind) {
	case VM_CMD_READ:
		info(m, "+CFUN: 1");
		return AT_OK;
	case VM_CMD_TEST:
		info(m, "+CFUN: (0,1,4),(0-1)");
		return AT_OK;
	case VM_CMD_WRITE:
		if (vm_args_parse(params, &a) < 0 || a.n < 1 || a.n > 2 ||
		    vm_args_int(&a, 0, 0, 4, &fun) < 0 || fun == 2 || fun == 3 ||
		    (a.n == 2 && vm_args_int(&a, 1, 0, 1, &rst) < 0))
			return CME_INCORRECT_PARAMS;
		if (rst == 1) {
			/* Not while firmware is being written [I]. */
			if (m->fota.step == VM_FS_START || m->fota.step == VM_FS_UPDATING)
				return CME_NOT_ALLOWED;
			vm_fota_reboot_requested(m);
		}
		return AT_OK;
	}
	return AT_ERROR;
}

static bool is_unisoc(const struct vm_model *m)
{
	/* fota/cid and fota/path exist on EC200U-class (Unisoc/ASR) firmware, not
	 * in the EG25-G's AT+QCFG=? list (facts §3.3). */
	return m->profile->reboot_style == VM_REBOOT_AFTER_END;
}

/* AT+QCFG="fota/cid"[,<cid>] | "fota/path"[,<medium>[,<dir>]] | "usbifc"[,<a>,<b>] */
static int h_qcfg(struct vm_model *m, int kind, const char *params)
{
	struct vm_args a;
	long v, w;
	if (kind == VM_CMD_TEST) {
		if (is_unisoc(m)) {
			info(m, "+QCFG: \"fota/cid\",(1-15)");
			info(m, "+QCFG: \"fota/path\",(\"UFS\",\"EFS\",\"SD\"),<dir>");
		}
		info(m, "+QCFG: \"usbifc\",(0-2),(0-2)");
		return AT_OK;
	}
	if (kind != VM_CMD_WRITE || vm_args_parse(params, &a) < 0 || a.n < 1 || !a.a[0].quoted)
		return AT_ERROR;
	const char *item = a.a[0].text;
	if (strcasecmp(item, "fota/cid") == 0 && is_unisoc(m)) {
		if (a.n == 1) {
			vm_outf(m, "\r\n+QCFG: \"fota/cid\",%d\r\n", m->fota_cid);
			return AT_OK;
		}
		if (a.n != 2 || vm_args_int(&a, 1, 1, 15, &v) < 0)
			return CME_INCORRECT_PARAMS;
		m->fota_cid = (int)v;
		return AT_OK;
	}
	if (strcasecmp(item, "fota/path") == 0 && is_unisoc(m)) {
		if (a.n == 1) {
			vm_outf(m, "\r\n+QCFG: \"fota/path\",\"%s\"\r\n", m->fota_path);
			return AT_OK;
		}
		if (a.n > 3 || !a.a[1].quoted)
			return CME_INCORRECT_PARAMS;
		const char *med = a.a[1].text;
		bool sd = strcasecmp(med, "SD") == 0;
		if (!sd && strcasecmp(med, "UFS") != 0 && strcasecmp(med, "EFS") != 0)
			return CME_INCORRECT_PARAMS;
		/* "when the storage medium is an SD card, only the root directory is
		 * supported" (EC200U note 2.3) */
		if (a.n == 3 && (!a.a[2].quoted || (sd && a.a[2].text[0])))
			return CME_INCORRECT_PARAMS;
		if (a.n == 3 && a.a[2].text[0])
			snprintf(m->fota_path, sizeof(m->fota_path), "%.8s\",\"%.40s", med, a.a[2].text);
		else
			snprintf(m->fota_path, sizeof(m->fota_path), "%.8s", med);
		for (char *c = m->fota_path; *c && *c != '"'; c++)
			*c = (char)toupper((unsigned char)*c);
		return AT_OK;
	}
	if (strcasecmp(item, "usbifc") == 0) {
		if (a.n == 1) {
			vm_outf(m, "\r\n+QCFG: \"usbifc\",%d,%d\r\n", m->usbifc[0], m->usbifc[1]);
			return AT_OK;
		}
		if (a.n != 3 || vm_args_int(&a, 1, 0, 2, &v) < 0 || vm_args_int(&a, 2, 0, 2, &w) < 0)
			return CME_INCORRECT_PARAMS;
		m->usbifc[0] = (int)v;
		m->usbifc[1] = (int)w;
		/* facts §3.4: AT+QCFG="usbifc",2,2 answers +QCFG: "usbifc",2,2 */
		vm_outf(m, "\r\n+QCFG: \"usbifc\",%d,%d\r\n", m->usbifc[0], m->usbifc[1]);
		return AT_OK;
	}
	return AT_ERROR;
}

/* AT+QURCCFG="urcport"[,"<port>"]: where URCs go (facts §7: usbat, usbmodem,
 * uart1); another value: +CME ERROR: 50 [I]. */
static int h_qurccfg(struct vm_model *m, int kind, const char *params)
{
	static const char *const ports[] = { "usbat", "usbmodem", "uart1" };
	struct vm_args a;
	if (kind == VM_CMD_TEST) {
		info(m, "+QURCCFG: \"urcport\",(\"usbat\",\"usbmodem\",\"uart1\")");
		return AT_OK;
	}
	if (kind != VM_CMD_WRITE || vm_args_parse(params, &a) < 0 || a.n < 1 || !a.a[0].quoted ||
	    strcasecmp(a.a[0].text, "urcport") != 0)
		return AT_ERROR;
	if (a.n == 1) {
		vm_outf(m, "\r\n+QURCCFG: \"urcport\",\"%s\"\r\n", m->st.urcport);
		return AT_OK;
	}
	if (a.n != 2 || !a.a[1].quoted)
		return CME_INCORRECT_PARAMS;
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		if (strcasecmp(a.a[1].text, ports[i]) == 0) {
			snprintf(m->st.urcport, sizeof(m->st.urcport), "%s", ports[i]);
			return AT_OK;
		}
	return CME_INCORRECT_PARAMS;
}

/* AT+QICSGP=<cid>[,<type>,<APN>,<user>,<pass>[,<auth>]] (EC200U note example). */
static int h_qicsgp(struct vm_model *m, int kind, const char *params)
{
	struct vm_args a;
	long cid, type, auth = 0;
	if (kind == VM_CMD_TEST) {
		info(m, "+QICSGP: (1-16),(1-3),<APN>,<username>,<password>,(0-3)");
		return AT_OK;
	}
	if (kind != VM_CMD_WRITE)
		return AT_ERROR;
	if (vm_args_parse(params, &a) < 0 || a.n < 1 || vm_args_int(&a, 0, 1, VM_MAX_CIDS, &cid) < 0)
		return CME_INCORRECT_PARAMS;
	struct vm_context *c = &m->ctx[cid];
	if (a.n == 1) {
		vm_outf(m, "\r\n+QICSGP: %d,\"%s\",\"%s\",\"%s\",%d\r\n", c->set ? c->type : 1, c->apn,
			c->user, c->pass, c->auth);
		return AT_OK;
	}
	if (a.n < 5 || a.n > 6 || vm_args_int(&a, 1, 1, 3, &type) < 0 || !a.a[2].quoted ||
	    !a.a[3].quoted || !a.a[4].quoted || strlen(a.a[2].text) >= sizeof(c->apn) ||
	    strlen(a.a[3].text) >= sizeof(c->user) || strlen(a.a[4].text) >= sizeof(c->pass) ||
	    (a.n == 6 && vm_args_int(&a, 5, 0, 3, &auth) < 0))
		return CME_INCORRECT_PARAMS;
	c->set = true;
	c->type = (int)type;
	c->auth = (int)auth;
	snprintf(c->apn, sizeof(c->apn), "%.63s", a.a[2].text);
	snprintf(c->user, sizeof(c->user), "%.63s", a.a[3].text);
	snprintf(c->pass, sizeof(c->pass), "%.63s", a.a[4].text);
	return AT_OK;
}

static int h_fota(struct vm_model *m, int kind, const char *params)
{
	return vm_fota_command(m, kind, params);
}

static int h_qfupl(struct vm_model *m, int kind, const char *params)
{
	return vm_ufs_command(m, "+QFUPL", kind, params);
}

static int h_qflst(struct vm_model *m, int kind, const char *params)
{
	return vm_ufs_command(m, "+QFLST", kind, params);
}

static int h_qfdel(struct vm_model *m, int kind, const char *params)
{
	return vm_ufs_command(m, "+QFDEL", kind, params);
}

static int h_qflds(struct vm_model *m, int kind, const char *params)
{
	return vm_ufs_command(m, "+QFLDS", kind, params);
}

static const struct {
	const char *name;
	handler_fn fn;
} extended[] = {
	{ "+GMR", h_gmr },       { "+CGMR", h_gmr },     { "+QGMR", h_qgmr },
	{ "+CGSN", h_cgsn },     { "+GSN", h_cgsn },     { "+CGMI", h_cgmi },
	{ "+GMI", h_cgmi },      { "+CGMM", h_cgmm },    { "+GMM", h_cgmm },
	{ "+CSUB", h_csub },     { "+CPIN", h_cpin },    { "+CMEE", h_cmee },
	{ "+CFUN", h_cfun },     { "+IFC", h_ifc },      { "+QCFG", h_qcfg },
	{ "+QURCCFG", h_qurccfg }, { "+QICSGP", h_qicsgp }, { "+QFOTADL", h_fota }, { "+QFUPL", h_qfupl },
	{ "+QFLST", h_qflst },   { "+QFDEL", h_qfdel },  { "+QFLDS", h_qflds },
};

/* Basic commands: E[n], I[n], Z[n], V[n], Q[n], &F, &W. */
static int basic(struct vm_model *m, char letter, char amp, long n)
{
	if (amp)
		return (amp == 'F' || amp == 'W') && n == 0 ? AT_OK : AT_ERROR;
	switch (letter) {
	case 'E':
		if (n > 1)
			return AT_ERROR;
		m->echo = n == 1;
		return AT_OK;
	case 'I':
		if (n != 0)
			return AT_ERROR;
		ati(m);
		return AT_OK;
	case 'Z':
		if (n != 0)
			return AT_ERROR;
		m->echo = true;
		return AT_OK;
	case 'V':
	case 'Q':
		return n == 1 || (letter == 'Q' && n == 0) ? AT_OK : AT_ERROR;
	}
	return AT_ERROR;
}

/* Runs one command line; sends its final result unless a handler deferred it. */
void vm_at_line(struct vm_model *m, const char *line, size_t len)
{
	size_t i;
	for (i = 0; i + 1 < len; i++)
		if ((line[i] == 'A' && line[i + 1] == 'T') || (line[i] == 'a' && line[i + 1] == 't'))
			break;
	if (i + 1 >= len)
		return;   /* no "AT": not a command line */
	m->st.commands++;
	vm_log(m, "cmd", line + i, len - i);
	if (m->line_overflow) {
		vm_final(m, AT_ERROR);
		return;
	}

	_cleanup_free_ char *body = strndup(line + i + 2, len - i - 2);
	_cleanup_free_ char *params = malloc(len + 1);
	if (!body || !params) {
		vm_final(m, AT_ERROR);
		return;
	}
	const char *p = body;
	while (*p) {
		int r;
		if (*p == ';') {
			p++;
			continue;
		}
		if (*p == '+') {
			char name[24];
			size_t n = 0;
			name[n++] = *p++;
			while (isalnum((unsigned char)*p) && n < sizeof(name) - 1)
				name[n++] = (char)toupper((unsigned char)*p++);
			name[n] = '\0';
			int kind = VM_CMD_EXEC;
			params[0] = '\0';
			if (p[0] == '=' && p[1] == '?') {
				kind = VM_CMD_TEST;
				p += 2;
			} else if (*p == '?') {
				kind = VM_CMD_READ;
				p++;
			} else if (*p == '=') {
				kind = VM_CMD_WRITE;
				p++;
				size_t k = 0;
				bool quoted = false;
				while (*p && (quoted || *p != ';')) {
					if (*p == '"')
						quoted = !quoted;
					params[k++] = *p++;
				}
				params[k] = '\0';
			}
			handler_fn fn = NULL;
			for (size_t e = 0; e < QFOTA_ARRAY_SIZE(extended); e++)
				if (strcmp(extended[e].name, name) == 0)
					fn = extended[e].fn;
			r = fn ? fn(m, kind, params) : AT_ERROR;
		} else if (isalpha((unsigned char)*p) || *p == '&') {
			char letter = (char)toupper((unsigned char)*p++), amp = 0;
			if (letter == '&') {
				if (!isalpha((unsigned char)*p)) {
					vm_final(m, AT_ERROR);
					return;
				}
				amp = (char)toupper((unsigned char)*p++);
			}
			long n = 0;
			while (isdigit((unsigned char)*p) && n < 1000)
				n = n * 10 + (*p++ - '0');
			r = basic(m, letter, amp, n);
		} else {
			r = AT_ERROR;
		}
		if (r == AT_DEFER)
			return;
		if (r != AT_OK) {
			vm_final(m, r);
			return;
		}
	}
	vm_final(m, AT_OK);
}
