/* fabric — the paths a core's requests take through the machine, and the counters they book.
 *
 * Models: a tile load crosses the core's fill port, the shared L2 (a hit stops there) and, on a
 * miss, device memory — all three bandwidth servers at once, so the slowest bounds it; a tile
 * store crosses the port into L2 and drains on to device memory behind the core; a compute
 * step occupies the tensor cores (and the vector units beside them) for max(MMA, vector), or
 * their sum when the vector work waits on the MMA results, and at least its decode stage
 * (stored operands unpacked on the core's issue slots, overlapped with both). Sparsity metadata and scales ride
 * inside the tiles and are counted apart at every level they cross. Whole-op traffic that is
 * not played as tiles (a vec op's stream, a split reduction, a collective) is booked here too.
 * Not: NoC topology between cores and L2 slices, L2 partitions, the L1 cache.
 * Numbers: the blocks' configs (smem fill port, L2 bandwidth and latency, device memory).
 *
 * The fabric is what the tile programs (arch/ops) see of the machine: they never reach into
 * the netlist (arch.c), and the cores never see the fabric's blocks.
 */
#ifndef NMSIM_FABRIC_H
#define NMSIM_FABRIC_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/arch_config.h"
#include "arch/core/core.h"
#include "arch/hbm/hbm.h"
#include "arch/l2/l2.h"
#include "arch/smem/smem.h"

struct fabric {
	const struct arch_config *cfg;
	struct l2 *l2;
	struct hbm *hbm;
	struct core_stats *core;
	struct smem_stats *smem;
	uint64_t *link_bytes; /* bytes each device sent over its links */
};

/* Loads a step's tiles (core.h: struct tile_load) for core c now; returns when the last byte is
 * in its buffer. */
uint64_t fabric_load(struct fabric *f, struct core *c, const struct tile_load *ld);
/* Marks a step's tiles as present in L2 without moving them (steady-state skipping: the
 * tiles of skipped steps that later loads would find there). With `count`, books the L2 hits
 * and misses, the device-memory reads of the misses and their busy time, as the load would
 * have; the rest of a load's counters are the caller's. `tag` (0: none) and `step` say which
 * core's which step touched them, so that L2 can later shift them on (l2_shift). */
void fabric_touch(struct fabric *f, const struct tile_load *ld, bool count, uint64_t tag,
                  uint64_t step);
/* Writes an output tile through c's port into L2, and on to device memory when to_memory
 * (split partials stay in L2); returns when L2 has it. */
uint64_t fabric_store(struct fabric *f, struct core *c, uint64_t bytes, bool to_memory);

/* One step of tensor-core and vector work. */
struct fabric_compute {
	enum tensor_prec prec;
	double mma_ps; /* tensor-core time */
	uint64_t macs; /* MACs performed */
	bool sparse;   /* run in a native sparse mode */
	double vec_ps;    /* vector/SFU time beside it (softmax) */
	double decode_ps; /* the decode stage, overlapped with both */
	uint64_t vec_ops;
	bool serial;         /* the vector work waits on the MMA results */
	uint64_t smem_bytes; /* operand bytes the tensor cores read from the buffer */
};
/* Books a compute step; returns its duration in ps (at least 1). */
uint64_t fabric_compute(struct fabric *f, const struct fabric_compute *w);

/* A reduction pass after the tiles (split-K, split-KV): reads `l2_bytes` of partials from L2,
 * writes `out_bytes` to device memory, `vec_ops` of work; returns when both are done. */
uint64_t fabric_reduce(struct fabric *f, uint64_t l2_bytes, uint64_t out_bytes, uint64_t vec_ops);
/* A stream from device memory that is its own kernel (a selection pass): returns when read. */
uint64_t fabric_stream_read(struct fabric *f, uint64_t at_ps, uint64_t bytes);
/* Whole-op traffic of an analytic op: bytes read and written at the memory's streaming rates
 * (busy time booked at those rates), vector work, MACs at precision prec. */
void fabric_book_stream(struct fabric *f, uint64_t read, uint64_t write, uint64_t vec_ops);
void fabric_book_macs(struct fabric *f, enum tensor_prec prec, uint64_t macs, uint64_t vec_ops);
/* MACs the memory computed in place (in-memory pruning). */
void fabric_book_inmem(struct fabric *f, uint64_t macs);
/* Bytes a device sent over its links. */
void fabric_book_link(struct fabric *f, uint64_t bytes);

/* 64-bit key of a tile: operand, batch, block, step. */
uint64_t fabric_tile_key(uint64_t operand, uint64_t batch, uint64_t block, uint64_t step);

#endif
