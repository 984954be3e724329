#include "sim/replay.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sim/kernel.h"
#include "sim/log.h"

/* ---- result cache ---------------------------------------------------------------------- */

enum { CACHE_SLOTS = 1 << 14, CACHE_KEY_MAX = 320 };

struct replay_cache_entry {
	char key[CACHE_KEY_MAX];
	uint64_t time_ps;
	struct arch_op_result result;
	double energy_j[ENERGY_COMPONENT_COUNT];
	uint64_t hbm_bytes; /* device-memory bytes of the op, for its CSV row */
	uint64_t *delta;    /* one per registered counter */
};

struct replay_cache {
	struct replay_cache_entry *slots[CACHE_SLOTS];
	size_t used;
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void tensor_sig(char *buf, size_t len, const struct trace_tensor *t)
{
	char sp[64], q[64];
	if (!t) {
		snprintf(buf, len, "-");
		return;
	}
	trace_sparsity_format(&t->sp, sp, sizeof sp);
	trace_quant_format(&t->q, q, sizeof q);
	snprintf(buf, len, "%s/%" PRIu64 "x%" PRIu64 "/%s/%s", trace_dtype_name(t->dtype), t->rows,
	         t->cols, sp, q);
}

/* Everything about an op that the model reads, and nothing else. */
static void op_signature(char *key, size_t len, const struct trace_op *op)
{
	char t[160], pat[64], asp[32];
	switch (op->type) {
	case TRACE_OP_GEMM:
		tensor_sig(t, sizeof t, op->gemm.w);
		trace_real_format(op->gemm.asp, asp, sizeof asp);
		snprintf(key, len,
		         "gemm %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %s %s %s %s %s",
		         op->gemm.m, op->gemm.n, op->gemm.k, op->gemm.count, t,
		         trace_dtype_name(op->gemm.b), trace_dtype_name(op->gemm.a),
		         trace_dtype_name(op->gemm.out), asp);
		break;
	case TRACE_OP_ATTN:
		tensor_sig(t, sizeof t, op->attn.kv);
		trace_pattern_format(&op->attn.pat, pat, sizeof pat);
		snprintf(key, len,
		         "attn %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
		         " %d %s %s %s",
		         op->attn.b, op->attn.hq, op->attn.hkv, op->attn.d, op->attn.sq,
		         op->attn.skv, op->attn.causal, t, trace_dtype_name(op->attn.q), pat);
		break;
	case TRACE_OP_VEC:
		snprintf(key, len, "vec %s %" PRIu64 " %" PRIu64 " %" PRIu64 " %s",
		         trace_vec_kind_name(op->vec.kind), op->vec.rows, op->vec.cols,
		         op->vec.inputs, trace_dtype_name(op->vec.dtype));
		break;
	default:
		snprintf(key, len, "coll %s %" PRIu64 " %" PRIu64,
		         trace_coll_kind_name(op->coll.kind), op->coll.bytes, op->coll.ranks);
		break;
	}
}

static struct replay_cache_entry **cache_find(struct replay_cache *c, const char *key)
{
	size_t i = fnv1a(key) & (CACHE_SLOTS - 1);
	while (c->slots[i] && strcmp(c->slots[i]->key, key))
		i = (i + 1) & (CACHE_SLOTS - 1);
	return &c->slots[i];
}

/* ---- replay ---------------------------------------------------------------------------- */

void replay_csv_header(FILE *csv)
{
	fputs("index,line,step,type,layer,name,time_s,energy_j,bytes,bound,model\n", csv);
}

int replay_init(struct replay *r, struct arch *arch, struct stats *reg, struct trace_reader *reader,
                FILE *csv, bool use_cache)
{
	memset(r, 0, sizeof *r);
	r->arch = arch;
	r->reg = reg;
	r->reader = reader;
	r->csv = csv;
	r->use_cache = use_cache;
	r->snap0 = calloc(reg->count ? reg->count : 1, sizeof *r->snap0);
	r->delta = calloc(reg->count ? reg->count : 1, sizeof *r->delta);
	r->cache = use_cache ? calloc(1, sizeof *r->cache) : NULL;
	if (!r->snap0 || !r->delta || (use_cache && !r->cache))
		return -1;
	return 0;
}

void replay_fini(struct replay *r)
{
	if (r->cache) {
		for (size_t i = 0; i < CACHE_SLOTS; i++)
			if (r->cache->slots[i]) {
				free(r->cache->slots[i]->delta);
				free(r->cache->slots[i]);
			}
		free(r->cache);
	}
	free(r->snap0);
	free(r->delta);
	free(r->steps);
	memset(r, 0, sizeof *r);
}

static struct replay_step *step_at(struct replay *r, uint64_t index)
{
	while (r->nsteps <= index) {
		if (r->nsteps == r->cap_steps) {
			uint64_t cap = r->cap_steps ? 2 * r->cap_steps : 16;
			struct replay_step *s = realloc(r->steps, cap * sizeof *s);
			SIM_ASSERT(s != NULL, "replay", kernel_now_ps(), "out of memory");
			r->steps = s;
			r->cap_steps = cap;
		}
		/* Ops before the first step record form an implicit prefill step 0. */
		r->steps[r->nsteps++] = (struct replay_step){ TRACE_STEP_PREFILL, 0, 0, 0, 0, 0 };
	}
	return &r->steps[index];
}

static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void keep_top(struct replay *r, const struct trace_op *op, uint64_t t,
                     const struct arch_op_result *res)
{
	int pos = r->ntop;
	while (pos > 0 && r->top[pos - 1].time_ps < t) /* strictly slower first; ties keep order */
		pos--;
	if (pos >= REPLAY_TOP_OPS)
		return;
	int last = r->ntop < REPLAY_TOP_OPS ? r->ntop : REPLAY_TOP_OPS - 1;
	memmove(&r->top[pos + 1], &r->top[pos], (size_t)(last - pos) * sizeof r->top[0]);
	if (r->ntop < REPLAY_TOP_OPS)
		r->ntop++;
	struct replay_top_op *e = &r->top[pos];
	e->index = op->index;
	e->line = op->line;
	e->step = op->step;
	e->time_ps = t;
	e->type = op->type;
	e->layer = op->layer;
	snprintf(e->name, sizeof e->name, "%.63s", op->name);
	e->bound = res->bound;
	e->model = arch_model_name(res->model);
	e->how = res->how;
}

static void replay_next(void *ctx);

/* Books a finished op: totals, its step, its type, the CSV row; then the next record. */
static void op_finished(struct replay *r, uint64_t t, const struct arch_op_result *res,
                        const double energy[ENERGY_COMPONENT_COUNT], uint64_t hbm_bytes)
{
	const struct trace_op *op = &r->op;
	double e = 0;
	for (int c = 0; c < ENERGY_COMPONENT_COUNT; c++) {
		r->energy_j[c] += energy[c];
		e += energy[c];
	}
	r->ops++;
	r->time_ps += t;
	struct replay_step *s = step_at(r, op->step);
	s->ops++;
	s->time_ps += t;
	s->energy_j += e;
	struct replay_type_total *bt = &r->by_type[op->type];
	bt->ops++;
	bt->time_ps += t;
	bt->energy_j += e;
	if (op->has_dur) {
		bt->measured_ops++;
		bt->measured_ns += op->dur_ns;
		bt->measured_sim_ps += t;
	}
	r->model_ops[op->type][res->model]++;
	keep_top(r, op, t, res);
	if (r->csv) {
		fprintf(r->csv, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%s,", op->index, op->line,
		        op->step, trace_op_type_name(op->type));
		if (op->layer >= 0)
			fprintf(r->csv, "%" PRId64, op->layer);
		fputc(',', r->csv);
		csv_field(r->csv, op->name);
		fprintf(r->csv, ",%.6e,%.6e,%" PRIu64 ",%s,%s\n", (double)t * 1e-12, e, hbm_bytes,
		        res->bound, arch_model_name(res->model));
	}
	replay_next(r);
}

static void priced_delta(struct replay *r, uint64_t t, double energy[ENERGY_COMPONENT_COUNT],
                         uint64_t *hbm_bytes)
{
	struct energy_counts now, d;
	arch_energy_counts(r->arch, &now);
	for (int p = 0; p < TENSOR_PREC_COUNT; p++)
		d.macs[p] = now.macs[p] - r->counts0.macs[p];
	d.sparse_macs = now.sparse_macs - r->counts0.sparse_macs;
	d.vec_ops = now.vec_ops - r->counts0.vec_ops;
	d.smem_bytes = now.smem_bytes - r->counts0.smem_bytes;
	d.l2_bytes = now.l2_bytes - r->counts0.l2_bytes;
	d.hbm_bytes = now.hbm_bytes - r->counts0.hbm_bytes;
	d.inmem_macs = now.inmem_macs - r->counts0.inmem_macs;
	d.link_bytes = now.link_bytes - r->counts0.link_bytes;
	d.cores = now.cores;
	d.time_s = (double)t * 1e-12;
	energy_price(&r->arch->cfg->energy, &d, energy);
	*hbm_bytes = d.hbm_bytes;
}

static void op_simulated(void *ctx)
{
	struct replay *r = ctx;
	const struct arch_op_result *res = arch_last_result(r->arch);
	double energy[ENERGY_COMPONENT_COUNT];
	uint64_t hbm_bytes;
	priced_delta(r, res->time_ps, energy, &hbm_bytes);
	if (r->cache && r->cache->used < CACHE_SLOTS / 2) {
		char key[CACHE_KEY_MAX];
		op_signature(key, sizeof key, &r->op);
		struct replay_cache_entry **slot = cache_find(r->cache, key);
		struct replay_cache_entry *e = malloc(sizeof *e);
		uint64_t *delta = malloc(r->reg->count * sizeof *delta);
		if (e && delta && !*slot) {
			snprintf(e->key, sizeof e->key, "%s", key);
			e->time_ps = res->time_ps;
			e->result = *res;
			e->hbm_bytes = hbm_bytes;
			memcpy(e->energy_j, energy, sizeof energy);
			stats_snapshot(r->reg, delta);
			for (size_t i = 0; i < r->reg->count; i++)
				delta[i] -= r->snap0[i];
			e->delta = delta;
			*slot = e;
			r->cache->used++;
		} else {
			free(e);
			free(delta);
		}
	}
	op_finished(r, res->time_ps, res, energy, hbm_bytes);
}

static void op_from_cache(void *ctx)
{
	struct replay *r = ctx;
	struct replay_cache_entry *e = r->hit;
	r->hit = NULL;
	op_finished(r, e->time_ps, &e->result, e->energy_j, e->hbm_bytes);
}

static void start_op(struct replay *r)
{
	if (r->cache) {
		char key[CACHE_KEY_MAX];
		op_signature(key, sizeof key, &r->op);
		struct replay_cache_entry *e = *cache_find(r->cache, key);
		if (e) {
			r->cache_hits++;
			stats_add(r->reg, e->delta);
			r->hit = e;
			kernel_call_at(e->time_ps, op_from_cache, r);
			return;
		}
	}
	stats_snapshot(r->reg, r->snap0);
	arch_energy_counts(r->arch, &r->counts0);
	arch_op_start(r->arch, &r->op, op_simulated, r);
}

static void replay_next(void *ctx)
{
	struct replay *r = ctx;
	struct trace_record rec;
	for (;;) {
		int rc = trace_next(r->reader, &rec);
		if (rc == 0)
			return; /* no event left: the simulation ends */
		if (rc < 0) {
			log_error("%s", trace_error(r->reader));
			r->failed = 1;
			return;
		}
		switch (rec.kind) {
		case TRACE_REC_META:
			if (!r->model_name[0])
				trace_meta_value(rec.meta_text, "model", r->model_name,
				                 sizeof r->model_name);
			break;
		case TRACE_REC_TENSOR: r->tensors++; break;
		case TRACE_REC_STEP: {
			struct replay_step *s = step_at(r, rec.step.index);
			s->kind = rec.step.kind;
			s->tokens = rec.step.tokens;
			s->batch = rec.step.batch;
			break;
		}
		case TRACE_REC_OP:
			r->op = rec.op;
			start_op(r);
			return;
		default: break;
		}
	}
}

void replay_start(struct replay *r)
{
	kernel_call_at(0, replay_next, r);
}
