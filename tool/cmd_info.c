/* qfota info: who a module is (model, revision, IMEI), asked over AT. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "qfota/at.h"
#include "qfota/error.h"
#include "qfota/exitcode.h"
#include "qfota/lock.h"
#include "qfota/text.h"

static const char help[] =
	"Usage: qfota info [SELECTOR] [--json]\n"
	"\n"
	"Claims the module's AT interface for a moment and prints its model, firmware\n"
	"revision (ATI, AT+QGMR) and IMEI (AT+CGSN); then gives the interface back to\n"
	"the kernel driver. Do not use it on a module that is updating.\n"
	"\n" CLI_SELECT_HELP
	"  --json                 one JSON object\n"
	"  -h, --help             this help\n";

/* The first line of an information response, or "". */
static void first_line(const char *info, const char *prefix, char *out, size_t cap)
{
	for (const char *p = info; *p;) {
		size_t len = strcspn(p, "\n");

		if (!prefix || strncmp(p, prefix, strlen(prefix)) == 0) {
			size_t skip = prefix ? strlen(prefix) : 0;

			snprintf(out, cap, "%.*s", (int)(len - skip), p + skip);
			return;
		}
		p += len + (p[len] == '\n');
	}
	out[0] = '\0';
}

int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = { CLI_SELECT_LONG, { "json", no_argument, NULL, 'j' },
					      { "help", no_argument, NULL, 'h' }, { 0 } };
	struct cli_select sel = { 0 };
	struct usbxfer_module m;
	struct usbxfer_link *link = NULL;
	_cleanup_lock_ struct qfota_lock *lock = NULL;
	pid_t holder = 0;
	struct at_channel *at = NULL;
	struct at_response ati, gmr, gsn;
	char model[40] = "", rev[80], full[96], imei[32];
	bool json = cli_global()->json;
	int opt, r;

	optind = 0; /* 0, not 1: glibc then forgets main's "+" (stop at the first non-option) */
	while ((opt = getopt_long(argc, argv, "hj" CLI_SELECT_SHORT, opts, NULL)) != -1) {
		r = cli_select_option("info", opt, optarg, &sel);
		if (r < 0)
			return QFOTA_EXIT_USAGE;
		if (r > 0)
			continue;
		if (opt == 'h') {
			fputs(help, stdout);
			return QFOTA_EXIT_OK;
		}
		if (opt == 'j') {
			json = true;
			continue;
		}
		return cli_usage_error("info", "unknown option");
	}
	if (optind < argc)
		return cli_usage_error("info", "unexpected argument '%s'", argv[optind]);
	r = cli_select_one("info", &sel, &m);
	if (r)
		return r;
	/* One qfota per module: info's ATI between the reboots of another
	 * qfota's upgrade would be the very interleaving the lock prevents. */
	r = qfota_lock_port(m.port, &holder, &lock);
	if (r == -EBUSY) {
		fprintf(stderr, "qfota info: port %s is busy: qfota (PID %ld) is already working on it\n", m.port,
			(long)holder);
		return QFOTA_EXIT_ACCESS;
	}
	if (r < 0) {
		fprintf(stderr, "qfota info: cannot lock port %s: %s (set QFOTA_LOCK_DIR?)\n", m.port, qfota_strerror(r));
		return QFOTA_EXIT_FAILED;
	}
	r = usbxfer_link_open(m.port, -1, &link);
	if (r < 0) {
		fprintf(stderr, "qfota info: cannot claim the module on %s: %s\n", m.port, qfota_strerror(r));
		return r == -EBUSY || r == -EACCES ? QFOTA_EXIT_ACCESS : QFOTA_EXIT_FAILED;
	}
	r = at_channel_new(link, NULL, NULL, &at);
	if (r == 0)
		r = at_command(at, "ATI", 2000, &ati);
	if (r == 0)
		r = at_command(at, "AT+CGSN", 2000, &gsn);
	if (r == 0 && at_command(at, "AT+QGMR", 2000, &gmr) != 0)
		gmr.info[0] = '\0';
	at_channel_free(at);
	usbxfer_link_close(link);
	if (r < 0) {
		fprintf(stderr, "qfota info: the module on %s did not answer: %s\n", m.port, qfota_strerror(r));
		return QFOTA_EXIT_FAILED;
	}
	/* ATI: "Quectel\n<model>\nRevision: <rev>\n" (facts §2.2) */
	{
		const char *nl = strchr(ati.info, '\n');

		if (nl)
			first_line(nl + 1, NULL, model, sizeof(model));
	}
	first_line(ati.info, "Revision: ", rev, sizeof(rev));
	first_line(gmr.info, NULL, full, sizeof(full));
	first_line(gsn.info, NULL, imei, sizeof(imei));
	/* what the module said, shown safely (qfota/text.h) */
	if (json) {
		json_object *o = json_object_new_object();

		text_utf8_sanitise(model);
		text_utf8_sanitise(rev);
		text_utf8_sanitise(full);
		text_utf8_sanitise(imei);

		json_object_object_add(o, "port", json_object_new_string(m.port));
		json_object_object_add(o, "model", json_object_new_string(model));
		json_object_object_add(o, "revision", json_object_new_string(rev));
		json_object_object_add(o, "full_revision", json_object_new_string(full));
		json_object_object_add(o, "imei", json_object_new_string(imei));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		char e_model[4 * sizeof(model)], e_rev[4 * sizeof(rev)], e_full[4 * sizeof(full)], e_imei[4 * sizeof(imei)];

		printf("port:      %s\nmodel:     %s\nrevision:  %s\nfull:      %s\nimei:      %s\n", m.port,
		       text_display_escape(model, e_model, sizeof(e_model)), text_display_escape(rev, e_rev, sizeof(e_rev)),
		       text_display_escape(full, e_full, sizeof(e_full)), text_display_escape(imei, e_imei, sizeof(e_imei)));
	}
	return QFOTA_EXIT_OK;
}
