/* arch — the netlist: the architecture file's blocks, the machine built from them, and the
 * life of one op (plan by its op kind, launch, end, what bounded it). */
#include "arch/arch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "arch/core/core.h"
#include "arch/fabric.h"
#include "arch/hbm/hbm.h"
#include "arch/l2/l2.h"
#include "arch/ops/ops.h"
#include "arch/smem/smem.h"
#include "sim/arith.h"
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
	  "maximum core clock, the one light ops run at (the power governor lowers it for ops "
	  "that would draw more than power.limit)",
	  NULL },
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
	ARCH_BLOCK(power_cfg_block, power)
	ARCH_BLOCK(mapper_cfg_block, mapper)
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

void arch_write_config(FILE *out, const struct arch_config *cfg)
{
	struct cfg_block blocks[ARCH_MAX_BLOCKS];
	size_t n = arch_blocks(blocks);
	cfg_write_values(out, blocks, n, cfg);
}

/* ---- the machine ----------------------------------------------------------------------- */

#define ARCH_STATS(X)                                                              \
	X(ops, "", "ops simulated or replayed")                                    \
	X(busy_ps, "ps", "simulated time spent in ops")                            \
	X(launch_ps, "ps", "of busy_ps: fixed per-kernel costs (device and host)") \
	X(unmodelled_ops, "", "ops the machine has no model for (zero time)")      \
	X(link_bytes, "B", "bytes each device sent over its links")

struct arch_stats {
	ARCH_STATS(STATS_FIELD)
};

struct arch {
	const struct arch_config *cfg;
	struct arch_opts opts;
	struct stats *reg;
	struct core *cores;
	struct l2 l2;
	struct hbm hbm;
	struct core_stats core_stats;
	struct smem_stats smem_stats;
	struct arch_stats stats;
	struct fabric fabric; /* what the op kinds see of the machine */
	/* The op in flight. */
	void *plan;          /* its op kind's plan (ops_max_plan_size bytes) */
	struct tile_run run; /* a tiled op's work queue */
	size_t touched[TILE_TOUCHED_MAX]; /* counters a counted L2 touch books (steady skipping) */
	kernel_fn op_done;
	void *op_done_ctx;
	const struct trace_op *op; /* valid while it runs (the caller's) */
	struct arch_config op_cfg; /* the machine at the op's clock */
	int reruns;                /* times the op ran again at a power-limited clock */
	bool warned_unmet_limit;   /* said once: an op draws more than the limit at min_freq */
	uint64_t *snap_start;      /* every counter when the op started */
	size_t nsnap;
	uint64_t counts_start[ENERGY_COUNT_N];
	uint64_t op_start_ps;
	uint64_t busy0_tc, busy0_port, busy0_l2, busy0_hbm, busy0_decode;
	uint64_t keep; /* the key of the op's named data, if any (ops_keep_key) */
	uint64_t keep_bytes, warm_bytes; /* its stored bytes; of them, resident at the start */
	/* Autotuning: the tile choices played in turn, the one playing, the fastest so far;
	 * final once the fastest plays for the result. */
	struct {
		struct lower_choice choice[LOWER_MAX_CHOICES];
		size_t n, at, best;
		uint64_t best_ps;
		bool final;
	} tune;
	struct arch_op_result result;
	/* Tile events of the op in flight, when recorded (a timeline). */
	struct {
		bool armed, on;
		size_t n, cap, max;
		uint64_t dropped;
		struct arch_tile_event *ev;
	} rec;
};

const char *arch_note_text(int i)
{
	static const char *const text[ARCH_NOTE_COUNT] = {
		"sparse weights this machine cannot run sparse: stored compressed (fewer bytes), "
		"dense math",
		"sparse weights stored dense (compression would not pay): no saving",
		"operands of a precision this machine has no datapath for: promoted to a wider math",
		"stored operands (quantized or compressed weights, a quantized KV cache) decoded in "
		"the cores on the fly",
	};
	return i >= 0 && i < ARCH_NOTE_COUNT ? text[i] : "";
}

const char *arch_model_name(enum arch_model m)
{
	switch (m) {
	case ARCH_MODEL_TILES: return "tiles";
	case ARCH_MODEL_ANALYTIC: return "analytic";
	case ARCH_MODEL_NONE:
	case ARCH_MODEL_COUNT: break;
	}
	return "unmodelled";
}

/* ---- what steady-state skipping sees of the machine ---------------------------------- */

static void hook_event(void *ctx, enum tile_event kind, uint32_t core, uint64_t start,
                       uint64_t end)
{
	struct arch *a = ctx;
	if (a->rec.n == a->rec.cap) {
		size_t cap = a->rec.cap ? 2 * a->rec.cap : 4096;
		if (cap > a->rec.max)
			cap = a->rec.max;
		struct arch_tile_event *ev =
		    a->rec.n < cap ? realloc(a->rec.ev, cap * sizeof *ev) : NULL;
		if (!ev) {
			a->rec.dropped++;
			return;
		}
		a->rec.ev = ev;
		a->rec.cap = cap;
	}
	a->rec.ev[a->rec.n++] =
	    (struct arch_tile_event){ start - a->op_start_ps, end - a->op_start_ps, core, kind };
}

const char *arch_tile_event_name(uint32_t kind)
{
	switch ((enum tile_event)kind) {
	case TILE_EVENT_LOAD: return "load";
	case TILE_EVENT_COMPUTE: return "compute";
	case TILE_EVENT_STORE: return "store";
	case TILE_EVENT_COUNT: break;
	}
	return "?";
}

void arch_record_next_op(struct arch *a, size_t max)
{
	a->rec.armed = max > 0;
	a->rec.max = max;
}

const struct arch_tile_event *arch_recorded(const struct arch *a, size_t *n, uint64_t *dropped)
{
	*n = a->rec.on ? a->rec.n : 0;
	*dropped = a->rec.on ? a->rec.dropped : 0;
	return a->rec.on ? a->rec.ev : NULL;
}

static void hook_snapshot(void *ctx, uint64_t *out)
{
	struct arch *a = ctx;
	stats_snapshot(a->reg, out);
}

static void hook_add(void *ctx, const uint64_t *delta, uint64_t times)
{
	struct arch *a = ctx;
	stats_add_times(a->reg, delta, times);
}

static void hook_backlog(void *ctx, uint64_t now, uint64_t out[TILE_SERVERS])
{
	struct arch *a = ctx;
	out[0] = a->l2.port.free_at_ps > now ? a->l2.port.free_at_ps - now : 0;
	out[1] = a->hbm.port.free_at_ps > now ? a->hbm.port.free_at_ps - now : 0;
}

static uint64_t hook_load(void *ctx, struct core *c, const struct tile_load *ld)
{
	struct arch *a = ctx;
	return fabric_load(&a->fabric, c, ld);
}

static void hook_touch(void *ctx, const struct tile_load *ld, bool count, uint64_t tag,
                       uint64_t step)
{
	struct arch *a = ctx;
	fabric_touch(&a->fabric, ld, count, tag, step);
}

static void hook_l2_state(void *ctx, uint64_t *inserted, uint64_t *capacity, uint64_t *untagged)
{
	struct arch *a = ctx;
	*inserted = a->l2.inserted_bytes;
	*capacity = a->l2.capacity_bytes;
	*untagged = a->l2.untagged;
}

static void hook_l2_shift(void *ctx, uint64_t steps,
                          uint64_t (*key_of)(void *kctx, uint64_t tag, uint64_t step), void *kctx)
{
	struct arch *a = ctx;
	l2_shift(&a->l2, steps, key_of, kctx);
}

/* The indices in reg of the counters fabric_touch books when counting. */
static size_t touched_counters(const struct arch *a, size_t *out)
{
	const uint64_t *mine[] = { &a->l2.stats.hit_bytes,        &a->l2.stats.miss_bytes,
		                   &a->hbm.stats.read_bytes,      &a->hbm.stats.busy_ps,
		                   &a->hbm.stats.meta_read_bytes, &a->hbm.stats.scale_read_bytes };
	size_t n = 0;
	for (size_t i = 0; i < a->reg->count; i++)
		for (size_t k = 0; k < sizeof mine / sizeof *mine; k++)
			if (a->reg->entries[i].value == mine[k])
				out[n++] = i;
	return n;
}

struct arch *arch_new(const struct arch_config *cfg, const struct arch_opts *opts,
                      struct stats *reg)
{
	struct arch *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->cfg = cfg;
	a->opts = *opts;
	a->reg = reg;
	a->cores = calloc((size_t)cfg->core.count, sizeof *a->cores);
	a->plan = calloc(1, ops_max_plan_size());
	if (!a->cores || !a->plan)
		goto fail;
	double fill = cfg->smem.fill_bytes_per_cycle * cfg->core.freq;
	for (int64_t i = 0; i < cfg->core.count; i++)
		core_init(&a->cores[i], (uint32_t)i, &a->core_stats, fill);
	l2_init(&a->l2, &cfg->l2);
	hbm_init(&a->hbm, &cfg->hbm);
	a->fabric = (struct fabric){
		cfg, &a->l2, &a->hbm, &a->core_stats, &a->smem_stats, &a->stats.link_bytes
	};
	if (STATS_REGISTER(reg, "arch", ARCH_STATS, &a->stats) ||
	    STATS_REGISTER(reg, "core", CORE_STATS, &a->core_stats) ||
	    STATS_REGISTER(reg, "smem", SMEM_STATS, &a->smem_stats) ||
	    l2_register_stats(&a->l2, reg) || hbm_register_stats(&a->hbm, reg))
		goto fail;
	return a;
fail:
	arch_free(a);
	return NULL;
}

void arch_free(struct arch *a)
{
	if (!a)
		return;
	free(a->cores);
	free(a->plan);
	free(a->snap_start);
	free(a->rec.ev);
	l2_fini(&a->l2);
	tile_steady_fini(&a->run.steady);
	free(a);
}

const struct arch_config *arch_cfg(const struct arch *a)
{
	return a->cfg;
}

int arch_check_op(const struct arch_config *cfg, const struct trace_op *op, char *err,
                  size_t errlen)
{
	return ops_kind(op->type)->check(cfg, op, err, errlen);
}

const struct arch_op_result *arch_last_result(const struct arch *a)
{
	return &a->result;
}

void arch_energy_counts(const struct arch *a, uint64_t out[ENERGY_COUNT_N])
{
	struct core_stats cs = a->core_stats;
	for (int p = 0; p < TENSOR_PREC_COUNT; p++)
		out[ENERGY_COUNT_MACS + p] = *core_stats_macs(&cs, (enum tensor_prec)p);
	out[ENERGY_COUNT_SPARSE_MACS] = cs.macs_sparse;
	out[ENERGY_COUNT_VEC_OPS] = cs.vec_ops;
	out[ENERGY_COUNT_SMEM_BYTES] = a->smem_stats.fill_bytes + a->smem_stats.read_bytes;
	out[ENERGY_COUNT_L2_BYTES] =
	    a->l2.stats.hit_bytes + a->l2.stats.miss_bytes + a->l2.stats.write_bytes;
	out[ENERGY_COUNT_HBM_BYTES] = a->hbm.stats.read_bytes + a->hbm.stats.write_bytes;
	out[ENERGY_COUNT_INMEM_MACS] = a->hbm.stats.inmem_macs;
	out[ENERGY_COUNT_LINK_BYTES] = a->stats.link_bytes;
}

void arch_utilisation(const struct arch *a, uint64_t time_ps, double out[ARCH_UTIL_COUNT])
{
	double t = (double)time_ps;
	for (int u = 0; u < ARCH_UTIL_COUNT; u++)
		out[u] = 0;
	if (t <= 0)
		return;
	out[ARCH_UTIL_TENSOR] = (double)a->core_stats.tc_busy_ps / ((double)a->cfg->core.count * t);
	out[ARCH_UTIL_HBM] = (double)a->hbm.stats.busy_ps / t;
	out[ARCH_UTIL_L2] = (double)a->l2.stats.busy_ps / t;
	out[ARCH_UTIL_DECODE] =
	    (double)a->core_stats.decode_busy_ps / ((double)a->cfg->core.count * t);
}

const char *arch_util_key(enum arch_util u)
{
	static const char *const keys[ARCH_UTIL_COUNT] = { "tensor", "hbm", "l2", "decode" };
	return keys[u];
}

const char *arch_util_label(enum arch_util u)
{
	/* "format decode": the cores' stage that unpacks stored weights, not the decode phase. */
	static const char *const labels[ARCH_UTIL_COUNT] = { "tensor cores", "device memory",
		                                             "L2", "format decode" };
	return labels[u];
}

void arch_totals(const struct arch *a, struct arch_totals *out)
{
	struct core_stats cs = a->core_stats;
	out->macs = 0;
	for (int p = 0; p < TENSOR_PREC_COUNT; p++)
		out->macs += *core_stats_macs(&cs, (enum tensor_prec)p);
	out->device_bytes = a->hbm.stats.read_bytes + a->hbm.stats.write_bytes;
	out->device_meta_bytes = a->hbm.stats.meta_read_bytes;
	out->device_scale_bytes = a->hbm.stats.scale_read_bytes;
}

/* ---- op lifecycle ---------------------------------------------------------------------- */

/* Least common multiple; 0 when it does not fit or an argument is 0. */
static uint64_t lcm_u64(uint64_t x, uint64_t y)
{
	if (!x || !y)
		return 0;
	uint64_t g = x, r = y;
	while (r) {
		uint64_t t = g % r;
		g = r;
		r = t;
	}
	return x / g > UINT64_MAX / y ? 0 : x / g * y;
}

static uint64_t fixed_cost_ps(const struct arch_config *cfg)
{
	return (uint64_t)(cfg->core.launch + cfg->core.host_overhead);
}

/* The busiest resource of a tiled op over its span t: what bounds it. */
static const char *tiles_bound(const struct arch *a, uint64_t t)
{
	double cores = (double)a->cfg->core.count;
	double u_tc = (double)(a->core_stats.tc_busy_ps - a->busy0_tc) / (cores * t);
	double u_port = (double)(a->smem_stats.port_busy_ps - a->busy0_port) / (cores * t);
	double u_l2 = (double)(a->l2.stats.busy_ps - a->busy0_l2) / t;
	double u_hbm = (double)(a->hbm.stats.busy_ps - a->busy0_hbm) / t;
	double u_launch = (a->cfg->core.launch + a->cfg->core.host_overhead) / t;
	double u_decode = (double)(a->core_stats.decode_busy_ps - a->busy0_decode) / (cores * t);
	const char *bound = "compute";
	double best = u_tc;
	if (u_hbm > best)
		best = u_hbm, bound = "memory";
	if (u_l2 > best)
		best = u_l2, bound = "l2";
	if (u_port > best)
		best = u_port, bound = "smem";
	if (u_decode > best)
		best = u_decode, bound = "decode";
	if (u_launch > best)
		bound = "launch";
	return bound;
}

static void op_run(struct arch *a, double clock);

/* An op within 1 % of the power limit counts as under it: the governor's law assumes time
 * goes as 1 / clock, and a second run that lands this close is not run a third time (nor is
 * an op at the lowest clock said to miss the limit). A tolerance of the method, not of a
 * machine. */
#define POWER_LIMIT_SLACK 1.01

/* The power governor (arch/power): after an op ran at the maximum clock, if it drew more than
 * the limit, it runs again at the clock the limit allows (its counters set back first). True
 * when it restarted the op. */
static bool power_limited(struct arch *a, uint64_t t)
{
	const struct power_config *pw = &a->cfg->power;
	if (pw->limit <= 0 || a->result.model == ARCH_MODEL_NONE || t == 0)
		return false;
	uint64_t now[ENERGY_COUNT_N], d[ENERGY_COUNT_N];
	arch_energy_counts(a, now);
	for (int i = 0; i < ENERGY_COUNT_N; i++)
		d[i] = now[i] - a->counts_start[i];
	double j[ENERGY_ACTION_COUNT];
	uint64_t cores = (uint64_t)a->cfg->core.count;
	double clock = a->op_cfg.core.freq;
	energy_price(&a->cfg->energy, d, cores, (double)t * 1e-12,
	             power_energy_scale(pw, clock, a->cfg->core.freq), j);
	double e_dyn = 0, e_fix = 0;
	for (int c = 0; c < ENERGY_ACTION_COUNT; c++)
		if (energy_action_scales((enum energy_action)c))
			e_dyn += j[c];
	e_fix = j[ENERGY_HBM_DEVICE] + j[ENERGY_HBM_PATH] + j[ENERGY_INMEM] + j[ENERGY_LINK];
	/* A second pass corrects the first one's guess that time goes as 1 / clock; it only
	 * lowers the clock further. */
	double p_static = energy_static_w(&a->cfg->energy, cores);
	double f = power_clock(pw, clock, (double)t, e_dyn, e_fix, p_static);
	double min_f = pw->min_freq < a->cfg->core.freq ? pw->min_freq : a->cfg->core.freq;
	double drawn = (e_dyn + e_fix) / ((double)t * 1e-12) + p_static;
	if (clock <= min_f && drawn > pw->limit * POWER_LIMIT_SLACK && !a->warned_unmet_limit) {
		/* The governor goes no lower: the op runs at min_freq above the limit. */
		a->warned_unmet_limit = true;
		log_warn("power.limit %.4g W cannot be met: the op at line %llu draws %.4g W even "
		         "at the lowest clock the governor allows (power.min_freq, %.0f MHz), and "
		         "runs there (said once)",
		         pw->limit, (unsigned long long)a->op->line, drawn, min_f * 1e-6);
	}
	if (f >= clock || (a->reruns && drawn <= pw->limit * POWER_LIMIT_SLACK))
		return false;
	log_debug(
	    "power: %.0f W at %.0f MHz is above the %.0f W limit: the op runs again at %.0f MHz",
	    drawn, clock * 1e-6, pw->limit, f * 1e-6);
	stats_restore(a->reg, a->snap_start);
	a->reruns++;
	op_run(a, f);
	return true;
}

/* L2 contents after an op that read the named data `key` and did what res says. */
static void keep_after(struct arch *a, uint64_t key, const struct arch_op_result *res)
{
	if (l2_keep_after_op(&a->l2.keep, key, res->keep_bytes, res->other_bytes))
		log_warn("out of memory: L2 keeps nothing of an op's weight for later ops");
}

/* Autotuning: after choice `at` took t, plays the next one, or (all played) the fastest
 * again for the result unless it was the last; true when it restarted the op. */
static bool autotune_next(struct arch *a, uint64_t t)
{
	if (a->tune.final)
		return false;
	if (a->tune.at == 0 || t < a->tune.best_ps) {
		a->tune.best = a->tune.at;
		a->tune.best_ps = t;
	}
	if (a->tune.at + 1 < a->tune.n)
		a->tune.at++;
	else if (a->tune.best != a->tune.at)
		a->tune.at = a->tune.best, a->tune.final = true;
	else
		return false;
	stats_restore(a->reg, a->snap_start);
	a->reruns = 0;
	op_run(a, a->cfg->core.freq);
	return true;
}

static void op_end(void *ctx)
{
	struct arch *a = ctx;
	uint64_t t = kernel_now_ps() - a->op_start_ps;
	if (a->result.model == ARCH_MODEL_TILES) {
		const struct tile_steady *st = &a->run.steady;
		t += st->skipped_ps; /* periods played as one (arch/core/steady.c) */
		if (st->skips || st->wave_skips)
			log_debug(
			    "steady state: %llu skips of %llu steps in all (L2 shifted over %llu), "
			    "%llu wave skips of %llu items, %.3f us of %.3f us",
			    (unsigned long long)st->skips, (unsigned long long)st->skipped_steps,
			    (unsigned long long)st->shifted_periods,
			    (unsigned long long)st->wave_skips,
			    (unsigned long long)st->skipped_items, (double)st->skipped_ps * 1e-6,
			    (double)t * 1e-6);
	}
	if (a->reruns < 2 && power_limited(a, t))
		return;
	if (a->tune.n && autotune_next(a, t))
		return;
	a->result.time_ps = t;
	a->stats.busy_ps += t;
	/* Every modelled op paid the fixed per-kernel cost; an unmodelled one took no time. */
	if (a->result.model != ARCH_MODEL_NONE) {
		a->result.gap_ps = fixed_cost_ps(a->cfg) < t ? fixed_cost_ps(a->cfg) : t;
		a->stats.launch_ps += fixed_cost_ps(a->cfg);
	}
	/* What L2 keeps for the next ops: every device-memory byte but the named tensor's own
	 * first fetch is other traffic. */
	uint64_t counts[ENERGY_COUNT_N];
	arch_energy_counts(a, counts);
	uint64_t moved = counts[ENERGY_COUNT_HBM_BYTES] - a->counts_start[ENERGY_COUNT_HBM_BYTES];
	uint64_t fetched = a->keep_bytes - a->warm_bytes;
	a->result.keep_bytes = a->keep_bytes;
	a->result.warm_bytes = a->warm_bytes;
	a->result.other_bytes = moved > fetched ? moved - fetched : 0;
	keep_after(a, a->keep, &a->result);
	if (t > 0) {
		double cores = (double)a->cfg->core.count, tt = (double)t;
		a->result.util[ARCH_UTIL_TENSOR] =
		    (double)(a->core_stats.tc_busy_ps - a->busy0_tc) / (cores * tt);
		a->result.util[ARCH_UTIL_HBM] = (double)(a->hbm.stats.busy_ps - a->busy0_hbm) / tt;
		a->result.util[ARCH_UTIL_L2] = (double)(a->l2.stats.busy_ps - a->busy0_l2) / tt;
		a->result.util[ARCH_UTIL_DECODE] =
		    (double)(a->core_stats.decode_busy_ps - a->busy0_decode) / (cores * tt);
	}
	if (a->result.model == ARCH_MODEL_TILES && t > 0) {
		a->result.bound = tiles_bound(a, t);
		a->result.decode_ps = (a->core_stats.decode_busy_ps - a->busy0_decode) /
		                      (uint64_t)a->cfg->core.count;
	}
	a->op_done(a->op_done_ctx);
}

/* Every core found the queue empty: the program's final phase (split reductions), then the op
 * ends when the last write-back has left for memory. */
static void tiles_all_idle(void *ctx)
{
	struct arch *a = ctx;
	uint64_t now = kernel_now_ps();
	uint64_t end = a->run.prog->drain(&a->run);
	end = max_u64(end, a->hbm.port.free_at_ps);
	end = max_u64(end, now);
	kernel_call_at(end - now, op_end, a);
}

static void tiles_start_cores(void *ctx)
{
	struct arch *a = ctx;
	a->run.cores_running = (uint32_t)a->cfg->core.count;
	for (int64_t i = 0; i < a->cfg->core.count; i++)
		core_start(&a->cores[i], &a->run);
}

static void tiles_start(struct arch *a, const struct ops_launch *l)
{
	SIM_ASSERT(l->stages >= 1 && l->stages <= CORE_MAX_STAGES, "arch", kernel_now_ps(),
	           "%llu stages", (unsigned long long)l->stages);
	SIM_ASSERT(l2_reset(&a->l2, l->l2_tiles) == 0, "l2", kernel_now_ps(), "out of memory");
	/* The counters may have grown since the machine was built: size the snapshots now. */
	if (a->run.hooks.ncounters != a->reg->count) {
		tile_steady_fini(&a->run.steady);
		SIM_ASSERT(tile_steady_init(&a->run.steady, a->reg->count,
		                            (uint32_t)a->cfg->core.count) == 0,
		           "arch", kernel_now_ps(), "out of memory");
		a->run.hooks = (struct tile_hooks){ .ncounters = a->reg->count,
			                            .snapshot = hook_snapshot,
			                            .add = hook_add,
			                            .backlog = hook_backlog,
			                            .load = hook_load,
			                            .touch = hook_touch,
			                            .touched = a->touched,
			                            .ntouched = touched_counters(a, a->touched),
			                            .l2_state = hook_l2_state,
			                            .l2_shift = hook_l2_shift,
			                            .ctx = a,
			                            .event = NULL };
	}
	a->run.prog = l->prog;
	a->run.plan = a->plan;
	a->run.fabric = &a->fabric;
	a->run.stages = l->stages;
	a->run.items = l->items;
	a->run.next_item = 0;
	a->run.cores_running = 0;
	a->run.all_idle = tiles_all_idle;
	a->run.all_idle_ctx = a;
	a->run.cores = a->cores;
	a->run.ncores = (uint32_t)a->cfg->core.count;
	/* Waves are compared in windows after which both the op's item pattern and the waves
	 * (one item per core) repeat: the least common multiple of the two, inside a stretch; or,
	 * where stretches are short and all alike, of the stretch and the waves, across them. */
	uint64_t cores = (uint64_t)a->cfg->core.count;
	/* An op that finds part of its operand in L2 hits until that part is used up: its steps
	 * are not periodic from the start, so it is played in full. */
	a->run.hooks.event = a->rec.on ? hook_event : NULL;
	/* A recorded op is played as any other (its result must not change): the stretch that
	 * steady-state skipping jumps over has no events. */
	tile_steady_reset(&a->run.steady, !a->opts.exact && !a->warm_bytes,
	                  lcm_u64(cores, l->period_items),
	                  l->group_items ? lcm_u64(cores, l->group_items) : 0);
	kernel_call_at(fixed_cost_ps(a->cfg), tiles_start_cores, a);
}

/* Plans and starts the op in flight at a core clock of `clock` Hz. */
static void op_run(struct arch *a, double clock)
{
	const struct trace_op *op = a->op;
	a->op_start_ps = kernel_now_ps();
	a->busy0_tc = a->core_stats.tc_busy_ps;
	a->busy0_port = a->smem_stats.port_busy_ps;
	a->busy0_l2 = a->l2.stats.busy_ps;
	a->busy0_hbm = a->hbm.stats.busy_ps;
	a->busy0_decode = a->core_stats.decode_busy_ps;
	a->rec.n = 0; /* a rerun records afresh */
	a->rec.dropped = 0;
	a->op_cfg = *a->cfg;
	a->op_cfg.core.freq = clock;
	if (a->tune.n)
		a->op_cfg.mapper.force = a->tune.choice[a->tune.at];
	a->fabric.cfg = &a->op_cfg;
	for (int64_t i = 0; i < a->cfg->core.count; i++)
		a->cores[i].port.ps_per_byte = 1e12 / (a->cfg->smem.fill_bytes_per_cycle * clock);
	struct ops_launch l;
	ops_kind(op->type)->plan(&a->op_cfg, &a->fabric, op, a->plan, &l);
	a->hbm.port.latency_ps =
	    l.hbm_latency_ps ? l.hbm_latency_ps : (uint64_t)a->cfg->hbm.latency;
	a->result = (struct arch_op_result){ .clock_hz = clock,
		                             .model = l.model,
		                             .bound = l.bound,
		                             .how = l.how ? l.how : "",
		                             .mem_latency_ps = a->hbm.port.latency_ps,
		                             .notes = l.notes };
	a->keep = l.keep;
	a->keep_bytes = l.keep_bytes;
	a->warm_bytes = l2_keep_resident(&a->l2.keep, l.keep);
	if (a->warm_bytes > a->keep_bytes)
		a->warm_bytes = a->keep_bytes;
	a->l2.warm_bytes = a->warm_bytes;
	switch (l.model) {
	case ARCH_MODEL_TILES:
		a->result.bound = "compute";
		tiles_start(a, &l);
		return;
	case ARCH_MODEL_ANALYTIC: kernel_call_at(l.time_ps, op_end, a); return;
	case ARCH_MODEL_NONE:
		a->stats.unmodelled_ops++;
		kernel_call_at(0, op_end, a);
		return;
	case ARCH_MODEL_COUNT: break;
	}
	SIM_ASSERT(0, "arch", kernel_now_ps(), "op kind %s gave no model",
	           ops_kind(op->type)->name);
}

void arch_op_start(struct arch *a, const struct trace_op *op, kernel_fn done, void *ctx)
{
	a->op_done = done;
	a->op_done_ctx = ctx;
	a->op = op;
	a->reruns = 0;
	a->rec.on = a->rec.armed;
	a->rec.armed = false;
	a->stats.ops++;
	if (a->nsnap != a->reg->count) {
		free(a->snap_start);
		a->nsnap = a->reg->count;
		a->snap_start = malloc((a->nsnap ? a->nsnap : 1) * sizeof *a->snap_start);
		SIM_ASSERT(a->snap_start != NULL, "arch", kernel_now_ps(), "out of memory");
	}
	stats_snapshot(a->reg, a->snap_start);
	arch_energy_counts(a, a->counts_start);
	if (a->cfg->l2.flush_between_ops)
		l2_keep_flush(&a->l2.keep);
	const struct op_kind *kind = ops_kind(op->type);
	a->tune.n = a->tune.at = a->tune.best = 0;
	a->tune.final = false;
	/* The tile choice is made once, at the full clock (a library picks its kernel before it
	 * runs): a power-limited rerun plays the same tiles. */
	if (kind->choices) {
		a->tune.n = kind->choices(a->cfg, op, a->tune.choice, LOWER_MAX_CHOICES);
		if (!a->cfg->mapper.autotune && a->tune.n > 1) {
			size_t best = 0; /* the estimate's pick: as lower_gemm's own */
			for (size_t i = 1; i < a->tune.n; i++) {
				const struct lower_choice *c = &a->tune.choice[i], *b = &a->tune.choice[best];
				if (c->est < b->est * (1 - 1e-6) ||
				    (c->est <= b->est * (1 + 1e-6) && c->flight > b->flight * (1 + 1e-9)))
					best = i;
			}
			a->tune.choice[0] = a->tune.choice[best];
			a->tune.n = 1;
		}
	}
	op_run(a, a->cfg->core.freq);
}

uint64_t arch_op_warm_bytes(const struct arch *a, const struct trace_op *op)
{
	if (a->cfg->l2.flush_between_ops)
		return 0;
	return l2_keep_resident(&a->l2.keep, ops_keep_key(op));
}

void arch_op_booked(struct arch *a, const struct trace_op *op, const struct arch_op_result *res)
{
	if (a->cfg->l2.flush_between_ops)
		l2_keep_flush(&a->l2.keep);
	keep_after(a, ops_keep_key(op), res);
}
