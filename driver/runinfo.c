#include "driver/runinfo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/opdesc.h"
#include "sim/log.h"

const char *runinfo_limit_text(int i)
{
	static const char *const text[RUNINFO_LIMIT_COUNT] = {
		"vec ops use a roofline per kind (bytes over achievable bandwidth against vector "
		"work, plus launch; norms read no faster than their kernel's bytes in flight allow), "
		"not tiles",
		"activations kept in L2 from one op to the next (traces do not name them; weights "
		"and KV caches are kept); dirty write-backs (outputs are written through); "
		"concurrent kernels",
		"clock changes inside an op (the power governor sets one clock per op); thermal "
		"limits",
		"bank conflicts of sparse scatters (the scatter's cost is per element)",
		"decoding activation-sparsity (asp=) index lists",
		"energy of links beyond a placeholder energy per bit (energy.link_bit, not sourced)",
		"energy of instruction issue and control",
		"coll ops: this machine has no link model (link.bandwidth = 0): zero time, counted "
		"as unmodelled",
	};
	return i >= 0 && i < RUNINFO_LIMIT_COUNT ? text[i] : "";
}

static size_t want_tiles(void *ctx, const struct trace_op *op)
{
	struct runinfo *ri = ctx;
	return ri->timeline ? timeline_selected(ri->timeline, op) : 0;
}

static void close_step(struct runinfo *ri)
{
	if (ri->timeline && ri->step_open)
		timeline_step(ri->timeline, ri->step_index, trace_step_kind_name(ri->step_kind),
		              ri->step_start_ps, ri->step_end_ps - ri->step_start_ps, ri->step_ops,
		              ri->step_energy_j);
	ri->step_open = false;
}

static void timeline_feed(struct runinfo *ri, const struct replay_op_done *d)
{
	if (!ri->timeline)
		return;
	if (!ri->step_open || ri->step_index != d->op->step) {
		close_step(ri);
		ri->step_open = true;
		ri->step_index = d->op->step;
		ri->step_kind = d->step_kind;
		ri->step_start_ps = d->start_ps;
		ri->step_ops = 0;
		ri->step_energy_j = 0;
	}
	ri->step_end_ps = d->start_ps + d->time_ps;
	ri->step_ops++;
	ri->step_energy_j += d->energy_j;
	timeline_op(ri->timeline, d->op, d->start_ps, d->res, d->energy_j, d->hbm_bytes,
	            ri->cfg->l2.bandwidth, d->tiles, d->ntiles, d->tiles_dropped);
}

static int add_error(struct runinfo *ri, int t, double pct)
{
	if (ri->nerr[t] == ri->cap_err[t]) {
		size_t cap = ri->cap_err[t] ? 2 * ri->cap_err[t] : 64;
		double *e = realloc(ri->err[t], cap * sizeof *e);
		if (!e)
			return -1;
		ri->err[t] = e;
		ri->cap_err[t] = cap;
	}
	ri->err[t][ri->nerr[t]++] = pct;
	return 0;
}

static void note_limits(struct runinfo *ri, const struct replay_op_done *d)
{
	const struct trace_op *op = d->op;
	const struct arch_op_result *res = d->res;
	ri->met[RUNINFO_LIMIT_ISSUE_ENERGY] = true;
	if (op->type == TRACE_OP_VEC)
		ri->met[RUNINFO_LIMIT_VEC_ROOFLINE] = true;
	if (res->model == ARCH_MODEL_TILES)
		ri->met[RUNINFO_LIMIT_L2_ACROSS_OPS] = true;
	if (res->model != ARCH_MODEL_NONE && res->clock_hz < ri->cfg->core.freq * (1 - 1e-9)) {
		ri->met[RUNINFO_LIMIT_CLOCK_IN_OP] = true;
		ri->power_limited_ops++;
	}
	if (op->type == TRACE_OP_GEMM && op->gemm.w) {
		enum trace_sp_kind k = op->gemm.w->sp.kind;
		if (k == TRACE_SP_UNSTRUCTURED || k == TRACE_SP_VNM || k == TRACE_SP_BLOCK)
			ri->met[RUNINFO_LIMIT_SCATTER_BANKS] = true;
	}
	if (op->type == TRACE_OP_GEMM && op->gemm.asp < 1 && ri->cfg->tensor.skips_zero_activations)
		ri->met[RUNINFO_LIMIT_ASP_INDEXES] = true;
	if (op->type == TRACE_OP_COLL)
		ri->met[res->model == ARCH_MODEL_NONE ? RUNINFO_LIMIT_UNMODELLED_COLL
		                                      : RUNINFO_LIMIT_LINK_ENERGY] = true;
}

static int op_done(void *ctx, const struct replay_op_done *d)
{
	struct runinfo *ri = ctx;
	const struct trace_op *op = d->op;
	const struct arch_op_result *res = d->res;
	/* Its groups, as pass 1 found them (opstats_resolve into ri->stats, simrun_main.c). */
	SIM_ASSERT(d->tags && d->tags->stats.label, "runinfo", 0,
	           "op at line %llu has no statistics groups from pass 1",
	           (unsigned long long)op->line);
	opstats_book(&d->tags->stats, op, d->time_ps, d->time_ps - res->gap_ps, d->energy_j,
	             d->hbm_bytes, res->bound);
	for (int i = 0; i < ARCH_NOTE_COUNT; i++) {
		if (!(res->notes & (1u << i)))
			continue;
		struct runinfo_note *n = &ri->notes[i];
		if (!n->ops) {
			char label[64], shape[64], format[64];
			opdesc_label(op, label, sizeof label);
			opdesc_shape(op, shape, sizeof shape);
			opdesc_format(op, format, sizeof format);
			snprintf(n->example, sizeof n->example, "%s %s, %s (line %llu)", label,
			         shape, format, (unsigned long long)op->line);
		}
		n->ops++;
		n->time_ps += d->time_ps;
		if ((1u << i) == ARCH_NOTE_DECODED)
			n->decode_ps += res->decode_ps;
	}
	note_limits(ri, d);
	/* The precision follows from the op type and its operands' dtypes: each pair once. */
	bool *seen = NULL;
	if (op->type == TRACE_OP_GEMM)
		seen = &ri->roofs_seen[0][op->gemm.a][op->gemm.w ? op->gemm.w->dtype : op->gemm.b];
	else if (op->type == TRACE_OP_ATTN)
		seen = &ri->roofs_seen[1][op->attn.q][op->attn.q];
	struct arch_peak pk[2];
	size_t np = seen && !*seen ? arch_op_peaks(ri->cfg, op, pk) : 0;
	if (seen)
		*seen = true;
	for (size_t i = 0; i < np; i++) {
		size_t j = 0;
		while (j < ri->nroofs && strcmp(ri->roofs[j].name, pk[i].name))
			j++;
		if (j == ri->nroofs && j < RUNINFO_ROOFS)
			ri->roofs[ri->nroofs++] = pk[i];
	}
	if (op->has_dur && op->dur_ns > 0) {
		double sim_ns = (double)(d->time_ps - res->gap_ps) * 1e-3;
		if (add_error(ri, op->type,
		              100 * (sim_ns - (double)op->dur_ns) / (double)op->dur_ns))
			return -1;
	}
	timeline_feed(ri, d);
	return 0;
}

int runinfo_init(struct runinfo *ri, const struct arch_config *cfg)
{
	memset(ri, 0, sizeof *ri);
	ri->cfg = cfg;
	ri->listener = (struct replay_listener){ want_tiles, op_done, ri };
	ri->stats = opstats_new();
	return ri->stats ? 0 : -1;
}

void runinfo_fini(struct runinfo *ri)
{
	opstats_free(ri->stats);
	for (int t = 0; t < TRACE_OP_COUNT; t++)
		free(ri->err[t]);
	memset(ri, 0, sizeof *ri);
}

void runinfo_finish(struct runinfo *ri)
{
	close_step(ri);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

void runinfo_errors(const struct runinfo *ri, int t, struct runinfo_errors *out)
{
	memset(out, 0, sizeof *out);
	size_t n = 0;
	for (int k = 0; k < TRACE_OP_COUNT; k++)
		if (t == TRACE_OP_COUNT || t == k)
			n += ri->nerr[k];
	if (!n)
		return;
	double *v = malloc(n * sizeof *v);
	if (!v)
		return;
	size_t i = 0;
	for (int k = 0; k < TRACE_OP_COUNT; k++)
		if ((t == TRACE_OP_COUNT || t == k) && ri->nerr[k]) {
			memcpy(v + i, ri->err[k], ri->nerr[k] * sizeof *v);
			i += ri->nerr[k];
		}
	qsort(v, n, sizeof *v, cmp_double);
	double sum = 0;
	for (i = 0; i < n; i++)
		sum += fabs(v[i]);
	out->ops = n;
	out->median_pct = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	out->mape_pct = sum / (double)n;
	out->min_pct = v[0];
	out->max_pct = v[n - 1];
	free(v);
}
