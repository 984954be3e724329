/* l2 — the shared last-level cache: a bandwidth server plus a tile-granular LRU directory.
 *
 * Models: every tile load from any core passes through L2 at its bandwidth; a tile already
 * resident (same operand, same block of rows, same block of K, same op) hits and skips device
 * memory; residency is least-recently-used over the usable capacity, at tile granularity.
 * Writes pass through its bandwidth but take no place in the directory (an output tile is never
 * read back by the same op, except split partials, which the reduction reads as hits). The
 * tile directory is reset at each op (tiles differ from op to op); what stays between ops is
 * kept per named tensor by l2_keep.h: an op whose weight or KV cache is resident finds that
 * many bytes of its first tiles of that operand already in L2 (l2_warm_hit). The setting
 * flush_between_ops empties it before every op (cold-cache studies and benchmarks that flush).
 * Not: sets and ways, sectors, the two partitions of A100/H100 L2 and their crossbar,
 * compression, residency control.
 * Numbers: the architecture file (whitepapers: capacity, bytes per clock).
 */
#ifndef NMSIM_L2_H
#define NMSIM_L2_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/l2/l2_keep.h"
#include "sim/bwserver.h"
#include "sim/cfg.h"
#include "sim/stats.h"

struct l2_config {
	uint64_t size;    /* bytes */
	double usable;    /* fraction of size that holds operand tiles */
	double bandwidth; /* B/s, all slices together */
	double latency;   /* ps, hit latency */
	bool flush_between_ops;
};

#define L2_STATS(X)                                                    \
	X(hit_bytes, "B", "tile bytes served from L2")                 \
	X(miss_bytes, "B", "tile bytes L2 fetched from device memory") \
	X(write_bytes, "B", "bytes written into L2")                   \
	X(meta_bytes, "B", "of the tile bytes: sparsity metadata")     \
	X(scale_bytes, "B", "of the tile bytes: quantization scales")  \
	X(busy_ps, "ps", "time L2 spent moving bytes")

struct l2_stats {
	L2_STATS(STATS_FIELD)
};

struct l2_line; /* one resident tile */

struct l2 {
	const struct l2_config *cfg;
	struct bwserver port;
	struct l2_stats stats;
	/* Tile directory: open-addressing hash on keys + LRU list, sized per op by l2_reset. */
	struct l2_line *lines;
	uint32_t *slots;
	uint32_t nslots, nlines, cap_lines, lru_head, lru_tail;
	uint64_t resident_bytes, capacity_bytes;
	uint64_t inserted_bytes; /* bytes of tiles ever inserted (a running total) */
	uint32_t untagged;       /* resident tiles last touched in play, not in a tagged walk */
	/* Between ops: the named tensors L2 holds; the op in flight's share of them. */
	struct l2_keep keep;
	uint64_t warm_bytes; /* bytes of the op's named operand still to be found resident */
};

extern const struct cfg_block l2_cfg_block;

void l2_init(struct l2 *l, const struct l2_config *cfg);
void l2_fini(struct l2 *l);
int l2_register_stats(struct l2 *l, struct stats *reg);
/* Empties the directory and makes room for up to max_tiles distinct tiles (allocates only at
 * op start, never per tile); 0 / -1 out of memory. */
int l2_reset(struct l2 *l, uint64_t max_tiles);
/* Looks up tile `key` of `bytes`: true on a hit (it becomes most recent); on a miss it is
 * inserted, evicting least-recent tiles as needed. */
bool l2_access(struct l2 *l, uint64_t key, uint64_t bytes);
/* The same, remembering who touched the tile (tag != 0) and at which step: a steady-state walk
 * (arch/core/steady.c) can then shift the whole directory to a later step (l2_shift). */
bool l2_access_tagged(struct l2 *l, uint64_t key, uint64_t bytes, uint64_t tag, uint64_t step);
/* Moves every resident tile `steps` steps on: its key becomes key_of(tag, step + steps). The
 * LRU order and sizes stay; every resident tile must carry a tag (l->untagged == 0). */
void l2_shift(struct l2 *l, uint64_t steps,
              uint64_t (*key_of)(void *ctx, uint64_t tag, uint64_t step), void *ctx);
/* A tile of the op's named operand (weight, KV cache) that missed in the directory: true if
 * it is among the bytes the L2 kept from earlier ops (they are used up as tiles find them). */
bool l2_warm_hit(struct l2 *l, uint64_t bytes);
/* Moves `bytes` through the L2 port arriving at now_ps; returns their delivery time. */
uint64_t l2_transfer(struct l2 *l, uint64_t now_ps, uint64_t bytes);

#endif
