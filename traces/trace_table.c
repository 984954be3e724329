/* trace_table — id → tensor map of one trace, and its tensor formats. See trace_table.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#define HASH_FUNCTION(keyptr, keylen, hashv) ((hashv) = (unsigned)XXH3_64bits((keyptr), (keylen)))
#define uthash_fatal(msg)                    abort() /* only on out of memory inside uthash's own tables */
#include <uthash.h>

#include "traces/trace_table.h"

struct trace_table_entry {
	UT_hash_handle hh;
	struct trace_tensor tensor; /* tensor.id points at id below */
	char id[];
};

/* What the model reads of a tensor, packed without padding so that it can be hashed. */
struct trace_format_key {
	uint64_t rows, cols;
	uint64_t n, m, v, r, c, group;
	uint64_t density_bits;
	uint32_t role, dtype, sp, q, scale_dtype, zero_point;
};

struct trace_table_format {
	UT_hash_handle hh;
	struct trace_format_key key;
	uint32_t id;
};

void trace_table_init(struct trace_table *t)
{
	*t = (struct trace_table){ 0 };
}

void trace_table_fini(struct trace_table *t)
{
	struct trace_table_entry *e, *tmp;
	HASH_ITER(hh, t->by_id, e, tmp)
	{
		HASH_DEL(t->by_id, e);
		free(e);
	}
	struct trace_table_format *f, *ftmp;
	HASH_ITER(hh, t->formats, f, ftmp)
	{
		HASH_DEL(t->formats, f);
		free(f);
	}
	*t = (struct trace_table){ 0 };
}

const struct trace_tensor *trace_table_find(const struct trace_table *t, const char *id)
{
	struct trace_table_entry *e;
	HASH_FIND_STR(t->by_id, id, e);
	return e ? &e->tensor : NULL;
}

/* The id of tensor's format, a new one for a format not seen before; -1 out of memory. */
static int64_t trace_table_format_id(struct trace_table *t, const struct trace_tensor *x)
{
	struct trace_format_key k;
	memset(&k, 0, sizeof k); /* padding, if any, hashes as zeros */
	k.rows = x->rows, k.cols = x->cols;
	k.n = x->sp.n, k.m = x->sp.m, k.v = x->sp.v, k.r = x->sp.r, k.c = x->sp.c;
	memcpy(&k.density_bits, &x->sp.density, sizeof k.density_bits);
	k.group = x->q.group;
	k.role = (uint32_t)x->role, k.dtype = (uint32_t)x->dtype, k.sp = (uint32_t)x->sp.kind;
	k.q = (uint32_t)x->q.kind, k.scale_dtype = (uint32_t)x->q.scale_dtype;
	k.zero_point = x->q.zero_point;
	struct trace_table_format *f;
	HASH_FIND(hh, t->formats, &k, sizeof k, f);
	if (f)
		return f->id;
	f = malloc(sizeof *f);
	if (!f)
		return -1;
	f->key = k;
	f->id = t->nformats++;
	HASH_ADD(hh, t->formats, key, sizeof k, f);
	return f->id;
}

int trace_table_add(struct trace_table *t, const struct trace_tensor *tensor,
                    const struct trace_tensor **out)
{
	int64_t format = trace_table_format_id(t, tensor);
	size_t len = strlen(tensor->id);
	struct trace_table_entry *e = format < 0 ? NULL : malloc(sizeof *e + len + 1);
	if (!e)
		return -1;
	memcpy(e->id, tensor->id, len + 1);
	e->tensor = *tensor;
	e->tensor.id = e->id;
	e->tensor.format = (uint32_t)format;
	HASH_ADD_KEYPTR(hh, t->by_id, e->id, len, e);
	*out = &e->tensor;
	return 0;
}
