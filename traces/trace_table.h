/* trace_table — the declared tensors of one trace, by id, and the distinct tensor formats
 * among them (internal to traces/).
 *
 * Models: nothing; a map from id to an owned copy of a trace_tensor, so the reader and the
 * writer can resolve w= / kv= and refuse a redefinition; each stored tensor gets the id of its
 * format (everything the model reads of it: role, dtype, shape, sparsity, quantization), equal
 * for tensors that differ only in their ids (every layer's mlp.down of a model), so that
 * whoever keys on a tensor can key on a small integer.
 * Not: a general container; entries are never removed. Numbers: uthash tables, hashed with
 * xxHash (XXH3).
 */
#ifndef NMSIM_TRACE_TABLE_H
#define NMSIM_TRACE_TABLE_H

#include <stddef.h>

#include "traces/trace.h"

struct trace_table_entry;
struct trace_table_format;

struct trace_table {
	struct trace_table_entry *by_id;    /* uthash head */
	struct trace_table_format *formats; /* uthash head */
	uint32_t nformats;
};

/* An empty table (no allocation until the first add). */
void trace_table_init(struct trace_table *t);
/* Frees every entry; the tensors handed out become invalid. */
void trace_table_fini(struct trace_table *t);
/* The stored tensor with this id, or NULL. */
const struct trace_tensor *trace_table_find(const struct trace_table *t, const char *id);
/* Stores a copy of *tensor (id included, format assigned) and points *out at it; the copy lives
 * until trace_table_fini. The id must not be present. 0, or -1 when out of memory. */
int trace_table_add(struct trace_table *t, const struct trace_tensor *tensor,
                    const struct trace_tensor **out);

#endif
