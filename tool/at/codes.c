/* Every error table of both seeds (include/qfota/codes.h). seed_text is the
 * seed's own wording; words and hint are ours, and say no more than the seeds
 * (and QUECTEL_FACTS.md §4) support. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "qfota/cleanup.h"
#include "qfota/codes.h"

#define D CODES_PHASE_DOWNLOAD
#define U CODES_PHASE_UPDATE
#define A CODES_PHASE_ANY

#define HINT_RETRY_LATER "Try again; if it keeps failing, restart the module (AT+CFUN=1,1) and try again."
#define HINT_MODULE_INTERNAL "An internal error of the module's firmware. Restart the module and try again."
#define HINT_PACKAGE_MISMATCH \
	"The package does not fit this module: get the package made for the revision ATI shows now " \
	"(from that revision to the one you want) and check the file is complete."
#define HINT_FTP_SERVER "Check the FTP server is up and reachable from the module's network, then try again."
#define HINT_FTP_REQUEST "Check the URL's file name and the account's rights on the FTP server."
#define HINT_HTTP_SERVER "Check the HTTP(S) server is up and reachable from the module's network, then try again."
#define HINT_DATACALL \
	"The module could not open its data connection: check the SIM, the signal, the APN " \
	"(AT+QICSGP / --apn) and the context (AT+QCFG=\"fota/cid\" / --cid), then try again."
#define HINT_UPDATE_FAILED \
	"Do not power the module off. Wait for it to reboot, check with ATI which firmware it runs, " \
	"and give Quectel this code if it did not recover."

/* EC200U/EG915U FOTA application note v1.0, Table 2: Meaning of FOTA <err> */
static const struct codes_entry fota_table[] = {
	{ 0, CODES_TABLE_FOTA, A, "Successful FOTA operation", "success", NULL },
	{ 500, CODES_TABLE_FOTA, A, "General FOTA error", "the upgrade failed for an unspecified reason",
	  HINT_RETRY_LATER },
	{ 502, CODES_TABLE_FOTA, A, "Abnormal FOTA error", "the upgrade stopped abnormally", HINT_RETRY_LATER },
	{ 510, CODES_TABLE_FOTA, A, "FOTA upgrade package verification or flag bit setting error",
	  "the package failed the module's check (or the module could not mark it for the update)",
	  HINT_PACKAGE_MISMATCH },
	{ 547, CODES_TABLE_FOTA, A, "FOTA upgrade package verification error", "the package failed the module's check",
	  HINT_PACKAGE_MISMATCH },
	{ 549, CODES_TABLE_FOTA, D, "Busy FOTA", "the module is already busy with an upgrade",
	  "Wait for the running upgrade to end (qfota follow) before starting another." },
	{ 550, CODES_TABLE_FOTA, A, "Null FOTA pointer", "internal error of the module (null pointer)",
	  HINT_MODULE_INTERNAL },
	{ 551, CODES_TABLE_FOTA, D, "Invalid parameter", "the module rejected a parameter of AT+QFOTADL",
	  "Check the URL or FILE length and the <upgrade_mode>/<URC_max> values (0 or 5-100)." },
	{ 552, CODES_TABLE_FOTA, D, "Invalid FOTA pack file path", "the place to store the package is not valid",
	  "Check the storage medium set with AT+QCFG=\"fota/path\" (on an SD card only the root directory works)." },
	{ 553, CODES_TABLE_FOTA, A, "FOTA NV fails to reset FOTA update package path information",
	  "the module could not reset where the package is stored (its non-volatile memory)", HINT_MODULE_INTERNAL },
	{ 554, CODES_TABLE_FOTA, A, "FOTA NV fails to save FOTA update package path information",
	  "the module could not save where the package is stored (its non-volatile memory)", HINT_MODULE_INTERNAL },
	{ 555, CODES_TABLE_FOTA, A, "FOTA NV fails to delete FOTA update package path information",
	  "the module could not delete where the package is stored (its non-volatile memory)", HINT_MODULE_INTERNAL },
	{ 556, CODES_TABLE_FOTA, A, "FOTA NV fails to read FOTA update package path information",
	  "the module could not read where the package is stored (its non-volatile memory)", HINT_MODULE_INTERNAL },
	{ 557, CODES_TABLE_FOTA, D, "FOTA package name length error", "the package's file name has a wrong length",
	  "Use a shorter package file name (at most 50 bytes)." },
	{ 558, CODES_TABLE_FOTA, D, "FOTA task creation error", "the module could not start its upgrade task",
	  HINT_MODULE_INTERNAL },
	{ 559, CODES_TABLE_FOTA, D, "FOTA runs repeatedly", "an upgrade was started while one was already running",
	  "Wait for the running upgrade to end (qfota follow) before starting another." },
	{ 560, CODES_TABLE_FOTA, D, "FOTA download mode is not supported",
	  "this module's firmware does not support this way of getting the package",
	  "Use another mode (FILE, FTP or HTTP(S) URL)." },
	{ 561, CODES_TABLE_FOTA, D, "FOTA URL input error", "the module rejected the URL",
	  "Check the URL: FTP://, http:// or https://, at most 255 bytes, user, password, server and file name "
	  "at most 50 bytes each, FTP file in the root directory." },
	{ 562, CODES_TABLE_FOTA, D, "Fail to create FOTA FTP handle", "the module could not start its FTP client",
	  HINT_RETRY_LATER },
	{ 563, CODES_TABLE_FOTA, D, "Fail to initialize FOTA FTP Curl", "the module could not start its FTP client",
	  HINT_RETRY_LATER },
	{ 564, CODES_TABLE_FOTA, D, "The download file exceeds the set size in FOTA file download mode",
	  "more bytes arrived than the length given in AT+QFOTADL=\"FILE:<length>\"",
	  "Give the package's exact size as <length> and send exactly that many bytes." },
	{ 565, CODES_TABLE_FOTA, D, "Fail to create timer in FOTA file download mode",
	  "internal error of the module in FILE mode (timer)", HINT_MODULE_INTERNAL },
	{ 566, CODES_TABLE_FOTA, D, "Fail to start timer in FOTA file download mode",
	  "internal error of the module in FILE mode (timer)", HINT_MODULE_INTERNAL },
	{ 567, CODES_TABLE_FOTA, D, "Download timeout in FOTA file download mode",
	  "the module stopped waiting for the package: the bytes did not arrive in time",
	  "Check the USB connection; the whole <length> must be sent without long pauses. Try again." },
	{ 568, CODES_TABLE_FOTA, D, "Fail to create FOTA HTTP semaphore", "internal error of the module's HTTP client",
	  HINT_RETRY_LATER },
	{ 569, CODES_TABLE_FOTA, D, "FOTA HTTP request package setting error",
	  "the module could not build its HTTP request", "Check the URL, then try again." },
	{ 570, CODES_TABLE_FOTA, D, "Abnormal FOTA HTTP socket", "the HTTP connection failed", HINT_HTTP_SERVER },
	{ 571, CODES_TABLE_FOTA, D, "Abnormal FOTA HTTP operation", "the HTTP download failed", HINT_HTTP_SERVER },
};

/* EC200U/EG915U FOTA application note v1.0, Table 3: Meaning of FTP <err> */
static const struct codes_entry ftp_table[] = {
	{ 0, CODES_TABLE_FTP, D, "Successful downloading and verification", "the package was downloaded and checked",
	  NULL },
	{ 601, CODES_TABLE_FTP, D, "Unknown FTP error", "the FTP download failed for an unknown reason", HINT_FTP_SERVER },
	{ 602, CODES_TABLE_FTP, D, "Blocked FTP service", "the FTP service is blocked", HINT_FTP_SERVER },
	{ 603, CODES_TABLE_FTP, D, "Busy FTP service", "the module's FTP service is busy", HINT_RETRY_LATER },
	{ 604, CODES_TABLE_FTP, D, "Fail to parse DNS", "the FTP server's name could not be resolved (DNS)",
	  "Check the server name in the URL, or use its IP address." },
	{ 605, CODES_TABLE_FTP, D, "Network error", "a network error stopped the FTP download", HINT_DATACALL },
	{ 606, CODES_TABLE_FTP, D, "Control connection is closed", "the FTP control connection was closed",
	  HINT_FTP_SERVER },
	{ 607, CODES_TABLE_FTP, D, "Data connection is closed", "the FTP data connection was closed", HINT_FTP_SERVER },
	{ 608, CODES_TABLE_FTP, D, "Socket is closed by peer", "the FTP server closed the connection", HINT_FTP_SERVER },
	{ 609, CODES_TABLE_FTP, D, "Timeout error", "the FTP server did not answer in time", HINT_FTP_SERVER },
	{ 610, CODES_TABLE_FTP, D, "Invalid parameter", "the module rejected an FTP parameter", "Check the URL." },
	{ 611, CODES_TABLE_FTP, D, "Fail to open file", "the file could not be opened", HINT_FTP_REQUEST },
	{ 612, CODES_TABLE_FTP, D, "Invalid file position", "the file position is not valid", HINT_RETRY_LATER },
	{ 613, CODES_TABLE_FTP, D, "File error", "a file error stopped the FTP download", HINT_FTP_REQUEST },
	{ 614, CODES_TABLE_FTP, D, "Service is not available and control connection is closing",
	  "the FTP service is not available (the server is closing the connection)", HINT_FTP_SERVER },
	{ 615, CODES_TABLE_FTP, D, "Fail to open data connection", "the FTP data connection could not be opened",
	  "Check that the FTP server allows passive-mode data connections from the module's network." },
	{ 616, CODES_TABLE_FTP, D, "Connection is closed and transfer is aborted",
	  "the connection closed and the transfer was aborted", HINT_FTP_SERVER },
	{ 617, CODES_TABLE_FTP, D, "Fail to request the file operation", "the FTP server refused the file request",
	  HINT_FTP_REQUEST },
	{ 618, CODES_TABLE_FTP, D, "Requested action is aborted: local error in processing",
	  "the FTP server aborted: a local error on the server", HINT_FTP_SERVER },
	{ 619, CODES_TABLE_FTP, D, "Requested action is not taken: insufficient system storage",
	  "the FTP server refused: not enough storage", HINT_FTP_SERVER },
	{ 620, CODES_TABLE_FTP, D, "Syntax error, command is unrecognized",
	  "the FTP server did not recognise a command", HINT_FTP_SERVER },
	{ 621, CODES_TABLE_FTP, D, "Syntax error in parameters or arguments",
	  "the FTP server rejected a command's parameters", "Check the URL's user, password and file name." },
	{ 622, CODES_TABLE_FTP, D, "Command is not implemented", "the FTP server does not implement a command",
	  HINT_FTP_SERVER },
	{ 623, CODES_TABLE_FTP, D, "Bad sequence of commands", "the FTP server saw commands in a bad order",
	  HINT_RETRY_LATER },
	{ 624, CODES_TABLE_FTP, D, "Command parameter is not implemented",
	  "the FTP server does not implement a command parameter", HINT_FTP_SERVER },
	{ 625, CODES_TABLE_FTP, D, "Fail to login FTP", "the FTP login failed",
	  "Check the user name and password in the URL." },
	{ 626, CODES_TABLE_FTP, D, "Need account for storing files", "the FTP server wants an account",
	  "Check the user name and password in the URL." },
	{ 627, CODES_TABLE_FTP, D, "Requested action is not taken", "the FTP server did not carry out the request",
	  HINT_FTP_REQUEST },
	{ 628, CODES_TABLE_FTP, D, "Requested action is aborted: unknown page type",
	  "the FTP server aborted: unknown page type", HINT_FTP_SERVER },
	{ 629, CODES_TABLE_FTP, D, "Requested file action is aborted", "the FTP server aborted the file transfer",
	  HINT_FTP_REQUEST },
	{ 630, CODES_TABLE_FTP, D, "Invalid requested file name", "the FTP server rejected the file name",
	  "Check the file name in the URL (root directory only)." },
	{ 631, CODES_TABLE_FTP, D, "SSL authentication failure", "the secure (SSL) authentication failed",
	  "Check the server's certificate and the module's SSL settings." },
};

/* EC200U/EG915U FOTA application note v1.0, Table 4: Meaning of HTTP(S) <err> */
static const struct codes_entry http_table[] = {
	{ 0, CODES_TABLE_HTTP, D, "Successful downloading and verification", "the package was downloaded and checked",
	  NULL },
	{ 701, CODES_TABLE_HTTP, D, "Unknown HTTP(S) error", "the HTTP(S) download failed for an unknown reason",
	  HINT_HTTP_SERVER },
	{ 702, CODES_TABLE_HTTP, D, "HTTP(S) timeout", "the HTTP(S) server did not answer in time", HINT_HTTP_SERVER },
	{ 703, CODES_TABLE_HTTP, D, "Busy HTTP(S)", "the module's HTTP(S) client is busy", HINT_RETRY_LATER },
	{ 714, CODES_TABLE_HTTP, D, "Fail to parse DNS", "the HTTP(S) server's name could not be resolved (DNS)",
	  "Check the server name in the URL, or use its IP address." },
	{ 716, CODES_TABLE_HTTP, D, "HTTP(S) socket connection error", "the module could not connect to the server",
	  "Check the server address and port in the URL and that it is reachable from the module's network." },
	{ 729, CODES_TABLE_HTTP, D, "HTTP(S) memory allocation failure", "the module ran out of memory",
	  HINT_RETRY_LATER },
	{ 730, CODES_TABLE_HTTP, D, "Invalid parameter", "the module rejected an HTTP(S) parameter", "Check the URL." },
	{ 731, CODES_TABLE_HTTP, D, "HTTP(S) operation has not been processed",
	  "the module did not carry out the HTTP(S) request", HINT_RETRY_LATER },
};

/* EC200U/EG915U FOTA application note v1.0, Table 5: Meaning of Datacall <err> */
static const struct codes_entry datacall_table[] = {
	{ 1, CODES_TABLE_DATACALL, D, "Datacall abnormal", "the data connection failed", HINT_DATACALL },
	{ 2, CODES_TABLE_DATACALL, D, "Null memory address", "internal error of the module (null address)",
	  HINT_MODULE_INTERNAL },
	{ 3, CODES_TABLE_DATACALL, D, "Invalid parameters", "the data connection's parameters are not valid",
	  HINT_DATACALL },
	{ 4, CODES_TABLE_DATACALL, D, "Network register timeout error",
	  "the module did not register on the network in time", HINT_DATACALL },
	{ 5, CODES_TABLE_DATACALL, D, "CFW active state getting error",
	  "the module could not read the connection's active state", HINT_DATACALL },
	{ 6, CODES_TABLE_DATACALL, D, "Repeated activation", "the data connection was activated twice",
	  HINT_RETRY_LATER },
	{ 7, CODES_TABLE_DATACALL, D, "Repeated release", "the data connection was released twice", HINT_RETRY_LATER },
	{ 8, CODES_TABLE_DATACALL, D, "CFW PDP context setting error", "the module could not set the PDP context",
	  HINT_DATACALL },
	{ 9, CODES_TABLE_DATACALL, D, "CFW PDP context getting error", "the module could not read the PDP context",
	  HINT_DATACALL },
	{ 10, CODES_TABLE_DATACALL, D, "CS call error", "a circuit-switched call error", HINT_RETRY_LATER },
	{ 11, CODES_TABLE_DATACALL, D, "CFW CFUN getting error", "the module could not read its function mode (CFUN)",
	  HINT_MODULE_INTERNAL },
	{ 12, CODES_TABLE_DATACALL, D, "CFUN disable error", "the module's radio is disabled (CFUN)",
	  "Turn the radio on (AT+CFUN=1) and try again." },
	{ 13, CODES_TABLE_DATACALL, D, "Network status getting error", "the module could not read the network status",
	  HINT_DATACALL },
	{ 14, CODES_TABLE_DATACALL, D, "Datacall cannot be registered", "the data connection could not be registered",
	  HINT_DATACALL },
	{ 15, CODES_TABLE_DATACALL, D, "Datacall has no memory", "the module ran out of memory for the data connection",
	  HINT_RETRY_LATER },
	{ 16, CODES_TABLE_DATACALL, D, "CFW attach status getting error",
	  "the module could not read its network attach status", HINT_DATACALL },
	{ 17, CODES_TABLE_DATACALL, D, "Semaphore creation failure", "internal error of the module (semaphore)",
	  HINT_MODULE_INTERNAL },
	{ 18, CODES_TABLE_DATACALL, D, "Semaphore timeout error", "internal timeout of the module (semaphore)",
	  HINT_RETRY_LATER },
	{ 19, CODES_TABLE_DATACALL, D, "CFW attach request error", "the network attach request failed", HINT_DATACALL },
	{ 20, CODES_TABLE_DATACALL, D, "CFW activation request error", "the data connection's activation request failed",
	  HINT_DATACALL },
	{ 21, CODES_TABLE_DATACALL, D, "Datacall activation failure", "the data connection could not be activated",
	  HINT_DATACALL },
	{ 22, CODES_TABLE_DATACALL, D, "CFW release request failure", "the data connection could not be released",
	  HINT_RETRY_LATER },
};

/* EP06/EG06/EM06 DFOTA user guide v1.0, Table 1: <ftp_err> */
static const struct codes_entry dfota_ftp_table[] = {
	{ 0, CODES_TABLE_DFOTA_FTP, D, "FTP download operation successful", "the package was downloaded", NULL },
	{ 601, CODES_TABLE_DFOTA_FTP, D, "FTP unknown error", "the FTP download failed", HINT_FTP_SERVER },
};

/* EP06/EG06/EM06 DFOTA user guide v1.0, Table 1: <http_err> */
static const struct codes_entry dfota_http_table[] = {
	{ 0, CODES_TABLE_DFOTA_HTTP, D, "HTTP(S) download operation successful", "the package was downloaded", NULL },
	{ 701, CODES_TABLE_DFOTA_HTTP, D, "HTTP(S) unknown error", "the HTTP(S) download failed", HINT_HTTP_SERVER },
};

#define DFOTA_UPGRADE_FAILED(n) \
	{ n, CODES_TABLE_DFOTA, U, "Firmware upgrade failed", "the firmware update failed", HINT_UPDATE_FAILED }

/* EP06/EG06/EM06 DFOTA user guide v1.0, Table 1: <err>. Quectel's own test
 * scripts call 502-511 package errors and 520-546 upgrade errors (facts §4.1). */
static const struct codes_entry dfota_table[] = {
	{ 0, CODES_TABLE_DFOTA, A, "Firmware upgrade successful", "success", NULL },
	{ 502, CODES_TABLE_DFOTA, U, "The upgrade process exits for some unpredictable errors.",
	  "the update stopped on an unexpected error", HINT_UPDATE_FAILED },
	{ 504, CODES_TABLE_DFOTA, A, "Something wrong with the upgrade package file", "the package file is faulty",
	  "Get the delta package again, check it is complete, and put it back on the server." },
	{ 505, CODES_TABLE_DFOTA, A, "Something wrong with the upgrade package file",
	  "the package file is faulty (the delta package check failed)",
	  "Get the delta package again, check it is complete, and put it back on the server." },
	{ 510, CODES_TABLE_DFOTA, A,
	  "The patch does not match the source file in the module, need to check whether the upgrade package is wrong.",
	  "the delta package does not match the firmware the module runs now", HINT_PACKAGE_MISMATCH },
	{ 511, CODES_TABLE_DFOTA, A, "The file system has no enough space for upgrading.",
	  "the module's file system has not enough free space for the update",
	  "Free space on the module (delete old files with AT+QFDEL) and try again." },
	DFOTA_UPGRADE_FAILED(520), DFOTA_UPGRADE_FAILED(521), DFOTA_UPGRADE_FAILED(522),
	DFOTA_UPGRADE_FAILED(523), DFOTA_UPGRADE_FAILED(524), DFOTA_UPGRADE_FAILED(525),
	DFOTA_UPGRADE_FAILED(526), DFOTA_UPGRADE_FAILED(527), DFOTA_UPGRADE_FAILED(528),
	DFOTA_UPGRADE_FAILED(529), DFOTA_UPGRADE_FAILED(530),
	DFOTA_UPGRADE_FAILED(540), DFOTA_UPGRADE_FAILED(541), DFOTA_UPGRADE_FAILED(542),
	DFOTA_UPGRADE_FAILED(543), DFOTA_UPGRADE_FAILED(544), DFOTA_UPGRADE_FAILED(545),
	DFOTA_UPGRADE_FAILED(546),
};

#undef D
#undef U
#undef A

static const struct {
	const struct codes_entry *entries;
	size_t count;
	enum fota_family family;
	const char *name;
	const char *what; /* what failed, for a sentence: "FTP error 609" */
} tables[CODES_TABLE_MAX_] = {
	[CODES_TABLE_FOTA] = { fota_table, QFOTA_ARRAY_SIZE(fota_table), FAMILY_EC200U, "EC200U FOTA", "FOTA" },
	[CODES_TABLE_FTP] = { ftp_table, QFOTA_ARRAY_SIZE(ftp_table), FAMILY_EC200U, "EC200U FTP", "FTP" },
	[CODES_TABLE_HTTP] = { http_table, QFOTA_ARRAY_SIZE(http_table), FAMILY_EC200U, "EC200U HTTP(S)", "HTTP(S)" },
	[CODES_TABLE_DATACALL] = { datacall_table, QFOTA_ARRAY_SIZE(datacall_table), FAMILY_EC200U,
				   "EC200U data call", "data call" },
	[CODES_TABLE_DFOTA_FTP] = { dfota_ftp_table, QFOTA_ARRAY_SIZE(dfota_ftp_table), FAMILY_DFOTA, "DFOTA FTP", "FTP" },
	[CODES_TABLE_DFOTA_HTTP] = { dfota_http_table, QFOTA_ARRAY_SIZE(dfota_http_table), FAMILY_DFOTA,
				     "DFOTA HTTP(S)", "HTTP(S)" },
	[CODES_TABLE_DFOTA] = { dfota_table, QFOTA_ARRAY_SIZE(dfota_table), FAMILY_DFOTA, "DFOTA", "DFOTA" },
};

const char *fota_family_to_string(enum fota_family f)
{
	switch (f) {
	case FAMILY_EC200U: return "EC200U";
	case FAMILY_DFOTA: return "DFOTA";
	default: return "unknown";
	}
}

const char *fota_family_describe(enum fota_family f)
{
	switch (f) {
	case FAMILY_EC200U: return "EC200U/EG915U";
	case FAMILY_DFOTA: return "EC25/EG25/EP06/EG06/EM06 (DFOTA)";
	default: return "unknown family";
	}
}

int fota_family_from_string(const char *name, enum fota_family *ret)
{
	static const struct {
		const char *prefix;
		bool exact;
		enum fota_family family;
	} names[] = {
		{ "ec200u", true, FAMILY_EC200U }, { "unisoc", true, FAMILY_EC200U },
		{ "dfota", true, FAMILY_DFOTA },   { "qualcomm", true, FAMILY_DFOTA },
		{ "EC200U", false, FAMILY_EC200U }, { "EG915U", false, FAMILY_EC200U },
		{ "EC25", false, FAMILY_DFOTA },   { "EG25", false, FAMILY_DFOTA },
		{ "EP06", false, FAMILY_DFOTA },   { "EG06", false, FAMILY_DFOTA },
		{ "EM06", false, FAMILY_DFOTA },
	};

	if (!name || !ret)
		return -EINVAL;
	for (size_t i = 0; i < QFOTA_ARRAY_SIZE(names); i++) {
		size_t n = strlen(names[i].prefix);

		if (names[i].exact ? strcasecmp(name, names[i].prefix) == 0 : strncasecmp(name, names[i].prefix, n) == 0) {
			*ret = names[i].family;
			return 0;
		}
	}
	return -ENOENT;
}

const char *codes_table_to_string(enum codes_table t)
{
	if ((unsigned)t >= CODES_TABLE_MAX_)
		return "unknown table";
	return tables[t].name;
}

enum fota_family codes_table_family(enum codes_table t)
{
	if ((unsigned)t >= CODES_TABLE_MAX_)
		return FAMILY_MAX_;
	return tables[t].family;
}

const char *codes_phase_to_string(enum codes_phase p)
{
	switch (p) {
	case CODES_PHASE_ANY: return "either";
	case CODES_PHASE_DOWNLOAD: return "download";
	case CODES_PHASE_UPDATE: return "update";
	default: return "unknown";
	}
}

const struct codes_entry *codes_table_entries(enum codes_table t, size_t *ret_count)
{
	if ((unsigned)t >= CODES_TABLE_MAX_ || !ret_count)
		return NULL;
	*ret_count = tables[t].count;
	return tables[t].entries;
}

static const struct codes_entry *table_find(enum codes_table t, int code)
{
	for (size_t i = 0; i < tables[t].count; i++)
		if (tables[t].entries[i].code == code)
			return &tables[t].entries[i];
	return NULL;
}

/* The table a URC's code is read in first. */
static enum codes_table primary_table(enum fota_family family, enum urc_event event)
{
	switch (event) {
	case URC_EVENT_FTPEND:
		return family == FAMILY_EC200U ? CODES_TABLE_FTP : CODES_TABLE_DFOTA_FTP;
	case URC_EVENT_HTTPEND:
		return family == FAMILY_EC200U ? CODES_TABLE_HTTP : CODES_TABLE_DFOTA_HTTP;
	default:
		return family == FAMILY_EC200U ? CODES_TABLE_FOTA : CODES_TABLE_DFOTA;
	}
}

/* The tables of FTP, HTTP(S) and data-call failures: always the download. */
static bool transport_table(enum codes_table t)
{
	return t == CODES_TABLE_FTP || t == CODES_TABLE_HTTP || t == CODES_TABLE_DATACALL ||
	       t == CODES_TABLE_DFOTA_FTP || t == CODES_TABLE_DFOTA_HTTP;
}

static void explain_entry(enum fota_family family, enum urc_event event, int code, enum codes_table primary,
			  const struct codes_entry *e, struct codes_explanation *ret)
{
	struct codes_explanation x = {
		.family = family,
		.code = code,
		.known = e != NULL,
		.success = code == 0,
		.table = e ? e->table : primary,
		.entry = e,
		.words = e ? e->words : "unknown code",
		.hint = e ? e->hint : NULL,
	};

	if (urc_event_is_download_end(event))
		x.phase = CODES_PHASE_DOWNLOAD;
	else if (e && transport_table(e->table))
		x.phase = CODES_PHASE_DOWNLOAD;
	else if (event == URC_EVENT_END)
		x.phase = CODES_PHASE_UPDATE;
	else
		x.phase = e ? e->phase : CODES_PHASE_ANY;
	x.retry_safe = !x.success && x.phase == CODES_PHASE_DOWNLOAD;
	*ret = x;
}

int codes_explain(enum fota_family family, enum urc_event event, int code, struct codes_explanation *ret)
{
	enum codes_table primary;
	const struct codes_entry *e;

	if ((unsigned)family >= FAMILY_MAX_ || !ret || code < 0)
		return -EINVAL;
	primary = primary_table(family, event);
	e = table_find(primary, code);
	for (int t = 0; !e && code != 0 && t < CODES_TABLE_MAX_; t++)
		if (tables[t].family == family && t != (int)primary)
			e = table_find((enum codes_table)t, code);
	explain_entry(family, event, code, primary, e, ret);
	return 0;
}

int codes_explain_all(int code, struct codes_explanation *ret, size_t cap)
{
	struct codes_explanation found[CODES_EXPLAIN_MAX];
	size_t n = 0;

	if (!ret || code < 0)
		return -EINVAL;
	for (int f = 0; f < FAMILY_MAX_; f++) {
		size_t before = n;

		for (int t = 0; t < CODES_TABLE_MAX_; t++) {
			const struct codes_entry *e;

			if (tables[t].family != (enum fota_family)f)
				continue;
			e = table_find((enum codes_table)t, code);
			if (e && n < CODES_EXPLAIN_MAX)
				explain_entry((enum fota_family)f, URC_EVENT_UNKNOWN, code, e->table, e, &found[n++]);
		}
		if (n == before && n < CODES_EXPLAIN_MAX)
			explain_entry((enum fota_family)f, URC_EVENT_UNKNOWN, code,
				      primary_table((enum fota_family)f, URC_EVENT_UNKNOWN), NULL, &found[n++]);
	}
	if (cap < n)
		return -E2BIG;
	memcpy(ret, found, n * sizeof(found[0]));
	return (int)n;
}

int codes_explanation_format(const struct codes_explanation *e, char *buf, size_t cap)
{
	const char *phase;
	int n;

	if (!e || !buf || cap == 0)
		return -EINVAL;
	if (e->success)
		phase = "";
	else if (e->phase == CODES_PHASE_DOWNLOAD)
		phase = " (download phase: the firmware was not touched, safe to retry)";
	else if (e->phase == CODES_PHASE_UPDATE)
		phase = " (update phase: do not retry blindly)";
	else
		phase = "";
	if (e->known)
		n = snprintf(buf, cap, "%s %s %s %d: %s%s.%s%s", fota_family_describe(e->family),
			     tables[e->table].what, e->success ? "code" : "error", e->code, e->words, phase,
			     e->hint ? " What to do: " : "", e->hint ? e->hint : "");
	else
		n = snprintf(buf, cap, "%s: unknown code %d (in none of the %s tables)%s.",
			     fota_family_describe(e->family), e->code, fota_family_to_string(e->family), phase);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= cap)
		return -E2BIG;
	return n;
}
