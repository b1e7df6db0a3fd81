/* build/vmodule: runs any command against N virtual Quectel modules, or
 * writes a virtual package (`pack`). See usage() and tests/vmodule/README.md.
 *
 * The runner holds the testbed and the modules; the command is fork/exec'd
 * and inherits LD_PRELOAD and UMOCKDEV_DIR, so an unmodified lsusb or qfota
 * sees the modules through real libusb and libudev (UMOCKDEV_NOTES (b)).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "package.h"
#include "vmodule.h"

#define MAX_MODULES 100

static void usage(FILE *f)
{
	fputs("Usage: vmodule [OPTIONS] -- COMMAND [ARGS]...\n"
	      "       vmodule pack --profile NAME [--from REV] [--to REV] [--size BYTES] [--corrupt] OUT\n"
	      "\n"
	      "Runs COMMAND against virtual Quectel modules (umockdev) and exits with its status.\n"
	      "  -n, --count N          modules (default 1, at most 100)\n"
	      "  -p, --profile NAME     ec200u (default), eg25, ep06\n"
	      "  -b, --port-base PORT   first port: 1-1 gives 1-1, 1-2, ...; 1-4. gives 1-4.1, 1-4.2, ...\n"
	      "                         (after 1-4.31 the next hub: 1-5.1, ...)\n"
	      "                         behind a hub (default 1-1)\n"
	      "  -P, --pace NAME        fast (default), demo, usb2, field[:FACTOR] (real figures / FACTOR)\n"
	      "  -f, --fault SPEC       fault for every module; N=SPEC for module N only (1 = first)\n"
	      "                         SPEC: code:505 error cme:3 unplug-byte:N unplug-update:P no-end\n"
	      "                         end-no-reboot reboot-no-end garbage truncated quirk-space\n"
	      "                         quirk-downloading quirk-httppend quirk-percent other-port\n"
	      "                         never-back imei-change nak hostile:N code-at:EVENT:N back-edl\n"
	      "                         back-rndis slow-reboot:MS\n"
	      "                         field realism: boot-silent[:MS] strict-syntax cache-ufs\n"
	      "                         no-drain ack-strict ack-lossy urcport-modem urc-mixed restore\n"
	      "                         updating-zero steps-irregular; field = all but ack-lossy\n"
	      "  -u, --url URL=FILE[:CODE]  URL the modules can \"download\" FILE from (CODE: fail with it)\n"
	      "  -U, --ufs-path DIR     where AT+QFOTADL finds UFS files (default: the profile's, /data/ufs)\n"
	      "  -r, --record FILE      write what each module saw to FILE at the end\n"
	      "  -i, --imei-base DIGITS first IMEI's 14 digits (a Luhn digit is added; default 86605003444300)\n"
	      "  -o, --operator MS[:N]  play the operator: a module that has finished (on the bus,\n"
	      "                         not claimed, its driver bound, at a revision other than\n"
	      "                         the one it came with, for 1 s) is unplugged and a new one\n"
	      "                         (next IMEI, the profile's revision, the --fault for all)\n"
	      "                         plugged in on its port MS ms later; N: modules per port\n"
	      "                         in all, the first included (default: no end)\n"
	      "  -h, --help             this text\n",
	      f);
}

static int bad(const char *fmt, const char *arg)
{
	fputs("vmodule: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 2;
}

static int parse_u64(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int pack_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' }, { "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },      { "size", required_argument, NULL, 's' },
		{ "corrupt", no_argument, NULL, 'c' },       { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct vm_profile *p = NULL;
	const char *from = NULL, *to = NULL;
	uint64_t size = 1 << 20;
	bool corrupt = false;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+p:F:T:s:ch", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!(p = vm_profile_find(optarg)))
				return bad("unknown profile '%s' (ec200u, eg25, ep06)", optarg);
			break;
		case 'F': from = optarg; break;
		case 'T': to = optarg; break;
		case 's':
			if (parse_u64(optarg, &size) < 0)
				return bad("--size wants a byte count, not '%s'", optarg);
			break;
		case 'c': corrupt = true; break;
		case 'h': usage(stdout); return 0;
		default:
			return bad("pack: unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (!p)
		return bad("pack: --profile is required%s", "");
	if (optind != argc - 1)
		return bad("pack: exactly one output file is required%s", "");
	r = vm_package_write(argv[optind], p, from, to, size, corrupt);
	if (r < 0) {
		fprintf(stderr, "vmodule: pack %s: %s\n", argv[optind], strerror(-r));
		return 1;
	}
	return 0;
}

/* Luhn check digit of a 14-digit IMEI body. */
static char luhn(const char *body)
{
	int sum = 0;
	size_t n = strlen(body);

	for (size_t i = 0; i < n; i++) {
		int d = body[n - 1 - i] - '0';
		if (i % 2 == 0) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return (char)('0' + (10 - sum % 10) % 10);
}

/* "1-1" + i -> "1-(1+i)"; "1-4." + i -> "1-4.(1+i)". A hub has 31 ports at
 * most: past them the next hub's ("1-4." + 31 -> "1-5.1"), as a station of
 * several hubs would be wired. */
static int make_port(const char *base, unsigned i, char *buf, size_t cap)
{
	size_t n = strlen(base);
	const char *sep;
	unsigned long first = 1;

	if (n == 0 || n > 20)
		return -EINVAL;
	if (base[n - 1] == '.') {
		const char *hub = n >= 2 ? base + n - 2 : base;
		char *end;

		while (hub > base && hub[-1] >= '0' && hub[-1] <= '9')
			hub--;
		first = strtoul(hub, &end, 10);
		if (i < 31 || end == hub || *end != '.')
			snprintf(buf, cap, "%s%u", base, 1 + i);
		else
			snprintf(buf, cap, "%.*s%lu.%u", (int)(hub - base), base, first + i / 31, 1 + i % 31);
		return 0;
	}
	sep = strrchr(base, '.');
	if (!sep)
		sep = strchr(base, '-');
	if (!sep || !sep[1])
		return -EINVAL;
	char *end;
	first = strtoul(sep + 1, &end, 10);
	if (*end || first < 1)
		return -EINVAL;
	snprintf(buf, cap, "%.*s%lu", (int)(sep + 1 - base), base, first + i);
	return 0;
}

/* --operator: what the operator watches on one port. */
struct bench_port {
	size_t idx;              /* the module on it now (station index) */
	char from[64];           /* the revision it came with */
	unsigned generation;     /* 1 for the first module */
	uint64_t finished_ns;    /* since when it has looked finished; 0 not */
	uint64_t unplugged_ns;   /* when it was pulled out; 0 while one is plugged in */
};

#define OPERATOR_SETTLE_NS 1000000000ull

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool looks_finished(struct vm_station *st, struct bench_port *b)
{
	struct vm_model_stats s;

	if (vm_station_stats(st, b->idx, &s) < 0)
		return false;
	return s.presence == VM_PRESENT && !s.claimed && s.driver_bound && strcmp(s.revision, b->from) != 0;
}

static pid_t child = -1;

static void forward(int sig)
{
	if (child > 0)
		kill(child, sig);
}

struct module_opts {
	struct vm_fault faults[VM_MAX_FAULTS];
	size_t n_faults;
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'n' },    { "profile", required_argument, NULL, 'p' },
		{ "port-base", required_argument, NULL, 'b' }, { "pace", required_argument, NULL, 'P' },
		{ "fault", required_argument, NULL, 'f' },    { "url", required_argument, NULL, 'u' },
		{ "record", required_argument, NULL, 'r' },   { "imei-base", required_argument, NULL, 'i' },
		{ "ufs-path", required_argument, NULL, 'U' }, { "operator", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },           { NULL, 0, NULL, 0 },
	};
	static struct module_opts per[MAX_MODULES];
	static struct vm_model_config cfg;
	static char ports[MAX_MODULES][32], imeis[MAX_MODULES][20];
	static char *url_files[VM_MAX_URLS];
	const struct vm_profile *profile = vm_profile_find("ec200u");
	const char *port_base = "1-1", *record = NULL, *imei_base = "86605003444300";
	uint64_t count = 1;
	struct vm_fault all_faults[VM_MAX_FAULTS];
	size_t n_all = 0;
	int c, status = 0, rc = 1;
	uint64_t op_delay_ms = 0, op_max = 0;
	bool operator = false;
	static struct bench_port bench[MAX_MODULES];

	if (argc > 1 && strcmp(argv[1], "pack") == 0)
		return pack_main(argc - 1, argv + 1);
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		}
	vm_require_preload(argc, argv);
	if (!vm_pacing_preset("fast", &cfg.pacing))
		return bad("no \"fast\" pacing preset%s", "");

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+n:p:b:P:f:u:r:i:U:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_u64(optarg, &count) < 0 || count < 1 || count > MAX_MODULES)
				return bad("--count wants 1..100, not '%s'", optarg);
			break;
		case 'p':
			if (!(profile = vm_profile_find(optarg)))
				return bad("unknown profile '%s' (ec200u, eg25, ep06)", optarg);
			break;
		case 'b': port_base = optarg; break;
		case 'P':
			if (!vm_pacing_preset(optarg, &cfg.pacing))
				return bad("unknown pace '%s' (fast, demo, usb2, field[:FACTOR])", optarg);
			break;
		case 'f': {
			const char *eq = strchr(optarg, '='), *spec = optarg;
			struct vm_fault f;
			uint64_t n = 0;
			if (eq) {
				char num[16];
				snprintf(num, sizeof(num), "%.*s", (int)(eq - optarg), optarg);
				if (parse_u64(num, &n) < 0 || n < 1 || n > MAX_MODULES)
					return bad("--fault N=SPEC wants a module number 1..100: '%s'", optarg);
				spec = eq + 1;
			}
			if (vm_fault_parse(spec, &f) < 0)
				return bad("unknown fault '%s' (see --help)", spec);
			if (n) {
				if (per[n - 1].n_faults == VM_MAX_FAULTS)
					return bad("too many faults for one module: '%s'", optarg);
				per[n - 1].faults[per[n - 1].n_faults++] = f;
			} else {
				if (n_all == VM_MAX_FAULTS)
					return bad("too many faults: '%s'", optarg);
				all_faults[n_all++] = f;
			}
			break;
		}
		case 'u': {
			char *eq = strrchr(optarg, '='), *colon;
			struct vm_url_entry *e;
			if (!eq || eq == optarg || !eq[1])
				return bad("--url wants URL=FILE[:CODE], not '%s'", optarg);
			if (cfg.n_urls == VM_MAX_URLS)
				return bad("too many --url: '%s'", optarg);
			e = &cfg.urls[cfg.n_urls];
			url_files[cfg.n_urls] = strdup(eq + 1);
			*eq = '\0';
			e->url = optarg;
			e->package_path = url_files[cfg.n_urls];
			colon = strrchr(url_files[cfg.n_urls], ':');
			uint64_t code;
			if (colon && parse_u64(colon + 1, &code) == 0 && code <= 100000) {
				e->fail_code = (int)code;
				*colon = '\0';
			}
			cfg.n_urls++;
			break;
		}
		case 'r': record = optarg; break;
		case 'o': {
			char ms[24], *colon = strchr(optarg, ':');
			snprintf(ms, sizeof(ms), "%.*s", colon ? (int)(colon - optarg) : (int)strlen(optarg), optarg);
			if (parse_u64(ms, &op_delay_ms) < 0 || op_delay_ms > 3600000 ||
			    (colon && (parse_u64(colon + 1, &op_max) < 0 || op_max < 1)))
				return bad("--operator wants MS[:N] (a delay in ms, N modules per port >= 1), not '%s'", optarg);
			operator = true;
			break;
		}
		case 'U':
			if (optarg[0] != '/' || strlen(optarg) >= 64)
				return bad("--ufs-path wants an absolute path under 64 bytes, not '%s'", optarg);
			cfg.ufs_dir = optarg;
			break;
		case 'i': {
			size_t n = strlen(optarg);
			if ((n != 14 && n != 15) || strspn(optarg, "0123456789") != n)
				return bad("--imei-base wants 14 or 15 digits, not '%s'", optarg);
			imei_base = optarg;
			break;
		}
		case 'h': usage(stdout); return 0;
		default:
			return bad("unknown or incomplete option '%s' (see --help)", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return bad("no command given: vmodule [OPTIONS] -- COMMAND [ARGS]%s", "");

	for (unsigned i = 0; i < count; i++) {
		if (make_port(port_base, i, ports[i], sizeof(ports[i])) < 0)
			return bad("bad --port-base '%s' (e.g. 1-1 or 1-4.)", port_base);
		for (unsigned j = 0; j < i; j++)
			if (strcmp(ports[i], ports[j]) == 0)
				return bad("duplicate port %s", ports[i]);
		char body[15];
		uint64_t b = strtoull(strndupa(imei_base, 14), NULL, 10) + i;
		snprintf(body, sizeof(body), "%014" PRIu64, b);
		snprintf(imeis[i], sizeof(imeis[i]), "%.14s%c", body, luhn(body));
	}

	/* Timer slack 1 ns, inherited by every thread and by the command (gotcha 6). */
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	struct vm_station *st = vm_station_new();
	if (!st) {
		fprintf(stderr, "vmodule: cannot create the testbed: %s\n", strerror(errno));
		goto out;
	}
	cfg.profile = profile;
	for (unsigned i = 0; i < count; i++) {
		int r;
		cfg.port = ports[i];
		cfg.imei = imeis[i];
		cfg.n_faults = 0;
		for (size_t k = 0; k < n_all; k++)
			cfg.faults[cfg.n_faults++] = all_faults[k];
		for (size_t k = 0; k < per[i].n_faults && cfg.n_faults < VM_MAX_FAULTS; k++)
			cfg.faults[cfg.n_faults++] = per[i].faults[k];
		/* other-port: the next port after the last module's */
		char other[32];
		make_port(port_base, (unsigned)count + i, other, sizeof(other));
		cfg.other_port = other;
		if ((r = vm_station_add(st, &cfg)) < 0) {
			fprintf(stderr, "vmodule: cannot add module %u on %s: %s\n", i + 1, ports[i], strerror(-r));
			goto out_station;
		}
		struct vm_model_stats s0;
		bench[i] = (struct bench_port){ .idx = (size_t)r, .generation = 1 };
		if (vm_station_stats(st, (size_t)r, &s0) == 0)
			snprintf(bench[i].from, sizeof(bench[i].from), "%s", s0.revision);
	}

	struct sigaction sa = { .sa_handler = forward };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	fflush(NULL);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	child = fork();
	if (child < 0) {
		perror("vmodule: fork");
		goto out_station;
	}
	if (child == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "vmodule: cannot run %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	if (!operator) {
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
	}
	/* --operator: look at every port every 50 ms, as a person at the bench
	 * would glance at the modules' LEDs and the station's table. */
	for (unsigned long next = count; operator;) {
		pid_t w = waitpid(child, &status, WNOHANG);
		uint64_t now = now_ns();

		if (w == child || (w < 0 && errno != EINTR))
			break;
		for (unsigned i = 0; i < count; i++) {
			struct bench_port *b = &bench[i];

			if (b->unplugged_ns) {
				if (now - b->unplugged_ns < op_delay_ms * 1000000ull)
					continue;
				char body[15], imei[20];
				char head[15];
				snprintf(head, sizeof(head), "%.14s", imei_base);
				uint64_t base = strtoull(head, NULL, 10) + next++;
				snprintf(body, sizeof(body), "%014" PRIu64, base);
				snprintf(imei, sizeof(imei), "%.14s%c", body, luhn(body));
				cfg.port = ports[i];
				cfg.imei = imei;
				cfg.n_faults = 0;
				for (size_t k = 0; k < n_all; k++)
					cfg.faults[cfg.n_faults++] = all_faults[k];
				char other[32];
				make_port(port_base, (unsigned)count + i, other, sizeof(other));
				cfg.other_port = other;
				int r = vm_station_add(st, &cfg);
				if (r == -EEXIST)
					continue; /* the last one's node is not gone yet: next glance */
				if (r < 0) {
					fprintf(stderr, "vmodule: operator: cannot plug a module in on %s: %s\n", ports[i],
						strerror(-r));
					b->unplugged_ns = 0;
					b->generation = (unsigned)op_max; /* this port is done */
					continue;
				}
				struct vm_model_stats s0;
				b->idx = (size_t)r;
				b->generation++;
				b->unplugged_ns = b->finished_ns = 0;
				if (vm_station_stats(st, b->idx, &s0) == 0)
					snprintf(b->from, sizeof(b->from), "%s", s0.revision);
				continue;
			}
			if (op_max && b->generation >= op_max)
				continue;
			if (!looks_finished(st, b)) {
				b->finished_ns = 0;
				continue;
			}
			if (!b->finished_ns) {
				b->finished_ns = now;
				continue;
			}
			if (now - b->finished_ns >= OPERATOR_SETTLE_NS && vm_station_unplug(st, b->idx) == 0)
				b->unplugged_ns = now ? now : 1;
		}
		usleep(50000);
	}
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (record) {
		FILE *f = fopen(record, "w");
		if (!f) {
			fprintf(stderr, "vmodule: cannot write %s: %s\n", record, strerror(errno));
			if (rc == 0)
				rc = 1;
		} else {
			vm_station_write_records(st, f);
			/* the command's wall time (fork to exit), beside each module's
			 * own time (module_ms): what the command added is the rest */
			fprintf(f, "runner command_wall_ms %lld\n",
				(long long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
			fclose(f);
		}
	}
out_station:
	vm_station_free(st);
out:
	for (size_t i = 0; i < VM_MAX_URLS; i++)
		free(url_files[i]);
	return rc;
}
