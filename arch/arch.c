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
	ARCH_BLOCK(link_cfg_block, link)
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
	case ARCH_MODEL_ANALYTIC: return "analytic";
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
		return lower_gemm_check(cfg, op, err, errlen);
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
	out->sparse_macs = a->core_stats.macs_sparse;
	out->vec_ops = a->core_stats.vec_ops;
	out->smem_bytes = a->smem_stats.fill_bytes + a->smem_stats.read_bytes;
	out->l2_bytes = a->l2.stats.hit_bytes + a->l2.stats.miss_bytes + a->l2.stats.write_bytes;
	out->hbm_bytes = a->hbm.stats.read_bytes + a->hbm.stats.write_bytes;
	out->inmem_macs = a->hbm.stats.inmem_macs;
	out->link_bytes = a->stats.link_bytes;
	out->cores = (uint64_t)a->cfg->core.count;
}

/* ---- routing of a core's requests ------------------------------------------------------ */

uint64_t arch_tile_key(uint64_t operand, uint64_t batch, uint64_t block, uint64_t step)
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

uint64_t arch_route_load(struct arch *a, struct core *c, uint64_t key_a, uint64_t bytes_a,
			 uint64_t key_b, uint64_t bytes_b, uint64_t meta, uint64_t scale_b,
			 uint64_t scale_a)
{
	uint64_t now = kernel_now_ps();
	bool a_hit = !bytes_a || l2_access(&a->l2, key_a, bytes_a);
	bool b_hit = !bytes_b || l2_access(&a->l2, key_b, bytes_b);
	uint64_t total = bytes_a + bytes_b;
	uint64_t miss = (a_hit ? 0 : bytes_a) + (b_hit ? 0 : bytes_b);
	a->l2.stats.hit_bytes += total - miss;
	a->l2.stats.miss_bytes += miss;
	uint64_t done = l2_transfer(&a->l2, now, total);
	/* Metadata and scales ride inside the tiles: counted apart at every level they cross. */
	a->l2.stats.meta_bytes += meta;
	a->l2.stats.scale_bytes += scale_a + scale_b;
	a->smem_stats.meta_fill_bytes += meta;
	a->smem_stats.scale_fill_bytes += scale_a + scale_b;
	if (miss) {
		done = max_u64(done, hbm_read(&a->hbm, now, miss));
		if (!b_hit) {
			a->hbm.stats.meta_read_bytes += meta;
			a->hbm.stats.scale_read_bytes += scale_b;
		}
		if (!a_hit)
			a->hbm.stats.scale_read_bytes += scale_a;
	}
	uint64_t busy0 = c->port.busy_ps;
	done = max_u64(done, bwserver_request(&c->port, now, total));
	a->smem_stats.port_busy_ps += c->port.busy_ps - busy0;
	a->smem_stats.fill_bytes += total;
	a->core_stats.tile_loads++;
	return done;
}

uint64_t arch_route_store(struct arch *a, struct core *c, uint64_t bytes, bool to_memory)
{
	uint64_t now = kernel_now_ps();
	uint64_t busy0 = c->port.busy_ps;
	uint64_t done = bwserver_request(&c->port, now, bytes);
	a->smem_stats.port_busy_ps += c->port.busy_ps - busy0;
	done = max_u64(done, l2_transfer(&a->l2, now, bytes));
	a->l2.stats.write_bytes += bytes;
	if (to_memory)
		hbm_write(&a->hbm, now, bytes); /* write-back drains behind the core */
	return done;
}

uint64_t arch_book_compute(struct arch *a, enum tensor_prec prec, double mma_ps, uint64_t macs,
			   bool sparse, double vec_ps, uint64_t vec_ops, bool serial,
			   uint64_t buffer_bytes)
{
	if (sparse)
		a->core_stats.macs_sparse += macs;
	double t = serial ? mma_ps + vec_ps : (mma_ps > vec_ps ? mma_ps : vec_ps);
	uint64_t ps = (uint64_t)ceil(t);
	if (ps == 0)
		ps = 1;
	*core_stats_macs(&a->core_stats, prec) += macs;
	a->core_stats.vec_ops += vec_ops;
	a->smem_stats.read_bytes += buffer_bytes;
	a->core_stats.tc_busy_ps += ps;
	a->core_stats.tile_computes++;
	return ps;
}

bool arch_next_item(struct arch *a, uint64_t *item)
{
	if (a->next_item >= a->items)
		return false;
	*item = a->next_item++;
	return true;
}

/* The hooks dispatch to the op's tile program. */
bool arch_item_begin(struct arch *a, struct core *c)
{
	return a->program == ARCH_PROGRAM_GEMM ? arch_gemm_item(a, c) : arch_attn_item(a, c);
}

uint64_t arch_load_step(struct arch *a, struct core *c, uint64_t step)
{
	return a->program == ARCH_PROGRAM_GEMM ? arch_gemm_load(a, c, step) : arch_attn_load(a, c, step);
}

uint64_t arch_compute_step(struct arch *a, struct core *c, uint64_t step)
{
	return a->program == ARCH_PROGRAM_GEMM ? arch_gemm_compute(a, c, step)
					       : arch_attn_compute(a, c, step);
}

uint64_t arch_store_tile(struct arch *a, struct core *c)
{
	return a->program == ARCH_PROGRAM_GEMM ? arch_gemm_store(a, c) : arch_attn_store(a, c);
}

/* ---- op lifecycle ---------------------------------------------------------------------- */

static void op_end(void *ctx)
{
	struct arch *a = ctx;
	uint64_t now = kernel_now_ps();
	uint64_t t = now - a->op_start_ps;
	a->result.time_ps = t;
	a->stats.busy_ps += t;
	/* Every modelled op paid the fixed per-kernel cost; an unmodelled one took no time. */
	if (a->result.model != ARCH_MODEL_NONE)
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

void arch_core_idle(struct arch *a, struct core *c)
{
	(void)c;
	SIM_ASSERT(a->cores_running > 0, "arch", kernel_now_ps(), "core idle with no core running");
	if (--a->cores_running)
		return;
	/* Every core is done: the program's final phase (split reductions), then the op ends
	 * when the last write-back has left for memory. */
	uint64_t now = kernel_now_ps();
	uint64_t end = a->program == ARCH_PROGRAM_GEMM ? arch_gemm_drain(a) : arch_attn_drain(a);
	end = max_u64(end, a->hbm.port.free_at_ps);
	end = max_u64(end, now);
	kernel_call_at(end - now, op_end, a);
}

static void tiles_start_cores(void *ctx)
{
	struct arch *a = ctx;
	a->cores_running = (uint32_t)a->cfg->core.count;
	for (int64_t i = 0; i < a->cfg->core.count; i++)
		core_start(&a->cores[i]);
}

/* Common start of a tile-simulated op, after its program set items, stages and L2 room. */
static void tiles_start(struct arch *a)
{
	SIM_ASSERT(a->stages >= 1 && a->stages <= CORE_MAX_STAGES, "arch", kernel_now_ps(),
		   "%llu stages", (unsigned long long)a->stages);
	a->next_item = 0;
	a->busy0_tc = a->core_stats.tc_busy_ps;
	a->busy0_port = a->smem_stats.port_busy_ps;
	a->busy0_l2 = a->l2.stats.busy_ps;
	a->busy0_hbm = a->hbm.stats.busy_ps;
	kernel_call_at((uint64_t)(a->cfg->core.host_overhead + a->cfg->core.launch), tiles_start_cores, a);
}

static void roofline_apply(struct arch *a, const struct lower_roofline *r)
{
	a->core_stats.vec_ops += r->vec_ops;
	a->hbm.stats.read_bytes += r->read_bytes;
	a->hbm.stats.write_bytes += r->write_bytes;
	/* Busy time at the same read and write rates the roofline timed the op with. */
	a->hbm.stats.busy_ps +=
	    (uint64_t)ceil(hbm_stream_ps(&a->cfg->hbm, (double)r->read_bytes, (double)r->write_bytes));
	a->result.model = ARCH_MODEL_ANALYTIC;
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
	switch (op->type) {
	case TRACE_OP_GEMM:
		a->program = ARCH_PROGRAM_GEMM;
		arch_gemm_start(a, op);
		tiles_start(a);
		break;
	case TRACE_OP_ATTN:
		a->program = ARCH_PROGRAM_ATTN;
		arch_attn_start(a, op);
		tiles_start(a);
		break;
	case TRACE_OP_VEC:
		lower_vec(a->cfg, op, &r);
		roofline_apply(a, &r);
		break;
	default:
		if (a->cfg->link.bandwidth > 0) {
			/* A collective over the links: NCCL's algorithm costs (arch/link). */
			uint64_t sent;
			double ps = link_collective_ps(&a->cfg->link, op->coll.kind, op->coll.bytes,
						       op->coll.ranks, &sent);
			a->stats.link_bytes += sent;
			a->result.model = ARCH_MODEL_ANALYTIC;
			a->result.bound = "link";
			kernel_call_at((uint64_t)ceil(ps + a->cfg->core.host_overhead + a->cfg->core.launch),
				       op_end, a);
			break;
		}
		/* No link model: a collective costs nothing and is reported as unmodelled. */
		a->stats.unmodelled_ops++;
		a->result.model = ARCH_MODEL_NONE;
		a->result.bound = "none";
		kernel_call_at(0, op_end, a);
		break;
	}
}
