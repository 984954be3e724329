/* arch — the netlist: builds the machine from its config and is the only code that knows how
 * the blocks connect (core fill port -> L2 -> device memory), and runs one op at a time.
 *
 * Models: N cores, each with tensor cores, a vector unit and an operand buffer; a shared L2;
 * device memory; links; a fixed cost per kernel. GEMMs and attention are played as tile
 * events on the cores (arch_gemm.c, arch_attn.c); vec ops use the per-kind roofline of
 * arch/lower; coll ops use the link model (arch/link), or are unmodelled (zero time, reported)
 * on a machine without links.
 * Not: concurrent kernels (ops run one after another, as on one stream), cross-op L2 reuse.
 * Numbers: the architecture file.
 */
#ifndef NMSIM_ARCH_H
#define NMSIM_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arch/arch_config.h"
#include "arch/core/core.h"
#include "arch/energy/energy.h"
#include "arch/hbm/hbm.h"
#include "arch/l2/l2.h"
#include "arch/lower/lower.h"
#include "arch/smem/smem.h"
#include "sim/kernel.h"
#include "sim/stats.h"
#include "traces/trace.h"

/* How an op was modelled, for reports. */
/* How an op was modelled: tile events on the machine, an analytic formula (vec roofline,
 * link collectives), or not at all (no model for it on this machine: zero time). */
enum arch_model { ARCH_MODEL_TILES, ARCH_MODEL_ANALYTIC, ARCH_MODEL_NONE, ARCH_MODEL_COUNT };

struct arch_op_result {
	uint64_t time_ps;
	enum arch_model model;
	const char *bound; /* "compute", "memory", "l2", "buffer", "launch", "vector", "none" */
	const char *how;   /* the weight format phrase for GEMMs, "" otherwise */
};

#define ARCH_STATS(X)                                                              \
	X(ops, "", "ops simulated or replayed")                                    \
	X(busy_ps, "ps", "simulated time spent in ops")                            \
	X(launch_ps, "ps", "of busy_ps: fixed per-kernel costs (device and host)") \
	X(unmodelled_ops, "", "ops the machine has no model for (zero time)")  \
	X(link_bytes, "B", "bytes each device sent over its links")

struct arch_stats {
	ARCH_STATS(STATS_FIELD)
};

struct arch {
	const struct arch_config *cfg;
	struct core *cores;
	struct l2 l2;
	struct hbm hbm;
	struct core_stats core_stats;
	struct smem_stats smem_stats;
	struct arch_stats stats;
	/* The op in flight: its tile program and plan. */
	enum arch_program { ARCH_PROGRAM_GEMM, ARCH_PROGRAM_ATTN } program;
	struct lower_gemm_plan plan;  /* ARCH_PROGRAM_GEMM */
	struct lower_attn_plan attn;  /* ARCH_PROGRAM_ATTN */
	uint64_t stages;              /* buffers in flight per core for this op */
	uint64_t items;               /* work items of this op */
	uint64_t next_item;
	uint32_t cores_running;
	kernel_fn op_done;
	void *op_done_ctx;
	uint64_t op_start_ps;
	uint64_t busy0_tc, busy0_port, busy0_l2, busy0_hbm;
	struct arch_op_result result;
};

/* Loads and checks an architecture file with --set overrides; every problem is reported
 * (file:line) and -1 returned: the caller exits 2. */
int arch_load_config(const char *file, const char *const *sets, size_t nsets,
                     struct arch_config *cfg);
/* Prints every parameter an architecture file can set. */
void arch_describe(FILE *out);

/* Builds the machine and registers its counters; 0 / -1. Call after kernel_init. */
int arch_build(struct arch *a, const struct arch_config *cfg, struct stats *reg);
void arch_free(struct arch *a);

/* Checks that this machine can run op (before simulating): 0, or -1 with err set. */
int arch_check_op(const struct arch_config *cfg, const struct trace_op *op, char *err,
                  size_t errlen);
/* Starts op now; done(ctx) is called when it has finished and every write has drained. */
void arch_op_start(struct arch *a, const struct trace_op *op, kernel_fn done, void *ctx);
/* The result of the last finished op. */
const struct arch_op_result *arch_last_result(const struct arch *a);
/* The counters energy is priced from, as they stand now. */
void arch_energy_counts(const struct arch *a, struct energy_counts *out);

/* For arch/core: the hooks of the op's tile program. arch_item_begin takes the next work item
 * and sets the core's item fields (false: none left); the others price one step or the store
 * and return when it is done (load, store) or how long it takes (compute). */
bool arch_item_begin(struct arch *a, struct core *c);
uint64_t arch_load_step(struct arch *a, struct core *c, uint64_t step);
uint64_t arch_compute_step(struct arch *a, struct core *c, uint64_t step);
uint64_t arch_store_tile(struct arch *a, struct core *c);
void arch_core_idle(struct arch *a, struct core *c);

/* For the tile programs (arch_gemm.c, arch_attn.c): the netlist's routing and bookkeeping. */
bool arch_next_item(struct arch *a, uint64_t *item);
/* Loads two tiles (keys identify them for L2 reuse; a bytes of 0 loads nothing) through the
 * core's fill port and L2, from device memory on a miss; meta and scale are the bytes of
 * sparsity metadata and scales inside them. Returns when the last byte is in the buffer. */
uint64_t arch_route_load(struct arch *a, struct core *c, uint64_t key_a, uint64_t bytes_a,
			 uint64_t key_b, uint64_t bytes_b, uint64_t meta, uint64_t scale_b,
			 uint64_t scale_a);
/* Writes an output tile through the port into L2, and on to memory unless it stays in L2
 * (split partials); returns when L2 has it. */
uint64_t arch_route_store(struct arch *a, struct core *c, uint64_t bytes, bool to_memory);
/* Books one step of tensor-core and vector work: returns its time, max(mma, vector) or their
 * sum when `serial` (work that waits on the MMA results, e.g. softmax without overlap). */
uint64_t arch_book_compute(struct arch *a, enum tensor_prec prec, double mma_ps, uint64_t macs,
			   bool sparse, double vec_ps, uint64_t vec_ops, bool serial,
			   uint64_t buffer_bytes);
/* 64-bit key of a tile: operand, batch, block, step. */
uint64_t arch_tile_key(uint64_t operand, uint64_t batch, uint64_t block, uint64_t step);

/* The tile programs. */
void arch_gemm_start(struct arch *a, const struct trace_op *op);
bool arch_gemm_item(struct arch *a, struct core *c);
uint64_t arch_gemm_load(struct arch *a, struct core *c, uint64_t step);
uint64_t arch_gemm_compute(struct arch *a, struct core *c, uint64_t step);
uint64_t arch_gemm_store(struct arch *a, struct core *c);
uint64_t arch_gemm_drain(struct arch *a);
void arch_attn_start(struct arch *a, const struct trace_op *op);
bool arch_attn_item(struct arch *a, struct core *c);
uint64_t arch_attn_load(struct arch *a, struct core *c, uint64_t step);
uint64_t arch_attn_compute(struct arch *a, struct core *c, uint64_t step);
uint64_t arch_attn_store(struct arch *a, struct core *c);
uint64_t arch_attn_drain(struct arch *a);

const char *arch_model_name(enum arch_model m);

#endif
