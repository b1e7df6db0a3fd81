/* Fault specs: "name" or "name:arg" (model.h lists them). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <qfota/cleanup.h>

#include "model.h"

static const struct {
	const char *name;
	enum vm_fault_kind kind;
	int arg;               /* 0 none, 1 required, 2 optional */
} faults[] = {
	{ "code", VM_FAULT_CODE, 1 },
	{ "code-at", VM_FAULT_CODE_AT, 1 },
	{ "error", VM_FAULT_CMD_ERROR, 0 },
	{ "cme", VM_FAULT_CME_ERROR, 1 },
	{ "unplug-byte", VM_FAULT_UNPLUG_BYTE, 1 },
	{ "unplug-update", VM_FAULT_UNPLUG_UPDATE, 1 },
	{ "no-end", VM_FAULT_NO_END, 0 },
	{ "end-no-reboot", VM_FAULT_END_NO_REBOOT, 0 },
	{ "reboot-no-end", VM_FAULT_REBOOT_NO_END, 0 },
	{ "garbage", VM_FAULT_GARBAGE, 0 },
	{ "truncated", VM_FAULT_TRUNCATED, 0 },
	{ "quirk-space", VM_FAULT_QUIRK_SPACE, 0 },
	{ "quirk-downloading", VM_FAULT_QUIRK_DOWNLOADING, 0 },
	{ "quirk-httppend", VM_FAULT_QUIRK_HTTPPEND, 0 },
	{ "quirk-percent", VM_FAULT_QUIRK_PERCENT, 0 },
	{ "other-port", VM_FAULT_OTHER_PORT, 0 },
	{ "never-back", VM_FAULT_NEVER_BACK, 0 },
	{ "imei-change", VM_FAULT_IMEI_CHANGE, 0 },
	{ "nak", VM_FAULT_NAK, 0 },
	{ "hostile", VM_FAULT_HOSTILE, 1 },
	{ "boot-silent", VM_FAULT_BOOT_SILENT, 2 },
	{ "strict-syntax", VM_FAULT_STRICT_SYNTAX, 0 },
	{ "cache-ufs", VM_FAULT_CACHE_UFS, 0 },
	{ "no-drain", VM_FAULT_NO_DRAIN, 0 },
	{ "ack-strict", VM_FAULT_ACK_STRICT, 0 },
	{ "ack-lossy", VM_FAULT_ACK_LOSSY, 0 },
	{ "back-edl", VM_FAULT_BACK_EDL, 0 },
	{ "back-rndis", VM_FAULT_BACK_RNDIS, 0 },
	{ "slow-reboot", VM_FAULT_SLOW_REBOOT, 1 },
	{ "urcport-modem", VM_FAULT_URCPORT_MODEM, 0 },
	{ "urc-mixed", VM_FAULT_URC_MIXED, 0 },
	{ "restore", VM_FAULT_RESTORE, 0 },
	{ "updating-zero", VM_FAULT_UPDATING_ZERO, 0 },
	{ "steps-irregular", VM_FAULT_STEPS_IRREGULAR, 0 },
	{ "field", VM_FAULT_FIELD, 0 },
};

const char *vm_fault_kind_to_string(enum vm_fault_kind k)
{
	if (k == VM_FAULT_NONE)
		return "none";
	for (size_t i = 0; i < QFOTA_ARRAY_SIZE(faults); i++)
		if (faults[i].kind == k)
			return faults[i].name;
	return "?";
}

static const char *const events[] = { [VM_FE_FILEEND] = "FILEEND", [VM_FE_FTPEND] = "FTPEND",
				       [VM_FE_HTTPEND] = "HTTPEND", [VM_FE_END] = "END" };

/* Grammar: NAME | NAME ":" DECIMAL | "code-at:" EVENT ":" DECIMAL.
 * Arguments: code and code-at 1..999, cme 0..9999,
 * unplug-byte >= 0, unplug-update 0..100, hostile 1..1000. */
int vm_fault_parse(const char *spec, struct vm_fault *ret)
{
	if (!spec || !ret)
		return -EINVAL;
	const char *colon = strchr(spec, ':');
	size_t nlen = colon ? (size_t)(colon - spec) : strlen(spec);
	for (size_t i = 0; i < QFOTA_ARRAY_SIZE(faults); i++) {
		if (strlen(faults[i].name) != nlen || strncmp(spec, faults[i].name, nlen) != 0)
			continue;
		long arg = 0;
		enum vm_fault_event at = VM_FE_NONE;
		if (faults[i].kind == VM_FAULT_CODE_AT && colon) {
			const char *c2 = strchr(colon + 1, ':');
			for (size_t e = VM_FE_FILEEND; c2 && e <= VM_FE_END; e++)
				if (strlen(events[e]) == (size_t)(c2 - colon - 1) &&
				    strncmp(colon + 1, events[e], (size_t)(c2 - colon - 1)) == 0)
					at = (enum vm_fault_event)e;
			if (at == VM_FE_NONE)
				return -EINVAL;
			colon = c2;
		}
		if (faults[i].arg != 2 && faults[i].arg != !!colon)
			return -EINVAL;
		if (colon) {
			char *end;
			errno = 0;
			arg = strtol(colon + 1, &end, 10);
			if (errno || end == colon + 1 || *end || arg < 0)
				return -EINVAL;
		}
		if (((faults[i].kind == VM_FAULT_CODE || faults[i].kind == VM_FAULT_CODE_AT) &&
		     (arg < 1 || arg > 999)) ||
		    (faults[i].kind == VM_FAULT_CME_ERROR && arg > 9999) ||
		    (faults[i].kind == VM_FAULT_UNPLUG_UPDATE && arg > 100) ||
		    (faults[i].kind == VM_FAULT_HOSTILE && (arg < 1 || arg > 1000)) ||
		    (faults[i].kind == VM_FAULT_BOOT_SILENT && arg > 600000))
			return -EINVAL;
		ret->kind = faults[i].kind;
		ret->arg = arg;
		ret->at = at;
		return 0;
	}
	return -EINVAL;
}
