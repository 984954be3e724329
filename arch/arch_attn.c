/* arch_attn — the fused-attention tile program (FlashAttention-2 / FlashDecoding style).
 *
 * Models: items of (sequence, head, query block, KV split), longest query blocks first (as
 * FlashAttention-2 schedules causal work); the query tile loaded once per item; per step one
 * K block and one V block through L2 (shared by every query head of a KV group: GQA/MQA reuse
 * is L2 hits); Q.K^T and P.V on the tensor cores with the instruction's padding, the online
 * softmax on the SFU and ALUs — after the MMAs (FA2 on Ampere) or overlapped with them
 * (asynchronous MMA on Hopper); K/V dequantization when the cache is stored in another type;
 * the score tile never leaves the core; the output tile written once, or fp32 partials and
 * their log-sum-exp kept in L2 and reduced at the end when keys are split. A top-k pattern
 * first runs a selection pass over per-page key summaries.
 * Not: causal-diagonal masking savings inside a block, paged-KV gather overheads, dropout.
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

void arch_attn_start(struct arch *a, const struct trace_op *op)
{
	struct lower_attn_plan *p = &a->attn;
	lower_attn(a->cfg, op, p);
	a->stages = p->stages;
	a->items = p->items;
	/* Sprint: the memory scores every key against every query in place (approximate, on
	 * the keys' most significant bits) before sending only the survivors. */
	if (p->prune_in_memory)
		a->hbm.stats.inmem_macs += p->b * p->hq * p->sq * p->skv * p->d;
	a->result.how = p->kv.how;
	log_debug("line %llu: attn b=%llu hq=%llu hkv=%llu d=%llu sq=%llu skv=%llu: %s, q block %llu, "
		  "kv block %llu, split %llu, %llu items",
		  (unsigned long long)op->line, (unsigned long long)p->b, (unsigned long long)p->hq,
		  (unsigned long long)p->hkv, (unsigned long long)p->d, (unsigned long long)p->sq,
		  (unsigned long long)p->skv, p->packed ? "packed GQA" : "per head",
		  (unsigned long long)p->block_q, (unsigned long long)p->block_kv,
		  (unsigned long long)p->split, (unsigned long long)p->items);
	/* L2 room: every K/V block of every KV head, and every query tile. */
	uint64_t kv_blocks = (p->skv + p->block_kv - 1) / p->block_kv;
	SIM_ASSERT(l2_reset(&a->l2, p->b * p->hkv * kv_blocks + p->b * p->hq * p->q_blocks + 16) == 0,
		   "l2", kernel_now_ps(), "out of memory");
}

/* Query rows of an item. */
static uint64_t item_rows(const struct lower_attn_plan *p, uint64_t qb)
{
	if (p->packed)
		return p->sq * p->group;
	uint64_t lo = qb * p->block_q;
	return p->sq - lo < p->block_q ? p->sq - lo : p->block_q;
}

bool arch_attn_item(struct arch *a, struct core *c)
{
	const struct lower_attn_plan *p = &a->attn;
	uint64_t item;
	if (!arch_next_item(a, &item))
		return false;
	uint64_t part = item % p->split;
	item /= p->split;
	uint64_t qb = p->q_blocks - 1 - item % p->q_blocks; /* longest (causal) first */
	item /= p->q_blocks;
	c->tj = item % p->heads;
	c->batch = item / p->heads;
	c->ti = qb;
	c->rows = item_rows(p, qb);
	c->cols = p->d;
	/* The item's KV range, fixed once here: the per-step hooks only index into it. */
	uint64_t first, count;
	lower_attn_kv_range(p, qb, &first, &count);
	c->aux[0] = first;
	c->aux[1] = count;
	uint64_t per = (count + p->split - 1) / p->split;
	c->step0 = part * per;
	uint64_t end = c->step0 + per < count ? c->step0 + per : count;
	c->nsteps = end > c->step0 ? end - c->step0 : 0;
	return true;
}

/* Keys in step s of the item on core c (the last block may be partial; a block-sparse or
 * pruned pattern spreads its kept blocks over the visible range). */
static uint64_t step_keys(const struct lower_attn_plan *p, const struct core *c, uint64_t s,
			  uint64_t *block)
{
	uint64_t first = c->aux[0], count = c->aux[1];
	uint64_t stride_num = count ? count : 1;
	double visible = p->block_keep < 1 ? (double)count / p->block_keep : (double)count;
	*block = first + (uint64_t)((double)s * visible / (double)stride_num);
	uint64_t key0 = *block * p->block_kv;
	uint64_t limit = p->skv;
	if (p->pat.kind == TRACE_PAT_TOPK)
		limit = first * p->block_kv + p->pat.size;
	uint64_t keys = limit > key0 ? limit - key0 : 0;
	return keys < p->block_kv ? keys : p->block_kv;
}

static uint64_t kv_head(const struct lower_attn_plan *p, const struct core *c)
{
	return p->packed ? c->tj : c->tj / p->group;
}

uint64_t arch_attn_load(struct arch *a, struct core *c, uint64_t step)
{
	const struct lower_attn_plan *p = &a->attn;
	uint64_t block;
	uint64_t keys = step_keys(p, c, step, &block);
	double kvbits = formats_bits(&p->kv);
	double kbytes = (double)keys * p->d * kvbits / 8;
	uint64_t kv = bytes_of(kbytes * (1 + p->v_keep));
	uint64_t scale = bytes_of((double)kv * p->kv.scale_bits / kvbits);
	/* The query tile comes with the item's first step and stays on chip. */
	uint64_t q = step == c->step0 ? bytes_of((double)c->rows * p->d * formats_bits(&p->q) / 8) : 0;
	return arch_route_load(a, c, arch_tile_key(3, c->batch, c->tj * p->q_blocks + c->ti, 0), q,
			       arch_tile_key(2, c->batch, kv_head(p, c), block), kv, 0, scale, 0);
}

uint64_t arch_attn_compute(struct arch *a, struct core *c, uint64_t step)
{
	const struct lower_attn_plan *p = &a->attn;
	uint64_t block;
	uint64_t keys = step_keys(p, c, step, &block);
	double scores = (double)c->rows * keys;
	double mma = (double)pad_up(c->rows, 16) * pad_up(keys, 16) * p->d * (1 + p->v_keep) * p->ps_per_mac;
	double elems = (double)keys * p->d * (1 + p->v_keep);
	double vec = scores * p->ps_per_score + elems * p->dequant_ps_per_elem;
	uint64_t macs = (uint64_t)llround(scores * p->d * (1 + p->v_keep));
	uint64_t vec_ops = (uint64_t)(scores * 5 + (p->dequant_ps_per_elem > 0 ? elems * a->cfg->vec.dequant_ops_per_elem : 0));
	uint64_t buf = bytes_of(elems * formats_bits(&p->kv) / 8 + (double)c->rows * p->d * formats_bits(&p->q) / 8);
	return arch_book_compute(a, p->prec, mma, macs, false, vec, vec_ops, p->serial_softmax, buf);
}

uint64_t arch_attn_store(struct arch *a, struct core *c)
{
	const struct lower_attn_plan *p = &a->attn;
	if (p->split > 1) /* fp32 partial output and its log-sum-exp, kept in L2 */
		return arch_route_store(a, c, c->rows * (p->d * 4 + 8), false);
	return arch_route_store(a, c, bytes_of((double)c->rows * p->d * formats_bits(&p->q) / 8), true);
}

uint64_t arch_attn_drain(struct arch *a)
{
	const struct lower_attn_plan *p = &a->attn;
	uint64_t now = kernel_now_ps(), end = now;
	if (p->split > 1) {
		/* Combine the partials of each query: read them from L2, write the output. */
		uint64_t rows = p->b * p->hq * p->sq;
		uint64_t partial = rows * (p->d * 4 + 8) * p->split;
		uint64_t t = l2_transfer(&a->l2, now, partial);
		end = t > end ? t : end;
		a->l2.stats.hit_bytes += partial;
		t = hbm_write(&a->hbm, now, bytes_of((double)rows * p->d * formats_bits(&p->q) / 8));
		end = t > end ? t : end;
		a->core_stats.vec_ops += rows * p->d * p->split * 2;
	}
	if (p->select_read_bytes) {
		/* The top-k selection pass: its own kernel, streaming the page summaries. */
		uint64_t t = hbm_read(&a->hbm, end, p->select_read_bytes);
		*core_stats_macs(&a->core_stats, p->prec) += p->select_macs;
		a->core_stats.vec_ops += p->select_macs / p->d;
		end = t + (uint64_t)a->cfg->core.launch;
	}
	return end;
}
