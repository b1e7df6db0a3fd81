/* Options, policy and output of `qfota station` and `qfota auto`
 * (tool/station_cli.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qfota/audit.h"
#include "qfota/error.h"
#include "qfota/exitcode.h"
#include "qfota/metrics.h"
#include "qfota/udevwatch.h"
#include "qfota/station.h"
#include "station_cli.h"
#include "station_view.h"


void station_cli_clear(struct station_cli *c)
{
	free(c->ports);
	c->ports = NULL;
	c->n_ports = 0;
}

static int add_port(const char *cmd, struct station_cli *c, const char *port)
{
	const char **more;

	if (!usbxfer_port_is_valid(port))
		return cli_usage_error(cmd, "'%s' is not a USB port path such as 1-4.2 (see qfota list)", port);
	for (size_t i = 0; i < c->n_ports; i++)
		if (strcmp(c->ports[i], port) == 0)
			return cli_usage_error(cmd, "port %s given twice", port);
	more = realloc(c->ports, (c->n_ports + 1) * sizeof(*more));
	if (!more)
		return QFOTA_EXIT_FAILED;
	c->ports = more;
	c->ports[c->n_ports++] = port;
	return 0;
}

int station_cli_parse(const char *cmd, const char *help, bool auto_mode, int argc, char **argv,
		      struct station_cli *c)
{
	static const struct option opts[] = {
		CLI_SELECT_LONG,
		{ "all", no_argument, NULL, OPT_ALL },
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "retries", required_argument, NULL, OPT_RETRIES },
		{ "plan", no_argument, NULL, OPT_PLAN },
		{ "metrics", required_argument, NULL, OPT_METRICS },
		{ "watch", no_argument, NULL, OPT_WATCH },

		CLI_JOB_LONG,
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt, r;
	char name[40];

	*c = (struct station_cli){ .json = cli_global()->json, .wait_ms = 10000, .retries = 1 };
	cli_job_init(&c->job, FOTA_SOURCE_FILE);
	optind = 0; /* 0, not 1: glibc then forgets main's "+" (stop at the first non-option) */
	while ((opt = getopt_long(argc, argv, "h" CLI_SELECT_SHORT, opts, NULL)) != -1) {
		if (opt == 'p') {
			if (auto_mode && c->n_ports > 0)
				return cli_usage_error(cmd, "auto takes one --port");
			if ((r = add_port(cmd, c, optarg)) != 0)
				return r;
			continue;
		}
		if (auto_mode && (opt == 's' || opt == 'm' || opt == 'd' || opt == OPT_ALL || opt == OPT_URL ||
				  opt == OPT_URL_FILE || opt == OPT_UPLOAD || opt == OPT_EXPECT || opt == OPT_SHA256))
			return cli_usage_error(cmd, "%s does not apply: auto upgrades the module on --port by the policy",
					       cli_option_name(opts, opt, name, sizeof(name)));
		if (!auto_mode && opt == OPT_WAIT)
			return cli_usage_error(cmd, "--wait is an option of qfota auto");
		if (auto_mode && (opt == OPT_PLAN || opt == OPT_METRICS || opt == OPT_WATCH))
			return cli_usage_error(cmd, "%s is an option of qfota station",
					       cli_option_name(opts, opt, name, sizeof(name)));
		r = cli_select_option(cmd, opt, optarg, &c->filter);
		if (r < 0)
			return QFOTA_EXIT_USAGE;
		if (r > 0)
			continue;
		if (opt == OPT_RETRIES) {
			if (cli_parse_int(optarg, 0, 10, &c->retries) < 0)
				return cli_usage_error(cmd, "--retries wants 0-10 (got '%s')", optarg);
			continue;
		}
		if (opt == OPT_WAIT) {
			if (cli_parse_seconds(optarg, &c->wait_ms) < 0 || c->wait_ms == 0)
				return cli_usage_error(cmd, "--wait wants a number of seconds > 0 (got '%s')", optarg);
			continue;
		}
		r = cli_job_option(cmd, opts, opt, optarg, &c->job, &c->n_sources);
		if (r < 0)
			return QFOTA_EXIT_USAGE;
		if (r > 0)
			continue;
		switch (opt) {
		case 'h':
			fputs(help, stdout);
			return -1;
		case OPT_ALL: c->all = true; break;
		case OPT_PLAN: c->plan = true; break;
		case OPT_WATCH: c->watch = true; break;
		case OPT_METRICS: c->metrics_path = optarg; break;
		case OPT_POLICY: c->policy_path = optarg; break;
		case OPT_JSON: c->json = true; break;
		case OPT_LOG: c->log_opt = optarg; break;
		default:
			return cli_usage_error(cmd, "unknown option");
		}
	}
	if (!auto_mode && optind < argc) {
		c->job.package_path = argv[optind++];
		c->n_sources++;
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	if (c->n_sources > 1)
		return cli_usage_error(cmd, "give only one of PACKAGE, --url and --upload");
	if (c->n_sources && c->policy_path)
		return cli_usage_error(cmd, "give either a package for every module or --policy, not both");
	if (c->job.sha256 && !c->n_sources)
		return cli_usage_error(cmd, "--sha256 pins the one PACKAGE or --upload given; a policy pins each "
				       "rule's package with sha256=");
	if (c->job.upload_name && c->job.source != FOTA_SOURCE_UPLOAD)
		return cli_usage_error(cmd, "--upload-name goes with --upload");
	if (c->watch && c->plan)
		return cli_usage_error(cmd, "--watch and --plan do not go together: plan the modules on the ports first");
	if ((r = cli_job_check(cmd, &c->job)) != 0)
		return r;
	if (auto_mode && c->n_ports != 1)
		return cli_usage_error(cmd, "which port? auto needs --port PORT (what the unit passes as %%i)");
	if (!auto_mode && c->n_ports && (c->all || c->filter.serial || c->filter.model || c->filter.vid))
		return cli_usage_error(cmd, "give either ports (-p, several) or --all [-m/-d/-s], not both");
	if (!auto_mode && !c->n_ports && !c->all && !c->filter.serial && !c->filter.model && !c->filter.vid)
		return cli_usage_error(cmd, "which modules? Give --all, or -p PORT once per module");
	return 0;
}


int station_cli_policy(const char *cmd, const char *path, const struct fota_job *tmpl, struct policy **ret)
{
	struct policy_error err;
	struct policy *p = NULL;
	int r;

	r = policy_load(path, &p, &err);
	if (r == 0)
		r = station_policy_check(p, tmpl, &err);
	if (r < 0) {
		if (err.line)
			fprintf(stderr, "qfota %s: %s:%u: %s\n", cmd, path, err.line, err.reason);
		else
			fprintf(stderr, "qfota %s: policy %s: %s\n", cmd, path, err.reason[0] ? err.reason : qfota_strerror(r));
		fprintf(stderr, "Nothing was sent to any module. See 'qfota %s --help' for the policy format.\n", cmd);
		policy_free(p);
		return QFOTA_EXIT_USAGE;
	}
	if (p->credentials_line && p->readable_by_others)
		fprintf(stderr,
			"qfota %s: warning: %s:%u: the url= holds a user and password, and other users may read "
			"this file: chmod 0600 %s (or put the package on an HTTPS server that needs none)\n",
			cmd, path, p->credentials_line, path);
	*ret = p;
	return 0;
}

/* --metrics: the run's results in the Prometheus text format. */
static void metrics_of_result(const char *cmd, const char *path, const struct station_result *res)
{
	struct metrics *m = NULL;
	int r = metrics_new(&m);

	for (size_t i = 0; r == 0 && i < res->n; i++)
		r = metrics_add(m, res->entries[i].res.model, station_outcome_to_string(res->entries[i].outcome),
				res->entries[i].res.total_ms);
	if (r == 0)
		r = metrics_write(m, path);
	if (r < 0)
		fprintf(stderr, "qfota %s: warning: cannot write the metrics to %s: %s\n", cmd, path, qfota_strerror(r));
	metrics_free(m);
}

/* --watch: what each module's end updates (the view's counts, the metrics file). */
struct watch_out {
	const char *cmd, *metrics_path;
	struct station_view *view;
	struct metrics *metrics;
};

static void watch_result(void *user, const struct station_entry *e)
{
	struct watch_out *w = user;
	int r;

	if (w->view)
		station_view_outcome(w->view, e);
	if (!w->metrics_path || !w->metrics)
		return;
	r = metrics_add(w->metrics, e->res.model, station_outcome_to_string(e->outcome), e->res.total_ms);
	if (r == 0)
		r = metrics_write(w->metrics, w->metrics_path);
	if (r < 0)
		fprintf(stderr, "qfota %s: warning: cannot write the metrics to %s: %s\n", w->cmd, w->metrics_path,
			qfota_strerror(r));
}

int station_cli_plan(const struct station_cli *c, const struct policy *policy, const char *const *ports,
		     size_t n)
{
	struct station_opts o = { .job = &c->job, .policy = policy };
	struct station_plan *plan = NULL;
	int r = station_plan_run(&o, ports, n, &plan);

	if (r < 0) {
		fprintf(stderr, "qfota station: %s\n", qfota_strerror(r));
		return QFOTA_EXIT_FAILED;
	}
	station_plan_print(stdout, plan, n, c->json);
	r = station_plan_exit_code(plan, n);
	free(plan);
	return r;
}

int station_cli_run(const char *cmd, const struct station_cli *c, const struct policy *policy,
		    const char *const *ports, size_t n, FILE *data, bool summary)
{
	const char *no_colour = getenv("NO_COLOR");
	struct fota_job job = c->job;
	struct station_opts o = { .job = &job, .policy = policy, .audit_path = cli_audit_path(c->log_opt),
				  .retries = (unsigned)c->retries };
	struct station_view *view = NULL;
	struct reporter *rep = NULL;
	struct station_result res;
	struct watch_out wo = { .cmd = cmd, .metrics_path = c->metrics_path };
	int r;

	if (c->json) {
		r = reporter_new(REPORT_STYLE_JSON, stdout, stderr, &rep);
	} else {
		bool table = data == stdout && isatty(fileno(stderr));

		r = station_view_new(table ? STATION_VIEW_TABLE : STATION_VIEW_PLAIN, ports, n, data, stderr,
				     table && !(no_colour && *no_colour), cli_global()->quiet, &view);
		if (r == 0)
			r = reporter_new_forward(station_view_event, view, &rep);
		o.on_identity = station_view_identity;
		o.on_tick = station_view_tick;
		o.user = view;
		if (r == 0 && c->watch) {
			station_view_watch(view);
			o.on_arrival = station_view_arrival;
		}
	}
	if (r == 0 && c->watch) {
		wo.view = view;
		o.on_result = watch_result;
		o.result_user = &wo;
		if (c->metrics_path)
			r = metrics_new(&wo.metrics);
	}
	if (r < 0) {
		station_view_free(view);
		fprintf(stderr, "qfota %s: %s\n", cmd, qfota_strerror(r));
		return QFOTA_EXIT_FAILED;
	}
	job.reporter = rep;
	if (c->watch) {
		struct usbxfer_select sel = { .serial = c->filter.serial, .model = c->filter.model, .vid = c->filter.vid,
					      .pid = c->filter.pid };

		r = station_watch(&o, ports, n, &sel, &res);
		metrics_free(wo.metrics);
	} else {
		r = station_run(&o, ports, n, &res);
	}
	if (r < 0) {
		reporter_free(rep);
		station_view_free(view);
		fprintf(stderr, "qfota %s: %s\n", cmd, qfota_strerror(r));
		return QFOTA_EXIT_FAILED;
	}
	if (view)
		station_view_finish(view);
	if (c->metrics_path && !c->watch) /* --watch wrote them after each result */
		metrics_of_result(cmd, c->metrics_path, &res);
	if (summary && c->json)
		station_summary_print_json(stdout, &res);
	else if (summary)
		station_summary_print(data, &res);
	for (size_t i = 0; i < res.n; i++)
		if (res.entries[i].res.exit_code == QFOTA_EXIT_STILL_UPDATING)
			fprintf(stderr, "qfota %s: %s is still updating: follow it with 'qfota follow --port %s'\n", cmd,
				res.entries[i].port, res.entries[i].port);
	r = res.exit_code;
	station_result_clear(&res);
	reporter_free(rep);
	station_view_free(view);
	return r;
}
