/* capacity — what a trace needs of the machine's device memory (hbm.size): the stored bytes
 * of its weights, its KV caches at their longest, and the largest activations of one op.
 *
 * Models: weights as the machine stores them (values, sparsity metadata, scales: arch/formats);
 * a KV cache per layer at the longest sequence an attention op of that layer reads (K and V,
 * in the cache's dtype and quantization); activations as the largest inputs plus output of
 * any one op (a framework frees the rest). Tensor parallelism splits weights and KV caches.
 * Not: allocator fragmentation, workspace buffers, the framework's own memory, CUDA context.
 * Numbers: none of its own. */
#include "arch/arch.h"

#include "arch/core/tensor.h"
#include "arch/formats/formats.h"
#include "arch/lower/menu.h"

/* Whole bytes, saturating at UINT64_MAX: sizes here come from any trace, unbounded (unlike the
 * models' bytes_of, sim/arith.h). */
static uint64_t bytes_sat(double b)
{
	return b >= 1.8e19 ? UINT64_MAX : (uint64_t)(b + 0.999999);
}

uint64_t arch_weight_bytes(const struct arch_config *cfg, const struct trace_tensor *w)
{
	if (w->role != TRACE_ROLE_WEIGHT)
		return 0;
	struct formats_operand f;
	formats_weight(&cfg->tensor, tensor_math_prec(&cfg->tensor, w->dtype, w->dtype), w,
	               lower_menu_get(cfg->mapper.menu)->layout, &f);
	return bytes_sat((double)w->rows * (double)w->cols * formats_bits(&f) / 8);
}

static double dense_bytes(enum trace_dtype d, double elems)
{
	struct formats_operand f;
	formats_dense(d, &f);
	return elems * formats_bits(&f) / 8;
}

void arch_op_footprint(const struct arch_config *cfg, const struct trace_op *op,
                       struct arch_footprint *out)
{
	(void)cfg;
	*out = (struct arch_footprint){ 0, 0, 0 };
	switch (op->type) {
	case TRACE_OP_GEMM: {
		double count = (double)op->gemm.count;
		double a = dense_bytes(op->gemm.a, (double)op->gemm.m * op->gemm.k * count);
		double b = op->gemm.w
		               ? 0
		               : dense_bytes(op->gemm.b, (double)op->gemm.k * op->gemm.n * count);
		double c = dense_bytes(op->gemm.out, (double)op->gemm.m * op->gemm.n * count);
		out->act_bytes = bytes_sat(a + b + c);
		return;
	}
	case TRACE_OP_ATTN: {
		double q = (double)op->attn.b * op->attn.hq * op->attn.sq * op->attn.d;
		out->act_bytes = bytes_sat(2 * dense_bytes(op->attn.q, q)); /* Q in, O out */
		const struct trace_tensor *kv = op->attn.kv;
		struct formats_operand f;
		struct trace_quant none = { TRACE_Q_NONE, 0, TRACE_DT_FP16, false };
		formats_quantized(kv ? kv->dtype : TRACE_DT_FP16, kv ? &kv->q : &none, op->attn.d,
		                  &f);
		double kv_elems = 2.0 * op->attn.b * op->attn.hkv * op->attn.skv * op->attn.d;
		out->kv_bytes = bytes_sat(kv_elems * formats_bits(&f) / 8);
		out->kv_key =
		    (uint64_t)(uintptr_t)kv ^ ((uint64_t)(op->layer + 2) * 0x9e3779b97f4a7c15ULL);
		return;
	}
	case TRACE_OP_VEC: {
		double elems = (double)op->vec.rows * op->vec.cols;
		out->act_bytes =
		    bytes_sat(dense_bytes(op->vec.dtype, elems) * (double)(op->vec.inputs + 1));
		return;
	}
	case TRACE_OP_COLL:
		out->act_bytes = op->coll.bytes <= UINT64_MAX / 2 ? 2 * op->coll.bytes : UINT64_MAX;
		return;
	case TRACE_OP_COUNT: break;
	}
}
