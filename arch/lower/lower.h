/* lower — the mapper: turns one trace op into a plan for this machine.
 *
 * Models: for a GEMM, the tile shape (rows of A x rows of B x K per step), the pipeline depth
 * and the split-K a library heuristic would pick — the candidate with the best analytic
 * estimate among those whose stages fit the core's buffer — with the datapath precision,
 * the storage cost of each operand (values, metadata, scales) and the per-MAC and per-element
 * time the core then pays. The tile simulation (arch/core) plays the plan; the estimate only
 * chooses it. For attention: query/KV block sizes, KV splits and the blocks each query block
 * streams under its mask and pattern (lower_attn.c).
 * Autotuning (mapper.autotune) is the netlist's: it plays each of lower_gemm_candidates and
 * keeps the fastest.
 * Not: stream-K, persistent kernels, epilogue fusion.
 * Numbers: candidate tile sizes are those of CUTLASS's default GEMM configurations (16..256).
 */
#ifndef NMSIM_LOWER_H
#define NMSIM_LOWER_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/arch_config.h"
#include "arch/lower/menu.h"
#include "arch/formats/formats.h"
#include "traces/trace.h"

struct lower_gemm_plan {
	enum tensor_prec prec;
	struct formats_operand a, b, c; /* A = activations, B = weight (or activation), C = out */
	uint64_t m, n, k, count;        /* dense sizes from the trace */
	uint64_t k_eff;                 /* K the tensor cores iterate over (V:N:M: 4/M of K) */
	uint64_t tile_m, tile_n, tile_k, stages, split;
	uint64_t tiles_m, tiles_n, steps_per_item, steps_total, items;
	uint64_t swizzle;  /* tile rows per column of the launch order (threadblock swizzle) */
	double ps_per_mac; /* per core, at prec, with sparse speed-up and efficiency */
	double decode_ps_per_elem; /* per core, per dense weight element: the decode stage */
	double gather_ps_per_elem; /* per core, per activation element (V:N:M column gather) */
	double decode_instr;       /* instructions per dense weight element (for counters) */
	double est_ps;             /* the heuristic's estimate (for --verbose; not the result) */
	double hbm_latency_ps;     /* device memory's load-to-use latency under this op's load */
	const char *how;           /* the weight format's phrase */
	bool b_shared;             /* B is a weight: one copy serves every GEMM of a batched op */
	double act_keep; /* share of K read and computed under activation sparsity (asp=) */
};

/* What the cheap check learns of a gemm op's size. */
struct lower_gemm_size {
	uint64_t k_eff; /* K the tensor cores iterate over */
	double min_ps;  /* a lower bound of its time: every core busy at the datapath's rate on
			   the padded tiles, nothing else */
};

/* The smallest tile K of the mapper's own candidates (lower.c: tile_ks) and of every menu
 * (menu.c): no GEMM plan has more K steps an item than K / LOWER_MIN_TILE_K. */
#define LOWER_MIN_TILE_K 32

/* Whether the machine can run a gemm op at all (a datapath exists, the smallest tile fits):
 * the cheap check made on every op before simulating. 0 with *size filled, or -1 with err
 * set. */
int lower_gemm_check(const struct arch_config *cfg, const struct trace_op *op,
                     struct lower_gemm_size *size, char *err, size_t errlen);
/* The choices autotuning plays for op (at most max, distinct): with mapper.menu = best the
 * estimate's pick from the own grid and from every library menu; otherwise the menu's pick.
 * 0 if the machine cannot run op. */
size_t lower_gemm_candidates(const struct arch_config *cfg, const struct trace_op *op,
                             struct lower_choice *out, size_t max);
/* Plans a gemm op (cfg->mapper.force, when valid, is the tile choice); 0, or -1 with err set
 * if the machine cannot run it at all. */
int lower_gemm(const struct arch_config *cfg, const struct trace_op *op,
               struct lower_gemm_plan *plan, char *err, size_t errlen);

/* A fused attention kernel (FlashAttention-2 style) as tiles: work items are (sequence, head,
 * query block, KV split); each streams the KV blocks its queries may see — causal, window,
 * top-k, block-sparse and threshold patterns shrink that — loading K and V blocks, computing
 * Q.K^T and P.V on the tensor cores and the online softmax on the vector/SFU units, the score
 * tile never leaving the core. Decode packs the query heads sharing a KV head (GQA/MQA) into
 * one item and splits the keys across cores (FlashDecoding), with a final reduction. */
struct lower_attn_plan {
	enum tensor_prec prec;
	struct formats_operand q, kv; /* kv includes its quantization scales */
	uint64_t b, hq, hkv, d, sq, skv, group;
	bool causal;
	struct trace_pattern pat;
	bool packed;    /* a KV head's query group in one item (decode-shaped ops) */
	uint64_t heads; /* item heads: hkv when packed, hq otherwise */
	uint64_t block_q, block_kv, stages, split; /* stages: K/V blocks in flight (smem.stages;
	                                              2 for packed decode) */
	bool fits;         /* the query block and `stages` K/V blocks fit the operand buffer */
	uint64_t q_blocks; /* query blocks per head */
	uint64_t items;
	double v_keep;        /* share of V blocks read (thresh without in-memory pruning) */
	double block_keep;    /* share of visible KV blocks streamed (block:B:D, pruned thresh) */
	bool prune_in_memory; /* thresh: the memory pruned the keys (only survivors fetched) */
	bool serial_softmax;  /* softmax waits on the MMAs (no warp-specialized overlap) */
	double ps_per_mac;    /* per core, at prec, with efficiency */
	double ps_per_score;  /* vector/SFU time per score element (scale, max, exp, sum) */
	double decode_ps_per_elem;  /* per K/V element: the decode stage (dequantization) */
	double decode_instr;        /* instructions per K/V element */
	uint64_t select_read_bytes; /* top-k: the selection pass over per-page key summaries */
	uint64_t select_macs;
};

/* Bytes P's tile holds in the operand buffer: its query block and `stages` K and V blocks. */
double lower_attn_tile_bytes(const struct lower_attn_plan *p);
/* Plans an attn op on this machine (never fails; p->fits false: its smallest tile does not fit
 * the operand buffer, which the op's check refuses). */
void lower_attn(const struct arch_config *cfg, const struct trace_op *op,
                struct lower_attn_plan *p);
/* The KV blocks item (query block qb) streams: first block and count, before splitting. */
void lower_attn_kv_range(const struct lower_attn_plan *p, uint64_t qb, uint64_t *first,
                         uint64_t *count);

#endif
