#include "arch/core/tensor.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TENSOR_PREC_NAME(id, name) name,
static const char *const tensor_prec_names[] = { TENSOR_PRECS(TENSOR_PREC_NAME) };

const char *tensor_prec_name(enum tensor_prec p)
{
	return tensor_prec_names[p];
}

#define RATE_FIELD(prec, key, def)                                                             \
	{                                                                                      \
		key, CFG_REAL, offsetof(struct tensor_config, macs_per_cycle[TENSOR_##prec]),  \
		    "MAC/cycle", 0, 1e7, def,                                                  \
		    "dense " key " multiply-accumulates per cycle per core: 0 (no such path) " \
		    "or 1 to 1e7",                                                             \
		    NULL                                                                       \
	}

static const struct cfg_field tensor_fields[] = {
	RATE_FIELD(FP32, "fp32", NULL),
	RATE_FIELD(TF32, "tf32", "0"),
	RATE_FIELD(FP16, "fp16", NULL),
	RATE_FIELD(BF16, "bf16", "0"),
	RATE_FIELD(FP8, "fp8", "0"),
	RATE_FIELD(INT8, "int8", "0"),
	RATE_FIELD(INT4, "int4", "0"),
	RATE_FIELD(FP4, "fp4", "0"),
	{ "sparse_modes", CFG_STRING, offsetof(struct tensor_config, sparse_modes), "", 0, 0,
	  "\"\"",
	  "native sparse modes, \"N:M:prec,prec ...\" (e.g. \"2:4:fp16,bf16,int8 1:2:tf32\"); \"\" "
	  "= dense only",
	  NULL },
	{ "efficiency", CFG_REAL, offsetof(struct tensor_config, efficiency), "", 0.05, 1, "1",
	  "calibration: steady-state fraction of peak MMA issue a well-tiled kernel sustains",
	  NULL },
	{ "narrow_efficiency", CFG_REAL, offsetof(struct tensor_config, narrow_efficiency), "",
	  0.05, 1, "1",
	  "calibration: share of `efficiency` that kernels of 8-bit and narrower types keep "
	  "(scaling epilogues, their own tile shapes)",
	  NULL },
	{ "skips_zero_activations", CFG_BOOL,
	  offsetof(struct tensor_config, skips_zero_activations), "", 0, 0, "false",
	  "GEMMs with activation sparsity (asp=) read and compute only the weight columns some "
	  "token needs (sparse-input kernels: TEAL, DejaVu); false: asp= is not exploited",
	  NULL },
	{ "overlaps_softmax", CFG_BOOL, offsetof(struct tensor_config, overlaps_softmax), "", 0, 0,
	  "false",
	  "fused attention overlaps softmax with the MMAs (asynchronous MMA, warp specialization: "
	  "Hopper); false: softmax waits on them (FlashAttention-2 on Ampere)",
	  NULL },
	{ "sparse_efficiency", CFG_REAL, offsetof(struct tensor_config, sparse_efficiency), "",
	  0.05, 1, "1",
	  "calibration: share of that issue rate the sparse MMA path keeps (metadata loads, "
	  "operand selection)",
	  NULL },
};

static int tensor_check(const void *blk, struct cfg_checker *chk)
{
	struct tensor_config copy = *(const struct tensor_config *)blk;
	char err[256];
	int rc = 0;
	/* A path of less than one MAC per cycle is no tensor core; a rate of 1e-300 would make
	 * one MAC take longer than any clock counts. */
	for (int p = 0; p < TENSOR_PREC_COUNT; p++)
		if (copy.macs_per_cycle[p] > 0 && copy.macs_per_cycle[p] < 1) {
			cfg_report(
			    chk, tensor_prec_names[p],
			    "%g MAC/cycle: a path runs 1 to 1e7 MAC per cycle, or is 0 (none)",
			    copy.macs_per_cycle[p]);
			rc = -1;
		}
	if (tensor_parse_modes(&copy, err, sizeof err)) {
		cfg_report(chk, "sparse_modes", "%s", err);
		return -1;
	}
	return rc;
}

const struct cfg_block tensor_cfg_block = {
	"tensor",
	tensor_fields,
	sizeof tensor_fields / sizeof tensor_fields[0],
	0 /* set by arch */,
	"tensor cores of one core: rates per precision, sparse modes",
	tensor_check,
};

static int prec_parse(const char *s, size_t len, enum tensor_prec *out)
{
	for (int p = 0; p < TENSOR_PREC_COUNT; p++)
		if (strlen(tensor_prec_names[p]) == len && !strncmp(s, tensor_prec_names[p], len)) {
			*out = (enum tensor_prec)p;
			return 0;
		}
	return -1;
}

/* A decimal number of N:M at *p (digits only, before end), saturated at 1000 so that no value
 * wraps into range ("4294967298" is not 2); *p moves past it. 0, or -1 without digits. */
static int mode_number(const char **p, const char *end, unsigned *out)
{
	const char *s = *p;
	unsigned v = 0;
	while (s < end && *s >= '0' && *s <= '9') {
		v = v * 10 + (unsigned)(*s - '0');
		if (v > 1000)
			v = 1000;
		s++;
	}
	if (s == *p)
		return -1;
	*p = s;
	*out = v;
	return 0;
}

int tensor_parse_modes(struct tensor_config *cfg, char *err, size_t errlen)
{
	cfg->nmodes = 0;
	const char *p = cfg->sparse_modes;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		const char *end = strchr(p, ' ');
		if (!end)
			end = p + strlen(p);
		unsigned n, m;
		const char *q = p;
		if (mode_number(&q, end, &n) || q == end || *q++ != ':' ||
		    mode_number(&q, end, &m) || q == end || *q++ != ':') {
			snprintf(err, errlen, "'%.*s': expected N:M:prec[,prec...]", (int)(end - p),
			         p);
			return -1;
		}
		if (n < 1 || n >= m || m > 256) {
			snprintf(err, errlen, "'%.*s': need 1 <= N < M <= 256", (int)(end - p), p);
			return -1;
		}
		if (cfg->nmodes == TENSOR_MAX_MODES) {
			snprintf(err, errlen, "more than %d sparse modes", TENSOR_MAX_MODES);
			return -1;
		}
		struct tensor_sparse_mode *mode = &cfg->modes[cfg->nmodes++];
		mode->n = n;
		mode->m = m;
		mode->prec_mask = 0;
		while (q < end) {
			const char *comma = memchr(q, ',', (size_t)(end - q));
			const char *stop = comma ? comma : end;
			enum tensor_prec prec;
			if (prec_parse(q, (size_t)(stop - q), &prec)) {
				snprintf(err, errlen,
				         "'%.*s': unknown precision (one of fp32 tf32 fp16 bf16 "
				         "fp8 int8 int4 fp4)",
				         (int)(stop - q), q);
				return -1;
			}
			mode->prec_mask |= 1u << prec;
			q = comma ? comma + 1 : end;
		}
		if (!mode->prec_mask) {
			snprintf(err, errlen, "'%.*s': no precision listed", (int)(end - p), p);
			return -1;
		}
		p = end;
	}
	return 0;
}

double tensor_efficiency(const struct tensor_config *cfg, enum tensor_prec p)
{
	bool narrow = p == TENSOR_FP8 || p == TENSOR_INT8 || p == TENSOR_INT4 || p == TENSOR_FP4;
	return cfg->efficiency * (narrow ? cfg->narrow_efficiency : 1);
}

enum tensor_prec tensor_dtype_class(enum trace_dtype d)
{
	switch (d) {
	case TRACE_DT_FP32: return TENSOR_FP32;
	case TRACE_DT_TF32: return TENSOR_TF32;
	case TRACE_DT_FP16: return TENSOR_FP16;
	case TRACE_DT_BF16: return TENSOR_BF16;
	case TRACE_DT_FP8E4M3:
	case TRACE_DT_FP8E5M2:
	case TRACE_DT_MXFP8:
	case TRACE_DT_FP6E3M2: /* fp6 computes on the fp8 path where there is no fp6 one */
	case TRACE_DT_FP6E2M3:
	case TRACE_DT_MXFP6: return TENSOR_FP8;
	case TRACE_DT_INT8:
	case TRACE_DT_MXINT8: return TENSOR_INT8;
	case TRACE_DT_INT4:
	case TRACE_DT_INT2: return TENSOR_INT4;
	case TRACE_DT_FP4E2M1:
	case TRACE_DT_MXFP4:
	case TRACE_DT_NVFP4: return TENSOR_FP4;
	default: return TENSOR_FP16;
	}
}

static enum tensor_prec promote(enum tensor_prec p)
{
	switch (p) {
	case TENSOR_FP4: return TENSOR_FP8;
	case TENSOR_FP8: return TENSOR_FP16;
	case TENSOR_INT4: return TENSOR_INT8;
	case TENSOR_INT8: return TENSOR_FP16;
	case TENSOR_TF32: return TENSOR_FP32;
	case TENSOR_BF16: return TENSOR_FP16;
	default: return TENSOR_FP32;
	}
}

enum tensor_prec tensor_math_prec(const struct tensor_config *cfg, enum trace_dtype a,
                                  enum trace_dtype w)
{
	enum tensor_prec pa = tensor_dtype_class(a), pw = tensor_dtype_class(w);
	/* Mixed inputs run at the activation's precision (W4A16: fp16 math after dequant);
	 * same-class inputs at their own. An 8-bit activation with a wider weight stays wide. */
	enum tensor_prec p = pa;
	if (pa != pw &&
	    (pw == TENSOR_FP32 || pw == TENSOR_TF32 || pw == TENSOR_FP16 || pw == TENSOR_BF16))
		p = pw;
	for (int guard = 0; cfg->macs_per_cycle[p] <= 0 && guard < TENSOR_PREC_COUNT; guard++)
		p = promote(p);
	return p;
}

const struct tensor_sparse_mode *tensor_native_mode(const struct tensor_config *cfg,
                                                    enum tensor_prec p, uint32_t n, uint32_t m)
{
	/* Of the modes that hold the pattern, the sparsest (the largest m'/n', the most MACs
	 * skipped); ties go to the first listed. */
	const struct tensor_sparse_mode *best = NULL;
	for (int i = 0; i < cfg->nmodes; i++) {
		const struct tensor_sparse_mode *mode = &cfg->modes[i];
		if (!(mode->prec_mask & (1u << p)))
			continue;
		/* m' divides M: worst case all N non-zeros in one m'-group. M divides m': an
		 * m'-group spans m'/M groups of at most N each. */
		bool holds = (m % mode->m == 0 && n <= mode->n) ||
		             (mode->m % m == 0 && n * (mode->m / m) <= mode->n);
		if (holds && (!best || (uint64_t)mode->m * best->n > (uint64_t)best->m * mode->n))
			best = mode;
	}
	return best;
}
