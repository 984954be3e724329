#include "driver/report.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <string.h>

#include "driver/opstats.h"
#include "sim/log.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <xxhash.h>

static double ps_to_s(uint64_t ps)
{
	return (double)ps * 1e-12;
}

static double total_energy(const struct replay *r)
{
	double e = 0;
	for (int c = 0; c < ENERGY_ACTION_COUNT; c++)
		e += r->energy_j[c];
	return e;
}

/* Figures derived from the steps: time to first token, time per output token. */
struct report_latency {
	uint64_t prefill_steps, decode_steps;
	double ttft_s;                              /* all prefill steps */
	double tpot_mean_s, tpot_p50_s, tpot_p99_s; /* over decode steps; p50/p99 over the first
						       REPLAY_STEPS_MAX steps */
	double prefill_tokens, output_tokens;       /* tokens x batch of the steps */
	double prefill_tokens_per_s, output_tokens_per_s;
	bool prefill_tokens_given; /* some prefill step says its tokens (else each counts 1) */
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile q (0..100] of n sorted values. */
static uint64_t percentile(const uint64_t *v, size_t n, double q)
{
	size_t rank = (size_t)ceil(q / 100 * (double)n);
	return v[rank ? rank - 1 : 0];
}

static double step_tokens(const struct replay_step *s)
{
	return (double)(s->tokens ? s->tokens : 1) * (double)(s->batch ? s->batch : 1);
}

static void report_latency(const struct replay *r, struct report_latency *out)
{
	memset(out, 0, sizeof *out);
	uint64_t prefill_ps = r->rest[TRACE_STEP_PREFILL].time_ps;
	uint64_t decode_ps = r->rest[TRACE_STEP_DECODE].time_ps;
	out->prefill_steps = r->rest[TRACE_STEP_PREFILL].steps;
	out->decode_steps = r->rest[TRACE_STEP_DECODE].steps;
	out->prefill_tokens = r->rest[TRACE_STEP_PREFILL].tokens;
	out->prefill_tokens_given = r->rest[TRACE_STEP_PREFILL].tokens_given;
	out->output_tokens = r->rest[TRACE_STEP_DECODE].tokens;
	uint64_t *dec = malloc((r->nsteps ? r->nsteps : 1) * sizeof *dec);
	size_t ndec = 0;
	for (uint64_t i = 0; i < r->nsteps; i++) {
		const struct replay_step *s = &r->steps[i];
		if (s->kind == TRACE_STEP_PREFILL) {
			/* An implicit step 0 with no ops (the trace starts with decode) is none. */
			if (!s->ops && !s->tokens)
				continue;
			prefill_ps += s->time_ps;
			out->prefill_steps++;
			out->prefill_tokens += step_tokens(s);
			out->prefill_tokens_given |= s->tokens > 0;
		} else {
			decode_ps += s->time_ps;
			out->decode_steps++;
			out->output_tokens += step_tokens(s);
			if (dec)
				dec[ndec++] = s->time_ps;
		}
	}
	out->ttft_s = ps_to_s(prefill_ps);
	if (out->decode_steps)
		out->tpot_mean_s = ps_to_s(decode_ps) / (double)out->decode_steps;
	if (ndec) {
		qsort(dec, ndec, sizeof *dec, cmp_u64);
		out->tpot_p50_s = ps_to_s(percentile(dec, ndec, 50));
		out->tpot_p99_s = ps_to_s(percentile(dec, ndec, 99));
	}
	free(dec);
	if (prefill_ps)
		out->prefill_tokens_per_s = out->prefill_tokens / ps_to_s(prefill_ps);
	if (decode_ps)
		out->output_tokens_per_s = out->output_tokens / ps_to_s(decode_ps);
}

/* The resolved machine as --print-config writes it (NULL if out of memory), and its hash:
 * XXH3-128 of that text, as simsweep names machines. */
static char *resolved_config(const struct arch_config *cfg, char hash[33])
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	arch_write_config(f, cfg);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	XXH128_hash_t h = XXH3_128bits(text, len);
	snprintf(hash, 33, "%016llx%016llx", (unsigned long long)h.high64,
	         (unsigned long long)h.low64);
	return text;
}

/* The trace's meta device= (a profile's GPU), lower-cased into buf; false if none. */
static bool meta_device(const char *meta, char *buf, size_t len)
{
	return meta && trace_meta_value(meta, "device", buf, len) == 0 && buf[0];
}

/* Whether a profile's device names the modelled machine: some word of the machine's name
 * with a digit in it (a100, h100, 3090, sxm5; not a memory size such as 80gb) appears in the
 * device string. */
static bool device_matches(const char *device, const char *machine)
{
	char word[64];
	size_t n = 0;
	bool digit = false, any_word = false;
	for (const char *p = machine;; p++) {
		if (*p && isalnum((unsigned char)*p)) {
			if (n + 1 < sizeof word)
				word[n++] = (char)tolower((unsigned char)*p);
			digit |= isdigit((unsigned char)*p) != 0;
			continue;
		}
		word[n] = 0;
		if (digit && n >= 3 && !(n > 2 && !strcmp(word + n - 2, "gb"))) {
			any_word = true;
			if (strstr(device, word))
				return true;
		}
		n = 0;
		digit = false;
		if (!*p)
			break;
	}
	return !any_word; /* a machine without such a word cannot be told apart */
}

static struct replay_type_total measured_total(const struct replay *r);

/* When ops carry measured durations and the trace's meta device= (a profile's GPU) does not
 * name the modelled machine: 1 with the warning in buf; else 0. */
static int report_device_warning(const struct report_input *in, char *buf, size_t len)
{
	char dev[128], low[128];
	struct replay_type_total all = measured_total(in->replay);
	if (!all.measured_ops || !meta_device(in->meta, dev, sizeof dev))
		return 0;
	for (size_t i = 0; i < sizeof low; i++)
		if (!(low[i] = (char)tolower((unsigned char)dev[i])))
			break;
	if (device_matches(low, in->cfg->top.name))
		return 0;
	snprintf(buf, len,
	         "the profile was recorded on '%s', the modelled machine is '%s': measured and "
	         "simulated times are of different hardware",
	         dev, in->cfg->top.name);
	return 1;
}

/* The ops that carry a measured duration (dur_ns), all types together. */
static struct replay_type_total measured_total(const struct replay *r)
{
	struct replay_type_total all = { 0 };
	for (int t = 0; t < TRACE_OP_COUNT; t++) {
		all.measured_ops += r->by_type[t].measured_ops;
		all.measured_ns += r->by_type[t].measured_ns;
		all.measured_sim_ps += r->by_type[t].measured_sim_ps;
		all.measured_fixed_ps += r->by_type[t].measured_fixed_ps;
	}
	return all;
}

/* How the ops of type t were modelled: one name, or "mixed". */
static const char *type_model(const struct replay *r, int t)
{
	const char *name = "none";
	int kinds = 0;
	for (int m = 0; m < ARCH_MODEL_COUNT; m++)
		if (r->model_ops[t][m]) {
			kinds++;
			name = arch_model_name((enum arch_model)m);
		}
	return kinds > 1 ? "mixed" : name;
}

/* key=value fields of the trace's meta records as an object (a repeated key: the first). */
static json_object *meta_json(const char *meta)
{
	json_object *o = json_object_new_object();
	char *copy = strdup(meta ? meta : ""), *save = NULL;
	if (!copy)
		return o;
	for (char *f = strtok_r(copy, " ", &save); f; f = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(f, '=');
		if (!eq)
			continue;
		*eq = 0;
		if (!json_object_object_get_ex(o, f, NULL))
			json_object_object_add(o, f, json_object_new_string(eq + 1));
	}
	free(copy);
	return o;
}

/* The lines "path = value" of the resolved config as an object. */
static json_object *settings_json(const char *text)
{
	json_object *o = json_object_new_object();
	char *copy = strdup(text), *save = NULL;
	if (!copy)
		return o;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *eq = strstr(l, " = ");
		if (!eq)
			continue;
		*eq = 0;
		json_object_object_add(o, l, json_object_new_string(eq + 3));
	}
	free(copy);
	return o;
}

static json_object *errors_json(const struct runinfo_errors *e)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ops", json_object_new_uint64(e->ops));
	json_object_object_add(o, "median_error_pct", json_object_new_double(e->median_pct));
	json_object_object_add(o, "mape_pct", json_object_new_double(e->mape_pct));
	json_object_object_add(o, "min_error_pct", json_object_new_double(e->min_pct));
	json_object_object_add(o, "max_error_pct", json_object_new_double(e->max_pct));
	return o;
}

static json_object *group_json(const struct opstats_group *g)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(g->label));
	if (g->shape)
		json_object_object_add(o, "shape", json_object_new_string(g->shape));
	json_object_object_add(o, "type", json_object_new_string(trace_op_type_name(g->type)));
	json_object_object_add(o, "ops", json_object_new_uint64(g->ops));
	json_object_object_add(o, "time_s", json_object_new_double(ps_to_s(g->time_ps)));
	json_object_object_add(o, "kernel_s", json_object_new_double(ps_to_s(g->kernel_ps)));
	json_object_object_add(o, "energy_j", json_object_new_double(g->energy_j));
	json_object_object_add(o, "hbm_bytes", json_object_new_uint64(g->bytes));
	json_object_object_add(o, "flops", json_object_new_double(g->flops));
	json_object_object_add(o, "bound", json_object_new_string(g->bound));
	json_object_object_add(o, "first_line", json_object_new_uint64(g->first_line));
	json_object_object_add(o, "steps", json_object_new_uint64(g->steps));
	return o;
}

int report_write_json(FILE *out, const struct report_input *in)
{
	const struct replay *r = in->replay;
	json_object *root = json_object_new_object();
	json_object_object_add(root, "schema", json_object_new_string("nmsim.report.v1"));
	json_object_object_add(root, "version", json_object_new_string(NMSIM_VERSION));

	json_object *arch = json_object_new_object();
	json_object_object_add(arch, "file", json_object_new_string(in->arch_file));
	json_object_object_add(arch, "name", json_object_new_string(in->cfg->top.name));
	json_object *sets = json_object_new_array();
	for (size_t i = 0; i < in->nsets; i++)
		json_object_array_add(sets, json_object_new_string(in->sets[i]));
	json_object_object_add(arch, "sets", sets);
	char hash[33];
	char *resolved = resolved_config(in->cfg, hash);
	if (resolved) {
		json_object_object_add(arch, "hash", json_object_new_string(hash));
		json_object_object_add(arch, "settings", settings_json(resolved));
		free(resolved);
	}
	json_object_object_add(root, "arch", arch);

	json_object *trace = json_object_new_object();
	json_object_object_add(trace, "file", json_object_new_string(in->trace_file));
	json_object_object_add(trace, "ops", json_object_new_int64((int64_t)in->trace_ops));
	json_object_object_add(trace, "steps", json_object_new_int64((int64_t)in->trace_steps));
	if (in->model_name[0])
		json_object_object_add(trace, "model", json_object_new_string(in->model_name));
	json_object_object_add(trace, "meta", meta_json(in->meta));
	json_object_object_add(root, "trace", trace);

	double time_s = ps_to_s(r->time_ps), energy = total_energy(r);
	json_object *total = json_object_new_object();
	json_object_object_add(total, "time_s", json_object_new_double(time_s));
	json_object_object_add(total, "cycles",
	                       json_object_new_int64((int64_t)(time_s * in->cfg->core.freq + 0.5)));
	json_object_object_add(total, "energy_j", json_object_new_double(energy));
	/* By block (the actions grouped), then by action: both sum to energy_j. */
	json_object *by = json_object_new_object(), *by_action = json_object_new_object();
	for (int c = 0; c < ENERGY_ACTION_COUNT; c++) {
		const char *block = energy_action_block((enum energy_action)c);
		json_object *cur;
		double v = r->energy_j[c];
		if (json_object_object_get_ex(by, block, &cur))
			v += json_object_get_double(cur);
		json_object_object_add(by, block, json_object_new_double(v));
		json_object_object_add(by_action, energy_action_name((enum energy_action)c),
		                       json_object_new_double(r->energy_j[c]));
	}
	json_object_object_add(total, "energy_j_by", by);
	json_object_object_add(total, "energy_j_by_action", by_action);
	struct arch_totals tot;
	arch_totals(in->arch, &tot);
	json_object_object_add(total, "hbm_bytes", json_object_new_uint64(tot.device_bytes));
	json_object_object_add(total, "macs", json_object_new_uint64(tot.macs));
	/* A trace that carries measured durations (dur_ns) is a validation run. */
	struct replay_type_total measured = measured_total(r);
	if (measured.measured_ops) {
		json_object_object_add(total, "measured_ops",
		                       json_object_new_int64((int64_t)measured.measured_ops));
		json_object_object_add(total, "measured_s",
		                       json_object_new_double((double)measured.measured_ns * 1e-9));
		json_object_object_add(total, "simulated_kernel_s",
		                       json_object_new_double(ps_to_s(measured.measured_sim_ps)));
		json_object_object_add(total, "simulated_fixed_s",
		                       json_object_new_double(ps_to_s(measured.measured_fixed_ps)));
	}
	json_object_object_add(total, "avg_power_w",
	                       json_object_new_double(time_s > 0 ? energy / time_s : 0));
	double u[ARCH_UTIL_COUNT];
	arch_utilisation(in->arch, r->time_ps, u);
	json_object *util = json_object_new_object();
	for (int i = 0; i < ARCH_UTIL_COUNT; i++)
		json_object_object_add(util, arch_util_key((enum arch_util)i),
		                       json_object_new_double(u[i]));
	json_object_object_add(total, "utilisation", util);
	json_object *by_bound = json_object_new_object();
	for (int i = 0; i < REPLAY_BOUND_COUNT; i++)
		json_object_object_add(by_bound, replay_bound_name(i),
		                       json_object_new_double(ps_to_s(r->bound_ps[i])));
	json_object_object_add(total, "time_by_bound_s", by_bound);
	json_object_object_add(root, "total", total);

	struct report_latency lat;
	report_latency(r, &lat);
	json_object *latency = json_object_new_object();
	json_object_object_add(latency, "prefill_steps", json_object_new_uint64(lat.prefill_steps));
	json_object_object_add(latency, "decode_steps", json_object_new_uint64(lat.decode_steps));
	/* null where the trace has no step of the kind. */
	bool pre = lat.prefill_steps > 0, dec = lat.decode_steps > 0;
	json_object_object_add(latency, "ttft_s", pre ? json_object_new_double(lat.ttft_s) : NULL);
	json_object_object_add(latency, "tpot_mean_s",
	                       dec ? json_object_new_double(lat.tpot_mean_s) : NULL);
	json_object_object_add(latency, "tpot_p50_s",
	                       dec ? json_object_new_double(lat.tpot_p50_s) : NULL);
	json_object_object_add(latency, "tpot_p99_s",
	                       dec ? json_object_new_double(lat.tpot_p99_s) : NULL);
	json_object_object_add(latency, "prefill_tokens",
	                       json_object_new_double(lat.prefill_tokens));
	json_object_object_add(latency, "output_tokens", json_object_new_double(lat.output_tokens));
	json_object_object_add(latency, "prefill_tokens_per_s",
	                       pre ? json_object_new_double(lat.prefill_tokens_per_s) : NULL);
	json_object_object_add(latency, "output_tokens_per_s",
	                       dec ? json_object_new_double(lat.output_tokens_per_s) : NULL);
	json_object_object_add(root, "latency", latency);

	json_object *steps = json_object_new_array();
	for (uint64_t i = 0; i < r->nsteps; i++) {
		const struct replay_step *s = &r->steps[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "index", json_object_new_int64((int64_t)i));
		json_object_object_add(o, "kind",
		                       json_object_new_string(trace_step_kind_name(s->kind)));
		json_object_object_add(o, "time_s", json_object_new_double(ps_to_s(s->time_ps)));
		json_object_object_add(o, "energy_j", json_object_new_double(s->energy_j));
		json_object_object_add(o, "ops", json_object_new_int64((int64_t)s->ops));
		json_object_array_add(steps, o);
	}
	json_object_object_add(root, "steps", steps);
	/* Steps past the first REPLAY_STEPS_MAX: summed per kind, so that memory stays flat. */
	if (r->rest[TRACE_STEP_PREFILL].steps || r->rest[TRACE_STEP_DECODE].steps) {
		json_object *rest = json_object_new_object();
		json_object_object_add(rest, "first_index",
		                       json_object_new_int64(REPLAY_STEPS_MAX));
		for (int k = 0; k < TRACE_STEP_COUNT; k++) {
			const struct replay_rest *x = &r->rest[k];
			json_object *o = json_object_new_object();
			json_object_object_add(o, "steps", json_object_new_uint64(x->steps));
			json_object_object_add(o, "time_s",
			                       json_object_new_double(ps_to_s(x->time_ps)));
			json_object_object_add(o, "energy_j", json_object_new_double(x->energy_j));
			json_object_object_add(o, "ops", json_object_new_uint64(x->ops));
			json_object_object_add(rest, trace_step_kind_name((enum trace_step_kind)k),
			                       o);
		}
		json_object_object_add(root, "steps_summarised", rest);
	}

	json_object *types = json_object_new_object();
	for (int t = 0; t < TRACE_OP_COUNT; t++) {
		const struct replay_type_total *bt = &r->by_type[t];
		if (!bt->ops)
			continue;
		json_object *o = json_object_new_object();
		json_object_object_add(o, "ops", json_object_new_int64((int64_t)bt->ops));
		json_object_object_add(o, "time_s", json_object_new_double(ps_to_s(bt->time_ps)));
		json_object_object_add(o, "energy_j", json_object_new_double(bt->energy_j));
		json_object_object_add(o, "model", json_object_new_string(type_model(r, t)));
		if (bt->measured_ops) {
			json_object_object_add(o, "measured_ops",
			                       json_object_new_int64((int64_t)bt->measured_ops));
			json_object_object_add(
			    o, "measured_s",
			    json_object_new_double((double)bt->measured_ns * 1e-9));
			json_object_object_add(
			    o, "simulated_kernel_s",
			    json_object_new_double(ps_to_s(bt->measured_sim_ps)));
			json_object_object_add(
			    o, "simulated_fixed_s",
			    json_object_new_double(ps_to_s(bt->measured_fixed_ps)));
		}
		json_object_object_add(types, trace_op_type_name((enum trace_op_type)t), o);
	}
	json_object_object_add(root, "by_type", types);

	json_object *top = json_object_new_array();
	for (int i = 0; i < r->ntop; i++) {
		const struct replay_top_op *e = &r->top[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "index", json_object_new_int64((int64_t)e->index));
		json_object_object_add(o, "line", json_object_new_int64((int64_t)e->line));
		json_object_object_add(o, "type",
		                       json_object_new_string(trace_op_type_name(e->type)));
		json_object_object_add(o, "name", json_object_new_string(e->name));
		json_object_object_add(o, "time_s", json_object_new_double(ps_to_s(e->time_ps)));
		json_object_object_add(o, "bound", json_object_new_string(e->bound));
		json_object_object_add(o, "model", json_object_new_string(e->model));
		if (e->how && e->how[0])
			json_object_object_add(o, "format", json_object_new_string(e->how));
		json_object_array_add(top, o);
	}
	json_object_object_add(root, "top_ops", top);

	const struct runinfo *info = in->info;
	size_t ng = 0;
	struct opstats_group **groups = opstats_sorted(info->stats, 0, &ng);
	json_object *by_name = json_object_new_array();
	for (size_t i = 0; groups && i < ng; i++)
		json_object_array_add(by_name, group_json(groups[i]));
	free(groups);
	json_object_object_add(root, "ops_by_name", by_name);

	json_object *ne = json_object_new_array();
	for (int i = 0; i < ARCH_NOTE_COUNT; i++) {
		const struct runinfo_note *n = &info->notes[i];
		if (!n->ops)
			continue;
		json_object *o = json_object_new_object();
		json_object_object_add(o, "note", json_object_new_string(arch_note_text(i)));
		json_object_object_add(o, "ops", json_object_new_uint64(n->ops));
		json_object_object_add(o, "time_s", json_object_new_double(ps_to_s(n->time_ps)));
		if ((1u << i) == ARCH_NOTE_DECODED)
			json_object_object_add(o, "decode_s",
			                       json_object_new_double(ps_to_s(n->decode_ps)));
		json_object_object_add(o, "example", json_object_new_string(n->example));
		json_object_array_add(ne, o);
	}
	json_object_object_add(root, "not_exploited", ne);

	struct runinfo_errors all_err;
	runinfo_errors(info, TRACE_OP_COUNT, &all_err);
	char warn[512];
	bool mismatch = report_device_warning(in, warn, sizeof warn);
	if (all_err.ops) {
		json_object *prof = errors_json(&all_err);
		json_object *bt = json_object_new_object();
		for (int t = 0; t < TRACE_OP_COUNT; t++) {
			struct runinfo_errors e;
			runinfo_errors(info, t, &e);
			if (e.ops)
				json_object_object_add(
				    bt, trace_op_type_name((enum trace_op_type)t), errors_json(&e));
		}
		json_object_object_add(prof, "by_type", bt);
		if (mismatch)
			json_object_object_add(prof, "device_warning",
			                       json_object_new_string(warn));
		json_object_object_add(root, "profile", prof);
	}

	json_object *nm = json_object_new_array();
	for (int i = 0; i < RUNINFO_LIMIT_COUNT; i++)
		if (info->met[i])
			json_object_array_add(nm, json_object_new_string(runinfo_limit_text(i)));
	json_object_object_add(root, "not_modelled", nm);
	json_object_object_add(root, "counters", stats_to_json(in->reg));

	const char *text =
	    json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
	                                             JSON_C_TO_STRING_NOSLASHESCAPE);
	int rc = fprintf(out, "%s\n", text) < 0 ? -1 : 0;
	json_object_put(root);
	return rc;
}

static void fmt_time(char *buf, size_t len, double s)
{
	if (s >= 1)
		snprintf(buf, len, "%.3f s", s);
	else if (s >= 1e-3)
		snprintf(buf, len, "%.3f ms", s * 1e3);
	else
		snprintf(buf, len, "%.2f us", s * 1e6);
}

void report_write_text(FILE *out, const struct report_input *in)
{
	const struct replay *r = in->replay;
	const struct runinfo *info = in->info;
	char b1[32], b2[32];
	double time_s = ps_to_s(r->time_ps), energy = total_energy(r);
	fprintf(out, "nmsim %s: %s on %s (%s)\n", NMSIM_VERSION, in->trace_file, in->cfg->top.name,
	        in->arch_file);
	fprintf(out, "  %" PRIu64 " ops in %" PRIu64 " steps%s%s\n", in->trace_ops, in->trace_steps,
	        in->model_name[0] ? ", model " : "", in->model_name);
	char hash[33];
	char *resolved = resolved_config(in->cfg, hash);
	if (resolved) {
		fprintf(out, "  machine %.12s (simrun --print-config shows it whole)", hash);
		free(resolved);
	}
	for (size_t i = 0; i < in->nsets; i++)
		fprintf(out, "%s%s", i ? ", " : "; --set ", in->sets[i]);
	fputs("\n\n", out);
	fmt_time(b1, sizeof b1, time_s);
	fprintf(out, "total time   %s\n", b1);
	fprintf(out, "total energy %.4g J  (average power %.1f W)\n", energy,
	        time_s > 0 ? energy / time_s : 0);
	/* Blocks in order of first appearance, each with its actions. */
	for (int c = 0; c < ENERGY_ACTION_COUNT; c++) {
		const char *block = energy_action_block((enum energy_action)c);
		bool first = true;
		for (int k = 0; k < c; k++)
			if (!strcmp(energy_action_block((enum energy_action)k), block))
				first = false;
		if (!first)
			continue;
		double sum = 0;
		for (int k = c; k < ENERGY_ACTION_COUNT; k++)
			if (!strcmp(energy_action_block((enum energy_action)k), block))
				sum += r->energy_j[k];
		fprintf(out, "  %-6s %10.4g J  %5.1f %%  (", block, sum,
		        energy > 0 ? 100 * sum / energy : 0);
		const char *sep = "";
		for (int k = c; k < ENERGY_ACTION_COUNT; k++)
			if (!strcmp(energy_action_block((enum energy_action)k), block)) {
				fprintf(out, "%s%s %.3g", sep,
				        energy_action_name((enum energy_action)k), r->energy_j[k]);
				sep = ", ";
			}
		fprintf(out, ")\n");
	}

	/* Time to first token: the prefill steps; time per output token: the decode steps. */
	struct report_latency lat;
	report_latency(r, &lat);
	fputc('\n', out);
	if (lat.prefill_steps) {
		fmt_time(b1, sizeof b1, lat.ttft_s);
		if (lat.prefill_tokens_given)
			fprintf(out,
			        "time to first token (prefill)   %s  (%" PRIu64
			        " step%s, %.0f tokens, %.4g "
			        "tokens/s)\n",
			        b1, lat.prefill_steps, lat.prefill_steps == 1 ? "" : "s",
			        lat.prefill_tokens, lat.prefill_tokens_per_s);
		else /* a profile's ops, say, with no step record that counts tokens */
			fprintf(out,
			        "time to first token (prefill)   %s  (%" PRIu64
			        " step%s; the trace gives no token count)\n",
			        b1, lat.prefill_steps, lat.prefill_steps == 1 ? "" : "s");
	}
	if (lat.decode_steps) {
		char b3[32];
		fmt_time(b1, sizeof b1, lat.tpot_mean_s);
		fmt_time(b2, sizeof b2, lat.tpot_p50_s);
		fmt_time(b3, sizeof b3, lat.tpot_p99_s);
		fprintf(out,
		        "time per output token (decode)  %s mean, %s p50, %s p99  (%" PRIu64
		        " steps)\n",
		        b1, b2, b3, lat.decode_steps);
		fprintf(out, "output tokens per second        %.4g  (%.0f tokens)\n",
		        lat.output_tokens_per_s, lat.output_tokens);
	}

	uint64_t rest = r->rest[TRACE_STEP_PREFILL].steps + r->rest[TRACE_STEP_DECODE].steps;
	if (rest)
		fprintf(out,
		        "(steps from index %d on are summarised per kind: %" PRIu64
		        " of them; the JSON report lists the first %d)\n",
		        REPLAY_STEPS_MAX, rest, REPLAY_STEPS_MAX);

	/* What bounded the time, op by op: the bounds that took any, largest first. */
	fprintf(out, "\ntime by bound  ");
	bool listed[REPLAY_BOUND_COUNT] = { false };
	for (int n = 0; n < REPLAY_BOUND_COUNT; n++) {
		int best = -1;
		for (int i = 0; i < REPLAY_BOUND_COUNT; i++)
			if (!listed[i] && r->bound_ps[i] &&
			    (best < 0 || r->bound_ps[i] > r->bound_ps[best]))
				best = i;
		if (best < 0)
			break;
		listed[best] = true;
		fprintf(out, "%s%s %.1f %%", n ? ", " : "", replay_bound_name(best),
		        r->time_ps ? 100.0 * (double)r->bound_ps[best] / (double)r->time_ps : 0);
	}
	fputc('\n', out);
	fprintf(out, "\nby op type        ops       time    share  model\n");
	for (int t = 0; t < TRACE_OP_COUNT; t++) {
		const struct replay_type_total *bt = &r->by_type[t];
		if (!bt->ops)
			continue;
		fmt_time(b1, sizeof b1, ps_to_s(bt->time_ps));
		fprintf(out, "  %-10s %8" PRIu64 " %12s  %5.1f %%  %s\n",
		        trace_op_type_name((enum trace_op_type)t), bt->ops, b1,
		        r->time_ps ? 100.0 * bt->time_ps / r->time_ps : 0,
		        r->model_ops[t][ARCH_MODEL_NONE] ? "UNMODELLED on this machine (zero time)"
		                                         : type_model(r, t));
	}

	struct replay_type_total all = measured_total(r);
	if (all.measured_ops) {
		fmt_time(b1, sizeof b1,
		         ps_to_s(all.measured_fixed_ps) / (double)all.measured_ops);
		fprintf(out,
		        "\nmeasured (dur_ns) against simulated kernel time, ops that carry a "
		        "measurement. The kernel\ntime leaves out the fixed per-kernel cost "
		        "(core.launch + core.host_overhead, %s an op):\na profiler counts part of "
		        "it (a kernel's setup and teardown) in the kernel's duration and\nthe rest "
		        "(the launch) not; the model does not split it, so both are shown.\n",
		        b1);
		for (int t = 0; t <= TRACE_OP_COUNT; t++) {
			const struct replay_type_total *bt = t < TRACE_OP_COUNT ? &r->by_type[t] : &all;
			if (!bt->measured_ops)
				continue;
			double meas = (double)bt->measured_ns * 1e-9;
			double kern = ps_to_s(bt->measured_sim_ps);
			double full = ps_to_s(bt->measured_sim_ps + bt->measured_fixed_ps);
			fmt_time(b1, sizeof b1, meas);
			fmt_time(b2, sizeof b2, kern);
			char b3[32];
			fmt_time(b3, sizeof b3, full);
			fprintf(out,
			        "  %-10s %8" PRIu64 " ops  measured %12s  simulated %12s  (%+.1f %%),"
			        " with the fixed cost %12s  (%+.1f %%)\n",
			        t == TRACE_OP_COUNT ? "all"
			                            : trace_op_type_name((enum trace_op_type)t),
			        bt->measured_ops, b1, b2, meas > 0 ? 100.0 * (kern - meas) / meas : 0, b3,
			        meas > 0 ? 100.0 * (full - meas) / meas : 0);
		}
		/* Sums can cancel: op by op, the typical error and its spread. */
		fprintf(out, "  per op (simulated kernel - measured) / measured:\n");
		for (int t = 0; t <= TRACE_OP_COUNT; t++) {
			struct runinfo_errors e;
			runinfo_errors(info, t, &e);
			if (!e.ops)
				continue;
			fprintf(out,
			        "  %-10s %8" PRIu64
			        " ops  median %+7.1f %%  MAPE %6.1f %%  range %+.1f %% "
			        "to %+.1f %%\n",
			        t == TRACE_OP_COUNT ? "all"
			                            : trace_op_type_name((enum trace_op_type)t),
			        e.ops, e.median_pct, e.mape_pct, e.min_pct, e.max_pct);
		}
	}
	char warn[512];
	if (report_device_warning(in, warn, sizeof warn))
		fprintf(out, "  warning: %s\n", warn);

	size_t ng = 0;
	struct opstats_group **groups = opstats_sorted(info->stats, 0, &ng);
	/* The name column as wide as the longest name shown. */
	int w = 4;
	for (size_t i = 0; groups && i < ng && i < REPORT_TOP_GROUPS; i++)
		if ((int)strlen(groups[i]->label) > w)
			w = (int)strlen(groups[i]->label);
	fprintf(out, "\nslowest ops, by name (all layers and steps)\n");
	fprintf(out, "  %-*s %9s %10s %12s  %6s  %12s  %s\n", w, "name", "ops", "per step", "time",
	        "share", "mean", "bound (slowest)");
	for (size_t i = 0; groups && i < ng && i < REPORT_TOP_GROUPS; i++) {
		const struct opstats_group *g = groups[i];
		/* Per step it runs in: a prefill-only op is x32, not x6.4 over 5 steps; where steps
		 * run it a different number of times (MoE experts: all in prefill, top-k in
		 * decode), the mean. */
		char per[32] = "-";
		if (g->steps) {
			double ps = (double)g->ops / (double)g->steps;
			snprintf(per, sizeof per, ps == floor(ps) ? "x%.0f" : "x%.1f avg", ps);
		}
		fmt_time(b1, sizeof b1, ps_to_s(g->time_ps));
		fmt_time(b2, sizeof b2, ps_to_s(g->time_ps) / (double)g->ops);
		fprintf(out, "  %-*s %9" PRIu64 " %10s %12s  %5.1f %%  %12s  %s\n", w, g->label,
		        g->ops, per, b1,
		        r->time_ps ? 100.0 * (double)g->time_ps / (double)r->time_ps : 0, b2,
		        g->bound);
	}
	if (ng > REPORT_TOP_GROUPS)
		fprintf(out, "  (%zu more names: the JSON report's ops_by_name lists all)\n",
		        ng - REPORT_TOP_GROUPS);
	free(groups);
	if (r->ntop) {
		const struct replay_top_op *e = &r->top[0];
		fmt_time(b1, sizeof b1, ps_to_s(e->time_ps));
		fprintf(out, "  slowest single op: line %" PRIu64 ", %s %s, %s, %s bound%s%s\n",
		        e->line, trace_op_type_name(e->type), e->name[0] ? e->name : "-", b1,
		        e->bound, e->how && e->how[0] ? ", " : "", e->how ? e->how : "");
	}

	bool any_note = false;
	for (int i = 0; i < ARCH_NOTE_COUNT; i++) {
		const struct runinfo_note *n = &info->notes[i];
		if (!n->ops)
			continue;
		if (!any_note)
			fprintf(out, "\nnot exploited by this machine\n");
		any_note = true;
		fmt_time(b1, sizeof b1, ps_to_s(n->time_ps));
		fprintf(out, "  - %s: %" PRIu64 " ops, %s", arch_note_text(i), n->ops, b1);
		if ((1u << i) == ARCH_NOTE_DECODED) {
			fmt_time(b2, sizeof b2, ps_to_s(n->decode_ps));
			fprintf(out, " (%s of it decoding, per core)", b2);
		}
		fprintf(out, "; e.g. %s\n", n->example);
	}

	double u[ARCH_UTIL_COUNT];
	arch_utilisation(in->arch, r->time_ps, u);
	fprintf(out, "\nutilisation (busy share of the run)\n ");
	for (int i = 0; i < ARCH_UTIL_COUNT; i++)
		fprintf(out, "  %s %.1f %%", arch_util_label((enum arch_util)i), 100 * u[i]);
	struct arch_totals tot;
	arch_totals(in->arch, &tot);
	fprintf(out, "\nbytes        device memory %.4g GB  (metadata %.4g GB, scales %.4g GB)\n",
	        (double)tot.device_bytes * 1e-9, (double)tot.device_meta_bytes * 1e-9,
	        (double)tot.device_scale_bytes * 1e-9);
	bool any_limit = false;
	for (int i = 0; i < RUNINFO_LIMIT_COUNT; i++) {
		if (!info->met[i])
			continue;
		if (!any_limit)
			fprintf(out, "\nnot modelled, and met by this run:\n");
		any_limit = true;
		fprintf(out, "  - %s", runinfo_limit_text(i));
		if (i == RUNINFO_LIMIT_CLOCK_IN_OP)
			fprintf(out, " (%" PRIu64 " ops ran below full clock)",
			        info->power_limited_ops);
		fputc('\n', out);
	}
}
