/* attn — the fused-attention op kind and its tile program (FlashAttention-2 / FlashDecoding).
 *
 * Models: items of (sequence, head, query block, KV split), longest query blocks first (as
 * FlashAttention-2 schedules causal work); the query tile loaded once per item; per step one
 * K block and one V block through L2 (shared by every query head of a KV group: GQA/MQA reuse
 * is L2 hits); Q.K^T and P.V on the tensor cores with the instruction's padding, the online
 * softmax on the SFU and ALUs — after the MMAs (FA2 on Ampere) or overlapped with them
 * (asynchronous MMA on Hopper); K/V dequantization when the cache is stored in another type;
 * the score tile never leaves the core; the output tile written once, or fp32 partials and
 * their log-sum-exp kept in L2 and reduced at the end when keys are split. A top-k pattern
 * first runs a selection pass over per-page key summaries. The K/V blocks stream through
 * smem.stages buffers beside the query tile (prefill), or through two (decode, whose query
 * heads pack into one block: flash-attn's split-KV kernel, with its 256/128/64-key blocks for
 * head dims up to 64/128/more); an op whose smallest tile (a 16-row query block and its stages
 * of 16-key K and V blocks) does not fit the operand buffer is refused.
 * Not: causal-diagonal masking savings inside a block, paged-KV gather overheads, dropout.
 */
#include <math.h>
#include <stdio.h>

#include "arch/lower/lower.h"
#include "arch/ops/ops.h"
#include "sim/arith.h"
#include "sim/log.h"

static int attn_check(const struct arch_config *cfg, const struct trace_op *op, char *err,
                      size_t errlen)
{
	enum tensor_prec prec = tensor_math_prec(&cfg->tensor, op->attn.q, op->attn.q);
	if (cfg->tensor.macs_per_cycle[prec] <= 0) {
		snprintf(err, errlen, "the machine has no datapath for %s attention",
		         trace_dtype_name(op->attn.q));
		return -1;
	}
	/* One query row must fit the operand buffer: the tiles are at least that. */
	double row = (double)op->attn.d * trace_dtype_bits(op->attn.q) / 8;
	if (row > (double)cfg->smem.size) {
		snprintf(err, errlen,
		         "d=%llu: one query row (%.0f bytes) does not fit the %llu-byte operand "
		         "buffer",
		         (unsigned long long)op->attn.d, row, (unsigned long long)cfg->smem.size);
		return -1;
	}
	struct lower_attn_plan p;
	lower_attn(cfg, op, &p);
	if (!p.fits) {
		snprintf(err, errlen,
		         "the smallest attention tile (a %llu-row query block and %llu stages of "
		         "%llu-key K and V blocks, d=%llu: %.0f bytes) does not fit the %llu-byte "
		         "operand buffer",
		         (unsigned long long)p.block_q, (unsigned long long)p.stages,
		         (unsigned long long)p.block_kv, (unsigned long long)p.d,
		         lower_attn_tile_bytes(&p), (unsigned long long)cfg->smem.size);
		return -1;
	}
	/* KV blocks of the first and of the last query block: the longest item is one of them
	 * (causal: the last; a window: the same from its second block on). */
	uint64_t first, n0, n1;
	lower_attn_kv_range(&p, 0, &first, &n0);
	lower_attn_kv_range(&p, p.q_blocks - 1, &first, &n1);
	uint64_t steps = n0 > n1 ? n0 : n1;
	if (steps > OPS_ITEM_STEPS_MAX) {
		snprintf(err, errlen,
		         "skv=%llu: %llu KV blocks of %llu keys for one query block, beyond the "
		         "%llu steps one tile of the model plays",
		         (unsigned long long)p.skv, (unsigned long long)steps,
		         (unsigned long long)p.block_kv, (unsigned long long)OPS_ITEM_STEPS_MAX);
		return -1;
	}
	/* The query blocks of a head stream from n0 up to n1 blocks (causal: growing), or all
	 * alike. */
	double head = (double)p.q_blocks * ((double)n0 + (double)n1) / 2;
	if (head > (double)OPS_HEAD_STEPS_MAX) {
		snprintf(err, errlen,
		         "sq=%llu skv=%llu: %.0f KV steps in one head, beyond the %llu the "
		         "model plays for a head",
		         (unsigned long long)p.sq, (unsigned long long)p.skv, head,
		         (unsigned long long)OPS_HEAD_STEPS_MAX);
		return -1;
	}
	/* Every query sees at least the keys of the first block's range but one block, and at
	 * least one key: Q.K^T and P.V at the datapath's rate on all cores, no more. */
	double keys = n0 > 1 ? (double)(n0 - 1) * (double)p.block_kv : 1;
	double min_ps = (double)p.b * (double)p.hq * (double)p.sq * keys * (double)p.d * 2 *
	                p.ps_per_mac / (double)cfg->core.count;
	return ops_check_time(min_ps, err, errlen);
}

static const struct tile_program attn_program;

static void attn_plan(const struct arch_config *cfg, struct fabric *fabric,
                      const struct trace_op *op, void *plan, struct ops_launch *out)
{
	struct lower_attn_plan *p = plan;
	lower_attn(cfg, op, p);
	/* Sprint: the memory scores every key against every query in place (approximate, on
	 * the keys' most significant bits) before sending only the survivors. */
	if (p->prune_in_memory)
		fabric_book_inmem(fabric, p->b * p->hq * p->sq * p->skv * p->d);
	log_debug(
	    "line %llu: attn b=%llu hq=%llu hkv=%llu d=%llu sq=%llu skv=%llu: %s, q block %llu, "
	    "kv block %llu x %llu stages, split %llu, %llu items",
	    (unsigned long long)op->line, (unsigned long long)p->b, (unsigned long long)p->hq,
	    (unsigned long long)p->hkv, (unsigned long long)p->d, (unsigned long long)p->sq,
	    (unsigned long long)p->skv, p->packed ? "packed GQA" : "per head",
	    (unsigned long long)p->block_q, (unsigned long long)p->block_kv,
	    (unsigned long long)p->stages, (unsigned long long)p->split,
	    (unsigned long long)p->items);
	*out = (struct ops_launch){ .model = ARCH_MODEL_TILES,
		                    .how = p->kv.how,
		                    .prog = &attn_program,
		                    .stages = p->stages,
		                    .items = p->items };
	/* L2 room: every K/V block of every KV head, and every query tile. */
	uint64_t kv_blocks = (p->skv + p->block_kv - 1) / p->block_kv;
	out->l2_tiles = ops_l2_tiles(
	    cfg, ops_sat_add(ops_sat_add(ops_sat_mul(ops_sat_mul(p->b, p->hkv), kv_blocks),
	                                 ops_sat_mul(ops_sat_mul(p->b, p->hq), p->q_blocks)),
	                     16));
	if (tensor_dtype_class(op->attn.q) != p->prec)
		out->notes |= ARCH_NOTE_PROMOTED;
	if (p->decode_instr > 0)
		out->notes |= ARCH_NOTE_DECODED;
	if (ops_keep_key(op)) {
		out->keep = ops_keep_key(op);
		out->keep_bytes = bytes_of((double)p->b * p->hkv * p->skv * p->d *
		                           formats_bits(&p->kv) / 8 * (1 + p->v_keep));
	}
	/* Every head (with its query blocks and key splits) repeats the same work; the query heads
	 * that share a KV head (unless packed into one item) share its tiles in L2, so the L2's
	 * pattern repeats only with the next KV head. */
	out->period_items = p->q_blocks * p->split * (p->packed ? 1 : p->group);
}

/* Query rows of an item. */
static uint64_t item_rows(const struct lower_attn_plan *p, uint64_t qb)
{
	if (p->packed)
		return p->sq * p->group;
	uint64_t lo = qb * p->block_q;
	return p->sq - lo < p->block_q ? p->sq - lo : p->block_q;
}

static void attn_item(const struct tile_run *run, uint64_t item, struct core *c)
{
	const struct lower_attn_plan *p = run->plan;
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
}

/* Keys in step s of the item on core c (the last block may be partial; a block-sparse or
 * pruned pattern spreads its kept blocks over the visible range). */
static uint64_t step_keys(const struct lower_attn_plan *p, const struct core *c, uint64_t s,
                          uint64_t *block)
{
	uint64_t first = c->aux[0], count = c->aux[1];
	uint64_t stride_num = count ? count : 1;
	double visible = p->block_keep < 1 ? (double)count / p->block_keep : (double)count;
	/* A density near 0 (block:16:4.9e-324) keeps one block of a range it would spread over
	 * 10^300 blocks: the spread is cut where no block index can reach (count <= 2^24). */
	if (visible > 0x1p53)
		visible = 0x1p53;
	*block = first + (uint64_t)((double)s * visible / (double)stride_num);
	uint64_t key0 = *block * p->block_kv;
	uint64_t limit = p->skv;
	if (p->pat.kind == TRACE_PAT_TOPK && first * p->block_kv + p->pat.size < limit)
		limit = first * p->block_kv + p->pat.size; /* k keys kept, at most every key */
	uint64_t keys = limit > key0 ? limit - key0 : 0;
	return keys < p->block_kv ? keys : p->block_kv;
}

static uint64_t kv_head(const struct lower_attn_plan *p, const struct core *c)
{
	return p->packed ? c->tj : c->tj / p->group;
}

static void attn_tiles(const struct tile_run *run, const struct core *c, uint64_t step,
                       struct tile_load *out)
{
	const struct lower_attn_plan *p = run->plan;
	uint64_t block;
	uint64_t keys = step_keys(p, c, step, &block);
	double kvbits = formats_bits(&p->kv);
	double kbytes = (double)keys * p->d * kvbits / 8;
	uint64_t kv = bytes_of(kbytes * (1 + p->v_keep));
	uint64_t scale = bytes_of((double)kv * p->kv.scale_bits / kvbits);
	/* The query tile comes with the item's first step and stays on chip. */
	uint64_t q =
	    step == c->step0 ? bytes_of((double)c->rows * p->d * formats_bits(&p->q) / 8) : 0;
	*out = (struct tile_load){
		.key_a = fabric_tile_key(3, c->batch, c->tj * p->q_blocks + c->ti, 0),
		.bytes_a = q,
		.key_b = fabric_tile_key(2, c->batch, kv_head(p, c), block),
		.bytes_b = kv,
		.scale_b = scale,
	};
}

static uint64_t attn_compute(struct tile_run *run, struct core *c, uint64_t step)
{
	const struct lower_attn_plan *p = run->plan;
	uint64_t block;
	uint64_t keys = step_keys(p, c, step, &block);
	double scores = (double)c->rows * keys;
	double mma =
	    (double)pad_up(c->rows, 16) * pad_up(keys, 16) * p->d * (1 + p->v_keep) * p->ps_per_mac;
	double elems = (double)keys * p->d * (1 + p->v_keep);
	double vec = scores * p->ps_per_score;
	uint64_t macs = (uint64_t)llround(scores * p->d * (1 + p->v_keep));
	uint64_t vec_ops = (uint64_t)(scores * 5 + elems * p->decode_instr);
	uint64_t buf = bytes_of(elems * formats_bits(&p->kv) / 8 +
	                        (double)c->rows * p->d * formats_bits(&p->q) / 8);
	struct fabric_compute w = { .prec = p->prec,
		                    .mma_ps = mma,
		                    .macs = macs,
		                    .sparse = false,
		                    .vec_ps = vec,
		                    .decode_ps = elems * p->decode_ps_per_elem,
		                    .vec_ops = vec_ops,
		                    .serial = p->serial_softmax,
		                    .smem_bytes = buf };
	return fabric_compute(run->fabric, &w);
}

static uint64_t attn_store(struct tile_run *run, struct core *c)
{
	const struct lower_attn_plan *p = run->plan;
	if (p->split > 1) /* fp32 partial output and its log-sum-exp, kept in L2 */
		return fabric_store(run->fabric, c, c->rows * (p->d * 4 + 8), false);
	return fabric_store(run->fabric, c,
	                    bytes_of((double)c->rows * p->d * formats_bits(&p->q) / 8), true);
}

static uint64_t attn_drain(struct tile_run *run)
{
	const struct lower_attn_plan *p = run->plan;
	uint64_t end = kernel_now_ps();
	if (p->split > 1) {
		/* Combine the partials of each query: read them from L2, write the output. */
		uint64_t rows = p->b * p->hq * p->sq;
		end = fabric_reduce(run->fabric, rows * (p->d * 4 + 8) * p->split,
		                    bytes_of((double)rows * p->d * formats_bits(&p->q) / 8),
		                    rows * p->d * p->split * 2);
	}
	if (p->select_read_bytes) {
		/* The top-k selection pass: its own kernel, streaming the page summaries. */
		uint64_t t = fabric_stream_read(run->fabric, end, p->select_read_bytes);
		fabric_book_macs(run->fabric, p->prec, p->select_macs, p->select_macs / p->d);
		end = t + (uint64_t)run->fabric->cfg->core.launch;
	}
	return end;
}

/* Every head repeats the same work: one stretch. */
static uint64_t attn_stretch_end(const struct tile_run *run, uint64_t item)
{
	(void)item;
	return run->items;
}

static const struct tile_program attn_program = {
	"attn",     attn_item,        attn_tiles, attn_compute, attn_store,
	attn_drain, attn_stretch_end, NULL, /* a step's keys and bytes vary with its KV block */
};

const struct op_kind ops_attn = {
	"attn", sizeof(struct lower_attn_plan), attn_check, attn_plan, NULL,
};
