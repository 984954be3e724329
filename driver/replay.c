#include "driver/replay.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "driver/opdesc.h"
#include "sim/kernel.h"
#include "sim/log.h"

/* ---- replay ---------------------------------------------------------------------------- */

/* Every bound arch_op_result.bound may name (arch/arch.h), in report order. */
static const char *const replay_bounds[REPLAY_BOUND_COUNT] = {
	"compute", "memory", "l2", "smem", "decode", "vector", "launch", "link", "none",
};

const char *replay_bound_name(int i)
{
	return replay_bounds[i];
}

static int bound_index(const char *bound)
{
	for (int i = 0; i < REPLAY_BOUND_COUNT; i++)
		if (bound[0] == replay_bounds[i][0] && !strcmp(bound, replay_bounds[i]))
			return i;
	SIM_ASSERT(0, "replay", kernel_now_ps(), "op bound '%s' is not in the bound table", bound);
}

void replay_csv_header(FILE *csv)
{
	fputs("index,line,step,type,layer,name,time_s,energy_j,bytes,bound,model,kernel_s,gap_s,"
	      "decode_s,clock_mhz,measured_s,label,shape,format,mem_latency_s\n",
	      csv);
}

static uint64_t counters_room(const struct stats *reg)
{
	uint64_t top = 0;
	for (size_t i = 0; i < reg->count; i++)
		if (*reg->values[i] > top)
			top = *reg->values[i];
	return UINT64_MAX - top;
}

int replay_init(struct replay *r, struct arch *arch, struct stats *reg, struct spool *spool,
                FILE *csv, bool use_cache, const char *trace_name)
{
	memset(r, 0, sizeof *r);
	r->trace_name = strcmp(trace_name, "-") ? trace_name : "<stdin>";
	r->arch = arch;
	r->reg = reg;
	r->spool = spool;
	r->csv = csv;
	r->use_cache = use_cache;
	r->snap0 = calloc(reg->count ? reg->count : 1, sizeof *r->snap0);
	r->delta = calloc(reg->count ? reg->count : 1, sizeof *r->delta);
	r->last = calloc(reg->count ? reg->count : 1, sizeof *r->last);
	r->cache = use_cache ? cache_new(reg->count, REPLAY_CACHE_MAX) : NULL;
	if (!r->snap0 || !r->delta || !r->last || (use_cache && !r->cache))
		return -1;
	stats_snapshot(reg, r->last);
	r->room = counters_room(reg);
	return 0;
}

void replay_listen(struct replay *r, const struct replay_listener *listener)
{
	r->listener = listener;
}

void replay_count_empty_steps(struct replay *r, enum trace_step_kind kind, uint64_t n)
{
	r->rest[kind].steps += n;
}

void replay_fini(struct replay *r)
{
	cache_free(r->cache);
	free(r->snap0);
	free(r->delta);
	free(r->last);
	free(r->steps);
	memset(r, 0, sizeof *r);
}

/* Step index, one of the first REPLAY_STEPS_MAX; the array grows to it on first use. */
static struct replay_step *step_at(struct replay *r, uint64_t index)
{
	while (r->nsteps <= index) {
		if (r->nsteps == r->cap_steps) {
			uint64_t cap = r->cap_steps ? 2 * r->cap_steps : 16;
			struct replay_step *s = realloc(r->steps, cap * sizeof *s);
			SIM_ASSERT(s != NULL, "replay", kernel_now_ps(), "out of memory");
			r->steps = s;
			r->cap_steps = cap;
		}
		/* Ops before the first step record form an implicit prefill step 0. */
		r->steps[r->nsteps++] = (struct replay_step){ TRACE_STEP_PREFILL, 0, 0, 0, 0, 0 };
	}
	return &r->steps[index];
}

/* Stops the replay on input the simulator cannot count: the message names the trace and the
 * op's line. */
__attribute__((format(printf, 2, 3))) static void replay_refuse(struct replay *r, const char *fmt,
                                                                ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_error("%s:%" PRIu64 ": %s", r->trace_name, r->op.line, msg);
	if (!r->failed)
		r->failed = EXIT_USER_ERROR;
}

/* The run's totals after an op of t ps: false (and the replay stopped) when time passes
 * REPLAY_TIME_MAX or a counter wrapped past 2^64. A simulated op's counters are checked here
 * (each only grows, so one smaller than after the last simulated op went past 2^64); a cached
 * op's are added, and checked, at the end (flush_cached). */
static bool totals_fit(struct replay *r, uint64_t t, bool simulated)
{
	uint64_t total;
	if (__builtin_add_overflow(r->time_ps, t, &total) || total > REPLAY_TIME_MAX) {
		replay_refuse(r,
		              "%s: the run's simulated time passes 2^63 ps (%.0f days) with this "
		              "op: more than the simulator counts",
		              trace_op_type_name(r->op.type),
		              (double)REPLAY_TIME_MAX * 1e-12 / 86400);
		return false;
	}
	for (size_t i = 0; simulated && i < r->reg->count; i++) {
		uint64_t v = *r->reg->values[i];
		if (v < r->last[i]) {
			replay_refuse(r, "%s: counter %s.%s passes 2^64 with this op",
			              trace_op_type_name(r->op.type), r->reg->entries[i].block,
			              r->reg->entries[i].name);
			return false;
		}
		r->last[i] = v;
	}
	if (r->op.has_dur) {
		/* The report adds them over all types too. */
		uint64_t ns = r->op.dur_ns;
		bool over = false;
		for (int ty = 0; ty < TRACE_OP_COUNT; ty++)
			over |= __builtin_add_overflow(ns, r->by_type[ty].measured_ns, &ns);
		if (over) {
			replay_refuse(r,
			              "dur_ns: the measured durations add up to more than 2^64 ns");
			return false;
		}
	}
	return true;
}

static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void keep_top(struct replay *r, const struct trace_op *op, uint64_t t,
                     const struct arch_op_result *res)
{
	int pos = r->ntop;
	while (pos > 0 && r->top[pos - 1].time_ps < t) /* strictly slower first; ties keep order */
		pos--;
	if (pos >= REPLAY_TOP_OPS)
		return;
	int last = r->ntop < REPLAY_TOP_OPS ? r->ntop : REPLAY_TOP_OPS - 1;
	memmove(&r->top[pos + 1], &r->top[pos], (size_t)(last - pos) * sizeof r->top[0]);
	if (r->ntop < REPLAY_TOP_OPS)
		r->ntop++;
	struct replay_top_op *e = &r->top[pos];
	e->index = op->index;
	e->line = op->line;
	e->step = op->step;
	e->time_ps = t;
	e->type = op->type;
	e->layer = op->layer;
	snprintf(e->name, sizeof e->name, "%.63s", op->name);
	e->bound = res->bound;
	e->model = arch_model_name(res->model);
	e->how = res->how;
}

static void replay_next(void *ctx);

/* Books a finished op: totals, its step, its type, the CSV row. */
static void op_finished(struct replay *r, uint64_t t, const struct arch_op_result *res,
                        const double energy[ENERGY_ACTION_COUNT], uint64_t hbm_bytes,
                        bool simulated, bool tiles)
{
	const struct trace_op *op = &r->op;
	if (!totals_fit(r, t, simulated))
		return;
	double e = 0;
	for (int c = 0; c < ENERGY_ACTION_COUNT; c++) {
		r->energy_j[c] += energy[c];
		e += energy[c];
	}
	uint64_t start_ps = r->time_ps;
	r->ops++;
	r->time_ps += t;
	enum trace_step_kind step_kind = r->rest_kind;
	if (op->step < REPLAY_STEPS_MAX) {
		struct replay_step *s = step_at(r, op->step);
		step_kind = s->kind;
		s->ops++;
		s->time_ps += t;
		s->energy_j += e;
	} else {
		struct replay_rest *s = &r->rest[r->rest_kind];
		s->ops++;
		s->time_ps += t;
		s->energy_j += e;
	}
	struct replay_type_total *bt = &r->by_type[op->type];
	bt->ops++;
	bt->time_ps += t;
	bt->energy_j += e;
	if (op->has_dur) {
		bt->measured_ops++;
		bt->measured_ns += op->dur_ns;
		bt->measured_sim_ps += t - res->gap_ps; /* a profiler times the kernel alone */
		bt->measured_fixed_ps += res->gap_ps;
	}
	r->model_ops[op->type][res->model]++;
	r->bound_ps[bound_index(res->bound)] += t;
	keep_top(r, op, t, res);
	if (r->csv) {
		fprintf(r->csv, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%s,", op->index, op->line,
		        op->step, trace_op_type_name(op->type));
		if (op->layer >= 0)
			fprintf(r->csv, "%" PRId64, op->layer);
		fputc(',', r->csv);
		csv_field(r->csv, op->name);
		fprintf(r->csv, ",%.6e,%.6e,%" PRIu64 ",%s,%s,%.6e,%.6e,%.6e,%.1f,",
		        (double)t * 1e-12, e, hbm_bytes, res->bound, arch_model_name(res->model),
		        (double)(t - res->gap_ps) * 1e-12, (double)res->gap_ps * 1e-12,
		        (double)res->decode_ps * 1e-12, res->clock_hz * 1e-6);
		if (op->has_dur)
			fprintf(r->csv, "%.6e", (double)op->dur_ns * 1e-9);
		char desc[160];
		fputc(',', r->csv);
		opdesc_label(op, desc, sizeof desc);
		csv_field(r->csv, desc);
		fputc(',', r->csv);
		opdesc_shape(op, desc, sizeof desc);
		csv_field(r->csv, desc);
		fputc(',', r->csv);
		opdesc_format(op, desc, sizeof desc);
		csv_field(r->csv, desc);
		fprintf(r->csv, ",%.6e\n", (double)res->mem_latency_ps * 1e-12);
	}
	if (r->listener && r->listener->op_done) {
		struct replay_op_done d = { op, &r->tags,  step_kind, start_ps, t, res,
			                    e,  hbm_bytes, NULL,      0,        0 };
		if (tiles)
			d.tiles = arch_recorded(r->arch, &d.ntiles, &d.tiles_dropped);
		if (r->listener->op_done(r->listener->ctx, &d) && !r->failed)
			r->failed = EXIT_INTERNAL_ERROR;
	}
}

/* Energy and device-memory bytes of the op that just ran: the change of the machine's counts. */
static void priced_delta(struct replay *r, uint64_t t, double energy[ENERGY_ACTION_COUNT],
                         uint64_t *hbm_bytes)
{
	uint64_t now[ENERGY_COUNT_N], d[ENERGY_COUNT_N];
	arch_energy_counts(r->arch, now);
	for (int i = 0; i < ENERGY_COUNT_N; i++)
		d[i] = now[i] - r->counts0[i];
	const struct arch_config *cfg = arch_cfg(r->arch);
	const struct arch_op_result *res = arch_last_result(r->arch);
	energy_price(&cfg->energy, d, (uint64_t)cfg->core.count, (double)t * 1e-12,
	             power_energy_scale(&cfg->power, res->clock_hz, cfg->core.freq), energy);
	*hbm_bytes = d[ENERGY_COUNT_HBM_BYTES];
}

/* Adds the counters of the ops replayed from the cache; false (the replay refused) if one
 * would pass 2^64 — the op in flight's doing when `this_op` (it alone was owed), which
 * pending_bound <= room rules out otherwise. */
static bool flush_cached(struct replay *r, bool this_op)
{
	if (!r->cache)
		return true;
	size_t over = cache_flush(r->cache, r->reg);
	if (over < r->reg->count) {
		const struct stats_entry *c = &r->reg->entries[over];
		if (this_op)
			replay_refuse(r, "%s: counter %s.%s passes 2^64 with this op",
			              trace_op_type_name(r->op.type), c->block, c->name);
		else
			replay_refuse(r, "counter %s.%s passes 2^64 over the trace's ops", c->block,
			              c->name);
		return false;
	}
	r->pending_bound = 0;
	r->room = counters_room(r->reg);
	return true;
}

static void op_simulated(void *ctx)
{
	struct replay *r = ctx;
	const struct arch_op_result *res = arch_last_result(r->arch);
	struct cache_entry e = { .time_ps = res->time_ps, .result = *res, .delta = r->delta };
	priced_delta(r, res->time_ps, e.energy_j, &e.hbm_bytes);
	if (r->cache) {
		stats_snapshot(r->reg, r->delta);
		for (size_t i = 0; i < r->reg->count; i++)
			r->delta[i] -= r->snap0[i];
		cache_insert(r->cache, &r->op, r->tags.sig, r->warm, &e);
	}
	op_finished(r, res->time_ps, res, e.energy_j, e.hbm_bytes, true, r->recording > 0);
	/* The op grew the counters: what the cached ops still owe must fit what is left. */
	r->room = counters_room(r->reg);
	if (!r->failed && r->pending_bound > r->room)
		flush_cached(r, false);
	if (!r->failed)
		replay_next(r);
}

/* An op already simulated: booked at once from the cache, with no event (the machine is idle
 * between ops, so nothing else happens while it would run). True if it was there. */
static bool from_cache(struct replay *r)
{
	if (!r->cache)
		return false;
	r->warm = arch_op_warm_bytes(r->arch, &r->op);
	if (r->recording)
		return false; /* simulated, so that its tiles are seen */
	struct cache_entry *e = cache_find(r->cache, &r->op, r->tags.sig, r->warm);
	if (!e)
		return false;
	r->cache_hits++;
	/* Its counters are owed and added later, in bulk. Near 2^64, what is owed is added
	 * first and then this op on its own, so that a counter passing 2^64 is refused at its
	 * line. */
	bool near = e->max_delta > r->room - r->pending_bound;
	if (near && !flush_cached(r, false))
		return true;
	e->pending++;
	r->pending_bound += e->max_delta;
	if (near && !flush_cached(r, true))
		return true;
	arch_op_booked(r->arch, &r->op, &e->result);
	op_finished(r, e->time_ps, &e->result, e->energy_j, e->hbm_bytes, false, false);
	return true;
}

static void start_op(struct replay *r)
{
	stats_snapshot(r->reg, r->snap0);
	arch_energy_counts(r->arch, r->counts0);
	if (r->recording)
		arch_record_next_op(r->arch, r->recording < REPLAY_TILE_EVENTS_MAX
		                                 ? r->recording
		                                 : REPLAY_TILE_EVENTS_MAX);
	arch_op_start(r->arch, &r->op, op_simulated, r);
}

static void replay_next(void *ctx)
{
	struct replay *r = ctx;
	struct spool_rec rec;
	for (;;) {
		int rc = spool_next(r->spool, &rec);
		if (rc == 0) {
			flush_cached(r, false);
			return; /* no event left: the simulation ends */
		}
		if (rc == SPOOL_ABANDONED) {
			/* The trace's check failed: it said why; nothing is reported. */
			r->failed = EXIT_USER_ERROR;
			return;
		}
		if (rc < 0) {
			log_error("%s", spool_read_error(r->spool));
			r->failed = 1;
			return;
		}
		if (r->holding_log && spool_writer_ended(r->spool)) {
			/* The check passed: what was held prints, and so does what comes. */
			log_release(1);
			r->holding_log = false;
		}
		if (rec.kind == SPOOL_STEP) {
			if (rec.step.index >= REPLAY_STEPS_MAX) {
				r->rest_kind = rec.step.kind;
				r->rest[rec.step.kind].steps++;
				r->rest[rec.step.kind].tokens +=
				    (double)(rec.step.tokens ? rec.step.tokens : 1) *
				    (double)(rec.step.batch ? rec.step.batch : 1);
				r->rest[rec.step.kind].tokens_given |= rec.step.tokens > 0;
				continue;
			}
			struct replay_step *s = step_at(r, rec.step.index);
			s->kind = rec.step.kind;
			s->tokens = rec.step.tokens;
			s->batch = rec.step.batch;
			continue;
		}
		r->op = rec.op;
		r->tags = rec.tags;
		r->recording = r->listener && r->listener->want_tiles
		                   ? r->listener->want_tiles(r->listener->ctx, &r->op)
		                   : 0;
		if (from_cache(r)) {
			if (r->failed)
				return;
			continue;
		}
		start_op(r);
		return;
	}
}

void replay_start(struct replay *r)
{
	kernel_call_at(0, replay_next, r);
}
