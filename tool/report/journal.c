/* The journal sink of the reporter (include/qfota/journal.h), through
 * libsystemd's sd-journal: its native protocol, its fallbacks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <syslog.h>

#include <systemd/sd-journal.h>

#include "qfota/journal.h"

static bool journal_wanted(void)
{
	const char *v = getenv("QFOTA_JOURNAL");

	return !v || strcmp(v, "0") != 0;
}

static void send_result(const struct report_event *ev)
{
	const struct report_result *res = ev->result;
	const char *outcome = report_result_outcome(res);
	const char *id = strcmp(outcome, "ok") == 0 ? QFOTA_MESSAGE_ID_UPGRADED
			 : strcmp(outcome, "skipped") == 0 ? QFOTA_MESSAGE_ID_SKIPPED
							   : QFOTA_MESSAGE_ID_FAILED;

	/* sd_journal_send fails where there is no journal: nothing to do then */
	(void)sd_journal_send("MESSAGE=%s: %s: %s", ev->port ? ev->port : "-", outcome, res->message,
			      "PRIORITY=%d", res->ok ? LOG_INFO : LOG_ERR, "MESSAGE_ID=%s", id,
			      "SYSLOG_IDENTIFIER=qfota", "QFOTA_PORT=%s", ev->port ? ev->port : "",
			      "QFOTA_RESULT=%s", outcome, "QFOTA_CODE=%d", res->exit_code,
			      "QFOTA_PHASE=%s", fota_phase_to_string(res->phase), "QFOTA_IMEI=%s", res->imei,
			      "QFOTA_MODEL=%s", res->model, "QFOTA_FROM=%s", res->from, "QFOTA_TO=%s", res->to,
			      "QFOTA_ERRNO=%d", res->err, "QFOTA_MODULE_CODE=%d", res->module_code,
			      "QFOTA_TOTAL_MS=%llu", (unsigned long long)res->total_ms, NULL);
}

static void send_phase(const struct report_event *ev)
{
	(void)sd_journal_send("MESSAGE=%s: %s%s%s", ev->port ? ev->port : "-", fota_phase_to_string(ev->phase),
			      ev->text ? ": " : "", ev->text ? ev->text : "", "PRIORITY=%d", LOG_INFO,
			      "MESSAGE_ID=%s", QFOTA_MESSAGE_ID_PHASE, "SYSLOG_IDENTIFIER=qfota",
			      "QFOTA_PORT=%s", ev->port ? ev->port : "", "QFOTA_PHASE=%s",
			      fota_phase_to_string(ev->phase), NULL);
}

void journal_send_event(const struct report_event *ev)
{
	if (!ev->port || !journal_wanted())
		return;
	if (ev->kind == REPORT_RESULT && ev->result)
		send_result(ev);
	else if (ev->kind == REPORT_PHASE)
		send_phase(ev);
}
