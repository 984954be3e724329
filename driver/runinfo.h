/* runinfo — what a run's ops add up to beyond the replay's totals: the ops grouped by name
 * (opstats), per-op errors against measured durations, what the machine did not exploit, which
 * of the model's limits the run met; and it feeds the timeline, when one is written.
 *
 * Models: nothing; it listens to the replay (replay_listener) and keeps bounded summaries.
 * Not: the totals, steps and CSV rows (driver/replay).
 */
#ifndef NMSIM_RUNINFO_H
#define NMSIM_RUNINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/arch.h"
#include "driver/opstats.h"
#include "driver/replay.h"
#include "driver/timeline.h"

#define RUNINFO_ROOFS 8

/* The model's limits a run can meet: the report lists those it met (runinfo_limit_text). */
enum runinfo_limit {
	RUNINFO_LIMIT_VEC_ROOFLINE,    /* a vec op */
	RUNINFO_LIMIT_L2_ACROSS_OPS,   /* a tiled op: activations across ops, write-backs */
	RUNINFO_LIMIT_CLOCK_IN_OP,     /* an op below full clock (the power limit) */
	RUNINFO_LIMIT_SCATTER_BANKS,   /* a weight scattered from a sparse format */
	RUNINFO_LIMIT_ASP_INDEXES,     /* activation sparsity exploited */
	RUNINFO_LIMIT_LINK_ENERGY,     /* a collective on a link */
	RUNINFO_LIMIT_ISSUE_ENERGY,    /* any op */
	RUNINFO_LIMIT_UNMODELLED_COLL, /* a collective on a machine without a link model */
	RUNINFO_LIMIT_COUNT
};
const char *runinfo_limit_text(int i);

/* Measured (dur_ns) against simulated kernel time, op by op, of one op type or of all. */
struct runinfo_errors {
	uint64_t ops;
	double median_pct, mape_pct; /* signed median of (simulated - measured) / measured */
	double min_pct, max_pct;
};

struct runinfo_note {
	uint64_t ops;
	uint64_t time_ps;   /* the time of those ops */
	uint64_t decode_ps; /* of it, decode-stage time (ARCH_NOTE_DECODED) */
	char example[256];  /* the first such op: label, shape, format, line */
};

struct runinfo {
	const struct arch_config *cfg;
	struct opstats *stats;
	struct timeline *timeline; /* NULL: none */
	struct replay_listener listener;
	struct runinfo_note notes[ARCH_NOTE_COUNT];
	bool met[RUNINFO_LIMIT_COUNT];
	uint64_t power_limited_ops;
	/* The compute roofs of the precisions the run's GEMMs and attention used (for plots). */
	struct arch_peak roofs[RUNINFO_ROOFS];
	size_t nroofs;
	bool roofs_seen[2][TRACE_DT_COUNT][TRACE_DT_COUNT]; /* gemm/attn x operand dtypes done */
	/* Per-op relative errors in %, per op type, of ops with dur_ns. */
	double *err[TRACE_OP_COUNT];
	size_t nerr[TRACE_OP_COUNT], cap_err[TRACE_OP_COUNT];
	/* The step being written to the timeline. */
	bool step_open;
	uint64_t step_index, step_start_ps, step_end_ps, step_ops;
	enum trace_step_kind step_kind;
	double step_energy_j;
};

/* 0, or -1 out of memory. Its timeline is NULL: the caller sets ri->timeline (it stays the
 * caller's) once it has one, before the replay starts. */
int runinfo_init(struct runinfo *ri, const struct arch_config *cfg);
void runinfo_fini(struct runinfo *ri);
/* After the replay: closes the last timeline step. */
void runinfo_finish(struct runinfo *ri);
/* The errors of op type t (TRACE_OP_COUNT: all types); ops 0 if none carry dur_ns. */
void runinfo_errors(const struct runinfo *ri, int t, struct runinfo_errors *out);

#endif
