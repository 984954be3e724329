#include "driver/cache.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CACHE_SLOTS = 1 << 14, CACHE_KEY_MAX = 320 };

struct slot {
	char key[CACHE_KEY_MAX];
	struct cache_entry e;
};

struct cache {
	size_t ncounters;
	struct slot *slots[CACHE_SLOTS];
	size_t used;
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void tensor_sig(char *buf, size_t len, const struct trace_tensor *t)
{
	char sp[64], q[64];
	if (!t) {
		snprintf(buf, len, "-");
		return;
	}
	trace_sparsity_format(&t->sp, sp, sizeof sp);
	trace_quant_format(&t->q, q, sizeof q);
	snprintf(buf, len, "%s/%" PRIu64 "x%" PRIu64 "/%s/%s", trace_dtype_name(t->dtype), t->rows,
	         t->cols, sp, q);
}

/* Everything about an op that the model reads, and nothing else. */
static void op_signature(char *key, size_t len, const struct trace_op *op)
{
	char t[160], pat[64], asp[32];
	switch (op->type) {
	case TRACE_OP_GEMM:
		tensor_sig(t, sizeof t, op->gemm.w);
		trace_real_format(op->gemm.asp, asp, sizeof asp);
		snprintf(key, len,
		         "gemm %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %s %s %s %s %s",
		         op->gemm.m, op->gemm.n, op->gemm.k, op->gemm.count, t,
		         trace_dtype_name(op->gemm.b), trace_dtype_name(op->gemm.a),
		         trace_dtype_name(op->gemm.out), asp);
		return;
	case TRACE_OP_ATTN:
		tensor_sig(t, sizeof t, op->attn.kv);
		trace_pattern_format(&op->attn.pat, pat, sizeof pat);
		snprintf(key, len,
		         "attn %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
		         " %d %s %s %s",
		         op->attn.b, op->attn.hq, op->attn.hkv, op->attn.d, op->attn.sq,
		         op->attn.skv, op->attn.causal, t, trace_dtype_name(op->attn.q), pat);
		return;
	case TRACE_OP_VEC:
		snprintf(key, len, "vec %s %" PRIu64 " %" PRIu64 " %" PRIu64 " %s",
		         trace_vec_kind_name(op->vec.kind), op->vec.rows, op->vec.cols,
		         op->vec.inputs, trace_dtype_name(op->vec.dtype));
		return;
	case TRACE_OP_COLL:
		snprintf(key, len, "coll %s %" PRIu64 " %" PRIu64,
		         trace_coll_kind_name(op->coll.kind), op->coll.bytes, op->coll.ranks);
		return;
	case TRACE_OP_COUNT: break;
	}
	snprintf(key, len, "?");
}

static struct slot **slot_of(struct cache *c, const char *key)
{
	size_t i = fnv1a(key) & (CACHE_SLOTS - 1);
	while (c->slots[i] && strcmp(c->slots[i]->key, key))
		i = (i + 1) & (CACHE_SLOTS - 1);
	return &c->slots[i];
}

struct cache *cache_new(size_t ncounters)
{
	struct cache *c = calloc(1, sizeof *c);
	if (c)
		c->ncounters = ncounters;
	return c;
}

void cache_free(struct cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		if (c->slots[i]) {
			free(c->slots[i]->e.delta);
			free(c->slots[i]);
		}
	free(c);
}

const struct cache_entry *cache_find(struct cache *c, const struct trace_op *op)
{
	char key[CACHE_KEY_MAX];
	op_signature(key, sizeof key, op);
	struct slot *s = *slot_of(c, key);
	return s ? &s->e : NULL;
}

int cache_insert(struct cache *c, const struct trace_op *op, const struct cache_entry *e)
{
	if (c->used >= CACHE_SLOTS / 2)
		return -1;
	char key[CACHE_KEY_MAX];
	op_signature(key, sizeof key, op);
	struct slot **at = slot_of(c, key);
	if (*at)
		return 0;
	struct slot *s = malloc(sizeof *s);
	uint64_t *delta = malloc((c->ncounters ? c->ncounters : 1) * sizeof *delta);
	if (!s || !delta) {
		free(s);
		free(delta);
		return -1;
	}
	snprintf(s->key, sizeof s->key, "%s", key);
	s->e = *e;
	memcpy(delta, e->delta, c->ncounters * sizeof *delta);
	s->e.delta = delta;
	*at = s;
	c->used++;
	return 0;
}
