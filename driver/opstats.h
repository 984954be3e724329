/* opstats — a run's ops grouped by label (name=, else kind) and by label and shape: how many,
 * their time, energy, device-memory bytes and dense-equivalent FLOPs. The report's "slowest
 * ops" table groups by label; the roofline plot places one point per label and shape.
 * Bounded: at most OPSTATS_MAX_GROUPS groups of each kind; ops past that are counted in one
 * "(other)" group. */
#ifndef NMSIM_OPSTATS_H
#define NMSIM_OPSTATS_H

#include <stddef.h>
#include <stdint.h>

#include "traces/trace.h"

#define OPSTATS_MAX_GROUPS 65536

struct opstats_group {
	char *label; /* the op's label; "label shape" for a shape group */
	char *shape; /* NULL for a label group */
	enum trace_op_type type;
	uint64_t ops, time_ps, kernel_ps, bytes;
	double energy_j, flops;
	const char *bound; /* of the slowest op of the group */
	uint64_t bound_ps;
	uint64_t first_line;
	uint64_t steps, last_step; /* steps it ran in (ops of a step come together) */
};

struct opstats;

struct opstats *opstats_new(void);
void opstats_free(struct opstats *s);
/* An op is booked in two halves, so that the first can run ahead in another thread (simrun's
 * pass 1 finds each op's groups while the replay books the ops before it):
 * opstats_resolve finds (or makes, first seen first) op's two groups; opstats_book adds a
 * finished op to them. The halves touch different fields: opstats_book may run in another
 * thread on groups already resolved, once they were handed over with a happens-before (the
 * spool's lock); opstats_resolve must not run in two threads at once, nor opstats_sorted
 * while it runs. */
struct opstats_ref {
	struct opstats_group *label, *shape;
};
/* 0, or -1 out of memory. */
int opstats_resolve(struct opstats *s, const struct trace_op *op, struct opstats_ref *ref);
void opstats_book(const struct opstats_ref *ref, const struct trace_op *op, uint64_t time_ps,
                  uint64_t kernel_ps, double energy_j, uint64_t bytes, const char *bound);
/* The groups by label (by_shape false) or by label and shape, slowest first (ties: first seen);
 * the array is the caller's to free (the groups stay the opstats'). */
struct opstats_group **opstats_sorted(const struct opstats *s, int by_shape, size_t *n);

#endif
