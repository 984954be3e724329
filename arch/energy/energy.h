/* energy — the per-action energy table and the pricing of a run's counters into joules.
 *
 * Models: energy per MAC by datapath precision (the datapath with its operand delivery and
 * instruction issue), the extra per MAC of a sparse mode (metadata decode, operand select),
 * per vector/SFU operation, per byte through the operand buffers and L2 (wires included), per
 * bit of device memory (device and path kept apart), per bit over chip-to-chip links, per
 * MAC computed inside the memory (in-memory pruning), and static (leakage + idle) power of
 * each block times elapsed time. Energy = sum of its actions; blocks group the actions.
 * The machine hands its counts over as one indexed vector (enum energy_count), so whoever
 * prices a run or an op (the replay, the result cache) never names a block's counters.
 * Clock-dependent voltage scales the core domain's actions (arch/power: dyn_scale).
 * Not: temperature, leakage that varies with voltage.
 * Numbers: the architecture file; each entry cites its source or says how it is derived
 * (see docs/reference/energy.md and docs/energy.md).
 */
#ifndef NMSIM_ENERGY_H
#define NMSIM_ENERGY_H

#include <stdint.h>

#include "arch/core/tensor.h"
#include "sim/cfg.h"

struct energy_config {
	double mac_pj[TENSOR_PREC_COUNT]; /* pJ per MAC performed */
	double sparse_select_pj;          /* pJ extra per MAC performed in a sparse mode */
	double vec_op_pj;                 /* pJ per vector or SFU operation */
	double smem_byte_pj;              /* pJ per byte written to or read from a core buffer */
	double l2_byte_pj;                /* pJ per byte moved through L2 (incl. wires) */
	double hbm_device_bit_pj;         /* pJ per bit: DRAM device incl. I/O */
	double hbm_path_bit_pj;           /* pJ per bit: controller, PHY, on-chip path to L2 */
	double inmem_mac_pj;              /* pJ per MAC computed inside the memory */
	double link_bit_pj;               /* pJ per bit sent over a chip-to-chip link */
	double static_core_w;             /* leakage + idle power of one core */
	double static_l2_w;               /* of the L2 */
	double static_hbm_w;              /* of device memory and its controllers */
	double static_other_w;            /* the rest of the board (I/O, clocks, regulators) */
};

/* Every action: id, name in reports, the block it belongs to. */
#define ENERGY_ACTIONS(X)                         \
	X(MAC, "mac", "core")                     \
	X(SPARSE_SELECT, "sparse_select", "core") \
	X(VEC, "vector_op", "core")               \
	X(SMEM, "smem_byte", "core")              \
	X(STATIC_CORE, "static_core", "core")     \
	X(L2, "l2_byte", "l2")                    \
	X(STATIC_L2, "static_l2", "l2")           \
	X(HBM_DEVICE, "hbm_device", "hbm")        \
	X(HBM_PATH, "hbm_path", "hbm")            \
	X(INMEM, "inmem_mac", "hbm")              \
	X(STATIC_HBM, "static_hbm", "hbm")        \
	X(LINK, "link_bit", "link")               \
	X(STATIC_OTHER, "static_other", "other")
#define ENERGY_ENUM(id, name, block) ENERGY_##id,
enum energy_action { ENERGY_ACTIONS(ENERGY_ENUM) ENERGY_ACTION_COUNT };

/* What a run did, as the pricing needs it: one count per kind of action, in this order. The
 * MACs take one entry per datapath precision, in enum tensor_prec order. */
enum energy_count {
	ENERGY_COUNT_MACS,                                                /* + precision */
	ENERGY_COUNT_SPARSE_MACS = ENERGY_COUNT_MACS + TENSOR_PREC_COUNT, /* of them, sparse mode */
	ENERGY_COUNT_VEC_OPS,    /* vector and special-function operations */
	ENERGY_COUNT_SMEM_BYTES, /* bytes written to or read from the operand buffers */
	ENERGY_COUNT_L2_BYTES,   /* bytes through L2 */
	ENERGY_COUNT_HBM_BYTES,  /* device-memory bytes, read and written */
	ENERGY_COUNT_INMEM_MACS, /* MACs computed inside the memory */
	ENERGY_COUNT_LINK_BYTES, /* bytes sent over chip-to-chip links */
	ENERGY_COUNT_N
};

extern const struct cfg_block energy_cfg_block;

const char *energy_action_name(enum energy_action c);
/* The block an action belongs to ("core", "l2", "hbm", "link", "other"). */
const char *energy_action_block(enum energy_action c);
/* Joules per action of `counts` over `time_s` seconds on a machine of `cores` cores (static
 * power is charged for the time); the actions of the core's voltage domain (MACs, operand
 * selection, vector ops, buffer and L2 bytes) are scaled by dyn_scale (1 at the maximum clock:
 * arch/power). Returns the total (their sum). */
double energy_price(const struct energy_config *cfg, const uint64_t counts[ENERGY_COUNT_N],
                    uint64_t cores, double time_s, double dyn_scale,
                    double out_j[ENERGY_ACTION_COUNT]);
/* Whether action c is in the core's voltage domain (scales with the clock's voltage). */
int energy_action_scales(enum energy_action c);
/* Static power of the whole machine, in watts. */
double energy_static_w(const struct energy_config *cfg, uint64_t cores);

#endif
