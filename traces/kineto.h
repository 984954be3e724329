/* kineto — imports a PyTorch profiler (Kineto) Chrome-trace JSON as a simtrace v1 trace.
 *
 * Models: the operators a profiled run issued, read from `cpu_op` events (names, "Input Dims",
 * "Input type", "Concrete Inputs"): GEMMs (aten::linear/mm/addmm/bmm/baddbmm/matmul,
 * _scaled_mm, _int_mm, _cslt_sparse_mm), fused attention (scaled_dot_product_*, flash_attn*),
 * norms, softmax and element-wise ops, each with the device time of every kernel it launched
 * (linked through "External id", or "correlation" and the launching runtime call) as dur_ns.
 * An op nested inside a mapped op (the addmm under a linear) is part of it, not a second op.
 * Not: what the profiled machine's kernels did inside (tiling, overlap, streams: durations of
 * concurrent kernels are added); training (backward GEMMs and element-wise ops are written like
 * forward ones, attention backward is unmapped, steps are labelled as inference); tensor
 * identity (Kineto records shapes, not storage, so weights are one tensor per shape and dtype);
 * fusions the profile spells out op by op (Hugging Face's RMSNorm is pow, mean, add, rsqrt,
 * mul, mul: written one by one, the mean unmapped).
 * Numbers: the trace itself. Argument positions from the ATen operator schemas
 * (aten/src/ATen/native/native_functions.yaml) and flash-attn's custom ops; compressed sizes of
 * cuSPARSELt operands from ATen's _cslt_compress (numel x 9/16, x 10/16 for int8).
 */
#ifndef NMSIM_KINETO_H
#define NMSIM_KINETO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "traces/trace.h"

/* One operator name and how often it was seen (and the device time linked to those). */
struct kineto_name_count {
	char *name;
	uint64_t count;
	uint64_t device_ns;
};

/* What an import found. Every cpu_op lands in exactly one of mapped (emitted, by type), inside
 * (nested in an emitted or unmapped op), ignored, unmapped or composite. */
struct kineto_stats {
	uint64_t events;                 /* entries of traceEvents */
	uint64_t cpu_ops;                /* cat cpu_op (or the older "Operator") */
	uint64_t mapped[TRACE_OP_COUNT]; /* ops written, by type */
	uint64_t inside;                 /* cpu_ops nested in a written or an unmapped op */
	uint64_t ignored;          /* bookkeeping ops (views, allocations...) without device work */
	uint64_t unmapped;         /* ops no trace op stands for (listed in unmapped_names) */
	uint64_t composite;        /* unknown ops whose work is mapped through their children */
	uint64_t with_dur;         /* written ops carrying dur_ns */
	uint64_t causal_defaulted; /* attention ops whose mask was not recorded (causal=1) */
	uint64_t steps;            /* step records written */
	uint64_t device_events;    /* kernels, memcpys and memsets */
	uint64_t device_linked;    /* of those, linked to a cpu_op */
	uint64_t device_ns, linked_ns;            /* their total device time, and the linked part */
	uint64_t weights;                         /* weight tensors declared */
	struct kineto_name_count *unmapped_names; /* most frequent first, then by name */
	size_t nunmapped_names;
	struct kineto_name_count *ignored_names; /* same order */
	size_t nignored_names;
};

struct kineto;

/* Reads the Chrome-trace JSON at path ("-" = standard input; gzip or plain, told apart by the
 * gzip magic), maps its ops and checks every record it will write, so that a bad profile is
 * refused before any output exists. NULL with "FILE: what" in err (errlen bytes) for a file
 * that cannot be read, is not a Chrome trace, or holds a shape that does not fit
 * ("FILE: traceEvents[I] NAME: what"). */
struct kineto *kineto_load(const char *path, char *err, size_t errlen);
/* What the load found; valid until kineto_free. */
const struct kineto_stats *kineto_stats(const struct kineto *k);
/* Writes the trace to w: meta records first (source=kineto, the file's base name, meta_extra
 * ("key=value ...", may be NULL), the counts, unmapped=NAME:COUNT,...), the weight and KV
 * tensors in order of first use, a prefill step, then the ops in time order with a decode step
 * where each later ProfilerStep#N begins. 0, or -1 with the writer's error in err. */
int kineto_write(struct kineto *k, struct trace_writer *w, const char *meta_extra, char *err,
                 size_t errlen);
/* Frees everything (NULL allowed). */
void kineto_free(struct kineto *k);

/* The summary tracegen prints on standard error: counts by class, device time linked, every
 * unmapped name with its count and device time, every ignored name with its count. Each line
 * starts with prefix, then path. */
void kineto_stats_print(FILE *out, const char *prefix, const char *path,
                        const struct kineto_stats *st);

#endif
