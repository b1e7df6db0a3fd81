/* +QIND: "FOTA" URCs as the module prints them, canonical (no spaces, facts
 * §2.4) or with the quirks and faults of model.h applied. */
#include <stdio.h>
#include <string.h>

#include <qfota/cleanup.h>

#include "fota_internal.h"

/* Garbage a noisy port shows between URCs: binary junk, a NUL, half a URC. */
static const char *const garbage[] = {
	"\xff\xfe\x01\x7f junk",
	"+QIND: \"FOTA\"\"",
	"@@~~ %GARBAGE% ~~@@",
	"\x00\x1b[0m\x00",
	/* a console's control bytes and terminal escapes: cursor moves, a title,
	 * a screen clear, backspaces, a bell, DEL, a bare CR mid-line, C1 CSI */
	"\x1b[2J\x1b[H\x1b]0;FOTA\x07\x08\x08\x7f\x0bjunk\rOK",
	"\x9b""31m\x1b(0q\x1b(B\x05\x0e\x0f\x1a",
};

/* What a hostile module (or a hostile device that says it is one) prints:
 * a report that retitles and clears a terminal, one that is not UTF-8
 * (overlong '/', a surrogate, a code point above U+10FFFF, 0xFF), and a
 * well-formed report with a word nobody knows. */
static const char *const hostile[] = {
	"+QIND: \"FOTA\",\"\x1b]0;owned\x07\x1b[2J\"",
	"+QIND: \"FOTA\",\"\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xff\"",
	"+QIND: \"FOTA\",\"ZAPPED\",1",
};

void vm_urc(struct vm_model *m, const char *event, int value, int progress_index)
{
	const struct vm_fault *hf = strcmp(m->st.urcport, "usbat") == 0 ? vm_fault_find(m, VM_FAULT_HOSTILE) : NULL;

	if (hf && m->st.urcs_sent == 0)
		for (int i = 0; i < hf->arg; i++) {
			vm_outs(m, "\r\n");
			vm_outs(m, hostile[i % QFOTA_ARRAY_SIZE(hostile)]);
			vm_outs(m, "\r\n");
		}
	bool space = vm_fault_find(m, VM_FAULT_QUIRK_SPACE) != NULL;
	/* EC200U note 3.3.1.2 (HTTP example): the download phase canonical, the
	 * update phase `"FOTA", "START"`, `"FOTA", "UPDATING", 1`: two firmware
	 * parts, two printers, one sequence. */
	if (vm_fault_find(m, VM_FAULT_URC_MIXED) &&
	    (strcmp(event, "START") == 0 || strcmp(event, "UPDATING") == 0 ||
	     strcmp(event, "RESTORE") == 0 || strcmp(event, "END") == 0))
		space = true;
	bool progress = progress_index > 0;
	char name[32];
	char line[96];

	if (vm_fault_find(m, VM_FAULT_GARBAGE) && strcmp(m->st.urcport, "usbat") == 0) {
		const char *g = garbage[m->st.urcs_sent % QFOTA_ARRAY_SIZE(garbage)];
		size_t glen = g[0] ? strlen(g) : 6;   /* the one starting with NUL is 6 bytes */
		vm_outs(m, "\r\n");
		vm_out(m, g, glen);
		vm_outs(m, "\r\n");
	}
	snprintf(name, sizeof(name), "%s", event);
	/* EC200U note 3.3.1.1 example: "FOTA"," DOWNLOADING",100 */
	if (vm_fault_find(m, VM_FAULT_QUIRK_DOWNLOADING) && strcmp(event, "DOWNLOADING") == 0 &&
	    value == 100)
		snprintf(name, sizeof(name), " DOWNLOADING");
	/* EC200U note 3.3.1.2 example: "FOTA","HTTPPEND",0 */
	if (vm_fault_find(m, VM_FAULT_QUIRK_HTTPPEND) && strcmp(event, "HTTPEND") == 0)
		snprintf(name, sizeof(name), "HTTPPEND");

	const char *sep = space ? ", " : ",";
	int n = snprintf(line, sizeof(line), "+QIND: \"FOTA\"%s\"%s\"", sep, name);
	if (value >= 0) {
		/* XinYi-style "DOWNLOADING", 57% (facts §2.4 quirks) */
		if (progress && vm_fault_find(m, VM_FAULT_QUIRK_PERCENT))
			n += snprintf(line + n, sizeof(line) - (size_t)n, ", %d%%", value);
		else
			n += snprintf(line + n, sizeof(line) - (size_t)n, "%s%d", sep, value);
	}
	/* fwupd: "devices may incorrectly return an incomplete status message 1-2
	 * times": the 2nd and 4th progress URC of a phase are cut after the
	 * first three letters of the event, never START or an END. */
	if (progress && vm_fault_find(m, VM_FAULT_TRUNCATED) &&
	    (progress_index == 2 || progress_index == 4)) {
		const char *q = strstr(line, name);
		n = (int)(q - line) + 3;
		line[n] = '\0';
	}
	m->st.urcs_sent++;
	/* AT+QURCCFG="urcport": one port gets the URCs; another than the AT
	 * interface (usbat): nothing here (facts §7) */
	if (strcmp(m->st.urcport, "usbat") != 0) {
		m->st.lost_urcport++;
		vm_log(m, "urc-elsewhere", line, (size_t)n);
		return;
	}
	vm_outs(m, "\r\n");
	vm_out(m, line, (size_t)n);
	vm_outs(m, "\r\n");
	vm_log(m, "urc", line, (size_t)n);
}
