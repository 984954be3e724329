/* l2_keep — what the L2 keeps from one op to the next: named tensors, least recently used.
 *
 * Models: after an op, the weight (or KV cache) it read stays in L2 if its stored bytes fit in
 * the usable capacity, as the most recent entry; every other byte the op moved between device
 * memory and the chip (activations read, outputs written: writes allocate in L2) pushes older
 * entries out, least recent first, a part of a tensor at a time. The next op that reads a
 * tensor finds its resident bytes in L2: the first tiles it fetches of that operand, up to
 * those bytes, hit (arch/fabric.c). A loop repeating one op finds its weights; a decode step
 * streaming other layers' weights does not.
 * Not: activations across ops (traces do not name them, so an op cannot say that it reads the
 * previous op's output); which part of a partly evicted tensor survives (the bytes are kept
 * as a count: the op's first tiles hit); dirty lines (outputs are written through to device
 * memory in the op that makes them, so an eviction costs no write-back later); a tensor larger
 * than the usable capacity (it streams through and keeps nothing, as LRU thrashing would).
 * Numbers: the L2 block's size and usable fraction.
 */
#ifndef NMSIM_L2_KEEP_H
#define NMSIM_L2_KEEP_H

#include <stdint.h>

struct l2_keep_entry;

struct l2_keep {
	uint64_t capacity; /* bytes that entries may hold in all */
	uint64_t resident; /* bytes they hold now */
	struct l2_keep_entry *table; /* uthash head, keyed by the tensor's key */
	struct l2_keep_entry *lru;   /* utlist, head = least recent */
};

void l2_keep_init(struct l2_keep *k, uint64_t capacity);
void l2_keep_fini(struct l2_keep *k);
/* Empties it (a cold-cache study flushes L2 between ops). */
void l2_keep_flush(struct l2_keep *k);
/* Bytes of the tensor `key` resident now (0: none, or key 0). A key names one tensor's data:
 * a weight, or one layer's slice of a KV cache (ops_keep_key). */
uint64_t l2_keep_resident(const struct l2_keep *k, uint64_t key);
/* After an op that read tensor `key` (0: none) of `tensor_bytes` stored bytes and moved
 * `other_bytes` more between device memory and the chip: the others push out the least
 * recent entries, then the tensor becomes the most recent (whole if it fits, else gone).
 * 0, or -1 out of memory (the tensor is then simply not kept). */
int l2_keep_after_op(struct l2_keep *k, uint64_t key, uint64_t tensor_bytes,
                     uint64_t other_bytes);

#endif
