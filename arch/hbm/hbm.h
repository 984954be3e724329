/* hbm — device memory (HBM or GDDR): one shared bandwidth server with a latency per op.
 *
 * Models: the achievable bandwidth (peak x a named efficiency, a lower one for writes, whose
 * bus turnarounds cost DRAM time) shared by every core in arrival order, and the load-to-use
 * latency: unloaded, or (with loaded_latency) rising along a line to its value when the memory
 * streams flat out, at the busy share the op's own plan gives (hbm_latency_at; the GEMM mapper
 * settles it with its estimate, arch/lower/lower.c, the norm kernels with their bytes in flight,
 * arch/ops/vec.c; other op kinds wait the unloaded latency).
 * Not: channels, banks, row buffers, refresh, read/write turnaround; their average effect is
 * what `efficiency` and the latency's rise stand for (once per machine, never per workload);
 * a latency that changes within an op as its load changes.
 * Numbers: the architecture file (vendor datasheets; efficiency from published streaming
 * measurements, e.g. A100 68-77 % of 2039 GB/s; the loaded latency by Little's law from a
 * microbenchmark's bandwidth at known bytes in flight).
 */
#ifndef NMSIM_HBM_H
#define NMSIM_HBM_H

#include <stdint.h>

#include "sim/bwserver.h"
#include "sim/cfg.h"
#include "sim/stats.h"

struct hbm_config {
	uint64_t size;           /* bytes */
	double bandwidth;        /* peak, B/s */
	double efficiency;       /* achievable fraction of peak, reads */
	double write_efficiency; /* achievable fraction of peak, writes (bus turnaround) */
	double latency;          /* ps, unloaded */
	double loaded_latency;   /* ps, when the memory streams at its achievable bandwidth; 0:
	                            as `latency` (no rise with load) */
	bool prune_in_memory;    /* scores keys in place, returns only survivors (Sprint) */
};

#define HBM_STATS(X)                                                                  \
	X(read_bytes, "B", "bytes read from device memory")                           \
	X(write_bytes, "B", "bytes written to device memory")                         \
	X(meta_read_bytes, "B", "of read_bytes: sparsity metadata")                   \
	X(scale_read_bytes, "B", "of read_bytes: quantization scales")                \
	X(inmem_macs, "MAC", "approximate MACs computed inside the memory (pruning)") \
	X(busy_ps, "ps", "time the memory spent moving bytes")

struct hbm_stats {
	HBM_STATS(STATS_FIELD)
};

struct hbm {
	const struct hbm_config *cfg;
	struct bwserver port;
	struct hbm_stats stats;
};

extern const struct cfg_block hbm_cfg_block;

void hbm_init(struct hbm *h, const struct hbm_config *cfg);
int hbm_register_stats(struct hbm *h, struct stats *reg);
/* Effective read bandwidth in B/s (peak x efficiency). */
double hbm_effective_bandwidth(const struct hbm_config *cfg);
/* Load-to-use latency in ps when the memory is busy a share u (0..1) of the time: the line
 * from `latency` (idle) to `loaded_latency` (streaming flat out). */
double hbm_latency_at(const struct hbm_config *cfg, double u);
/* Time in ps to stream `read` and `write` bytes with nothing else in the way. */
double hbm_stream_ps(const struct hbm_config *cfg, double read, double write);
/* A read of `bytes` arriving at now_ps; returns when its last byte reaches the requester. */
uint64_t hbm_read(struct hbm *h, uint64_t now_ps, uint64_t bytes);
/* A write of `bytes` arriving at now_ps; returns when the memory has taken its last byte. */
uint64_t hbm_write(struct hbm *h, uint64_t now_ps, uint64_t bytes);

#endif
