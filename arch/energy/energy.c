#include "arch/energy/energy.h"

#include <stddef.h>

#define ENERGY_NAME(id, name) name,
static const char *const energy_names[] = { ENERGY_COMPONENTS(ENERGY_NAME) };

const char *energy_component_name(enum energy_component c)
{
	return energy_names[c];
}

#define MAC_FIELD(prec, key)                                                                       \
	{                                                                                          \
		"mac_" key, CFG_ENERGY, offsetof(struct energy_config, mac_pj[TENSOR_##prec]),     \
		    "pJ", 0, 1e3, NULL,                                                            \
		    "energy per " key " multiply-accumulate (datapath and operand delivery)", NULL \
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
	{ "vec_op", CFG_ENERGY, offsetof(struct energy_config, vec_op_pj), "pJ", 0, 1e3, NULL,
	  "energy per vector or special-function operation", NULL },
	{ "smem_byte", CFG_ENERGY, offsetof(struct energy_config, smem_byte_pj), "pJ", 0, 1e3, NULL,
	  "energy per byte written to or read from a core's operand buffer", NULL },
	{ "l2_byte", CFG_ENERGY, offsetof(struct energy_config, l2_byte_pj), "pJ", 0, 1e3, NULL,
	  "energy per byte moved through L2, wires included", NULL },
	{ "hbm_device_bit", CFG_ENERGY, offsetof(struct energy_config, hbm_device_bit_pj), "pJ", 0,
	  1e3, NULL, "device-memory energy per bit (DRAM array and I/O)", NULL },
	{ "hbm_path_bit", CFG_ENERGY, offsetof(struct energy_config, hbm_path_bit_pj), "pJ", 0, 1e3,
	  NULL, "on-chip path energy per device-memory bit (controller, PHY, NoC to L2)", NULL },
	{ "static_power", CFG_POWER, offsetof(struct energy_config, static_power_w), "W", 0, 1e5,
	  NULL, "leakage and idle power of the whole chip, charged for all elapsed time", NULL },
};

const struct cfg_block energy_cfg_block = {
	"energy",
	energy_fields,
	sizeof energy_fields / sizeof energy_fields[0],
	0,
	"per-action energy table and static power",
	NULL,
};

double energy_price(const struct energy_config *cfg, const struct energy_counts *n,
                    double out_j[ENERGY_COMPONENT_COUNT])
{
	double mac_pj = 0;
	for (int p = 0; p < TENSOR_PREC_COUNT; p++)
		mac_pj += (double)n->macs[p] * cfg->mac_pj[p];
	out_j[ENERGY_TENSOR] = mac_pj * 1e-12;
	out_j[ENERGY_VEC] = (double)n->vec_ops * cfg->vec_op_pj * 1e-12;
	out_j[ENERGY_SMEM] = (double)n->smem_bytes * cfg->smem_byte_pj * 1e-12;
	out_j[ENERGY_L2] = (double)n->l2_bytes * cfg->l2_byte_pj * 1e-12;
	out_j[ENERGY_HBM] =
	    (double)n->hbm_bytes * 8 * (cfg->hbm_device_bit_pj + cfg->hbm_path_bit_pj) * 1e-12;
	out_j[ENERGY_STATIC] = cfg->static_power_w * n->time_s;
	double total = 0;
	for (int c = 0; c < ENERGY_COMPONENT_COUNT; c++)
		total += out_j[c];
	return total;
}
