/* fota_identify_port (include/qfota/fota.h): who a module is, before a policy
 * decides what to send it. The same steps as fota_run's connect, through the
 * same helpers, and the same one way out (release, driver back, unlock), or
 * all of it kept for fota_run_held. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fota_internal.h"
#include "qfota/error.h"
#include "qfota/exitcode.h"
#include "qfota/lock.h"

static int identify(struct fota_ctx *c, struct fota_held **held)
{
	struct usbxfer_select sel = { .port = c->job->port };
	pid_t holder = 0;
	struct qfota_lock *lock = NULL;
	int r;

	if (!c->job->port || !udev_port_is_valid(c->job->port))
		return fota_fail(c, -EINVAL, -1, "'%s' is not a USB port path such as 1-4.2",
				 c->job->port ? c->job->port : "");
	r = qfota_lock_port(c->job->port, &holder, &lock);
	if (r == -EBUSY)
		return fota_fail(c, r, -1, "port %s is busy: qfota (PID %ld) is already working on it", c->job->port,
				 (long)holder);
	if (r < 0)
		return fota_fail(c, r, -1, "cannot lock port %s: %s (set QFOTA_LOCK_DIR?)", c->job->port,
				 qfota_strerror(r));
	r = usbxfer_discover_one(&sel, &c->module);
	if (r == -ENOENT)
		r = fota_fail(c, r, -1, "no Quectel module on port %s (see qfota list)", c->job->port);
	else if (r < 0)
		r = fota_fail(c, r, -1, "cannot list USB devices: %s", qfota_strerror(r));
	if (r == 0) {
		r = fota_link_open(c);
		if (r < 0)
			fota_fail(c, r, -1, "cannot claim the AT interface of the module on %s: %s", c->job->port,
				  qfota_strerror(r));
	}
	if (r == 0) {
		(void)at_command(c->at, "ATE0", c->job->timeouts.command_ms, NULL);
		r = fota_identify(c, c->res->model, sizeof(c->res->model), c->res->from, sizeof(c->res->from),
				  c->res->imei, sizeof(c->res->imei));
		if (r < 0 && !c->res->message[0])
			fota_fail(c, r, -1, "the module on %s did not answer ATI/AT+CGSN: %s", c->job->port,
				  qfota_strerror(r));
	}
	if (r == 0 && held) {
		if (!(*held = calloc(1, sizeof(**held)))) {
			r = fota_fail(c, -ENOMEM, -1, "out of memory");
		} else {
			(*held)->lock = lock;
			(*held)->link = c->link;
			(*held)->module = c->module;
			snprintf((*held)->model, sizeof((*held)->model), "%s", c->res->model);
			snprintf((*held)->from, sizeof((*held)->from), "%s", c->res->from);
			snprintf((*held)->imei, sizeof((*held)->imei), "%s", c->res->imei);
			return 0;
		}
	}
	fota_link_close(c);
	qfota_lock_release(lock);
	return r;
}

void fota_held_free(struct fota_held *held)
{
	if (!held)
		return;
	usbxfer_link_close(held->link);
	qfota_lock_release(held->lock);
	free(held);
}

int fota_identify_port(const struct fota_job *job, struct report_result *res, struct fota_held **held)
{
	struct fota_ctx c = { .job = job, .res = res, .phase = FOTA_PHASE_CONNECT, .end_code = -1, .package_fd = -1,
			      .download_end_code = -1, .last_percent = -1 };
	int r;

	memset(res, 0, sizeof(*res));
	res->module_code = -1;
	c.t_start = fota_now_ms();
	snprintf(c.port, sizeof(c.port), "%s", job->port ? job->port : "");
	if (held)
		*held = NULL;
	r = identify(&c, held);
	at_channel_free(c.at);
	res->phase = FOTA_PHASE_CONNECT;
	res->total_ms = fota_now_ms() - c.t_start;
	res->err = r;
	res->ok = r == 0;
	res->exit_code = qfota_exit_for(r, FOTA_PHASE_CONNECT, false);
	return r;
}
