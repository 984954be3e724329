/* arch_gemm — the GEMM tile program: what a work item of a GEMM covers, what each K step loads
 * and computes, and what the item stores (arch/lower chose the tiles; arch.c routes the bytes).
 *
 * Models: output tiles in CUTLASS's threadblock-swizzled order, split-K parts innermost; per
 * step an A tile (tokens x K step) and a B tile (weight rows x K step, compressed as stored);
 * MMA time with the instruction's padding (8 on the token side, 16 on the weight side), weight
 * dequantization on the vector units overlapped with it; fp32 partials of split-K stay in L2
 * and are reduced at the end.
 * Not: stream-K, epilogue fusion, register-level reuse effects.
 */
#include <math.h>

#include "arch/arch.h"
#include "sim/log.h"

static uint64_t bytes_of(double b)
{
	return (uint64_t)ceil(b);
}

static uint64_t pad_up(uint64_t x, uint64_t g)
{
	return (x + g - 1) / g * g;
}

static uint64_t step_k(const struct lower_gemm_plan *p, uint64_t step)
{
	uint64_t left = p->k_eff - step * p->tile_k;
	return left < p->tile_k ? left : p->tile_k;
}

void arch_gemm_start(struct arch *a, const struct trace_op *op)
{
	char err[256];
	struct lower_gemm_plan *p = &a->plan;
	SIM_ASSERT(lower_gemm(a->cfg, op, p, err, sizeof err) == 0, "arch/lower", kernel_now_ps(),
		   "op at line %llu passed its check but failed to lower: %s",
		   (unsigned long long)op->line, err);
	a->result.how = p->how;
	a->stages = p->stages;
	a->items = p->items;
	log_debug("line %llu: gemm %llux%llux%llu x%llu %s: tile %llux%llux%llu, %llu stages, "
		  "split %llu, %llu items of %llu steps, estimate %.2f us",
		  (unsigned long long)op->line, (unsigned long long)p->m, (unsigned long long)p->n,
		  (unsigned long long)p->k, (unsigned long long)p->count, tensor_prec_name(p->prec),
		  (unsigned long long)p->tile_m, (unsigned long long)p->tile_n,
		  (unsigned long long)p->tile_k, (unsigned long long)p->stages,
		  (unsigned long long)p->split, (unsigned long long)p->items,
		  (unsigned long long)p->steps_per_item, p->est_ps * 1e-6);
	uint64_t bcount = p->b_shared ? 1 : p->count;
	uint64_t tiles = (p->tiles_m * p->count + p->tiles_n * bcount) * p->steps_total;
	SIM_ASSERT(l2_reset(&a->l2, tiles) == 0, "l2", kernel_now_ps(), "out of memory");
}

bool arch_gemm_item(struct arch *a, struct core *c)
{
	const struct lower_gemm_plan *p = &a->plan;
	uint64_t item;
	if (!arch_next_item(a, &item))
		return false;
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
	return true;
}

uint64_t arch_gemm_load(struct arch *a, struct core *c, uint64_t step)
{
	const struct lower_gemm_plan *p = &a->plan;
	uint64_t k = step_k(p, step);
	uint64_t abytes = bytes_of((double)c->rows * k * formats_bits(&p->a) / 8);
	double bdense = (double)c->cols * k / p->b.k_fraction;
	uint64_t bbytes = bytes_of(bdense * formats_bits(&p->b) / 8);
	double bbits = formats_bits(&p->b), abits = formats_bits(&p->a);
	/* A weight is shared by every GEMM of a batched op; activations are not. */
	uint64_t bbatch = p->b_shared ? 0 : c->batch;
	return arch_route_load(a, c, arch_tile_key(0, c->batch, c->ti, step), abytes,
			       arch_tile_key(1, bbatch, c->tj, step), bbytes,
			       bytes_of(bbytes * p->b.meta_bits / bbits),
			       bytes_of(bbytes * p->b.scale_bits / bbits),
			       bytes_of(abytes * p->a.scale_bits / abits));
}

uint64_t arch_gemm_compute(struct arch *a, struct core *c, uint64_t step)
{
	const struct lower_gemm_plan *p = &a->plan;
	uint64_t k = step_k(p, step);
	double mma = (double)pad_up(c->rows, 8) * pad_up(c->cols, 16) * k * p->ps_per_mac;
	double values = (double)c->cols * k / p->b.math_speedup;
	double dequant = values * p->dequant_ps_per_elem;
	uint64_t macs = (uint64_t)llround((double)c->rows * c->cols * k / p->b.math_speedup);
	uint64_t vec_ops = p->dequant_ps_per_elem > 0 ? (uint64_t)(values * a->cfg->vec.dequant_ops_per_elem) : 0;
	double bdense = (double)c->cols * k / p->b.k_fraction;
	uint64_t buf = bytes_of((double)c->rows * k * formats_bits(&p->a) / 8 + bdense * formats_bits(&p->b) / 8);
	return arch_book_compute(a, p->prec, mma, macs, p->b.native_sparse, dequant, vec_ops, false, buf);
}

uint64_t arch_gemm_store(struct arch *a, struct core *c)
{
	const struct lower_gemm_plan *p = &a->plan;
	/* Split-K parts leave fp32 partials in L2 for the reduction; whole tiles go to memory. */
	double bits = p->split > 1 ? 32 : formats_bits(&p->c);
	return arch_route_store(a, c, bytes_of((double)c->rows * c->cols * bits / 8), p->split == 1);
}

uint64_t arch_gemm_drain(struct arch *a)
{
	const struct lower_gemm_plan *p = &a->plan;
	uint64_t now = kernel_now_ps(), end = now;
	if (p->split > 1) {
		/* Reduction of the fp32 partials: read them from L2, write the output. */
		uint64_t elems = p->m * p->n * p->count;
		uint64_t partial = elems * 4 * p->split;
		uint64_t out = bytes_of((double)elems * formats_bits(&p->c) / 8);
		uint64_t t = l2_transfer(&a->l2, now, partial);
		end = t > end ? t : end;
		a->l2.stats.hit_bytes += partial;
		t = hbm_write(&a->hbm, now, out);
		end = t > end ? t : end;
		a->core_stats.vec_ops += elems * p->split;
	}
	return end;
}
