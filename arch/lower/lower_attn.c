#include <math.h>
#include <string.h>

#include "arch/lower/lower.h"
#include "sim/arith.h"

/* Rows a query block may hold on the tensor cores, the fewest it is cut to when the buffer is
 * small, and the KV block sizes tried (the last is the smallest tile's). */
enum { ATTN_MAX_ROWS = 128, ATTN_MIN_ROWS = 16 };
static const uint64_t attn_kv_blocks[] = { 256, 128, 64, 32, 16 };

double lower_attn_tile_bytes(const struct lower_attn_plan *p)
{
	double qbytes = (double)p->block_q * p->d * formats_bits(&p->q) / 8;
	double kvbytes = 2.0 * p->block_kv * p->d * formats_bits(&p->kv) / 8;
	return qbytes + (double)p->stages * kvbytes;
}

void lower_attn(const struct arch_config *cfg, const struct trace_op *op, struct lower_attn_plan *p)
{
	memset(p, 0, sizeof *p);
	p->b = op->attn.b;
	p->hq = op->attn.hq;
	p->hkv = op->attn.hkv;
	p->d = op->attn.d;
	p->sq = op->attn.sq;
	p->skv = op->attn.skv;
	p->group = p->hq / p->hkv;
	p->causal = op->attn.causal;
	p->pat = op->attn.pat;
	p->prec = tensor_math_prec(&cfg->tensor, op->attn.q, op->attn.q);
	formats_dense(op->attn.q, &p->q);
	const struct trace_tensor *kv = op->attn.kv;
	struct trace_quant none = { TRACE_Q_NONE, 0, TRACE_DT_FP16, false };
	enum trace_dtype kvt = kv ? kv->dtype : TRACE_DT_FP16;
	formats_quantized(kvt, kv ? &kv->q : &none, p->d, &p->kv);
	double cycle = arch_cycle_ps(cfg);
	p->ps_per_mac = cycle / (cfg->tensor.macs_per_cycle[p->prec] *
	                         tensor_efficiency(&cfg->tensor, p->prec));
	/* Per score: one exp on the SFU, scale / running max / subtract / sum on the ALUs. */
	p->ps_per_score =
	    cycle * (1.0 / cfg->vec.sfu_ops_per_cycle + 4.0 / cfg->vec.fp32_ops_per_cycle);
	if (tensor_dtype_class(kvt) != p->prec) {
		struct formats_decode dc;
		formats_decode_cost(&p->kv, kvt, kv ? &kv->q : &none, NULL, p->prec,
		                    cfg->vec.fp8_convert, &dc);
		p->decode_instr = dc.per_elem;
		p->decode_ps_per_elem = cycle * dc.per_elem / cfg->vec.issue_per_cycle;
	}
	p->serial_softmax = !cfg->tensor.overlaps_softmax;

	/* Patterns that drop blocks: block-sparse keeps a share D of them; threshold pruning
	 * (Sprint) must read every key to score it unless the memory prunes in place, and then
	 * fetches only the survivors' V (and K, recomputed exactly on chip). */
	p->v_keep = 1;
	p->block_keep = 1;
	if (p->pat.kind == TRACE_PAT_BLOCK)
		p->block_keep = p->pat.density;
	if (p->pat.kind == TRACE_PAT_THRESH) {
		p->prune_in_memory = cfg->hbm.prune_in_memory;
		if (p->prune_in_memory)
			p->block_keep = p->pat.density;
		else
			p->v_keep = p->pat.density;
	}

	/* The K/V blocks stream through the buffer's stages like a GEMM's operand tiles. */
	p->stages = (uint64_t)cfg->smem.stages;
	/* Decode-shaped ops pack the query heads of a KV head into one item (GQA/MQA), with the
	 * split-KV kernel's block (below) or the largest smaller one whose two stages fit beside
	 * the query tile; other ops take the largest KV block whose smem.stages fit. When even the
	 * smallest does not, a packed op is played per query head, and a query block is cut (down
	 * to ATTN_MIN_ROWS rows). If nothing fits, p->fits is false and the plan holds the
	 * smallest tile tried (the op's check refuses it, naming that tile). */
	size_t nkv = sizeof attn_kv_blocks / sizeof *attn_kv_blocks;
	p->packed = p->sq * p->group <= ATTN_MAX_ROWS;
	p->fits = false;
	size_t kv0 = 0;
	if (p->packed) {
		/* FlashDecoding (flash-attn's split-KV kernel, run_mha_fwd_splitkv_dispatch): K and
		 * V blocks of 256 keys for d <= 64, 128 for d <= 128, else 64, double-buffered. */
		p->stages = 2;
		uint64_t want = p->d <= 64 ? 256 : p->d <= 128 ? 128 : 64;
		while (kv0 + 1 < nkv && attn_kv_blocks[kv0] > want)
			kv0++;
	}
	p->block_q = p->packed ? p->sq * p->group : (p->d > 128 ? 64 : 128);
	if (!p->packed && p->block_q > p->sq)
		p->block_q = p->sq;
	struct lower_attn_plan smallest = *p; /* the smallest tile tried, while none fits */
	double smallest_bytes = INFINITY;
	for (;;) {
		for (size_t i = p->packed ? kv0 : 0; i < nkv && !p->fits; i++) {
			p->block_kv = attn_kv_blocks[i];
			p->fits = lower_attn_tile_bytes(p) <= (double)cfg->smem.size;
		}
		if (p->fits)
			break;
		if (lower_attn_tile_bytes(p) < smallest_bytes) {
			smallest = *p;
			smallest_bytes = lower_attn_tile_bytes(p);
		}
		if (p->packed) {
			p->packed = false;
			p->stages = (uint64_t)cfg->smem.stages;
			p->block_q = p->d > 128 ? 64 : 128;
			if (p->block_q > p->sq)
				p->block_q = p->sq;
		} else if (p->block_q > ATTN_MIN_ROWS) {
			p->block_q =
			    p->block_q / 2 > ATTN_MIN_ROWS ? p->block_q / 2 : ATTN_MIN_ROWS;
		} else {
			*p = smallest;
			break;
		}
	}
	p->heads = p->packed ? p->hkv : p->hq;
	p->q_blocks = p->packed ? 1 : ceil_div(p->sq, p->block_q);
	if (p->block_kv > 128 && !p->packed)
		p->block_kv = 128; /* FlashAttention-2's prefill tiles */
	/* FlashDecoding: split the keys across cores when the items alone cannot fill them. */
	p->split = 1;
	uint64_t base = p->b * p->heads * p->q_blocks;
	if (p->packed && base < (uint64_t)cfg->core.count) {
		uint64_t first, count;
		lower_attn_kv_range(p, 0, &first, &count);
		p->split = ceil_div((uint64_t)cfg->core.count, base);
		if (p->split > count)
			p->split = count ? count : 1;
	}
	p->items = base * p->split;

	/* Top-k selection (Quest-style): a pass over per-page key summaries (min and max per
	 * channel of every 16-key page) scores the pages, then the top-k keys are streamed.
	 * With k >= skv every key is kept: nothing to select, the dense kernel. */
	if (p->pat.kind == TRACE_PAT_TOPK && p->pat.size < p->skv) {
		uint64_t pages = ceil_div(p->skv, 16);
		p->select_read_bytes =
		    (uint64_t)((double)p->b * p->hkv * pages * 2 * p->d * formats_bits(&p->kv) / 8);
		p->select_macs = p->b * p->hq * p->sq * pages * 2 * p->d;
	}
}

void lower_attn_kv_range(const struct lower_attn_plan *p, uint64_t qb, uint64_t *first,
                         uint64_t *count)
{
	uint64_t offset = p->skv > p->sq ? p->skv - p->sq : 0;
	uint64_t q_lo = p->packed ? 0 : qb * p->block_q;
	uint64_t q_end =
	    p->packed ? p->sq : (q_lo + p->block_q < p->sq ? q_lo + p->block_q : p->sq);
	uint64_t key_hi = p->causal ? offset + q_end : p->skv;
	if (key_hi > p->skv)
		key_hi = p->skv;
	uint64_t key_lo = 0;
	if (p->pat.kind == TRACE_PAT_WINDOW && offset + q_lo + 1 > p->pat.size)
		key_lo = offset + q_lo + 1 - p->pat.size;
	uint64_t keys = key_hi > key_lo ? key_hi - key_lo : 0;
	if (p->pat.kind == TRACE_PAT_TOPK && keys > p->pat.size)
		keys = p->pat.size;
	*first = key_lo / p->block_kv;
	uint64_t blocks = ceil_div(keys + key_lo % p->block_kv, p->block_kv);
	*count = (uint64_t)ceil((double)blocks * p->block_keep);
}
