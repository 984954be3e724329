#include "arch/lower/lower.h"

#include <stddef.h>

#include "arch/core/core.h"
#include "sim/arith.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The MMA instruction works on 16 rows of the weight side and 8 of the token side
 * (mma.sync m16n8k16 with the weight as the first operand): shorter edges are padded. */
enum { LOWER_PAD_M = 8, LOWER_PAD_N = 16 };
/* Tile rows per column of the launch order (CUTLASS GemmIdentityThreadblockSwizzle<8>). */
enum { LOWER_SWIZZLE = 8 };

static const struct cfg_field mapper_fields[] = {
	{ "menu", CFG_ENUM, offsetof(struct mapper_config, menu), "", 0, 0, "\"best\"",
	  "tiles the mapper may pick: best (every tile the buffer allows), or a library's menu: "
	  "cutlass_sm80, cutlass_sm80_sparse, cutlass_sm90, spatha, marlin, flash_llm (which "
	  "also stores unstructured weights as its Tiled-CSL; the others as a bitmap), tinygemm "
	  "(PyTorch's int4 weight-only kernel: one stage, nothing prefetched); a menu holds every "
	  "GEMM of the run, whatever its operands",
	  lower_menu_names },
	{ "autotune", CFG_BOOL, offsetof(struct mapper_config, autotune), "", 0, 0, "false",
	  "with menu = best: simulate the estimate's pick from the own tile grid and from every "
	  "library menu and keep the fastest, as an autotuner measures candidates (no library's "
	  "menu is then ever faster than best; each distinct GEMM costs up to 8 simulations); "
	  "false: the estimate alone picks, as a library's heuristic does",
	  NULL },
};

const struct cfg_block mapper_cfg_block = {
	"mapper",
	mapper_fields,
	sizeof mapper_fields / sizeof mapper_fields[0],
	0,
	"how GEMM tiles are picked (a library's tile menu)",
	NULL,
};

static const uint64_t tile_ms[] = { 16, 32, 64, 128, 256 };
static const uint64_t tile_ns[] = { 32, 64, 128, 256 };
static const uint64_t tile_ks[] = { LOWER_MIN_TILE_K, 64, 128, 256, 512 };
static const uint64_t splits[] = { 1, 2, 3, 4, 6, 8, 12, 16 };
#define LOWER_GRID_MAX_SPLIT 16

/* How closely the loaded latency is settled (ps): a nanosecond. */
#define LOWER_LATENCY_TOL 1000.0

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

/* The op's time with tile tm x tn x tk split `split` ways when device memory answers a load
 * after hbm_latency ps; *hbm_ps: the part of it device memory is busy. */
static double estimate_at(const struct lower_ctx *x, double hbm_latency, uint64_t tm, uint64_t tn,
                          uint64_t tk, uint64_t split, double *hbm_ps)
{
	const struct lower_gemm_plan *p = x->p;
	const struct arch_config *cfg = x->cfg;
	uint64_t rows = min_u64(tm, p->m), cols = min_u64(tn, p->n);
	uint64_t tiles = ceil_div(p->m, tm) * ceil_div(p->n, tn) * p->count;
	uint64_t items = tiles * split;
	uint64_t steps = ceil_div(ceil_div(p->k_eff, split), tk);
	double compute =
	    (double)pad_up(rows, LOWER_PAD_M) * pad_up(cols, LOWER_PAD_N) * tk * p->ps_per_mac;
	double dequant = (double)cols * tk / p->b.k_fraction * p->decode_ps_per_elem +
	                 (double)rows * tk * p->gather_ps_per_elem;
	double sbytes = a_bytes(p, rows, tk) + b_bytes(p, cols, tk);
	/* Little's law: `stages` loads in flight must cover a load's latency; with one stage
	 * nothing is loaded while the step computes, so a step is the load, then the compute. */
	double latency = (hbm_latency + sbytes * x->port_ps_per_byte) / (double)p->stages;
	double step = p->stages == 1
	                  ? latency + max3(compute, dequant, 0)
	                  : max3(max3(compute, dequant, sbytes * x->port_ps_per_byte), latency, 0);
	double cbytes = (double)rows * cols * (split > 1 ? 32 : formats_bits(&p->c)) / 8;
	double item = (double)steps * step + cbytes * x->port_ps_per_byte + cfg->l2.latency;
	/* Device memory: every operand once (L2 catches reuse), outputs once; on a machine whose
	 * L2 cannot hold even one wave's steps (none at all, as Sprint's or an accelerator's
	 * with only its operand buffers), every tile load comes from device memory. */
	double once = a_bytes(p, p->m, p->k_eff) * (double)p->count +
	              b_bytes(p, p->n, p->k_eff) * (p->b_shared ? 1 : (double)p->count);
	double loads = (double)items * (double)steps * sbytes;
	bool no_reuse = (double)cfg->l2.size * cfg->l2.usable < (double)cfg->core.count * sbytes;
	double t_hbm = hbm_stream_ps(&cfg->hbm, no_reuse && loads > once ? loads : once,
	                             (double)p->m * p->n * p->count * formats_bits(&p->c) / 8);
	double t_l2 = loads * x->l2_ps_per_byte;
	/* Split-K adds a pass over fp32 partials through L2. */
	double t_reduce =
	    split > 1 ? (double)p->m * p->n * p->count * 4 * (split + 1) * x->l2_ps_per_byte : 0;
	/* The shared memories serve the cores running at once: a full wave takes the longer of
	 * an item and its share of the traffic, and a last, partial wave, with fewer cores
	 * pulling, no longer keeps device memory busy (a tail the plain maximum misses). */
	uint64_t cores = (uint64_t)cfg->core.count;
	double share = (t_hbm > t_l2 ? t_hbm : t_l2) / (double)items;
	uint64_t full = items / cores, tail = items % cores;
	double t_waves = (double)full * max3(item, (double)cores * share, 0) +
	                 (tail ? max3(item, (double)tail * share, 0) : 0);
	*hbm_ps = t_hbm;
	return t_waves + t_reduce + hbm_latency;
}

/* The same at the latency the tile's own stream sees (hbm.loaded_latency): the busier it
 * keeps device memory, the longer a load waits. The busy share and the latency depend on each
 * other: a longer latency stretches the op and lowers its share, so the latency the share
 * asks for falls as the latency tried rises, and the one latency that asks for itself is found
 * by bisection (to LOWER_LATENCY_TOL ps). *latency (if not NULL): that latency. */
static double estimate(const struct lower_ctx *x, uint64_t tm, uint64_t tn, uint64_t tk,
                       uint64_t split, double *latency)
{
	const struct hbm_config *hbm = &x->cfg->hbm;
	double lat = hbm->latency, hbm_ps;
	double est = estimate_at(x, lat, tm, tn, tk, split, &hbm_ps);
	if (hbm->loaded_latency > hbm->latency &&
	    hbm_latency_at(hbm, est > 0 ? hbm_ps / est : 0) > lat) {
		double lo = hbm->latency, hi = hbm->loaded_latency;
		while (hi - lo > LOWER_LATENCY_TOL) {
			double mid = (lo + hi) / 2;
			est = estimate_at(x, mid, tm, tn, tk, split, &hbm_ps);
			if (hbm_latency_at(hbm, est > 0 ? hbm_ps / est : 0) > mid)
				lo = mid;
			else
				hi = mid;
		}
		lat = (lo + hi) / 2;
		est = estimate_at(x, lat, tm, tn, tk, split, &hbm_ps);
	}
	if (latency)
		*latency = lat;
	return est;
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
		/* Say what it does have: a trace for another machine is the usual cause. */
		char have[128] = "";
		size_t n = 0;
		for (int q = 0; q < TENSOR_PREC_COUNT && n < sizeof have - 16; q++)
			if (cfg->tensor.macs_per_cycle[q] > 0)
				n += (size_t)snprintf(have + n, sizeof have - n, "%s%s", n ? ", " : "",
				                      tensor_prec_name((enum tensor_prec)q));
		snprintf(err, errlen,
		         "the machine has no datapath for %s x %s (its tensor datapaths: %s)",
		         trace_dtype_name(op->gemm.a), trace_dtype_name(wdt), n ? have : "none");
		return -1;
	}
	formats_dense(op->gemm.a, &p->a);
	formats_dense(op->gemm.out, &p->c);
	if (w)
		formats_weight(&cfg->tensor, p->prec, w, lower_menu_get(cfg->mapper.menu)->layout,
		               &p->b);
	else
		formats_dense(wdt, &p->b);
	p->how = p->b.how;
	p->b_shared = w != NULL;
	p->stages = (uint64_t)cfg->smem.stages;
	return 0;
}

/* The operands, the datapath and the per-MAC and decode costs of a GEMM, before any tile is
 * picked; 0, or -1 with err. */
static int gemm_costs(const struct arch_config *cfg, const struct trace_op *op,
                      struct lower_gemm_plan *p, char *err, size_t errlen)
{
	if (gemm_operands(cfg, op, p, err, errlen))
		return -1;
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
	                         tensor_efficiency(&cfg->tensor, p->prec) *
	                         (p->b.native_sparse ? cfg->tensor.sparse_efficiency : 1.0));
	/* The decode stage: stored weights become tensor-core operands (unpacked, scaled,
	 * scattered, their partner's columns gathered) on the core's issue slots, or through a
	 * hardware decompressor, overlapped with loads and MMAs as pipelined kernels do. */
	struct formats_decode dc;
	formats_decode_cost(&p->b, wdt, w ? &w->q : NULL, w ? &w->sp : NULL, p->prec,
	                    cfg->vec.fp8_convert, &dc);
	p->decode_instr = dc.per_elem;
	if (cfg->vec.decompress_bytes_per_cycle > 0 && dc.per_elem > 0)
		p->decode_ps_per_elem =
		    cycle * formats_bits(&p->b) / 8 / cfg->vec.decompress_bytes_per_cycle;
	else
		p->decode_ps_per_elem = cycle * dc.per_elem / cfg->vec.issue_per_cycle;
	p->gather_ps_per_elem = cycle * dc.per_other / cfg->vec.issue_per_cycle;
	return 0;
}

/* A candidate tile: its shape, stages, the largest split its menu allows. */
struct cand {
	uint64_t m, n, k, stages, max_split;
};

/* Candidate c of a menu (NULL: nmsim's own grid, at the deepest pipeline the buffer holds,
 * never below the machine's default); false past the last. */
static bool cand_at(const struct lower_ctx *x, const struct lower_menu *menu, size_t c,
                    struct cand *out)
{
	const struct arch_config *cfg = x->cfg;
	*out = (struct cand){ 0, 0, 0, (uint64_t)cfg->smem.stages, 1 };
	if (menu) {
		if (c >= menu->ntiles)
			return false;
		const struct lower_menu_tile *t = &menu->tiles[c];
		out->m = t->m, out->n = t->n, out->k = t->k, out->max_split = menu->max_split;
		if (t->stages)
			out->stages = t->stages;
		return true;
	}
	size_t nk = sizeof tile_ks / sizeof *tile_ks, nn = sizeof tile_ns / sizeof *tile_ns;
	if (c >= (sizeof tile_ms / sizeof *tile_ms) * nn * nk)
		return false;
	out->m = tile_ms[c / (nn * nk)], out->n = tile_ns[c / nk % nn], out->k = tile_ks[c % nk];
	out->max_split = LOWER_GRID_MAX_SPLIT;
	double sbytes = a_bytes(x->p, out->m, out->k) + b_bytes(x->p, out->n, out->k);
	while (out->stages < CORE_MAX_STAGES &&
	       (double)(out->stages + 1) * sbytes <= (double)cfg->smem.size)
		out->stages++;
	return true;
}

/* The best of a menu's candidates by the estimate (menu NULL: the own grid) into *best, if
 * better than what it holds (best->est INFINITY: nothing yet). At an equal estimate (a
 * memory-bound op, where the stream decides) the one with more bytes in flight per core wins,
 * as it waits less on each load; ties beyond that keep the earlier candidate. */
static void pick(const struct lower_ctx *x, const struct lower_menu *menu,
                 struct lower_choice *best)
{
	const struct arch_config *cfg = x->cfg;
	struct lower_gemm_plan *p = x->p;
	struct cand c;
	for (size_t i = 0; cand_at(x, menu, i, &c); i++) {
		/* The menu's K step covers dense K; a V:N:M weight iterates over its kept share. */
		double buf = (double)c.stages * (a_bytes(p, c.m, c.k) + b_bytes(p, c.n, c.k));
		if (buf > (double)cfg->smem.size || c.stages > CORE_MAX_STAGES)
			continue;
		p->stages = c.stages;
		uint64_t tiles = ceil_div(p->m, c.m) * ceil_div(p->n, c.n) * p->count;
		for (size_t s = 0; s < sizeof splits / sizeof *splits; s++) {
			uint64_t split = splits[s];
			if (split > 1 &&
			    (split > c.max_split || tiles * split > 4 * (uint64_t)cfg->core.count ||
			     ceil_div(p->k_eff, split) < c.k))
				break;
			double est = estimate(x, c.m, c.n, c.k, split, NULL);
			if (est < best->est * (1 - 1e-6) ||
			    (est <= best->est * (1 + 1e-6) && buf > best->flight * (1 + 1e-9)))
				*best = (struct lower_choice){ true,     c.m,   c.n, c.k,
					                       c.stages, split, est, buf };
		}
	}
}

/* The menus a mapper.menu setting picks from: one library's, or (best) the own grid and
 * every library's. */
static size_t menus_of(const struct arch_config *cfg, const struct lower_menu **out, size_t max)
{
	const struct lower_menu *menu = lower_menu_get(cfg->mapper.menu);
	if (menu->tiles) {
		out[0] = menu;
		return 1;
	}
	size_t n = 0;
	out[n++] = NULL;
	for (int i = 0; n < max; i++) {
		const struct lower_menu *m = lower_menu_get(i);
		if (i > 0 && m == lower_menu_get(0))
			break; /* past the last: lower_menu_get falls back to best */
		if (m->tiles)
			out[n++] = m;
	}
	return n;
}

size_t lower_gemm_candidates(const struct arch_config *cfg, const struct trace_op *op,
                             struct lower_choice *out, size_t max)
{
	struct lower_gemm_plan p;
	char err[256];
	if (gemm_costs(cfg, op, &p, err, sizeof err))
		return 0;
	double cycle = arch_cycle_ps(cfg);
	struct lower_ctx x = { cfg, &p, cycle / cfg->smem.fill_bytes_per_cycle,
		               1e12 / cfg->l2.bandwidth };
	const struct lower_menu *menus[LOWER_MAX_CHOICES];
	size_t nm = menus_of(cfg, menus, max < LOWER_MAX_CHOICES ? max : LOWER_MAX_CHOICES), n = 0;
	for (size_t i = 0; i < nm; i++) {
		struct lower_choice c = { .est = INFINITY };
		pick(&x, menus[i], &c);
		bool seen = !c.valid;
		for (size_t j = 0; j < n && !seen; j++)
			seen = out[j].m == c.m && out[j].n == c.n && out[j].k == c.k &&
			       out[j].stages == c.stages && out[j].split == c.split;
		if (!seen)
			out[n++] = c;
	}
	return n;
}

int lower_gemm(const struct arch_config *cfg, const struct trace_op *op, struct lower_gemm_plan *p,
               char *err, size_t errlen)
{
	if (gemm_costs(cfg, op, p, err, errlen))
		return -1;
	double cycle = arch_cycle_ps(cfg);
	struct lower_ctx x = { cfg, p, cycle / cfg->smem.fill_bytes_per_cycle,
		               1e12 / cfg->l2.bandwidth };
	struct lower_choice best = { .est = INFINITY };
	if (cfg->mapper.force.valid) {
		best = cfg->mapper.force;
	} else {
		const struct lower_menu *menus[LOWER_MAX_CHOICES];
		size_t nm = menus_of(cfg, menus, LOWER_MAX_CHOICES);
		for (size_t i = 0; i < nm; i++)
			pick(&x, menus[i], &best);
	}
	p->tile_m = best.valid ? best.m : 0;
	p->tile_n = best.n;
	p->tile_k = best.k;
	p->split = best.split;
	uint64_t best_stages = best.stages;
	p->stages = best.stages;
	/* The chosen tile's estimate again (a forced one has none yet), for the latency it
	 * settles at. */
	p->hbm_latency_ps = cfg->hbm.latency;
	if (best.valid) {
		double est = estimate(&x, best.m, best.n, best.k, best.split, &p->hbm_latency_ps);
		if (cfg->mapper.force.valid)
			best.est = est;
	}
	double best_est = best.est;
	if (!p->tile_m) {
		snprintf(err, errlen, "no tile of %s operands fits the %llu-byte buffer",
		         tensor_prec_name(p->prec), (unsigned long long)cfg->smem.size);
		return -1;
	}
	p->stages = best_stages;
	p->est_ps = best_est;
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

/* Whether some tile of the menus mapper.menu picks from fits the buffer with its stages. */
static bool some_tile_fits(const struct arch_config *cfg, struct lower_gemm_plan *p)
{
	struct lower_ctx x = { cfg, p, 0, 0 };
	const struct lower_menu *menus[LOWER_MAX_CHOICES];
	size_t nm = menus_of(cfg, menus, LOWER_MAX_CHOICES);
	struct cand c;
	for (size_t i = 0; i < nm; i++)
		for (size_t k = 0; cand_at(&x, menus[i], k, &c); k++)
			if (c.stages <= CORE_MAX_STAGES &&
			    (double)c.stages * (a_bytes(p, c.m, c.k) + b_bytes(p, c.n, c.k)) <=
			        (double)cfg->smem.size)
				return true;
	return false;
}

int lower_gemm_check(const struct arch_config *cfg, const struct trace_op *op,
                     struct lower_gemm_size *size, char *err, size_t errlen)
{
	struct lower_gemm_plan p;
	if (gemm_costs(cfg, op, &p, err, errlen))
		return -1;
	if (cfg->mapper.force.valid ? false : !some_tile_fits(cfg, &p)) {
		const struct lower_menu *menu = lower_menu_get(cfg->mapper.menu);
		if (menu->tiles)
			snprintf(
			    err, errlen,
			    "no tile of the %s menu (mapper.menu) fits the %llu-byte buffer with "
			    "%s operands",
			    menu->name, (unsigned long long)cfg->smem.size,
			    tensor_prec_name(p.prec));
		else
			snprintf(err, errlen, "no tile of %s operands fits the %llu-byte buffer",
			         tensor_prec_name(p.prec), (unsigned long long)cfg->smem.size);
		return -1;
	}
	/* Tiles are multiples of the MMA's 8 x 16, so only the edges of C are padded. */
	size->k_eff = p.k_eff;
	size->min_ps = (double)pad_up(p.m, LOWER_PAD_M) * (double)pad_up(p.n, LOWER_PAD_N) *
	               (double)p.k_eff * (double)p.count * p.ps_per_mac / (double)cfg->core.count;
	return 0;
}
