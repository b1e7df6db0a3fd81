/* qfota auto: what qfota-auto@<port>.service runs when a module is plugged
 * in (udev/72-qfota-auto.rules): the policy applied to that one module. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "qfota/error.h"
#include "qfota/exitcode.h"
#include "qfota/station.h"
#include "station_cli.h"

static const char auto_help[] =
	"Usage: qfota auto --port PORT [--policy FILE] [--wait S] [--log FILE] [--timeout-... S]\n"
	"\n"
	"Applies the policy (default " POLICY_DEFAULT_PATH ") to the module on PORT:\n"
	"upgrades it when a rule starts from its revision, skips it when it is at a\n"
	"rule's target, reports it otherwise. Run by qfota-auto@PORT.service when a\n"
	"module is plugged in; logs plain lines to stderr (the journal), appends to the\n"
	"audit log. The policy format: see qfota station --help.\n"
	"\n"
	"Options:\n"
	"  -p, --port PORT         the module's USB port path (the unit's %i)\n"
	"  --policy FILE           the policy (default " POLICY_DEFAULT_PATH ")\n"
	"  --wait S                wait up to S seconds for the module to be usable (default 10)\n"
	"  --retries N             try a failure before the update began again (default 1)\n"
	"  --cid N --apn APN  --upgrade-mode 0|1  --download-urcs N  --update-urcs N\n"
	STATION_CLI_TIMEOUT_HELP
	"  --json                  JSON events on stdout\n"
	"  --log FILE              the audit log (default as qfota upgrade)\n"
	"\n"
	"Exit code: 0 upgraded or skipped (at the target); 2 bad arguments or policy\n"
	"(nothing sent); 3 no usable module on PORT within --wait; 1 no rule for the\n"
	"module's model or revision; otherwise as qfota upgrade (see qfota --help).\n";

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* The unit starts on the "add" uevent: the module may still be settling (the
 * kernel binding option, the AT interface not listed yet). Waits until a
 * Quectel module with a usable AT interface is on port. */
static int wait_usable(const char *port, unsigned wait_ms, const volatile sig_atomic_t *cancel)
{
	struct usbxfer_select sel = { .port = port };

	for (unsigned waited = 0;; waited += 100) {
		struct usbxfer_module *m = NULL;
		size_t n = 0;
		int r = usbxfer_discover(&sel, &m, &n);
		bool ok = r == 0 && n == 1 && m[0].at_interface >= 0;

		free(m);
		if (ok)
			return 0;
		if (waited >= wait_ms)
			return r < 0 ? r : -ENOENT;
		if (*cancel)
			return -ECANCELED;
		sleep_ms(100);
	}
}

int cmd_auto(int argc, char **argv)
{
	struct station_cli c;
	struct policy *policy = NULL;
	int r;

	r = station_cli_parse("auto", auto_help, true, argc, argv, &c);
	if (r != 0) {
		station_cli_clear(&c);
		return r < 0 ? QFOTA_EXIT_OK : r;
	}
	r = station_cli_policy("auto", c.policy_path ? c.policy_path : POLICY_DEFAULT_PATH, &c.job, &policy);
	if (r != 0) {
		station_cli_clear(&c);
		return r;
	}
	r = wait_usable(c.ports[0], c.wait_ms, cli_cancel_flag());
	if (r < 0) {
		fprintf(stderr, "qfota auto: %s: %s within %u s\n", c.ports[0],
			r == -ENOENT ? "no Quectel module with a usable AT interface" : qfota_strerror(r),
			c.wait_ms / 1000);
		r = r == -ECANCELED ? QFOTA_EXIT_INTERRUPTED : QFOTA_EXIT_NO_MODULE;
	} else {
		r = station_cli_run("auto", &c, policy, c.ports, 1, stderr, false);
	}
	policy_free(policy);
	station_cli_clear(&c);
	return r;
}
