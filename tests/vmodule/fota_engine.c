/* AT+QFOTADL and what follows it: the FILE, FTP, HTTP(S) and local-file modes of
 * both seeds, their URC sequences, progress URC counts, pacing, the package
 * checks and their codes, the reboots of each family, and the faults of the
 * FOTA phases. Choices marked [I] are inferences (README.md lists them). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fota_internal.h"

#define NS_PER_MS 1000000ull
#define URL_MAX 255        /* EC200U note: <url> maximum length 255 bytes */

static uint64_t ms(uint64_t v)
{
	return v * NS_PER_MS;
}

void vm_fota_reset(struct vm_model *m)
{
	vm_pkg_reader_clear(&m->fota.reader);
	if (m->input == VM_IN_FILE)
		m->input = VM_IN_COMMAND;
	m->fota.step = VM_FS_IDLE;
	m->fota.due_ns = VM_NEVER;
}

/* The FOTA is over (either way): "fota/path" goes back to "UFS" (EC200U note 2.3). */
static void done(struct vm_model *m)
{
	vm_fota_reset(m);
	snprintf(m->fota_path, sizeof(m->fota_path), "UFS");
}

static void at(struct vm_model *m, enum vm_fota_step step, uint64_t due)
{
	m->fota.step = step;
	m->fota.due_ns = due;
}

/* command_ms from now: the module's own delay, counted as its time */
static uint64_t after_command(struct vm_model *m)
{
	m->st.module_command_ms += m->pacing.command_ms;
	return m->now_ns + ms(m->pacing.command_ms);
}

enum phase { PH_FILEEND, PH_URLEND, PH_END };

/* Fault code:<n> lands in the phase whose table holds n: data call 1-22 and
 * FTP 6xx / HTTP 7xx at FTPEND/HTTPEND (their own mode only), the EC200U file
 * download codes 500 and 547-571 at FILEEND in FILE mode, everything else
 * (502-546 ...) at END. 0 if the fault does not apply to this phase. */
static int fault_code(const struct vm_model *m, enum phase ph)
{
	const struct vm_fault *f = vm_fault_find(m, VM_FAULT_CODE_AT);
	if (f) {
		/* code-at:EVENT:N: the test says where, whatever table N is from; an
		 * event this mode does not have: nothing */
		enum vm_fota_mode md = m->fota.mode;
		bool here = (f->at == VM_FE_FILEEND && ph == PH_FILEEND && md == VM_FM_FILE) ||
			    (f->at == VM_FE_FTPEND && ph == PH_URLEND && md == VM_FM_FTP) ||
			    (f->at == VM_FE_HTTPEND && ph == PH_URLEND && md == VM_FM_HTTP) ||
			    (f->at == VM_FE_END && ph == PH_END);
		return here ? (int)f->arg : 0;
	}
	f = vm_fault_find(m, VM_FAULT_CODE);
	if (!f)
		return 0;
	int c = (int)f->arg;
	enum vm_fota_mode mode = m->fota.mode;
	bool url = mode == VM_FM_FTP || mode == VM_FM_HTTP;
	if (c >= 1 && c <= 22)
		return ph == PH_URLEND && url ? c : 0;
	if (c >= 600 && c < 700)
		return ph == PH_URLEND && mode == VM_FM_FTP ? c : 0;
	if (c >= 700 && c < 800)
		return ph == PH_URLEND && mode == VM_FM_HTTP ? c : 0;
	bool file_code = c == 500 || (c >= 547 && c <= 571);
	if (file_code && mode == VM_FM_FILE)
		return ph == PH_FILEEND ? c : 0;
	return ph == PH_END ? c : 0;
}

static bool valid_urc_max(long v)
{
	return v == 0 || (v >= 5 && v <= 100);
}

/* AT+QFOTADL="<url>"[,<upgrade_mode>[,<download_URC_max>[,<update_URC_max>]]]
 * <url>: "FILE:<length>", FTP://..., http(s)://..., or <local_fota_dir>/<name>. */
int vm_fota_command(struct vm_model *m, int kind, const char *params)
{
	struct vm_args a;
	long mode = 1, dl = 0, up = 100;
	const struct vm_fault *f;

	if (kind == VM_CMD_TEST) {
		/* EC200U note 3.3.1 test response; EP06/EC2x: not documented, BG96's
		 * DFOTA guide answers a bare OK (facts §2.3) [I]. */
		if (m->profile->supports_file_mode)
			vm_outs(m, "\r\n+QFOTADL: <url>,(0,1),(0,5-100),(0,5-100)\r\n");
		return AT_OK;
	}
	if (kind != VM_CMD_WRITE)
		return AT_ERROR;
	if (vm_fault_find(m, VM_FAULT_CMD_ERROR))
		return AT_ERROR;
	if ((f = vm_fault_find(m, VM_FAULT_CME_ERROR)))
		return (int)f->arg > 0 ? (int)f->arg : AT_ERROR;
	/* "If there is any error: ERROR" (both seeds): every refusal is ERROR. */
	if (m->fota.step != VM_FS_IDLE)
		return AT_ERROR;
	if (vm_args_parse(params, &a) < 0 || a.n < 1 || a.n > 4 || !a.a[0].quoted)
		return AT_ERROR;
	/* strict-syntax: the EP06/EG06/EM06 guide documents AT+QFOTADL=<ftpURL>,
	 * =<httpURL> and =<file_name> with no further parameters (pages 9-12);
	 * fwupd sends the bare form. Silent on the rest: the harsher reading is
	 * that the firmware refuses them (ERROR). */
	if (a.n > 1 && vm_is_dfota(m) && vm_fault_find(m, VM_FAULT_STRICT_SYNTAX))
		return AT_ERROR;
	const char *url = a.a[0].text;
	if (!*url || strlen(url) > URL_MAX)
		return AT_ERROR;
	if ((a.n > 1 && vm_args_int(&a, 1, 0, 1, &mode) < 0) ||
	    (a.n > 2 && (vm_args_int(&a, 2, 0, 100, &dl) < 0 || !valid_urc_max(dl))) ||
	    (a.n > 3 && (vm_args_int(&a, 3, 0, 100, &up) < 0 || !valid_urc_max(up))))
		return AT_ERROR;

	struct vm_fota *fo = &m->fota;
	memset(fo->local_name, 0, sizeof(fo->local_name));
	if (strncasecmp(url, "FILE:", 5) == 0) {
		const char *n = url + 5;
		if (!m->profile->supports_file_mode || !*n || strlen(n) > 12 ||
		    strspn(n, "0123456789") != strlen(n))
			return AT_ERROR;
		fo->length = strtoull(n, NULL, 10);
		/* the note: <length> is sent "to determine whether there is enough
		 * storage in module" */
		if (fo->length == 0 || fo->length > vm_ufs_free(m))
			return AT_ERROR;
		fo->mode = VM_FM_FILE;
	} else if (strncasecmp(url, "ftp://", 6) == 0 && url[6]) {
		fo->mode = VM_FM_FTP;
	} else if ((strncasecmp(url, "http://", 7) == 0 && url[7]) ||
		   (strncasecmp(url, "https://", 8) == 0 && url[8])) {
		fo->mode = VM_FM_HTTP;
	} else if (url[0] == '/') {
		/* another firmware's path (/data/ufs vs /cache/ufs): the file is not
		 * there, and the module says no more than ERROR [I] */
		const char *dir = m->ufs_dir[0] ? m->ufs_dir : NULL;
		size_t dl_ = dir ? strlen(dir) : 0;
		if (!m->profile->supports_qfupl || !dir || strncmp(url, dir, dl_) != 0 ||
		    url[dl_] != '/' || !url[dl_ + 1] || strchr(url + dl_ + 1, '/') ||
		    !vm_ufs_find(m, url + dl_ + 1))
			return AT_ERROR;
		snprintf(fo->local_name, sizeof(fo->local_name), "%.80s", url + dl_ + 1);
		fo->mode = VM_FM_LOCAL;
	} else {
		return AT_ERROR;
	}
	static const char *const names[] = { "", "FILE", "FTP", "HTTP", "LOCAL" };
	snprintf(m->st.fota_mode, sizeof(m->st.fota_mode), "%s", names[fo->mode]);
	snprintf(fo->url, sizeof(fo->url), "%.255s", url);
	fo->upgrade_mode = (int)mode;
	fo->dl_max = (int)dl;
	fo->up_max = (int)up;
	fo->received = 0;
	fo->k = 0;
	fo->dl_code = 0;
	fo->end_code = 0;
	fo->have_digest = false;
	m->st.fota_end_code = -1;
	m->busy = true;   /* OK comes command_ms later; input waits */
	at(m, VM_FS_OK, after_command(m));
	return AT_DEFER;
}

/* After a successful download: update now (EC200U, upgrade_mode 1), reboot into
 * the updater first (DFOTA), or wait for a manual reboot (upgrade_mode 0). */
static void after_download(struct vm_model *m)
{
	if (m->fota.upgrade_mode == 0) {
		at(m, VM_FS_WAIT_REBOOT, VM_NEVER);
	} else if (vm_is_dfota(m)) {
		at(m, VM_FS_WAIT_REBOOT, VM_NEVER);
		/* local file: right after OK (EG18, facts §3.5), read or not */
		if (m->fota.mode == VM_FM_LOCAL)
			vm_reboot_after_queuing(m, VM_BOOT_UPDATE);
		else
			vm_reboot_request(m, VM_BOOT_UPDATE);
	} else {
		at(m, VM_FS_START, after_command(m));
	}
}

static void file_end(struct vm_model *m, int code)
{
	m->input = VM_IN_COMMAND;
	vm_pkg_end(m);
	if (m->fota.reader.payload) {
		vm_pkg_reader_finish(&m->fota.reader, &m->fota.digest);
		m->fota.have_digest = true;
	}
	vm_urc(m, "FILEEND", code, 0);
	if (code != 0)
		done(m);
	else
		after_download(m);
}

static bool nak(const struct vm_model *m)
{
	return vm_fault_find(m, VM_FAULT_NAK) != NULL;
}

/* FILE mode data: takes at most what flash pacing allows, sends DOWNLOADING at
 * each 1/dl_max of <length>, and flags data beyond <length> (564). */
size_t vm_fota_data(struct vm_model *m, const uint8_t *data, size_t len)
{
	struct vm_fota *fo = &m->fota;
	fo->last_data_ns = m->now_ns;
	if (nak(m))
		return 0;   /* refuses forever, and never times out (it is wedged) */
	if (fo->step == VM_FS_FILEEND) {
		/* more than announced, after the last byte: EC200U 564 */
		file_end(m, 564);
		return len;
	}
	uint64_t left = fo->length - fo->received;
	size_t want = len < left ? len : (size_t)left;
	size_t take = vm_pace(m, want);
	const struct vm_fault *unplug = vm_fault_find(m, VM_FAULT_UNPLUG_BYTE);
	bool vanish = false;
	if (unplug && m->st.package_bytes + take >= (uint64_t)unplug->arg) {
		take = (uint64_t)unplug->arg > m->st.package_bytes ?
			       (size_t)((uint64_t)unplug->arg - m->st.package_bytes) : 0;
		vanish = true;
	}
	vm_pkg_reader_feed(&fo->reader, data, take);
	vm_pkg_bytes(m, data, take);
	fo->received += take;
	if (vanish) {
		vm_unplug(m);
		return take;
	}
	if (!vm_is_dfota(m))
		while (fo->k < fo->dl_max &&
		       fo->received * (uint64_t)fo->dl_max >= fo->length * (uint64_t)(fo->k + 1)) {
			fo->k++;
			vm_urc(m, "DOWNLOADING", fo->k * 100 / fo->dl_max, fo->k);
		}
	if (fo->received == fo->length) {
		at(m, VM_FS_FILEEND, after_command(m));
		if (take == want && len > want) {
			file_end(m, 564);
			return len;
		}
	} else {
		fo->due_ns = m->now_ns + ms(m->pacing.file_timeout_ms);
	}
	return take;
}

/* Where a URL "downloads" from: the test's table. Unknown URL: EC200U FTP 630
 * "Invalid requested file name" / HTTP 701, EP06-class 601 / 701 (its table
 * has only those) [I]. */
static int url_download(struct vm_model *m)
{
	struct vm_fota *fo = &m->fota;
	bool ftp = fo->mode == VM_FM_FTP;
	int unknown = ftp ? (vm_is_dfota(m) ? 601 : 630) : 701;
	for (size_t i = 0; i < m->n_urls; i++) {
		if (strcmp(m->urls[i].url, fo->url) != 0)
			continue;
		if (m->urls[i].fail_code)
			return m->urls[i].fail_code;
		if (!m->urls[i].path || vm_pkg_digest_file(m->urls[i].path, &fo->digest) < 0)
			return ftp ? (vm_is_dfota(m) ? 601 : 613) : 701;   /* [I] file error */
		fo->have_digest = true;
		return 0;
	}
	return unknown;
}

/* END <err> for the package as the updater sees it: not a package or damaged
 * -> EC200U 547 "upgrade package verification error", DFOTA 504 / 505
 * "something wrong with the upgrade package file"; built for another model or
 * another source revision -> 510 "the patch does not match the source file". */
static int package_code(struct vm_model *m)
{
	struct vm_fota *fo = &m->fota;
	if (!fo->have_digest)
		return vm_is_dfota(m) ? 504 : 547;
	switch (vm_pkg_verdict(&fo->digest, m->profile->ati_model, m->revision)) {
	case VM_PACKAGE_OK: return 0;
	case VM_PACKAGE_NOT_PACKAGE: return vm_is_dfota(m) ? 504 : 547;
	case VM_PACKAGE_CORRUPT: return vm_is_dfota(m) ? 505 : 547;
	case VM_PACKAGE_WRONG_MODEL:
	case VM_PACKAGE_WRONG_FROM: return 510;
	}
	return 502;
}

/* How many UPDATING steps the update phase has: the URC count, or 20 silent
 * steps when URCs are off (so unplug-update still has a moment to act). */
static int update_steps(const struct vm_model *m)
{
	/* steps-irregular: the official figure's 8,16,...,50,58,66,...,91 is
	 * k*100/12; its last step (100) is silent, END follows 91 */
	if (m->fota.up_max && vm_fault_find(m, VM_FAULT_STEPS_IRREGULAR))
		return 12;
	return m->fota.up_max ? m->fota.up_max : 20;
}

static void step_ok(struct vm_model *m)
{
	struct vm_fota *fo = &m->fota;
	vm_final(m, AT_OK);
	switch (fo->mode) {
	case VM_FM_FILE:
		/* the host waits for FILESTART (EC200U note example); data before it is
		 * NAKed rather than read as commands [I] */
		m->busy = true;
		at(m, VM_FS_FILESTART, after_command(m));
		break;
	case VM_FM_FTP:
	case VM_FM_HTTP:
		at(m, VM_FS_DLSTART, after_command(m));
		break;
	case VM_FM_LOCAL: {
		struct vm_ufs_file *f = vm_ufs_find(m, fo->local_name);
		if (f) {
			fo->digest = f->digest;
			fo->have_digest = true;
		}
		/* EG18: the port closes right after OK, the update runs after a reboot
		 * (facts §3.5); upgrade_mode 0 waits for a manual one. */
		after_download(m);
		break;
	}
	default:
		done(m);
	}
}

static void step_filestart(struct vm_model *m)
{
	struct vm_fota *fo = &m->fota;
	vm_urc(m, "FILESTART", -1, 0);
	m->busy = false;
	m->input = VM_IN_FILE;
	fo->received = 0;
	fo->k = 0;
	fo->last_data_ns = m->now_ns;
	vm_pkg_reader_clear(&fo->reader);
	vm_pkg_reader_init(&fo->reader);
	vm_pkg_begin(m);
	at(m, VM_FS_FILE_DATA, nak(m) ? VM_NEVER : m->now_ns + ms(m->pacing.file_timeout_ms));
}

static void step_fileend(struct vm_model *m)
{
	int code = fault_code(m, PH_FILEEND);
	if (!code) {
		struct vm_pkg_reader *r = &m->fota.reader;
		struct vm_pkg_digest d;
		vm_pkg_reader_finish(r, &d);
		m->fota.digest = d;
		m->fota.have_digest = true;
		/* EC200U: a damaged or foreign-format package fails its verification
		 * at the end of the download (547); a package for another model or
		 * revision is only found out when applied (END,510) [I]. */
		enum vm_package_verdict v = vm_pkg_verdict(&d, m->profile->ati_model, m->revision);
		if (v == VM_PACKAGE_NOT_PACKAGE || v == VM_PACKAGE_CORRUPT)
			code = 547;
	}
	file_end(m, code);
}

static void step_dlstart(struct vm_model *m)
{
	struct vm_fota *fo = &m->fota;
	vm_urc(m, fo->mode == VM_FM_FTP ? "FTPSTART" : "HTTPSTART", -1, 0);
	int code = fault_code(m, PH_URLEND);
	fo->dl_code = code ? code : url_download(m);
	fo->k = 0;
	fo->phase_ns = m->now_ns;
	uint64_t total = ms(m->pacing.url_download_ms);
	/* EP06 guide: no DOWNLOADING in DFOTA; a failing download shows none [I]. */
	int n = vm_is_dfota(m) || fo->dl_code ? 0 : fo->dl_max;
	at(m, VM_FS_DOWNLOADING, fo->phase_ns + (fo->dl_code ? total / 2 : n ? total / n : total));
}

static void step_downloading(struct vm_model *m)
{
	struct vm_fota *fo = &m->fota;
	uint64_t total = ms(m->pacing.url_download_ms);
	int n = vm_is_dfota(m) || fo->dl_code ? 0 : fo->dl_max;
	if (fo->k < n) {
		fo->k++;
		vm_urc(m, "DOWNLOADING", fo->k * 100 / n, fo->k);
		fo->due_ns = fo->phase_ns + (fo->k < n ? total * (uint64_t)(fo->k + 1) / (uint64_t)n : total);
		return;
	}
	m->st.module_download_ms += (m->now_ns - fo->phase_ns) / NS_PER_MS;
	vm_urc(m, fo->mode == VM_FM_FTP ? "FTPEND" : "HTTPEND", fo->dl_code, 0);
	if (fo->dl_code)
		done(m);
	else
		after_download(m);
}

static void step_start(struct vm_model *m)
{
	struct vm_fota *fo = &m->fota;
	vm_urc(m, "START", -1, 0);
	int code = fault_code(m, PH_END);
	int steps = update_steps(m);
	fo->end_code = code ? code : package_code(m);
	/* Failures of the flashing itself (520-530, 540-546: "firmware upgrade
	 * failed") come half-way; package problems right after START [I]. */
	bool midway = (fo->end_code >= 520 && fo->end_code <= 530) ||
		      (fo->end_code >= 540 && fo->end_code <= 546) || fo->end_code == 502;
	fo->fail_after = midway ? steps / 2 : 0;
	fo->k = 0;
	fo->restore_k = 0;
	fo->phase_ns = m->now_ns;
	/* EG18 (real): "UPDATING",0 right after START */
	if (fo->up_max && vm_fault_find(m, VM_FAULT_UPDATING_ZERO))
		vm_urc(m, "UPDATING", 0, 0);
	uint64_t total = ms(m->pacing.update_ms);
	if (fo->end_code && fo->fail_after == 0)
		at(m, VM_FS_UPDATING, after_command(m));
	else
		at(m, VM_FS_UPDATING, fo->phase_ns + total / (uint64_t)steps);
}

static void step_end(struct vm_model *m)
{
	struct vm_fota *fo = &m->fota;
	m->st.module_update_ms += (m->now_ns - fo->phase_ns) / NS_PER_MS;
	if (fo->end_code == 0 && vm_fault_find(m, VM_FAULT_REBOOT_NO_END)) {
		/* the update succeeded but END is never sent: only a reboot shows it */
		snprintf(m->pending_revision, sizeof(m->pending_revision), "%s", fo->digest.info.to);
		done(m);
		vm_reboot_request(m, VM_BOOT_NORMAL);
		return;
	}
	if (vm_fault_find(m, VM_FAULT_NO_END)) {
		at(m, VM_FS_STALLED, VM_NEVER);
		return;
	}
	vm_urc(m, "END", fo->end_code, 0);
	m->st.fota_end_code = fo->end_code;
	if (fo->end_code == 0) {
		bool reboot = !vm_fault_find(m, VM_FAULT_END_NO_REBOOT);
		if (reboot)
			snprintf(m->pending_revision, sizeof(m->pending_revision), "%s",
				 fo->digest.info.to);
		done(m);
		if (reboot)
			vm_reboot_after_queuing(m, VM_BOOT_NORMAL);
		return;
	}
	/* A failed update: DFOTA leaves its updater by rebooting into the old
	 * firmware; EC200U stays up [I]. */
	done(m);
	if (vm_is_dfota(m))
		vm_reboot_after_queuing(m, VM_BOOT_NORMAL);
}

static void step_updating(struct vm_model *m)
{
	struct vm_fota *fo = &m->fota;
	int steps = update_steps(m);
	int limit = fo->end_code ? fo->fail_after : steps;
	if (fo->k < limit) {
		int pct = (fo->k + 1) * 100 / steps;
		const struct vm_fault *u = vm_fault_find(m, VM_FAULT_UNPLUG_UPDATE);
		if (u && pct >= u->arg) {
			vm_unplug(m);
			return;
		}
		fo->k++;
		bool silent = pct == 100 && vm_fault_find(m, VM_FAULT_STEPS_IRREGULAR);
		if (fo->up_max && !silent)
			vm_urc(m, "UPDATING", pct, fo->k);
		uint64_t total = ms(m->pacing.update_ms);
		fo->due_ns = fo->k < limit ?
				     fo->phase_ns + total * (uint64_t)(fo->k + 1) / (uint64_t)steps :
				     m->now_ns;
		return;
	}
	/* BG96 DFOTA guide: RESTORE,<percent> ("copying the upgraded firmware to
	 * the original partition from backup partition") before END; shown here
	 * for every profile under the fault, in five steps of its own [I] */
	if (fo->end_code == 0 && fo->restore_k < 5 && vm_fault_find(m, VM_FAULT_RESTORE)) {
		fo->restore_k++;
		vm_urc(m, "RESTORE", fo->restore_k * 20, 0);
		fo->due_ns = m->now_ns + ms(m->pacing.update_ms) / 10;
		return;
	}
	step_end(m);
}

void vm_fota_tick(struct vm_model *m)
{
	struct vm_fota *fo = &m->fota;
	switch (fo->step) {
	case VM_FS_OK: step_ok(m); break;
	case VM_FS_FILESTART: step_filestart(m); break;
	case VM_FS_FILE_DATA: file_end(m, 567); break;   /* no data for file_timeout_ms */
	case VM_FS_FILEEND: step_fileend(m); break;
	case VM_FS_DLSTART: step_dlstart(m); break;
	case VM_FS_DOWNLOADING: step_downloading(m); break;
	case VM_FS_START: step_start(m); break;
	case VM_FS_UPDATING: step_updating(m); break;
	default: fo->due_ns = VM_NEVER; break;
	}
}

uint64_t vm_fota_next_ns(const struct vm_model *m)
{
	switch (m->fota.step) {
	case VM_FS_IDLE:
	case VM_FS_WAIT_REBOOT:
	case VM_FS_STALLED:
		return VM_NEVER;
	default:
		return m->fota.due_ns;
	}
}

void vm_fota_back(struct vm_model *m)
{
	if (m->fota.step == VM_FS_WAIT_REBOOT && m->boot == VM_BOOT_UPDATE)
		at(m, VM_FS_START, after_command(m));
}

/* AT+CFUN=1,1. Waiting for a manual reboot (upgrade_mode 0): reboot into the
 * update. During a download or transfer: the FOTA is abandoned. */
void vm_fota_reboot_requested(struct vm_model *m)
{
	if (m->fota.step == VM_FS_WAIT_REBOOT) {
		vm_reboot_request(m, VM_BOOT_UPDATE);
		return;
	}
	if (m->fota.step != VM_FS_IDLE)
		done(m);
	vm_reboot_request(m, VM_BOOT_NORMAL);
}
