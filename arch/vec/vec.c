#include "arch/vec/vec.h"

#include <stddef.h>

static const struct cfg_field vec_fields[] = {
	{ "fp16_ops_per_cycle", CFG_REAL, offsetof(struct vec_config, fp16_ops_per_cycle),
	  "op/cycle", 1, 1e6, NULL, "half-precision vector operations per cycle per core (FMA = 2)",
	  NULL },
	{ "fp32_ops_per_cycle", CFG_REAL, offsetof(struct vec_config, fp32_ops_per_cycle),
	  "op/cycle", 1, 1e6, NULL,
	  "single-precision vector operations per cycle per core (FMA = 2)", NULL },
	{ "sfu_ops_per_cycle", CFG_REAL, offsetof(struct vec_config, sfu_ops_per_cycle), "op/cycle",
	  1, 1e6, "16", "special-function operations (exp, rsqrt) per cycle per core", NULL },
	{ "dequant_ops_per_elem", CFG_REAL, offsetof(struct vec_config, dequant_ops_per_elem), "op",
	  0, 100, "2", "vector operations to dequantize one low-bit weight element (unpack, scale)",
	  NULL },
};

const struct cfg_block vec_cfg_block = {
	"vec",
	vec_fields,
	sizeof vec_fields / sizeof vec_fields[0],
	0,
	"vector and special-function units of each core",
	NULL,
};
