#include "arch/arch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/log.h"

/* ---- configuration --------------------------------------------------------------------- */

static const struct cfg_field top_fields[] = {
	{ "name", CFG_STRING, offsetof(struct arch_top, name), "", 0, 0, NULL,
	  "the machine's name, as reports print it", NULL },
};
static const struct cfg_block top_cfg_block = {
	"", top_fields, sizeof top_fields / sizeof top_fields[0], 0, "the machine", NULL,
};

static const struct cfg_field core_fields[] = {
	{ "count", CFG_INT, offsetof(struct core_config, count), "", 1, 100000, NULL,
	  "cores (SMs) on the chip", NULL },
	{ "freq", CFG_FREQ, offsetof(struct core_config, freq), "Hz", 1e6, 1e11, NULL,
	  "core clock the tensor-core rates are quoted at", NULL },
	{ "launch", CFG_TIME, offsetof(struct core_config, launch), "ps", 0, 1e9, "\"5 us\"",
	  "calibration: fixed device-side cost per kernel (launch, setup, teardown)", NULL },
	{ "host_overhead", CFG_TIME, offsetof(struct core_config, host_overhead), "ps", 0, 1e9, "0",
	  "host time per kernel the device waits for: framework dispatch when every call is timed "
	  "synchronously (a property of the software setup; 0 for CUDA graphs or queued kernels)",
	  NULL },
};
static const struct cfg_block core_cfg_block = {
	"core",
	core_fields,
	sizeof core_fields / sizeof core_fields[0],
	0,
	"cores and the fixed cost of a kernel",
	NULL,
};

/* Every block of an architecture file, in file and --describe order. */
static size_t arch_blocks(struct cfg_block *out)
{
	size_t n = 0;
#define ARCH_BLOCK(blk, member)                               \
	out[n] = blk;                                         \
	out[n].offset = offsetof(struct arch_config, member); \
	n++;
	ARCH_BLOCK(top_cfg_block, top)
	ARCH_BLOCK(core_cfg_block, core)
	ARCH_BLOCK(tensor_cfg_block, tensor)
	ARCH_BLOCK(vec_cfg_block, vec)
	ARCH_BLOCK(smem_cfg_block, smem)
	ARCH_BLOCK(l2_cfg_block, l2)
	ARCH_BLOCK(hbm_cfg_block, hbm)
	ARCH_BLOCK(energy_cfg_block, energy)
#undef ARCH_BLOCK
	return n;
}

#define ARCH_MAX_BLOCKS 16

int arch_load_config(const char *file, const char *const *sets, size_t nsets,
                     struct arch_config *cfg)
{
	struct cfg_block blocks[ARCH_MAX_BLOCKS];
	size_t n = arch_blocks(blocks);
	memset(cfg, 0, sizeof *cfg);
	if (cfg_load(file, blocks, n, sets, nsets, cfg))
		return -1;
	char err[256];
	if (tensor_parse_modes(&cfg->tensor, err, sizeof err)) {
		log_error("%s: tensor.sparse_modes: %s", file, err); /* checked at load already */
		return -1;
	}
	return 0;
}

void arch_describe(FILE *out)
{
	struct cfg_block blocks[ARCH_MAX_BLOCKS];
	size_t n = arch_blocks(blocks);
	cfg_describe(out, blocks, n);
}

/* ---- the machine ----------------------------------------------------------------------- */

const char *arch_model_name(enum arch_model m)
{
	switch (m) {
	case ARCH_MODEL_TILES: return "tiles";
	case ARCH_MODEL_ROOFLINE: return "roofline";
	default: return "unmodelled";
	}
}

int arch_build(struct arch *a, const struct arch_config *cfg, struct stats *reg)
{
	memset(a, 0, sizeof *a);
	a->cfg = cfg;
	a->cores = calloc((size_t)cfg->core.count, sizeof *a->cores);
	if (!a->cores)
		return -1;
	double fill = cfg->smem.fill_bytes_per_cycle * cfg->core.freq;
	for (int64_t i = 0; i < cfg->core.count; i++)
		core_init(&a->cores[i], a, (uint32_t)i, fill);
	l2_init(&a->l2, &cfg->l2);
	hbm_init(&a->hbm, &cfg->hbm);
	if (STATS_REGISTER(reg, "arch", ARCH_STATS, &a->stats) ||
	    STATS_REGISTER(reg, "core", CORE_STATS, &a->core_stats) ||
	    STATS_REGISTER(reg, "buffer", SMEM_STATS, &a->smem_stats) ||
	    l2_register_stats(&a->l2, reg) || hbm_register_stats(&a->hbm, reg))
		return -1;
	return 0;
}

void arch_free(struct arch *a)
{
	free(a->cores);
	l2_fini(&a->l2);
	a->cores = NULL;
}

int arch_check_op(const struct arch_config *cfg, const struct trace_op *op, char *err,
                  size_t errlen)
{
	if (op->type == TRACE_OP_GEMM) {
		struct lower_gemm_plan p;
		return lower_gemm(cfg, op, &p, err, errlen);
	}
	return 0;
}

const struct arch_op_result *arch_last_result(const struct arch *a)
{
	return &a->result;
}

void arch_energy_counts(const struct arch *a, struct energy_counts *out)
{
	memset(out, 0, sizeof *out);
	struct core_stats cs = a->core_stats;
	for (int p = 0; p < TENSOR_PREC_COUNT; p++)
		out->macs[p] = *core_stats_macs(&cs, (enum tensor_prec)p);
	out->vec_ops = a->core_stats.vec_ops;
	out->smem_bytes = a->smem_stats.fill_bytes + a->smem_stats.read_bytes;
	out->l2_bytes = a->l2.stats.hit_bytes + a->l2.stats.miss_bytes + a->l2.stats.write_bytes;
	out->hbm_bytes = a->hbm.stats.read_bytes + a->hbm.stats.write_bytes;
}

/* ---- routing of a core's requests ------------------------------------------------------ */

static uint64_t tile_key(uint64_t operand, uint64_t batch, uint64_t block, uint64_t step)
{
	/* Distinct fields mixed into one key; a collision would only mis-count one hit. */
	uint64_t k = operand * 0x9e3779b97f4a7c15ULL;
	k ^= (batch + 1) * 0xc2b2ae3d27d4eb4fULL;
	k ^= (block + 1) * 0x165667b19e3779f9ULL;
	k ^= (step + 1) * 0x27d4eb2f165667c5ULL;
	return k ^ (k >> 29);
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t bytes_of(double b)
{
	return (uint64_t)ceil(b);
}

uint64_t arch_load_step(struct arch *a, struct core *c, uint64_t step, uint64_t k_step)
{
	const struct lower_gemm_plan *p = &a->plan;
	uint64_t now = kernel_now_ps();
	uint64_t abytes = bytes_of((double)c->rows * k_step * formats_bits(&p->a) / 8);
	double bdense = (double)c->cols * k_step / p->b.k_fraction;
	uint64_t bbytes = bytes_of(bdense * formats_bits(&p->b) / 8);
	/* A weight is shared by every GEMM of a batched op; activations are not. */
	uint64_t bbatch = p->b_shared ? 0 : c->batch;
	bool a_hit = l2_access(&a->l2, tile_key(0, c->batch, c->ti, step), abytes);
	bool b_hit = l2_access(&a->l2, tile_key(1, bbatch, c->tj, step), bbytes);
	uint64_t miss = (a_hit ? 0 : abytes) + (b_hit ? 0 : bbytes);
	a->l2.stats.hit_bytes += abytes + bbytes - miss;
	a->l2.stats.miss_bytes += miss;
	uint64_t done = l2_transfer(&a->l2, now, abytes + bbytes);
	/* Metadata and scales ride inside the B tile (and the A tile for block-scaled types):
	 * counted apart at every level they cross. */
	double bbits = formats_bits(&p->b), abits = formats_bits(&p->a);
	uint64_t meta = bytes_of(bbytes * p->b.meta_bits / bbits);
	uint64_t scale =
	    bytes_of(bbytes * p->b.scale_bits / bbits + abytes * p->a.scale_bits / abits);
	a->l2.stats.meta_bytes += meta;
	a->l2.stats.scale_bytes += scale;
	a->smem_stats.meta_fill_bytes += meta;
	a->smem_stats.scale_fill_bytes += scale;
	if (miss) {
		done = max_u64(done, hbm_read(&a->hbm, now, miss));
		if (!b_hit) {
			a->hbm.stats.meta_read_bytes += meta;
			a->hbm.stats.scale_read_bytes += bytes_of(bbytes * p->b.scale_bits / bbits);
		}
		if (!a_hit)
			a->hbm.stats.scale_read_bytes += bytes_of(abytes * p->a.scale_bits / abits);
	}
	uint64_t busy0 = c->port.busy_ps;
	done = max_u64(done, bwserver_request(&c->port, now, abytes + bbytes));
	a->smem_stats.port_busy_ps += c->port.busy_ps - busy0;
	a->smem_stats.fill_bytes += abytes + bbytes;
	a->core_stats.tile_loads++;
	return done;
}

/* MMA padding: 8 on the token side, 16 on the weight side (see arch/lower). */
static uint64_t pad_up(uint64_t x, uint64_t g)
{
	return (x + g - 1) / g * g;
}

uint64_t arch_compute_step(struct arch *a, struct core *c, uint64_t k_step)
{
	const struct lower_gemm_plan *p = &a->plan;
	double mma = (double)pad_up(c->rows, 8) * pad_up(c->cols, 16) * k_step * p->ps_per_mac;
	double values = (double)c->cols * k_step / p->b.math_speedup;
	double dequant = values * p->dequant_ps_per_elem;
	uint64_t ps = (uint64_t)ceil(mma > dequant ? mma : dequant);
	if (ps == 0)
		ps = 1;
	uint64_t macs = (uint64_t)llround((double)c->rows * c->cols * k_step / p->b.math_speedup);
	*core_stats_macs(&a->core_stats, p->prec) += macs;
	if (p->dequant_ps_per_elem > 0)
		a->core_stats.vec_ops += (uint64_t)(values * a->cfg->vec.dequant_ops_per_elem);
	double bdense = (double)c->cols * k_step / p->b.k_fraction;
	a->smem_stats.read_bytes += bytes_of((double)c->rows * k_step * formats_bits(&p->a) / 8 +
	                                     bdense * formats_bits(&p->b) / 8);
	a->core_stats.tc_busy_ps += ps;
	a->core_stats.tile_computes++;
	return ps;
}

uint64_t arch_store_tile(struct arch *a, struct core *c)
{
	const struct lower_gemm_plan *p = &a->plan;
	uint64_t now = kernel_now_ps();
	/* Split-K parts leave fp32 partials in L2 for the reduction; whole tiles go to memory. */
	double bits = p->split > 1 ? 32 : formats_bits(&p->c);
	uint64_t bytes = bytes_of((double)c->rows * c->cols * bits / 8);
	uint64_t busy0 = c->port.busy_ps;
	uint64_t done = bwserver_request(&c->port, now, bytes);
	a->smem_stats.port_busy_ps += c->port.busy_ps - busy0;
	done = max_u64(done, l2_transfer(&a->l2, now, bytes));
	a->l2.stats.write_bytes += bytes;
	if (p->split == 1)
		hbm_write(&a->hbm, now, bytes); /* write-back drains behind the core */
	return done;
}

bool arch_next_item(struct arch *a, uint64_t *item)
{
	if (a->next_item >= a->plan.items)
		return false;
	*item = a->next_item++;
	return true;
}

/* ---- op lifecycle ---------------------------------------------------------------------- */

static void op_end(void *ctx)
{
	struct arch *a = ctx;
	uint64_t now = kernel_now_ps();
	uint64_t t = now - a->op_start_ps;
	a->result.time_ps = t;
	a->stats.busy_ps += t;
	a->stats.launch_ps += (uint64_t)(a->cfg->core.launch + a->cfg->core.host_overhead);
	if (a->result.model == ARCH_MODEL_TILES && t > 0) {
		double cores = (double)a->cfg->core.count;
		double u_tc = (double)(a->core_stats.tc_busy_ps - a->busy0_tc) / (cores * t);
		double u_port = (double)(a->smem_stats.port_busy_ps - a->busy0_port) / (cores * t);
		double u_l2 = (double)(a->l2.stats.busy_ps - a->busy0_l2) / t;
		double u_hbm = (double)(a->hbm.stats.busy_ps - a->busy0_hbm) / t;
		double u_launch = (a->cfg->core.launch + a->cfg->core.host_overhead) / t;
		const char *bound = "compute";
		double best = u_tc;
		if (u_hbm > best)
			best = u_hbm, bound = "memory";
		if (u_l2 > best)
			best = u_l2, bound = "l2";
		if (u_port > best)
			best = u_port, bound = "buffer";
		if (u_launch > best)
			bound = "launch";
		a->result.bound = bound;
	}
	a->op_done(a->op_done_ctx);
}

static void gemm_drain(struct arch *a)
{
	const struct lower_gemm_plan *p = &a->plan;
	uint64_t now = kernel_now_ps();
	uint64_t end = now;
	if (p->split > 1) {
		/* Reduction of the fp32 partials: read them from L2, write the output. */
		uint64_t elems = p->m * p->n * p->count;
		uint64_t partial = elems * 4 * p->split;
		uint64_t out = bytes_of((double)elems * formats_bits(&p->c) / 8);
		end = max_u64(end, l2_transfer(&a->l2, now, partial));
		a->l2.stats.hit_bytes += partial;
		end = max_u64(end, hbm_write(&a->hbm, now, out));
		a->core_stats.vec_ops += elems * p->split;
	}
	/* The op ends when the last write-back has left for memory. */
	end = max_u64(end, a->hbm.port.free_at_ps);
	kernel_call_at(end - now, op_end, a);
}

void arch_core_idle(struct arch *a, struct core *c)
{
	(void)c;
	SIM_ASSERT(a->cores_running > 0, "arch", kernel_now_ps(), "core idle with no core running");
	if (--a->cores_running == 0)
		gemm_drain(a);
}

static void gemm_start_cores(void *ctx)
{
	struct arch *a = ctx;
	a->cores_running = (uint32_t)a->cfg->core.count;
	for (int64_t i = 0; i < a->cfg->core.count; i++)
		core_start(&a->cores[i]);
}

static void roofline_apply(struct arch *a, const struct lower_roofline *r)
{
	for (int p = 0; p < TENSOR_PREC_COUNT; p++)
		*core_stats_macs(&a->core_stats, (enum tensor_prec)p) += r->macs[p];
	a->core_stats.vec_ops += r->vec_ops;
	a->hbm.stats.read_bytes += r->read_bytes;
	a->hbm.stats.write_bytes += r->write_bytes;
	a->hbm.stats.busy_ps += bwserver_occupancy_ps(&a->hbm.port, r->read_bytes + r->write_bytes);
	a->result.model = ARCH_MODEL_ROOFLINE;
	a->result.bound = r->bound;
	kernel_call_at(r->time_ps, op_end, a);
}

void arch_op_start(struct arch *a, const struct trace_op *op, kernel_fn done, void *ctx)
{
	a->op_done = done;
	a->op_done_ctx = ctx;
	a->op_start_ps = kernel_now_ps();
	a->stats.ops++;
	a->result = (struct arch_op_result){ 0, ARCH_MODEL_TILES, "compute", "" };
	struct lower_roofline r;
	char err[256];
	switch (op->type) {
	case TRACE_OP_GEMM:
		SIM_ASSERT(lower_gemm(a->cfg, op, &a->plan, err, sizeof err) == 0, "arch/lower",
		           kernel_now_ps(),
		           "op at line %llu passed its check but failed to lower: %s",
		           (unsigned long long)op->line, err);
		a->result.how = a->plan.how;
		log_debug("line %llu: gemm %llux%llux%llu x%llu %s: tile %llux%llux%llu, %llu "
		          "stages, split %llu, "
		          "%llu items of %llu steps, estimate %.2f us",
		          (unsigned long long)op->line, (unsigned long long)a->plan.m,
		          (unsigned long long)a->plan.n, (unsigned long long)a->plan.k,
		          (unsigned long long)a->plan.count, tensor_prec_name(a->plan.prec),
		          (unsigned long long)a->plan.tile_m, (unsigned long long)a->plan.tile_n,
		          (unsigned long long)a->plan.tile_k, (unsigned long long)a->plan.stages,
		          (unsigned long long)a->plan.split, (unsigned long long)a->plan.items,
		          (unsigned long long)a->plan.steps_per_item, a->plan.est_ps * 1e-6);
		a->next_item = 0;
		a->busy0_tc = a->core_stats.tc_busy_ps;
		a->busy0_port = a->smem_stats.port_busy_ps;
		a->busy0_l2 = a->l2.stats.busy_ps;
		a->busy0_hbm = a->hbm.stats.busy_ps;
		{
			uint64_t bcount = a->plan.b_shared ? 1 : a->plan.count;
			uint64_t tiles =
			    (a->plan.tiles_m * a->plan.count + a->plan.tiles_n * bcount) *
			    a->plan.steps_total;
			SIM_ASSERT(l2_reset(&a->l2, tiles) == 0, "l2", kernel_now_ps(),
			           "out of memory");
		}
		kernel_call_at((uint64_t)(a->cfg->core.host_overhead + a->cfg->core.launch),
		               gemm_start_cores, a);
		break;
	case TRACE_OP_ATTN:
		lower_attn(a->cfg, op, &r);
		roofline_apply(a, &r);
		break;
	case TRACE_OP_VEC:
		lower_vec(a->cfg, op, &r);
		roofline_apply(a, &r);
		break;
	default:
		/* No link model yet: a collective costs nothing and is reported as unmodelled. */
		a->stats.unmodelled_ops++;
		a->stats.launch_ps -=
		    (uint64_t)(a->cfg->core.launch +
		               a->cfg->core.host_overhead); /* op_end adds it back */
		a->result.model = ARCH_MODEL_NONE;
		a->result.bound = "none";
		kernel_call_at(0, op_end, a);
		break;
	}
}
