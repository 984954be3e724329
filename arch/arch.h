/* arch — the machine as the driver sees it: load its architecture file, build it, run one op
 * at a time, and read back what it did as plain vectors.
 *
 * Models: N cores, each with tensor cores, a vector unit and an operand buffer (smem); a shared
 * L2; device memory; links; a fixed cost per kernel. How each op type runs is its op kind's
 * (arch/ops): GEMMs and attention as tile events on the cores, vec ops as a roofline per kind,
 * collectives over the link model (unmodelled, zero time, on a machine without links).
 * Not: concurrent kernels (ops run one after another, as on one stream), cross-op L2 reuse.
 * Numbers: the architecture file.
 *
 * The netlist behind this header (arch.c) is the only code that knows how the blocks connect;
 * the driver never sees a block or its counters, only the vectors below.
 */
#ifndef NMSIM_ARCH_H
#define NMSIM_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arch/arch_config.h"
#include "arch/energy/energy.h"
#include "sim/kernel.h"
#include "sim/stats.h"
#include "traces/trace.h"

/* How an op was modelled: tile events on the machine, an analytic formula (vec roofline,
 * link collectives), or not at all (no model for it on this machine: zero time). */
enum arch_model { ARCH_MODEL_TILES, ARCH_MODEL_ANALYTIC, ARCH_MODEL_NONE, ARCH_MODEL_COUNT };

/* Utilisation over a span of time, one entry per shared resource. */
enum arch_util {
	ARCH_UTIL_TENSOR,
	ARCH_UTIL_HBM,
	ARCH_UTIL_L2,
	ARCH_UTIL_DECODE,
	ARCH_UTIL_COUNT
};

/* What an op asked for that the machine did not exploit, for the report to say so. */
enum arch_note {
	ARCH_NOTE_SPARSE_DENSE_MATH = 1u << 0, /* sparse weights stored compressed, dense math */
	ARCH_NOTE_STORED_DENSE = 1u << 1,      /* sparse weights stored dense: no saving at all */
	ARCH_NOTE_PROMOTED = 1u << 2, /* operands of a precision without a datapath: wider math */
	ARCH_NOTE_DECODED = 1u << 3,  /* stored weights or KV decoded in the cores on the fly */
	ARCH_NOTE_COUNT = 4
};
/* One phrase per note (i: bit index). */
const char *arch_note_text(int i);

struct arch_op_result {
	uint64_t time_ps;
	double clock_hz; /* the clock the op ran at (below core.freq when power-limited) */
	enum arch_model model;
	/* What bounds it: "compute", "memory", "l2", "smem", "decode", "launch" (tiled ops: the block
	 * busiest over the op); "memory", "vector", "launch" (vec); "link"; "none". */
	const char *bound;
	const char *how; /* the operand format's phrase ("2:4 native", "dense, scaled"), or "" */
	/* Of time_ps, the fixed per-kernel cost (core.launch + core.host_overhead): the gap
	 * before the kernel; the rest is the kernel's own time, what a profiler's duration shows. */
	uint64_t gap_ps;
	/* Tiled ops: the time a core spent decoding stored operands (arch/formats), mean of all
	 * cores; 0 for others. */
	uint64_t decode_ps;
	/* The device-memory load-to-use latency its loads waited (hbm.loaded_latency: more when
	 * its own stream keeps memory busy). */
	uint64_t mem_latency_ps;
	/* What it leaves in L2 for later ops (arch/l2/l2_keep.h): the stored bytes of the named
	 * tensor it read, the other bytes it moved between device memory and the chip, and how
	 * many of the named tensor's bytes it found resident when it started. */
	uint64_t keep_bytes, other_bytes, warm_bytes;
	/* Over its time_ps: the share each shared resource was busy (arch_util). */
	double util[ARCH_UTIL_COUNT];
	unsigned notes; /* what the machine could not exploit (enum arch_note bits) */
};


/* Run-wide totals the report prints. */
struct arch_totals {
	uint64_t macs;               /* all precisions */
	uint64_t device_bytes;       /* read and written */
	uint64_t device_meta_bytes;  /* of the reads: sparsity metadata */
	uint64_t device_scale_bytes; /* of the reads: quantization scales */
};

struct arch;

/* Loads and checks an architecture file with --set overrides; every problem is reported
 * (file:line) and -1 returned: the caller exits 2. */
int arch_load_config(const char *file, const char *const *sets, size_t nsets,
                     struct arch_config *cfg);
/* Prints every parameter an architecture file can set. */
void arch_describe(FILE *out);
/* Prints every setting of a loaded configuration as resolved (file, defaults, --set), one
 * "path = value" line each: the machine a run simulates, as text. */
void arch_write_config(FILE *out, const struct arch_config *cfg);

/* How the machine plays ops (not part of the machine: the same results, or nearly, either way). */
struct arch_opts {
	/* Play every tile event: no steady-state skipping of periodic stretches (arch/core/steady.c),
	 * which otherwise shortens long ops with results within a fraction of a percent. */
	bool exact;
};

/* Builds the machine and registers its counters in reg; NULL if out of memory. Call after
 * kernel_init; cfg must outlive the machine, and every counter of reg must be registered by
 * the time an op starts (steady-state skipping snapshots them all). */
struct arch *arch_new(const struct arch_config *cfg, const struct arch_opts *opts,
                      struct stats *reg);
void arch_free(struct arch *a);
const struct arch_config *arch_cfg(const struct arch *a);

/* Checks that this machine can run op (before simulating): 0, or -1 with err set. */
int arch_check_op(const struct arch_config *cfg, const struct trace_op *op, char *err,
                  size_t errlen);
/* Starts op now; done(ctx) is called when it has finished and every write has drained. */
void arch_op_start(struct arch *a, const struct trace_op *op, kernel_fn done, void *ctx);
/* Device-memory capacity (arch/capacity.c): the stored bytes of weight tensor w on this
 * machine (0 for a KV tensor), and what op needs besides its weight: its activations (inputs
 * and output) and the KV cache it reads (kv_key: which layer's cache; one per key counts, at
 * its largest). */
struct arch_footprint {
	uint64_t act_bytes, kv_bytes, kv_key;
};
uint64_t arch_weight_bytes(const struct arch_config *cfg, const struct trace_tensor *w);
void arch_op_footprint(const struct arch_config *cfg, const struct trace_op *op,
                       struct arch_footprint *out);

/* Tile events of one op, for timelines: what a core did (arch_tile_event_name: "load",
 * "compute", "store") from start_ps to end_ps, counted from the op's start (its fixed
 * per-kernel cost included). */
struct arch_tile_event {
	uint64_t start_ps, end_ps;
	uint32_t core, kind;
};
const char *arch_tile_event_name(uint32_t kind);
/* Records the tile events of the next op started, at most max of them. The op runs as it
 * would unrecorded: the stretch steady-state skipping jumps over has no events (--exact plays
 * every one). */
void arch_record_next_op(struct arch *a, size_t max);
/* The events the last finished op recorded (NULL, 0 if it was not recorded); *dropped: events
 * past max. Valid until the next op starts. */
const struct arch_tile_event *arch_recorded(const struct arch *a, size_t *n, uint64_t *dropped);

/* The result of the last finished op. */
const struct arch_op_result *arch_last_result(const struct arch *a);
/* L2 contents across ops: the bytes of op's named tensor (weight, KV cache) resident in L2 if
 * op started now; an op costs the same whenever this and its signature are the same. */
uint64_t arch_op_warm_bytes(const struct arch *a, const struct trace_op *op);
/* An op not simulated (its cost was known, res): L2 contents change as if it had run. */
void arch_op_booked(struct arch *a, const struct trace_op *op, const struct arch_op_result *res);

/* The counts energy is priced from, as they stand now (energy_price turns them into joules). */
void arch_energy_counts(const struct arch *a, uint64_t out[ENERGY_COUNT_N]);
/* Busy share of each resource over time_ps (the run so far), 0 when time_ps is 0. */
void arch_utilisation(const struct arch *a, uint64_t time_ps, double out[ARCH_UTIL_COUNT]);
/* The key (JSON) and label (text) of a utilisation entry. */
const char *arch_util_key(enum arch_util u);
const char *arch_util_label(enum arch_util u);
void arch_totals(const struct arch *a, struct arch_totals *out);

const char *arch_model_name(enum arch_model m);

/* The plain roofline of an op (arch/roofline.c), the baseline validation compares with: its
 * work at the peak math rate of its precision (a native sparse mode doubling it), its bytes as
 * stored at the memory's peak bandwidth, and the setup's host time per kernel. The baseline's
 * time is max(compute / e_c, memory / e_m) + fixed + host, with e_c, e_m and fixed fitted. */
struct arch_roofline {
	double compute_ps, memory_ps, host_ps;
};
void arch_roofline(const struct arch_config *cfg, const struct trace_op *op, struct arch_roofline *out);
/* A compute roof for plots: "fp16 dense peak", FLOP/s (2 per MAC, all cores, core.freq). */
struct arch_peak {
	char name[40];
	double flops;
};
/* The roofs of the math precision a gemm or attn op runs at on this machine: dense, and 2:4
 * when the machine has that native mode at it; how many (0 for other ops). */
size_t arch_op_peaks(const struct arch_config *cfg, const struct trace_op *op,
                     struct arch_peak out[2]);

#endif
