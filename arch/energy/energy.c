#include "arch/energy/energy.h"

#include "arch/arch_config.h"

#include <stddef.h>
#include <stdio.h>

#define ENERGY_NAME(id, name, block)  name,
#define ENERGY_BLOCK(id, name, block) block,
static const char *const energy_names[] = { ENERGY_ACTIONS(ENERGY_NAME) };
static const char *const energy_blocks[] = { ENERGY_ACTIONS(ENERGY_BLOCK) };

const char *energy_action_name(enum energy_action c)
{
	return energy_names[c];
}

const char *energy_action_block(enum energy_action c)
{
	return energy_blocks[c];
}

#define MAC_FIELD(prec, key)                                                                      \
	{                                                                                         \
		"mac_" key, CFG_ENERGY, offsetof(struct energy_config, mac_pj[TENSOR_##prec]),    \
		    "pJ", 0, 1e3, "0",                                                            \
		    "energy per " key " multiply-accumulate (datapath, operand delivery, issue); " \
		    "required when tensor." key " > 0",                                           \
		    NULL                                                                          \
	}
#define ENERGY_FIELD(key, member, type, unit, def, desc)                                         \
	{                                                                                        \
		key, type, offsetof(struct energy_config, member), unit, 0, 1e4, def, desc, NULL \
	}

static const struct cfg_field energy_fields[] = {
	MAC_FIELD(FP32, "fp32"),
	MAC_FIELD(TF32, "tf32"),
	MAC_FIELD(FP16, "fp16"),
	MAC_FIELD(BF16, "bf16"),
	MAC_FIELD(FP8, "fp8"),
	MAC_FIELD(INT8, "int8"),
	MAC_FIELD(INT4, "int4"),
	MAC_FIELD(FP4, "fp4"),
	ENERGY_FIELD("sparse_select", sparse_select_pj, CFG_ENERGY, "pJ", "0",
	             "extra energy per MAC in a sparse mode (metadata decode, operand select)"),
	ENERGY_FIELD("vec_op", vec_op_pj, CFG_ENERGY, "pJ", NULL,
	             "energy per vector or special-function operation"),
	ENERGY_FIELD("smem_byte", smem_byte_pj, CFG_ENERGY, "pJ", NULL,
	             "energy per byte written to or read from a core's operand buffer"),
	ENERGY_FIELD("l2_byte", l2_byte_pj, CFG_ENERGY, "pJ", NULL,
	             "energy per byte moved through L2, wires included"),
	ENERGY_FIELD("hbm_device_bit", hbm_device_bit_pj, CFG_ENERGY, "pJ", NULL,
	             "device-memory energy per bit (DRAM array and I/O)"),
	ENERGY_FIELD("hbm_path_bit", hbm_path_bit_pj, CFG_ENERGY, "pJ", NULL,
	             "on-chip path energy per device-memory bit (controller, PHY, NoC to L2)"),
	ENERGY_FIELD("inmem_mac", inmem_mac_pj, CFG_ENERGY, "pJ", "0",
	             "energy per MAC computed inside the memory (in-memory pruning)"),
	ENERGY_FIELD("link_bit", link_bit_pj, CFG_ENERGY, "pJ", "0",
	             "energy per bit sent over a chip-to-chip link"),
	ENERGY_FIELD("static_core", static_core_w, CFG_POWER, "W", NULL,
	             "leakage and idle power of one core, charged for all elapsed time"),
	ENERGY_FIELD("static_l2", static_l2_w, CFG_POWER, "W", "0",
	             "leakage and idle power of the L2"),
	ENERGY_FIELD("static_hbm", static_hbm_w, CFG_POWER, "W", "0",
	             "idle power of device memory and its controllers (refresh, PHY)"),
	ENERGY_FIELD("static_other", static_other_w, CFG_POWER, "W", "0",
	             "idle power of the rest of the board (I/O, clocks, regulators)"),
};

/* A MAC entry is needed for every datapath the machine has (tensor.PREC > 0); a precision it
 * lacks is never the math's (tensor_math_prec promotes past it), so its entry may be left out. */
static int energy_check(const void *blk, struct cfg_checker *chk)
{
	const struct energy_config *e = blk;
	const struct arch_config *a = cfg_checker_root(chk);
	int rc = 0;
	(void)e;
	for (int p = 0; p < TENSOR_PREC_COUNT; p++) {
		char key[32];
		const char *name = tensor_prec_name((enum tensor_prec)p);
		snprintf(key, sizeof key, "mac_%s", name);
		if (a->tensor.macs_per_cycle[p] > 0 && !cfg_given(chk, key)) {
			cfg_report_missing(chk, key,
			                   "tensor.%s = %g MAC/cycle: each datapath the machine "
			                   "has needs its MAC energy",
			                   name, a->tensor.macs_per_cycle[p]);
			rc = -1;
		}
	}
	return rc;
}

const struct cfg_block energy_cfg_block = {
	"energy",
	energy_fields,
	sizeof energy_fields / sizeof energy_fields[0],
	0,
	"per-action energy table and static power per block",
	energy_check,
};

double energy_static_w(const struct energy_config *cfg, uint64_t cores)
{
	return cfg->static_core_w * (double)cores + cfg->static_l2_w + cfg->static_hbm_w +
	       cfg->static_other_w;
}

int energy_action_scales(enum energy_action c)
{
	switch (c) {
	case ENERGY_MAC:
	case ENERGY_SPARSE_SELECT:
	case ENERGY_VEC:
	case ENERGY_SMEM:
	case ENERGY_L2: return 1;
	default: return 0;
	}
}

double energy_price(const struct energy_config *cfg, const uint64_t n[ENERGY_COUNT_N],
                    uint64_t cores, double time_s, double dyn_scale,
                    double out_j[ENERGY_ACTION_COUNT])
{
	double mac_pj = 0;
	for (int p = 0; p < TENSOR_PREC_COUNT; p++)
		mac_pj += (double)n[ENERGY_COUNT_MACS + p] * cfg->mac_pj[p];
	const double pj = 1e-12;
	double hbm_bits = (double)n[ENERGY_COUNT_HBM_BYTES] * 8;
	out_j[ENERGY_MAC] = mac_pj * pj;
	out_j[ENERGY_SPARSE_SELECT] =
	    (double)n[ENERGY_COUNT_SPARSE_MACS] * cfg->sparse_select_pj * pj;
	out_j[ENERGY_VEC] = (double)n[ENERGY_COUNT_VEC_OPS] * cfg->vec_op_pj * pj;
	out_j[ENERGY_SMEM] = (double)n[ENERGY_COUNT_SMEM_BYTES] * cfg->smem_byte_pj * pj;
	out_j[ENERGY_STATIC_CORE] = cfg->static_core_w * (double)cores * time_s;
	out_j[ENERGY_L2] = (double)n[ENERGY_COUNT_L2_BYTES] * cfg->l2_byte_pj * pj;
	out_j[ENERGY_STATIC_L2] = cfg->static_l2_w * time_s;
	out_j[ENERGY_HBM_DEVICE] = hbm_bits * cfg->hbm_device_bit_pj * pj;
	out_j[ENERGY_HBM_PATH] = hbm_bits * cfg->hbm_path_bit_pj * pj;
	out_j[ENERGY_INMEM] = (double)n[ENERGY_COUNT_INMEM_MACS] * cfg->inmem_mac_pj * pj;
	out_j[ENERGY_STATIC_HBM] = cfg->static_hbm_w * time_s;
	out_j[ENERGY_LINK] = (double)n[ENERGY_COUNT_LINK_BYTES] * 8 * cfg->link_bit_pj * pj;
	out_j[ENERGY_STATIC_OTHER] = cfg->static_other_w * time_s;
	double total = 0;
	for (int c = 0; c < ENERGY_ACTION_COUNT; c++) {
		if (dyn_scale != 1 && energy_action_scales((enum energy_action)c))
			out_j[c] *= dyn_scale;
		total += out_j[c];
	}
	return total;
}
