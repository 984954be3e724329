/* kineto_internal — the parsed profile and the passes over it (internal to traces/kineto*.c;
 * tracegen sees only kineto.h).
 *
 * kineto_read.c reads the Chrome-trace JSON, collects the events, nests the cpu_ops and links
 * the device events to them; kineto_map.c maps every cpu_op (the operator table, the arguments,
 * one op at a time, and the walk that counts what is not written); kineto_write.c puts the
 * records in writing order, checks them, and makes the meta records and the trace ops the
 * writer takes; kineto.c holds the entry points, which run these passes in turn, and the
 * helpers every pass uses.
 * Not: an interface for anything outside the importer.
 */
#ifndef NMSIM_KINETO_INTERNAL_H
#define NMSIM_KINETO_INTERNAL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "traces/kineto.h"
#include "traces/trace.h"

#define KINETO_NONE SIZE_MAX /* no index: no parent, no op, no tensor, no span */

/* ---- What an operator name becomes (kineto_map.c holds the table) ---- */

enum kineto_class {
	KINETO_C_IGNORE, /* bookkeeping: views, allocations, no-op conversions */
	KINETO_C_GEMM,
	KINETO_C_ATTN,
	KINETO_C_VEC,
};

enum kineto_form {
	/* GEMM argument layouts (the ATen schema of each op) */
	KINETO_F_LINEAR,    /* (input[...,K], weight[N,K], bias) */
	KINETO_F_MM,        /* (A[m,k], B[k,n]) */
	KINETO_F_ADDMM,     /* (bias, A[m,k], B[k,n]) */
	KINETO_F_BMM,       /* (A[b,m,k], B[b,k,n]) */
	KINETO_F_BADDBMM,   /* (bias, A[b,m,k], B[b,k,n]) */
	KINETO_F_MATMUL,    /* torch.matmul's broadcasting rules */
	KINETO_F_SCALED_MM, /* (A[m,k], B[k,n], scale_a, scale_b, bias, scale_result, out_dtype) */
	KINETO_F_INT_MM,    /* (A[m,k] int8, B[k,n] int8) -> int32 */
	KINETO_F_CSLT,      /* (compressed W, B[k,n], bias, alpha, out_dtype): W 2:4, n x k */
	KINETO_F_SEMI_LINEAR, /* (input[...,K], W values[N,K/2], meta, ...): W 2:4 */
	/* attention layouts of Q and K */
	KINETO_F_BHSD,   /* [B,H,S,D] (SDPA) */
	KINETO_F_BSHD,   /* [B,S,H,D] (flash kernels) */
	KINETO_F_VARLEN, /* [T,H,D] packed, with cumulative sequence lengths */
	/* vec operands */
	KINETO_F_FIRST,       /* rows x cols of the first argument */
	KINETO_F_ELEMENTWISE, /* the largest tensor argument; inputs = arguments of its size */
	KINETO_F_EMBED,       /* (weight[V,H], indices): rows = indices, cols = H */
	KINETO_F_CAT,         /* (tensor list, dim): all elements of the list */
	KINETO_F_NONE,
};

struct kineto_map {
	const char *name;
	enum kineto_class cls;
	enum kineto_form form;
	enum trace_vec_kind vec; /* vec ops */
	/* attention: Concrete Inputs index of is_causal, or of a mask type (0 = none); -1 when
	 * the op has none */
	int causal;
	int cu_seqlens; /* varlen attention: index of cu_seqlens_q (cu_seqlens_k follows) */
};

/* ---- The parsed trace ---- */

struct kineto_op {
	const char *name;  /* interned: one copy per distinct name (struct kineto.names) */
	char *args_text;   /* the args object as JSON text, kept only for ops that map
			      (kineto_map parses it while it maps the op); NULL otherwise */
	json_object *args; /* parsed args while the op is mapped; NULL otherwise */
	size_t index;      /* position in traceEvents */
	int64_t ts, end;   /* ns */
	uint32_t thread;
	int64_t ext;                   /* External id, 0 when absent */
	size_t parent, size;           /* size: the op and its descendants, contiguous after it */
	uint64_t own_ns, own_events;   /* device events linked to this op itself */
	uint64_t tree_ns, tree_events; /* ... to it and its descendants */
	const struct kineto_map *map;  /* NULL: unknown */
	bool mapped_below;             /* a descendant is a GEMM, attention or vec op */
};

struct kineto_ext {
	int64_t ext;
	size_t op;
};

/* A runtime call (cudaLaunchKernel...) and the thread that made it. */
struct kineto_launch {
	int64_t corr, ext, ts;
	uint32_t thread; /* UINT32_MAX: a thread without cpu_ops */
	size_t index;
	size_t op;                       /* the innermost cpu_op around it, or KINETO_NONE */
	struct kineto_thread_ent *where; /* its thread while reading */
};

/* A thread (pid and tid as the profile writes them) and its number among the threads that
 * have cpu_ops, in order of their first cpu_op (UINT32_MAX until then). */
struct kineto_thread_ent;
/* An interned operator name, a count by name, a tensor by shape: hash tables (uthash). */
struct kineto_name_ent;
struct kineto_count_ent;
struct kineto_tensor_ent;

struct kineto_device {
	int64_t ext, corr;
	uint64_t dur;
};

struct kineto_span {
	int64_t ts, end;
	size_t index;
};

struct kineto_tensor {
	char id[80];
	enum trace_role role;
	enum trace_dtype dt;
	uint64_t rows, cols;
	bool sparse;  /* 2:4 (cuSPARSELt / CUTLASS semi-structured operand) */
	size_t order; /* declaration position, KINETO_NONE until first used */
};

/* An op to write, compact until written (a struct trace_op carries a 4 KiB name). */
struct kineto_rec {
	size_t op; /* the cpu_op it stands for */
	enum trace_op_type type;
	uint64_t v[6];          /* gemm m n k count; attn b hq hkv d sq skv; vec rows cols inputs */
	enum trace_dtype dt[3]; /* gemm a b out; attn q; vec dtype */
	enum trace_vec_kind vec;
	bool causal;
	bool decode;   /* a decode step record goes before it (a later ProfilerStep began) */
	size_t tensor; /* gemm weight, attn KV: index in tensors; KINETO_NONE for none */
};

/* A loaded profile: everything kineto_write needs, checked. */
struct kineto {
	char *path;
	const char *shown; /* in messages: path, "<stdin>" for "-" */
	char *err;         /* the caller's buffer of the call running now */
	size_t errlen;
	struct kineto_stats stats, *st; /* st = &stats */
	size_t nevents;
	struct kineto_op *ops;
	size_t nops, cops;
	struct kineto_thread_ent *threads; /* every thread seen, by key */
	uint32_t nthreads;                 /* those with cpu_ops */
	struct kineto_name_ent *names;
	struct kineto_count_ent *unmapped_idx, *ignored_idx; /* name -> index in the stats lists */
	size_t cunmapped, cignored;                          /* and their capacity */
	struct kineto_tensor_ent *tensor_idx;                /* shape -> index in tensors */
	size_t args_bytes;                                   /* args_text kept, all ops */
	struct kineto_ext *exts;
	size_t nexts;
	struct kineto_launch *launches;
	size_t nlaunches, claunches;
	struct kineto_device *devs;
	size_t ndevs, cdevs;
	struct kineto_span *spans;
	size_t nspans, cspans;
	struct kineto_rec *recs;
	size_t nrecs, crecs;
	struct kineto_tensor *tensors;
	size_t ntensors, ctensors;
	struct trace_tensor *decl; /* the declarations, indexed like tensors */
	size_t *decl_order;        /* tensors in order of first use */
	size_t ndecl;
	char *device_name; /* deviceProperties[0].name, NULL if none */
};

/* Bounds on what an import keeps (traces/kineto_read.c): a profile is read one event at a
 * time and only what the mapping needs is kept, within these. */
#define KINETO_DEPTH       64           /* JSON nesting accepted (Chrome traces use about 6) */
#define KINETO_EVENT_MAX   (16u << 20)  /* bytes of one event, or of one other top-level value */
#define KINETO_RECORDS_MAX (1u << 23)   /* cpu_ops, runtime calls and device events together */
#define KINETO_ARGS_MAX    (256u << 20) /* bytes of args kept for the ops that map */

/* ---- The passes ---- */

/* kineto.c */

/* Writes "FILE: " and the message into the caller's error buffer. Returns -1. */
int kineto_fail(struct kineto *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sorts n elements of size bytes at base by cmp, stably (a merge sort: qsort_r, which would
 * pass c to cmp, is not in POSIX 2008). 0, or -1 with c's error set (out of memory). */
int kineto_sort(struct kineto *c, void *base, size_t n, size_t size,
                int (*cmp)(const void *, const void *, const struct kineto *));
/* The same for cpu_op i: "FILE: traceEvents[I] NAME: what". Returns -1. */
int kineto_fail_op(struct kineto *c, size_t i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The array p (cap elements of size bytes, n used) with room for one more: p itself, or a
 * larger copy (cap updated); NULL when out of memory, p then untouched. */
void *kineto_grow(void *p, size_t *cap, size_t n, size_t size);
/* qsort's answer for (a, ia) against (b, ib): by the key, then by the index. */
int kineto_cmp_key(int64_t a, int64_t b, size_t ia, size_t ib);

/* kineto_read.c */

/* Reads c->path (gzip or plain) one event at a time: collects the cpu_ops, runtime calls,
 * device events and ProfilerStep spans, and the device's name. 0, or -1 with the reason in
 * c->err. */
int kineto_read(struct kineto *c);
/* Member KEY of object O; NULL when O is not an object or has no KEY. */
json_object *kineto_get(json_object *o, const char *key);
/* The same when it is a string; NULL otherwise. */
const char *kineto_get_string(json_object *o, const char *key);
/* Frees the hash tables of kineto_read and kineto_map. */
void kineto_free_tables(struct kineto *c);
/* Sorts each thread's ops by time and nests them (kineto_op.parent, .size, .mapped_below). */
int kineto_nest(struct kineto *c);
/* Gives every device event to the cpu_op that launched it (own_ns, tree_ns and the counts). */
int kineto_link(struct kineto *c);

/* kineto_map.c */

/* Frees the hash tables of the walk (counts by name, tensors by shape). */
void kineto_free_map_tables(struct kineto *c);
/* What operator NAME becomes; NULL when the importer does not know it. */
const struct kineto_map *kineto_lookup(const char *name);
/* Maps every op into c->recs and counts the rest in c->st. 0, or -1 with the reason. */
int kineto_walk(struct kineto *c);

/* kineto_write.c */

/* Puts the records in writing order, declares the tensors, places the steps, and checks every
 * record as the writer will. 0, or -1 with the reason. */
int kineto_finish(struct kineto *c);
/* Writes the meta records (source, file, device, the counts, the unmapped names). */
int kineto_write_meta(struct kineto *c, struct trace_writer *w, const char *extra);
/* The trace op of record r, pointing into c->decl. */
/* Longest name= written; longer operator names are cut. */
#define KINETO_OPNAME 200

/* The trace op of record r; its name is written into name (namelen bytes, at least
 * KINETO_OPNAME + 1), which must outlive the op's use. */
void kineto_build_op(const struct kineto *c, const struct kineto_rec *r, struct trace_op *op,
                     char *name, size_t namelen);

#endif
