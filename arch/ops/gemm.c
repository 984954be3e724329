/* gemm — the GEMM op kind and its tile program: what a work item of a GEMM covers, what each K
 * step loads and computes, and what the item stores (arch/lower chose the tiles; the fabric
 * routes the bytes).
 *
 * Models: output tiles in CUTLASS's threadblock-swizzled order, split-K parts innermost; per
 * step an A tile (tokens x K step) and a B tile (weight rows x K step, compressed as stored);
 * MMA time with the instruction's padding (8 on the token side, 16 on the weight side), weight
 * the decode stage (arch/formats: unpacking, scaling, scattering the stored weight, gathering
 * V:N:M's activation columns) on the core's issue slots overlapped with it; fp32 partials of split-K stay in L2
 * and are reduced at the end.
 * Not: stream-K, epilogue fusion, register-level reuse effects.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "arch/lower/lower.h"
#include "arch/ops/ops.h"
#include "sim/arith.h"
#include "sim/log.h"

static uint64_t step_k(const struct lower_gemm_plan *p, uint64_t step)
{
	uint64_t left = p->k_eff - step * p->tile_k;
	return left < p->tile_k ? left : p->tile_k;
}

static int gemm_check(const struct arch_config *cfg, const struct trace_op *op, char *err,
                      size_t errlen)
{
	struct lower_gemm_size size;
	if (lower_gemm_check(cfg, op, &size, err, errlen))
		return -1;
	/* K steps of the smallest tile K any menu offers (arch/lower): no plan has more. */
	uint64_t steps = (size.k_eff + LOWER_MIN_TILE_K - 1) / LOWER_MIN_TILE_K;
	if (steps > OPS_ITEM_STEPS_MAX) {
		snprintf(err, errlen,
		         "k=%llu: %llu K steps of %d, the smallest tile, beyond the %llu steps one "
		         "tile of the model plays (split K across ops)",
		         (unsigned long long)op->gemm.k, (unsigned long long)steps,
		         LOWER_MIN_TILE_K, (unsigned long long)OPS_ITEM_STEPS_MAX);
		return -1;
	}
	return ops_check_time(size.min_ps, err, errlen);
}

static const struct tile_program gemm_program;

/* What the machine does not exploit of op's operands (enum arch_note). */
static unsigned gemm_notes(const struct trace_op *op, const struct lower_gemm_plan *p)
{
	const struct trace_tensor *w = op->gemm.w;
	enum trace_dtype wdt = w ? w->dtype : op->gemm.b;
	unsigned notes = 0;
	if (w && w->sp.kind != TRACE_SP_DENSE && !p->b.native_sparse)
		notes |= strstr(p->b.how, "stored dense") ? ARCH_NOTE_STORED_DENSE
		                                          : ARCH_NOTE_SPARSE_DENSE_MATH;
	/* Both operands of one precision class, yet the math runs wider: no datapath for it. */
	if (tensor_dtype_class(op->gemm.a) == tensor_dtype_class(wdt) &&
	    tensor_dtype_class(wdt) != p->prec)
		notes |= ARCH_NOTE_PROMOTED;
	/* Decoding beyond a native sparse layout's own (quantized values, scales, a scatter). */
	bool plain_native = p->b.native_sparse && tensor_dtype_class(wdt) == p->prec &&
	                    (!w || w->q.kind == TRACE_Q_NONE);
	if (p->decode_instr > 0 && !plain_native)
		notes |= ARCH_NOTE_DECODED;
	return notes;
}

static void gemm_plan(const struct arch_config *cfg, struct fabric *fabric,
                      const struct trace_op *op, void *plan, struct ops_launch *out)
{
	(void)fabric;
	char err[256];
	struct lower_gemm_plan *p = plan;
	SIM_ASSERT(lower_gemm(cfg, op, p, err, sizeof err) == 0, "arch/lower", kernel_now_ps(),
	           "op at line %llu passed its check but failed to lower: %s",
	           (unsigned long long)op->line, err);
	log_debug("line %llu: gemm %llux%llux%llu x%llu %s: tile %llux%llux%llu, %llu stages, "
	          "split %llu, %llu items of %llu steps, estimate %.2f us, memory latency %.0f ns",
	          (unsigned long long)op->line, (unsigned long long)p->m, (unsigned long long)p->n,
	          (unsigned long long)p->k, (unsigned long long)p->count, tensor_prec_name(p->prec),
	          (unsigned long long)p->tile_m, (unsigned long long)p->tile_n,
	          (unsigned long long)p->tile_k, (unsigned long long)p->stages,
	          (unsigned long long)p->split, (unsigned long long)p->items,
	          (unsigned long long)p->steps_per_item, p->est_ps * 1e-6,
	          p->hbm_latency_ps * 1e-3);
	uint64_t bcount = p->b_shared ? 1 : p->count;
	*out = (struct ops_launch){ .model = ARCH_MODEL_TILES,
		                    .how = p->how,
		                    .prog = &gemm_program,
		                    .stages = p->stages,
		                    .items = p->items,
		                    .hbm_latency_ps = (uint64_t)llround(p->hbm_latency_ps) };
	out->l2_tiles = ops_l2_tiles(cfg, ops_sat_mul(ops_sat_add(ops_sat_mul(p->tiles_m, p->count),
	                                                          ops_sat_mul(p->tiles_n, bcount)),
	                                              p->steps_total));
	out->notes = gemm_notes(op, p);
	if (ops_keep_key(op)) {
		out->keep = ops_keep_key(op);
		out->keep_bytes = bytes_of((double)p->n * p->k_eff / p->b.k_fraction *
		                           formats_bits(&p->b) / 8 * (double)bcount);
	}
	/* Inside a group of `swizzle` tile rows the launch order repeats every column (the same A
	 * rows, the next B columns), each tile with its split parts. */
	out->period_items = p->swizzle * p->split;
	if (p->tiles_m % p->swizzle == 0)
		out->group_items = p->swizzle * p->tiles_n * p->split;
}

static void gemm_item(const struct tile_run *run, uint64_t item, struct core *c)
{
	const struct lower_gemm_plan *p = run->plan;
	/* Item order: batch, then output tiles in the threadblock swizzle of arch/lower (columns
	 * of `swizzle` tile rows, so that the cores busy at once cover a compact block of C and
	 * share A and B tiles through L2), split-K part innermost. */
	uint64_t part = item % p->split;
	item /= p->split;
	uint64_t per_batch = p->tiles_m * p->tiles_n;
	c->batch = item / per_batch;
	uint64_t t = item % per_batch;
	uint64_t group = t / (p->swizzle * p->tiles_n);
	uint64_t first = group * p->swizzle;
	uint64_t height = p->tiles_m - first < p->swizzle ? p->tiles_m - first : p->swizzle;
	uint64_t r = t % (p->swizzle * p->tiles_n);
	c->ti = first + r % height;
	c->tj = r / height;
	c->rows = p->m - c->ti * p->tile_m < p->tile_m ? p->m - c->ti * p->tile_m : p->tile_m;
	c->cols = p->n - c->tj * p->tile_n < p->tile_n ? p->n - c->tj * p->tile_n : p->tile_n;
	c->step0 = part * p->steps_per_item;
	uint64_t end = c->step0 + p->steps_per_item;
	c->nsteps = (end > p->steps_total ? p->steps_total : end) - c->step0;
}

/* The keys of step `step`'s A tile (its token rows) and B tile (its weight columns). */
static void gemm_rekey(const struct tile_run *run, const struct core *c, uint64_t step,
                       struct tile_load *ld)
{
	const struct lower_gemm_plan *p = run->plan;
	/* A weight is shared by every GEMM of a batched op; activations are not. */
	uint64_t bbatch = p->b_shared ? 0 : c->batch;
	ld->key_a = fabric_tile_key(0, c->batch, c->ti, step);
	ld->key_b = fabric_tile_key(1, bbatch, c->tj, step);
}

static void gemm_tiles(const struct tile_run *run, const struct core *c, uint64_t step,
                       struct tile_load *out)
{
	const struct lower_gemm_plan *p = run->plan;
	uint64_t k = step_k(p, step);
	uint64_t abytes = bytes_of((double)c->rows * k * formats_bits(&p->a) / 8);
	double bdense = (double)c->cols * k / p->b.k_fraction;
	uint64_t bbytes = bytes_of(bdense * formats_bits(&p->b) / 8);
	double bbits = formats_bits(&p->b), abits = formats_bits(&p->a);
	*out = (struct tile_load){
		.bytes_a = abytes,
		.scale_a = bytes_of(abytes * p->a.scale_bits / abits),
		.bytes_b = bbytes,
		.meta_b = bytes_of(bbytes * p->b.meta_bits / bbits),
		.scale_b = bytes_of(bbytes * p->b.scale_bits / bbits),
	};
	gemm_rekey(run, c, step, out);
}

static uint64_t gemm_compute(struct tile_run *run, struct core *c, uint64_t step)
{
	const struct lower_gemm_plan *p = run->plan;
	uint64_t k = step_k(p, step);
	double mma = (double)pad_up(c->rows, 8) * pad_up(c->cols, 16) * k * p->ps_per_mac;
	uint64_t macs = (uint64_t)llround((double)c->rows * c->cols * k / p->b.math_speedup);
	double bdense = (double)c->cols * k / p->b.k_fraction;
	double decode =
	    bdense * p->decode_ps_per_elem + (double)c->rows * k * p->gather_ps_per_elem;
	uint64_t vec_ops = (uint64_t)(bdense * p->decode_instr);
	uint64_t buf = bytes_of((double)c->rows * k * formats_bits(&p->a) / 8 +
	                        bdense * formats_bits(&p->b) / 8);
	struct fabric_compute w = { .prec = p->prec,
		                    .mma_ps = mma,
		                    .macs = macs,
		                    .sparse = p->b.native_sparse,
		                    .decode_ps = decode,
		                    .vec_ops = vec_ops,
		                    .serial = false,
		                    .smem_bytes = buf };
	return fabric_compute(run->fabric, &w);
}

static uint64_t gemm_store(struct tile_run *run, struct core *c)
{
	const struct lower_gemm_plan *p = run->plan;
	/* Split-K parts leave fp32 partials in L2 for the reduction; whole tiles go to memory. */
	double bits = p->split > 1 ? 32 : formats_bits(&p->c);
	return fabric_store(run->fabric, c, bytes_of((double)c->rows * c->cols * bits / 8),
	                    p->split == 1);
}

static uint64_t gemm_drain(struct tile_run *run)
{
	const struct lower_gemm_plan *p = run->plan;
	if (p->split == 1)
		return kernel_now_ps();
	/* Reduction of the fp32 partials: read them from L2, write the output. */
	uint64_t elems = p->m * p->n * p->count;
	return fabric_reduce(run->fabric, elems * 4 * p->split,
	                     bytes_of((double)elems * formats_bits(&p->c) / 8), elems * p->split);
}

/* The end of item's swizzle group (its batch's last group may be shorter). */
static uint64_t gemm_stretch_end(const struct tile_run *run, uint64_t item)
{
	const struct lower_gemm_plan *p = run->plan;
	uint64_t tile = item / p->split, per_batch = p->tiles_m * p->tiles_n;
	uint64_t batch = tile / per_batch, t = tile % per_batch;
	uint64_t group_tiles = p->swizzle * p->tiles_n;
	uint64_t end = (t / group_tiles + 1) * group_tiles;
	if (end > per_batch)
		end = per_batch;
	return (batch * per_batch + end) * p->split;
}

static const struct tile_program gemm_program = {
	"gemm",     gemm_item,  gemm_tiles,       gemm_compute,
	gemm_store, gemm_drain, gemm_stretch_end, gemm_rekey,
};

const struct op_kind ops_gemm = {
	"gemm", sizeof(struct lower_gemm_plan), gemm_check, gemm_plan, lower_gemm_candidates,
};
