/* Results and phase changes as structured systemd journal entries, for a
 * fleet to query and forward (journalctl QFOTA_PORT=1-4.2, MESSAGE_ID=...,
 * systemd-journal-upload or any collector). The reporter sends each
 * REPORT_RESULT and REPORT_PHASE here; where there is no journal, nothing
 * happens and nothing is said. QFOTA_JOURNAL=0 turns it off.
 *
 * Fields: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER=qfota, MESSAGE_ID (one per
 * kind: below), QFOTA_PORT, QFOTA_PHASE; results also QFOTA_RESULT
 * (ok|skipped|failed), QFOTA_CODE (the exit code), QFOTA_IMEI, QFOTA_MODEL,
 * QFOTA_FROM, QFOTA_TO (when known), QFOTA_ERRNO (a negative errno), and
 * QFOTA_MODULE_CODE (the module's own error code, when it gave one). */
#ifndef QFOTA_JOURNAL_H
#define QFOTA_JOURNAL_H

#include "qfota/report.h"

#define QFOTA_MESSAGE_ID_UPGRADED "f05b5155f4414291a2148f32dcc5611d"
#define QFOTA_MESSAGE_ID_SKIPPED  "b2cf549810b24c8ca5c78402010ef85b"
#define QFOTA_MESSAGE_ID_FAILED   "c7e2da3d74bc406692de6479a5731445"
#define QFOTA_MESSAGE_ID_PHASE    "b328d95e0fb04226bfc7e292f3f79f02"

/* Sends ev if it is a result or a phase change (strings as the reporter
 * shows them); anything else is ignored. Thread-safe. */
void journal_send_event(const struct report_event *ev);

#endif
