/* vrow — the rows of the validation data: measured or published kernel timings, each turned
 * into something the simulator can replay, and the tables that say how rows are grouped.
 *
 * Models: nothing of the hardware. A row of validation/data/ CSV files (columns id, machine, m, n, k,
 * a, w_dtype, sp, metric, value, unit, source, note) is one of:
 *   - an op: a GEMM from m,n,k,a,w_dtype,sp, or an attention/vec/copy op described in the note
 *     (`op=attn b=1 ...`, `op vec kind=gelu ...`), timed (time_ms) or as a rate (throughput,
 *     bandwidth over the work it names);
 *   - a ratio of two other rows' simulated values, of any machines (metric speedup or
 *     energy_reduction, note ratio=A/B);
 *   - a whole model (note tracegen=ARGS): the mean decode step (metric time_per_token_ms) or
 *     the whole trace (time_ms, energy_mj, gops_s and gops_j: two ops per MAC the report
 *     counts, over its time or energy) of the trace tracegen writes.
 * A note's group=NAME puts the row in group NAME instead of the one its kind implies. A row
 * with an empty value has no published counterpart: it is simulated (a ratio row divides it)
 * and listed, but has no error and counts in no group.
 * validation/sources.csv sets each row's measurement setup (--set options) and split
 * (validation, calibration, or a tag that puts it in a group of its own); validation/groups.csv
 * gives each group's tolerance and role; validation/machines.csv maps machines to configs.
 * Not: the simulation itself (vrun.c) or the table (vtable.c).
 */
#ifndef NMSIM_VROW_H
#define NMSIM_VROW_H

#include <stdbool.h>
#include <stddef.h>

#include "traces/trace.h"

enum vrow_kind { VROW_OP, VROW_RATIO, VROW_MODEL };

/* An op's plain-roofline parts, seconds: peak compute, peak memory, host time per kernel. */
struct vparts {
	double compute, memory, host;
};

/* The roofline baseline's constants for one machine: compute and bandwidth efficiencies and a
 * fixed time per kernel, fitted to the machine's calibration rows (all its rows if it has
 * none), nothing per group. */
struct vroofline {
	double compute_eff, memory_eff, fixed_s;
	size_t fitted_rows;
	bool on_calibration; /* fitted on calibration rows (else on every row of the machine) */
};

struct vrow {
	enum vrow_kind kind;
	char *id, *machine, *file, *metric;
	char *group; /* machine, class, precision and split tag: what the MAPE is taken over */
	char *sets;  /* --set options of the measurement setup ("" for none) */
	bool calibration;
	bool skip;      /* listed but not simulated */
	char *why;      /* why it is skipped */
	double value;   /* expected, in the metric's unit */
	bool has_value; /* false: no published value (an input of ratio rows) */
	double work; /* elements (throughput) or bytes (bandwidth) the metric divides time into */
	double sim;  /* simulated, in the metric's unit; < 0 until simulated */
	/* The plain roofline's parts (simrun --roofline): one per op of an op row; a model row's
	 * ops of its decode steps (nparts of them, over ndecode steps), or, for a whole-trace
	 * time with a published value, every op of the trace (ndecode 0). */
	struct vparts *parts;
	size_t nparts, ndecode;
	double roof; /* the baseline's value, in the metric's unit; < 0 until computed */
	/* VROW_OP: the op, and the weight it reads (has_weight; op.gemm.w is left NULL: point it
	 * at `weight` when using the op). */
	struct trace_op op;
	struct trace_tensor weight;
	bool has_weight;
	/* VROW_RATIO: the ids of the numerator and the denominator rows. */
	char *num_id, *den_id;
	/* VROW_MODEL: tracegen's arguments, one per entry. */
	char **tracegen_argv;
	size_t tracegen_argc;
};

struct vgroup_rule {
	char *name;
	bool has_tolerance;
	double tolerance_pct;
	char *role;
};

struct vmachine {
	char *name, *config;
	struct vroofline roofline;
};

struct vdata {
	struct vrow *rows;
	size_t nrows, cap;
	struct vgroup_rule *groups;
	size_t ngroups;
	struct vmachine *machines;
	size_t nmachines;
};

/* Reads every validation/data/ CSV files under root (in name order), then sources.csv, groups.csv
 * and machines.csv. A malformed file is reported (FILE:ROW: what) and -1 returned. */
int vdata_load(struct vdata *d, const char *root);
void vdata_free(struct vdata *d);
/* The config path of a machine, NULL if machines.csv does not list it. */
const char *vdata_config(const struct vdata *d, const char *machine);
/* The rows ratio row r divides (its num_id over its den_id); NULL where there is none. */
void vdata_ratio_inputs(const struct vdata *d, const struct vrow *r, const struct vrow **num,
                        const struct vrow **den);
/* The rule of a group, NULL if groups.csv does not list it. */
const struct vgroup_rule *vdata_group_rule(const struct vdata *d, const char *group);

/* A CSV file read whole with libcsv: rows[0] is the header. */
struct vcsv_row {
	char **f;
	size_t n;
};
struct vcsv_table {
	const char *path;
	struct vcsv_row *rows;
	size_t nrows, cap;
	struct vcsv_row cur; /* the record being parsed */
	size_t cur_cap;
};
/* 0, or -1 with the reason printed (FILE: what). */
int vcsv_read(const char *path, struct vcsv_table *t);
void vcsv_free(struct vcsv_table *t);
/* Index of a header column, -1 if absent; field j of row i ("" past the row's end). */
int vcsv_col(const struct vcsv_table *t, const char *name);
const char *vcsv_get(const struct vcsv_table *t, size_t i, int j);

/* A row's value in its metric's unit from its op's (or decode step's) time in seconds. */
double vrow_value(const struct vrow *r, double seconds);

/* Allocation that never returns NULL: out of memory ends the program (status 1). */
void *vx_malloc(size_t n);
void *vx_realloc(void *p, size_t n);
char *vx_strdup(const char *s);
char *vx_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
