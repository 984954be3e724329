#include "arch/formats/formats.h"

#include <math.h>

static double index_bits(uint32_t m)
{
	return ceil(log2((double)m));
}

void formats_dense(enum trace_dtype d, struct formats_operand *out)
{
	out->value_bits = trace_dtype_bits(d);
	unsigned blk = trace_dtype_block(d);
	out->scale_bits = blk ? (double)trace_dtype_block_scale_bits(d) / blk : 0;
	out->meta_bits = 0;
	out->k_fraction = 1;
	out->math_speedup = 1;
	out->native_sparse = false;
	out->how = "dense";
}

static double quant_scale_bits(const struct trace_quant *q, uint64_t row_len)
{
	switch (q->kind) {
	case TRACE_Q_GROUP: {
		double per_group = trace_dtype_bits(q->scale_dtype) * (q->zero_point ? 2.0 : 1.0);
		return per_group / (double)q->group;
	}
	case TRACE_Q_CHANNEL: /* one scale per row, spread over its elements */
		return row_len ? 16.0 / (double)row_len : 0;
	default: return 0; /* per-tensor: a few bytes in all */
	}
}

void formats_quantized(enum trace_dtype d, const struct trace_quant *q, uint64_t row_len,
		       struct formats_operand *out)
{
	formats_dense(d, out);
	out->scale_bits += quant_scale_bits(q, row_len);
	if (out->scale_bits > 0)
		out->how = "dense, scaled";
}

void formats_weight(const struct tensor_config *tc, enum tensor_prec prec,
                    const struct trace_tensor *w, struct formats_operand *out)
{
	formats_dense(w->dtype, out);
	out->scale_bits += quant_scale_bits(&w->q, w->cols);
	double bits = trace_dtype_bits(w->dtype);
	const struct trace_sparsity *sp = &w->sp;
	const struct tensor_sparse_mode *mode;

	switch (sp->kind) {
	case TRACE_SP_NM:
		mode = tensor_native_mode(tc, prec, sp->n, sp->m);
		if (mode) {
			/* Stored in the native layout: n'/m' values, index bits per kept value. */
			double kept = (double)mode->n / mode->m;
			out->value_bits = bits * kept;
			out->meta_bits = kept * index_bits(mode->m);
			out->math_speedup = (double)mode->m / mode->n;
			out->native_sparse = true;
			out->how = "N:M native";
		} else {
			double kept = (double)sp->n / sp->m;
			out->value_bits = bits * kept;
			out->meta_bits = kept * index_bits(sp->m);
			out->how = "N:M compressed, dense compute";
		}
		break;
	case TRACE_SP_VNM:
		/* VENOM: per V x M block keep 4 columns (8-bit index each, shared by V rows), then
		 * N of those 4 per row in 2:4 form on the sparse tensor cores. */
		mode = tensor_native_mode(tc, prec, 2, 4);
		out->value_bits = bits * sp->n / sp->m;
		out->meta_bits = (double)sp->n / sp->m * 2 + 4.0 * 8 / ((double)sp->v * sp->m);
		if (mode && sp->n <= 2) {
			out->k_fraction = 4.0 / sp->m;
			out->math_speedup = 2;
			out->native_sparse = true;
			out->how = "V:N:M on 2:4";
		} else {
			out->how = "V:N:M compressed, dense compute";
		}
		break;
	case TRACE_SP_UNSTRUCTURED:
		/* Bitmap plus packed non-zeros (Flash-LLM's tiled bitmap layout). */
		out->value_bits = bits * sp->density;
		out->meta_bits = 1;
		out->how = "bitmap, dense compute";
		break;
	case TRACE_SP_BLOCK:
		out->value_bits = bits * sp->density;
		out->meta_bits = sp->density * 32.0 / ((double)sp->r * sp->c);
		out->how = "block-compressed, dense compute";
		break;
	default: break;
	}
	if (sp->kind == TRACE_SP_DENSE && out->scale_bits > 0)
		out->how = "dense, scaled";
	/* Compressed storage never costs more than dense: a format that would is stored dense. */
	if (!out->native_sparse && out->value_bits + out->meta_bits > bits) {
		out->value_bits = bits;
		out->meta_bits = 0;
		out->how = "stored dense (compression does not pay)";
	}
}
