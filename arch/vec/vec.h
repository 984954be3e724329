/* vec — a core's vector and special-function units (CUDA cores on a GPU).
 *
 * Models: element-wise throughput per core per cycle (fp16/bf16 and fp32 FMA lanes, and the
 * special-function unit for exp/rsqrt) for the per-kind roofline of `vec` ops and softmax; the
 * core's instruction issue rate, which bounds the decode stage of tiled ops (unpacking,
 * scaling, scattering stored operands: arch/formats), or a hardware decompressor's rate.
 * Not: per-instruction latency, warp divergence, register pressure.
 * Numbers: the architecture file (whitepapers: non-tensor FP16/FP32 TFLOPS, SFU per SM).
 */
#ifndef NMSIM_VEC_H
#define NMSIM_VEC_H

#include <stdbool.h>

#include "sim/cfg.h"

struct vec_config {
	double fp16_ops_per_cycle; /* per core: half-precision operations (an FMA = 2) */
	double fp32_ops_per_cycle; /* per core */
	double sfu_ops_per_cycle;  /* per core: exp, rsqrt, ... */
	double issue_per_cycle;    /* thread-instructions issued per cycle: the decode stage */
	bool fp8_convert;          /* hardware fp8 -> 16-bit pair conversion */
	double decompress_bytes_per_cycle; /* hardware decompressor per core; 0: none */
};

extern const struct cfg_block vec_cfg_block;

#endif
