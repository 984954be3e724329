/* core — one core (an SM) playing its share of a GEMM tile plan as events.
 *
 * Models: a core takes work items (an output tile, or a split-K part of one) from the op's
 * shared queue in order, so waves and wave quantization across cores emerge; per item it
 * streams K in steps through `stages` buffers: a step's A and B tiles are loaded (through the
 * core's fill port, L2 and device memory, as arch routes them), the tensor cores compute a
 * step as soon as its tiles are in and the previous step is done, a buffer is refilled as
 * soon as its step is computed; the output tile is then written back (the epilogue).
 * One event per tile load, per tile compute and per tile write.
 * Not: warp-level scheduling inside a core, several items resident on one core at once,
 * register-file limits, the L1 cache.
 * Numbers: rates and sizes come from the plan (arch/lower) and the architecture file.
 */
#ifndef NMSIM_CORE_H
#define NMSIM_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/core/tensor.h"
#include "sim/bwserver.h"
#include "sim/stats.h"

#define CORE_MAX_STAGES 8

struct arch;
struct core;

struct core_slot {
	struct core *core;
	uint64_t step;
	bool ready;
};

struct core {
	struct arch *arch;
	uint32_t id;
	struct bwserver port; /* fill port from L2 */
	bool tc_busy;
	bool active;
	/* The current work item, as the op's tile program (arch_gemm.c, arch_attn.c) set it:
	 * batch, row block, column block (or head), rows and columns of its output tile, and the
	 * range of steps it streams. */
	uint64_t batch, ti, tj, rows, cols, step0, nsteps;
	uint64_t aux[2]; /* per-program: attention's first KV block and block count of the item */
	uint64_t next_load, next_compute;
	struct core_slot slots[CORE_MAX_STAGES];
};

#define CORE_STATS(X)                                                           \
	X(macs_fp32, "MAC", "fp32 multiply-accumulates performed")              \
	X(macs_tf32, "MAC", "tf32 multiply-accumulates performed")              \
	X(macs_fp16, "MAC", "fp16 multiply-accumulates performed")              \
	X(macs_bf16, "MAC", "bf16 multiply-accumulates performed")              \
	X(macs_fp8, "MAC", "fp8 multiply-accumulates performed")                \
	X(macs_int8, "MAC", "int8 multiply-accumulates performed")              \
	X(macs_int4, "MAC", "int4 multiply-accumulates performed")              \
	X(macs_fp4, "MAC", "fp4 multiply-accumulates performed")                \
	X(macs_sparse, "MAC", "of all the MACs: those run in a sparse mode")          \
	X(tc_busy_ps, "ps", "sum over cores of time the tensor cores computed") \
	X(vec_ops, "op", "vector and special-function operations")              \
	X(tile_loads, "", "tile-step loads issued")                             \
	X(tile_computes, "", "tile-step computes")                              \
	X(items, "", "work items (output tiles or split-K parts) completed")

struct core_stats {
	CORE_STATS(STATS_FIELD)
};

/* The MAC counter of precision p inside a core_stats (the X list keeps precision order). */
static inline uint64_t *core_stats_macs(struct core_stats *s, enum tensor_prec p)
{
	return &s->macs_fp32 + p;
}

void core_init(struct core *c, struct arch *arch, uint32_t id, double fill_bytes_per_s);
/* Starts taking work items from the arch's current GEMM; reports to arch when none is left. */
void core_start(struct core *c);

#endif
