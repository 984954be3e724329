/* core — one core (an SM) playing its share of a tiled op as events, through the op's tile
 * program (struct tile_program): a GEMM, a fused attention, whatever arch/ops lists.
 *
 * Models: a core takes work items (an output tile, a split-K part, a query block) from the op's
 * shared queue in order, so waves and wave quantization across cores emerge; per item it
 * streams its steps through `stages` buffers: a step's tiles are loaded (the program routes
 * them through the fabric), the tensor cores compute a step as soon as its tiles are in and
 * the previous step is done, a buffer is refilled as soon as its step is computed; the item's
 * output tile is then written back (the epilogue). One event per tile compute and per tile
 * write, and one per load the tensor cores wait for (a load's end is known when it is issued).
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

#define CORE_MAX_STAGES 10
/* Shared servers whose backlog steady-state detection compares (L2, device memory). */
#define TILE_SERVERS 2
/* The most counters a counted L2 touch books (struct tile_hooks.touched). */
#define TILE_TOUCHED_MAX 8

struct core;
struct tile_run;

/* One step's loads: two tiles (keys identify them for L2 reuse; bytes 0 loads nothing), and
 * of their bytes the sparsity metadata (in b) and the scales of each. */
struct tile_load {
	uint64_t key_a, bytes_a, scale_a;
	uint64_t key_b, bytes_b, meta_b, scale_b;
};

/* A tiled op kind's program: what a work item covers and what each of its steps moves and
 * computes. The cores call it; it prices requests through the fabric (arch/fabric.h). Every
 * function runs at the current simulated time; none may block or schedule events. */
struct tile_program {
	const char *name;
	/* Sets c's item fields (batch, ti, tj, rows, cols, step0, nsteps, aux) to work item
	 * `item` (0 <= item < run->items) of the op. */
	void (*item)(const struct tile_run *run, uint64_t item, struct core *c);
	/* The tiles step `step` of c's item loads. */
	void (*tiles)(const struct tile_run *run, const struct core *c, uint64_t step,
	              struct tile_load *out);
	/* Books the compute of step `step`; returns how long it takes (>= 1 ps). */
	uint64_t (*compute)(struct tile_run *run, struct core *c, uint64_t step);
	/* Writes c's item's output; returns when it is stored. */
	uint64_t (*store)(struct tile_run *run, struct core *c);
	/* After the last item: the final phase (reductions); returns when it ends (>= now). */
	uint64_t (*drain)(struct tile_run *run);
	/* The end (exclusive) of the stretch of items around `item` over which the op's item
	 * pattern repeats every run->period items (a swizzle group of a GEMM; a whole attention):
	 * whole waves are extrapolated only inside such a stretch. */
	uint64_t (*stretch_end)(const struct tile_run *run, uint64_t item);
	/* Optional: sets only the tile keys of step `step` in *ld, which holds the tiles of
	 * another step of c's item whose bytes are the same (steady-state skipping walks the
	 * middle steps of an item, never its last, partial one); NULL: tiles() is called. */
	void (*rekey)(const struct tile_run *run, const struct core *c, uint64_t step,
	              struct tile_load *ld);
};

/* What a core does with a tile (for timelines). */
enum tile_event { TILE_EVENT_LOAD, TILE_EVENT_COMPUTE, TILE_EVENT_STORE, TILE_EVENT_COUNT };

/* What the machine lends a run for steady-state skipping (arch/core/steady.c): its counters as
 * one vector, and the backlog of its shared servers. */
struct tile_hooks {
	size_t ncounters;
	void (*snapshot)(void *ctx, uint64_t *out); /* every counter */
	void (*add)(void *ctx, const uint64_t *delta,
	            uint64_t times); /* counters += times x delta */
	/* Work queued in each shared server beyond now (free_at - now, 0 when idle). */
	void (*backlog)(void *ctx, uint64_t now, uint64_t out[TILE_SERVERS]);
	/* Loads a step's tiles for core c now; returns when the last byte is in its buffer. */
	uint64_t (*load)(void *ctx, struct core *c, const struct tile_load *ld);
	/* Marks a step's tiles present in L2 without moving them; with `count`, books the hits,
	 * misses and device-memory reads they would have caused (the counters listed in
	 * `touched`, which a step skip then does not extrapolate). `tag` names who touched them
	 * (0: nobody in particular; else core id + 1) at step `step`. */
	void (*touch)(void *ctx, const struct tile_load *ld, bool count, uint64_t tag,
	              uint64_t step);
	const size_t *touched;
	size_t ntouched;
	/* The L2 directory: bytes inserted so far (a running total), its capacity, and how many
	 * resident tiles carry no tag; and the shift of every resident tile `steps` steps on
	 * (key_of gives a tag's key at a step). */
	void (*l2_state)(void *ctx, uint64_t *inserted, uint64_t *capacity, uint64_t *untagged);
	void (*l2_shift)(void *ctx, uint64_t steps,
	                 uint64_t (*key_of)(void *kctx, uint64_t tag, uint64_t step), void *kctx);
	void *ctx;
	/* When not NULL, told of every tile event a core plays (a timeline of the op): kind, core,
	 * start and end in kernel ps. */
	void (*event)(void *ctx, enum tile_event kind, uint32_t core, uint64_t start, uint64_t end);
};

/* Steady-state skipping: once every busy core computes a step every `period` ps and the shared
 * servers' backlogs repeat, the machine is periodic; whole periods are then skipped (every
 * core's step counters advance, counters grow by the measured per-period deltas, and the op's
 * time by the skipped periods) and play resumes. */
struct tile_steady {
	bool enabled;
	int phase;           /* 0: watching; 1: a period's first snapshot taken */
	uint32_t trigger;    /* the core whose compute start closes the measured period */
	uint64_t t0, period; /* start of the measured period, its length */
	uint64_t backlog0[TILE_SERVERS];
	uint64_t *snap0, *snap1, *delta; /* hooks.ncounters each */
	uint64_t skipped_ps;             /* time skipped so far in this op */
	uint64_t skips, skipped_steps;
	uint64_t shifted_periods; /* of those, periods L2 was shifted over, not walked */
	uint64_t *ins;            /* bytes each walked period inserted into L2 (scratch) */
	bool full_walk;           /* never shift (NMSIM_STEADY_FULL_WALK, for tests) */
	size_t ins_cap;
	struct core **order;     /* busy cores by phase (scratch) */
	struct tile_load *loads; /* their tiles, step by step (scratch) */
	/* Wave-level: windows of `window` items handed out (whole repetitions of the op's item
	 * pattern, at least one item per core). */
	uint64_t inner, outer;    /* window sizes inside a stretch, and across alike stretches */
	uint64_t window, windows; /* items per window; boundaries seen (0 after a wave skip) */
	uint64_t half;            /* windows in each measured half */
	uint64_t stretch_start, stretch_end; /* the stretch of repeating items being measured */
	uint64_t started, handed; /* steps started (skipped ones too); steps of items handed out */
	/* Window boundaries: the measured halves' starts (mark[0], mark[1]) and the boundary
	 * that ends the second half (mark[2]). */
	struct tile_wave_mark {
		uint64_t t;               /* time, skips included */
		uint64_t started, handed; /* the two counts above, then */
		uint64_t *snap;           /* every counter, then */
	} mark[3];
	uint64_t *wcur;          /* scratch */
	struct core *scratch;    /* items described for L2 marking (two waves of them) */
	size_t nscratch;
	uint64_t wave_skips, skipped_items;
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
	struct core *cores; /* every core of the machine */
	uint32_t ncores;
	struct tile_hooks hooks;
	struct tile_steady steady;
};

/* Takes the next item index of run's queue; false when the queue is empty. Where the queue
 * has been periodic for whole waves, it may first skip ahead (steady.c). */
bool tile_run_next(struct tile_run *run, uint64_t *item);

/* Steady-state skipping (steady.c). tile_steady_init allocates the snapshots once per machine
 * (0 / -1); tile_steady_reset arms it for a new op; tile_steady_step is told of every compute
 * start (after the step was booked) and may skip periods. */
int tile_steady_init(struct tile_steady *s, size_t ncounters, uint32_t ncores);
void tile_steady_fini(struct tile_steady *s);
void tile_steady_reset(struct tile_steady *s, bool enabled, uint64_t inner, uint64_t outer);
void tile_steady_step(struct tile_run *run, struct core *c);
/* Told before each item is taken off the queue; may skip whole waves of items. */
void tile_steady_items(struct tile_run *run);

/* A buffer of a core's pipeline: the step it holds, when its tiles are all in, and the place
 * in the kernel's same-time order of that moment (kernel_reserve_seq). */
struct core_slot {
	uint64_t step;
	uint64_t ready_at, seq;
};

struct core {
	uint32_t id;
	struct core_stats *stats; /* the machine's core counters (items completed) */
	struct tile_run *run;     /* the op being played, NULL when idle */
	struct bwserver port;     /* fill port from L2 */
	bool tc_busy;
	bool waking; /* a wake is pending for the next step's tiles */
	bool active;
	/* The current work item, as the op's tile program (arch/ops) set it:
	 * batch, row block, column block (or head), rows and columns of its output tile, and the
	 * range of steps it streams. */
	uint64_t batch, ti, tj, rows, cols, step0, nsteps;
	uint64_t aux[2]; /* per-program: attention's first KV block and block count of the item */
	uint64_t next_load, next_compute;
	struct core_slot slots[CORE_MAX_STAGES];
	/* Steady-state detection: when the last step started, the spacing of the last starts and
	 * how many in a row had it. */
	uint64_t last_start, spacing, streak, lead;
	uint64_t starts, starts0; /* compute starts, and their count when a period was opened */
	uint64_t issue_phase;     /* when its next load leaves, in the skip's period (scratch) */
};

#define CORE_STATS(X)                                                             \
	X(macs_fp32, "MAC", "fp32 multiply-accumulates performed")                \
	X(macs_tf32, "MAC", "tf32 multiply-accumulates performed")                \
	X(macs_fp16, "MAC", "fp16 multiply-accumulates performed")                \
	X(macs_bf16, "MAC", "bf16 multiply-accumulates performed")                \
	X(macs_fp8, "MAC", "fp8 multiply-accumulates performed")                  \
	X(macs_int8, "MAC", "int8 multiply-accumulates performed")                \
	X(macs_int4, "MAC", "int4 multiply-accumulates performed")                \
	X(macs_fp4, "MAC", "fp4 multiply-accumulates performed")                  \
	X(macs_sparse, "MAC", "of all the MACs: those run in a sparse mode")      \
	X(tc_busy_ps, "ps", "sum over cores of time the tensor cores computed")   \
	X(decode_busy_ps, "ps", "sum over cores of time the decode stage worked") \
	X(vec_ops, "op", "vector and special-function operations")                \
	X(tile_loads, "", "tile-step loads issued")                               \
	X(tile_computes, "", "tile-step computes")                                \
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
