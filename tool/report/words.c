/* The words of a result (include/qfota/report.h): a phase's name, what a
 * result comes to. Every renderer (text, JSON, the journal, the audit log)
 * says them the same way. */
#include <errno.h>

#include "qfota/report.h"

static const char *const phase_names[] = {
	[FOTA_PHASE_PREFLIGHT] = "preflight", [FOTA_PHASE_CONNECT] = "connect",
	[FOTA_PHASE_UPLOAD] = "upload",       [FOTA_PHASE_COMMAND] = "command",
	[FOTA_PHASE_DOWNLOAD] = "download",   [FOTA_PHASE_REBOOT] = "reboot",
	[FOTA_PHASE_UPDATE] = "update",       [FOTA_PHASE_VERIFY] = "verify",
	[FOTA_PHASE_DONE] = "done",
};

const char *fota_phase_to_string(enum fota_phase p)
{
	return (unsigned)p < sizeof(phase_names) / sizeof(phase_names[0]) ? phase_names[p] : "unknown";
}

const char *report_result_outcome(const struct report_result *res)
{
	return !res->ok ? "failed" : res->err == -EALREADY ? "skipped" : "ok";
}
