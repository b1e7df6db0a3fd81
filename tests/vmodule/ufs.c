/* The module's user file system (UFS) and its AT commands: AT+QFUPL (upload
 * with CONNECT, optional ACK mode, XOR16 checksum), AT+QFLST, AT+QFDEL,
 * AT+QFLDS (facts §3.1, §3.2). Files keep their size and a package digest,
 * never their bytes. CME codes from facts §4.4. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model_internal.h"

#define NS_PER_MS 1000000ull
#define CME_NOT_FOUND 405
#define CME_BAD_NAME 406
#define CME_EXISTS 407
#define CME_NO_SPACE 420
#define CME_TIMEOUT 421
#define CME_BAD_PARAM 425

/* "UFS:name" and "name" are the same file. */
static const char *strip_media(const char *name)
{
	return strncasecmp(name, "UFS:", 4) == 0 ? name + 4 : name;
}

struct vm_ufs_file *vm_ufs_find(struct vm_model *m, const char *name)
{
	name = strip_media(name);
	for (size_t i = 0; i < m->n_files; i++)
		if (strcmp(m->files[i].name, name) == 0)
			return &m->files[i];
	return NULL;
}

uint64_t vm_ufs_free(const struct vm_model *m)
{
	uint64_t used = 0;
	for (size_t i = 0; i < m->n_files; i++)
		used += m->files[i].size;
	if (m->input == VM_IN_QFUPL)
		used += m->up.size;
	return used >= m->profile->ufs_total_bytes ? 0 : m->profile->ufs_total_bytes - used;
}

static void del_file(struct vm_model *m, struct vm_ufs_file *f)
{
	size_t i = (size_t)(f - m->files);
	memmove(&m->files[i], &m->files[i + 1], (m->n_files - i - 1) * sizeof(*f));
	m->n_files--;
}

void vm_ufs_abort(struct vm_model *m)
{
	vm_pkg_reader_clear(&m->up.reader);
	if (m->input == VM_IN_QFUPL || m->input == VM_IN_QFUPL_PAD)
		m->input = VM_IN_COMMAND;
}

/* AT+QFUPL=<filename>[,<file_size>[,<timeout>[,<ackmode>]]] (facts §3.1):
 * defaults 10240 bytes, 5 s, ACK off. */
static int qfupl(struct vm_model *m, int kind, const char *params)
{
	struct vm_args a;
	long size = 10240, timeout = 5, ack = 0;
	if (kind == VM_CMD_TEST) {
		vm_outf(m, "\r\n+QFUPL: <filename>,(1-%llu),(1-65535),(0,1)\r\n",
			(unsigned long long)vm_ufs_free(m));
		return AT_OK;
	}
	if (kind != VM_CMD_WRITE)
		return AT_ERROR;
	if (vm_args_parse(params, &a) < 0 || a.n < 1 || a.n > 4 || !a.a[0].quoted)
		return CME_BAD_PARAM;
	const char *name = strip_media(a.a[0].text);
	if (!*name || strlen(name) > VM_FILENAME_MAX || strchr(name, '/') || strchr(name, '*'))
		return CME_BAD_NAME;
	if ((a.n > 1 && vm_args_int(&a, 1, 1, 999999999, &size) < 0) ||
	    (a.n > 2 && vm_args_int(&a, 2, 1, 65535, &timeout) < 0) ||
	    (a.n > 3 && vm_args_int(&a, 3, 0, 1, &ack) < 0))
		return CME_BAD_PARAM;
	if (vm_ufs_find(m, name))
		return CME_EXISTS;
	if ((uint64_t)size > vm_ufs_free(m) || m->n_files == VM_MAX_FILES)
		return CME_NO_SPACE;

	snprintf(m->up.name, sizeof(m->up.name), "%s", name);
	m->up.size = (uint64_t)size;
	m->up.received = 0;
	m->up.timeout_ms = (uint32_t)timeout * 1000;
	m->up.ack = ack == 1;
	m->up.ack_until = 0;
	m->up.xor16 = 0;
	m->up.odd = false;
	m->up.last_ns = m->now_ns;
	vm_pkg_reader_clear(&m->up.reader);
	vm_pkg_reader_init(&m->up.reader);
	vm_pkg_begin(m);
	vm_outs(m, "\r\nCONNECT\r\n");
	m->input = VM_IN_QFUPL;
	return AT_DEFER;
}

/* XOR of big-endian 16-bit words; an odd last byte is the high half of a word
 * whose low half is 0 (facts §3.1, fwupd's algorithm). Works across calls. */
static void xor16_feed(struct vm_model *m, const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (m->up.odd)
			m->up.xor16 ^= d[i];
		else
			m->up.xor16 ^= (uint16_t)(d[i] << 8);
		m->up.odd = !m->up.odd;
	}
}

/* ACK mode as a flow control (faults ack-strict, ack-lossy): each 'A' closes
 * the window until the host has read it. fwupd reads size/1024 'A's per 2 KiB
 * chunk; nothing says a module takes data past an unread 'A'. Strict: the
 * controller NAKs (nothing lost). Lossy: the bytes are lost, as a UART
 * without flow control loses them [I]. */
static bool ack_window_closed(const struct vm_model *m)
{
	return m->up.ack && m->read_total < m->up.ack_until &&
	       (vm_fault_find(m, VM_FAULT_ACK_STRICT) || vm_fault_find(m, VM_FAULT_ACK_LOSSY));
}

size_t vm_ufs_data(struct vm_model *m, const uint8_t *data, size_t len)
{
	m->up.last_ns = m->now_ns;
	if (vm_fault_find(m, VM_FAULT_NAK))
		return 0;
	if (ack_window_closed(m)) {
		if (vm_fault_find(m, VM_FAULT_ACK_LOSSY)) {
			m->st.lost_ack_window += (unsigned)len;
			return len;
		}
		m->st.ack_naks++;
		m->retry_ns = m->now_ns + 100000;   /* look again in 0.1 ms: has the host read it? */
		return 0;
	}
	uint64_t left = m->up.size - m->up.received;
	size_t take = len < left ? len : (size_t)left;
	bool windowed = m->up.ack && (vm_fault_find(m, VM_FAULT_ACK_STRICT) || vm_fault_find(m, VM_FAULT_ACK_LOSSY));
	if (windowed && take > 1024 - m->up.received % 1024)
		take = (size_t)(1024 - m->up.received % 1024);   /* up to the next 'A' */
	take = vm_pace(m, take);
	const struct vm_fault *unplug = vm_fault_find(m, VM_FAULT_UNPLUG_BYTE);
	bool vanish = false;
	if (unplug && m->st.package_bytes + take >= (uint64_t)unplug->arg) {
		take = (uint64_t)unplug->arg > m->st.package_bytes ?
			       (size_t)((uint64_t)unplug->arg - m->st.package_bytes) : 0;
		vanish = true;
	}
	xor16_feed(m, data, take);
	vm_pkg_reader_feed(&m->up.reader, data, take);
	vm_pkg_bytes(m, data, take);
	uint64_t before = m->up.received;
	m->up.received += take;
	if (vanish) {
		vm_unplug(m);
		return take;
	}
	/* ACK mode: one 'A' per 1024 bytes received (fwupd reads size/1024 of them). */
	if (m->up.ack)
		for (uint64_t k = before / 1024 + 1; k * 1024 <= m->up.received; k++) {
			vm_out(m, "A", 1);
			m->up.ack_until = m->out_total;
		}
	if (m->up.received == m->up.size) {
		struct vm_ufs_file *f = &m->files[m->n_files++];
		memset(f, 0, sizeof(*f));
		snprintf(f->name, sizeof(f->name), "%s", m->up.name);
		f->size = m->up.size;
		vm_pkg_reader_finish(&m->up.reader, &f->digest);
		vm_pkg_end(m);
		/* Lowercase hex, not zero-padded (facts §3.1: padding unknown). */
		vm_outf(m, "\r\n+QFUPL: %llu,%x\r\n", (unsigned long long)f->size, m->up.xor16);
		m->input = VM_IN_QFUPL_PAD;
		m->pad_left = 2047;   /* fwupd pads the last 2 KiB chunk with 0xFF [I] */
		vm_final(m, AT_OK);
	}
	return take;
}

uint64_t vm_ufs_next_ns(const struct vm_model *m)
{
	if (m->input != VM_IN_QFUPL || vm_fault_find(m, VM_FAULT_NAK))
		return VM_NEVER;
	return m->up.last_ns + m->up.timeout_ms * NS_PER_MS;
}

/* No data for <timeout> seconds: the upload ends with +CME ERROR: 421 and the
 * partial file is dropped [I]. */
void vm_ufs_tick(struct vm_model *m)
{
	if (vm_fault_find(m, VM_FAULT_ACK_LOSSY) && m->up.received > 0) {
		/* ack-lossy: the upload ends with what arrived, stored as it is:
		 * "+QFUPL: <upload_size>,<checksum>" (facts §3.1 driver comment);
		 * the host must compare [I] */
		struct vm_ufs_file *f = &m->files[m->n_files++];
		memset(f, 0, sizeof(*f));
		snprintf(f->name, sizeof(f->name), "%s", m->up.name);
		f->size = m->up.received;
		vm_pkg_reader_finish(&m->up.reader, &f->digest);
		vm_pkg_end(m);
		m->input = VM_IN_COMMAND;
		vm_outf(m, "\r\n+QFUPL: %llu,%x\r\n", (unsigned long long)f->size, m->up.xor16);
		vm_final(m, AT_OK);
		return;
	}
	vm_ufs_abort(m);
	vm_pkg_end(m);
	vm_final(m, CME_TIMEOUT);
}

/* AT+QFLST[="<pattern>"]: "*" or "UFS:*" list everything; a name without
 * wildcards that matches nothing is an error (fwupd relies on it). */
static int qflst(struct vm_model *m, int kind, const char *params)
{
	struct vm_args a;
	const char *pat = "*";
	if (kind == VM_CMD_TEST)
		return AT_OK;
	if (kind == VM_CMD_WRITE) {
		if (vm_args_parse(params, &a) < 0 || a.n != 1 || !a.a[0].quoted)
			return CME_BAD_PARAM;
		pat = strip_media(a.a[0].text);
	} else if (kind != VM_CMD_EXEC) {
		return AT_ERROR;
	}
	bool any = false;
	for (size_t i = 0; i < m->n_files; i++) {
		if (fnmatch(pat, m->files[i].name, 0) != 0)
			continue;
		vm_outf(m, "\r\n+QFLST: \"UFS:%s\",%llu", m->files[i].name,
			(unsigned long long)m->files[i].size);
		any = true;
	}
	if (any)
		vm_outs(m, "\r\n");
	if (!any && !strpbrk(pat, "*?["))
		return CME_NOT_FOUND;
	return AT_OK;
}

static int qfdel(struct vm_model *m, int kind, const char *params)
{
	struct vm_args a;
	if (kind == VM_CMD_TEST)
		return AT_OK;
	if (kind != VM_CMD_WRITE || vm_args_parse(params, &a) < 0 || a.n != 1 || !a.a[0].quoted)
		return CME_BAD_PARAM;
	const char *name = strip_media(a.a[0].text);
	if (strcmp(name, "*") == 0) {
		m->n_files = 0;
		return AT_OK;
	}
	struct vm_ufs_file *f = vm_ufs_find(m, name);
	if (!f)
		return CME_NOT_FOUND;
	del_file(m, f);
	return AT_OK;
}

/* AT+QFLDS[="UFS"] -> +QFLDS: <free>,<total> */
static int qflds(struct vm_model *m, int kind, const char *params)
{
	struct vm_args a;
	if (kind == VM_CMD_TEST) {
		vm_outs(m, "\r\n+QFLDS: (\"UFS\")\r\n");
		return AT_OK;
	}
	if (kind == VM_CMD_WRITE && (vm_args_parse(params, &a) < 0 || a.n != 1 ||
				     !a.a[0].quoted || strcasecmp(a.a[0].text, "UFS") != 0))
		return CME_BAD_PARAM;
	if (kind != VM_CMD_WRITE && kind != VM_CMD_EXEC)
		return AT_ERROR;
	vm_outf(m, "\r\n+QFLDS: %llu,%llu\r\n", (unsigned long long)vm_ufs_free(m),
		(unsigned long long)m->profile->ufs_total_bytes);
	return AT_OK;
}

int vm_ufs_command(struct vm_model *m, const char *name, int kind, const char *params)
{
	if (strcmp(name, "+QFUPL") == 0)
		return m->profile->supports_qfupl ? qfupl(m, kind, params) : AT_ERROR;
	if (strcmp(name, "+QFLST") == 0)
		return qflst(m, kind, params);
	if (strcmp(name, "+QFDEL") == 0)
		return qfdel(m, kind, params);
	if (strcmp(name, "+QFLDS") == 0)
		return qflds(m, kind, params);
	return AT_ERROR;
}
