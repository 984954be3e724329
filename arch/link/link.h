/* link — chip-to-chip links for collectives (tensor parallelism): NVLink and the like.
 *
 * Models: each device's link bandwidth per direction (peak x a named efficiency), a fixed
 * latency per algorithm step, and the step structure of NCCL's algorithms: ring all-reduce
 * moves 2(p-1)/p of the buffer in 2(p-1) steps; all-gather and reduce-scatter (p-1)/p in p-1
 * steps; all-to-all (p-1)/p. On a switch (NVSwitch) the bandwidth terms are the same and the
 * latency terms follow a tree (2 log2 p steps for all-reduce).
 * Not: congestion from other traffic, in-network reduction (NVLS/SHARP), multi-node fabrics,
 * overlap of collectives with compute (ops run one after another).
 * Numbers: the architecture file (whitepapers: NVLink bandwidth; nccl-tests: efficiency).
 */
#ifndef NMSIM_LINK_H
#define NMSIM_LINK_H

#include <stdint.h>

#include "sim/cfg.h"
#include "traces/trace.h"

enum link_topology { LINK_RING, LINK_SWITCH };

struct link_config {
	double bandwidth;  /* B/s per direction per device; 0 = no link model */
	double efficiency; /* achievable share of it (NCCL bus bandwidth over peak) */
	double latency;    /* ps per algorithm step */
	int topology;      /* enum link_topology */
};

extern const struct cfg_block link_cfg_block;

/* Time in ps of a collective whose per-rank buffer is `bytes` (NCCL's count x element size:
 * the input of all-reduce, reduce-scatter and all-to-all, the send buffer of all-gather) over
 * `ranks` devices; bytes each device sends go to *sent. 0 when ranks is 1. */
double link_collective_ps(const struct link_config *l, enum trace_coll_kind kind, uint64_t bytes,
                          uint64_t ranks, uint64_t *sent);

#endif
