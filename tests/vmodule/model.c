/* The virtual module's core: bytes in and out of the AT port, time, presence on
 * the bus and reboots, and what the module saw (stats, record). Command lines
 * go to at_engine.c, package data to fota_engine.c / ufs.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <qfota/cleanup.h>

#include "model_internal.h"

#define NS_PER_MS 1000000ull

bool vm_is_dfota(const struct vm_model *m)
{
	return m->profile->reboot_style == VM_REBOOT_DFOTA;
}

/* The field faults (`--fault field` turns them all on, each with its default
 * argument): what real modules do that the seeds' examples do not show. */
static const struct vm_fault field_faults[] = {
	{ VM_FAULT_BOOT_SILENT, 0 },
	{ VM_FAULT_STRICT_SYNTAX, 0 },
	{ VM_FAULT_CACHE_UFS, 0 },
	{ VM_FAULT_NO_DRAIN, 0 },
	{ VM_FAULT_ACK_STRICT, 0 },
	{ VM_FAULT_URCPORT_MODEM, 0 },
	{ VM_FAULT_URC_MIXED, 0 },
	{ VM_FAULT_RESTORE, 0 },
	{ VM_FAULT_UPDATING_ZERO, 0 },
	{ VM_FAULT_STEPS_IRREGULAR, 0 },
	{ VM_FAULT_GARBAGE, 0 },
};

const struct vm_fault *vm_fault_find(const struct vm_model *m, enum vm_fault_kind k)
{
	bool field = false;

	for (size_t i = 0; i < m->n_faults; i++) {
		if (m->faults[i].kind == k)
			return &m->faults[i];
		field |= m->faults[i].kind == VM_FAULT_FIELD;
	}
	for (size_t i = 0; field && i < QFOTA_ARRAY_SIZE(field_faults); i++)
		if (field_faults[i].kind == k)
			return &field_faults[i];
	return NULL;
}

/* How long the AT port stays silent after an enumeration (fault boot-silent):
 * the fault's argument, else the pacing's boot_ms, else 1500 ms. Real modules:
 * RDY at least ~12 s after power-on; Quectel's scripts wait up to 60 s for PB
 * DONE; ModemManager retries AT+QGMR 16 x 1 s after boot (facts §7). */
static uint64_t boot_silence_ns(const struct vm_model *m)
{
	const struct vm_fault *f = vm_fault_find(m, VM_FAULT_BOOT_SILENT);

	if (!f)
		return 0;
	return (f->arg ? (uint64_t)f->arg : m->pacing.boot_ms ? m->pacing.boot_ms : 1500) * NS_PER_MS;
}

void vm_out(struct vm_model *m, const void *data, size_t len)
{
	if (m->presence != VM_PRESENT || len == 0)
		return;
	/* no-drain: nobody holds the AT interface (the host has not reclaimed it
	 * since the reboot): what the module prints now is lost (SDX55 RG
	 * modules print START before the USB AT port is open, facts §3.5) */
	if (!m->st.claimed && vm_fault_find(m, VM_FAULT_NO_DRAIN)) {
		m->st.lost_unclaimed += (unsigned)len;
		return;
	}
	if (m->out_len + len > VM_OUT_MAX)
		return;   /* nobody reads: a real module's FIFO overflows too */
	if (m->out_len + len > m->out_cap) {
		size_t cap = m->out_cap ? m->out_cap : 4096;
		while (cap < m->out_len + len)
			cap *= 2;
		uint8_t *n = realloc(m->out, cap);
		if (!n)
			return;
		m->out = n;
		m->out_cap = cap;
	}
	memcpy(m->out + m->out_len, data, len);
	m->out_len += len;
	m->out_total += len;
}

void vm_outs(struct vm_model *m, const char *s)
{
	vm_out(m, s, strlen(s));
}

void vm_outf(struct vm_model *m, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		vm_out(m, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* Verbose texts for AT+CMEE=2, only for the codes this module uses. */
static const char *cme_text(int code)
{
	switch (code) {
	case 3: return "operation not allowed";
	case 4: return "operation not supported";
	case 50: return "Incorrect parameters";
	case 403: return "Drive full";
	case 405: return "File not found";
	case 406: return "Invalid file name";
	case 407: return "File already existed";
	case 420: return "No space";
	case 421: return "Time out";
	case 425: return "Invalid parameter";
	}
	return NULL;
}

void vm_final(struct vm_model *m, int result)
{
	m->busy = false;
	if (result == AT_OK)
		vm_outs(m, "\r\nOK\r\n");
	else if (result == AT_ERROR || m->cmee == 0)
		vm_outs(m, "\r\nERROR\r\n");
	else if (m->cmee == 2 && cme_text(result))
		vm_outf(m, "\r\n+CME ERROR: %s\r\n", cme_text(result));
	else
		vm_outf(m, "\r\n+CME ERROR: %d\r\n", result);
}

/* Record lines keep control bytes visible: \r, \n, \xNN. */
void vm_log(struct vm_model *m, const char *kind, const char *text, size_t len)
{
	if (m->log->len >= VM_MAX_LOG)
		return;
	GString *s = g_string_new(kind);
	g_string_append_c(s, ' ');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '\r')
			g_string_append(s, "\\r");
		else if (c == '\n')
			g_string_append(s, "\\n");
		else if (c == '\\')
			g_string_append(s, "\\\\");
		else if (c < 0x20 || c >= 0x7f)
			g_string_append_printf(s, "\\x%02x", c);
		else
			g_string_append_c(s, (char)c);
	}
	g_ptr_array_add(m->log, g_string_free(s, FALSE));
}

void vm_pkg_begin(struct vm_model *m)
{
	if (m->pkg_sha)
		g_checksum_free(m->pkg_sha);
	m->pkg_sha = g_checksum_new(G_CHECKSUM_SHA256);
	m->st.package_bytes = 0;
	m->credit = 0;
	m->credit_ns = m->now_ns;
}

void vm_pkg_bytes(struct vm_model *m, const uint8_t *data, size_t len)
{
	g_checksum_update(m->pkg_sha, data, len);
	m->st.package_bytes += len;
}

void vm_pkg_end(struct vm_model *m)
{
	(void)m;  /* the running checksum stays readable for stats */
}

/* Flash pacing: a token bucket filled at flash_bytes_per_sec, holding at most
 * 64 KiB (the module's receive buffer [I]). Sets retry_ns when it says no. */
size_t vm_pace(struct vm_model *m, size_t want)
{
	uint64_t rate = m->pacing.flash_bytes_per_sec;
	if (rate == 0 || want == 0)
		return want;
	uint64_t dt = m->now_ns > m->credit_ns ? m->now_ns - m->credit_ns : 0;
	m->credit_ns = m->now_ns;
	m->credit += (double)rate * (double)dt / 1e9;
	if (m->credit > 65536.0)
		m->credit = 65536.0;
	size_t take = m->credit >= (double)want ? want : (size_t)m->credit;
	m->credit -= (double)take;
	if (take < want) {
		double need = (double)(want - take < 4096 ? want - take : 4096) - m->credit;
		uint64_t wait = (uint64_t)(need * 1e9 / (double)rate) + 1;
		m->retry_ns = m->now_ns + wait;
	}
	return take;
}

void vm_unplug(struct vm_model *m)
{
	m->presence = VM_GONE;
	m->departures++;
	m->out_len = 0;
	m->st.driver_bound = false;
	m->st.claimed = false;
	m->reboot_pending = false;
	m->input = VM_IN_COMMAND;
	vm_ufs_abort(m);
	vm_fota_reset(m);
}

void vm_reboot_request(struct vm_model *m, enum vm_boot boot)
{
	m->reboot_pending = true;
	m->reboot_nodrain = false;
	m->reboot_deadline_ns = m->now_ns + m->pacing.drain_ms * NS_PER_MS;
	m->boot = boot;
}

/* no-drain: the module does not wait for the host to read what it queued
 * (END, a local-file DFOTA's OK): it reboots 20 ms later, read or not. The
 * facts show no drain on any module; the harsher reading is none [I]. */
void vm_reboot_after_queuing(struct vm_model *m, enum vm_boot boot)
{
	vm_reboot_request(m, boot);
	if (vm_fault_find(m, VM_FAULT_NO_DRAIN)) {
		m->reboot_nodrain = true;
		m->reboot_deadline_ns = m->now_ns + 20 * NS_PER_MS;
	}
}

static void do_reboot(struct vm_model *m)
{
	m->reboot_pending = false;
	m->departures++;
	m->st.lost_at_reboot += (unsigned)m->out_len;
	m->read_total = m->out_total;
	m->out_len = 0;
	m->line_len = 0;
	m->line_overflow = false;
	m->busy = false;
	m->input = VM_IN_COMMAND;
	m->retry_ns = VM_NEVER;
	m->boot_urc_ns = VM_NEVER;
	vm_ufs_abort(m);
	vm_at_reset(m);
	m->st.claimed = false;
	m->st.driver_bound = false;
	if (vm_fault_find(m, VM_FAULT_NEVER_BACK)) {
		m->presence = VM_GONE;
		vm_fota_reset(m);
		return;
	}
	m->presence = VM_REBOOTING;
	uint64_t reboot_ms = m->pacing.reboot_ms;
	/* slow-reboot:MS: the first reboot (into the updater, for DFOTA) takes
	 * MS more: real reboots take 30-60 s (facts §5), not always the same */
	const struct vm_fault *slow = vm_fault_find(m, VM_FAULT_SLOW_REBOOT);
	if (slow && m->departures == 1)
		reboot_ms += slow->arg;
	m->back_ns = m->now_ns + reboot_ms * NS_PER_MS;
	m->st.module_reboot_ms += reboot_ms;
}

/* Another IMEI: the last three digits change (fault imei-change). */
static void change_imei(struct vm_model *m)
{
	size_t n = strlen(m->imei);
	for (size_t i = n >= 3 ? n - 3 : 0; i < n; i++)
		if (m->imei[i] >= '0' && m->imei[i] <= '9')
			m->imei[i] = (char)('0' + (m->imei[i] - '0' + 7) % 10);
		else
			m->imei[i] = '7';
}

static void come_back(struct vm_model *m)
{
	m->presence = VM_PRESENT;
	m->back_ns = VM_NEVER;
	m->st.reboots++;
	m->st.driver_bound = true;   /* the kernel's option driver binds the new device */
	m->st.claimed = false;
	if (!m->moved) {
		m->moved = true;
		if (vm_fault_find(m, VM_FAULT_OTHER_PORT))
			snprintf(m->port, sizeof(m->port), "%s", m->other_port);
		if (vm_fault_find(m, VM_FAULT_IMEI_CHANGE))
			change_imei(m);
		/* back-edl: the boot found no firmware it could start (a flash
		 * gone wrong): the boot ROM's download mode, which prints nothing */
		if (vm_fault_find(m, VM_FAULT_BACK_EDL)) {
			m->composition = VM_COMPOSITION_EDL;
			vm_fota_reset(m);
		}
		/* back-rndis: a firmware whose default composition differs, or a
		 * usbnet setting applied at this boot [I]: the module itself runs
		 * on, its AT port now on another interface */
		if (vm_fault_find(m, VM_FAULT_BACK_RNDIS))
			m->composition = VM_COMPOSITION_RNDIS;
	}
	/* boot-silent: the port takes bytes but answers nothing until it has
	 * booted (also the updater's: it sends no RDY, facts §2.2 [I]) */
	m->silent_until_ns = m->now_ns + boot_silence_ns(m);
	m->st.module_boot_ms += boot_silence_ns(m) / NS_PER_MS;
	m->st.last_ready_ms = m->silent_until_ns / NS_PER_MS;
	if (m->boot == VM_BOOT_NORMAL) {
		if (m->pending_revision[0]) {
			snprintf(m->revision, sizeof(m->revision), "%s", m->pending_revision);
			m->pending_revision[0] = '\0';
		}
		m->boot_urc_ns = boot_silence_ns(m) ? m->silent_until_ns
						    : m->now_ns + m->pacing.command_ms * NS_PER_MS;
	}
	vm_fota_back(m);
}

/* Boot URCs after a normal boot (EG18 after FOTA, facts §2.2). */
static void boot_urcs(struct vm_model *m)
{
	static const char *const lines[] = { "RDY", "+CPIN: READY", "+QUSIM: 1", "+CFUN: 1",
					      "+QIND: SMS DONE", "+QIND: PB DONE" };
	m->boot_urc_ns = VM_NEVER;
	for (size_t i = 0; i < QFOTA_ARRAY_SIZE(lines); i++)
		vm_outf(m, "\r\n%s\r\n", lines[i]);
}

uint64_t vm_model_next_ns(const struct vm_model *m)
{
	if (!m || m->presence == VM_GONE)
		return VM_NEVER;
	if (m->presence == VM_REBOOTING)
		return m->back_ns;
	uint64_t t = VM_NEVER;
	if (m->reboot_pending)
		t = m->out_len == 0 && !m->reboot_nodrain ? m->now_ns : m->reboot_deadline_ns;
	if (m->boot_urc_ns < t)
		t = m->boot_urc_ns;
	if (m->retry_ns < t)
		t = m->retry_ns;
	uint64_t u = vm_ufs_next_ns(m);
	if (u < t)
		t = u;
	u = vm_fota_next_ns(m);
	if (u < t)
		t = u;
	return t;
}

/* Runs every event due by now, each at its own time, so that a clock that jumps
 * still gives the same sequence (a chain of UPDATING URCs catches up). */
static void run_due(struct vm_model *m, uint64_t now)
{
	if (now < m->now_ns)
		now = m->now_ns;
	for (int guard = 0; guard < 100000; guard++) {
		uint64_t t = vm_model_next_ns(m);
		if (t > now)
			break;
		if (t > m->now_ns)
			m->now_ns = t;
		if (m->presence == VM_REBOOTING) {
			come_back(m);
		} else if (m->reboot_pending && ((m->out_len == 0 && !m->reboot_nodrain) ||
						 m->reboot_deadline_ns <= t)) {
			do_reboot(m);
		} else if (m->boot_urc_ns <= t) {
			boot_urcs(m);
		} else if (m->retry_ns <= t) {
			m->retry_ns = VM_NEVER;
		} else if (vm_ufs_next_ns(m) <= t) {
			vm_ufs_tick(m);
		} else {
			vm_fota_tick(m);
		}
	}
	m->now_ns = now;
}

uint64_t vm_model_tick(struct vm_model *m, uint64_t now_ns)
{
	run_due(m, now_ns);
	return vm_model_next_ns(m);
}

size_t vm_model_host_write(struct vm_model *m, const uint8_t *data, size_t len, uint64_t now_ns)
{
	run_due(m, now_ns);
	size_t i = 0;
	m->retry_ns = VM_NEVER;
	while (i < len && m->presence == VM_PRESENT) {
		size_t n;
		switch (m->input) {
		case VM_IN_COMMAND: {
			if (m->busy)
				return i;   /* a command runs: NAK until its result */
			if (m->now_ns < m->silent_until_ns) {
				/* still booting: taken, never echoed or answered */
				i++;
				m->st.dropped_booting++;
				break;
			}
			uint8_t c = data[i++];
			if (m->echo)
				vm_out(m, &c, 1);
			if (c == '\r') {
				vm_at_line(m, m->line, m->line_len);
				m->line_len = 0;
				m->line_overflow = false;
			} else if (c == '\n' && m->line_len == 0) {
				/* LF after CR: not part of the next line */
			} else if (m->line_len < sizeof(m->line) - 1) {
				m->line[m->line_len++] = (char)c;
			} else {
				m->line_overflow = true;
			}
			break;
		}
		case VM_IN_FILE:
			n = vm_fota_data(m, data + i, len - i);
			if (n == 0)
				return i;
			i += n;
			break;
		case VM_IN_QFUPL:
			n = vm_ufs_data(m, data + i, len - i);
			if (n == 0)
				return i;
			i += n;
			break;
		case VM_IN_QFUPL_PAD:
			if (data[i] == 0xff && m->pad_left > 0) {
				i++;
				m->pad_left--;
			} else {
				m->input = VM_IN_COMMAND;
			}
			break;
		}
	}
	return i;
}

size_t vm_model_host_read(struct vm_model *m, uint8_t *buf, size_t cap, uint64_t now_ns)
{
	run_due(m, now_ns);
	if (m->presence != VM_PRESENT)
		return 0;
	size_t n = m->out_len < cap ? m->out_len : cap;
	memcpy(buf, m->out, n);
	memmove(m->out, m->out + n, m->out_len - n);
	m->out_len -= n;
	m->read_total += n;
	return n;
}

size_t vm_model_pending_in(const struct vm_model *m)
{
	return m->presence == VM_PRESENT ? m->out_len : 0;
}

enum vm_presence vm_model_presence(const struct vm_model *m)
{
	return m->presence;
}

unsigned vm_model_departures(const struct vm_model *m)
{
	return m->departures;
}

const char *vm_model_port(const struct vm_model *m)
{
	return m->port;
}

enum vm_composition vm_model_composition(const struct vm_model *m)
{
	return m->composition;
}

void vm_model_usb_event(struct vm_model *m, enum vm_usb_event ev, long arg)
{
	switch (ev) {
	case VM_USB_CLAIM:
		m->st.claims++;
		m->st.claimed = true;
		break;
	case VM_USB_RELEASE:
		m->st.releases++;
		m->st.claimed = false;
		break;
	case VM_USB_DRIVER_DETACH:
		m->st.driver_detaches++;
		m->st.driver_bound = false;
		break;
	case VM_USB_DRIVER_ATTACH:
		m->st.driver_attaches++;
		m->st.driver_bound = true;
		break;
	case VM_USB_LINE_STATE:
		m->st.line_state_sets++;
		m->last_line_state = (unsigned)arg;
		break;
	case VM_USB_OPEN:
		m->st.opens++;
		break;
	case VM_USB_CLOSE:
		m->st.closes++;
		break;
	}
}

static void sha_hex(const struct vm_model *m, char out[65])
{
	GChecksum *c = g_checksum_copy(m->pkg_sha);
	snprintf(out, 65, "%s", g_checksum_get_string(c));
	g_checksum_free(c);
}

void vm_model_get_stats(const struct vm_model *m, struct vm_model_stats *ret)
{
	*ret = m->st;
	ret->presence = m->presence;
	sha_hex(m, ret->package_sha256);
	snprintf(ret->revision, sizeof(ret->revision), "%s", m->revision);
	snprintf(ret->imei, sizeof(ret->imei), "%s", m->imei);
	snprintf(ret->port, sizeof(ret->port), "%s", m->port);
}

static const char *presence_to_string(enum vm_presence p)
{
	return p == VM_PRESENT ? "present" : p == VM_REBOOTING ? "rebooting" : "gone";
}

void vm_model_write_record(const struct vm_model *m, FILE *out)
{
	struct vm_model_stats s;
	vm_model_get_stats(m, &s);
	const char *p = m->first_port;
	fprintf(out, "%s profile %s\n", p, m->profile->name ? m->profile->name : "?");
	fprintf(out, "%s port_now %s\n", p, s.port);
	fprintf(out, "%s presence %s\n", p, presence_to_string(s.presence));
	fprintf(out, "%s imei %s\n", p, s.imei);
	fprintf(out, "%s revision_before %s\n", p, m->initial_revision);
	fprintf(out, "%s revision %s\n", p, s.revision);
	fprintf(out, "%s driver_bound %d\n", p, s.driver_bound);
	fprintf(out, "%s claimed %d\n", p, s.claimed);
	fprintf(out, "%s opens %u\n", p, s.opens);
	fprintf(out, "%s closes %u\n", p, s.closes);
	fprintf(out, "%s claims %u\n", p, s.claims);
	fprintf(out, "%s releases %u\n", p, s.releases);
	fprintf(out, "%s driver_detaches %u\n", p, s.driver_detaches);
	fprintf(out, "%s driver_attaches %u\n", p, s.driver_attaches);
	fprintf(out, "%s line_state_sets %u\n", p, s.line_state_sets);
	fprintf(out, "%s line_state 0x%x\n", p, m->last_line_state);
	fprintf(out, "%s reboots %u\n", p, s.reboots);
	fprintf(out, "%s commands %u\n", p, s.commands);
	fprintf(out, "%s dropped_booting %u\n", p, s.dropped_booting);
	fprintf(out, "%s lost_at_reboot %u\n", p, s.lost_at_reboot);
	fprintf(out, "%s lost_unclaimed %u\n", p, s.lost_unclaimed);
	fprintf(out, "%s lost_ack_window %u\n", p, s.lost_ack_window);
	fprintf(out, "%s ack_naks %u\n", p, s.ack_naks);
	fprintf(out, "%s last_ready_ms %llu\n", p, (unsigned long long)s.last_ready_ms);
	uint64_t flash_ms = m->pacing.flash_bytes_per_sec ?
				    s.package_bytes * 1000 / m->pacing.flash_bytes_per_sec : 0;
	fprintf(out, "%s module_reboot_ms %llu\n", p, (unsigned long long)s.module_reboot_ms);
	fprintf(out, "%s module_boot_ms %llu\n", p, (unsigned long long)s.module_boot_ms);
	fprintf(out, "%s module_command_ms %llu\n", p, (unsigned long long)s.module_command_ms);
	fprintf(out, "%s module_download_ms %llu\n", p, (unsigned long long)s.module_download_ms);
	fprintf(out, "%s module_flash_ms %llu\n", p, (unsigned long long)flash_ms);
	fprintf(out, "%s module_update_ms %llu\n", p, (unsigned long long)s.module_update_ms);
	fprintf(out, "%s module_ms %llu\n", p,
		(unsigned long long)(s.module_reboot_ms + s.module_boot_ms + s.module_command_ms +
				     s.module_download_ms + flash_ms + s.module_update_ms));
	fprintf(out, "%s composition %s\n", p, m->composition == VM_COMPOSITION_EDL	 ? "edl"
						  : m->composition == VM_COMPOSITION_RNDIS ? "rndis"
											   : "own");
	fprintf(out, "%s urcport %s\n", p, s.urcport);
	fprintf(out, "%s lost_urcport %u\n", p, s.lost_urcport);
	fprintf(out, "%s urcs_sent %u\n", p, s.urcs_sent);
	fprintf(out, "%s package_bytes %llu\n", p, (unsigned long long)s.package_bytes);
	fprintf(out, "%s package_sha256 %s\n", p, s.package_sha256);
	fprintf(out, "%s fota_mode %s\n", p, s.fota_mode[0] ? s.fota_mode : "-");
	fprintf(out, "%s fota_end_code %d\n", p, s.fota_end_code);
	for (unsigned i = 0; i < m->log->len; i++)
		fprintf(out, "%s %s\n", p, (const char *)g_ptr_array_index(m->log, i));
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

/* The fallback for fault other-port without cfg->other_port: the same path on
 * the next bus ("1-4.2" -> "2-4.2"), as a USB3 module that comes back on its
 * USB2 peer would. */
static void derive_other_port(const char *port, char *out, size_t cap)
{
	char *end;
	long bus = strtol(port, &end, 10);
	if (end == port)
		snprintf(out, cap, "9-%s", port);
	else
		snprintf(out, cap, "%ld%s", bus + 1, end);
}

struct vm_model *vm_model_new(const struct vm_model_config *cfg, uint64_t now_ns)
{
	if (!cfg || !cfg->profile || !cfg->port || !cfg->profile->ati_model ||
	    !cfg->profile->default_revision || cfg->n_faults > VM_MAX_FAULTS ||
	    cfg->n_urls > VM_MAX_URLS || strlen(cfg->port) >= 32 ||
	    (cfg->revision && strlen(cfg->revision) >= 48) || (cfg->ufs_dir && (cfg->ufs_dir[0] != '/' ||
	    strlen(cfg->ufs_dir) >= 64))) {
		errno = EINVAL;
		return NULL;
	}
	for (size_t i = 0; i < cfg->n_urls; i++)
		if (!cfg->urls[i].url) {
			errno = EINVAL;
			return NULL;
		}
	struct vm_model *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->profile = cfg->profile;
	m->now_ns = now_ns;
	copy_str(m->first_port, sizeof(m->first_port), cfg->port);
	copy_str(m->port, sizeof(m->port), cfg->port);
	if (cfg->other_port)
		copy_str(m->other_port, sizeof(m->other_port), cfg->other_port);
	else
		derive_other_port(cfg->port, m->other_port, sizeof(m->other_port));
	copy_str(m->imei, sizeof(m->imei), cfg->imei ? cfg->imei : "866000000000000");
	copy_str(m->revision, sizeof(m->revision),
		 cfg->revision ? cfg->revision : cfg->profile->default_revision);
	copy_str(m->initial_revision, sizeof(m->initial_revision), m->revision);
	copy_str(m->ufs_dir, sizeof(m->ufs_dir), cfg->ufs_dir ? cfg->ufs_dir : cfg->profile->local_fota_dir);
	m->pacing = cfg->pacing;
	memcpy(m->faults, cfg->faults, sizeof(m->faults));
	m->n_faults = cfg->n_faults;
	for (size_t i = 0; i < cfg->n_urls; i++) {
		m->urls[i].url = strdup(cfg->urls[i].url);
		m->urls[i].path = cfg->urls[i].package_path ? strdup(cfg->urls[i].package_path) : NULL;
		m->urls[i].fail_code = cfg->urls[i].fail_code;
	}
	m->n_urls = cfg->n_urls;
	m->presence = VM_PRESENT;
	m->back_ns = VM_NEVER;
	m->boot_urc_ns = VM_NEVER;
	m->retry_ns = VM_NEVER;
	m->pkg_sha = g_checksum_new(G_CHECKSUM_SHA256);
	m->log = g_ptr_array_new_with_free_func(g_free);
	m->st.driver_bound = true;
	m->st.fota_end_code = -1;
	m->fota.step = VM_FS_IDLE;
	/* power-on is an enumeration too (boot-silent): RDY when it has booted */
	m->silent_until_ns = now_ns + boot_silence_ns(m);
	m->st.module_boot_ms += boot_silence_ns(m) / NS_PER_MS;
	if (m->silent_until_ns > now_ns)
		m->boot_urc_ns = m->silent_until_ns;
	vm_at_reset(m);
	m->fota_cid = 1;
	/* kept across reboots (the harsher reading: facts are silent) */
	copy_str(m->st.urcport, sizeof(m->st.urcport),
		 vm_fault_find(m, VM_FAULT_URCPORT_MODEM) ? "usbmodem" : "usbat");
	snprintf(m->fota_path, sizeof(m->fota_path), "UFS");
	/* cache-ufs: firmware that keeps UFS under /cache/ufs (EG18, RM500; facts §3.5) */
	if (!cfg->ufs_dir && vm_fault_find(m, VM_FAULT_CACHE_UFS))
		copy_str(m->ufs_dir, sizeof(m->ufs_dir), "/cache/ufs");
	return m;
}

void vm_model_free(struct vm_model *m)
{
	if (!m)
		return;
	vm_ufs_abort(m);
	vm_fota_reset(m);
	for (size_t i = 0; i < m->n_urls; i++) {
		free(m->urls[i].url);
		free(m->urls[i].path);
	}
	if (m->pkg_sha)
		g_checksum_free(m->pkg_sha);
	g_ptr_array_unref(m->log);
	free(m->out);
	free(m);
}
