/* qfota station: many modules at once (include/qfota/station.h). */
#include <stdio.h>
#include <stdlib.h>

#include "qfota/error.h"
#include "qfota/exitcode.h"
#include "qfota/station.h"
#include "station_cli.h"

static const char station_help[] =
	"Usage: qfota station (--all [-m MODEL] [-d VID:PID] | -p PORT [-p PORT]...) PACKAGE\n"
	"       qfota station ... --url URL | --url-file FILE | --upload PACKAGE\n"
	"       qfota station ... [--policy FILE]\n"
	"       qfota station --plan ...\n"
	"       qfota station --watch (--all ... | -p PORT...) ...\n"
	"\n"
	"Upgrades every selected module at once, each on its own: one module's failure,\n"
	"hang, unplug or slow reboot never stalls or fails another.\n"
	"  PACKAGE, --url URL, --url-file FILE, --upload PACKAGE   the same for every\n"
	"                         module (see qfota upgrade)\n"
	"  --policy FILE   per module by its model and revision (default " POLICY_DEFAULT_PATH "\n"
	"                  when no package is given); modules at the target are skipped\n"
	"\n"
	"Modules:\n"
	"  --all                  every Quectel module (narrowed by -m, -d, -s)\n"
	"  -p, --port PORT        the module on PORT; repeat for several\n"
	"  -m, --model MODEL      -d, --device VID:PID   -s, --serial SERIAL\n"
	"\n"
	"Options:\n"
	"  --plan                  a dry run: for every module its port, model, revision,\n"
	"                          IMEI, rule, package (size, SHA-256), free space on the\n"
	"                          module (AT+QFLDS) and verdict: upgrade (hops), skip, no\n"
	"                          rule, does not fit, busy. No firmware is touched; each\n"
	"                          module is released with its driver back. Exit 0 when\n"
	"                          every module would be upgraded or is at its target, else 1\n"
"  --watch                 run until stopped (Ctrl-C): every module plugged in on\n"
	"                          the ports (or anywhere, with --all) is upgraded as it\n"
	"                          arrives; a row keeps its last result, IMEI and duration\n"
	"                          until the next module; results as they end, the summary\n"
	"                          of every module at the end; --metrics rewritten after\n"
	"                          each result\n"
	"  --expect REV            a module already at REV is skipped; others must reach it\n"
	"  --sha256 HEX            the package's SHA-256: checked before anything is sent\n"
	"  --cid N --apn APN  --upload-name NAME  --ufs-path DIR  --upgrade-mode 0|1\n"
	"  --download-urcs N  --update-urcs N    as for qfota upgrade\n"
	STATION_CLI_TIMEOUT_HELP
	"                          (each module has its own deadlines)\n"
	"  --json                  JSON events on stdout, each with its \"port\"; then\n"
	"                          {\"event\":\"summary\",...}\n"
	"  --retries N             try a failure before the update began (exit 5) again,\n"
	"                          up to N times (0-10, default 1), after a pause\n"
	"  --log FILE              one audit line per attempt (default as qfota upgrade)\n"
	"  --metrics FILE          results per model and outcome and upgrade durations in\n"
	"                          the Prometheus text format (node_exporter's textfile\n"
	"                          collector: written to FILE.tmp.PID, then renamed)\n"
	"\n"
	"Output: on a terminal a live table (port, model, IMEI, phase, %, rate, elapsed,\n"
	"result); otherwise lines prefixed with the port. Results and a summary (counts,\n"
	"then each failure's port and message) on stdout.\n"
	"\n"
	"Policy file: one rule per line, KEY=VALUE fields, '#' comments:\n"
	"  model=EC200U from=EC200UCNAAR03A15M08 to=EC200UCNAAR03A16M08 file=/srv/fota/a.pack\n"
	"  model=EC200U from=EC200UCNAAR03A16M08 to=EC200UCNAAR03A17M08 url=http://host/b.pack\n"
	"  model=EG25 from=EG25GGBR07A08M2G to=EG25GGBR07A09M2G upload=/srv/fota/c.zip\n"
	"model (as ATI names it), from, to, and one of file=/url=/upload= (absolute path or\n"
	"URL) are required; upload-name= and sha256=HEX (file=/upload= only: the package's\n"
	"SHA-256, checked when the policy is loaded and as it is sent) are optional. A module whose revision no rule\n"
	"starts from is skipped when a rule leads to it, else reported (never guessed).\n"
	"A malformed policy is refused (FILE:LINE: reason, exit 2) before anything is sent.\n"
	"\n"
	"Exit code: 0 when every module was upgraded or skipped (already at the target).\n"
	"Otherwise the first of these that a failed module has: 10 (still updating:\n"
	"qfota follow it), 6, 7, 8, 9, 5, 4, 3, 1, 130 (see qfota --help); 2 for bad\n"
	"arguments or policy (nothing sent). Ctrl-C: modules still downloading stop and\n"
	"are released; modules updating are left to finish (follow them with qfota follow).\n";

int cmd_station(int argc, char **argv)
{
	struct station_cli c;
	struct policy *policy = NULL;
	struct usbxfer_module *found = NULL;
	const char **ports = NULL;
	size_t n = 0;
	int r;

	r = station_cli_parse("station", station_help, false, argc, argv, &c);
	if (r != 0) {
		station_cli_clear(&c);
		return r < 0 ? QFOTA_EXIT_OK : r;
	}
	if (c.n_sources) {
		struct report_result res;

		if (fota_job_check(&c.job, &res) < 0) {
			fprintf(stderr, "qfota station: %s\n", res.message);
			station_cli_clear(&c);
			return QFOTA_EXIT_USAGE;
		}
	} else {
		r = station_cli_policy("station", c.policy_path ? c.policy_path : POLICY_DEFAULT_PATH, &c.job, &policy);
		if (r != 0) {
			station_cli_clear(&c);
			return r;
		}
	}
	if (c.n_ports || c.watch) { /* --watch --all: modules are found as they arrive */
		ports = c.ports;
		n = c.n_ports;
	} else {
		struct usbxfer_select sel = { .serial = c.filter.serial, .model = c.filter.model, .vid = c.filter.vid,
					      .pid = c.filter.pid };

		r = usbxfer_discover(&sel, &found, &n);
		if (r < 0) {
			fprintf(stderr, "qfota station: cannot list USB devices: %s\n", qfota_strerror(r));
			r = QFOTA_EXIT_FAILED;
		} else if (n == 0) {
			fprintf(stderr, "qfota station: no Quectel module found. Are they plugged in, and may you open "
				"them (see README: udev rules)?\n");
			r = QFOTA_EXIT_USAGE;
		} else if (!(ports = calloc(n, sizeof(*ports)))) {
			r = QFOTA_EXIT_FAILED;
		} else {
			for (size_t i = 0; i < n; i++)
				ports[i] = found[i].port;
		}
		if (r != 0) {
			free(found);
			policy_free(policy);
			station_cli_clear(&c);
			return r;
		}
	}
	if (c.plan)
		r = station_cli_plan(&c, policy, ports, n);
	else
		r = station_cli_run("station", &c, policy, ports, n, stdout, true);
	if (found)
		free(ports);
	free(found);
	policy_free(policy);
	station_cli_clear(&c);
	return r;
}
