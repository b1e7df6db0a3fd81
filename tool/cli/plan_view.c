/* qfota station --plan: the plan as a table or JSON lines on stdout
 * (tool/cli/station_view.h). Device strings shown as every other one is. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>

#include "qfota/cleanup.h"
#include "qfota/text.h"
#include "station_view.h"

static void plan_json(FILE *out, const struct station_plan *p)
{
	json_object *o = json_object_new_object();
	_cleanup_free_ char *model = text_shown_new(p->id.model, true), *rev = text_shown_new(p->id.from, true);
	_cleanup_free_ char *imei = text_shown_new(p->id.imei, true), *msg = text_shown_new(p->id.message, true);
	_cleanup_free_ char *pkg = text_shown_new(p->package, true);

	json_object_object_add(o, "event", json_object_new_string("plan"));
	json_object_object_add(o, "port", json_object_new_string(p->port));
	json_object_object_add(o, "model", json_object_new_string(model ? model : ""));
	json_object_object_add(o, "revision", json_object_new_string(rev ? rev : ""));
	json_object_object_add(o, "imei", json_object_new_string(imei ? imei : ""));
	json_object_object_add(o, "verdict", json_object_new_string(station_verdict_to_string(p->verdict)));
	json_object_object_add(o, "hops", json_object_new_int((int)p->hops));
	json_object_object_add(o, "target", p->target[0] ? json_object_new_string(p->target) : NULL);
	json_object_object_add(o, "rule_line", p->rule_line ? json_object_new_int((int)p->rule_line) : NULL);
	json_object_object_add(o, "package", pkg && pkg[0] ? json_object_new_string(pkg) : NULL);
	json_object_object_add(o, "size", p->size >= 0 ? json_object_new_int64(p->size) : NULL);
	json_object_object_add(o, "sha256", p->sha256[0] ? json_object_new_string(p->sha256) : NULL);
	json_object_object_add(o, "free", p->free_bytes >= 0 ? json_object_new_int64(p->free_bytes) : NULL);
	json_object_object_add(o, "message", msg && msg[0] ? json_object_new_string(msg) : NULL);
	fprintf(out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void plan_line(FILE *out, const struct station_plan *p)
{
	_cleanup_free_ char *model = text_shown_new(p->id.model, false), *rev = text_shown_new(p->id.from, false);
	_cleanup_free_ char *imei = text_shown_new(p->id.imei, false), *msg = text_shown_new(p->id.message, false);
	_cleanup_free_ char *pkg = text_shown_new(p->package, false);
	char rule[16] = "-", size[24] = "-", free_b[24] = "-", verdict[160];

	if (p->rule_line)
		snprintf(rule, sizeof(rule), "line %u", p->rule_line);
	if (p->size >= 0)
		snprintf(size, sizeof(size), "%lld", p->size);
	if (p->free_bytes >= 0)
		snprintf(free_b, sizeof(free_b), "%lld", p->free_bytes);
	switch (p->verdict) {
	case STATION_PLAN_UPGRADE:
		snprintf(verdict, sizeof(verdict), "upgrade, %u hop%s to %s", p->hops, p->hops == 1 ? "" : "s",
			 p->target[0] ? p->target : "a new revision");
		break;
	case STATION_PLAN_SKIP:
		snprintf(verdict, sizeof(verdict), "skip, at the target");
		break;
	case STATION_PLAN_NO_FIT:
		snprintf(verdict, sizeof(verdict), "does not fit, %s bytes > %s free", size, free_b);
		break;
	default:
		snprintf(verdict, sizeof(verdict), "%s", station_verdict_to_string(p->verdict));
		break;
	}
	fprintf(out, "%-12s %-8s %-22s %-16s %-8s %s %s %s %s  %s%s%s\n", p->port, model && model[0] ? model : "-",
		rev && rev[0] ? rev : "-", imei && imei[0] ? imei : "-", rule, pkg && pkg[0] ? pkg : "-", size,
		p->sha256[0] ? p->sha256 : "-", free_b, verdict,
		p->verdict >= STATION_PLAN_NO_RULE && msg && msg[0] ? ": " : "",
		p->verdict >= STATION_PLAN_NO_RULE && msg ? msg : "");
}

void station_plan_print(FILE *out, const struct station_plan *p, size_t n, bool json)
{
	if (!json)
		fprintf(out, "%-12s %-8s %-22s %-16s %-8s %s %s %s %s  %s\n", "PORT", "MODEL", "REVISION", "IMEI", "RULE",
			"PACKAGE", "SIZE", "SHA256", "FREE", "VERDICT");
	for (size_t i = 0; i < n; i++) {
		if (json)
			plan_json(out, &p[i]);
		else
			plan_line(out, &p[i]);
	}
}
