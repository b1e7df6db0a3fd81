/* build/vmodule-redir: virtual Quectel modules for qemu's usb-redir, one
 * unix socket per module, all in one single-threaded process. See usage()
 * and README.md beside this file. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "redir.h"

/* An array bound only (the modules, their poll entries): nothing else counts
 * them. qemu sets the practical limit: 15 USB 2.0 ports a qemu-xhci
 * controller (tests/kernel/host.sh). */
#define MAX_MODULES 64
#define STR(x) #x
#define XSTR(x) STR(x)

static void usage(FILE *f)
{
	fputs("Usage: vmodule-redir [OPTIONS] --socket PATH [MODULE OPTIONS] [--socket PATH [MODULE OPTIONS]]...\n"
	      "\n"
	      "Virtual Quectel modules for qemu's usb-redir device. Each --socket starts a module: it\n"
	      "listens on PATH and qemu connects to it with\n"
	      "  -chardev socket,id=ur0,path=PATH,server=off -device usb-redir,chardev=ur0,bus=hc.0,port=N\n"
	      "Options before the first --socket apply to every module, after it to that module only.\n"
	      "Runs until every module's qemu connection has come and gone, or SIGTERM/SIGINT.\n"
	      "  -s, --socket PATH      a module on this socket\n"
	      "  -p, --profile NAME     ec200u (default), eg25, ep06\n"
	      "  -b, --port PORT        the guest-side port the module is on (default 1-1, 1-2, ...)\n"
	      "  -P, --pace NAME        fast (default), demo, usb2\n"
	      "  -f, --fault SPEC       a fault (repeatable; see build/vmodule --help)\n"
	      "  -i, --imei DIGITS      14 digits (a Luhn digit is added; default 86605003444300 + module)\n"
	      "  -r, --record FILE      write what each module saw to FILE at the end\n"
	      "  -v, --verbose          log the parser's messages too\n"
	      "  -h, --help             this text\n",
	      f);
}

struct module_opts {
	const char *socket, *port, *imei;
	const struct vm_profile *profile;
	struct vm_pacing pacing;
	struct vm_fault faults[VM_MAX_FAULTS];
	size_t n_faults;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

uint64_t redir_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void redir_log(const struct rmod *m, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vmodule-redir %s: ", m->port);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int bad(const char *fmt, const char *arg)
{
	fputs("vmodule-redir: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 2;
}

/* Luhn check digit of a 14-digit IMEI body. */
static char luhn(const char *body)
{
	int sum = 0;

	for (size_t i = 0; i < 14; i++) {
		int d = body[13 - i] - '0';
		if (i % 2 == 0 && (d *= 2) > 9)
			d -= 9;
		sum += d;
	}
	return (char)('0' + (10 - sum % 10) % 10);
}

static int module_new(struct rmod *m, const struct module_opts *o, unsigned idx, bool verbose, uint64_t now)
{
	struct vm_model_config cfg = { .profile = o->profile, .pacing = o->pacing, .n_faults = o->n_faults };
	char imei[16];
	uint64_t body;

	memset(m, 0, sizeof(*m));
	m->listen_fd = m->fd = -1;
	if (o->port)
		snprintf(m->port, sizeof(m->port), "%s", o->port);
	else
		snprintf(m->port, sizeof(m->port), "1-%u", idx + 1);
	if (snprintf(m->socket_path, sizeof(m->socket_path), "%s", o->socket) >= (int)sizeof(m->socket_path) - 4)
		return -ENAMETOOLONG;
	body = strtoull(o->imei, NULL, 10) / (strlen(o->imei) == 15 ? 10 : 1) + idx;
	snprintf(imei, sizeof(imei), "%014" PRIu64, (uint64_t)(body % 100000000000000u));
	imei[14] = luhn(imei);
	imei[15] = '\0';
	memcpy(cfg.faults, o->faults, sizeof(cfg.faults));
	cfg.port = m->port;
	cfg.imei = imei;
	m->profile = o->profile;
	m->pacing = o->pacing;
	m->verbose = verbose;
	if (!(m->model = vm_model_new(&cfg, now)))
		return errno ? -errno : -EINVAL;
	m->model_next_ns = vm_model_next_ns(m->model);
	redir_link_init(m);
	return redir_conn_listen(m);
}

static void module_free(struct rmod *m)
{
	redir_conn_free(m);
	vm_model_free(m->model);
	m->model = NULL;
}

static void write_record(struct rmod *mods, size_t n, FILE *out)
{
	for (size_t i = 0; i < n; i++) {
		const struct redir_counters *c = &mods[i].count;
		const char *p = mods[i].port;

		vm_model_write_record(mods[i].model, out);
		fprintf(out, "%s redir_device_connects %u\n", p, c->device_connects);
		fprintf(out, "%s redir_device_disconnects %u\n", p, c->device_disconnects);
		fprintf(out, "%s redir_resets %u\n", p, c->resets);
		fprintf(out, "%s redir_cancels %u\n", p, c->cancels);
		fprintf(out, "%s redir_stalls %u\n", p, c->stalls);
		fprintf(out, "%s redir_at_out_bytes %" PRIu64 "\n", p, c->at_out_bytes);
		fprintf(out, "%s redir_at_in_bytes %" PRIu64 "\n", p, c->at_in_bytes);
	}
}

/* Every module's peer came and went: qemu has quit. */
static bool all_done(const struct rmod *mods, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!mods[i].ever_connected || mods[i].fd >= 0)
			return false;
	return true;
}

/* One pass: run what is due, then sleep in ppoll() (signals unblocked only
 * there) until a socket is ready or the earliest module wants to run. */
static void run(struct rmod *mods, size_t n, const sigset_t *waitmask)
{
	struct pollfd pfd[2 * MAX_MODULES];

	while (!stop_signal && !all_done(mods, n)) {
		uint64_t now = redir_now_ns(), next = VM_NEVER;
		size_t k = 0;

		for (size_t i = 0; i < n; i++) {
			redir_link_run(&mods[i], now);
			redir_conn_flush(&mods[i]);
			uint64_t t = redir_link_next_ns(&mods[i]);
			if (t < next)
				next = t;
		}
		for (size_t i = 0; i < n; i++) {
			pfd[k++] = (struct pollfd){ mods[i].fd >= 0 ? -1 : mods[i].listen_fd, POLLIN, 0 };
			pfd[k++] = (struct pollfd){ mods[i].fd,
						    (short)(POLLIN | (redir_conn_wants_write(&mods[i]) ? POLLOUT : 0)), 0 };
		}
		struct timespec ts, *tsp = NULL;
		if (next != VM_NEVER) {
			uint64_t d = next > now ? next - now : 0;
			ts = (struct timespec){ (time_t)(d / 1000000000u), (long)(d % 1000000000u) };
			tsp = &ts;
		}
		if (ppoll(pfd, k, tsp, waitmask) < 0) {
			if (errno == EINTR)
				continue;
			perror("vmodule-redir: ppoll");
			return;
		}
		for (size_t i = 0; i < n; i++) {
			struct rmod *m = &mods[i];
			if (pfd[2 * i].revents & POLLIN) {
				int r = redir_conn_accept(m);
				if (r < 0 && r != -EAGAIN)
					redir_log(m, "accept: %s", strerror(-r));
			}
			if (pfd[2 * i + 1].revents & (POLLIN | POLLHUP | POLLERR))
				redir_conn_read(m);
			if (m->fd >= 0 && (pfd[2 * i + 1].revents & POLLOUT))
				redir_conn_flush(m);
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' }, { "profile", required_argument, NULL, 'p' },
		{ "port", required_argument, NULL, 'b' },   { "pace", required_argument, NULL, 'P' },
		{ "fault", required_argument, NULL, 'f' },  { "imei", required_argument, NULL, 'i' },
		{ "record", required_argument, NULL, 'r' }, { "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 },
	};
	static struct module_opts per[MAX_MODULES];
	static struct rmod mods[MAX_MODULES];
	struct module_opts defaults = { .profile = vm_profile_find("ec200u"), .imei = "86605003444300" };
	struct module_opts *cur = &defaults;
	const char *record = NULL;
	bool verbose = false;
	size_t n = 0, made = 0;
	int c, rc = 1;

	if (!vm_pacing_preset("fast", &defaults.pacing))
		return bad("no \"fast\" pacing preset%s", "");
	opterr = 0;
	while ((c = getopt_long(argc, argv, "s:p:b:P:f:i:r:vh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (n == MAX_MODULES)
				return bad("at most " XSTR(MAX_MODULES) " modules: '%s'", optarg);
			per[n] = defaults;
			per[n].port = NULL; /* a port belongs to one module */
			per[n].socket = optarg;
			cur = &per[n++];
			break;
		case 'p':
			if (!(cur->profile = vm_profile_find(optarg)))
				return bad("unknown profile '%s' (ec200u, eg25, ep06)", optarg);
			break;
		case 'b': cur->port = optarg; break;
		case 'P':
			if (!vm_pacing_preset(optarg, &cur->pacing))
				return bad("unknown pace '%s' (fast, demo, usb2)", optarg);
			break;
		case 'f':
			if (cur->n_faults == VM_MAX_FAULTS)
				return bad("too many faults: '%s'", optarg);
			if (vm_fault_parse(optarg, &cur->faults[cur->n_faults]) < 0)
				return bad("unknown fault '%s' (see build/vmodule --help)", optarg);
			cur->n_faults++;
			break;
		case 'i': {
			size_t len = strlen(optarg);
			if ((len != 14 && len != 15) || strspn(optarg, "0123456789") != len)
				return bad("--imei wants 14 or 15 digits, not '%s'", optarg);
			cur->imei = optarg;
			break;
		}
		case 'r': record = optarg; break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return 0;
		default:
			return bad("unknown or incomplete option '%s' (see --help)", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return bad("unexpected argument '%s'", argv[optind]);
	if (n == 0)
		return bad("no module: give at least one --socket PATH%s", "");

	sigset_t block, waitmask;
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &waitmask);

	uint64_t now = redir_now_ns();
	for (; made < n; made++) {
		int r = module_new(&mods[made], &per[made], (unsigned)made, verbose, now);
		if (r < 0) {
			fprintf(stderr, "vmodule-redir: module %zu on %s: %s\n", made + 1, per[made].socket, strerror(-r));
			made++;
			goto out;
		}
	}
	run(mods, n, &waitmask);
	rc = 0;
	if (record) {
		FILE *f = fopen(record, "w");
		if (!f) {
			fprintf(stderr, "vmodule-redir: cannot write %s: %s\n", record, strerror(errno));
			rc = 1;
		} else {
			write_record(mods, n, f);
			if (fclose(f) != 0)
				rc = 1;
		}
	}
out:
	for (size_t i = 0; i < made; i++)
		module_free(&mods[i]);
	return rc;
}
