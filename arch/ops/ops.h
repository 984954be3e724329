/* ops — the op kinds the machine runs, one file each, behind one table of functions.
 *
 * Models: for every trace op type, how this machine runs it: as tiles on the cores (a tile
 * program: gemm.c, attn.c), or as an analytic cost (vec.c: a roofline per kind; coll.c: the
 * link model's collective algorithms). An op kind plans the op (arch/lower picks tiles) and
 * says how to launch it; the netlist (arch.c) does the launching, the fixed per-kernel cost and
 * the bookkeeping of the op's end. Op kinds see the machine only through the fabric.
 * Not: concurrent kernels (ops run one after another, as on one stream).
 * Numbers: none of their own; the architecture file and arch/lower.
 *
 * Adding an op kind: its trace record (traces/), one file here defining a `struct op_kind`,
 * and one case in ops_kind() (ops.c).
 */
#ifndef NMSIM_OPS_H
#define NMSIM_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "arch/arch.h"
#include "arch/arch_config.h"
#include "arch/core/core.h"
#include "arch/fabric.h"
#include "traces/trace.h"

/* What an op kind's plan asks the netlist to launch. */
struct ops_launch {
	enum arch_model model;
	const char *bound; /* analytic and unmodelled ops: what bounds it */
	const char *how;   /* the operand format's phrase for reports; "" if none */
	/* ARCH_MODEL_TILES: */
	const struct tile_program *prog;
	uint64_t stages, items;
	/* Device memory's load-to-use latency while this op streams (hbm.loaded_latency); 0: the
	 * machine's unloaded latency. */
	uint64_t hbm_latency_ps;
	uint64_t l2_tiles; /* distinct tiles the L2 directory must be able to track */
	/* Items after which the work pattern repeats (a column of the threadblock swizzle, one
	 * head), inside the stretches the program's stretch_end gives: whole waves are compared in
	 * windows of a multiple of it (arch/core/steady.c). */
	uint64_t period_items;
	/* The length of every stretch when they are all alike (a GEMM whose row groups are all of
	 * `swizzle` rows), else 0: short stretches are then compared whole, across the op. */
	uint64_t group_items;
	/* ARCH_MODEL_ANALYTIC: time from launch to end, fixed per-kernel cost included. */
	uint64_t time_ps;
	/* The named data the op reads through its B operand (ops_keep_key; 0: none) and its
	 * stored bytes: what L2 may keep of it for later ops (arch/l2/l2_keep.h). */
	uint64_t keep;
	uint64_t keep_bytes;
	unsigned notes; /* enum arch_note bits */
};

struct op_kind {
	const char *name;
	/* Bytes of this kind's plan; the netlist owns one buffer as large as the largest. */
	size_t plan_size;
	/* Whether this machine can run op at all, checked before simulating (cheap: every op of
	 * a trace goes through it). 0, or -1 with the reason in err. */
	int (*check)(const struct arch_config *cfg, const struct trace_op *op, char *err,
	             size_t errlen);
	/* Plans op into plan (plan_size bytes) and fills *out. Books into the fabric what the op
	 * costs that no tile event plays (an analytic op's traffic, in-memory work). Never fails
	 * on an op that passed check: a failure is an internal error. */
	void (*plan)(const struct arch_config *cfg, struct fabric *fabric,
	             const struct trace_op *op, void *plan, struct ops_launch *out);
	/* The tile choices autotuning plays (cfg->mapper.force set to each in turn before plan),
	 * at most max; 0 or 1: nothing to tune. NULL for kinds that are not tuned. */
	size_t (*choices)(const struct arch_config *cfg, const struct trace_op *op,
	                  struct lower_choice *out, size_t max);
};

extern const struct op_kind ops_gemm, ops_attn, ops_vec, ops_coll;

/* The op kind of a trace op type (every type has one). */
const struct op_kind *ops_kind(enum trace_op_type type);
/* What L2 may keep of op for later ops: the key of the named data it reads (a GEMM's weight,
 * its layer's slice of an attention's KV cache), or 0; the plan's keep is this key. */
uint64_t ops_keep_key(const struct trace_op *op);
/* The largest plan_size of all kinds. */
size_t ops_max_plan_size(void);

/* What the checks (op_kind.check) refuse as more than the model represents:
 * - an op whose time is surely longer than OPS_TIME_MAX_PS (2^58 ps, about 3.3 days): the
 *   run's clock (driver/replay.h) then stays far from 2^64 ps within any op;
 * - a work item of more than OPS_ITEM_STEPS_MAX steps (K blocks of a GEMM, KV blocks of
 *   attention): the tile model plays every step of an item, or looks each one up in L2 when it
 *   skips, so an item of 2^31 steps would run for tens of minutes. 2^24 steps is K = 2^29
 *   (in tiles of the smallest K, 32: gemm_check) or 2^28 keys and more, far beyond any model;
 * - an op that moves more than OPS_BYTES_MAX (2^63) bytes: the counters are 64-bit. */
#define OPS_TIME_MAX_PS    ((double)(UINT64_C(1) << 58))
#define OPS_ITEM_STEPS_MAX (UINT64_C(1) << 24)
/* - an attention head (its query blocks, each with its KV blocks) of more than
 *   OPS_HEAD_STEPS_MAX steps: heads repeat and whole waves of them are extrapolated, but the
 *   first head is played step by step (about 100 ns a step): 2^28 is 2M tokens of causal
 *   context in one sequence. */
#define OPS_HEAD_STEPS_MAX (UINT64_C(1) << 28)
#define OPS_BYTES_MAX      ((double)(UINT64_C(1) << 63))

/* 0 when an op of (at least) ps fits OPS_TIME_MAX_PS, else -1 with the reason in err. */
int ops_check_time(double ps, char *err, size_t errlen);

/* a*b and a+b, saturating at UINT64_MAX (sizes derived from trace values that only need to be
 * large, never exact, beyond the model's range). */
uint64_t ops_sat_mul(uint64_t a, uint64_t b);
uint64_t ops_sat_add(uint64_t a, uint64_t b);
/* What an op touching `tiles` distinct tiles asks of the L2 directory: at most what can be
 * resident at once. Every tile the fabric inserts holds at least one byte, so the directory
 * never holds more lines than the usable capacity has bytes: capped there, evictions by bytes
 * still come first (no result changes) and memory no longer grows with the op's size. */
uint64_t ops_l2_tiles(const struct arch_config *cfg, uint64_t tiles);

#endif
