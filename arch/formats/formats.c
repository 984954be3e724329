#include "arch/formats/formats.h"

#include <math.h>

static double index_bits(uint32_t m)
{
	return ceil(log2((double)m));
}

void formats_dense(enum trace_dtype d, struct formats_operand *out)
{
	unsigned blk = trace_dtype_block(d);
	/* Every field set: a reused operand keeps nothing of its past. */
	*out = (struct formats_operand){
		.value_bits = trace_dtype_bits(d),
		.scale_bits = blk ? (double)trace_dtype_block_scale_bits(d) / blk : 0,
		.k_fraction = 1,
		.math_speedup = 1,
		.how = "dense",
	};
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
                    const struct trace_tensor *w, enum formats_layout layout,
                    struct formats_operand *out)
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
		out->value_bits = bits * sp->density;
		if (layout == FORMATS_TILED_CSL) {
			/* Flash-LLM's Tiled-CSL (csrc/SpMM_API.cu, InitSparseMatrixA_API): one
			 * 32-bit item per non-zero, its half value and a 16-bit position in its
			 * 128 x 64 tile; left out: the padding to 4 items per tile and one int
			 * offset per tile (0.004 bits per element). */
			out->meta_bits = 16 * sp->density;
			out->how = "Tiled-CSL, dense compute";
		} else {
			/* A bitmap of the dense tile plus the packed non-zeros (SpInfer). */
			out->meta_bits = 1;
			out->bitmap = true;
			out->how = "bitmap, dense compute";
		}
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
		out->bitmap = false;
		out->how = "stored dense (compression does not pay)";
	}
}

/* ---- decoding ------------------------------------------------------------------------- */

/* Instructions per stored element to convert dtype to the math precision prec (0 when the
 * tensor cores take it as stored), from the published kernels' inner loops (docs/research/fidelity.md §1.2):
 * Marlin int4->fp16 1.125 (1 SHR + 4 LOP3 + 2 HSUB2 + 2 HFMA2 per 8), FasterTransformer
 * int4->bf16 1.375, int8->fp16 1.0 (2 PRMT + 2 HSUB2 per 4), int8->bf16 2.5, fp8 and fp4 in
 * software on sm_80 about 2.3 (AND/AND/SHR/OR + SHL + HMUL2), fp8 with the sm_89+ pair
 * conversion 0.5 (one cvt.rn.f16x2.e4m3x2 per 2). */
static double convert_instr(enum trace_dtype dtype, enum tensor_prec prec, bool fp8_convert)
{
	enum tensor_prec cls = tensor_dtype_class(dtype);
	if (cls == prec)
		return 0;
	bool to_bf16 = prec == TENSOR_BF16;
	switch (cls) {
	case TENSOR_INT4: return to_bf16 ? 1.375 : 1.125;
	case TENSOR_INT8: return to_bf16 ? 2.5 : 1.0;
	case TENSOR_FP8: return fp8_convert ? 0.5 : 2.3;
	case TENSOR_FP4: return 2.3;
	case TENSOR_FP32:
	case TENSOR_TF32:
	case TENSOR_FP16:
	case TENSOR_BF16:
	case TENSOR_PREC_COUNT: break;
	}
	return 0.5; /* a plain width conversion (e.g. fp16 <-> bf16): one cvt per pair */
}

void formats_decode_cost(const struct formats_operand *f, enum trace_dtype dtype,
                         const struct trace_quant *q, const struct trace_sparsity *sp,
                         enum tensor_prec prec, bool fp8_convert, struct formats_decode *out)
{
	out->per_elem = out->per_other = 0;
	/* The stored share of the dense elements: what a per-stored-value cost applies to. */
	double stored = f->k_fraction * (f->native_sparse ? 1 / f->math_speedup : 1);
	double conv = convert_instr(dtype, prec, fp8_convert);
	if (conv > 0 && q && q->kind == TRACE_Q_GROUP)
		/* Marlin: 4 HMUL2 per 8 and a broadcast for group scales (+0.75); vLLM's zero
		 * points subtract one more half2 per 4 (+0.5). */
		conv += 0.75 + (q->zero_point ? 0.5 : 0);
	if (trace_dtype_block(dtype))
		conv += 1.25 / trace_dtype_block(dtype); /* an MX / NVFP4 block scale per block */
	double scatter = 0;
	if (sp && !f->native_sparse) {
		switch (sp->kind) {
		case TRACE_SP_UNSTRUCTURED:
		case TRACE_SP_NM:
		case TRACE_SP_VNM:
			/* Compressed, computed dense: each kept value is scattered into a zeroed dense
			 * tile (Flash-LLM: ~2 integer ops and one 16-bit shared store per nonzero,
			 * one 16-byte zero fill per 8 dense elements); the bitmap layout finds each
			 * value's place by popcount (SpInfer: ~5.5 per dense element) instead. */
			if (f->bitmap)
				scatter = 5.5;
			else if (f->value_bits + f->meta_bits < trace_dtype_bits(dtype))
				scatter = 3 * sp->density + 0.125;
			break;
		case TRACE_SP_BLOCK:
			scatter =
			    0.125 + 0.05 * sp->density; /* whole blocks copied, one index each */
			break;
		case TRACE_SP_DENSE:
		case TRACE_SP_COUNT: break;
		}
	}
	if (f->native_sparse)
		/* 2:4 metadata: one ldmatrix per 32 stored values (Sparse-Marlin). */
		scatter = stored / 32;
	out->per_elem = conv * (sp && !f->native_sparse && sp->kind != TRACE_SP_DENSE &&
	                                f->value_bits < trace_dtype_bits(dtype)
	                            ? sp->density
	                            : stored) +
	                scatter;
	/* V:N:M on 2:4 gathers the kept columns of the other operand: per 8 of its elements one
	 * index load from shared memory, ~4 integer ops and one async copy (Spatha). */
	if (sp && sp->kind == TRACE_SP_VNM && f->native_sparse)
		out->per_other = 0.75;
}
