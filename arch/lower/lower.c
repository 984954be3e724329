#include "arch/lower/lower.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static uint64_t ceil_div(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}
static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}
static double max3(double a, double b, double c)
{
	double m = a > b ? a : b;
	return m > c ? m : c;
}

/* The MMA instruction works on 16 rows of the weight side and 8 of the token side
 * (mma.sync m16n8k16 with the weight as the first operand): shorter edges are padded. */
enum { LOWER_PAD_M = 8, LOWER_PAD_N = 16 };
/* Tile rows per column of the launch order (CUTLASS GemmIdentityThreadblockSwizzle<8>). */
enum { LOWER_SWIZZLE = 8 };
static uint64_t pad(uint64_t x, uint64_t g)
{
	return ceil_div(x, g) * g;
}

static const uint64_t tile_ms[] = { 16, 32, 64, 128, 256 };
static const uint64_t tile_ns[] = { 32, 64, 128, 256 };
static const uint64_t tile_ks[] = { 32, 64, 128, 256, 512 };
static const uint64_t splits[] = { 1, 2, 3, 4, 6, 8, 12, 16 };

struct lower_ctx {
	const struct arch_config *cfg;
	struct lower_gemm_plan *p;
	double port_ps_per_byte, l2_ps_per_byte;
};

/* Bytes of an A step (rows x k), a B step (cols x k), a C tile. */
static double a_bytes(const struct lower_gemm_plan *p, uint64_t rows, uint64_t k)
{
	return (double)rows * k * formats_bits(&p->a) / 8;
}
static double b_bytes(const struct lower_gemm_plan *p, uint64_t cols, uint64_t k_eff_step)
{
	/* Storage covers the dense K that the kept columns stand for. */
	return (double)cols * k_eff_step / p->b.k_fraction * formats_bits(&p->b) / 8;
}

static double estimate(const struct lower_ctx *x, uint64_t tm, uint64_t tn, uint64_t tk,
                       uint64_t split)
{
	const struct lower_gemm_plan *p = x->p;
	const struct arch_config *cfg = x->cfg;
	uint64_t rows = min_u64(tm, p->m), cols = min_u64(tn, p->n);
	uint64_t tiles = ceil_div(p->m, tm) * ceil_div(p->n, tn) * p->count;
	uint64_t items = tiles * split;
	uint64_t steps = ceil_div(ceil_div(p->k_eff, split), tk);
	double compute =
	    (double)pad(rows, LOWER_PAD_M) * pad(cols, LOWER_PAD_N) * tk * p->ps_per_mac;
	double dequant = (double)cols * tk / p->b.math_speedup * p->dequant_ps_per_elem;
	double sbytes = a_bytes(p, rows, tk) + b_bytes(p, cols, tk);
	/* Little's law: `stages` loads in flight must cover a load's latency. */
	double latency = (cfg->hbm.latency + sbytes * x->port_ps_per_byte) / (double)p->stages;
	double step = max3(max3(compute, dequant, sbytes * x->port_ps_per_byte), latency, 0);
	double cbytes = (double)rows * cols * (split > 1 ? 32 : formats_bits(&p->c)) / 8;
	double item = (double)steps * step + cbytes * x->port_ps_per_byte + cfg->l2.latency;
	uint64_t waves = ceil_div(items, (uint64_t)cfg->core.count);
	double t_cores = (double)waves * item;
	/* Device memory: every operand once (L2 catches reuse), outputs once. */
	double t_hbm = hbm_stream_ps(
	    &cfg->hbm, (a_bytes(p, p->m, p->k_eff) + b_bytes(p, p->n, p->k_eff)) * p->count,
	    (double)p->m * p->n * p->count * formats_bits(&p->c) / 8);
	double t_l2 = (double)items * steps * sbytes * x->l2_ps_per_byte;
	/* Split-K adds a pass over fp32 partials through L2. */
	double t_reduce =
	    split > 1 ? (double)p->m * p->n * p->count * 4 * (split + 1) * x->l2_ps_per_byte : 0;
	return max3(t_cores, t_hbm, t_l2) + t_reduce + cfg->hbm.latency;
}

/* The datapath and the operands' storage costs of a GEMM; 0, or -1 with err if the machine
 * has no datapath for it. */
static int gemm_operands(const struct arch_config *cfg, const struct trace_op *op,
                         struct lower_gemm_plan *p, char *err, size_t errlen)
{
	memset(p, 0, sizeof *p);
	const struct trace_tensor *w = op->gemm.w;
	enum trace_dtype wdt = w ? w->dtype : op->gemm.b;
	p->prec = tensor_math_prec(&cfg->tensor, op->gemm.a, wdt);
	if (cfg->tensor.macs_per_cycle[p->prec] <= 0) {
		snprintf(err, errlen, "the machine has no datapath for %s x %s",
		         trace_dtype_name(op->gemm.a), trace_dtype_name(wdt));
		return -1;
	}
	formats_dense(op->gemm.a, &p->a);
	formats_dense(op->gemm.out, &p->c);
	if (w)
		formats_weight(&cfg->tensor, p->prec, w, &p->b);
	else
		formats_dense(wdt, &p->b);
	p->how = p->b.how;
	p->b_shared = w != NULL;
	p->stages = (uint64_t)cfg->smem.stages;
	return 0;
}

/* Bytes the smallest candidate tile needs in the buffer, all stages together. */
static double smallest_tile_bytes(const struct lower_gemm_plan *p)
{
	return (double)p->stages * (a_bytes(p, tile_ms[0], tile_ks[0]) + b_bytes(p, tile_ns[0], tile_ks[0]));
}

/* The sizes and per-MAC costs of a GEMM (after gemm_operands): K under sparsity, the MAC and
 * dequantization times. */
static void gemm_rates(const struct arch_config *cfg, const struct trace_op *op,
                       struct lower_gemm_plan *p)
{
	const struct trace_tensor *w = op->gemm.w;
	enum trace_dtype wdt = w ? w->dtype : op->gemm.b;
	p->m = op->gemm.m;
	p->n = op->gemm.n;
	p->k = op->gemm.k;
	p->count = op->gemm.count;
	/* Activation sparsity (asp=): a machine with sparse-input kernels (TEAL, DejaVu) reads
	 * and multiplies only the weight columns some token needs: with density asp per row
	 * and m independent rows, a share 1 - (1 - asp)^m of K. */
	p->act_keep = 1;
	if (op->gemm.asp < 1 && cfg->tensor.skips_zero_activations)
		p->act_keep = 1 - pow(1 - op->gemm.asp, (double)p->m);
	p->k_eff = (uint64_t)ceil((double)p->k * p->b.k_fraction * p->act_keep);
	if (p->k_eff < 1)
		p->k_eff = 1;

	double cycle = arch_cycle_ps(cfg);
	p->ps_per_mac = cycle / (cfg->tensor.macs_per_cycle[p->prec] * p->b.math_speedup *
	                         cfg->tensor.efficiency *
	                         (p->b.native_sparse ? cfg->tensor.sparse_efficiency : 1.0));
	/* Weights stored in another class than the math (int4 into fp16, fp8 on a machine
	 * without fp8) are converted in the core before the MMA, overlapped with it. */
	if (tensor_dtype_class(wdt) != p->prec && cfg->vec.dequant_ops_per_elem > 0)
		p->dequant_ps_per_elem =
		    cycle * cfg->vec.dequant_ops_per_elem / cfg->vec.fp16_ops_per_cycle;
}

int lower_gemm_check(const struct arch_config *cfg, const struct trace_op *op,
                     struct lower_gemm_size *size, char *err, size_t errlen)
{
	struct lower_gemm_plan p;
	if (gemm_operands(cfg, op, &p, err, errlen))
		return -1;
	if (smallest_tile_bytes(&p) > (double)cfg->smem.size) {
		snprintf(err, errlen, "no tile of %s operands fits the %llu-byte buffer",
		         tensor_prec_name(p.prec), (unsigned long long)cfg->smem.size);
		return -1;
	}
	gemm_rates(cfg, op, &p);
	/* Tiles are multiples of the MMA's 8 x 16, so only the edges of C are padded. */
	size->k_eff = p.k_eff;
	size->min_ps = (double)pad(p.m, LOWER_PAD_M) * (double)pad(p.n, LOWER_PAD_N) *
	               (double)p.k_eff * (double)p.count * p.ps_per_mac / (double)cfg->core.count;
	return 0;
}

int lower_gemm(const struct arch_config *cfg, const struct trace_op *op, struct lower_gemm_plan *p,
               char *err, size_t errlen)
{
	if (gemm_operands(cfg, op, p, err, errlen))
		return -1;
	gemm_rates(cfg, op, p);
	double cycle = arch_cycle_ps(cfg);

	struct lower_ctx x = { cfg, p, cycle / cfg->smem.fill_bytes_per_cycle,
		               1e12 / cfg->l2.bandwidth };
	double best = INFINITY;
	uint64_t stages = (uint64_t)cfg->smem.stages;
	p->stages = stages;
	for (size_t i = 0; i < sizeof tile_ms / sizeof *tile_ms; i++)
		for (size_t j = 0; j < sizeof tile_ns / sizeof *tile_ns; j++)
			for (size_t kk = 0; kk < sizeof tile_ks / sizeof *tile_ks; kk++) {
				uint64_t tm = tile_ms[i], tn = tile_ns[j], tk = tile_ks[kk];
				double buf =
				    (double)stages * (a_bytes(p, tm, tk) + b_bytes(p, tn, tk));
				if (buf > (double)cfg->smem.size)
					continue;
				uint64_t tiles = ceil_div(p->m, tm) * ceil_div(p->n, tn) * p->count;
				for (size_t s = 0; s < sizeof splits / sizeof *splits; s++) {
					uint64_t split = splits[s];
					if (split > 1 &&
					    (tiles * split > 4 * (uint64_t)cfg->core.count ||
					     ceil_div(p->k_eff, split) < tk))
						break;
					double est = estimate(&x, tm, tn, tk, split);
					/* Strictly better only: ties keep the earlier (smaller split,
					 * smaller tile) candidate, so the choice is deterministic. */
					if (est < best * (1 - 1e-9)) {
						best = est;
						p->tile_m = tm;
						p->tile_n = tn;
						p->tile_k = tk;
						p->split = split;
					}
				}
			}
	if (!p->tile_m) {
		snprintf(err, errlen, "no tile of %s operands fits the %llu-byte buffer",
		         tensor_prec_name(p->prec), (unsigned long long)cfg->smem.size);
		return -1;
	}
	p->stages = stages;
	p->est_ps = best;
	p->tiles_m = ceil_div(p->m, p->tile_m);
	p->tiles_n = ceil_div(p->n, p->tile_n);
	p->steps_total = ceil_div(p->k_eff, p->tile_k);
	p->steps_per_item = ceil_div(p->steps_total, p->split);
	/* Split-K may leave the last parts without steps: drop them. */
	p->split = ceil_div(p->steps_total, p->steps_per_item);
	p->items = p->tiles_m * p->tiles_n * p->count * p->split;
	/* CUTLASS's threadblock swizzle: launch order walks LOWER_SWIZZLE tile rows at a time. */
	p->swizzle = p->tiles_m < LOWER_SWIZZLE ? p->tiles_m : LOWER_SWIZZLE;
	return 0;
}
