/* formats — what a stored operand costs: value, sparsity-metadata and scale bits per dense
 * element, and how much of its math a machine can skip.
 *
 * Models: dense and quantized storage (per-tensor / per-channel / group scales and zero
 * points, MX and NVFP4 block scales); N:M run natively when the tensor cores list a mode that
 * covers it (stored in the native mode's layout: n'/m' values + index bits per kept value);
 * N:M the machine cannot run natively stored compressed and computed dense; VENOM V:N:M on a
 * 2:4 mode (4 of every M columns kept per V rows, 8-bit column indices, then 2:4 inside);
 * unstructured compressed in memory and computed dense, in the layout the kernel library keeps
 * (a bitmap of the dense tile plus the packed values, as SpInfer; or Flash-LLM's Tiled-CSL, each
 * non-zero with a 16-bit position in its tile); block (one 32-bit index per kept block).
 * Also what decoding costs: the instructions a core's ALUs issue to turn a stored element into a
 * tensor-core operand (unpacking and scaling low-bit types, scattering compressed sparse values
 * into a dense tile, gathering V:N:M's columns of the other operand), from the inner loops of
 * the published kernels (formats_decode_cost; docs/research/fidelity.md cites each count).
 * Not: activation sparsity (asp=) decoding; bank conflicts of the scatter.
 * Numbers: PTX ISA "Sparse matrix storage" (2-bit indices per kept 16/8-bit value); VENOM
 * (SC'23) for V:N:M column indices; OCP MX spec (E8M0 per 32), NVFP4 (E4M3 per 16).
 */
#ifndef NMSIM_FORMATS_H
#define NMSIM_FORMATS_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/core/tensor.h"
#include "traces/trace.h"

/* How a library stores unstructured sparse weights. */
enum formats_layout {
	FORMATS_BITMAP,    /* 1 bit per dense element + the packed non-zeros (SpInfer) */
	FORMATS_TILED_CSL, /* per non-zero its value and a 16-bit position in its tile (Flash-LLM) */
};

struct formats_operand {
	double value_bits;   /* stored value bits per dense element */
	double meta_bits;    /* sparsity metadata bits per dense element */
	double scale_bits;   /* quantization and block-scale bits per dense element */
	double k_fraction;   /* fraction of K the tensor cores iterate over (V:N:M: 4/M) */
	double math_speedup; /* rate multiplier of the native sparse mode used (1 = dense math) */
	bool native_sparse;  /* the tensor cores skip zeros natively */
	bool bitmap;         /* unstructured in the bitmap layout (its values placed by popcount) */
	const char *how;     /* one phrase for reports: "2:4 native", "dense compute", ... */
};

/* The cost of weight tensor w when its GEMM's math runs at precision prec on tensor cores tc,
 * unstructured sparsity stored in `layout`. */
void formats_weight(const struct tensor_config *tc, enum tensor_prec prec,
                    const struct trace_tensor *w, enum formats_layout layout,
                    struct formats_operand *out);
/* The cost of a dense operand stored as dtype d (activations, KV, outputs): value bits plus
 * the block scales that mx and nvfp4 types carry. */
void formats_dense(enum trace_dtype d, struct formats_operand *out);
/* A dense operand of dtype d with quantization q, rows of row_len elements (per-channel
 * scales spread over a row): the KV cache's format. */
void formats_quantized(enum trace_dtype d, const struct trace_quant *q, uint64_t row_len,
                       struct formats_operand *out);
/* Decoding: instructions (one thread's each) per element. */
struct formats_decode {
	double per_elem;  /* per dense element of the operand, to make it a tensor-core operand */
	double per_other; /* per element of the other operand it multiplies (V:N:M's gather) */
};
/* What decoding operand f costs when its elements are stored as dtype with quantization q
 * (NULL: none) and sparsity sp (NULL: dense) and the math runs at prec; fp8_convert: the cores
 * convert fp8 pairs in hardware (sm_89 and later). */
void formats_decode_cost(const struct formats_operand *f, enum trace_dtype dtype,
                         const struct trace_quant *q, const struct trace_sparsity *sp,
                         enum tensor_prec prec, bool fp8_convert, struct formats_decode *out);

/* Total bits per dense element. */
static inline double formats_bits(const struct formats_operand *f)
{
	return f->value_bits + f->meta_bits + f->scale_bits;
}

#endif
