/* core — one core (an SM) playing its share of a tiled op as events, through the op's tile
 * program (struct tile_program): a GEMM, a fused attention, whatever arch/ops lists.
 *
 * Models: a core takes work items (an output tile, a split-K part, a query block) from the op's
 * shared queue in order, so waves and wave quantization across cores emerge; per item it
 * streams its steps through `stages` buffers: a step's tiles are loaded (the program routes
 * them through the fabric), the tensor cores compute a step as soon as its tiles are in and
 * the previous step is done, a buffer is refilled as soon as its step is computed; the item's
 * output tile is then written back (the epilogue). One event per tile load, per tile compute
 * and per tile write.
 * Not: warp-level scheduling inside a core, several items resident on one core at once (the
 * next item's loads start after the previous item's store), register-file limits, the L1.
 * Numbers: rates and sizes come from the program's plan (arch/lower) and the architecture file.
 */
#ifndef NMSIM_CORE_H
#define NMSIM_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/core/tensor.h"
#include "sim/bwserver.h"
#include "sim/kernel.h"
#include "sim/stats.h"

#define CORE_MAX_STAGES 8

struct core;
struct tile_run;

/* A tiled op kind's program: what a work item covers and what each of its steps moves and
 * computes. The cores call it; it prices requests through the fabric (arch/fabric.h). Every
 * function runs at the current simulated time; none may block or schedule events. */
struct tile_program {
	const char *name;
	/* Takes the next work item off run's queue (tile_run_next) and sets c's item fields
	 * (batch, ti, tj, rows, cols, step0, nsteps, aux); false when none is left. */
	bool (*item)(struct tile_run *run, struct core *c);
	/* Issues the loads of step `step` of c's item; returns when its last byte is in. */
	uint64_t (*load)(struct tile_run *run, struct core *c, uint64_t step);
	/* Books the compute of step `step`; returns how long it takes (>= 1 ps). */
	uint64_t (*compute)(struct tile_run *run, struct core *c, uint64_t step);
	/* Writes c's item's output; returns when it is stored. */
	uint64_t (*store)(struct tile_run *run, struct core *c);
	/* After the last item: the final phase (reductions); returns when it ends (>= now). */
	uint64_t (*drain)(struct tile_run *run);
};

/* A tiled op in flight: its program and plan, the shared queue of work items, and whom to
 * tell when every core has gone idle. */
struct tile_run {
	const struct tile_program *prog;
	const void *plan;      /* the program's plan (arch/lower) */
	struct fabric *fabric; /* where the program routes requests */
	uint64_t stages;       /* buffers in flight per core, 1..CORE_MAX_STAGES */
	uint64_t items, next_item;
	uint32_t cores_running;
	kernel_fn all_idle; /* called once, when the last core found no item left */
	void *all_idle_ctx;
};

/* Takes the next item index of run's queue; false when the queue is empty. */
bool tile_run_next(struct tile_run *run, uint64_t *item);

struct core_slot {
	struct core *core;
	uint64_t step;
	bool ready;
};

struct core {
	uint32_t id;
	struct core_stats *stats; /* the machine's core counters (items completed) */
	struct tile_run *run;     /* the op being played, NULL when idle */
	struct bwserver port;     /* fill port from L2 */
	bool tc_busy;
	bool active;
	/* The current work item, as the op's tile program (arch/ops) set it:
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
	X(macs_sparse, "MAC", "of all the MACs: those run in a sparse mode")    \
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

void core_init(struct core *c, uint32_t id, struct core_stats *stats, double fill_bytes_per_s);
/* Starts taking work items of run; when none is left the core goes idle, and the last core to
 * do so calls run->all_idle. */
void core_start(struct core *c, struct tile_run *run);

#endif
