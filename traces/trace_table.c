/* trace_table — id → tensor map of one trace. See trace_table.h. */
#include "traces/trace_table.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct trace_table_entry {
	uint64_t hash;
	struct trace_tensor tensor; /* tensor.id points at id below */
	char id[];
};

static uint64_t trace_table_hash(const char *s)
{
	uint64_t h = 14695981039346656037ull; /* FNV-1a, 64-bit */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

void trace_table_init(struct trace_table *t)
{
	*t = (struct trace_table){ 0 };
}

void trace_table_fini(struct trace_table *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->slots[i]);
	free(t->slots);
	*t = (struct trace_table){ 0 };
}

static size_t trace_table_slot(const struct trace_table *t, const char *id, uint64_t hash)
{
	size_t mask = t->cap - 1, i = (size_t)hash & mask;
	while (t->slots[i] && (t->slots[i]->hash != hash || strcmp(t->slots[i]->id, id) != 0))
		i = (i + 1) & mask;
	return i;
}

const struct trace_tensor *trace_table_find(const struct trace_table *t, const char *id)
{
	if (!t->cap)
		return NULL;
	struct trace_table_entry *e = t->slots[trace_table_slot(t, id, trace_table_hash(id))];
	return e ? &e->tensor : NULL;
}

static int trace_table_grow(struct trace_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	if (cap > SIZE_MAX / sizeof *t->slots)
		return -1;
	struct trace_table_entry **slots = calloc(cap, sizeof *slots);
	if (!slots)
		return -1;
	struct trace_table bigger = { slots, cap, t->count };
	for (size_t i = 0; i < t->cap; i++) {
		struct trace_table_entry *e = t->slots[i];
		if (e)
			slots[trace_table_slot(&bigger, e->id, e->hash)] = e;
	}
	free(t->slots);
	*t = bigger;
	return 0;
}

int trace_table_add(struct trace_table *t, const struct trace_tensor *tensor,
                    const struct trace_tensor **out)
{
	if ((t->count + 1) * 2 > t->cap && trace_table_grow(t))
		return -1;
	size_t len = strlen(tensor->id);
	struct trace_table_entry *e = malloc(sizeof *e + len + 1);
	if (!e)
		return -1;
	memcpy(e->id, tensor->id, len + 1);
	e->hash = trace_table_hash(e->id);
	e->tensor = *tensor;
	e->tensor.id = e->id;
	t->slots[trace_table_slot(t, e->id, e->hash)] = e;
	t->count++;
	*out = &e->tensor;
	return 0;
}
