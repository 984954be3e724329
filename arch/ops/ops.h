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

#endif
