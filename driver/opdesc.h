/* opdesc — how reports name an op: a label (its name=, or its kind), its shape and its stored
 * format in the trace's own words. */
#ifndef NMSIM_OPDESC_H
#define NMSIM_OPDESC_H

#include <stddef.h>

#include "traces/trace.h"

/* name= when given, else the kind: "gemm", "attn", "vec.rmsnorm", "coll.allreduce". */
void opdesc_label(const struct trace_op *op, char *buf, size_t len);
/* "1x4096x4096" (gemm m x n x k, "x8" for a count), "b1 hq32 hkv8 d128 sq1 skv129" (attn),
 * "1x4096" (vec rows x cols), "1048576 B x 8" (coll bytes x ranks). */
void opdesc_shape(const struct trace_op *op, char *buf, size_t len);
/* The operand's stored format: "fp16", "fp16 nm:2:4", "int4 group:128", "kv fp8e4m3". */
void opdesc_format(const struct trace_op *op, char *buf, size_t len);

#endif
