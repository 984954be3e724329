/* metrics — a point's figures from its simrun JSON report (metrics.h). */
#include "sweep/metrics.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *name, *unit;
	bool higher_better;
} metrics_fixed[METRICS_BOUND0] = {
	[METRICS_TIME] = { "time_s", "s", false },
	[METRICS_TTFT] = { "ttft_s", "s", false },
	[METRICS_TPOT] = { "tpot_s", "s", false },
	[METRICS_TOKENS_PER_S] = { "tokens_per_s", "token/s", true },
	[METRICS_ENERGY] = { "energy_j", "J", false },
	[METRICS_J_PER_TOKEN] = { "j_per_token", "J/token", false },
	[METRICS_POWER] = { "avg_power_w", "W", false },
	[METRICS_HBM_BYTES] = { "hbm_bytes", "B", false },
};

const char *metrics_name(int i, char *buf, size_t len)
{
	if (i < METRICS_BOUND0)
		snprintf(buf, len, "%s", metrics_fixed[i].name);
	else
		snprintf(buf, len, "time_%s_s", replay_bound_name(i - METRICS_BOUND0));
	return buf;
}

const char *metrics_unit(int i)
{
	return i < METRICS_BOUND0 ? metrics_fixed[i].unit : "s";
}

bool metrics_higher_is_better(int i)
{
	return i < METRICS_BOUND0 && metrics_fixed[i].higher_better;
}

int metrics_find(const char *name)
{
	char buf[64];
	for (int i = 0; i < METRICS_COUNT; i++)
		if (!strcmp(metrics_name(i, buf, sizeof buf), name))
			return i;
	return -1;
}

/* OBJ.KEY as a number. */
static int metrics_num(json_object *obj, const char *key, double *out)
{
	json_object *v;
	if (!json_object_object_get_ex(obj, key, &v))
		return -1;
	enum json_type t = json_object_get_type(v);
	if (t != json_type_double && t != json_type_int)
		return -1;
	*out = json_object_get_double(v);
	return 0;
}

int metrics_read(const char *file, uint64_t out_tokens, double values[METRICS_COUNT], char *err,
                 size_t errlen)
{
	for (int i = 0; i < METRICS_COUNT; i++)
		values[i] = NAN;
	json_object *root = json_object_from_file(file), *total, *by_bound, *steps, *schema;
	int rc = -1;
	if (!root) {
		snprintf(err, errlen, "%s: not a JSON report: %s", file, json_util_get_last_err());
		return -1;
	}
	if (!json_object_object_get_ex(root, "schema", &schema) ||
	    strcmp(json_object_get_string(schema), "nmsim.report.v1")) {
		snprintf(err, errlen, "%s: not an nmsim.report.v1 report", file);
		goto out;
	}
	if (!json_object_object_get_ex(root, "total", &total) ||
	    !json_object_object_get_ex(total, "time_by_bound_s", &by_bound) ||
	    !json_object_object_get_ex(root, "steps", &steps) ||
	    metrics_num(total, "time_s", &values[METRICS_TIME]) ||
	    metrics_num(total, "energy_j", &values[METRICS_ENERGY]) ||
	    metrics_num(total, "avg_power_w", &values[METRICS_POWER]) ||
	    metrics_num(total, "hbm_bytes", &values[METRICS_HBM_BYTES])) {
		snprintf(err, errlen,
		         "%s: the report lacks total.time_s, energy_j, avg_power_w, "
		         "hbm_bytes, time_by_bound_s or steps",
		         file);
		goto out;
	}
	for (int b = 0; b < REPLAY_BOUND_COUNT; b++)
		if (metrics_num(by_bound, replay_bound_name(b), &values[METRICS_BOUND0 + b])) {
			snprintf(err, errlen, "%s: total.time_by_bound_s lacks %s", file,
			         replay_bound_name(b));
			goto out;
		}
	double prefill = 0, decode = 0;
	size_t ndecode = 0;
	for (size_t i = 0; i < json_object_array_length(steps); i++) {
		json_object *s = json_object_array_get_idx(steps, i), *kind;
		double t;
		if (!json_object_object_get_ex(s, "kind", &kind) || metrics_num(s, "time_s", &t)) {
			snprintf(err, errlen, "%s: steps[%zu] lacks kind or time_s", file, i);
			goto out;
		}
		if (!strcmp(json_object_get_string(kind), "decode")) {
			decode += t;
			ndecode++;
		} else {
			prefill += t;
		}
	}
	values[METRICS_TTFT] = prefill;
	if (ndecode)
		values[METRICS_TPOT] = decode / (double)ndecode;
	if (ndecode && out_tokens) {
		values[METRICS_TOKENS_PER_S] =
		    values[METRICS_TIME] > 0 ? (double)out_tokens / values[METRICS_TIME] : NAN;
		values[METRICS_J_PER_TOKEN] = values[METRICS_ENERGY] / (double)out_tokens;
	}
	rc = 0;
out:
	json_object_put(root);
	return rc;
}
