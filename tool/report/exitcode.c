/* The one mapping from (errno, phase) to an exit code (include/qfota/exitcode.h). */
#include <errno.h>
#include <stdbool.h>

#include "qfota/exitcode.h"

int qfota_exit_for(int err, enum fota_phase phase, bool module_reported, bool update_begun)
{
	/* Exit 5 says "safe to retry", and a station retries it: never once the
	 * update has begun, whatever phase qfota was in (a DFOTA module's reboot
	 * into its updater, a claim that fails with EIO after it, is not). */
	bool before_update = phase < FOTA_PHASE_UPDATE && !update_begun;

	if (err == 0 || err == -EALREADY) /* -EALREADY: already at the target, not a failure */
		return QFOTA_EXIT_OK;
	if (err == -ECANCELED && update_begun) /* stopped following, never the upgrade */
		return QFOTA_EXIT_STILL_UPDATING;
	/* Preflight failures are bad input: nothing was sent to any module. */
	if (phase == FOTA_PHASE_PREFLIGHT)
		return QFOTA_EXIT_USAGE;
	if (module_reported)
		return before_update ? QFOTA_EXIT_DOWNLOAD : QFOTA_EXIT_UPDATE;
	switch (err) {
	case -ENOENT:
	case -ENOTUNIQ:
		return phase <= FOTA_PHASE_CONNECT ? QFOTA_EXIT_NO_MODULE : QFOTA_EXIT_LOST;
	case -EOPNOTSUPP:
	case -ENXIO: /* no usable AT interface */
		return QFOTA_EXIT_NO_MODULE;
	case -EINPROGRESS: /* --upgrade-mode 0: the package waits for a reboot */
		return QFOTA_EXIT_STILL_UPDATING;
	case -ENOSPC:
	case -ESTALE: /* the package changed while it streamed: stopped before its end */
		return QFOTA_EXIT_DOWNLOAD;
	case -EBUSY:
	case -EACCES:
	case -EPERM:
		return QFOTA_EXIT_ACCESS;
	case -ENODEV:
		return QFOTA_EXIT_LOST;
	case -ETIMEDOUT:
		return QFOTA_EXIT_TIMEOUT;
	case -ECANCELED:
		return before_update ? QFOTA_EXIT_INTERRUPTED : QFOTA_EXIT_STILL_UPDATING;
	case -EPROTO:
		return phase == FOTA_PHASE_VERIFY ? QFOTA_EXIT_VERIFY : QFOTA_EXIT_FAILED;
	case -EIO:
		return before_update ? QFOTA_EXIT_DOWNLOAD : QFOTA_EXIT_FAILED;
	case -ENOPKG: /* the policy has no rule for this module */
	default:
		return QFOTA_EXIT_FAILED;
	}
}

const char *qfota_exit_to_string(int code)
{
	switch (code) {
	case QFOTA_EXIT_OK: return "success";
	case QFOTA_EXIT_FAILED: return "failed";
	case QFOTA_EXIT_USAGE: return "bad arguments or input; nothing was sent to any module";
	case QFOTA_EXIT_NO_MODULE: return "the module cannot do this (no usable AT interface, or the mode is not supported)";
	case QFOTA_EXIT_ACCESS: return "the module is busy or access was denied";
	case QFOTA_EXIT_DOWNLOAD: return "failed before the update began; safe to retry";
	case QFOTA_EXIT_UPDATE: return "the module reported a failed update; do not retry blindly";
	case QFOTA_EXIT_LOST: return "the module vanished, did not come back, or came back as another module";
	case QFOTA_EXIT_VERIFY: return "the module did not show the expected revision afterwards";
	case QFOTA_EXIT_TIMEOUT: return "a deadline passed";
	case QFOTA_EXIT_STILL_UPDATING: return "stopped following; the module is still updating";
	case QFOTA_EXIT_INTERRUPTED: return "interrupted before the update began; module released";
	default: return "unknown exit code";
	}
}
