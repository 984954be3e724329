/* energy — the per-action energy table and the pricing of a run's counters into joules.
 *
 * Models: energy per MAC by datapath precision, per vector/SFU operation, per byte through
 * the on-chip buffers and L2, per bit of device memory (device and path kept apart), and
 * static (leakage + idle) power times elapsed time. Energy = sum of its breakdown.
 * Not: voltage/frequency scaling, power capping, temperature; register-file and instruction
 * issue energy are folded into the per-MAC figure (stated per machine).
 * Numbers: the architecture file; each entry cites Horowitz ISSCC'14, O'Connor MICRO'17,
 * Dally et al., or says how it is derived (see shared reference/energy.md).
 */
#ifndef NMSIM_ENERGY_H
#define NMSIM_ENERGY_H

#include <stdint.h>

#include "arch/core/tensor.h"
#include "sim/cfg.h"

struct energy_config {
	double mac_pj[TENSOR_PREC_COUNT]; /* pJ per MAC performed */
	double vec_op_pj;                 /* pJ per vector or SFU operation */
	double smem_byte_pj;              /* pJ per byte written to or read from a core buffer */
	double l2_byte_pj;                /* pJ per byte moved through L2 (incl. wires) */
	double hbm_device_bit_pj;         /* pJ per bit: DRAM device incl. I/O */
	double hbm_path_bit_pj;           /* pJ per bit: controller, PHY, on-chip path to L2 */
	double static_power_w;            /* leakage + idle power of the whole chip */
};

#define ENERGY_COMPONENTS(X) \
	X(TENSOR, "tensor")  \
	X(VEC, "vector")     \
	X(SMEM, "buffer")    \
	X(L2, "l2")          \
	X(HBM, "hbm")        \
	X(STATIC, "static")
#define ENERGY_ENUM(id, name) ENERGY_##id,
enum energy_component { ENERGY_COMPONENTS(ENERGY_ENUM) ENERGY_COMPONENT_COUNT };

/* What a run did, as the pricing needs it. */
struct energy_counts {
	uint64_t macs[TENSOR_PREC_COUNT];
	uint64_t vec_ops;
	uint64_t smem_bytes;
	uint64_t l2_bytes;
	uint64_t hbm_bytes;
	double time_s;
};

extern const struct cfg_block energy_cfg_block;

const char *energy_component_name(enum energy_component c);
/* Joules per component; returns the total. */
double energy_price(const struct energy_config *cfg, const struct energy_counts *n,
                    double out_j[ENERGY_COMPONENT_COUNT]);

#endif
