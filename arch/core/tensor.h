/* tensor — the tensor cores of one core (an SM): math rate per datapath precision and the
 * N:M sparse modes the hardware runs natively.
 *
 * Models: MACs per cycle per core for each precision (0 = the machine has no such path);
 * native sparse modes as "N:M:dtype,dtype" entries, each doubling (M/N) the math rate of the
 * listed precisions for operands that satisfy the pattern; one steady-state issue efficiency.
 * Not: per-instruction shapes (mma m16n8k16), register-file bandwidth, warp scheduling.
 * Numbers: the architecture file (each configs file cites whitepapers and the PTX ISA).
 */
#ifndef NMSIM_TENSOR_H
#define NMSIM_TENSOR_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/cfg.h"
#include "traces/trace.h"

/* Datapath precisions: what the multipliers compute in, not how operands are stored. */
#define TENSOR_PRECS(X) \
	X(FP32, "fp32") \
	X(TF32, "tf32") \
	X(FP16, "fp16") \
	X(BF16, "bf16") \
	X(FP8, "fp8")   \
	X(INT8, "int8") \
	X(INT4, "int4") \
	X(FP4, "fp4")
#define TENSOR_PREC_ENUM(id, name) TENSOR_##id,
enum tensor_prec { TENSOR_PRECS(TENSOR_PREC_ENUM) TENSOR_PREC_COUNT };

#define TENSOR_MAX_MODES 8

struct tensor_sparse_mode {
	uint32_t n, m;
	uint32_t prec_mask; /* bit p set: precision p runs this mode natively */
};

struct tensor_config {
	double macs_per_cycle[TENSOR_PREC_COUNT]; /* per core, dense */
	char sparse_modes[CFG_STRING_MAX]; /* e.g. "2:4:fp16,bf16,int8 1:2:tf32"; "" = none */
	double efficiency;                 /* steady-state fraction of peak issue */
	double narrow_efficiency;    /* of that, what kernels of 8-bit and narrower types keep */
	double sparse_efficiency;    /* of that, what the sparse MMA path keeps */
	bool overlaps_softmax;       /* asynchronous MMA lets softmax overlap it (Hopper wgmma) */
	bool skips_zero_activations; /* sparse-input GEMMs read only the weight columns needed */
	/* Parsed from sparse_modes by tensor_parse_modes (not read from the file). */
	struct tensor_sparse_mode modes[TENSOR_MAX_MODES];
	int nmodes;
};

extern const struct cfg_block tensor_cfg_block;

const char *tensor_prec_name(enum tensor_prec p);
/* Parses cfg->sparse_modes into cfg->modes; 0, or -1 with a message in err. */
int tensor_parse_modes(struct tensor_config *cfg, char *err, size_t errlen);

/* The steady-state fraction of peak issue at precision p. */
double tensor_efficiency(const struct tensor_config *cfg, enum tensor_prec p);

/* The precision a GEMM's math runs in, given the activation and weight storage dtypes:
 * same class and supported → that; mixed → the activation's class (weights dequantized);
 * a class the machine lacks is promoted (fp4→fp8→fp16, int4→int8→fp16, tf32→fp32). */
enum tensor_prec tensor_math_prec(const struct tensor_config *cfg, enum trace_dtype a,
                                  enum trace_dtype w);
/* The class a storage dtype computes in when nothing forces a promotion. */
enum tensor_prec tensor_dtype_class(enum trace_dtype d);

/* The native mode that runs an N:M (or V:N:M's inner 2:4) pattern at precision p: a mode
 * n':m' runs N:M when every m'-group of an N:M row holds at most n' non-zeros. NULL if none. */
const struct tensor_sparse_mode *tensor_native_mode(const struct tensor_config *cfg,
                                                    enum tensor_prec p, uint32_t n, uint32_t m);

#endif
