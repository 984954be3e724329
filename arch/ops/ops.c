#include "arch/ops/ops.h"

#include <stdio.h>

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

uint64_t ops_sat_mul(uint64_t a, uint64_t b)
{
	uint64_t r;
	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

uint64_t ops_sat_add(uint64_t a, uint64_t b)
{
	uint64_t r;
	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

uint64_t ops_l2_tiles(const struct arch_config *cfg, uint64_t tiles)
{
	/* As l2_init sizes the usable capacity. */
	uint64_t lines = (uint64_t)((double)cfg->l2.size * cfg->l2.usable) + 1;
	return tiles < lines ? tiles : lines;
}

int ops_check_time(double ps, char *err, size_t errlen)
{
	if (ps <= OPS_TIME_MAX_PS)
		return 0;
	snprintf(err, errlen,
	         "this op would take at least %.3g s on this machine, more than the %.0f s (2^58 "
	         "ps) one op may take",
	         ps * 1e-12, OPS_TIME_MAX_PS * 1e-12);
	return -1;
}
