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

const struct trace_tensor *ops_named_operand(const struct trace_op *op)
{
	switch (op->type) {
	case TRACE_OP_GEMM: return op->gemm.w;
	case TRACE_OP_ATTN: return op->attn.kv;
	case TRACE_OP_VEC:
	case TRACE_OP_COLL:
	case TRACE_OP_COUNT: break;
	}
	return NULL;
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
