/* Signals: SIGINT, SIGTERM, SIGHUP and SIGQUIT set qfota's one cancel flag (usbxfer's,
 * async-signal-safe); every loop then returns -ECANCELED and the ordinary
 * error paths release every module and give its driver back. Nothing is
 * released from inside the handler. */
#include <signal.h>

#include "cli.h"

static void on_signal(int sig)
{
	(void)sig;
	usbxfer_cancel_all();
}

void cli_signals_install(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A dropped SSH session (SIGHUP) or Ctrl-\ (SIGQUIT) would otherwise
	 * kill qfota with the interface claimed and the driver unbound. */
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

const volatile sig_atomic_t *cli_cancel_flag(void) { return usbxfer_cancel_flag(); }
