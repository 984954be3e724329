/* trace — simtrace v1 operator traces: their types, a streaming reader and a writer.
 *
 * Models: the contract of docs/trace-format.md §1–§7 exactly — records, fields, value lists,
 * validity rules, gzip detected by magic — so a trace valid there reads here, nothing else does.
 * Not: what an op costs or how a format is stored (arch/lower, arch/formats); the reader never
 * holds a whole trace, only the declared tensors (memory grows with tensors, not with ops).
 * Numbers: element and scale sizes from the OCP Microscaling Formats spec v1.0 (mx*: 32-element
 * blocks, one E8M0 scale) and NVIDIA's NVFP4 (16-element blocks, one E4M3 scale); limits
 * (4096-byte lines, 63-bit integers, N:M with M <= 256) from docs/trace-format.md.
 */
#ifndef NMSIM_TRACE_H
#define NMSIM_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest line, in bytes, without its '\n' (docs/trace-format.md §1). */
#define TRACE_LINE_MAX 4096

/* ---- Value lists (docs/trace-format.md §3–§6). Each enum has a name table; the names are the spec's. ---- */

/* Element types, docs/trace-format.md §3. */
enum trace_dtype {
	TRACE_DT_FP32,
	TRACE_DT_TF32,
	TRACE_DT_FP16,
	TRACE_DT_BF16,
	TRACE_DT_FP8E4M3,
	TRACE_DT_FP8E5M2,
	TRACE_DT_INT8,
	TRACE_DT_INT4,
	TRACE_DT_INT2,
	TRACE_DT_FP6E3M2,
	TRACE_DT_FP6E2M3,
	TRACE_DT_FP4E2M1,
	TRACE_DT_MXFP8,
	TRACE_DT_MXFP6,
	TRACE_DT_MXFP4,
	TRACE_DT_MXINT8,
	TRACE_DT_NVFP4,
	TRACE_DT_COUNT
};

/* "weight" or "kv" (docs/trace-format.md §2.1). */
enum trace_role { TRACE_ROLE_WEIGHT, TRACE_ROLE_KV, TRACE_ROLE_COUNT };

/* Sparsity forms, docs/trace-format.md §4: "dense", "nm", "vnm", "unstructured", "block". */
enum trace_sp_kind {
	TRACE_SP_DENSE,
	TRACE_SP_NM,
	TRACE_SP_VNM,
	TRACE_SP_UNSTRUCTURED,
	TRACE_SP_BLOCK,
	TRACE_SP_COUNT
};

/* Quantization forms, docs/trace-format.md §5: "none" (no q=; not a valid q= value), "tensor", "channel",
 * "group". */
enum trace_q_kind { TRACE_Q_NONE, TRACE_Q_TENSOR, TRACE_Q_CHANNEL, TRACE_Q_GROUP, TRACE_Q_COUNT };

/* Attention patterns, docs/trace-format.md §6: "dense", "window", "topk", "block", "thresh". */
enum trace_pat_kind {
	TRACE_PAT_DENSE,
	TRACE_PAT_WINDOW,
	TRACE_PAT_TOPK,
	TRACE_PAT_BLOCK,
	TRACE_PAT_THRESH,
	TRACE_PAT_COUNT
};

/* op types, docs/trace-format.md §2.2: "gemm", "attn", "vec", "coll". */
enum trace_op_type { TRACE_OP_GEMM, TRACE_OP_ATTN, TRACE_OP_VEC, TRACE_OP_COLL, TRACE_OP_COUNT };

/* op vec kind=, docs/trace-format.md §2.2, in the spec's order. */
enum trace_vec_kind {
	TRACE_VEC_RMSNORM,
	TRACE_VEC_LAYERNORM,
	TRACE_VEC_SOFTMAX,
	TRACE_VEC_SILU,
	TRACE_VEC_GELU,
	TRACE_VEC_RELU,
	TRACE_VEC_SWIGLU,
	TRACE_VEC_ADD,
	TRACE_VEC_MUL,
	TRACE_VEC_ROPE,
	TRACE_VEC_EMBED,
	TRACE_VEC_QUANT,
	TRACE_VEC_DEQUANT,
	TRACE_VEC_TOPK,
	TRACE_VEC_COPY,
	TRACE_VEC_COUNT
};

/* op coll kind=: "allreduce", "allgather", "reducescatter", "alltoall". */
enum trace_coll_kind {
	TRACE_COLL_ALLREDUCE,
	TRACE_COLL_ALLGATHER,
	TRACE_COLL_REDUCESCATTER,
	TRACE_COLL_ALLTOALL,
	TRACE_COLL_COUNT
};

/* step kind=: "prefill", "decode". */
enum trace_step_kind { TRACE_STEP_PREFILL, TRACE_STEP_DECODE, TRACE_STEP_COUNT };

/* What trace_next returned: "meta", "tensor", "op", "step". */
enum trace_rec_kind {
	TRACE_REC_META,
	TRACE_REC_TENSOR,
	TRACE_REC_OP,
	TRACE_REC_STEP,
	TRACE_REC_COUNT
};

/* Names ("fp16", "rmsnorm"...); "?" for a value outside the enum. */
const char *trace_dtype_name(enum trace_dtype dt);
const char *trace_role_name(enum trace_role role);
const char *trace_sp_kind_name(enum trace_sp_kind kind);
const char *trace_q_kind_name(enum trace_q_kind kind);
const char *trace_pat_kind_name(enum trace_pat_kind kind);
const char *trace_op_type_name(enum trace_op_type type);
const char *trace_vec_kind_name(enum trace_vec_kind kind);
const char *trace_coll_kind_name(enum trace_coll_kind kind);
const char *trace_step_kind_name(enum trace_step_kind kind);
const char *trace_rec_kind_name(enum trace_rec_kind kind);

/* Exact, case-sensitive name → value; 0, or -1 (and *out untouched) for anything else. The
 * compound forms (sparsity, quantization, pattern) are parsed by the *_parse functions below. */
int trace_dtype_parse(const char *s, enum trace_dtype *out);
int trace_role_parse(const char *s, enum trace_role *out);
int trace_op_type_parse(const char *s, enum trace_op_type *out);
int trace_vec_kind_parse(const char *s, enum trace_vec_kind *out);
int trace_coll_kind_parse(const char *s, enum trace_coll_kind *out);
int trace_step_kind_parse(const char *s, enum trace_step_kind *out);

/* Bits one element occupies in memory (tf32: 32; fp6: 6; mx* and nvfp4: the element only, the
 * block scale is separate). 0 for a value outside the enum. */
unsigned trace_dtype_bits(enum trace_dtype dt);
/* Elements sharing one block scale: 32 for mx*, 16 for nvfp4, 0 for the others. */
unsigned trace_dtype_block(enum trace_dtype dt);
/* Bits of that block scale: 8 (E8M0) for mx*, 8 (E4M3) for nvfp4, 0 for the others. */
unsigned trace_dtype_block_scale_bits(enum trace_dtype dt);
/* Default inputs of a vec kind: 2 for add, mul and swiglu, 1 otherwise (docs/trace-format.md §2.2). */
unsigned trace_vec_kind_default_inputs(enum trace_vec_kind kind);

/* ---- Records ---- */

/* sp= (docs/trace-format.md §4). Fields a form does not use are 0. Sparsity runs along K, per output row. */
struct trace_sparsity {
	enum trace_sp_kind kind;
	uint64_t n, m;  /* nm:N:M and vnm:V:N:M */
	uint64_t v;     /* vnm: rows per block */
	uint64_t r, c;  /* block:R:C:D: block rows x columns */
	double density; /* always filled: dense 1; nm, vnm N/M; unstructured, block D */
};

/* q= (docs/trace-format.md §5). */
struct trace_quant {
	enum trace_q_kind kind;       /* TRACE_Q_NONE when q= is absent */
	uint64_t group;               /* group: G, elements along K per scale; 0 otherwise */
	enum trace_dtype scale_dtype; /* group: SDTYPE (default fp16); fp16 for the other kinds */
	bool zero_point;              /* group: ":zp" given; false otherwise */
};

/* A tensor record. The reader owns the ones it returns (valid until trace_close). */
struct trace_tensor {
	const char *id; /* [A-Za-z0-9_.:-]+, unique in the trace */
	enum trace_role role;
	enum trace_dtype dtype;
	uint64_t rows, cols; /* shape NxK: output features x input (reduction) features. Both >= 1
			       for weights; both 0 for a kv tensor given without shape=. */
	struct trace_sparsity sp; /* TRACE_SP_DENSE by default */
	struct trace_quant q;     /* TRACE_Q_NONE by default */
	uint64_t line;            /* line of the declaration (0 when not read from a file) */
	/* The reader's id of this tensor's format (role, dtype, shape, sparsity, quantization):
	 * equal for every tensor of the trace that differs only in its id. 0 when not read. */
	uint32_t format;
};

/* pat= of op attn (docs/trace-format.md §6). */
struct trace_pattern {
	enum trace_pat_kind kind;
	uint64_t size;  /* window: W; topk: K; block: B; 0 for dense and thresh */
	double density; /* dense 1; block and thresh D; window and topk 0 (not a fixed fraction:
			   it depends on skv, use size) */
};

/* An op record. Every size is >= 1 and every product named below fits in 63 bits. */
struct trace_op {
	enum trace_op_type type;
	uint64_t line;  /* line in the file (0 when not read from a file) */
	uint64_t index; /* 0-based count of op records before this one (x_ ops not counted) */
	uint64_t step;  /* index of the step it belongs to, as trace_step.index; 0 for ops before
			   the first step record (the implicit prefill step 0) */
	int64_t layer;  /* layer=, -1 when absent */
	/* name=, "" when absent; never truncated. From the reader it points into the line and
	 * lives until the next trace_next; whoever builds an op owns what it points at. */
	const char *name;
	bool has_dur; /* dur_ns= given (a measurement, never used by the model) */
	uint64_t dur_ns;
	union {
		/* C[m x n] = A[m x k] . B, count times. m*n*k*count fits in 63 bits. */
		struct {
			uint64_t m, n, k, count;      /* count: default 1 */
			const struct trace_tensor *w; /* B = this weight (role weight, shape n x k);
							 NULL when B is an activation (b=) */
			enum trace_dtype b;           /* b=: dtype of an activation B; fp16 if w */
			enum trace_dtype a;           /* a=: dtype of A, default fp16 */
			enum trace_dtype out;         /* out=: dtype of C, default a */
			double asp;                   /* asp=: density of A in (0,1], default 1 */
		} gemm;
		/* b*hq*sq*skv*d fits in 63 bits; hq is a multiple of hkv. skv < sq is not rejected
		 * (the spec has no such rule). */
		struct {
			uint64_t b, hq, hkv, d, sq, skv;
			bool causal;                   /* causal=, default true */
			const struct trace_tensor *kv; /* role kv; NULL = default fp16 KV */
			enum trace_dtype q;            /* q=: Q and math dtype, default fp16 */
			struct trace_pattern pat;      /* pat=, default dense */
		} attn;
		/* Reads `inputs` tensors of rows x cols, writes one; rows*cols*inputs fits in 63 bits */
		struct {
			enum trace_vec_kind kind;
			uint64_t rows, cols;
			uint64_t inputs; /* always filled; default trace_vec_kind_default_inputs */
			enum trace_dtype dtype; /* default fp16 */
		} vec;
		/* bytes is the payload per rank; bytes*ranks fits in 63 bits. */
		struct {
			enum trace_coll_kind kind;
			uint64_t bytes, ranks;
		} coll;
	};
};

/* Dense-equivalent floating-point operations of op: 2 per MAC of a GEMM (count included) or an
 * attention (over the keys each query may see); vec: one per element and input; 0 otherwise. */
double trace_op_flops(const struct trace_op *op);

/* A step record: the ops after it, up to the next step, belong to it. */
struct trace_step {
	enum trace_step_kind kind;
	uint64_t tokens, batch; /* 0 when absent (given values are >= 1) */
	uint64_t index; /* its step number: 0 for the first step record if no op came before it,
			   else one more than the previous step (ops before any step record form the
			   implicit prefill step 0). trace_op.step refers to this number. */
	uint64_t line;
};

/* One record from trace_next. */
struct trace_record {
	enum trace_rec_kind kind;
	uint64_t line; /* line in the file */
	union {
		const struct trace_tensor *tensor; /* TENSOR: owned by the reader, valid until
						      trace_close */
		struct trace_op op;                /* OP */
		struct trace_step step;            /* STEP */
	};
	/* META: its fields as "key=value key=value" (single spaces, comment removed), "" for a bare
	 * meta; owned by the reader, valid until the next trace_next. NULL for other kinds. */
	const char *meta_text;
};

/* ---- Reader ---- */

struct trace_reader;

/* Opens a trace for streaming; "-" is standard input (named "<stdin>" in messages). Plain or
 * gzip, told apart by the gzip magic bytes, not by the name. NULL on failure, with
 * "FILE: cannot open: reason" in err (errlen bytes, may be 0). */
struct trace_reader *trace_open(const char *path, char *err, size_t errlen);
/* The next record into *out: 1 = a record, 0 = end of the trace, -1 = error (see trace_error).
 * Validates everything the spec requires before returning a record. Unknown keys are warned
 * about once per key through log_warn; x_ keys, x_ record kinds and x_ op types are skipped
 * silently. After -1 every call returns -1; after 0 every call returns 0. */
int trace_next(struct trace_reader *r, struct trace_record *out);
/* The last error: "FILE:LINE: what is wrong"; "" while there is none. */
const char *trace_error(const struct trace_reader *r);
/* Line number of the last line read (1-based; 0 before the first). */
uint64_t trace_line(const struct trace_reader *r);
/* Warnings printed so far (unknown keys). */
uint64_t trace_warning_count(const struct trace_reader *r);
/* A declared tensor by id, NULL if none was declared so far; valid until trace_close. */
const struct trace_tensor *trace_find_tensor(const struct trace_reader *r, const char *id);
/* Frees everything, including the tensors; NULL is allowed. */
void trace_close(struct trace_reader *r);

/* The value of key in a meta record's text, copied into buf (NUL-terminated); 0 when found and
 * it fits, -1 otherwise. */
int trace_meta_value(const char *meta_text, const char *key, char *buf, size_t buflen);

/* ---- Writer ---- */

struct trace_writer;

/* Opens path for a new trace, "-" = standard output, and writes "simtrace 1". gzip selects a
 * gzip stream. NULL with "FILE: cannot open for writing: reason" in err on failure. */
struct trace_writer *trace_writer_open(const char *path, bool gzip, char *err, size_t errlen);
/* Each writes one canonical record (defaults omitted; reals in the shortest form that reads back
 * to the same double) after checking it with the trace_*_check below: the writer never emits
 * a trace the reader rejects. 0, or -1 with the reason in trace_writer_error. */
/* text: "key=value ..." as in trace_record.meta_text; "" for a bare meta. */
int trace_write_meta(struct trace_writer *w, const char *text);
/* Ids must be unique within the writer. */
int trace_write_tensor(struct trace_writer *w, const struct trace_tensor *t);
/* gemm.w and attn.kv must point at tensors (any copy) whose id this writer has written; the
 * written declaration is what is checked. line, index and step are ignored. */
int trace_write_op(struct trace_writer *w, const struct trace_op *op);
/* index and line are ignored. */
int trace_write_step(struct trace_writer *w, const struct trace_step *s);
/* The first error: "FILE:LINE: what" (LINE: the line the record would have had); "" while
 * there is none. After an error every write call fails. */
const char *trace_writer_error(const struct trace_writer *w);
/* Flushes, closes and frees (NULL allowed). The trace is written to a temporary file beside
 * path and renamed over it here, once complete (sim/outfile.h); after a failure it is removed
 * and path keeps what it had. -1 if this or any earlier write failed; a failure first seen
 * here (e.g. disk full on the last flush) is reported through log_error. */
int trace_writer_close(struct trace_writer *w);
/* Closes and frees without putting the trace in place (NULL allowed): for a caller that failed
 * on its own after opening. */
void trace_writer_abort(struct trace_writer *w);

/* ---- Values and checks, shared by the reader, the writer and whoever builds records ---- */

/* A decimal integer: digits only (no sign, no "0x"), at most 2^63-1. 0 / -1. */
int trace_int_parse(const char *s, uint64_t *out);
/* A decimal real: digits with an optional '.' fraction and exponent ("0.5", "5e-2", ".5");
 * no sign, nan or inf. 0 / -1 (the range is the caller's to check). */
int trace_real_parse(const char *s, double *out);
/* The shortest %g form that trace_real_parse reads back to the same value. 0, or -1 if buf is
 * too small or x is negative or not finite. */
int trace_real_format(double x, char *buf, size_t len);

/* Parse sp= / q= / pat= values, including their range rules. 0, or -1 with the reason
 * (without "key=value: ") in err. */
int trace_sparsity_parse(const char *s, struct trace_sparsity *out, char *err, size_t errlen);
int trace_quant_parse(const char *s, struct trace_quant *out, char *err, size_t errlen);
int trace_pattern_parse(const char *s, struct trace_pattern *out, char *err, size_t errlen);
/* Their text forms ("nm:2:4", "group:128:bf16:zp", "window:256"), canonical: defaults omitted.
 * q of kind NONE gives "none". 0, or -1 if buf is too small. */
int trace_sparsity_format(const struct trace_sparsity *sp, char *buf, size_t len);
int trace_quant_format(const struct trace_quant *q, char *buf, size_t len);
int trace_pattern_format(const struct trace_pattern *p, char *buf, size_t len);
/* Range rules of one value (docs/trace-format.md §4–§6, §7); density of nm/vnm is not compared with N/M. */
int trace_sparsity_check(const struct trace_sparsity *sp, char *err, size_t errlen);
int trace_pattern_check(const struct trace_pattern *p, char *err, size_t errlen);

/* Every rule of docs/trace-format.md §7 that a single record must obey, on a record built in memory: 0, or -1
 * with "CONTEXT: key=value: what" in err (CONTEXT "tensor ID", "gemm", "step"...). For ops,
 * gemm.w and attn.kv are checked for role and shape as they point. */
int trace_tensor_check(const struct trace_tensor *t, char *err, size_t errlen);
int trace_op_check(const struct trace_op *op, char *err, size_t errlen);
int trace_step_check(const struct trace_step *s, char *err, size_t errlen);
/* A tensor id: non-empty, [A-Za-z0-9_.:-] only. */
bool trace_id_valid(const char *id);

#endif
