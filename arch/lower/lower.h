/* lower — the mapper: turns one trace op into a plan for this machine.
 *
 * Models: for a GEMM, the tile shape (rows of A x rows of B x K per step), the pipeline depth
 * and the split-K a library heuristic would pick — the candidate with the best analytic
 * estimate among those whose stages fit the core's buffer — with the datapath precision,
 * the storage cost of each operand (values, metadata, scales) and the per-MAC and per-element
 * time the core then pays. The tile simulation (arch/core) plays the plan; the estimate only
 * chooses it. For attn, vec and coll ops: an interim roofline (bytes over bandwidth vs work
 * over peak, plus the launch cost) until their own models land, marked as such in reports.
 * Not: autotuning on the simulator itself, stream-K, persistent kernels, epilogue fusion.
 * Numbers: candidate tile sizes are those of CUTLASS's default GEMM configurations (16..256).
 */
#ifndef NMSIM_LOWER_H
#define NMSIM_LOWER_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/arch_config.h"
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
	double dequant_ps_per_elem; /* per core, per stored weight value; 0 without dequant */
	double est_ps;              /* the heuristic's estimate (for --verbose; not the result) */
	const char *how;            /* the weight format's phrase */
	bool b_shared;              /* B is a weight: one copy serves every GEMM of a batched op */
};

/* Plans a gemm op; 0, or -1 with err set if the machine cannot run it at all. */
int lower_gemm(const struct arch_config *cfg, const struct trace_op *op,
               struct lower_gemm_plan *plan, char *err, size_t errlen);

/* Interim roofline of an attn or vec op. */
struct lower_roofline {
	uint64_t read_bytes, write_bytes;
	uint64_t macs[TENSOR_PREC_COUNT];
	uint64_t vec_ops;
	uint64_t time_ps;  /* launch included */
	const char *bound; /* "memory", "compute", "vector", "launch" */
};

void lower_attn(const struct arch_config *cfg, const struct trace_op *op, struct lower_roofline *r);
void lower_vec(const struct arch_config *cfg, const struct trace_op *op, struct lower_roofline *r);

#endif
