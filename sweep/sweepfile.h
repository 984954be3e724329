/* sweepfile — a sweep file: the machines, workloads, axes and filters of a design-space sweep,
 * read with libconfig under the conventions of architecture files (sim/cfg.h): every problem is
 * reported as FILE:LINE: what, all of them, and the caller exits 2; a key the format does not
 * know is an error, never ignored; integers above 2^31 need an L suffix or a unit string.
 * Models: nothing; turns the file into axes (each a list of values as text) and enumerates the
 * points: the cross product of the axis groups (a zip group moves its axes together, a plain
 * axis is a group of one), less the points the `where` filters reject, first group slowest.
 * Not: loading machines or making traces (sweep/plan.h). The keys are in docs/sweeps.md.
 */
#ifndef NMSIM_SWEEPFILE_H
#define NMSIM_SWEEPFILE_H

#include <stdbool.h>
#include <stddef.h>

/* The tracegen options a workload recipe or a gen axis may set, in the order tracegen gets them. */
enum sweepfile_gen {
	SWEEPFILE_GEN_MODEL,
	SWEEPFILE_GEN_BATCH,
	SWEEPFILE_GEN_PROMPT,
	SWEEPFILE_GEN_DECODE,
	SWEEPFILE_GEN_WEIGHTS,
	SWEEPFILE_GEN_WEIGHT_ONLY,
	SWEEPFILE_GEN_ACT,
	SWEEPFILE_GEN_SPARSITY,
	SWEEPFILE_GEN_KV,
	SWEEPFILE_GEN_ACT_SPARSITY,
	SWEEPFILE_GEN_ATTN,
	SWEEPFILE_GEN_TP,
	SWEEPFILE_GEN_MOE_DIST,
	SWEEPFILE_GEN_COUNT
};

/* Key in the sweep file ("act_sparsity") and tracegen's option ("--act-sparsity"). */
const char *sweepfile_gen_key(enum sweepfile_gen g);
const char *sweepfile_gen_option(enum sweepfile_gen g);

enum sweepfile_kind {
	SWEEPFILE_ARCH,     /* the base machine (top-level arch) */
	SWEEPFILE_WORKLOAD, /* the workload (top-level workload / workloads) */
	SWEEPFILE_SET,      /* an architecture setting, passed as --set TARGET=VALUE */
	SWEEPFILE_GEN,      /* a tracegen option of the workload's recipe */
	SWEEPFILE_LABEL,    /* the labels of a zip group: a column, nothing more */
};

struct sweepfile_axis {
	char *name; /* its column in the results and its name in `where` */
	enum sweepfile_kind kind;
	char *target;           /* SET: the dotted path; else NULL */
	enum sweepfile_gen gen; /* GEN: the option */
	char **values;          /* as text: what the results show and the run gets */
	bool *quoted; /* SET: the value was a string in the file (passed on as a string) */
	size_t nvalues;
	size_t group; /* the group it moves with */
	unsigned line;
};

struct sweepfile_workload {
	char *name;
	char *trace;                    /* a trace file (resolved), or NULL for a recipe */
	char *gen[SWEEPFILE_GEN_COUNT]; /* a recipe's options (NULL: tracegen's default) */
	unsigned line;
};

struct sweepfile {
	char *file;   /* as given */
	char *dir;    /* its folder: paths inside the file are relative to it */
	char *name;   /* the name key, else the file's stem */
	char **archs; /* the architecture file each value of the arch axis stands for */
	size_t narchs;
	char **sets; /* --set PATH=VALUE for every point */
	size_t nsets;
	unsigned sets_line;
	struct sweepfile_workload *workloads;
	size_t nworkloads;
	struct sweepfile_axis *axes; /* axes[0] is the arch axis, axes[1] the workload axis */
	size_t naxes, ngroups;
	size_t *group_size; /* values of each group */
	size_t npoints;
	size_t *points; /* npoints x ngroups value indices, point-major */
};

/* Reads and checks FILE and enumerates its points. 0, or -1 after reporting every problem
 * (the caller exits 2). Arch files are looked up like simrun's --arch, relative to the
 * sweep file's folder first. */
int sweepfile_load(const char *file, struct sweepfile *sw);
/* Reads every trace file of the workloads through, each once, as simrun's check will: a
 * file that is not a trace is reported ("FILE:LINE: workload: trace: ...") before any point
 * runs. 0, or -1 after reporting each (the caller exits 2). */
int sweepfile_check_traces(const struct sweepfile *sw);
void sweepfile_free(struct sweepfile *sw);

/* The index into axis A's values at point P. */
size_t sweepfile_value(const struct sweepfile *sw, size_t p, size_t a);
/* The text of axis A at point P. */
const char *sweepfile_text(const struct sweepfile *sw, size_t p, size_t a);
/* "arch=a100_24.cfg, batch=16, ..." of point P into BUF; returns BUF. */
const char *sweepfile_describe(const struct sweepfile *sw, size_t p, char *buf, size_t len);

#endif
