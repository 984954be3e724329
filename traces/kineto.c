/* kineto — PyTorch profiler (Chrome-trace JSON) to simtrace v1. See kineto.h and docs/kineto.md.
 *
 * The import runs in passes over the parsed document: collect the cpu_ops, runtime calls,
 * device events and ProfilerStep spans; nest the cpu_ops of each thread by time (a child lies
 * inside its parent's ts..ts+dur); link every device event to the cpu_op that launched it;
 * walk each thread's ops in time order, writing a mapped op with its whole subtree's device
 * time and skipping what it contains; sort what was written by start time; write. */
#include "traces/kineto.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

#include "sim/checked.h"

#define KINETO_NONE      SIZE_MAX
#define KINETO_MAX_RANK  16
#define KINETO_CHUNK     (1 << 20)
#define KINETO_DEPTH     64   /* JSON nesting accepted (Chrome traces use about 6) */
#define KINETO_OPNAME    200  /* longest name= written; longer operator names are cut */
#define KINETO_META_LIST 3000 /* bytes of the unmapped= list before it is cut short */

/* ---- What each operator name becomes ---- */

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

/* clang-format off */
#define KINETO_GEMM(n, f)             { n, KINETO_C_GEMM, f, TRACE_VEC_COUNT, -1, -1 }
#define KINETO_ATTN(n, f, causal, cu) { n, KINETO_C_ATTN, f, TRACE_VEC_COUNT, causal, cu }
#define KINETO_VEC(n, f, kind)        { n, KINETO_C_VEC, f, kind, -1, -1 }
#define KINETO_IGNORE(n)              { n, KINETO_C_IGNORE, KINETO_F_NONE, TRACE_VEC_COUNT, -1, -1 }
/* clang-format on */

/* Every operator the importer knows; any other name is unmapped (listed). Causal indices from
 * the schemas: scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal, ...),
 * _scaled_dot_product_flash_attention(q, k, v, dropout_p, is_causal, ...),
 * _scaled_dot_product_{efficient,cudnn}_attention(q, k, v, attn_bias, compute_log_sumexp,
 * dropout_p, is_causal, ...), _flash_attention_forward(q, k, v, cum_seq_q, cum_seq_k, max_q,
 * max_k, dropout_p, is_causal, ...), _efficient_attention_forward(..., dropout_p,
 * custom_mask_type, ...), flash_attn::_flash_attn_forward(q, k, v, dropout_p, softmax_scale,
 * causal, ...), flash_attn::_flash_attn_varlen_forward(q, k, v, cu_seqlens_q, cu_seqlens_k,
 * max_seqlen_q, max_seqlen_k, dropout_p, softmax_scale, causal, ...). */
static const struct kineto_map kineto_maps[] = {
	KINETO_GEMM("aten::linear", KINETO_F_LINEAR),
	KINETO_GEMM("aten::mm", KINETO_F_MM),
	KINETO_GEMM("aten::addmm", KINETO_F_ADDMM),
	KINETO_GEMM("aten::_addmm_activation", KINETO_F_ADDMM),
	KINETO_GEMM("aten::bmm", KINETO_F_BMM),
	KINETO_GEMM("aten::baddbmm", KINETO_F_BADDBMM),
	KINETO_GEMM("aten::matmul", KINETO_F_MATMUL),
	KINETO_GEMM("aten::_scaled_mm", KINETO_F_SCALED_MM),
	KINETO_GEMM("aten::_int_mm", KINETO_F_INT_MM),
	KINETO_GEMM("aten::_cslt_sparse_mm", KINETO_F_CSLT),
	KINETO_GEMM("aten::_sparse_semi_structured_linear", KINETO_F_SEMI_LINEAR),

	KINETO_ATTN("aten::scaled_dot_product_attention", KINETO_F_BHSD, 5, -1),
	KINETO_ATTN("aten::_scaled_dot_product_flash_attention", KINETO_F_BHSD, 4, -1),
	KINETO_ATTN("aten::_scaled_dot_product_flash_attention_for_cpu", KINETO_F_BHSD, 4, -1),
	KINETO_ATTN("aten::_scaled_dot_product_efficient_attention", KINETO_F_BHSD, 6, -1),
	KINETO_ATTN("aten::_scaled_dot_product_cudnn_attention", KINETO_F_BHSD, 6, -1),
	KINETO_ATTN("aten::_flash_attention_forward", KINETO_F_BSHD, 8, -1),
	KINETO_ATTN("aten::_efficient_attention_forward", KINETO_F_BSHD, 9, -1),
	KINETO_ATTN("flash_attn::_flash_attn_forward", KINETO_F_BSHD, 5, -1),
	KINETO_ATTN("flash_attn::_flash_attn_varlen_forward", KINETO_F_VARLEN, 9, 3),

	KINETO_VEC("aten::layer_norm", KINETO_F_FIRST, TRACE_VEC_LAYERNORM),
	KINETO_VEC("aten::native_layer_norm", KINETO_F_FIRST, TRACE_VEC_LAYERNORM),
	KINETO_VEC("aten::rms_norm", KINETO_F_FIRST, TRACE_VEC_RMSNORM),
	KINETO_VEC("aten::_fused_rms_norm", KINETO_F_FIRST, TRACE_VEC_RMSNORM),
	KINETO_VEC("aten::softmax", KINETO_F_FIRST, TRACE_VEC_SOFTMAX),
	KINETO_VEC("aten::_softmax", KINETO_F_FIRST, TRACE_VEC_SOFTMAX),
	KINETO_VEC("aten::_safe_softmax", KINETO_F_FIRST, TRACE_VEC_SOFTMAX),
	KINETO_VEC("aten::log_softmax", KINETO_F_FIRST, TRACE_VEC_SOFTMAX),
	KINETO_VEC("aten::_log_softmax", KINETO_F_FIRST, TRACE_VEC_SOFTMAX),
	KINETO_VEC("aten::gelu", KINETO_F_FIRST, TRACE_VEC_GELU),
	KINETO_VEC("aten::gelu_", KINETO_F_FIRST, TRACE_VEC_GELU),
	KINETO_VEC("aten::silu", KINETO_F_FIRST, TRACE_VEC_SILU),
	KINETO_VEC("aten::silu_", KINETO_F_FIRST, TRACE_VEC_SILU),
	KINETO_VEC("aten::relu", KINETO_F_FIRST, TRACE_VEC_RELU),
	KINETO_VEC("aten::relu_", KINETO_F_FIRST, TRACE_VEC_RELU),
	KINETO_VEC("aten::embedding", KINETO_F_EMBED, TRACE_VEC_EMBED),
	KINETO_VEC("aten::copy_", KINETO_F_FIRST, TRACE_VEC_COPY),
	KINETO_VEC("aten::cat", KINETO_F_CAT, TRACE_VEC_COPY),
	KINETO_VEC("aten::add", KINETO_F_ELEMENTWISE, TRACE_VEC_ADD),
	KINETO_VEC("aten::add_", KINETO_F_ELEMENTWISE, TRACE_VEC_ADD),
	KINETO_VEC("aten::sub", KINETO_F_ELEMENTWISE, TRACE_VEC_ADD),
	KINETO_VEC("aten::sub_", KINETO_F_ELEMENTWISE, TRACE_VEC_ADD),
	KINETO_VEC("aten::rsub", KINETO_F_ELEMENTWISE, TRACE_VEC_ADD),
	KINETO_VEC("aten::mul", KINETO_F_ELEMENTWISE, TRACE_VEC_MUL),
	KINETO_VEC("aten::mul_", KINETO_F_ELEMENTWISE, TRACE_VEC_MUL),
	KINETO_VEC("aten::div", KINETO_F_ELEMENTWISE, TRACE_VEC_MUL),
	KINETO_VEC("aten::div_", KINETO_F_ELEMENTWISE, TRACE_VEC_MUL),
	/* One-input element-wise math: read one tensor, write one, like a one-input mul. */
	KINETO_VEC("aten::neg", KINETO_F_ELEMENTWISE, TRACE_VEC_MUL),
	KINETO_VEC("aten::pow", KINETO_F_ELEMENTWISE, TRACE_VEC_MUL),
	KINETO_VEC("aten::rsqrt", KINETO_F_ELEMENTWISE, TRACE_VEC_MUL),
	KINETO_VEC("aten::sqrt", KINETO_F_ELEMENTWISE, TRACE_VEC_MUL),
	KINETO_VEC("aten::exp", KINETO_F_ELEMENTWISE, TRACE_VEC_MUL),
	KINETO_VEC("aten::reciprocal", KINETO_F_ELEMENTWISE, TRACE_VEC_MUL),
	KINETO_VEC("aten::abs", KINETO_F_ELEMENTWISE, TRACE_VEC_MUL),
	KINETO_VEC("aten::cos", KINETO_F_ELEMENTWISE, TRACE_VEC_MUL),
	KINETO_VEC("aten::sin", KINETO_F_ELEMENTWISE, TRACE_VEC_MUL),
	KINETO_VEC("aten::tanh", KINETO_F_ELEMENTWISE, TRACE_VEC_MUL),
	KINETO_VEC("aten::sigmoid", KINETO_F_ELEMENTWISE, TRACE_VEC_MUL),

	/* No device work of their own: their children, if any, are looked at. One that does
	 * launch work itself is listed as unmapped. */
	KINETO_IGNORE("aten::view"),
	KINETO_IGNORE("aten::_unsafe_view"),
	KINETO_IGNORE("aten::view_as"),
	KINETO_IGNORE("aten::reshape"),
	KINETO_IGNORE("aten::_reshape_alias"),
	KINETO_IGNORE("aten::flatten"),
	KINETO_IGNORE("aten::unflatten"),
	KINETO_IGNORE("aten::t"),
	KINETO_IGNORE("aten::transpose"),
	KINETO_IGNORE("aten::permute"),
	KINETO_IGNORE("aten::expand"),
	KINETO_IGNORE("aten::expand_as"),
	KINETO_IGNORE("aten::as_strided"),
	KINETO_IGNORE("aten::slice"),
	KINETO_IGNORE("aten::select"),
	KINETO_IGNORE("aten::narrow"),
	KINETO_IGNORE("aten::squeeze"),
	KINETO_IGNORE("aten::unsqueeze"),
	KINETO_IGNORE("aten::split"),
	KINETO_IGNORE("aten::split_with_sizes"),
	KINETO_IGNORE("aten::chunk"),
	KINETO_IGNORE("aten::unbind"),
	KINETO_IGNORE("aten::detach"),
	KINETO_IGNORE("aten::detach_"),
	KINETO_IGNORE("aten::alias"),
	KINETO_IGNORE("aten::lift_fresh"),
	KINETO_IGNORE("aten::empty"),
	KINETO_IGNORE("aten::empty_like"),
	KINETO_IGNORE("aten::empty_strided"),
	KINETO_IGNORE("aten::new_empty"),
	KINETO_IGNORE("aten::new_empty_strided"),
	KINETO_IGNORE("aten::resize_"),
	KINETO_IGNORE("aten::result_type"),
	KINETO_IGNORE("aten::contiguous"), /* a copying one does it in a copy_ child */
	KINETO_IGNORE("aten::clone"),      /* likewise */
	KINETO_IGNORE("aten::to"),         /* likewise (_to_copy -> copy_) */
	KINETO_IGNORE("aten::_to_copy"),
	KINETO_IGNORE("aten::dropout"), /* identity at inference; training dropout's kernels are
					   in its children */
	KINETO_IGNORE("aten::feature_dropout"),
};

static const struct kineto_map *kineto_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof kineto_maps / sizeof kineto_maps[0]; i++)
		if (!strcmp(kineto_maps[i].name, name))
			return &kineto_maps[i];
	/* flash-attn's other forward entry points (flash_attn_func, vLLM's wrappers...): Q and K
	 * in [B,S,H,D], the mask not known. */
	static const struct kineto_map flash = KINETO_ATTN("flash_attn*", KINETO_F_BSHD, -1, -1);
	if (strstr(name, "flash_attn") && !strstr(name, "backward") && !strstr(name, "bwd"))
		return &flash;
	return NULL;
}

/* "Input type" strings (c10 type names) to spec dtypes. exact: the element type itself;
 * otherwise a stand-in of the same width (or narrower: 64-bit types are priced as 32-bit),
 * accepted for vec ops only. */
static const struct {
	const char *name;
	enum trace_dtype dt;
	bool exact;
} kineto_types[] = {
	{ "c10::Half", TRACE_DT_FP16, true },
	{ "Half", TRACE_DT_FP16, true },
	{ "float16", TRACE_DT_FP16, true },
	{ "c10::BFloat16", TRACE_DT_BF16, true },
	{ "BFloat16", TRACE_DT_BF16, true },
	{ "bfloat16", TRACE_DT_BF16, true },
	{ "float", TRACE_DT_FP32, true },
	{ "Float", TRACE_DT_FP32, true },
	{ "float32", TRACE_DT_FP32, true },
	{ "signed char", TRACE_DT_INT8, true },
	{ "int8", TRACE_DT_INT8, true },
	{ "Char", TRACE_DT_INT8, true },
	{ "c10::Float8_e4m3fn", TRACE_DT_FP8E4M3, true },
	{ "c10::Float8_e4m3fnuz", TRACE_DT_FP8E4M3, true },
	{ "float8_e4m3fn", TRACE_DT_FP8E4M3, true },
	{ "c10::Float8_e5m2", TRACE_DT_FP8E5M2, true },
	{ "c10::Float8_e5m2fnuz", TRACE_DT_FP8E5M2, true },
	{ "float8_e5m2", TRACE_DT_FP8E5M2, true },
	{ "int", TRACE_DT_FP32, false },
	{ "unsigned int", TRACE_DT_FP32, false },
	{ "long int", TRACE_DT_FP32, false },
	{ "double", TRACE_DT_FP32, false },
	{ "short int", TRACE_DT_FP16, false },
	{ "unsigned char", TRACE_DT_INT8, false },
	{ "bool", TRACE_DT_INT8, false },
};

/* A type name: 0 and *dt, or -1 (unknown, or a stand-in when exact is asked for). */
static int kineto_dtype(const char *name, bool exact, enum trace_dtype *dt)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < sizeof kineto_types / sizeof kineto_types[0]; i++)
		if (!strcmp(kineto_types[i].name, name)) {
			if (exact && !kineto_types[i].exact)
				return -1;
			*dt = kineto_types[i].dt;
			return 0;
		}
	return -1;
}

/* An out_dtype argument, recorded as its c10::ScalarType number (c10/core/ScalarType.h). */
static int kineto_scalar_type(const char *text, enum trace_dtype *dt)
{
	static const struct {
		int code;
		enum trace_dtype dt;
	} codes[] = {
		{ 1, TRACE_DT_INT8 },     { 3, TRACE_DT_FP32 }, /* Int (int32): same width */
		{ 5, TRACE_DT_FP16 },     { 6, TRACE_DT_FP32 },     { 15, TRACE_DT_BF16 },
		{ 23, TRACE_DT_FP8E5M2 }, { 24, TRACE_DT_FP8E4M3 }, { 25, TRACE_DT_FP8E5M2 },
		{ 26, TRACE_DT_FP8E4M3 },
	};
	if (!text || !*text)
		return -1;
	char *end;
	long v = strtol(text, &end, 10);
	if (*end)
		return -1;
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (codes[i].code == v) {
			*dt = codes[i].dt;
			return 0;
		}
	return -1;
}

static void kineto_stats_free(struct kineto_stats *st);

/* ---- The parsed trace ---- */

struct kineto_op {
	const char *name;
	json_object *args; /* NULL when the event has none */
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
};

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
	json_object *doc, *events;
	size_t nevents;
	struct kineto_op *ops;
	size_t nops, cops;
	char **threads;
	size_t nthreads, cthreads;
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
	const char *device_name;
};

__attribute__((format(printf, 2, 3))) static int kineto_fail(struct kineto *c, const char *fmt, ...)
{
	int n = snprintf(c->err, c->errlen, "%s: ", c->shown);
	if (n >= 0 && (size_t)n < c->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* "FILE: traceEvents[I] NAME: what" */
__attribute__((format(printf, 3, 4))) static int kineto_fail_op(struct kineto *c, size_t i,
                                                                const char *fmt, ...)
{
	const struct kineto_op *op = &c->ops[i];
	int n =
	    snprintf(c->err, c->errlen, "%s: traceEvents[%zu] %s: ", c->shown, op->index, op->name);
	if (n >= 0 && (size_t)n < c->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* The array p (cap elements of size bytes, n used) with room for one more: p itself, or a
 * larger copy (cap updated); NULL when out of memory, p then untouched. */
static void *kineto_grow(void *p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return p;
	size_t ncap = *cap ? *cap * 2 : 64;
	void *q = realloc(p, ncap * size);
	if (q)
		*cap = ncap;
	return q;
}

/* ---- Reading ---- */

/* The whole document, gzip or plain (zlib tells them apart by the magic bytes), fed to
 * json-c in chunks. */
static int kineto_read(struct kineto *c)
{
	int rc = -1;
	gzFile gz = NULL;
	json_tokener *tok = NULL;
	char *buf = NULL;
	bool done = false, any = false;
	int fd = strcmp(c->path, "-") ? open(c->path, O_RDONLY) : dup(STDIN_FILENO);
	if (fd < 0) {
		kineto_fail(c, "cannot open: %s", strerror(errno));
		goto fail;
	}
	gz = gzdopen(fd, "rb");
	tok = json_tokener_new_ex(KINETO_DEPTH);
	buf = malloc(KINETO_CHUNK);
	if (!gz || !tok || !buf) {
		if (!gz)
			close(fd);
		kineto_fail(c, "out of memory");
		goto fail;
	}
	for (;;) {
		int n = gzread(gz, buf, KINETO_CHUNK);
		int zerr = Z_OK;
		const char *zmsg = gzerror(gz, &zerr), *colon = strstr(zmsg, ": ");
		if (colon)
			zmsg = colon + 2; /* zlib names the descriptor ("<fd:3>: ...") */
		if (n < 0 || (zerr != Z_OK && zerr != Z_STREAM_END)) {
			if (zerr == Z_ERRNO)
				kineto_fail(c, "cannot read: %s", strerror(errno));
			else if (zerr == Z_BUF_ERROR)
				kineto_fail(c, "truncated gzip data (%s)", zmsg);
			else
				kineto_fail(c, "damaged gzip data (%s)", zmsg);
			goto fail;
		}
		if (n == 0)
			break;
		any = true;
		size_t from = 0;
		if (!done) {
			c->doc = json_tokener_parse_ex(tok, buf, n);
			enum json_tokener_error je = json_tokener_get_error(tok);
			if (je == json_tokener_continue)
				continue;
			if (je != json_tokener_success) {
				kineto_fail(c, "not a Chrome-trace JSON: %s",
				            json_tokener_error_desc(je));
				goto fail;
			}
			done = true;
			from = json_tokener_get_parse_end(tok);
		}
		for (size_t i = from; i < (size_t)n; i++)
			if (!strchr(" \t\r\n", buf[i])) {
				kineto_fail(
				    c,
				    "not a Chrome-trace JSON: data after the end of the document");
				goto fail;
			}
	}
	if (!done) {
		kineto_fail(c, "not a Chrome-trace JSON: %s",
		            any ? "the document ends early" : "empty file");
		goto fail;
	}
	rc = 0;
fail:
	if (gz)
		gzclose(gz);
	if (tok)
		json_tokener_free(tok);
	free(buf);
	return rc;
}

static json_object *kineto_get(json_object *o, const char *key)
{
	json_object *v = NULL;
	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static const char *kineto_get_string(json_object *o, const char *key)
{
	json_object *v = kineto_get(o, key);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* A positive integer id (External id, correlation); 0 when absent or not one. */
static int64_t kineto_get_id(json_object *o, const char *key)
{
	json_object *v = kineto_get(o, key);
	if (!v || !json_object_is_type(v, json_type_int))
		return 0;
	int64_t x = json_object_get_int64(v);
	return x > 0 ? x : 0;
}

/* A Kineto time in microseconds as integer nanoseconds. Read from the number's text, so that
 * epoch timestamps (~10^15 us, beyond a double's nanosecond resolution) keep their digits. */
static int kineto_get_ns(json_object *o, const char *key, int64_t *out)
{
	json_object *v = kineto_get(o, key);
	if (!v)
		return -1;
	if (json_object_is_type(v, json_type_int)) {
		int64_t x = json_object_get_int64(v);
		if (x > INT64_MAX / 1000 || x < INT64_MIN / 1000)
			return -1;
		*out = x * 1000;
		return 0;
	}
	if (!json_object_is_type(v, json_type_double))
		return -1;
	const char *s = json_object_get_string(v);
	bool neg = *s == '-';
	s += neg;
	int64_t whole = 0, frac = 0;
	int digits = 0;
	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		if (whole > (INT64_MAX / 1000 - 9) / 10)
			return -1;
		whole = whole * 10 + (*s - '0');
	}
	if (*s == '.') {
		s++;
		int scale = 100;
		for (; *s >= '0' && *s <= '9'; s++, digits++) {
			if (scale >= 1)
				frac += scale * (*s - '0');
			else if (scale == 0 && *s >= '5')
				frac++; /* round half up on the fourth decimal */
			scale = scale >= 1 ? scale / 10 : -1;
		}
	}
	if (*s || !digits) {
		/* an exponent form: the double is all there is */
		double d = json_object_get_double(v) * 1000.0;
		if (!(d > -9.2e18 && d < 9.2e18))
			return -1;
		*out = (int64_t)(d < 0 ? d - 0.5 : d + 0.5);
		return 0;
	}
	int64_t ns = whole * 1000 + frac;
	*out = neg ? -ns : ns;
	return 0;
}

static uint32_t kineto_thread(struct kineto *c, json_object *ev, bool add)
{
	json_object *pid = kineto_get(ev, "pid"), *tid = kineto_get(ev, "tid");
	const char *p = pid ? json_object_get_string(pid) : "",
	           *t = tid ? json_object_get_string(tid) : "";
	size_t len = strlen(p) + strlen(t) + 2;
	char *key = malloc(len);
	if (!key)
		return UINT32_MAX - 1;
	snprintf(key, len, "%s\x1f%s", p, t);
	for (size_t i = 0; i < c->nthreads; i++)
		if (!strcmp(c->threads[i], key)) {
			free(key);
			return (uint32_t)i;
		}
	if (!add || c->nthreads >= UINT32_MAX - 2) {
		free(key);
		return UINT32_MAX;
	}
	void *grown = kineto_grow(c->threads, &c->cthreads, c->nthreads, sizeof *c->threads);
	if (!grown) {
		free(key);
		return UINT32_MAX - 1;
	}
	c->threads = grown;
	c->threads[c->nthreads] = key;
	return (uint32_t)c->nthreads++;
}

static bool kineto_cat_is(const char *cat, const char *const *names)
{
	for (; *names; names++)
		if (!strcasecmp(cat, *names))
			return true;
	return false;
}

/* One pass over traceEvents: cpu_ops, runtime calls, device events, ProfilerStep spans. */
static int kineto_collect(struct kineto *c)
{
	static const char *const op_cats[] = { "cpu_op", "operator", NULL };
	static const char *const launch_cats[] = { "cuda_runtime", "cuda_driver", "runtime", NULL };
	static const char *const dev_cats[] = { "kernel", "gpu_memcpy", "gpu_memset",
		                                "memcpy", "memset",     NULL };
	for (size_t i = 0; i < c->nevents; i++) {
		json_object *ev = json_object_array_get_idx(c->events, i);
		if (!ev || !json_object_is_type(ev, json_type_object))
			return kineto_fail(
			    c, "not a Chrome-trace JSON: traceEvents[%zu] is not an object", i);
		const char *cat = kineto_get_string(ev, "cat"), *ph = kineto_get_string(ev, "ph");
		if (!cat || !ph || strcmp(ph, "X"))
			continue;
		const char *name = kineto_get_string(ev, "name");
		json_object *args = kineto_get(ev, "args");
		int64_t ts = 0, dur = 0;
		bool timed =
		    !kineto_get_ns(ev, "ts", &ts) && !kineto_get_ns(ev, "dur", &dur) && dur >= 0;
		if (kineto_cat_is(cat, op_cats)) {
			if (!name || !timed)
				return kineto_fail(
				    c, "traceEvents[%zu] (%s): cpu_op without a name, ts or dur", i,
				    name ? name : "?");
			void *grown = kineto_grow(c->ops, &c->cops, c->nops, sizeof *c->ops);
			if (!grown)
				return kineto_fail(c, "out of memory");
			c->ops = grown;
			uint32_t th = kineto_thread(c, ev, true);
			if (th == UINT32_MAX - 1 || th == UINT32_MAX)
				return kineto_fail(c, "out of memory");
			struct kineto_op *op = &c->ops[c->nops++];
			memset(op, 0, sizeof *op);
			op->name = name;
			op->args =
			    args && json_object_is_type(args, json_type_object) ? args : NULL;
			op->index = i;
			op->ts = ts;
			op->end = ts + dur;
			op->thread = th;
			op->ext = kineto_get_id(args, "External id");
			op->parent = KINETO_NONE;
			op->map = kineto_lookup(name);
		} else if (kineto_cat_is(cat, launch_cats)) {
			if (!timed)
				continue;
			void *grown = kineto_grow(c->launches, &c->claunches, c->nlaunches,
			                          sizeof *c->launches);
			if (!grown)
				return kineto_fail(c, "out of memory");
			c->launches = grown;
			struct kineto_launch *l = &c->launches[c->nlaunches++];
			l->corr = kineto_get_id(args, "correlation");
			l->ext = kineto_get_id(args, "External id");
			l->ts = ts;
			l->thread = UINT32_MAX; /* resolved once every cpu_op thread is known */
			l->index = i;
		} else if (kineto_cat_is(cat, dev_cats)) {
			if (!timed)
				return kineto_fail(
				    c, "traceEvents[%zu] (%s): device event without ts or dur", i,
				    name ? name : "?");
			void *grown = kineto_grow(c->devs, &c->cdevs, c->ndevs, sizeof *c->devs);
			if (!grown)
				return kineto_fail(c, "out of memory");
			c->devs = grown;
			struct kineto_device *d = &c->devs[c->ndevs++];
			d->ext = kineto_get_id(args, "External id");
			d->corr = kineto_get_id(args, "correlation");
			d->dur = (uint64_t)dur;
		} else if (!strcmp(cat, "user_annotation") && name &&
		           !strncmp(name, "ProfilerStep#", 13) && timed) {
			void *grown =
			    kineto_grow(c->spans, &c->cspans, c->nspans, sizeof *c->spans);
			if (!grown)
				return kineto_fail(c, "out of memory");
			c->spans = grown;
			c->spans[c->nspans++] = (struct kineto_span){ ts, ts + dur, i };
		}
	}
	/* The launching threads, now that every cpu_op thread is known. */
	for (size_t i = 0; i < c->nlaunches; i++) {
		json_object *ev = json_object_array_get_idx(c->events, c->launches[i].index);
		uint32_t th = kineto_thread(c, ev, false);
		if (th == UINT32_MAX - 1)
			return kineto_fail(c, "out of memory");
		c->launches[i].thread = th;
	}
	return 0;
}

/* ---- Nesting and linking ---- */

static int kineto_op_cmp(const void *pa, const void *pb)
{
	const struct kineto_op *a = pa, *b = pb;
	if (a->thread != b->thread)
		return a->thread < b->thread ? -1 : 1;
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if (a->end != b->end)
		return a->end > b->end ? -1 : 1; /* the enclosing op first */
	return a->index < b->index ? -1 : a->index > b->index;
}

static int kineto_ext_cmp(const void *pa, const void *pb)
{
	const struct kineto_ext *a = pa, *b = pb;
	if (a->ext != b->ext)
		return a->ext < b->ext ? -1 : 1;
	return a->op < b->op ? -1 : a->op > b->op;
}

static int kineto_launch_cmp(const void *pa, const void *pb)
{
	const struct kineto_launch *a = pa, *b = pb;
	if (a->corr != b->corr)
		return a->corr < b->corr ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

static int kineto_span_cmp(const void *pa, const void *pb)
{
	const struct kineto_span *a = pa, *b = pb;
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/* Sorts each thread's ops by time and nests them: a parent holds its children's ts..end.
 * Each subtree is then contiguous: op i and the size-1 ops after it. */
static int kineto_nest(struct kineto *c)
{
	if (!c->nops)
		return 0;
	qsort(c->ops, c->nops, sizeof *c->ops, kineto_op_cmp);
	size_t *stack = malloc(c->nops * sizeof *stack), depth = 0;
	if (!stack)
		return kineto_fail(c, "out of memory");
	for (size_t i = 0; i < c->nops; i++) {
		struct kineto_op *op = &c->ops[i];
		op->size = 1;
		while (depth) {
			const struct kineto_op *top = &c->ops[stack[depth - 1]];
			if (top->thread == op->thread && op->ts >= top->ts && op->end <= top->end)
				break;
			depth--;
		}
		op->parent = depth ? stack[depth - 1] : KINETO_NONE;
		stack[depth++] = i;
	}
	free(stack);
	for (size_t i = c->nops; i-- > 0;) {
		const struct kineto_op *op = &c->ops[i];
		if (op->parent == KINETO_NONE)
			continue;
		struct kineto_op *p = &c->ops[op->parent];
		p->size += op->size;
		if ((op->map && op->map->cls != KINETO_C_IGNORE) || op->mapped_below)
			p->mapped_below = true;
	}
	return 0;
}

/* The innermost op of thread th that holds time t, or KINETO_NONE. */
static size_t kineto_op_at(const struct kineto *c, uint32_t th, int64_t t)
{
	size_t lo = 0, hi = c->nops; /* first op with (thread, ts) > (th, t) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct kineto_op *m = &c->ops[mid];
		if (m->thread < th || (m->thread == th && m->ts <= t))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || c->ops[lo - 1].thread != th)
		return KINETO_NONE;
	for (size_t i = lo - 1; i != KINETO_NONE; i = c->ops[i].parent)
		if (c->ops[i].end >= t)
			return i;
	return KINETO_NONE;
}

static size_t kineto_op_by_ext(const struct kineto *c, int64_t ext)
{
	size_t lo = 0, hi = c->nexts;
	while (ext > 0 && lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->exts[mid].ext < ext)
			lo = mid + 1;
		else
			hi = mid;
	}
	return ext > 0 && lo < c->nexts && c->exts[lo].ext == ext ? c->exts[lo].op : KINETO_NONE;
}

static const struct kineto_launch *kineto_launch_by_corr(const struct kineto *c, int64_t corr)
{
	size_t lo = 0, hi = c->nlaunches;
	while (corr > 0 && lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->launches[mid].corr < corr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return corr > 0 && lo < c->nlaunches && c->launches[lo].corr == corr ? &c->launches[lo]
	                                                                     : NULL;
}

/* Gives every device event to the cpu_op that launched it: by its External id; else through
 * its correlation to the runtime call, by that call's External id or, failing that, as the
 * innermost cpu_op around the call on the same thread. */
static int kineto_link(struct kineto *c)
{
	c->exts = malloc((c->nops ? c->nops : 1) * sizeof *c->exts);
	if (!c->exts)
		return kineto_fail(c, "out of memory");
	for (size_t i = 0; i < c->nops; i++)
		if (c->ops[i].ext)
			c->exts[c->nexts++] = (struct kineto_ext){ c->ops[i].ext, i };
	if (c->nexts)
		qsort(c->exts, c->nexts, sizeof *c->exts, kineto_ext_cmp);
	size_t n = 0; /* one op per id: the first in time order */
	for (size_t i = 0; i < c->nexts; i++)
		if (!n || c->exts[n - 1].ext != c->exts[i].ext)
			c->exts[n++] = c->exts[i];
	c->nexts = n;
	if (c->nlaunches)
		qsort(c->launches, c->nlaunches, sizeof *c->launches, kineto_launch_cmp);

	struct kineto_stats *st = c->st;
	for (size_t i = 0; i < c->ndevs; i++) {
		const struct kineto_device *d = &c->devs[i];
		st->device_events++;
		st->device_ns += d->dur;
		size_t op = kineto_op_by_ext(c, d->ext);
		if (op == KINETO_NONE) {
			const struct kineto_launch *l = kineto_launch_by_corr(c, d->corr);
			if (l)
				op = kineto_op_by_ext(c, l->ext);
			if (l && op == KINETO_NONE && l->thread < UINT32_MAX - 1)
				op = kineto_op_at(c, l->thread, l->ts);
		}
		if (op == KINETO_NONE)
			continue;
		st->device_linked++;
		st->linked_ns += d->dur;
		c->ops[op].own_ns += d->dur;
		c->ops[op].own_events++;
	}
	for (size_t i = 0; i < c->nops; i++) {
		c->ops[i].tree_ns += c->ops[i].own_ns;
		c->ops[i].tree_events += c->ops[i].own_events;
	}
	for (size_t i = c->nops; i-- > 0;) {
		const struct kineto_op *op = &c->ops[i];
		if (op->parent != KINETO_NONE) {
			c->ops[op->parent].tree_ns += op->tree_ns;
			c->ops[op->parent].tree_events += op->tree_events;
		}
	}
	return 0;
}

/* ---- Arguments ---- */

static json_object *kineto_arg(const struct kineto_op *op, const char *key, size_t i)
{
	json_object *a = kineto_get(op->args, key);
	if (!a || !json_object_is_type(a, json_type_array) || i >= json_object_array_length(a))
		return NULL;
	return json_object_array_get_idx(a, i);
}

static const char *kineto_arg_string(const struct kineto_op *op, const char *key, size_t i)
{
	json_object *v = kineto_arg(op, key, i);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static size_t kineto_nargs(const struct kineto_op *op)
{
	json_object *a = kineto_get(op->args, "Input Dims");
	return a && json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;
}

/* A list of non-negative integers (one tensor's dims) into d; its rank, or -1. */
static int kineto_list_dims(json_object *v, uint64_t d[KINETO_MAX_RANK])
{
	if (!v || !json_object_is_type(v, json_type_array))
		return -1;
	size_t n = json_object_array_length(v);
	if (n > KINETO_MAX_RANK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		json_object *x = json_object_array_get_idx(v, i);
		if (!x || !json_object_is_type(x, json_type_int) || json_object_get_int64(x) < 0)
			return -1;
		d[i] = (uint64_t)json_object_get_int64(x);
	}
	return (int)n;
}

/* Dims of argument i: its rank, or -1 (no such argument, or not a tensor's dims). */
static int kineto_dims(const struct kineto_op *op, size_t i, uint64_t d[KINETO_MAX_RANK])
{
	return kineto_list_dims(kineto_arg(op, "Input Dims", i), d);
}

/* Product of d[from..to), failing past 2^63-1. */
static int kineto_prod(const uint64_t *d, int from, int to, uint64_t *out)
{
	uint64_t p = 1;
	for (int i = from; i < to; i++)
		if (checked_mul_u64(p, d[i], &p) || p > INT64_MAX)
			return -1;
	*out = p;
	return 0;
}

static const char *kineto_type(const struct kineto_op *op, size_t i)
{
	return kineto_arg_string(op, "Input type", i);
}

/* ---- Mapping one op ---- */

enum { KINETO_MAPPED = 0, KINETO_UNSUPPORTED = 1, KINETO_EMPTY = 2 };

static int kineto_tensor_ref(struct kineto *c, enum trace_role role, enum trace_dtype dt,
                             uint64_t rows, uint64_t cols, bool sparse, size_t *out)
{
	for (size_t i = 0; i < c->ntensors; i++) {
		const struct kineto_tensor *t = &c->tensors[i];
		if (t->role == role && t->dt == dt && t->rows == rows && t->cols == cols &&
		    t->sparse == sparse) {
			*out = i;
			return 0;
		}
	}
	void *grown = kineto_grow(c->tensors, &c->ctensors, c->ntensors, sizeof *c->tensors);
	if (!grown)
		return kineto_fail(c, "out of memory");
	c->tensors = grown;
	struct kineto_tensor *t = &c->tensors[c->ntensors];
	memset(t, 0, sizeof *t);
	t->role = role;
	t->dt = dt;
	t->rows = rows;
	t->cols = cols;
	t->sparse = sparse;
	t->order = KINETO_NONE;
	if (role == TRACE_ROLE_KV)
		snprintf(t->id, sizeof t->id, "kv.%s", trace_dtype_name(dt));
	else
		snprintf(t->id, sizeof t->id, "w.%" PRIu64 "x%" PRIu64 ".%s%s", rows, cols,
		         trace_dtype_name(dt), sparse ? ".2of4" : "");
	*out = c->ntensors++;
	return 0;
}

/* Does the subtree of op i hold a semi-structured (2:4) sparse GEMM? */
static bool kineto_sparse_below(const struct kineto *c, size_t i)
{
	for (size_t j = i + 1; j < i + c->ops[i].size; j++)
		if (c->ops[j].map && (c->ops[j].map->form == KINETO_F_CSLT ||
		                      c->ops[j].map->form == KINETO_F_SEMI_LINEAR))
			return true;
	return false;
}

/* Element dtype of argument i for a GEMM operand, or KINETO_UNSUPPORTED via *bad. */
static enum trace_dtype kineto_gemm_dtype(const struct kineto_op *op, size_t i, bool *bad)
{
	enum trace_dtype dt = TRACE_DT_FP16;
	if (kineto_dtype(kineto_type(op, i), true, &dt))
		*bad = true;
	return dt;
}

static int kineto_map_gemm(struct kineto *c, size_t i, struct kineto_rec *r)
{
	const struct kineto_op *op = &c->ops[i];
	uint64_t A[KINETO_MAX_RANK], B[KINETO_MAX_RANK];
	uint64_t m = 0, n = 0, k = 0, count = 1;
	size_t ia = 0, ib = 1;
	bool bad = false, weight = false, sparse = false;
	enum trace_dtype a, b, out, wdt = TRACE_DT_FP16;

	switch (op->map->form) {
	case KINETO_F_ADDMM:
	case KINETO_F_BADDBMM: ia = 1, ib = 2; break;
	case KINETO_F_CSLT: ia = 1, ib = 0; break; /* the activation is the dense second operand */
	default: break;
	}
	int ra = kineto_dims(op, ia, A), rb = kineto_dims(op, ib, B);
	if (ra < 0 || rb < 0)
		return kineto_fail_op(c, i,
		                      "no tensor shapes in args[\"Input Dims\"] (record the "
		                      "profile with record_shapes=True)");
	a = kineto_gemm_dtype(op, ia, &bad);
	b = kineto_gemm_dtype(op, ib, &bad);
	out = a;

	switch (op->map->form) {
	case KINETO_F_LINEAR:
	case KINETO_F_SEMI_LINEAR: {
		/* input [..., K] . weight[N, K]^T (semi-structured: weight values [N, K/2]) */
		if (ra < 1 || rb != 2)
			return kineto_fail_op(c, i,
			                      "expected input [...,K] and weight [N,K], got rank "
			                      "%d and %d",
			                      ra, rb);
		k = A[ra - 1];
		n = B[0];
		uint64_t wk = op->map->form == KINETO_F_SEMI_LINEAR ? B[1] * 2 : B[1];
		if (wk != k)
			return kineto_fail_op(
			    c, i, "input has K=%" PRIu64 " but the weight is %" PRIu64 "x%" PRIu64,
			    k, B[0], B[1]);
		if (kineto_prod(A, 0, ra - 1, &m))
			return kineto_fail_op(c, i, "input dims overflow");
		weight = true;
		wdt = b;
		sparse = op->map->form == KINETO_F_SEMI_LINEAR || kineto_sparse_below(c, i);
		break;
	}
	case KINETO_F_MM:
	case KINETO_F_ADDMM:
	case KINETO_F_SCALED_MM:
	case KINETO_F_INT_MM:
		if (ra != 2 || rb != 2)
			return kineto_fail_op(c, i, "expected two matrices, got rank %d and %d", ra,
			                      rb);
		if (A[1] != B[0])
			return kineto_fail_op(c, i,
			                      "A is %" PRIu64 "x%" PRIu64 " but B is %" PRIu64
			                      "x%" PRIu64 " (inner dims differ)",
			                      A[0], A[1], B[0], B[1]);
		m = A[0], k = A[1], n = B[1];
		if (op->map->form == KINETO_F_SCALED_MM)
			kineto_scalar_type(kineto_arg_string(op, "Concrete Inputs", 6), &out);
		if (op->map->form == KINETO_F_INT_MM)
			out = TRACE_DT_FP32; /* int32 results: same width */
		break;
	case KINETO_F_BMM:
	case KINETO_F_BADDBMM:
		if (ra != 3 || rb != 3)
			return kineto_fail_op(
			    c, i, "expected two batches of matrices, got rank %d and %d", ra, rb);
		if (A[0] != B[0] || A[2] != B[1])
			return kineto_fail_op(c, i,
			                      "A is %" PRIu64 "x%" PRIu64 "x%" PRIu64
			                      " but B is %" PRIu64 "x%" PRIu64 "x%" PRIu64,
			                      A[0], A[1], A[2], B[0], B[1], B[2]);
		count = A[0], m = A[1], k = A[2], n = B[2];
		break;
	case KINETO_F_MATMUL: {
		if (ra < 1 || rb < 1)
			return kineto_fail_op(c, i, "matmul of a scalar (rank %d and %d)", ra, rb);
		k = A[ra - 1];
		uint64_t bk = rb == 1 ? B[0] : B[rb - 2];
		if (bk != k)
			return kineto_fail_op(c, i, "A has K=%" PRIu64 " but B has K=%" PRIu64, k,
			                      bk);
		n = rb == 1 ? 1 : B[rb - 1];
		if (rb <= 2) {
			/* A's leading dims all become rows */
			if (kineto_prod(A, 0, ra - 1, &m))
				return kineto_fail_op(c, i, "input dims overflow");
			break;
		}
		m = ra == 1 ? 1 : A[ra - 2];
		/* broadcast the batch dims, right-aligned */
		int na = ra > 2 ? ra - 2 : 0, nb = rb - 2, nbatch = na > nb ? na : nb;
		for (int j = 0; j < nbatch; j++) {
			uint64_t x = j < na ? A[na - 1 - j] : 1, y = j < nb ? B[nb - 1 - j] : 1;
			if (x != y && x != 1 && y != 1)
				return kineto_fail_op(
				    c, i, "batch dims %" PRIu64 " and %" PRIu64 " do not broadcast",
				    x, y);
			uint64_t z = x == 1 ? y : x;
			if (checked_mul_u64(count, z, &count) || count > INT64_MAX)
				return kineto_fail_op(c, i, "batch dims overflow");
		}
		break;
	}
	case KINETO_F_CSLT: {
		/* (compressed W, dense B[k, tokens]): C = W[n, k] . B. ATen's _cslt_compress keeps
		 * numel(W) * 9/16 elements (10/16 for int8; fp8 used either), so n follows from k. */
		if (ra != 2)
			return kineto_fail_op(
			    c, i, "expected the dense operand as a matrix, got rank %d", ra);
		uint64_t packed, p16;
		if (kineto_prod(B, 0, rb, &packed) || checked_mul_u64(packed, 16, &p16))
			return kineto_fail_op(c, i, "compressed operand overflows");
		k = A[0];
		m = A[1];
		wdt = b;
		bool int8 = wdt == TRACE_DT_INT8, fp8 = wdt == TRACE_DT_FP8E4M3;
		n = 0;
		for (uint64_t f = int8 ? 10 : 9; f <= (int8 || fp8 ? 10u : 9u) && !n && k; f++) {
			uint64_t guess = p16 / (f * k) + (p16 % (f * k) != 0), back;
			if (!checked_mul3_u63(guess, k, f, &back) && back / 16 == packed)
				n = guess;
		}
		if (!n && k && packed)
			return kineto_fail_op(c, i,
			                      "a compressed 2:4 operand of %" PRIu64 " elements "
			                      "fits no N for K=%" PRIu64,
			                      packed, k);
		kineto_scalar_type(kineto_arg_string(op, "Concrete Inputs", 4), &out);
		weight = true;
		sparse = true;
		break;
	}
	default: return kineto_fail_op(c, i, "internal: not a GEMM form");
	}
	if (bad)
		return KINETO_UNSUPPORTED;
	if (!m || !n || !k || !count)
		return KINETO_EMPTY;
	r->type = TRACE_OP_GEMM;
	r->v[0] = m, r->v[1] = n, r->v[2] = k, r->v[3] = count;
	r->dt[0] = a, r->dt[1] = b, r->dt[2] = out;
	r->tensor = KINETO_NONE;
	if (weight && kineto_tensor_ref(c, TRACE_ROLE_WEIGHT, wdt, n, k, sparse, &r->tensor))
		return -1;
	return KINETO_MAPPED;
}

/* B, H, S, D of a Q or K operand in the op's layout; -1 if the rank does not fit it. */
static int kineto_bhsd(const struct kineto_op *op, size_t arg, uint64_t *b, uint64_t *h,
                       uint64_t *s, uint64_t *d)
{
	uint64_t x[KINETO_MAX_RANK];
	int r = kineto_dims(op, arg, x);
	switch (op->map->form) {
	case KINETO_F_BHSD: /* SDPA takes (..., H, S, D); 3-D inputs are (B, S, D) */
		if (r < 2)
			return -1;
		*s = x[r - 2], *d = x[r - 1];
		*h = r >= 4 ? x[r - 3] : 1;
		if (r == 3)
			*b = x[0];
		else if (kineto_prod(x, 0, r >= 4 ? r - 3 : 0, b))
			return -1;
		return 0;
	case KINETO_F_BSHD:
		if (r != 4)
			return -1;
		*b = x[0], *s = x[1], *h = x[2], *d = x[3];
		return 0;
	case KINETO_F_VARLEN: { /* [total tokens, H, D] and cu_seqlens [B+1] */
		uint64_t cu[KINETO_MAX_RANK];
		if (r != 3 || op->map->cu_seqlens < 0 ||
		    kineto_dims(op, (size_t)op->map->cu_seqlens + (arg ? 1 : 0), cu) != 1 ||
		    cu[0] < 2)
			return -1;
		*b = cu[0] - 1;
		*s = (x[0] + *b - 1) / *b; /* the mean length, rounded up */
		*h = x[1], *d = x[2];
		return 0;
	}
	default: return -1;
	}
}

static int kineto_map_attn(struct kineto *c, size_t i, struct kineto_rec *r)
{
	const struct kineto_op *op = &c->ops[i];
	uint64_t bq, hq, sq, dq, bk, hk, sk, dk;
	if (kineto_bhsd(op, 0, &bq, &hq, &sq, &dq) || kineto_bhsd(op, 1, &bk, &hk, &sk, &dk)) {
		if (!op->args || !kineto_get(op->args, "Input Dims"))
			return kineto_fail_op(c, i,
			                      "no tensor shapes in args[\"Input Dims\"] (record "
			                      "the profile with record_shapes=True)");
		if (!strcmp(op->map->name, "flash_attn*"))
			return KINETO_UNSUPPORTED; /* a flash_attn* entry point of unknown layout */
		return kineto_fail_op(c, i, "Q and K shapes do not fit the op's layout");
	}
	if (!bq || !hq || !sq || !dq || !bk || !hk || !sk)
		return KINETO_EMPTY;
	if (bq != bk || dq != dk || hq % hk)
		return kineto_fail_op(c, i,
		                      "Q (b=%" PRIu64 " h=%" PRIu64 " d=%" PRIu64
		                      ") and K (b=%" PRIu64 " h=%" PRIu64 " d=%" PRIu64
		                      ") do not fit together",
		                      bq, hq, dq, bk, hk, dk);
	enum trace_dtype q, kv;
	if (kineto_dtype(kineto_type(op, 0), true, &q) ||
	    kineto_dtype(kineto_type(op, 1), true, &kv))
		return KINETO_UNSUPPORTED;
	const char *flag = op->map->causal >= 0
	                       ? kineto_arg_string(op, "Concrete Inputs", (size_t)op->map->causal)
	                       : NULL;
	if (flag && !strcmp(flag, "True"))
		r->causal = true;
	else if (flag && !strcmp(flag, "False"))
		r->causal = false;
	else if (flag && *flag >= '0' && *flag <= '9')
		r->causal = strtol(flag, NULL, 10) != 0; /* a mask type: 0 = none */
	else {
		r->causal = true; /* not recorded: decoders are causal, the spec's default */
		c->st->causal_defaulted++;
	}
	r->type = TRACE_OP_ATTN;
	r->v[0] = bq, r->v[1] = hq, r->v[2] = hk, r->v[3] = dq, r->v[4] = sq, r->v[5] = sk;
	r->dt[0] = q;
	return kineto_tensor_ref(c, TRACE_ROLE_KV, kv, 0, 0, false, &r->tensor) ? -1
	                                                                        : KINETO_MAPPED;
}

/* rows = product of the leading dims, cols = the last (a scalar is 1 x 1). */
static int kineto_rows_cols(const uint64_t *d, int r, uint64_t *rows, uint64_t *cols)
{
	*cols = r ? d[r - 1] : 1;
	return kineto_prod(d, 0, r ? r - 1 : 0, rows);
}

static int kineto_map_vec(struct kineto *c, size_t i, struct kineto_rec *r)
{
	const struct kineto_op *op = &c->ops[i];
	uint64_t d[KINETO_MAX_RANK], rows = 0, cols = 0, inputs = 0;
	const char *type = NULL;
	enum trace_dtype dt = TRACE_DT_FP16;
	bool known_type = true;
	int rank;
	if (!kineto_nargs(op))
		return kineto_fail_op(c, i,
		                      "no tensor shapes in args[\"Input Dims\"] (record the "
		                      "profile with record_shapes=True)");
	switch (op->map->form) {
	case KINETO_F_FIRST:
		if ((rank = kineto_dims(op, 0, d)) < 0)
			return kineto_fail_op(c, i, "the first argument has no tensor shape");
		if (kineto_rows_cols(d, rank, &rows, &cols))
			return kineto_fail_op(c, i, "dims overflow");
		type = kineto_type(op, 0);
		break;
	case KINETO_F_EMBED: {
		uint64_t idx[KINETO_MAX_RANK];
		int ri = kineto_dims(op, 1, idx);
		if ((rank = kineto_dims(op, 0, d)) != 2 || ri < 0)
			return kineto_fail_op(c, i, "expected weight [V,H] and indices");
		if (kineto_prod(idx, 0, ri, &rows))
			return kineto_fail_op(c, i, "dims overflow");
		cols = d[1];
		type = kineto_type(op, 0);
		break;
	}
	case KINETO_F_CAT: {
		/* a tensor list carries no element type in Kineto: priced as fp16 */
		json_object *list = kineto_arg(op, "Input Dims", 0);
		if (!list || !json_object_is_type(list, json_type_array))
			return kineto_fail_op(c, i, "expected a list of tensor shapes");
		uint64_t total = 0;
		for (size_t j = 0; j < json_object_array_length(list); j++) {
			uint64_t x[KINETO_MAX_RANK], numel;
			int rx = kineto_list_dims(json_object_array_get_idx(list, j), x);
			if (rx < 0 || kineto_prod(x, 0, rx, &numel) ||
			    checked_add_u64(total, numel, &total))
				return kineto_fail_op(c, i, "list entry %zu is not a tensor shape",
				                      j);
			if (!cols && rx && x[rx - 1])
				cols = x[rx - 1];
		}
		if (!cols || total % cols)
			cols = 1;
		rows = total / cols;
		break;
	}
	case KINETO_F_ELEMENTWISE: {
		/* The largest tensor argument is the output's shape; the others of that size are
		 * inputs read in full (a broadcast operand is small and not counted). */
		uint64_t best = 0;
		int best_arg = -1;
		size_t nargs = kineto_nargs(op);
		uint64_t numels[64];
		for (size_t j = 0; j < nargs && j < 64; j++) {
			numels[j] = 0;
			int rj = kineto_dims(op, j, d);
			const char *tj = kineto_type(op, j);
			enum trace_dtype ignore;
			if (rj < 0 || (!rj && kineto_dtype(tj, false, &ignore)))
				continue; /* a Scalar, a list, an absent optional */
			if (kineto_prod(d, 0, rj, &numels[j]))
				return kineto_fail_op(c, i, "dims overflow");
			numels[j]++; /* +1: 0 means "not a tensor" */
			if (best_arg < 0 || numels[j] > best)
				best = numels[j], best_arg = (int)j;
		}
		if (best_arg < 0)
			return KINETO_UNSUPPORTED;
		for (size_t j = 0; j < nargs && j < 64; j++)
			inputs += numels[j] == best;
		rank = kineto_dims(op, (size_t)best_arg, d);
		if (kineto_rows_cols(d, rank, &rows, &cols))
			return kineto_fail_op(c, i, "dims overflow");
		type = kineto_type(op, (size_t)best_arg);
		break;
	}
	default: return kineto_fail_op(c, i, "internal: not a vec form");
	}
	if (op->map->form != KINETO_F_CAT)
		known_type = !kineto_dtype(type, false, &dt);
	if (!known_type)
		return KINETO_UNSUPPORTED;
	if (!rows || !cols)
		return KINETO_EMPTY;
	r->type = TRACE_OP_VEC;
	r->vec = op->map->vec;
	r->v[0] = rows, r->v[1] = cols;
	r->v[2] = inputs ? inputs : trace_vec_kind_default_inputs(r->vec);
	r->dt[0] = dt;
	r->tensor = KINETO_NONE;
	return KINETO_MAPPED;
}

/* ---- Counting ---- */

static int kineto_count(struct kineto *c, struct kineto_name_count **list, size_t *n,
                        const char *name, uint64_t device_ns)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*list)[i].name, name)) {
			(*list)[i].count++;
			(*list)[i].device_ns += device_ns;
			return 0;
		}
	struct kineto_name_count *q = realloc(*list, (*n + 1) * sizeof **list);
	if (!q)
		return kineto_fail(c, "out of memory");
	*list = q;
	q[*n].name = strdup(name);
	if (!q[*n].name)
		return kineto_fail(c, "out of memory");
	q[*n].count = 1;
	q[*n].device_ns = device_ns;
	(*n)++;
	return 0;
}

static int kineto_unmapped(struct kineto *c, size_t i, const char *why, uint64_t ns)
{
	char name[512];
	if (why)
		snprintf(name, sizeof name, "%s[%s]", c->ops[i].name, why);
	else
		snprintf(name, sizeof name, "%s", c->ops[i].name);
	c->st->unmapped++;
	return kineto_count(c, &c->st->unmapped_names, &c->st->nunmapped_names, name, ns);
}

static int kineto_ignored(struct kineto *c, size_t i)
{
	c->st->ignored++;
	return kineto_count(c, &c->st->ignored_names, &c->st->nignored_names, c->ops[i].name, 0);
}

/* The element type that kept op i from being mapped, for the unmapped list. */
static const char *kineto_why(const struct kineto_op *op)
{
	for (size_t j = 0; j < 3; j++) {
		const char *t = kineto_type(op, j);
		enum trace_dtype dt;
		if (t && *t && strcmp(t, "Scalar") &&
		    kineto_dtype(t, op->map->cls == KINETO_C_VEC ? false : true, &dt))
			return t;
	}
	return "unsupported";
}

/* Walks every thread's ops in time order: mapped ops become records (their subtree is part of
 * them), ignored and composite ops are looked through, the rest are unmapped. */
static int kineto_walk(struct kineto *c)
{
	struct kineto_stats *st = c->st;
	for (size_t i = 0; i < c->nops;) {
		const struct kineto_op *op = &c->ops[i];
		const struct kineto_map *map = op->map;
		if (map && map->cls != KINETO_C_IGNORE) {
			void *grown = kineto_grow(c->recs, &c->crecs, c->nrecs, sizeof *c->recs);
			if (!grown)
				return kineto_fail(c, "out of memory");
			c->recs = grown;
			struct kineto_rec *r = &c->recs[c->nrecs];
			memset(r, 0, sizeof *r);
			r->op = i;
			r->tensor = KINETO_NONE;
			int rc = map->cls == KINETO_C_GEMM   ? kineto_map_gemm(c, i, r)
			         : map->cls == KINETO_C_ATTN ? kineto_map_attn(c, i, r)
			                                     : kineto_map_vec(c, i, r);
			if (rc < 0)
				return -1;
			if (rc == KINETO_MAPPED) {
				c->nrecs++;
				st->mapped[r->type]++;
			} else if (rc == KINETO_EMPTY && !op->tree_events) {
				if (kineto_ignored(c, i))
					return -1;
			} else if (kineto_unmapped(c, i,
			                           rc == KINETO_EMPTY ? "empty" : kineto_why(op),
			                           op->tree_ns)) {
				return -1;
			}
			st->inside += op->size - 1;
			i += op->size;
			continue;
		}
		if (map || op->mapped_below) {
			/* look inside; work launched by the op itself has no trace op */
			if (op->own_events) {
				if (kineto_unmapped(c, i, NULL, op->own_ns))
					return -1;
			} else if (map) {
				if (kineto_ignored(c, i))
					return -1;
			} else {
				st->composite++;
			}
			i++;
			continue;
		}
		if (kineto_unmapped(c, i, NULL, op->tree_ns))
			return -1;
		st->inside += op->size - 1;
		i += op->size;
	}
	return 0;
}

/* ---- Writing ---- */

static int kineto_rec_cmp(const void *pa, const void *pb, void *ctx)
{
	const struct kineto *c = ctx;
	const struct kineto_rec *ra = pa, *rb = pb;
	const struct kineto_op *a = &c->ops[ra->op], *b = &c->ops[rb->op];
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if (a->thread != b->thread)
		return a->thread < b->thread ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/* qsort with a context, by hand (qsort_r is not in POSIX 2008): a merge sort, stable. */
static int kineto_sort_recs(struct kineto *c)
{
	size_t n = c->nrecs;
	struct kineto_rec *tmp = malloc((n ? n : 1) * sizeof *tmp);
	if (!tmp)
		return kineto_fail(c, "out of memory");
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t x = lo, y = mid, o = lo;
			while (x < mid && y < hi)
				tmp[o++] = kineto_rec_cmp(&c->recs[y], &c->recs[x], c) < 0
				               ? c->recs[y++]
				               : c->recs[x++];
			while (x < mid)
				tmp[o++] = c->recs[x++];
			while (y < hi)
				tmp[o++] = c->recs[y++];
		}
		memcpy(c->recs, tmp, n * sizeof *tmp);
	}
	free(tmp);
	return 0;
}

/* Copies s into out (len bytes), every byte a meta value or a name= cannot hold (white space,
 * non-ASCII, '#' which starts a comment, ',' and '=' which separate) as '_'. */
static void kineto_clean(const char *s, char *out, size_t len)
{
	size_t n = 0;
	for (; *s && n + 1 < len; s++)
		out[n++] = (*s > ' ' && *s <= '~' && !strchr("#,=", *s)) ? *s : '_';
	if (!n && len > 1)
		out[n++] = '_';
	out[n] = 0;
}

static const char *kineto_base(const char *path)
{
	if (!strcmp(path, "-"))
		return "<stdin>";
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static int kineto_name_cmp(const void *pa, const void *pb)
{
	const struct kineto_name_count *a = pa, *b = pb;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int kineto_write_meta(struct kineto *c, struct trace_writer *w, const char *extra)
{
	const struct kineto_stats *st = c->st;
	char text[TRACE_LINE_MAX + 1], v1[256], v2[256];
	kineto_clean(kineto_base(c->path), v1, sizeof v1);
	int n = snprintf(text, sizeof text, "source=kineto file=%s", v1);
	if (c->device_name) {
		kineto_clean(c->device_name, v2, sizeof v2);
		n += snprintf(text + n, sizeof text - (size_t)n, " device=%s", v2);
	}
	if (extra && *extra)
		snprintf(text + n, sizeof text - (size_t)n, " %s", extra);
	if (trace_write_meta(w, text))
		return -1;
	snprintf(text, sizeof text,
	         "cpu_ops=%" PRIu64 " mapped=%" PRIu64 " inside=%" PRIu64 " ignored=%" PRIu64
	         " unmapped_ops=%" PRIu64 " composite=%" PRIu64 " profiler_steps=%zu"
	         " device_events=%" PRIu64 " device_linked=%" PRIu64 " device_ns=%" PRIu64
	         " linked_ns=%" PRIu64 " causal_defaulted=%" PRIu64,
	         st->cpu_ops,
	         st->mapped[TRACE_OP_GEMM] + st->mapped[TRACE_OP_ATTN] + st->mapped[TRACE_OP_VEC],
	         st->inside, st->ignored, st->unmapped, st->composite, c->nspans, st->device_events,
	         st->device_linked, st->device_ns, st->linked_ns, st->causal_defaulted);
	if (trace_write_meta(w, text))
		return -1;
	n = snprintf(text, sizeof text, "unmapped=");
	size_t j = 0;
	for (; j < st->nunmapped_names; j++) {
		kineto_clean(st->unmapped_names[j].name, v1, sizeof v1);
		char item[300];
		int len = snprintf(item, sizeof item, "%s%s:%" PRIu64, j ? "," : "", v1,
		                   st->unmapped_names[j].count);
		if (n + len > KINETO_META_LIST)
			break;
		memcpy(text + n, item, (size_t)len + 1);
		n += len;
	}
	if (j < st->nunmapped_names)
		snprintf(text + n, sizeof text - (size_t)n, ",more_names:%zu",
		         st->nunmapped_names - j);
	else if (!st->nunmapped_names)
		snprintf(text + n, sizeof text - (size_t)n, "none");
	return trace_write_meta(w, text);
}

/* The ProfilerStep span holding time t, or KINETO_NONE. */
static size_t kineto_span_at(const struct kineto *c, int64_t t)
{
	size_t lo = 0, hi = c->nspans; /* first span starting after t */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->spans[mid].ts <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && c->spans[lo - 1].end >= t ? lo - 1 : KINETO_NONE;
}

/* The trace op of record r, pointing into c->decl. */
static void kineto_build_op(const struct kineto *c, const struct kineto_rec *r, struct trace_op *op)
{
	const struct kineto_op *src = &c->ops[r->op];
	char name[KINETO_OPNAME + 1];
	memset(op, 0, sizeof *op);
	op->type = r->type;
	op->layer = -1;
	kineto_clean(src->name, name, sizeof name);
	snprintf(op->name, sizeof op->name, "%s", name);
	op->has_dur = src->tree_events > 0;
	op->dur_ns = src->tree_ns;
	const struct trace_tensor *t = r->tensor == KINETO_NONE ? NULL : &c->decl[r->tensor];
	switch (r->type) {
	case TRACE_OP_GEMM:
		op->gemm.m = r->v[0], op->gemm.n = r->v[1], op->gemm.k = r->v[2];
		op->gemm.count = r->v[3];
		op->gemm.w = t;
		op->gemm.b = t ? TRACE_DT_FP16 : r->dt[1];
		op->gemm.a = r->dt[0];
		op->gemm.out = r->dt[2];
		op->gemm.asp = 1;
		break;
	case TRACE_OP_ATTN:
		op->attn.b = r->v[0], op->attn.hq = r->v[1], op->attn.hkv = r->v[2];
		op->attn.d = r->v[3], op->attn.sq = r->v[4], op->attn.skv = r->v[5];
		op->attn.causal = r->causal;
		op->attn.kv = t;
		op->attn.q = r->dt[0];
		op->attn.pat.kind = TRACE_PAT_DENSE;
		op->attn.pat.density = 1;
		break;
	default:
		op->vec.kind = r->vec;
		op->vec.rows = r->v[0], op->vec.cols = r->v[1], op->vec.inputs = r->v[2];
		op->vec.dtype = r->dt[0];
		break;
	}
}

/* Puts what was mapped in writing order (by start time), declares the tensors in order of
 * first use, places the steps, and checks every record as the writer will. */
static int kineto_finish(struct kineto *c)
{
	struct kineto_stats *st = c->st;
	struct trace_op *op = NULL;
	char err[1024];
	int rc = -1;
	if (kineto_sort_recs(c))
		goto fail;
	if (st->nunmapped_names) /* qsort wants a non-null base even for no elements */
		qsort(st->unmapped_names, st->nunmapped_names, sizeof *st->unmapped_names,
		      kineto_name_cmp);
	if (st->nignored_names)
		qsort(st->ignored_names, st->nignored_names, sizeof *st->ignored_names,
		      kineto_name_cmp);
	if (c->nspans)
		qsort(c->spans, c->nspans, sizeof *c->spans, kineto_span_cmp);
	c->decl = calloc(c->ntensors ? c->ntensors : 1, sizeof *c->decl);
	c->decl_order = malloc((c->ntensors ? c->ntensors : 1) * sizeof *c->decl_order);
	op = malloc(sizeof *op);
	if (!c->decl || !c->decl_order || !op) {
		kineto_fail(c, "out of memory");
		goto fail;
	}
	for (size_t t = 0; t < c->ntensors; t++) {
		const struct kineto_tensor *kt = &c->tensors[t];
		struct trace_tensor *d = &c->decl[t];
		d->id = kt->id;
		d->role = kt->role;
		d->dtype = kt->dt;
		d->rows = kt->rows;
		d->cols = kt->cols;
		d->sp.kind = TRACE_SP_DENSE;
		d->sp.density = 1;
		if (kt->sparse) {
			d->sp.kind = TRACE_SP_NM;
			d->sp.n = 2;
			d->sp.m = 4;
			d->sp.density = 0.5;
		}
		d->q.kind = TRACE_Q_NONE;
		d->q.scale_dtype = TRACE_DT_FP16;
	}

	size_t last = KINETO_NONE; /* the ProfilerStep the current step record stands for */
	st->steps = 1;             /* the prefill step */
	for (size_t i = 0; i < c->nrecs; i++) {
		struct kineto_rec *r = &c->recs[i];
		size_t t = r->tensor;
		if (t != KINETO_NONE && c->tensors[t].order == KINETO_NONE) {
			if (trace_tensor_check(&c->decl[t], err, sizeof err)) {
				kineto_fail_op(c, r->op, "%s", err);
				goto fail;
			}
			c->tensors[t].order = c->ndecl;
			c->decl_order[c->ndecl++] = t;
			st->weights += c->tensors[t].role == TRACE_ROLE_WEIGHT;
		}
		size_t s = kineto_span_at(c, c->ops[r->op].ts);
		if (s != KINETO_NONE && (last == KINETO_NONE || s > last)) {
			r->decode = last != KINETO_NONE;
			st->steps += r->decode;
			last = s;
		}
		kineto_build_op(c, r, op);
		if (trace_op_check(op, err, sizeof err)) {
			kineto_fail_op(c, r->op, "%s", err);
			goto fail;
		}
		st->with_dur += op->has_dur;
	}
	rc = 0;
fail:
	free(op);
	return rc;
}

/* ---- Entry points ---- */

void kineto_free(struct kineto *c)
{
	if (!c)
		return;
	kineto_stats_free(&c->stats);
	for (size_t i = 0; i < c->nthreads; i++)
		free(c->threads[i]);
	free(c->threads);
	free(c->ops);
	free(c->exts);
	free(c->launches);
	free(c->devs);
	free(c->spans);
	free(c->recs);
	free(c->tensors);
	free(c->decl);
	free(c->decl_order);
	if (c->doc)
		json_object_put(c->doc);
	free(c->path);
	free(c);
}

struct kineto *kineto_load(const char *path, char *err, size_t errlen)
{
	if (errlen)
		err[0] = 0;
	struct kineto *c = calloc(1, sizeof *c);
	if (!c || !(c->path = strdup(path))) {
		snprintf(err, errlen, "%s: out of memory", path);
		free(c);
		return NULL;
	}
	c->err = err;
	c->errlen = errlen;
	c->st = &c->stats;
	c->shown = strcmp(path, "-") ? c->path : "<stdin>";
	if (kineto_read(c))
		goto fail;
	if (json_object_is_type(c->doc, json_type_array)) {
		c->events = c->doc; /* the bare "JSON Array Format" of Chrome traces */
	} else if (json_object_is_type(c->doc, json_type_object)) {
		c->events = kineto_get(c->doc, "traceEvents");
		if (!c->events || !json_object_is_type(c->events, json_type_array)) {
			kineto_fail(c, "not a Chrome-trace JSON: no traceEvents array");
			goto fail;
		}
		json_object *props = kineto_get(c->doc, "deviceProperties");
		if (props && json_object_is_type(props, json_type_array) &&
		    json_object_array_length(props) > 0)
			c->device_name =
			    kineto_get_string(json_object_array_get_idx(props, 0), "name");
	} else {
		kineto_fail(c, "not a Chrome-trace JSON: the document is not an object");
		goto fail;
	}
	c->nevents = json_object_array_length(c->events);
	c->st->events = c->nevents;
	if (kineto_collect(c))
		goto fail;
	c->st->cpu_ops = c->nops;
	if (kineto_nest(c) || kineto_link(c) || kineto_walk(c) || kineto_finish(c))
		goto fail;
	c->err = NULL;
	return c;
fail:
	kineto_free(c);
	return NULL;
}

const struct kineto_stats *kineto_stats(const struct kineto *c)
{
	return c->st;
}

int kineto_write(struct kineto *c, struct trace_writer *w, const char *meta_extra, char *err,
                 size_t errlen)
{
	struct trace_op *op = malloc(sizeof *op);
	int rc = -1;
	c->err = err;
	c->errlen = errlen;
	if (errlen)
		err[0] = 0;
	if (!op) {
		kineto_fail(c, "out of memory");
		goto fail;
	}
	if (kineto_write_meta(c, w, meta_extra))
		goto writer;
	for (size_t i = 0; i < c->ndecl; i++)
		if (trace_write_tensor(w, &c->decl[c->decl_order[i]]))
			goto writer;
	struct trace_step step = { .kind = TRACE_STEP_PREFILL };
	if (trace_write_step(w, &step))
		goto writer;
	step.kind = TRACE_STEP_DECODE;
	for (size_t i = 0; i < c->nrecs; i++) {
		if (c->recs[i].decode && trace_write_step(w, &step))
			goto writer;
		kineto_build_op(c, &c->recs[i], op);
		if (trace_write_op(w, op))
			goto writer;
	}
	rc = 0;
	goto fail;
writer:
	kineto_fail(c, "writing the trace: %s", trace_writer_error(w));
fail:
	free(op);
	c->err = NULL;
	return rc;
}

static void kineto_print_names(FILE *out, const char *prefix, const char *path, const char *what,
                               const struct kineto_name_count *list, size_t n, bool with_ns)
{
	if (!n)
		return;
	fprintf(out, "%s%s: %s:", prefix, path, what);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%s %s %" PRIu64, i ? "," : "", list[i].name, list[i].count);
		if (with_ns)
			fprintf(out, " (%.1f us)", (double)list[i].device_ns * 1e-3);
	}
	fputc('\n', out);
}

void kineto_stats_print(FILE *out, const char *prefix, const char *path,
                        const struct kineto_stats *st)
{
	const char *shown = strcmp(path, "-") ? path : "<stdin>";
	fprintf(out,
	        "%s%s: %" PRIu64 " cpu ops: %" PRIu64 " gemm, %" PRIu64 " attn, %" PRIu64
	        " vec written (%" PRIu64 " with dur_ns); %" PRIu64
	        " inside those or unmapped ops; %" PRIu64 " ignored (no device work); %" PRIu64
	        " unmapped; %" PRIu64 " composite (work in their children)\n",
	        prefix, shown, st->cpu_ops, st->mapped[TRACE_OP_GEMM], st->mapped[TRACE_OP_ATTN],
	        st->mapped[TRACE_OP_VEC], st->with_dur, st->inside, st->ignored, st->unmapped,
	        st->composite);
	fprintf(out,
	        "%s%s: device time: %" PRIu64 " kernels and copies, %.1f us; %" PRIu64
	        " linked to ops, %.1f us; %" PRIu64 " with no op (launched outside the recorded "
	        "cpu_ops), %.1f us\n",
	        prefix, shown, st->device_events, (double)st->device_ns * 1e-3, st->device_linked,
	        (double)st->linked_ns * 1e-3, st->device_events - st->device_linked,
	        (double)(st->device_ns - st->linked_ns) * 1e-3);
	fprintf(out,
	        "%s%s: %" PRIu64 " steps, %" PRIu64 " weight tensors (one per shape and dtype)",
	        prefix, shown, st->steps, st->weights);
	if (st->causal_defaulted)
		fprintf(out, "; %" PRIu64 " attention ops without a recorded mask (causal=1)",
		        st->causal_defaulted);
	fputc('\n', out);
	kineto_print_names(out, prefix, shown, "unmapped (name count (device time))",
	                   st->unmapped_names, st->nunmapped_names, true);
	kineto_print_names(out, prefix, shown, "ignored (no device work)", st->ignored_names,
	                   st->nignored_names, false);
}

static void kineto_stats_free(struct kineto_stats *st)
{
	for (size_t i = 0; i < st->nunmapped_names; i++)
		free(st->unmapped_names[i].name);
	for (size_t i = 0; i < st->nignored_names; i++)
		free(st->ignored_names[i].name);
	free(st->unmapped_names);
	free(st->ignored_names);
	st->unmapped_names = st->ignored_names = NULL;
	st->nunmapped_names = st->nignored_names = 0;
}
