/* replay — plays a trace on a machine: streams records, starts each op when the previous one
 * has finished (one stream, in issue order), keeps the per-step and per-type totals, the
 * slowest ops, and writes one CSV row per op as it finishes.
 *
 * Models: nothing of the hardware; it asks the machine (arch/arch.h) to run ops and prices
 * what each did from the machine's energy counts. Its result cache (driver/cache.h) replays an
 * op already simulated: reports are identical with and without it.
 * Not: overlap between ops, multiple streams.
 */
#ifndef NMSIM_REPLAY_H
#define NMSIM_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "arch/arch.h"
#include "arch/energy/energy.h"
#include "driver/cache.h"
#include "driver/spool.h"
#include "sim/stats.h"
#include "traces/trace.h"

#define REPLAY_TOP_OPS 10
/* Distinct ops the result cache holds at most (each ~0.5 KB with its counters). */
#define REPLAY_CACHE_MAX 65536
/* What can bound an op (arch_op_result.bound): the names of replay_bound_name, in report order. */
#define REPLAY_BOUND_COUNT 9
/* Steps reported one by one; later steps are summed per kind (struct replay_rest), so memory
 * does not grow with a trace's length. Pass 1 spools only the steps below it and the later
 * steps that hold ops (replay_count_empty_steps counts the others). */
#define REPLAY_STEPS_MAX 16384
/* The run's simulated time at most, in ps (about 107 days): beyond it the run stops as a user
 * error. Below 2^64 with room for one more op, so the kernel's clock never wraps. */
#define REPLAY_TIME_MAX (UINT64_C(1) << 63)

struct replay_step {
	enum trace_step_kind kind;
	uint64_t tokens, batch;
	uint64_t ops;
	uint64_t time_ps;
	double energy_j;
};

/* The steps from REPLAY_STEPS_MAX on, of one kind, summed. */
struct replay_rest {
	uint64_t steps, ops;
	uint64_t time_ps;
	double energy_j;
	double tokens; /* tokens x batch of its steps (absent: 1) */
	bool tokens_given; /* some step said its tokens */
};

struct replay_type_total {
	uint64_t ops;
	uint64_t time_ps;
	double energy_j;
	uint64_t measured_ops;                 /* ops carrying dur_ns */
	uint64_t measured_ns, measured_sim_ps; /* their measured and simulated kernel time */
	uint64_t measured_fixed_ps; /* the fixed per-kernel cost the simulated kernel time leaves out */
};

struct replay_top_op {
	uint64_t index, line, step, time_ps;
	enum trace_op_type type;
	int64_t layer;
	char name[64];
	const char *bound, *model, *how;
};

/* Tile events recorded of one op at most (for timelines). */
#define REPLAY_TILE_EVENTS_MAX (1u << 20)

/* A finished op, as listeners see it. */
struct replay_op_done {
	const struct trace_op *op;
	const struct spool_tags *tags;  /* what pass 1 worked out about it */
	enum trace_step_kind step_kind; /* of the step the op is in */
	uint64_t start_ps, time_ps;     /* on the report's clock: ops back to back */
	const struct arch_op_result *res;
	double energy_j;
	uint64_t hbm_bytes;
	/* Its tile events when the listener asked for them (NULL, 0 otherwise). */
	const struct arch_tile_event *tiles;
	size_t ntiles;
	uint64_t tiles_dropped;
};

/* Who watches a replay beyond its totals (timeline, per-name statistics). */
struct replay_listener {
	/* How many of op's tile events are wanted (0: none): it is then simulated (not taken
	 * from the cache) and recorded, at most that many. NULL: never. */
	size_t (*want_tiles)(void *ctx, const struct trace_op *op);
	/* Every finished op, in order. 0, or -1 to stop the replay (an error, logged). */
	int (*op_done)(void *ctx, const struct replay_op_done *d);
	void *ctx;
};

struct replay {
	struct arch *arch;
	const struct replay_listener *listener; /* NULL: none */
	struct stats *reg;
	struct spool *spool;
	/* The replay's errors and warnings are held (sim/log.h) until the spool's writer, the
	 * trace's check, has ended: then they print. */
	bool holding_log;
	FILE *csv;
	bool use_cache;
	struct cache *cache;
	/* Results. */
	uint64_t ops, cache_hits;
	uint64_t warm; /* the op in flight: bytes of its named tensor L2 held when it started */
	uint64_t time_ps;
	double energy_j[ENERGY_ACTION_COUNT];
	struct replay_step *steps; /* the first REPLAY_STEPS_MAX steps */
	uint64_t nsteps, cap_steps;
	struct replay_rest rest[TRACE_STEP_COUNT]; /* the later ones, per kind */
	enum trace_step_kind rest_kind;            /* kind of the latest step past the cap */
	struct replay_type_total by_type[TRACE_OP_COUNT];
	uint64_t bound_ps[REPLAY_BOUND_COUNT];                /* op time by what bounded it */
	uint64_t model_ops[TRACE_OP_COUNT][ARCH_MODEL_COUNT]; /* ops of each type by how modelled */
	struct replay_top_op top[REPLAY_TOP_OPS];
	int ntop;
	/* An error stopped the replay (message already logged): EXIT_INTERNAL_ERROR, or
	 * EXIT_USER_ERROR when the trace asks for more than the simulator counts (time past
	 * REPLAY_TIME_MAX, a counter or the measured durations past 2^64). */
	int failed;
	const char *trace_name; /* for messages: the trace as given ("<stdin>" for "-") */
	uint64_t *last;         /* the counters after the previous op, to see one wrap */
	/* Ops from the cache add their counters later, in bulk (cache_flush), while the counters
	 * surely have room: no counter grows by more than pending_bound through them, and `room`
	 * is 2^64 - 1 less the largest counter when last measured. */
	uint64_t pending_bound, room;
	/* The op in flight, and what pass 1 worked out about it. */
	struct trace_op op;
	struct spool_tags tags;
	size_t recording; /* its tile events recorded for the listener, at most (0: not) */
	uint64_t *snap0, *delta;
	uint64_t counts0[ENERGY_COUNT_N];
};

/* Sets up a replay of a checked trace's spool on arch; csv may be NULL. 0 / -1. */
int replay_init(struct replay *r, struct arch *arch, struct stats *reg, struct spool *spool,
                FILE *csv, bool use_cache, const char *trace_name);
/* Steps past REPLAY_STEPS_MAX that hold no op, which pass 1 did not spool: counted in the
 * summary of their kind. */
void replay_count_empty_steps(struct replay *r, enum trace_step_kind kind, uint64_t n);
/* Lets listener watch every op (before replay_start; it must outlive the replay). */
void replay_listen(struct replay *r, const struct replay_listener *listener);
/* Schedules the first record at time 0; kernel_run then plays the whole trace. */
void replay_start(struct replay *r);
void replay_fini(struct replay *r);
/* The name of bound index i (0 <= i < REPLAY_BOUND_COUNT): "compute", "memory", ... */
const char *replay_bound_name(int i);
/* Writes the CSV header. */
void replay_csv_header(FILE *csv);

#endif
