#include "driver/opdesc.h"

#include <inttypes.h>
#include <stdio.h>

void opdesc_label(const struct trace_op *op, char *buf, size_t len)
{
	if (op->name && op->name[0]) {
		snprintf(buf, len, "%s", op->name);
		return;
	}
	switch (op->type) {
	case TRACE_OP_VEC: snprintf(buf, len, "vec.%s", trace_vec_kind_name(op->vec.kind)); return;
	case TRACE_OP_COLL:
		snprintf(buf, len, "coll.%s", trace_coll_kind_name(op->coll.kind));
		return;
	case TRACE_OP_GEMM:
	case TRACE_OP_ATTN:
	case TRACE_OP_COUNT: break;
	}
	snprintf(buf, len, "%s", trace_op_type_name(op->type));
}

void opdesc_shape(const struct trace_op *op, char *buf, size_t len)
{
	switch (op->type) {
	case TRACE_OP_GEMM:
		if (op->gemm.count > 1)
			snprintf(buf, len, "%" PRIu64 "x%" PRIu64 "x%" PRIu64 " x%" PRIu64,
			         op->gemm.m, op->gemm.n, op->gemm.k, op->gemm.count);
		else
			snprintf(buf, len, "%" PRIu64 "x%" PRIu64 "x%" PRIu64, op->gemm.m,
			         op->gemm.n, op->gemm.k);
		return;
	case TRACE_OP_ATTN:
		snprintf(buf, len,
		         "b%" PRIu64 " hq%" PRIu64 " hkv%" PRIu64 " d%" PRIu64 " sq%" PRIu64
		         " skv%" PRIu64,
		         op->attn.b, op->attn.hq, op->attn.hkv, op->attn.d, op->attn.sq,
		         op->attn.skv);
		return;
	case TRACE_OP_VEC:
		snprintf(buf, len, "%" PRIu64 "x%" PRIu64, op->vec.rows, op->vec.cols);
		return;
	case TRACE_OP_COLL:
		snprintf(buf, len, "%" PRIu64 " B x %" PRIu64, op->coll.bytes, op->coll.ranks);
		return;
	case TRACE_OP_COUNT: break;
	}
	snprintf(buf, len, "-");
}

/* dtype, then sparsity and quantization when not dense / none. */
static void tensor_format(const struct trace_tensor *t, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s", trace_dtype_name(t->dtype));
	const struct trace_sparsity *sp = &t->sp;
	if (n >= 0 && (size_t)n < len) {
		switch (sp->kind) {
		case TRACE_SP_NM:
			n += snprintf(buf + n, len - n, " nm:%" PRIu64 ":%" PRIu64, sp->n, sp->m);
			break;
		case TRACE_SP_VNM:
			n += snprintf(buf + n, len - n, " vnm:%" PRIu64 ":%" PRIu64 ":%" PRIu64,
			              sp->v, sp->n, sp->m);
			break;
		case TRACE_SP_UNSTRUCTURED:
			n += snprintf(buf + n, len - n, " unstructured:%g", sp->density);
			break;
		case TRACE_SP_BLOCK:
			n += snprintf(buf + n, len - n, " block:%" PRIu64 ":%" PRIu64 ":%g", sp->r,
			              sp->c, sp->density);
			break;
		case TRACE_SP_DENSE:
		case TRACE_SP_COUNT: break;
		}
	}
	if (n >= 0 && (size_t)n < len && t->q.kind != TRACE_Q_NONE) {
		if (t->q.kind == TRACE_Q_GROUP)
			snprintf(buf + n, len - n, " group:%" PRIu64 "%s", t->q.group,
			         t->q.zero_point ? ":zp" : "");
		else
			snprintf(buf + n, len - n, " %s", trace_q_kind_name(t->q.kind));
	}
}

void opdesc_format(const struct trace_op *op, char *buf, size_t len)
{
	switch (op->type) {
	case TRACE_OP_GEMM:
		if (op->gemm.w)
			tensor_format(op->gemm.w, buf, len);
		else
			snprintf(buf, len, "%s", trace_dtype_name(op->gemm.b));
		return;
	case TRACE_OP_ATTN:
		if (op->attn.kv) {
			char t[96];
			tensor_format(op->attn.kv, t, sizeof t);
			snprintf(buf, len, "kv %s", t);
		} else {
			snprintf(buf, len, "kv fp16");
		}
		return;
	case TRACE_OP_VEC: snprintf(buf, len, "%s", trace_dtype_name(op->vec.dtype)); return;
	case TRACE_OP_COLL:
	case TRACE_OP_COUNT: break;
	}
	snprintf(buf, len, "-");
}
