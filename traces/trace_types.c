/* trace_types — the value lists of simtrace v1 (docs/trace-format.md §3–§6), the parsers and printers of its
 * values, and the validity rules one record must obey (docs/trace-format.md §7). Shared by the reader, the
 * writer and whoever builds records in memory (tracegen, importers). See trace.h. */
#include "sim/num.h"
#include "traces/trace.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/checked.h"

struct trace_dtype_info {
	const char *name;
	unsigned bits;       /* one element in memory */
	unsigned block;      /* elements per block scale, 0 = no block scaling */
	unsigned scale_bits; /* bits of one block scale */
};

/* Block sizes and scale widths: OCP Microscaling Formats v1.0 (32 elements, E8M0 scale) and
 * NVIDIA NVFP4 (16 elements, E4M3 scale). tf32 occupies 32 bits in memory. */
static const struct trace_dtype_info trace_dtypes[] = {
	[TRACE_DT_FP32] = { "fp32", 32, 0, 0 },      [TRACE_DT_TF32] = { "tf32", 32, 0, 0 },
	[TRACE_DT_FP16] = { "fp16", 16, 0, 0 },      [TRACE_DT_BF16] = { "bf16", 16, 0, 0 },
	[TRACE_DT_FP8E4M3] = { "fp8e4m3", 8, 0, 0 }, [TRACE_DT_FP8E5M2] = { "fp8e5m2", 8, 0, 0 },
	[TRACE_DT_INT8] = { "int8", 8, 0, 0 },       [TRACE_DT_INT4] = { "int4", 4, 0, 0 },
	[TRACE_DT_INT2] = { "int2", 2, 0, 0 },       [TRACE_DT_FP6E3M2] = { "fp6e3m2", 6, 0, 0 },
	[TRACE_DT_FP6E2M3] = { "fp6e2m3", 6, 0, 0 }, [TRACE_DT_FP4E2M1] = { "fp4e2m1", 4, 0, 0 },
	[TRACE_DT_MXFP8] = { "mxfp8", 8, 32, 8 },    [TRACE_DT_MXFP6] = { "mxfp6", 6, 32, 8 },
	[TRACE_DT_MXFP4] = { "mxfp4", 4, 32, 8 },    [TRACE_DT_MXINT8] = { "mxint8", 8, 32, 8 },
	[TRACE_DT_NVFP4] = { "nvfp4", 4, 16, 8 },
};
_Static_assert(sizeof trace_dtypes / sizeof trace_dtypes[0] == TRACE_DT_COUNT, "dtype table");

static const char *const trace_role_names[] = {
	[TRACE_ROLE_WEIGHT] = "weight",
	[TRACE_ROLE_KV] = "kv",
};
static const char *const trace_sp_kind_names[] = {
	[TRACE_SP_DENSE] = "dense", [TRACE_SP_NM] = "nm",
	[TRACE_SP_VNM] = "vnm",     [TRACE_SP_UNSTRUCTURED] = "unstructured",
	[TRACE_SP_BLOCK] = "block",
};
static const char *const trace_q_kind_names[] = {
	[TRACE_Q_NONE] = "none",
	[TRACE_Q_TENSOR] = "tensor",
	[TRACE_Q_CHANNEL] = "channel",
	[TRACE_Q_GROUP] = "group",
};
static const char *const trace_pat_kind_names[] = {
	[TRACE_PAT_DENSE] = "dense", [TRACE_PAT_WINDOW] = "window", [TRACE_PAT_TOPK] = "topk",
	[TRACE_PAT_BLOCK] = "block", [TRACE_PAT_THRESH] = "thresh",
};
static const char *const trace_op_type_names[] = {
	[TRACE_OP_GEMM] = "gemm",
	[TRACE_OP_ATTN] = "attn",
	[TRACE_OP_VEC] = "vec",
	[TRACE_OP_COLL] = "coll",
};
static const char *const trace_vec_kind_names[] = {
	[TRACE_VEC_RMSNORM] = "rmsnorm", [TRACE_VEC_LAYERNORM] = "layernorm",
	[TRACE_VEC_SOFTMAX] = "softmax", [TRACE_VEC_SILU] = "silu",
	[TRACE_VEC_GELU] = "gelu",       [TRACE_VEC_RELU] = "relu",
	[TRACE_VEC_SWIGLU] = "swiglu",   [TRACE_VEC_ADD] = "add",
	[TRACE_VEC_MUL] = "mul",         [TRACE_VEC_ROPE] = "rope",
	[TRACE_VEC_EMBED] = "embed",     [TRACE_VEC_QUANT] = "quant",
	[TRACE_VEC_DEQUANT] = "dequant", [TRACE_VEC_TOPK] = "topk",
	[TRACE_VEC_COPY] = "copy",
};
static const char *const trace_coll_kind_names[] = {
	[TRACE_COLL_ALLREDUCE] = "allreduce",
	[TRACE_COLL_ALLGATHER] = "allgather",
	[TRACE_COLL_REDUCESCATTER] = "reducescatter",
	[TRACE_COLL_ALLTOALL] = "alltoall",
};
static const char *const trace_step_kind_names[] = {
	[TRACE_STEP_PREFILL] = "prefill",
	[TRACE_STEP_DECODE] = "decode",
};
static const char *const trace_rec_kind_names[] = {
	[TRACE_REC_META] = "meta",
	[TRACE_REC_TENSOR] = "tensor",
	[TRACE_REC_OP] = "op",
	[TRACE_REC_STEP] = "step",
};

#define TRACE_NAMES_N(a) (sizeof(a) / sizeof((a)[0]))
_Static_assert(TRACE_NAMES_N(trace_role_names) == TRACE_ROLE_COUNT, "role names");
_Static_assert(TRACE_NAMES_N(trace_sp_kind_names) == TRACE_SP_COUNT, "sp names");
_Static_assert(TRACE_NAMES_N(trace_q_kind_names) == TRACE_Q_COUNT, "q names");
_Static_assert(TRACE_NAMES_N(trace_pat_kind_names) == TRACE_PAT_COUNT, "pat names");
_Static_assert(TRACE_NAMES_N(trace_op_type_names) == TRACE_OP_COUNT, "op names");
_Static_assert(TRACE_NAMES_N(trace_vec_kind_names) == TRACE_VEC_COUNT, "vec names");
_Static_assert(TRACE_NAMES_N(trace_coll_kind_names) == TRACE_COLL_COUNT, "coll names");
_Static_assert(TRACE_NAMES_N(trace_step_kind_names) == TRACE_STEP_COUNT, "step names");
_Static_assert(TRACE_NAMES_N(trace_rec_kind_names) == TRACE_REC_COUNT, "record names");

static const char *trace_name_of(const char *const *names, size_t n, int v)
{
	if (v < 0 || (size_t)v >= n || !names[v])
		return "?";
	return names[v];
}

static int trace_name_find(const char *const *names, size_t n, const char *s)
{
	/* The first character rules out most names without a call (the reader's hot path). */
	for (size_t i = 0; i < n; i++)
		if (names[i] && names[i][0] == s[0] && strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

#define TRACE_NAME_FN(fn, type, table)                                     \
	const char *fn(type v)                                             \
	{                                                                  \
		return trace_name_of(table, TRACE_NAMES_N(table), (int)v); \
	}
TRACE_NAME_FN(trace_role_name, enum trace_role, trace_role_names)
TRACE_NAME_FN(trace_sp_kind_name, enum trace_sp_kind, trace_sp_kind_names)
TRACE_NAME_FN(trace_q_kind_name, enum trace_q_kind, trace_q_kind_names)
TRACE_NAME_FN(trace_pat_kind_name, enum trace_pat_kind, trace_pat_kind_names)
TRACE_NAME_FN(trace_op_type_name, enum trace_op_type, trace_op_type_names)
TRACE_NAME_FN(trace_vec_kind_name, enum trace_vec_kind, trace_vec_kind_names)
TRACE_NAME_FN(trace_coll_kind_name, enum trace_coll_kind, trace_coll_kind_names)
TRACE_NAME_FN(trace_step_kind_name, enum trace_step_kind, trace_step_kind_names)
TRACE_NAME_FN(trace_rec_kind_name, enum trace_rec_kind, trace_rec_kind_names)

#define TRACE_PARSE_FN(fn, type, table)                                  \
	int fn(const char *s, type *out)                                 \
	{                                                                \
		int i = trace_name_find(table, TRACE_NAMES_N(table), s); \
		if (i < 0)                                               \
			return -1;                                       \
		*out = (type)i;                                          \
		return 0;                                                \
	}
TRACE_PARSE_FN(trace_role_parse, enum trace_role, trace_role_names)
TRACE_PARSE_FN(trace_op_type_parse, enum trace_op_type, trace_op_type_names)
TRACE_PARSE_FN(trace_vec_kind_parse, enum trace_vec_kind, trace_vec_kind_names)
TRACE_PARSE_FN(trace_coll_kind_parse, enum trace_coll_kind, trace_coll_kind_names)
TRACE_PARSE_FN(trace_step_kind_parse, enum trace_step_kind, trace_step_kind_names)

static bool trace_dtype_valid(enum trace_dtype dt)
{
	return (unsigned)dt < TRACE_DT_COUNT;
}

const char *trace_dtype_name(enum trace_dtype dt)
{
	return trace_dtype_valid(dt) ? trace_dtypes[dt].name : "?";
}

int trace_dtype_parse(const char *s, enum trace_dtype *out)
{
	for (int i = 0; i < TRACE_DT_COUNT; i++) {
		if (trace_dtypes[i].name[0] == s[0] && strcmp(trace_dtypes[i].name, s) == 0) {
			*out = (enum trace_dtype)i;
			return 0;
		}
	}
	return -1;
}

unsigned trace_dtype_bits(enum trace_dtype dt)
{
	return trace_dtype_valid(dt) ? trace_dtypes[dt].bits : 0;
}

unsigned trace_dtype_block(enum trace_dtype dt)
{
	return trace_dtype_valid(dt) ? trace_dtypes[dt].block : 0;
}

unsigned trace_dtype_block_scale_bits(enum trace_dtype dt)
{
	return trace_dtype_valid(dt) ? trace_dtypes[dt].scale_bits : 0;
}

unsigned trace_vec_kind_default_inputs(enum trace_vec_kind kind)
{
	return kind == TRACE_VEC_ADD || kind == TRACE_VEC_MUL || kind == TRACE_VEC_SWIGLU ? 2 : 1;
}

double trace_op_flops(const struct trace_op *op)
{
	switch (op->type) {
	case TRACE_OP_GEMM: return 2.0 * op->gemm.m * op->gemm.n * op->gemm.k * op->gemm.count;
	case TRACE_OP_ATTN: {
		/* Q.K^T and P.V over the keys each query may see. Causal, as the model runs it
		 * (lower_attn_kv_range): query i sees the keys up to skv - sq + i + 1 when skv >= sq,
		 * else up to min(i + 1, skv). */
		double sq = (double)op->attn.sq, skv = (double)op->attn.skv;
		double pairs = sq * skv;
		if (op->attn.causal && op->attn.sq > 1)
			pairs = op->attn.skv >= op->attn.sq
			            ? sq * (skv - sq) + sq * (sq + 1) / 2
			            : skv * (skv + 1) / 2 + (sq - skv) * skv;
		return 4.0 * op->attn.b * op->attn.hq * pairs * op->attn.d;
	}
	case TRACE_OP_VEC: return (double)op->vec.rows * op->vec.cols * (double)op->vec.inputs;
	case TRACE_OP_COLL:
	case TRACE_OP_COUNT: break;
	}
	return 0;
}

/* ---- Numbers ---- */

static bool trace_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int trace_int_parse(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (!trace_is_digit(*s))
			return -1;
		unsigned d = (unsigned)(*s - '0');
		if (v > ((uint64_t)INT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int trace_real_parse(const char *s, double *out)
{
	const char *p = s;
	size_t digits = 0;
	/* The grammar is checked by hand so strtod's extras (sign, hex, nan, inf) never pass. */
	while (trace_is_digit(*p))
		p++, digits++;
	if (*p == '.') {
		p++;
		while (trace_is_digit(*p))
			p++, digits++;
	}
	if (digits == 0)
		return -1;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!trace_is_digit(*p))
			return -1;
		while (trace_is_digit(*p))
			p++;
	}
	if (*p)
		return -1;
	char *end;
	double v = strtod(s, &end);
	if (end != p)
		return -1;
	*out = v;
	return 0;
}

int trace_real_format(double x, char *buf, size_t len)
{
	/* Non-negative and finite: what trace_real_parse reads, in its shortest form. */
	if (!(x >= 0) || isinf(x))
		return -1;
	return num_shortest(x, 1, buf, len);
}

/* A real for a message: the canonical form when there is one, %g otherwise (nan, -1). */
static const char *trace_real_text(double x, char *buf, size_t len)
{
	if (trace_real_format(x, buf, len) != 0)
		snprintf(buf, len, "%g", x);
	return buf;
}

static bool trace_size_ok(uint64_t v)
{
	return v >= 1 && v <= INT64_MAX;
}
static bool trace_fraction_ok(double d)
{
	return d > 0 && d <= 1;
} /* false for nan */

__attribute__((format(printf, 3, 4))) static int trace_errf(char *err, size_t errlen,
                                                            const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

__attribute__((format(printf, 3, 4))) static int trace_fmt(char *buf, size_t len, const char *fmt,
                                                           ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Splits a copy of s at ':' into parts; returns the number of parts, or SIZE_MAX when s does
 * not fit buf or has more than max parts. */
static size_t trace_split(const char *s, char *buf, size_t buflen, char **parts, size_t max)
{
	size_t len = strlen(s), n = 0;
	if (len >= buflen)
		return SIZE_MAX;
	memcpy(buf, s, len + 1);
	for (char *p = buf;;) {
		if (n == max)
			return SIZE_MAX;
		parts[n++] = p;
		char *colon = strchr(p, ':');
		if (!colon)
			return n;
		*colon = '\0';
		p = colon + 1;
	}
}

#define TRACE_PARTS_MAX 5

/* ---- Sparsity ---- */

int trace_sparsity_check(const struct trace_sparsity *sp, char *err, size_t errlen)
{
	switch (sp->kind) {
	case TRACE_SP_DENSE: return 0;
	case TRACE_SP_NM:
		if (sp->n < 1)
			return trace_errf(err, errlen, "N must be >= 1 (1 <= N < M <= 256)");
		if (sp->n >= sp->m)
			return trace_errf(err, errlen, "N must be less than M (1 <= N < M <= 256)");
		if (sp->m > 256)
			return trace_errf(err, errlen, "M must be at most 256 (1 <= N < M <= 256)");
		return 0;
	case TRACE_SP_VNM:
		if (!trace_size_ok(sp->v))
			return trace_errf(err, errlen, "V must be an integer >= 1");
		if (sp->n < 1)
			return trace_errf(err, errlen, "N must be >= 1");
		if (sp->n > 4)
			return trace_errf(
			    err, errlen,
			    "N must be at most 4 (each row keeps N of its block's 4 columns)");
		if (sp->m < 4 || sp->m > INT64_MAX)
			return trace_errf(err, errlen, "M must be an integer >= 4");
		if (sp->n >= sp->m)
			return trace_errf(err, errlen, "N must be less than M");
		return 0;
	case TRACE_SP_UNSTRUCTURED:
		if (!trace_fraction_ok(sp->density))
			return trace_errf(err, errlen, "D must be a real in (0,1]");
		return 0;
	case TRACE_SP_BLOCK:
		if (!trace_size_ok(sp->r) || !trace_size_ok(sp->c))
			return trace_errf(err, errlen, "R and C must be integers >= 1");
		if (!trace_fraction_ok(sp->density))
			return trace_errf(err, errlen, "D must be a real in (0,1]");
		return 0;
	default: return trace_errf(err, errlen, "invalid sparsity kind %d", (int)sp->kind);
	}
}

int trace_sparsity_parse(const char *s, struct trace_sparsity *out, char *err, size_t errlen)
{
	char buf[TRACE_LINE_MAX + 1];
	char *p[TRACE_PARTS_MAX];
	size_t n = trace_split(s, buf, sizeof buf, p, TRACE_PARTS_MAX);
	struct trace_sparsity sp = { .kind = TRACE_SP_DENSE, .density = 1 };

	if (n == SIZE_MAX)
		goto unknown;
	if (strcmp(p[0], "dense") == 0) {
		if (n != 1)
			return trace_errf(err, errlen, "dense takes no parameters");
	} else if (strcmp(p[0], "nm") == 0) {
		sp.kind = TRACE_SP_NM;
		if (n != 3 || trace_int_parse(p[1], &sp.n) || trace_int_parse(p[2], &sp.m))
			return trace_errf(err, errlen,
			                  "expected nm:N:M with decimal integers N and M");
	} else if (strcmp(p[0], "vnm") == 0) {
		sp.kind = TRACE_SP_VNM;
		if (n != 4 || trace_int_parse(p[1], &sp.v) || trace_int_parse(p[2], &sp.n) ||
		    trace_int_parse(p[3], &sp.m))
			return trace_errf(err, errlen,
			                  "expected vnm:V:N:M with decimal integers V, N and M");
	} else if (strcmp(p[0], "unstructured") == 0) {
		sp.kind = TRACE_SP_UNSTRUCTURED;
		if (n != 2 || trace_real_parse(p[1], &sp.density))
			return trace_errf(err, errlen,
			                  "expected unstructured:D with D a real in (0,1]");
	} else if (strcmp(p[0], "block") == 0) {
		sp.kind = TRACE_SP_BLOCK;
		if (n != 4 || trace_int_parse(p[1], &sp.r) || trace_int_parse(p[2], &sp.c) ||
		    trace_real_parse(p[3], &sp.density))
			return trace_errf(
			    err, errlen,
			    "expected block:R:C:D with integers R, C and a real D in (0,1]");
	} else {
		goto unknown;
	}
	if (sp.kind == TRACE_SP_NM || sp.kind == TRACE_SP_VNM)
		sp.density = sp.m ? (double)sp.n / (double)sp.m : 0;
	if (trace_sparsity_check(&sp, err, errlen))
		return -1;
	*out = sp;
	return 0;
unknown:
	return trace_errf(err, errlen,
	                  "unknown sparsity (expected dense, nm:N:M, vnm:V:N:M, "
	                  "unstructured:D or block:R:C:D)");
}

int trace_sparsity_format(const struct trace_sparsity *sp, char *buf, size_t len)
{
	char d[40];
	switch (sp->kind) {
	case TRACE_SP_NM: return trace_fmt(buf, len, "nm:%" PRIu64 ":%" PRIu64, sp->n, sp->m);
	case TRACE_SP_VNM:
		return trace_fmt(buf, len, "vnm:%" PRIu64 ":%" PRIu64 ":%" PRIu64, sp->v, sp->n,
		                 sp->m);
	case TRACE_SP_UNSTRUCTURED:
		return trace_fmt(buf, len, "unstructured:%s",
		                 trace_real_text(sp->density, d, sizeof d));
	case TRACE_SP_BLOCK:
		return trace_fmt(buf, len, "block:%" PRIu64 ":%" PRIu64 ":%s", sp->r, sp->c,
		                 trace_real_text(sp->density, d, sizeof d));
	default: return trace_fmt(buf, len, "%s", trace_sp_kind_name(sp->kind));
	}
}

/* ---- Quantization ---- */

static int trace_quant_check(const struct trace_quant *q, char *err, size_t errlen)
{
	if ((unsigned)q->kind >= TRACE_Q_COUNT)
		return trace_errf(err, errlen, "invalid quantization kind %d", (int)q->kind);
	if (q->kind != TRACE_Q_GROUP) {
		if (q->zero_point)
			return trace_errf(err, errlen, "a zero point (:zp) needs group:G");
		return 0;
	}
	if (!trace_size_ok(q->group))
		return trace_errf(err, errlen, "G must be an integer >= 1");
	if (!trace_dtype_valid(q->scale_dtype))
		return trace_errf(err, errlen, "invalid scale dtype %d", (int)q->scale_dtype);
	return 0;
}

int trace_quant_parse(const char *s, struct trace_quant *out, char *err, size_t errlen)
{
	char buf[TRACE_LINE_MAX + 1];
	char *p[TRACE_PARTS_MAX];
	size_t n = trace_split(s, buf, sizeof buf, p, TRACE_PARTS_MAX);
	struct trace_quant q = { .kind = TRACE_Q_NONE, .scale_dtype = TRACE_DT_FP16 };

	if (n == SIZE_MAX)
		goto unknown;
	if (strcmp(p[0], "tensor") == 0 || strcmp(p[0], "channel") == 0) {
		q.kind = p[0][0] == 't' ? TRACE_Q_TENSOR : TRACE_Q_CHANNEL;
		if (n != 1)
			return trace_errf(err, errlen, "%s takes no parameters", p[0]);
	} else if (strcmp(p[0], "group") == 0) {
		q.kind = TRACE_Q_GROUP;
		if (n < 2 || n > 4 || trace_int_parse(p[1], &q.group))
			goto group_syntax;
		size_t i = 2;
		if (i < n && strcmp(p[i], "zp") != 0) {
			if (trace_dtype_parse(p[i], &q.scale_dtype))
				return trace_errf(err, errlen, "unknown scale dtype '%.32s'", p[i]);
			i++;
		}
		if (i < n && strcmp(p[i], "zp") == 0) {
			q.zero_point = true;
			i++;
		}
		if (i != n)
			goto group_syntax;
	} else {
		goto unknown;
	}
	if (trace_quant_check(&q, err, errlen))
		return -1;
	*out = q;
	return 0;
group_syntax:
	return trace_errf(err, errlen, "expected group:G[:SDTYPE][:zp] with G a decimal integer");
unknown:
	return trace_errf(
	    err, errlen,
	    "unknown quantization (expected tensor, channel or group:G[:SDTYPE][:zp])");
}

int trace_quant_format(const struct trace_quant *q, char *buf, size_t len)
{
	if (q->kind != TRACE_Q_GROUP)
		return trace_fmt(buf, len, "%s", trace_q_kind_name(q->kind));
	return trace_fmt(buf, len, "group:%" PRIu64 "%s%s%s", q->group,
	                 q->scale_dtype == TRACE_DT_FP16 ? "" : ":",
	                 q->scale_dtype == TRACE_DT_FP16 ? "" : trace_dtype_name(q->scale_dtype),
	                 q->zero_point ? ":zp" : "");
}

/* ---- Attention patterns ---- */

int trace_pattern_check(const struct trace_pattern *p, char *err, size_t errlen)
{
	switch (p->kind) {
	case TRACE_PAT_DENSE: return 0;
	case TRACE_PAT_WINDOW:
		if (!trace_size_ok(p->size))
			return trace_errf(err, errlen, "W must be an integer >= 1");
		return 0;
	case TRACE_PAT_TOPK:
		if (!trace_size_ok(p->size))
			return trace_errf(err, errlen, "K must be an integer >= 1");
		return 0;
	case TRACE_PAT_BLOCK:
		if (!trace_size_ok(p->size))
			return trace_errf(err, errlen, "B must be an integer >= 1");
		/* fall through */
	case TRACE_PAT_THRESH:
		if (!trace_fraction_ok(p->density))
			return trace_errf(err, errlen, "D must be a real in (0,1]");
		return 0;
	default: return trace_errf(err, errlen, "invalid pattern kind %d", (int)p->kind);
	}
}

int trace_pattern_parse(const char *s, struct trace_pattern *out, char *err, size_t errlen)
{
	char buf[TRACE_LINE_MAX + 1];
	char *p[TRACE_PARTS_MAX];
	size_t n = trace_split(s, buf, sizeof buf, p, TRACE_PARTS_MAX);
	struct trace_pattern pat = { .kind = TRACE_PAT_DENSE, .density = 1 };

	if (n == SIZE_MAX)
		goto unknown;
	if (strcmp(p[0], "dense") == 0) {
		if (n != 1)
			return trace_errf(err, errlen, "dense takes no parameters");
	} else if (strcmp(p[0], "window") == 0 || strcmp(p[0], "topk") == 0) {
		pat.kind = p[0][0] == 'w' ? TRACE_PAT_WINDOW : TRACE_PAT_TOPK;
		pat.density = 0;
		if (n != 2 || trace_int_parse(p[1], &pat.size))
			return trace_errf(err, errlen, "expected %s:%s with a decimal integer",
			                  p[0], p[0][0] == 'w' ? "W" : "K");
	} else if (strcmp(p[0], "block") == 0) {
		pat.kind = TRACE_PAT_BLOCK;
		if (n != 3 || trace_int_parse(p[1], &pat.size) ||
		    trace_real_parse(p[2], &pat.density))
			return trace_errf(
			    err, errlen,
			    "expected block:B:D with an integer B and a real D in (0,1]");
	} else if (strcmp(p[0], "thresh") == 0) {
		pat.kind = TRACE_PAT_THRESH;
		if (n != 2 || trace_real_parse(p[1], &pat.density))
			return trace_errf(err, errlen, "expected thresh:D with D a real in (0,1]");
	} else {
		goto unknown;
	}
	if (trace_pattern_check(&pat, err, errlen))
		return -1;
	*out = pat;
	return 0;
unknown:
	return trace_errf(err, errlen,
	                  "unknown pattern (expected dense, window:W, topk:K, "
	                  "block:B:D or thresh:D)");
}

int trace_pattern_format(const struct trace_pattern *p, char *buf, size_t len)
{
	char d[40];
	switch (p->kind) {
	case TRACE_PAT_WINDOW:
	case TRACE_PAT_TOPK:
		return trace_fmt(buf, len, "%s:%" PRIu64, trace_pat_kind_name(p->kind), p->size);
	case TRACE_PAT_BLOCK:
		return trace_fmt(buf, len, "block:%" PRIu64 ":%s", p->size,
		                 trace_real_text(p->density, d, sizeof d));
	case TRACE_PAT_THRESH:
		return trace_fmt(buf, len, "thresh:%s", trace_real_text(p->density, d, sizeof d));
	default: return trace_fmt(buf, len, "%s", trace_pat_kind_name(p->kind));
	}
}

/* ---- Records ---- */

bool trace_id_valid(const char *id)
{
	if (!id || !*id)
		return false;
	for (const char *p = id; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || trace_is_digit(c) ||
		      c == '_' || c == '.' || c == ':' || c == '-'))
			return false;
	}
	return true;
}

/* Shown values are clipped so that a message stays one readable line. */
#define TRACE_CLIP        "%.64s%s"
#define TRACE_CLIP_ARG(s) (s), (strlen(s) > 64 ? "..." : "")

static int trace_check_size(char *err, size_t errlen, const char *ctx, const char *key, uint64_t v)
{
	if (v < 1)
		return trace_errf(err, errlen, "%s: %s=%" PRIu64 ": must be an integer >= 1", ctx,
		                  key, v);
	if (v > INT64_MAX)
		return trace_errf(err, errlen,
		                  "%s: %s=%" PRIu64 ": too large (integers must fit in 63 bits)",
		                  ctx, key, v);
	return 0;
}

static int trace_check_dtype(char *err, size_t errlen, const char *ctx, const char *key,
                             enum trace_dtype dt)
{
	if (!trace_dtype_valid(dt))
		return trace_errf(err, errlen, "%s: %s: invalid dtype value %d", ctx, key, (int)dt);
	return 0;
}

/* Product of n factors, each already in [1, 2^63), staying within 63 bits. */
static int trace_product_u63(const uint64_t *f, size_t n, uint64_t *out)
{
	uint64_t p = 1;
	for (size_t i = 0; i < n; i++)
		if (checked_mul_u64(p, f[i], &p) || p > INT64_MAX)
			return -1;
	*out = p;
	return 0;
}

int trace_tensor_check(const struct trace_tensor *t, char *err, size_t errlen)
{
	char ctx[128], v[TRACE_LINE_MAX];
	const char *id = t->id ? t->id : "";

	if (!trace_id_valid(id))
		return trace_errf(err, errlen,
		                  "tensor: id=" TRACE_CLIP
		                  ": invalid id (use letters, digits and _ . : -)",
		                  TRACE_CLIP_ARG(id));
	snprintf(ctx, sizeof ctx, "tensor " TRACE_CLIP, TRACE_CLIP_ARG(id));
	if ((unsigned)t->role >= TRACE_ROLE_COUNT)
		return trace_errf(err, errlen, "%s: role: invalid value %d", ctx, (int)t->role);
	if (trace_check_dtype(err, errlen, ctx, "dtype", t->dtype))
		return -1;
	if (t->role == TRACE_ROLE_WEIGHT || t->rows || t->cols) {
		if (t->role == TRACE_ROLE_WEIGHT && !t->rows && !t->cols)
			return trace_errf(err, errlen, "%s: role=weight requires shape=NxK", ctx);
		if (!trace_size_ok(t->rows) || !trace_size_ok(t->cols))
			return trace_errf(err, errlen,
			                  "%s: shape=%" PRIu64 "x%" PRIu64
			                  ": dimensions must be integers >= 1 and below 2^63",
			                  ctx, t->rows, t->cols);
		uint64_t f[] = { t->rows, t->cols }, p;
		if (trace_product_u63(f, 2, &p))
			return trace_errf(err, errlen,
			                  "%s: shape=%" PRIu64 "x%" PRIu64
			                  ": rows*cols overflows 63 bits",
			                  ctx, t->rows, t->cols);
	}
	if (trace_sparsity_check(&t->sp, v, sizeof v)) {
		char s[256];
		trace_sparsity_format(&t->sp, s, sizeof s);
		return trace_errf(err, errlen, "%s: sp=%s: %s", ctx, s, v);
	}
	char q[256];
	trace_quant_format(&t->q, q, sizeof q);
	if (trace_quant_check(&t->q, v, sizeof v))
		return trace_errf(err, errlen, "%s: q=%s: %s", ctx, q, v);
	if (t->q.kind != TRACE_Q_NONE && trace_dtype_block(t->dtype))
		return trace_errf(err, errlen,
		                  "%s: q=%s: dtype %s has its own block scaling; q= is not allowed "
		                  "on mx* and nvfp4 dtypes",
		                  ctx, q, trace_dtype_name(t->dtype));
	return 0;
}

static int trace_check_common(const struct trace_op *op, const char *ctx, char *err, size_t errlen)
{
	if (op->layer < -1)
		return trace_errf(err, errlen, "%s: layer=%" PRId64 ": must be an integer >= 0",
		                  ctx, op->layer);
	if (op->has_dur && op->dur_ns > INT64_MAX)
		return trace_errf(
		    err, errlen, "%s: dur_ns=%" PRIu64 ": too large (integers must fit in 63 bits)",
		    ctx, op->dur_ns);
	if (!op->name)
		return 0; /* no name: as if absent */
	if (strlen(op->name) > TRACE_LINE_MAX)
		return trace_errf(err, errlen, "%s: name: longer than a line", ctx);
	for (const char *p = op->name; *p; p++)
		if (*p <= ' ' || *p > '~' || *p == '#')
			return trace_errf(err, errlen,
			                  "%s: name=" TRACE_CLIP
			                  ": only printable ASCII without spaces or '#' is allowed",
			                  ctx, TRACE_CLIP_ARG(op->name));
	return 0;
}

static int trace_gemm_check(const struct trace_op *op, char *err, size_t errlen)
{
	const char *ctx = "gemm";
	uint64_t f[] = { op->gemm.m, op->gemm.n, op->gemm.k, op->gemm.count }, p;
	const char *keys[] = { "m", "n", "k", "count" };
	char d[40];

	for (size_t i = 0; i < 4; i++)
		if (trace_check_size(err, errlen, ctx, keys[i], f[i]))
			return -1;
	if (trace_product_u63(f, 4, &p))
		return trace_errf(err, errlen,
		                  "gemm: m*n*k*count overflows 63 bits (m=%" PRIu64 " n=%" PRIu64
		                  " k=%" PRIu64 " count=%" PRIu64 ")",
		                  f[0], f[1], f[2], f[3]);
	const struct trace_tensor *w = op->gemm.w;
	if (w) {
		const char *id = w->id ? w->id : "";
		if (w->role != TRACE_ROLE_WEIGHT)
			return trace_errf(err, errlen,
			                  "gemm: w=" TRACE_CLIP
			                  ": tensor has role=%s; w= must name a "
			                  "tensor with role=weight",
			                  TRACE_CLIP_ARG(id), trace_role_name(w->role));
		if (w->rows != op->gemm.n || w->cols != op->gemm.k)
			return trace_errf(err, errlen,
			                  "gemm: w=" TRACE_CLIP ": shape %" PRIu64 "x%" PRIu64
			                  " does not match n x k = %" PRIu64 "x%" PRIu64,
			                  TRACE_CLIP_ARG(id), w->rows, w->cols, op->gemm.n,
			                  op->gemm.k);
	} else if (trace_check_dtype(err, errlen, ctx, "b", op->gemm.b)) {
		return -1;
	}
	if (trace_check_dtype(err, errlen, ctx, "a", op->gemm.a) ||
	    trace_check_dtype(err, errlen, ctx, "out", op->gemm.out))
		return -1;
	if (!trace_fraction_ok(op->gemm.asp))
		return trace_errf(err, errlen, "gemm: asp=%s: must be a real in (0,1]",
		                  trace_real_text(op->gemm.asp, d, sizeof d));
	return 0;
}

static int trace_attn_check(const struct trace_op *op, char *err, size_t errlen)
{
	const char *ctx = "attn";
	const char *keys[] = { "b", "hq", "hkv", "d", "sq", "skv" };
	uint64_t v[] = { op->attn.b, op->attn.hq, op->attn.hkv,
		         op->attn.d, op->attn.sq, op->attn.skv };
	char why[256];

	for (size_t i = 0; i < 6; i++)
		if (trace_check_size(err, errlen, ctx, keys[i], v[i]))
			return -1;
	if (op->attn.hq % op->attn.hkv)
		return trace_errf(err, errlen,
		                  "attn: hq=%" PRIu64 " is not a multiple of hkv=%" PRIu64,
		                  op->attn.hq, op->attn.hkv);
	uint64_t f[] = { op->attn.b, op->attn.hq, op->attn.sq, op->attn.skv, op->attn.d }, p;
	if (trace_product_u63(f, 5, &p))
		return trace_errf(err, errlen,
		                  "attn: b*hq*sq*skv*d overflows 63 bits (b=%" PRIu64 " hq=%" PRIu64
		                  " sq=%" PRIu64 " skv=%" PRIu64 " d=%" PRIu64 ")",
		                  f[0], f[1], f[2], f[3], f[4]);
	const struct trace_tensor *kv = op->attn.kv;
	if (kv && kv->role != TRACE_ROLE_KV)
		return trace_errf(err, errlen,
		                  "attn: kv=" TRACE_CLIP
		                  ": tensor has role=%s; kv= must name a tensor "
		                  "with role=kv",
		                  TRACE_CLIP_ARG(kv->id ? kv->id : ""), trace_role_name(kv->role));
	if (trace_check_dtype(err, errlen, ctx, "q", op->attn.q))
		return -1;
	if (trace_pattern_check(&op->attn.pat, why, sizeof why)) {
		char s[256];
		trace_pattern_format(&op->attn.pat, s, sizeof s);
		return trace_errf(err, errlen, "attn: pat=%s: %s", s, why);
	}
	return 0;
}

static int trace_vec_check(const struct trace_op *op, char *err, size_t errlen)
{
	const char *ctx = "vec";
	if ((unsigned)op->vec.kind >= TRACE_VEC_COUNT)
		return trace_errf(err, errlen, "vec: kind: invalid value %d", (int)op->vec.kind);
	uint64_t f[] = { op->vec.rows, op->vec.cols, op->vec.inputs }, p;
	if (trace_check_size(err, errlen, ctx, "rows", f[0]) ||
	    trace_check_size(err, errlen, ctx, "cols", f[1]) ||
	    trace_check_size(err, errlen, ctx, "inputs", f[2]))
		return -1;
	if (trace_product_u63(f, 3, &p))
		return trace_errf(err, errlen,
		                  "vec: rows*cols*inputs overflows 63 bits (rows=%" PRIu64
		                  " cols=%" PRIu64 " inputs=%" PRIu64 ")",
		                  f[0], f[1], f[2]);
	return trace_check_dtype(err, errlen, ctx, "dtype", op->vec.dtype);
}

static int trace_coll_check(const struct trace_op *op, char *err, size_t errlen)
{
	const char *ctx = "coll";
	if ((unsigned)op->coll.kind >= TRACE_COLL_COUNT)
		return trace_errf(err, errlen, "coll: kind: invalid value %d", (int)op->coll.kind);
	uint64_t f[] = { op->coll.bytes, op->coll.ranks }, p;
	if (trace_check_size(err, errlen, ctx, "bytes", f[0]) ||
	    trace_check_size(err, errlen, ctx, "ranks", f[1]))
		return -1;
	if (trace_product_u63(f, 2, &p))
		return trace_errf(err, errlen,
		                  "coll: bytes*ranks overflows 63 bits (bytes=%" PRIu64
		                  " ranks=%" PRIu64 ")",
		                  f[0], f[1]);
	return 0;
}

int trace_op_check(const struct trace_op *op, char *err, size_t errlen)
{
	if ((unsigned)op->type >= TRACE_OP_COUNT)
		return trace_errf(err, errlen, "op: invalid type %d", (int)op->type);
	if (trace_check_common(op, trace_op_type_name(op->type), err, errlen))
		return -1;
	switch (op->type) {
	case TRACE_OP_GEMM: return trace_gemm_check(op, err, errlen);
	case TRACE_OP_ATTN: return trace_attn_check(op, err, errlen);
	case TRACE_OP_VEC: return trace_vec_check(op, err, errlen);
	default: return trace_coll_check(op, err, errlen);
	}
}

int trace_step_check(const struct trace_step *s, char *err, size_t errlen)
{
	if ((unsigned)s->kind >= TRACE_STEP_COUNT)
		return trace_errf(err, errlen, "step: kind: invalid value %d", (int)s->kind);
	if (s->tokens > INT64_MAX || s->batch > INT64_MAX)
		return trace_errf(err, errlen,
		                  "step: tokens/batch too large (integers must fit in 63 bits)");
	/* The step's tokens are tokens x batch (reports count them): that must fit too. */
	uint64_t both;
	if (checked_mul_u64(s->tokens ? s->tokens : 1, s->batch ? s->batch : 1, &both) ||
	    both > INT64_MAX)
		return trace_errf(err, errlen,
		                  "step: tokens=%llu x batch=%llu is beyond 2^63",
		                  (unsigned long long)s->tokens, (unsigned long long)s->batch);
	return 0;
}
