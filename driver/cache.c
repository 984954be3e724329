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

struct slot {
	UT_hash_handle hh;
	struct op_key key;
	struct cache_entry e;
	struct slot *next_warm; /* the next entry of the same signature id (other warm bytes) */
};

struct cache {
	size_t ncounters, max_entries, used;
	bool warned_full;
	struct slot *table; /* uthash head */
	/* Every entry whose op came with a signature id, also listed by it: by_sig[id] heads
	 * the entries of that id (one per warm-bytes value). Grows to the largest id seen. */
	struct slot **by_sig;
	size_t nsig;
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
	HASH_ITER(hh, c->table, s, tmp)
	{
		HASH_DEL(c->table, s);
		free(s->e.delta);
		free(s);
	}
	free(c->by_sig);
	free(c);
}

struct cache_entry *cache_find(struct cache *c, const struct trace_op *op, uint32_t sig,
                               uint64_t warm)
{
	if (sig) {
		/* Every entry of this id is listed under it: not listed is not there. */
		for (struct slot *s = sig < c->nsig ? c->by_sig[sig] : NULL; s; s = s->next_warm)
			if (s->key.warm == warm)
				return &s->e;
		return NULL;
	}
	struct op_key k;
	op_key(&k, op, warm);
	struct slot *s;
	HASH_FIND(hh, c->table, &k, sizeof k, s);
	return s ? &s->e : NULL;
}

/* Makes by_sig hold index sig; -1 out of memory. */
static int sig_room(struct cache *c, uint32_t sig)
{
	if (sig < c->nsig)
		return 0;
	size_t n = c->nsig ? c->nsig : 64;
	while (n <= sig)
		n *= 2;
	struct slot **by = realloc(c->by_sig, n * sizeof *by);
	if (!by)
		return -1;
	memset(by + c->nsig, 0, (n - c->nsig) * sizeof *by);
	c->by_sig = by;
	c->nsig = n;
	return 0;
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
	if (!s || !delta || (sig && sig_room(c, sig))) {
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
		s->next_warm = c->by_sig[sig];
		c->by_sig[sig] = s;
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
	if (!c || c->used >= c->max || c->used >= UINT32_MAX - 1 || !(s = calloc(1, sizeof *s)))
		return 0; /* full, or out of memory: later ops like it are checked again */
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
