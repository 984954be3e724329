/* cache — the result cache of the replay: what an op already simulated cost, keyed by
 * everything the model reads of it.
 *
 * Models: nothing of the hardware. An op's signature is its type and every field the model
 * reads (sizes, dtypes, patterns, and the format id the trace reader gave the tensor it reads),
 * packed in binary — never its name, layer, line or measured time — and the one thing it
 * depends on from before: how many bytes of its named tensor L2 still holds
 * (arch_op_warm_bytes). The machine is idle and its tile directory reset at every op start, so
 * an op with the same signature costs exactly the same again: replaying the cached time and
 * counter deltas (and telling the L2 what the op left there, arch_op_booked) gives reports
 * identical to simulating it (cli/cache_exact checks this). The deltas of replayed ops may be
 * added later, in bulk (cache_flush). The same signature also keys pass 1's set of ops
 * already checked against the machine.
 */
#ifndef NMSIM_CACHE_H
#define NMSIM_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/arch.h"
#include "arch/energy/energy.h"
#include "sim/stats.h"
#include "traces/trace.h"

struct cache_entry {
	uint64_t time_ps;
	struct arch_op_result result;
	double energy_j[ENERGY_ACTION_COUNT];
	uint64_t hbm_bytes; /* device-memory bytes of the op, for its CSV row */
	uint64_t *delta;    /* one per registered counter: what the op added */
	uint64_t pending;   /* replays of it whose delta the counters do not hold yet */
	uint64_t max_delta; /* its largest counter delta */
};

struct cache;

/* A cache for results that carry `ncounters` counter deltas, holding at most max_entries
 * distinct ops (it grows as they come; when full it says so once and stores no more); NULL
 * if out of memory. */
struct cache *cache_new(size_t ncounters, size_t max_entries);
void cache_free(struct cache *c);
/* The entry of op's signature when `warm` bytes of its named tensor are in L2, or NULL.
 * `sig` is the signature's id in pass 1's checked set (checked_add), which spares hashing the
 * op again; 0 when it has none (the set was full, or there was none). */
struct cache_entry *cache_find(struct cache *c, const struct trace_op *op, uint32_t sig,
                               uint64_t warm);
/* Adds to reg's counters the deltas of the replays counted in the entries' `pending` (a
 * replayed op bumps it instead of adding a whole delta per op; nothing in the simulation reads
 * absolute counter values, only changes). Returns reg->count, or the index of a counter that
 * would pass 2^64 (then the counters are left as they were). */
size_t cache_flush(struct cache *c, struct stats *reg);
/* Stores e (its delta copied) under that signature, which must not be present; 0, or -1 when
 * full or out of memory (the op is then simply simulated again next time). */
int cache_insert(struct cache *c, const struct trace_op *op, uint32_t sig, uint64_t warm,
                 const struct cache_entry *e);
/* Pass 1's memory of ops that passed the machine's check: since the check reads no more of
 * an op than its signature does, an op like one seen is not checked again. A set of at most
 * max_entries signatures (past that, ops are checked every time); NULL if out of memory. A
 * NULL set holds nothing. Each signature gets an id, 1, 2, ... in the order first seen, that
 * the replay's cache_find takes in place of the signature: an op's signature has one id for
 * the whole run, or none (0) for the whole run. */
struct checked_set;
struct checked_set *checked_new(size_t max_entries);
void checked_free(struct checked_set *c);
/* The id of op's signature, 0 if not in the set. */
uint32_t checked_id(const struct checked_set *c, const struct trace_op *op);
/* Adds op's signature (not in the set); its id, 0 when the set is full or out of memory. */
uint32_t checked_add(struct checked_set *c, const struct trace_op *op);
/* Distinct ops stored. */
size_t cache_size(const struct cache *c);

#endif
