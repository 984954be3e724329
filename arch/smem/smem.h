/* smem — a core's on-chip operand buffer (shared memory) and the port that fills it.
 *
 * Models: the capacity that bounds tile sizes (stages x (A tile + B tile) must fit: double
 * buffering when stages = 2), and the per-core fill port from L2, a bandwidth server in
 * bytes per cycle, so a core cannot load faster than its port however idle L2 is.
 * Not: banks and bank conflicts, the L1 cache that shares its SRAM, register-file staging.
 * Numbers: the architecture file (whitepapers: shared-memory capacity per SM).
 */
#ifndef NMSIM_SMEM_H
#define NMSIM_SMEM_H

#include <stdint.h>

#include "sim/bwserver.h"
#include "sim/cfg.h"
#include "sim/stats.h"

struct smem_config {
	uint64_t size;               /* bytes per core usable for operand tiles */
	int64_t stages;              /* buffers per operand in flight (2 = double buffering) */
	double fill_bytes_per_cycle; /* per-core L2 -> buffer port */
};

#define SMEM_STATS(X)                                                      \
	X(fill_bytes, "B", "bytes written into the buffers by loads")      \
	X(read_bytes, "B", "bytes the tensor cores read from the buffers") \
	X(meta_fill_bytes, "B", "of fill_bytes: sparsity metadata")        \
	X(scale_fill_bytes, "B", "of fill_bytes: quantization scales")     \
	X(port_busy_ps, "ps", "sum over cores of time their fill port was busy")

struct smem_stats {
	SMEM_STATS(STATS_FIELD)
};

extern const struct cfg_block smem_cfg_block;

#endif
