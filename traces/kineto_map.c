/* kineto_map — what each cpu_op becomes: the table of operator names, the element types, an
 * op's recorded arguments ("Input Dims", "Input type", "Concrete Inputs"), mapping one GEMM,
 * attention or vec op to a record, and the walk over every op that maps what it can and counts
 * the rest (ignored, unmapped, composite). Not: reading or linking (kineto_read.c); ordering and
 * writing the records (kineto_write.c). */
#include "traces/kineto_internal.h"

/* The project hashes its uthash tables with xxHash (as traces/trace_table.c, driver/cache.c). */
#define HASH_FUNCTION(keyptr, keylen, hashv) ((hashv) = (unsigned)XXH3_64bits((keyptr), (keylen)))
#include <uthash.h>
#include <xxhash.h>

#include <inttypes.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/checked.h"

#define KINETO_MAX_RANK 16

/* ---- What each operator name becomes ---- */

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

const struct kineto_map *kineto_lookup(const char *name)
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

/* "Input type" strings (c10 type names) to simtrace dtypes. exact: the element type itself;
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
		/* json-c holds an integer past 2^63 - 1 as that value (or as an unsigned one past
		 * it): a dim there is not a tensor's, rather than a silently clamped one. */
		if (!x || !json_object_is_type(x, json_type_int) || json_object_get_int64(x) < 0 ||
		    json_object_get_int64(x) == INT64_MAX)
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

/* Op i has no "Input Dims" to map it by. */
static int kineto_fail_no_shapes(struct kineto *c, size_t i)
{
	return kineto_fail_op(c, i,
	                      "no tensor shapes in args[\"Input Dims\"] (lists of whole numbers "
	                      "from 0 to 2^63 - 2; record the profile with record_shapes=True)");
}

/* The tensors of the trace by what makes them one: role, dtype, shape, sparsity. */
struct kineto_tensor_key {
	uint64_t rows, cols;
	uint32_t role, dt, sparse, pad;
};

struct kineto_tensor_ent {
	UT_hash_handle hh;
	struct kineto_tensor_key key;
	size_t index;
};

/* An unmapped or ignored name and its place in the stats list. */
struct kineto_count_ent {
	UT_hash_handle hh;
	size_t index;
	char name[];
};

void kineto_free_map_tables(struct kineto *c)
{
	struct kineto_tensor_ent *t, *tt;
	HASH_ITER(hh, c->tensor_idx, t, tt)
	{
		HASH_DEL(c->tensor_idx, t);
		free(t);
	}
	struct kineto_count_ent **lists[] = { &c->unmapped_idx, &c->ignored_idx };
	for (size_t i = 0; i < 2; i++) {
		struct kineto_count_ent *e, *et;
		HASH_ITER(hh, *lists[i], e, et)
		{
			HASH_DEL(*lists[i], e);
			free(e);
		}
	}
}

static int kineto_tensor_ref(struct kineto *c, enum trace_role role, enum trace_dtype dt,
                             uint64_t rows, uint64_t cols, bool sparse, size_t *out)
{
	struct kineto_tensor_key key;
	memset(&key, 0, sizeof key);
	key.rows = rows;
	key.cols = cols;
	key.role = (uint32_t)role;
	key.dt = (uint32_t)dt;
	key.sparse = sparse;
	struct kineto_tensor_ent *ent;
	HASH_FIND(hh, c->tensor_idx, &key, sizeof key, ent);
	if (ent) {
		*out = ent->index;
		return 0;
	}
	void *grown = kineto_grow(c->tensors, &c->ctensors, c->ntensors, sizeof *c->tensors);
	if (!grown || !(ent = malloc(sizeof *ent))) {
		if (grown)
			c->tensors = grown;
		return kineto_fail(c, "out of memory");
	}
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
	ent->key = key;
	ent->index = c->ntensors;
	HASH_ADD(hh, c->tensor_idx, key, sizeof key, ent);
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
		return kineto_fail_no_shapes(c, i);
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
			uint64_t fk, back;
			if (checked_mul_u64(f, k, &fk))
				continue; /* a K that large fits no N (fuzz finding: K = 2^63 - 1) */
			uint64_t guess = p16 / fk + (p16 % fk != 0);
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
			return kineto_fail_no_shapes(c, i);
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
		r->causal = true; /* not recorded: decoders are causal, docs/trace-format.md's default */
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
		return kineto_fail_no_shapes(c, i);
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

static int kineto_count(struct kineto *c, struct kineto_count_ent **idx,
                        struct kineto_name_count **list, size_t *n, size_t *cap, const char *name,
                        uint64_t device_ns)
{
	size_t len = strlen(name);
	struct kineto_count_ent *e;
	HASH_FIND(hh, *idx, name, len, e);
	if (e) {
		struct kineto_name_count *q = &(*list)[e->index];
		q->count++;
		/* saturating: a total only printed (the dur_ns written are checked in link) */
		q->device_ns =
		    q->device_ns > UINT64_MAX - device_ns ? UINT64_MAX : q->device_ns + device_ns;
		return 0;
	}
	/* grown by doubling: one element at a time is quadratic in distinct names */
	struct kineto_name_count *q = kineto_grow(*list, cap, *n, sizeof **list);
	if (!q)
		return kineto_fail(c, "out of memory");
	*list = q;
	q[*n].name = strdup(name);
	e = malloc(sizeof *e + len + 1);
	if (!q[*n].name || !e) {
		free(q[*n].name);
		free(e);
		return kineto_fail(c, "out of memory");
	}
	q[*n].count = 1;
	q[*n].device_ns = device_ns;
	e->index = *n;
	memcpy(e->name, name, len + 1);
	HASH_ADD_KEYPTR(hh, *idx, e->name, len, e);
	(*n)++;
	return 0;
}

static int kineto_unmapped(struct kineto *c, size_t i, const char *why, uint64_t ns)
{
	char name[512];
	/* cut to the buffer: a name this long is only listed */
	int n = why ? snprintf(name, sizeof name, "%s[%s]", c->ops[i].name, why)
	            : snprintf(name, sizeof name, "%s", c->ops[i].name);
	if (n < 0)
		name[0] = '\0';
	c->st->unmapped++;
	return kineto_count(c, &c->unmapped_idx, &c->st->unmapped_names, &c->st->nunmapped_names,
	                    &c->cunmapped, name, ns);
}

static int kineto_ignored(struct kineto *c, size_t i)
{
	c->st->ignored++;
	return kineto_count(c, &c->ignored_idx, &c->st->ignored_names, &c->st->nignored_names,
	                    &c->cignored, c->ops[i].name, 0);
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

/* The args kept as text (kineto_read.c), parsed again; NULL when out of memory. */
static json_object *kineto_parse_args(const char *text)
{
	json_tokener *tok = json_tokener_new_ex(KINETO_DEPTH);
	json_object *o = tok ? json_tokener_parse_ex(tok, text, (int)strlen(text)) : NULL;
	if (tok)
		json_tokener_free(tok);
	return o;
}

/* Walks every thread's ops in time order: mapped ops become records (their subtree is part of
 * them), ignored and composite ops are looked through, the rest are unmapped. */
int kineto_walk(struct kineto *c)
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
			/* Its arguments, parsed for the time it is mapped. */
			struct kineto_op *mop = &c->ops[i];
			if (mop->args_text && !(mop->args = kineto_parse_args(mop->args_text)))
				return kineto_fail_op(c, i, "out of memory");
			int rc = map->cls == KINETO_C_GEMM   ? kineto_map_gemm(c, i, r)
			         : map->cls == KINETO_C_ATTN ? kineto_map_attn(c, i, r)
			                                     : kineto_map_vec(c, i, r);
			const char *why = rc == KINETO_EMPTY              ? "empty"
			                  : rc < 0 || rc == KINETO_MAPPED ? ""
			                                                  : kineto_why(op);
			/* kineto_why's text lives in the args: keep a copy past their release */
			char whybuf[512];
			snprintf(whybuf, sizeof whybuf, "%s", why);
			if (mop->args) {
				json_object_put(mop->args);
				mop->args = NULL;
			}
			if (rc < 0)
				return -1;
			if (rc == KINETO_MAPPED) {
				c->nrecs++;
				st->mapped[r->type]++;
			} else if (rc == KINETO_EMPTY && !op->tree_events) {
				if (kineto_ignored(c, i))
					return -1;
			} else if (kineto_unmapped(c, i, whybuf[0] ? whybuf : NULL, op->tree_ns)) {
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
