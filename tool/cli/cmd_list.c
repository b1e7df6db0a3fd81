/* qfota list: every Quectel module on the bus, one per line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "cli.h"
#include "qfota/error.h"
#include "qfota/exitcode.h"

static const char help[] =
	"Usage: qfota list [SELECTOR] [--json]\n"
	"\n"
	"Lists Quectel modules without claiming them: port, USB ID, model, AT\n"
	"interface and the kernel driver bound to it. One module per line on stdout.\n"
	"\n" CLI_SELECT_HELP
	"  --json                 one JSON object per module\n"
	"  -h, --help             this help\n";

static void print_json(const struct usbxfer_module *m)
{
	json_object *o = json_object_new_object();
	char id[10];

	snprintf(id, sizeof(id), "%04x:%04x", m->vid, m->pid);
	json_object_object_add(o, "port", json_object_new_string(m->port));
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "model", json_object_new_string(m->model_name));
	json_object_object_add(o, "at_interface", json_object_new_int(m->at_interface));
	json_object_object_add(o, "driver", json_object_new_string(m->driver));
	json_object_object_add(o, "serial", json_object_new_string(m->serial));
	if (m->note[0])
		json_object_object_add(o, "note", json_object_new_string(m->note));
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

int cmd_list(int argc, char **argv)
{
	struct cli_select sel = { 0 };
	struct usbxfer_module *all = NULL;
	bool json = cli_global()->json;
	size_t n = 0;
	int r;

	r = cli_parse_select_only("list", argc, argv, help, &sel, &json);
	if (r >= 0)
		return r;
	r = usbxfer_discover(&(struct usbxfer_select){ .port = sel.port, .serial = sel.serial, .model = sel.model,
						       .vid = sel.vid, .pid = sel.pid },
			     &all, &n);
	if (r < 0) {
		fprintf(stderr, "qfota list: cannot list USB devices: %s\n", qfota_strerror(r));
		return QFOTA_EXIT_FAILED;
	}
	for (size_t i = 0; i < n; i++) {
		if (json) {
			print_json(&all[i]);
			continue;
		}
		printf("%-10s %04x:%04x %-16s at=%d driver=%s%s%s%s%s\n", all[i].port, all[i].vid, all[i].pid,
		       all[i].model_name, all[i].at_interface, all[i].driver[0] ? all[i].driver : "none",
		       all[i].serial[0] ? " serial=" : "", all[i].serial, all[i].note[0] ? " note=" : "", all[i].note);
	}
	if (n == 0 && !json)
		fprintf(stderr, "qfota list: no Quectel module found\n");
	free(all);
	return QFOTA_EXIT_OK;
}
