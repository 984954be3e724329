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
	{ "issue_per_cycle", CFG_REAL, offsetof(struct vec_config, issue_per_cycle), "instr/cycle",
	  1, 1e6, "128",
	  "thread-instructions the core issues per cycle (4 schedulers x 32 lanes on NVIDIA SMs): "
	  "the rate of the decode stage that unpacks and scales stored operands",
	  NULL },
	{ "fp8_convert", CFG_BOOL, offsetof(struct vec_config, fp8_convert), "", 0, 0, "false",
	  "the core converts fp8 pairs to 16-bit in one instruction (sm_89 and later)", NULL },
	{ "decompress_bytes_per_cycle", CFG_REAL,
	  offsetof(struct vec_config, decompress_bytes_per_cycle), "B/cycle", 0, 1e6, "0",
	  "a hardware decompressor turning stored operand bytes into tensor-core operands at this "
	  "rate per core, instead of the decode instructions (0: none)",
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
