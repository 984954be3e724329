#include "arch/l2/l2_keep.h"

#include <stdlib.h>
#include <xxhash.h>

#define HASH_FUNCTION(keyptr, keylen, hashv) ((hashv) = (unsigned)XXH3_64bits((keyptr), (keylen)))
#define uthash_fatal(msg)                    abort() /* only when its bucket table cannot grow */
#include <uthash.h>
#include <utlist.h>

struct l2_keep_entry {
	uint64_t key;
	uint64_t bytes;
	UT_hash_handle hh;
	struct l2_keep_entry *prev, *next; /* LRU list */
};

void l2_keep_init(struct l2_keep *k, uint64_t capacity)
{
	*k = (struct l2_keep){ .capacity = capacity };
}

static void drop(struct l2_keep *k, struct l2_keep_entry *e)
{
	HASH_DEL(k->table, e);
	DL_DELETE(k->lru, e);
	k->resident -= e->bytes;
	free(e);
}

void l2_keep_flush(struct l2_keep *k)
{
	struct l2_keep_entry *e, *tmp;
	HASH_ITER(hh, k->table, e, tmp)
	drop(k, e);
}

void l2_keep_fini(struct l2_keep *k)
{
	l2_keep_flush(k);
	HASH_CLEAR(hh, k->table);
}

static struct l2_keep_entry *find(const struct l2_keep *k, uint64_t key)
{
	struct l2_keep_entry *e = NULL;
	if (key)
		HASH_FIND(hh, k->table, &key, sizeof key, e);
	return e;
}

uint64_t l2_keep_resident(const struct l2_keep *k, uint64_t key)
{
	const struct l2_keep_entry *e = find(k, key);
	return e ? e->bytes : 0;
}

/* Pushes out `bytes` from the least recent entries. */
static void evict(struct l2_keep *k, uint64_t bytes)
{
	while (bytes && k->lru) {
		struct l2_keep_entry *e = k->lru;
		if (e->bytes > bytes) {
			e->bytes -= bytes;
			k->resident -= bytes;
			return;
		}
		bytes -= e->bytes;
		drop(k, e);
	}
}

int l2_keep_after_op(struct l2_keep *k, uint64_t key, uint64_t tensor_bytes,
                     uint64_t other_bytes)
{
	struct l2_keep_entry *e = find(k, key);
	if (e)
		drop(k, e);
	/* The op's other traffic passed through the free space first, then older entries. */
	uint64_t free_bytes = k->capacity - k->resident;
	evict(k, other_bytes > free_bytes ? other_bytes - free_bytes : 0);
	if (!key || !tensor_bytes || tensor_bytes > k->capacity)
		return 0;
	if (k->resident + tensor_bytes > k->capacity)
		evict(k, k->resident + tensor_bytes - k->capacity);
	e = malloc(sizeof *e);
	if (!e)
		return -1;
	*e = (struct l2_keep_entry){ .key = key, .bytes = tensor_bytes };
	HASH_ADD(hh, k->table, key, sizeof e->key, e);
	DL_APPEND(k->lru, e);
	k->resident += tensor_bytes;
	return 0;
}
