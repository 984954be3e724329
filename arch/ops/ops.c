#include "arch/ops/ops.h"

#include "sim/log.h"

const struct op_kind *ops_kind(enum trace_op_type type)
{
	switch (type) {
	case TRACE_OP_GEMM: return &ops_gemm;
	case TRACE_OP_ATTN: return &ops_attn;
	case TRACE_OP_VEC: return &ops_vec;
	case TRACE_OP_COLL: return &ops_coll;
	case TRACE_OP_COUNT: break;
	}
	SIM_ASSERT(0, "ops", 0, "op type %d has no op kind", (int)type);
}

uint64_t ops_keep_key(const struct trace_op *op)
{
	switch (op->type) {
	case TRACE_OP_GEMM: return (uint64_t)(uintptr_t)op->gemm.w;
	case TRACE_OP_ATTN:
		/* One KV tensor stands for every layer's cache: each layer reads its own slice. */
		if (!op->attn.kv)
			return 0;
		return (uint64_t)(uintptr_t)op->attn.kv ^
		       ((uint64_t)(op->layer + 2) * 0x9e3779b97f4a7c15ULL);
	case TRACE_OP_VEC:
	case TRACE_OP_COLL:
	case TRACE_OP_COUNT: break;
	}
	return 0;
}

size_t ops_max_plan_size(void)
{
	size_t max = 0;
	for (int t = 0; t < TRACE_OP_COUNT; t++) {
		size_t s = ops_kind((enum trace_op_type)t)->plan_size;
		if (s > max)
			max = s;
	}
	return max;
}
