/* qfota info: who a module is (model, revision, IMEI), asked over AT. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "qfota/at.h"
#include "qfota/cleanup.h"
#include "qfota/fota.h"
#include "qfota/error.h"
#include "qfota/exitcode.h"
#include "qfota/text.h"

static const char help[] =
	"Usage: qfota info [SELECTOR] [--json]\n"
	"\n"
	"Locks the module's port, claims its AT interface for a moment and prints its\n"
	"model, firmware revision (ATI, AT+QGMR) and IMEI (AT+CGSN); then gives the\n"
	"interface back to the kernel driver. Do not use it on a module that is\n"
	"updating: while another qfota works on the port, info says it is busy.\n"
	"\n" CLI_SELECT_HELP
	"  --json                 one JSON object\n"
	"  -h, --help             this help\n";

/* The first line of an information response, or "". */
static void first_line(const char *info, char *out, size_t cap)
{
	snprintf(out, cap, "%.*s", (int)strcspn(info, "\n"), info);
}

int cmd_info(int argc, char **argv)
{
	struct cli_select sel = { 0 };
	struct usbxfer_module m;
	_cleanup_(fota_session_closep) struct fota_session *s = NULL;
	struct fota_timeouts t;
	struct report_result res = { 0 };
	struct at_response gmr;
	char full[96];
	bool json = cli_global()->json;
	int r;

	r = cli_parse_select_only("info", argc, argv, help, &sel, &json);
	if (r >= 0)
		return r;
	r = cli_select_one("info", &sel, &m);
	if (r)
		return r;
	/* The module session every subcommand uses: the port's lock (not while
	 * another qfota upgrades it), the claim, ATE0, ATI and AT+CGSN. */
	fota_timeouts_default(&t);
	r = fota_session_open(m.port, t.command_ms, &res, &s);
	if (r < 0) {
		fprintf(stderr, "qfota info: %s\n", res.message);
		return qfota_exit_for(r, FOTA_PHASE_CONNECT, false, false);
	}
	if (at_command(fota_session_at(s), "AT+QGMR", t.command_ms, &gmr) != 0)
		gmr.info[0] = '\0';
	first_line(gmr.info, full, sizeof(full));
	/* what the module said, shown safely (qfota/text.h) */
	if (json) {
		json_object *o = json_object_new_object();

		text_utf8_sanitise(res.model);
		text_utf8_sanitise(res.from);
		text_utf8_sanitise(full);
		text_utf8_sanitise(res.imei);

		json_object_object_add(o, "port", json_object_new_string(m.port));
		json_object_object_add(o, "model", json_object_new_string(res.model));
		json_object_object_add(o, "revision", json_object_new_string(res.from));
		json_object_object_add(o, "full_revision", json_object_new_string(full));
		json_object_object_add(o, "imei", json_object_new_string(res.imei));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		char e_model[4 * sizeof(res.model)], e_rev[4 * sizeof(res.from)], e_full[4 * sizeof(full)],
			e_imei[4 * sizeof(res.imei)];

		printf("port:      %s\nmodel:     %s\nrevision:  %s\nfull:      %s\nimei:      %s\n", m.port,
		       text_display_escape(res.model, e_model, sizeof(e_model)),
		       text_display_escape(res.from, e_rev, sizeof(e_rev)), text_display_escape(full, e_full, sizeof(e_full)),
		       text_display_escape(res.imei, e_imei, sizeof(e_imei)));
	}
	return QFOTA_EXIT_OK;
}
