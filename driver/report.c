#include "driver/report.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <string.h>

#include "sim/log.h"

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

/* Always true of the model; the report adds the limits this run hit (unmodelled ops). */
static const char *const not_modelled[] = {
	"vec ops use a roofline per kind (bytes over achievable bandwidth against vector work, "
	"plus launch), not tiles",
	"activations kept in L2 from one op to the next (traces do not name them; weights and KV "
	"caches are kept); dirty write-backs (outputs are written through); concurrent kernels",
	"clock changes inside an op (the power governor sets one clock per op); thermal limits",
	"bank conflicts of sparse scatters; decoding activation-sparsity (asp=) index lists",
	"energy of links, instruction issue and control",
};

static const char coll_unmodelled[] = "coll ops: this machine has no link model (link.bandwidth = "
                                      "0): zero time, counted as unmodelled";

/* The ops that carry a measured duration (dur_ns), all types together. */
static struct replay_type_total measured_total(const struct replay *r)
{
	struct replay_type_total all = { 0 };
	for (int t = 0; t < TRACE_OP_COUNT; t++) {
		all.measured_ops += r->by_type[t].measured_ops;
		all.measured_ns += r->by_type[t].measured_ns;
		all.measured_sim_ps += r->by_type[t].measured_sim_ps;
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

int report_write_json(FILE *out, const struct report_input *in)
{
	const struct replay *r = in->replay;
	json_object *root = json_object_new_object();
	json_object_object_add(root, "schema", json_object_new_string("nmsim.report.v1"));
	json_object_object_add(root, "version", json_object_new_string(NMSIM_VERSION));

	json_object *arch = json_object_new_object();
	json_object_object_add(arch, "file", json_object_new_string(in->arch_file));
	json_object_object_add(arch, "name", json_object_new_string(in->cfg->top.name));
	json_object_object_add(root, "arch", arch);

	json_object *trace = json_object_new_object();
	json_object_object_add(trace, "file", json_object_new_string(in->trace_file));
	json_object_object_add(trace, "ops", json_object_new_int64((int64_t)in->trace_ops));
	json_object_object_add(trace, "steps", json_object_new_int64((int64_t)in->trace_steps));
	if (in->model_name[0])
		json_object_object_add(trace, "model", json_object_new_string(in->model_name));
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

	json_object *nm = json_object_new_array();
	for (size_t i = 0; i < sizeof not_modelled / sizeof *not_modelled; i++)
		json_object_array_add(nm, json_object_new_string(not_modelled[i]));
	if (r->model_ops[TRACE_OP_COLL][ARCH_MODEL_NONE])
		json_object_array_add(nm, json_object_new_string(coll_unmodelled));
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
	char b1[32], b2[32];
	double time_s = ps_to_s(r->time_ps), energy = total_energy(r);
	fprintf(out, "nmsim %s: %s on %s (%s)\n", NMSIM_VERSION, in->trace_file, in->cfg->top.name,
	        in->arch_file);
	fprintf(out, "  %" PRIu64 " ops in %" PRIu64 " steps%s%s\n\n", in->trace_ops,
	        in->trace_steps, in->model_name[0] ? ", model " : "", in->model_name);
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

	/* Time to first token: the prefill steps; time per output token: mean decode step. */
	uint64_t prefill_ps = r->rest[TRACE_STEP_PREFILL].time_ps;
	uint64_t decode_ps = r->rest[TRACE_STEP_DECODE].time_ps;
	uint64_t ndecode = r->rest[TRACE_STEP_DECODE].steps;
	for (uint64_t i = 0; i < r->nsteps; i++) {
		if (r->steps[i].kind == TRACE_STEP_PREFILL)
			prefill_ps += r->steps[i].time_ps;
		else {
			decode_ps += r->steps[i].time_ps;
			ndecode++;
		}
	}
	fmt_time(b1, sizeof b1, ps_to_s(prefill_ps));
	fprintf(out, "\ntime to first token (prefill)   %s\n", b1);
	if (ndecode) {
		fmt_time(b2, sizeof b2, ps_to_s(decode_ps) / (double)ndecode);
		fprintf(out, "time per output token (decode)  %s  (mean of %" PRIu64 " steps)\n",
		        b2, ndecode);
	}

	uint64_t rest = r->rest[TRACE_STEP_PREFILL].steps + r->rest[TRACE_STEP_DECODE].steps;
	if (rest)
		fprintf(out,
		        "(steps from index %d on are summarised per kind: %" PRIu64
		        " of them; the JSON report lists the first %d)\n",
		        REPLAY_STEPS_MAX, rest, REPLAY_STEPS_MAX);

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
		fprintf(out,
		        "\nmeasured (dur_ns) against simulated kernel time (launch gaps left out), ops that carry a measurement\n");
		for (int t = 0; t < TRACE_OP_COUNT; t++) {
			const struct replay_type_total *bt = &r->by_type[t];
			if (!bt->measured_ops)
				continue;
			fmt_time(b1, sizeof b1, (double)bt->measured_ns * 1e-9);
			fmt_time(b2, sizeof b2, ps_to_s(bt->measured_sim_ps));
			fprintf(out,
			        "  %-10s %8" PRIu64
			        " ops  measured %12s  simulated %12s  (%+.1f %%)\n",
			        trace_op_type_name((enum trace_op_type)t), bt->measured_ops, b1, b2,
			        bt->measured_ns ? 100.0 *
			                              ((double)bt->measured_sim_ps * 1e-3 -
			                               (double)bt->measured_ns) /
			                              (double)bt->measured_ns
			                        : 0);
		}
		fmt_time(b1, sizeof b1, (double)all.measured_ns * 1e-9);
		fmt_time(b2, sizeof b2, ps_to_s(all.measured_sim_ps));
		fprintf(
		    out, "  %-10s %8" PRIu64 " ops  measured %12s  simulated %12s  (%+.1f %%)\n",
		    "all", all.measured_ops, b1, b2,
		    all.measured_ns
		        ? 100.0 * ((double)all.measured_sim_ps * 1e-3 - (double)all.measured_ns) /
		              (double)all.measured_ns
		        : 0);
	}

	fprintf(out, "\nslowest ops\n");
	for (int i = 0; i < r->ntop; i++) {
		const struct replay_top_op *e = &r->top[i];
		fmt_time(b1, sizeof b1, ps_to_s(e->time_ps));
		fprintf(out, "  line %-7" PRIu64 " %-5s %-12.12s %12s  %-8s bound%s%s\n", e->line,
		        trace_op_type_name(e->type), e->name[0] ? e->name : "-", b1, e->bound,
		        e->how && e->how[0] ? "  " : "", e->how ? e->how : "");
	}

	double u[ARCH_UTIL_COUNT];
	arch_utilisation(in->arch, r->time_ps, u);
	fprintf(out, "\nutilisation");
	for (int i = 0; i < ARCH_UTIL_COUNT; i++)
		fprintf(out, "  %s %.1f %%", arch_util_label((enum arch_util)i), 100 * u[i]);
	struct arch_totals tot;
	arch_totals(in->arch, &tot);
	fprintf(out, "\nbytes        device memory %.4g GB  (metadata %.4g GB, scales %.4g GB)\n",
	        (double)tot.device_bytes * 1e-9, (double)tot.device_meta_bytes * 1e-9,
	        (double)tot.device_scale_bytes * 1e-9);
	fprintf(out, "\nnot modelled:\n");
	for (size_t i = 0; i < sizeof not_modelled / sizeof *not_modelled; i++)
		fprintf(out, "  - %s\n", not_modelled[i]);
	if (r->model_ops[TRACE_OP_COLL][ARCH_MODEL_NONE])
		fprintf(out, "  - %s\n", coll_unmodelled);
}
