#include "driver/cache.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#define HASH_FUNCTION(keyptr, keylen, hashv) ((hashv) = (unsigned)XXH3_64bits((keyptr), (keylen)))
#define uthash_fatal(msg)                    abort() /* only when uthash's own bucket table cannot grow */
#include <uthash.h>

#include "sim/log.h"

/* Everything about an op that the model reads, packed: its type, sizes, dtypes, pattern, and
 * the format id of the tensor it reads (0: none). Never its name, layer, line or duration. */
struct op_key {
	uint64_t v[7];
	uint64_t real_bits; /* asp= of a GEMM, the pattern's density of an attention */
	uint64_t warm;      /* bytes of its named tensor resident in L2 when it starts */
	uint32_t type, d0, d1, d2, d3, format;
};

/* An entry's short key when its op came with a signature id: the id and the warm bytes stand
 * for the whole op key (the id is the op key without them). No padding: hashed as bytes. */
struct sig_key {
	uint64_t warm;
	uint32_t sig, zero;
};
_Static_assert(sizeof(struct sig_key) == 16, "struct sig_key has no padding");

struct slot {
	UT_hash_handle hh, hs;
	struct op_key key;
	struct sig_key skey;
	struct cache_entry e;
};

struct cache {
	size_t ncounters, max_entries, used;
	bool warned_full;
	struct slot *table; /* uthash head */
	/* Every entry whose op came with a signature id, also under its short key (uthash on
	 * hs): a 16-byte key to hash instead of the op's. */
	struct slot *by_sig;
};

static void op_key(struct op_key *k, const struct trace_op *op, uint64_t warm)
{
	memset(k, 0, sizeof *k);
	k->warm = warm;
	k->type = (uint32_t)op->type + 1;
	switch (op->type) {
	case TRACE_OP_GEMM:
		k->v[0] = op->gemm.m, k->v[1] = op->gemm.n, k->v[2] = op->gemm.k;
		k->v[3] = op->gemm.count;
		k->d0 = op->gemm.a, k->d1 = op->gemm.b, k->d2 = op->gemm.out;
		memcpy(&k->real_bits, &op->gemm.asp, sizeof k->real_bits);
		k->format = op->gemm.w ? op->gemm.w->format + 1 : 0;
		return;
	case TRACE_OP_ATTN:
		k->v[0] = op->attn.b, k->v[1] = op->attn.hq, k->v[2] = op->attn.hkv;
		k->v[3] = op->attn.d, k->v[4] = op->attn.sq, k->v[5] = op->attn.skv;
		k->v[6] = op->attn.pat.size;
		k->d0 = op->attn.q, k->d1 = op->attn.causal, k->d2 = op->attn.pat.kind;
		memcpy(&k->real_bits, &op->attn.pat.density, sizeof k->real_bits);
		k->format = op->attn.kv ? op->attn.kv->format + 1 : 0;
		return;
	case TRACE_OP_VEC:
		k->v[0] = op->vec.rows, k->v[1] = op->vec.cols, k->v[2] = op->vec.inputs;
		k->d0 = op->vec.kind, k->d1 = op->vec.dtype;
		return;
	case TRACE_OP_COLL:
		k->v[0] = op->coll.bytes, k->v[1] = op->coll.ranks;
		k->d0 = op->coll.kind;
		return;
	case TRACE_OP_COUNT: break;
	}
}

struct cache *cache_new(size_t ncounters, size_t max_entries)
{
	struct cache *c = calloc(1, sizeof *c);
	if (c) {
		c->ncounters = ncounters;
		c->max_entries = max_entries;
	}
	return c;
}

void cache_free(struct cache *c)
{
	if (!c)
		return;
	struct slot *s, *tmp;
	HASH_CLEAR(hs, c->by_sig);
	HASH_ITER(hh, c->table, s, tmp)
	{
		HASH_DEL(c->table, s);
		free(s->e.delta);
		free(s);
	}
	free(c);
}

struct cache_entry *cache_find(struct cache *c, const struct trace_op *op, uint32_t sig,
                               uint64_t warm)
{
	if (sig) {
		/* Every entry of this id is also under its short key: not there is not cached. */
		struct sig_key k = { warm, sig, 0 };
		struct slot *s;
		HASH_FIND(hs, c->by_sig, &k, sizeof k, s);
		return s ? &s->e : NULL;
	}
	struct op_key k;
	op_key(&k, op, warm);
	struct slot *s;
	HASH_FIND(hh, c->table, &k, sizeof k, s);
	return s ? &s->e : NULL;
}

int cache_insert(struct cache *c, const struct trace_op *op, uint32_t sig, uint64_t warm,
                 const struct cache_entry *e)
{
	if (c->used >= c->max_entries) {
		if (!c->warned_full) {
			c->warned_full = true;
			log_warn(
			    "result cache full at %zu distinct ops: ops not yet seen are simulated "
			    "every time from here on (same results, slower)",
			    c->used);
		}
		return -1;
	}
	struct slot *s = calloc(1, sizeof *s);
	uint64_t *delta = malloc((c->ncounters ? c->ncounters : 1) * sizeof *delta);
	if (!s || !delta) {
		free(s);
		free(delta);
		return -1;
	}
	op_key(&s->key, op, warm);
	s->e = *e;
	memcpy(delta, e->delta, c->ncounters * sizeof *delta);
	s->e.delta = delta;
	s->e.max_delta = 0;
	for (size_t i = 0; i < c->ncounters; i++)
		if (delta[i] > s->e.max_delta)
			s->e.max_delta = delta[i];
	HASH_ADD(hh, c->table, key, sizeof s->key, s);
	if (sig) {
		s->skey = (struct sig_key){ warm, sig, 0 };
		HASH_ADD(hs, c->by_sig, skey, sizeof s->skey, s);
	}
	c->used++;
	return 0;
}

/* Pass 1's set of op signatures already checked (warm bytes aside). */
struct checked_slot {
	UT_hash_handle hh;
	struct op_key key;
	uint32_t id;
};

struct checked_set {
	size_t max, used;
	struct checked_slot *table; /* uthash head */
};

struct checked_set *checked_new(size_t max_entries)
{
	struct checked_set *c = calloc(1, sizeof *c);
	if (c)
		c->max = max_entries;
	return c;
}

void checked_free(struct checked_set *c)
{
	if (!c)
		return;
	struct checked_slot *s, *tmp;
	HASH_ITER(hh, c->table, s, tmp)
	{
		HASH_DEL(c->table, s);
		free(s);
	}
	free(c);
}

uint32_t checked_id(const struct checked_set *c, const struct trace_op *op)
{
	if (!c)
		return 0;
	struct op_key k;
	op_key(&k, op, 0);
	struct checked_slot *s;
	HASH_FIND(hh, c->table, &k, sizeof k, s);
	return s ? s->id : 0;
}

uint32_t checked_add(struct checked_set *c, const struct trace_op *op)
{
	struct checked_slot *s;
	if (!c || c->used >= c->max || c->used >= UINT32_MAX - 1)
		return 0; /* full: later ops like it are checked again, and have no id */
	if (!(s = calloc(1, sizeof *s))) {
		c->max = c->used; /* out of memory: full from here on, so an id stays one */
		return 0;
	}
	op_key(&s->key, op, 0);
	s->id = (uint32_t)++c->used;
	HASH_ADD(hh, c->table, key, sizeof s->key, s);
	return s->id;
}

size_t cache_flush(struct cache *c, struct stats *reg)
{
	uint64_t *sum = calloc(reg->count ? reg->count : 1, sizeof *sum);
	SIM_ASSERT(sum != NULL, "cache", 0, "out of memory");
	struct slot *s, *tmp;
	size_t over = reg->count;
	for (size_t i = 0; i < reg->count && over == reg->count; i++) {
		sum[i] = *reg->values[i];
		HASH_ITER(hh, c->table, s, tmp)
		{
			uint64_t d;
			if (__builtin_mul_overflow(s->e.delta[i], s->e.pending, &d) ||
			    __builtin_add_overflow(sum[i], d, &sum[i])) {
				over = i;
				break;
			}
		}
	}
	if (over == reg->count) {
		stats_restore(reg, sum);
		HASH_ITER(hh, c->table, s, tmp)
		s->e.pending = 0;
	}
	free(sum);
	return over;
}

size_t cache_size(const struct cache *c)
{
	return c->used;
}
