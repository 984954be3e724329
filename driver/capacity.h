/* capacity — does the trace fit in the machine's device memory? Pass 1 tells it every tensor
 * and op; it adds up weights, the KV caches at their longest and the largest activations
 * (arch_weight_bytes, arch_op_footprint) and, when they pass hbm.size, says so with the sizes
 * and the smallest tensor-parallel degree that would fit.
 * Not: memory beyond these three (workspaces, allocator, framework); pipeline parallelism. */
#ifndef NMSIM_DRIVER_CAPACITY_H
#define NMSIM_DRIVER_CAPACITY_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/arch.h"
#include "traces/trace.h"

struct capacity_kv;

struct capacity {
	uint64_t weight_bytes, kv_bytes, act_bytes; /* act: the largest op's */
	uint64_t over_line;     /* the first line after which the sum passed hbm.size; 0: never */
	struct capacity_kv *kv; /* uthash: the largest cache per layer */
};

void capacity_init(struct capacity *c);
void capacity_fini(struct capacity *c);
/* A record of pass 1 (line: where it is). 0, or -1 out of memory. */
int capacity_tensor(struct capacity *c, const struct arch_config *cfg, const struct trace_tensor *t,
                    uint64_t line);
int capacity_op(struct capacity *c, const struct arch_config *cfg, const struct trace_op *op);
/* 0 if the trace fits (or ignore: then a warning); else logs the error, naming the trace and
 * the line where it stopped fitting, and returns -1. */
int capacity_check(const struct capacity *c, const struct arch_config *cfg, const char *trace_file,
                   bool ignore);

#endif
