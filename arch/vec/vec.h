/* vec — a core's vector and special-function units (CUDA cores on a GPU).
 *
 * Models: element-wise throughput per core per cycle (fp16/bf16 and fp32 FMA lanes, and the
 * special-function unit for exp/rsqrt), used for weight dequantization inside GEMMs and for
 * the per-kind roofline of `vec` ops.
 * Not: per-instruction latency, warp divergence, register pressure.
 * Numbers: the architecture file (whitepapers: non-tensor FP16/FP32 TFLOPS, SFU per SM).
 */
#ifndef NMSIM_VEC_H
#define NMSIM_VEC_H

#include "sim/cfg.h"

struct vec_config {
	double fp16_ops_per_cycle;   /* per core: half-precision operations (an FMA = 2) */
	double fp32_ops_per_cycle;   /* per core */
	double sfu_ops_per_cycle;    /* per core: exp, rsqrt, ... */
	double dequant_ops_per_elem; /* ALU operations to dequantize one low-bit weight */
};

extern const struct cfg_block vec_cfg_block;

#endif
