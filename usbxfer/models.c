/* Known Quectel modules: PID -> names, family, AT interface, capabilities.
 * PIDs and AT interfaces from ../shared/QUECTEL_FACTS.md §1 (option.c's PID
 * list, ModemManager's port rules "if #2 AT primary", kernel descriptor dumps).
 * at_interface -1: no descriptor dump is public (EC200S, EC200T, RM500K), so the
 * AT port is found as option.c binds it (discover.c) and refused if ambiguous. */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "qfota/cleanup.h"
#include "qfota/usbxfer.h"

#define Q USBXFER_QUECTEL_VID
#define DFOTA (USBXFER_CAP_QFUPL | USBXFER_CAP_URL)
#define FILEMODE (USBXFER_CAP_FILE_MODE | USBXFER_CAP_URL)

static const struct usbxfer_model models[] = {
	{ Q, 0x0121, "EC21", USBXFER_FAMILY_QUALCOMM, 2, DFOTA },
	{ Q, 0x0125, "EC25/EG25", USBXFER_FAMILY_QUALCOMM, 2, DFOTA },
	/* BG96 takes its package only at the fixed EFS path /fota/update.zip (§3.4). */
	{ Q, 0x0296, "BG96", USBXFER_FAMILY_QUALCOMM, 2, USBXFER_CAP_URL },
	{ Q, 0x0306, "EP06/EG06/EM06", USBXFER_FAMILY_QUALCOMM, 2, DFOTA },
	{ Q, 0x0512, "EM12", USBXFER_FAMILY_QUALCOMM, 2, DFOTA },
	{ Q, 0x0800, "RM500Q/RM502Q/RG501Q", USBXFER_FAMILY_QUALCOMM, 2, DFOTA },
	{ Q, 0x0801, "RM520N", USBXFER_FAMILY_QUALCOMM, 2, DFOTA },
	/* QuecPython: EC600U shares 0901 and MI_02 (§1.3). */
	{ Q, 0x0901, "EC200U/EC600U", USBXFER_FAMILY_UNISOC, 2, FILEMODE },
	{ Q, 0x6002, "EC200S", USBXFER_FAMILY_ASR, -1, FILEMODE },
	{ Q, 0x6026, "EC200T", USBXFER_FAMILY_ASR, -1, FILEMODE },
	{ Q, 0x7001, "RM500K", USBXFER_FAMILY_UNKNOWN, -1, USBXFER_CAP_URL },
};

const char *usbxfer_family_to_string(enum usbxfer_family f)
{
	switch (f) {
	case USBXFER_FAMILY_QUALCOMM: return "qualcomm";
	case USBXFER_FAMILY_UNISOC: return "unisoc";
	case USBXFER_FAMILY_ASR: return "asr";
	default: return "unknown";
	}
}

const struct usbxfer_model *usbxfer_model_find(uint16_t vid, uint16_t pid)
{
	for (size_t i = 0; i < QFOTA_ARRAY_SIZE(models); i++)
		if (models[i].vid == vid && models[i].pid == pid)
			return &models[i];
	return NULL;
}

bool usbxfer_model_matches(const struct usbxfer_model *m, const char *wanted)
{
	size_t wlen;
	const char *p;

	if (!m || !wanted || !*wanted)
		return false;
	/* "EG25-G" is sold as EG25 and says "EG25" in ATI (§2.2). */
	wlen = strcspn(wanted, "-");
	for (p = m->name; *p;) {
		size_t n = strcspn(p, "/");

		if (n == wlen && strncasecmp(p, wanted, n) == 0)
			return true;
		p += n;
		if (*p == '/')
			p++;
	}
	return false;
}
