#include "driver/opstats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#define HASH_FUNCTION(keyptr, keylen, hashv) ((hashv) = (unsigned)XXH3_64bits((keyptr), (keylen)))
#define uthash_fatal(msg)                    abort() /* only when its bucket table cannot grow */
#include <uthash.h>

#include "driver/opdesc.h"

/* Names up to this long are keyed as bytes; longer ones by their formatted label. */
#define TRACE_NAME_KEY_MAX 192

struct entry {
	struct opstats_group g;
	void *key;
	size_t klen;
	uint64_t order;
	UT_hash_handle hh;
};

struct table {
	struct entry *head;
	size_t n;
	struct entry *other;
};

struct opstats {
	struct table by_label, by_shape;
	uint64_t order;
};

struct opstats *opstats_new(void)
{
	return calloc(1, sizeof(struct opstats));
}

static void entry_free(struct entry *e)
{
	free(e->key);
	free(e->g.label);
	free(e->g.shape);
	free(e);
}

static void table_free(struct table *t)
{
	struct entry *e, *tmp;
	HASH_ITER(hh, t->head, e, tmp)
	{
		HASH_DEL(t->head, e);
		entry_free(e);
	}
	if (t->other)
		entry_free(t->other);
}

void opstats_free(struct opstats *s)
{
	if (!s)
		return;
	table_free(&s->by_label);
	table_free(&s->by_shape);
	free(s);
}

static struct entry *entry_new(const void *key, size_t klen, const char *label, const char *shape,
                               enum trace_op_type type, uint64_t line, uint64_t order)
{
	struct entry *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->key = malloc(klen ? klen : 1);
	if (e->key)
		memcpy(e->key, key, klen);
	e->klen = klen;
	e->g.label = strdup(label);
	e->g.shape = shape ? strdup(shape) : NULL;
	if (!e->key || !e->g.label || (shape && !e->g.shape)) {
		entry_free(e);
		return NULL;
	}
	e->g.type = type;
	e->g.first_line = line;
	e->order = order;
	return e;
}

/* The binary key of an op's group: what its label and (shape) its shape are made of, so that
 * an op of a known group is booked without formatting either. */
struct key {
	unsigned char bytes[8 * 8 + TRACE_NAME_KEY_MAX];
	size_t len;
};

static void key_put(struct key *k, const void *p, size_t n)
{
	memcpy(k->bytes + k->len, p, n);
	k->len += n;
}

static void op_key(const struct trace_op *op, bool shape, struct key *k)
{
	k->len = 0;
	uint64_t v[7] = { (uint64_t)op->type, 0, 0, 0, 0, 0, 0 };
	size_t nv = 2;
	switch (op->type) {
	case TRACE_OP_VEC: v[1] = (uint64_t)op->vec.kind; break;
	case TRACE_OP_COLL: v[1] = (uint64_t)op->coll.kind; break;
	case TRACE_OP_GEMM:
	case TRACE_OP_ATTN:
	case TRACE_OP_COUNT: break;
	}
	if (shape) {
		switch (op->type) {
		case TRACE_OP_GEMM:
			v[2] = op->gemm.m, v[3] = op->gemm.n, v[4] = op->gemm.k,
			v[5] = op->gemm.count;
			nv = 6;
			break;
		case TRACE_OP_ATTN:
			v[2] = op->attn.b, v[3] = op->attn.hq, v[4] = op->attn.hkv,
			v[5] = op->attn.d * 65536 + op->attn.sq, v[6] = op->attn.skv;
			/* d and sq share a word only when both fit; else the shape string decides. */
			nv = op->attn.d < 65536 && op->attn.sq < (UINT64_C(1) << 47) ? 7 : 0;
			break;
		case TRACE_OP_VEC: v[2] = op->vec.rows, v[3] = op->vec.cols, nv = 4; break;
		case TRACE_OP_COLL: v[2] = op->coll.bytes, v[3] = op->coll.ranks, nv = 4; break;
		case TRACE_OP_COUNT: break;
		}
	}
	size_t name = op->name ? strlen(op->name) : 0;
	if (!nv || name > TRACE_NAME_KEY_MAX) {
		k->len = 0; /* no binary key: the slow path formats the strings */
		return;
	}
	key_put(k, v, nv * sizeof *v);
	if (name)
		key_put(k, op->name, name);
}

/* The entry of a binary key, NULL if new. */
static struct entry *find_fast(struct table *t, const struct key *k)
{
	struct entry *e = NULL;
	if (k->len)
		HASH_FIND(hh, t->head, k->bytes, k->len, e);
	return e;
}

static void add_to(struct opstats_group *g, const struct trace_op *op, uint64_t time_ps,
                   uint64_t kernel_ps, double energy_j, uint64_t bytes, const char *bound)
{
	if (!g->ops || op->step != g->last_step) {
		g->steps++;
		g->last_step = op->step;
	}
	g->ops++;
	g->time_ps += time_ps;
	g->kernel_ps += kernel_ps;
	g->bytes += bytes;
	g->energy_j += energy_j;
	g->flops += trace_op_flops(op);
	if (!g->bound || time_ps > g->bound_ps) {
		g->bound = bound;
		g->bound_ps = time_ps;
	}
}

/* The group of key bk (or of the formatted label and shape when bk is empty) in t, made if
 * new; the table's "(other)" group once it is full. NULL out of memory. */
static struct entry *group_of(struct table *t, uint64_t *order, const struct key *bk,
                              const char *label, const char *shape, const struct trace_op *op)
{
	char skey[400];
	const void *key = bk->bytes;
	size_t klen = bk->len;
	if (!klen) {
		snprintf(skey, sizeof skey, "\x1f%s\x1f%s", label, shape ? shape : "");
		key = skey;
		klen = strlen(skey);
	}
	struct entry *e;
	HASH_FIND(hh, t->head, key, klen, e);
	if (e)
		return e;
	if (t->n >= OPSTATS_MAX_GROUPS) {
		if (!t->other)
			t->other = entry_new("(other)", 7, "(other)", shape ? "" : NULL, op->type,
			                     op->line, (*order)++);
		return t->other;
	}
	if (!(e = entry_new(key, klen, label, shape, op->type, op->line, (*order)++)))
		return NULL;
	HASH_ADD_KEYPTR(hh, t->head, e->key, e->klen, e);
	t->n++;
	return e;
}

int opstats_resolve(struct opstats *s, const struct trace_op *op, struct opstats_ref *ref)
{
	struct key kl, ks;
	op_key(op, false, &kl);
	op_key(op, true, &ks);
	struct entry *el = find_fast(&s->by_label, &kl), *es = find_fast(&s->by_shape, &ks);
	if (!el || !es) {
		/* A group not seen yet, or one with no binary key: by its strings. */
		char label[256], shape[128];
		opdesc_label(op, label, sizeof label);
		opdesc_shape(op, shape, sizeof shape);
		if (!el && !(el = group_of(&s->by_label, &s->order, &kl, label, NULL, op)))
			return -1;
		if (!es && !(es = group_of(&s->by_shape, &s->order, &ks, label, shape, op)))
			return -1;
	}
	ref->label = &el->g;
	ref->shape = &es->g;
	return 0;
}

void opstats_book(const struct opstats_ref *ref, const struct trace_op *op, uint64_t time_ps,
                  uint64_t kernel_ps, double energy_j, uint64_t bytes, const char *bound)
{
	add_to(ref->label, op, time_ps, kernel_ps, energy_j, bytes, bound);
	add_to(ref->shape, op, time_ps, kernel_ps, energy_j, bytes, bound);
}

static int slower_first(const void *pa, const void *pb)
{
	const struct entry *a = *(const struct entry *const *)pa,
	                   *b = *(const struct entry *const *)pb;
	if (a->g.time_ps != b->g.time_ps)
		return a->g.time_ps > b->g.time_ps ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

struct opstats_group **opstats_sorted(const struct opstats *s, int by_shape, size_t *n)
{
	const struct table *t = by_shape ? &s->by_shape : &s->by_label;
	size_t count = t->n + (t->other ? 1 : 0), i = 0;
	struct entry **es = malloc((count ? count : 1) * sizeof *es);
	struct opstats_group **out = malloc((count ? count : 1) * sizeof *out);
	if (!es || !out) {
		free(es);
		free(out);
		return NULL;
	}
	struct entry *e, *tmp;
	HASH_ITER(hh, t->head, e, tmp)
	es[i++] = e;
	if (t->other)
		es[i++] = t->other;
	qsort(es, count, sizeof *es, slower_first);
	for (i = 0; i < count; i++)
		out[i] = &es[i]->g;
	free(es);
	*n = count;
	return out;
}
