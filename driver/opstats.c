#include "driver/opstats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#define HASH_FUNCTION(keyptr, keylen, hashv) ((hashv) = (unsigned)XXH3_64bits((keyptr), (keylen)))
#define uthash_fatal(msg)                    abort() /* only when its bucket table cannot grow */
#include <uthash.h>

#include "driver/opdesc.h"

struct entry {
	struct opstats_group g;
	char *key;
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

double opstats_flops(const struct trace_op *op)
{
	switch (op->type) {
	case TRACE_OP_GEMM: return 2.0 * op->gemm.m * op->gemm.n * op->gemm.k * op->gemm.count;
	case TRACE_OP_ATTN: {
		/* Q.K^T and P.V over the keys each query may see (causal: about half of a square). */
		double pairs = (double)op->attn.sq * op->attn.skv;
		if (op->attn.causal && op->attn.sq > 1)
			pairs = (double)op->attn.sq * (op->attn.skv - op->attn.sq) +
			        (double)op->attn.sq * (op->attn.sq + 1) / 2;
		return 4.0 * op->attn.b * op->attn.hq * pairs * op->attn.d;
	}
	case TRACE_OP_VEC: return (double)op->vec.rows * op->vec.cols * (double)op->vec.inputs;
	case TRACE_OP_COLL:
	case TRACE_OP_COUNT: break;
	}
	return 0;
}

static struct entry *entry_new(const char *key, const char *label, const char *shape,
                               enum trace_op_type type, uint64_t line, uint64_t order)
{
	struct entry *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->key = strdup(key);
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

static int book(struct table *t, uint64_t *order, const char *key, const char *label,
                const char *shape, const struct trace_op *op, uint64_t time_ps, uint64_t kernel_ps,
                double energy_j, uint64_t bytes, const char *bound)
{
	struct entry *e;
	HASH_FIND(hh, t->head, key, strlen(key), e);
	if (!e && t->n >= OPSTATS_MAX_GROUPS) {
		if (!t->other && !(t->other = entry_new("(other)", "(other)", shape ? "" : NULL,
		                                        op->type, op->line, (*order)++)))
			return -1;
		e = t->other;
	}
	if (!e) {
		if (!(e = entry_new(key, label, shape, op->type, op->line, (*order)++)))
			return -1;
		HASH_ADD_KEYPTR(hh, t->head, e->key, strlen(e->key), e);
		t->n++;
	}
	struct opstats_group *g = &e->g;
	if (!g->ops || op->step != g->last_step) {
		g->steps++;
		g->last_step = op->step;
	}
	g->ops++;
	g->time_ps += time_ps;
	g->kernel_ps += kernel_ps;
	g->bytes += bytes;
	g->energy_j += energy_j;
	g->flops += opstats_flops(op);
	if (!g->bound || time_ps > g->bound_ps) {
		g->bound = bound;
		g->bound_ps = time_ps;
	}
	return 0;
}

int opstats_add(struct opstats *s, const struct trace_op *op, uint64_t time_ps, uint64_t kernel_ps,
                double energy_j, uint64_t bytes, const char *bound)
{
	char label[256], shape[128], key[400];
	opdesc_label(op, label, sizeof label);
	opdesc_shape(op, shape, sizeof shape);
	if (book(&s->by_label, &s->order, label, label, NULL, op, time_ps, kernel_ps, energy_j,
	         bytes, bound))
		return -1;
	snprintf(key, sizeof key, "%s\x1f%s", label, shape);
	return book(&s->by_shape, &s->order, key, label, shape, op, time_ps, kernel_ps, energy_j,
	            bytes, bound);
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
