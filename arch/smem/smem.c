#include "arch/smem/smem.h"

#include <stddef.h>

static const struct cfg_field smem_fields[] = {
	{ "size", CFG_BYTES, offsetof(struct smem_config, size), "B", 1024, 1e9, NULL,
	  "operand buffer capacity per core", NULL },
	{ "stages", CFG_INT, offsetof(struct smem_config, stages), "", 2, 8, "2",
	  "tile buffers in flight per operand, GEMM tiles and attention K/V blocks (2 = double "
	  "buffering)",
	  NULL },
	{ "fill_bytes_per_cycle", CFG_REAL, offsetof(struct smem_config, fill_bytes_per_cycle),
	  "B/cycle", 1, 1e5, NULL, "per-core fill bandwidth from L2", NULL },
};

const struct cfg_block smem_cfg_block = {
	"smem",
	smem_fields,
	sizeof smem_fields / sizeof smem_fields[0],
	0,
	"on-chip operand buffer of each core: capacity, stages, fill port",
	NULL,
};
