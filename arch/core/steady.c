/* steady — steady-state skipping of a tiled op's K loop.
 *
 * Models: nothing new; it shortens the play. Inside a long item every core settles into a
 * period: it starts a step every `period` ps (its compute, or its share of a bandwidth it waits
 * for), and the shared servers carry the same backlog at the same phase. When every busy core
 * has shown the same spacing several times in a row, with its last load due the same time ahead
 * (a core eating buffers filled earlier keeps an even pace only until they run dry), one period
 * is measured: the counters' change over it (one step of every busy core) and the servers'
 * backlogs at its ends. If the backlogs repeat, the machine is periodic, and Δ periods are
 * skipped at once: every busy core's step counters (and the steps its buffers hold) advance by
 * Δ, every counter grows by Δ x the measured change, and Δ x period is added to the op's time.
 * Events already scheduled stay where they are: after the skip they stand for the same moments
 * Δ periods later. The tiles the skipped periods would have loaded are looked up in L2 in the
 * order they would have come (each core's next load leaves when its step computing now is done,
 * or a period later if that one is done already): their hits and misses are booked as they fall
 * (L2 contents evolve over spans longer than a period), and later items and trailing cores that
 * share them hit as they would have; the first walked period that books other hits than the
 * measured one ends the skip there. That walk stops as soon as L2's own periodicity makes the
 * rest certain (walk_l2: once each period inserts at least I bytes, L2 forgets everything
 * touched more than capacity / I periods ago, so its contents repeat one step on): the
 * remaining periods book the last one's hits and misses and every resident tile is shifted on
 * as many steps, exactly as the whole walk would have left it.
 * Δ leaves every core at least stages + 1 steps (the pipeline's drain and a partial last step
 * are always played) and is a multiple of the run's stages (so each step keeps its buffer).
 * Not: skipping across item boundaries (each item's first steps are played; wave-level
 * repetition is left to the caller), or any effect that is not periodic — the detector then
 * never fires and everything is played.
 */
#include <stdlib.h>
#include <string.h>

#include "arch/core/core.h"

/* Starts with equal spacings in a row (streak) before a core counts as settled. */
enum { STEADY_STREAK = 3 };
/* The fewest periods worth skipping. At the end of an item stages + 1 steps are always played:
 * the loads in flight at a skip then never stand for the last, possibly partial, step. */
enum { SKIP_MIN = 4 };

int tile_steady_init(struct tile_steady *s, size_t ncounters, uint32_t ncores)
{
	memset(s, 0, sizeof *s);
	/* A test's knob: walk every skipped period through L2 (tests/steady_shapes.sh checks that
	 * the shift gives the same reports, byte for byte). */
	const char *full = getenv("NMSIM_STEADY_FULL_WALK");
	s->full_walk = full && *full && strcmp(full, "0");
	size_t n = ncounters ? ncounters : 1;
	s->snap0 = calloc(n, sizeof *s->snap0);
	s->snap1 = calloc(n, sizeof *s->snap1);
	s->delta = calloc(n, sizeof *s->delta);
	bool marks = true;
	for (int i = 0; i < 3; i++)
		marks = (s->mark[i].snap = calloc(n, sizeof *s->mark[i].snap)) != NULL && marks;
	s->wcur = calloc(n, sizeof *s->wcur);
	s->order = calloc(ncores ? ncores : 1, sizeof *s->order);
	s->loads = calloc(ncores ? ncores : 1, sizeof *s->loads);
	s->nscratch = 2 * (size_t)(ncores ? ncores : 1);
	s->scratch = calloc(s->nscratch, sizeof *s->scratch);
	return s->snap0 && s->snap1 && s->delta && marks && s->wcur && s->scratch && s->order &&
	               s->loads
	           ? 0
	           : -1;
}

void tile_steady_fini(struct tile_steady *s)
{
	free(s->snap0);
	free(s->snap1);
	free(s->delta);
	for (int i = 0; i < 3; i++)
		free(s->mark[i].snap);
	free(s->wcur);
	free(s->scratch);
	free(s->ins);
	free(s->order);
	free(s->loads);
	memset(s, 0, sizeof *s);
}

void tile_steady_reset(struct tile_steady *s, bool enabled, uint64_t inner, uint64_t outer)
{
	s->enabled = enabled;
	s->phase = 0;
	s->skipped_ps = 0;
	s->skips = s->skipped_steps = s->wave_skips = s->skipped_items = 0;
	s->shifted_periods = 0;
	s->started = s->handed = 0;
	s->inner = inner;
	s->outer = outer;
	s->window = 0;
	s->windows = 0;
	s->stretch_start = s->stretch_end = 0;
}

/* Whether core c is playing an item of this run. */
static bool in_run(const struct tile_run *run, const struct core *c)
{
	return c->active && c->run == run;
}

/* Steps of c's item not yet started, after the one computing now (0 once its last step is
 * done and it is storing its output). */
static uint64_t steps_left(const struct core *c)
{
	return c->next_compute < c->nsteps ? c->nsteps - c->next_compute - 1 : 0;
}

/* Whether every busy core has settled on `period` and has room to skip; the room is the
 * fewest periods any of them can skip. With `one_step`, also whether each started exactly one
 * step since the period was opened (then the counters moved by one step of each). */
static bool all_settled(const struct tile_run *run, uint64_t period, bool one_step, uint64_t *room)
{
	uint64_t r = UINT64_MAX, tail = run->stages + 1;
	uint32_t busy = 0;
	for (uint32_t i = 0; i < run->ncores; i++) {
		const struct core *c = &run->cores[i];
		if (!in_run(run, c))
			continue;
		if (c->streak < STEADY_STREAK || c->spacing != period)
			return false;
		if (one_step && c->starts != c->starts0 + 1)
			return false;
		uint64_t left = steps_left(c);
		if (left < tail + SKIP_MIN)
			return false;
		if (left - tail < r)
			r = left - tail;
		busy++;
	}
	*room = r;
	return busy > 0;
}

/* Busy cores in the order their steps start within a period (then by id). */
static int by_phase(const void *x, const void *y)
{
	const struct core *a = *(struct core *const *)x, *b = *(struct core *const *)y;
	if (a->issue_phase != b->issue_phase)
		return a->issue_phase < b->issue_phase ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* The key of the tile a tagged L2 line stands for (core id + 1, and A or B, in the tag) at step
 * `step` of that core's item (l2_shift). */
static uint64_t shifted_key(void *ctx, uint64_t tag, uint64_t step)
{
	const struct tile_run *run = ctx;
	struct tile_load ld;
	run->prog->rekey(run, &run->cores[tag / 2 - 1], step, &ld);
	return tag % 2 ? ld.key_b : ld.key_a;
}

/* What a counted walk of one period booked: each touched counter, then the bytes inserted into
 * L2, into out (ntouched + 1 values) as the change since *last (updated); and L2's capacity
 * and untagged tiles now. */
static void walk_delta(struct tile_run *run, uint64_t *last, uint64_t *out, uint64_t *cap,
                       uint64_t *untagged)
{
	struct tile_steady *s = &run->steady;
	size_t n = run->hooks.ntouched;
	uint64_t now[TILE_TOUCHED_MAX + 1];
	run->hooks.snapshot(run->hooks.ctx, s->snap1);
	for (size_t k = 0; k < n; k++)
		now[k] = s->snap1[run->hooks.touched[k]];
	run->hooks.l2_state(run->hooks.ctx, &now[n], cap, untagged);
	for (size_t k = 0; k <= n; k++) {
		out[k] = now[k] - last[k];
		last[k] = now[k];
	}
}

/* Room for the bytes each walked period inserted into L2 (at least n + 1 of them); false when
 * out of memory (the walk then goes on without shifting). */
static bool ins_room(struct tile_steady *s, uint64_t n)
{
	if (n < s->ins_cap)
		return true;
	size_t cap = s->ins_cap ? 2 * s->ins_cap : 256;
	while (cap <= n)
		cap *= 2;
	uint64_t *p = realloc(s->ins, cap * sizeof *p);
	if (!p)
		return false;
	s->ins = p;
	s->ins_cap = cap;
	return true;
}

/* The tiles the skipped periods would have loaded, period by period, core by core in the
 * order they load (`order`, `busy` of them): L2 sees them as it would have, and books their
 * hits and misses as they fall (L2 contents evolve over longer spans than a period).
 *
 * Where the program's middle steps differ only in their keys (rekey), every period's loads are
 * the previous period's, one step on, and the walk stops as soon as that makes the rest
 * certain. An LRU directory evicts a tile once more than its capacity C in newer tiles came in
 * after it (the bytes inserted count a tile inserted twice twice, but a second insertion means
 * it was evicted in between, which took every tile older than it first; evicting by line count
 * only evicts more, oldest first). So if each of the last W periods inserted at least I bytes
 * with W x I > C, what L2 holds before the next period, and in which order, follows from those
 * W periods' loads alone, whatever came before; the W periods before this one did the same
 * (s->ins[k - w .. k] are all checked). Both windows lie inside the walk, so the
 * next period's L2 is this one's, one step on: it books exactly what this one booked and
 * inserts I again, and so on for every period left. Those are booked at once and every
 * resident tile is shifted on as many steps (each was touched in the walk, so it knows whose
 * step it is). The result is the full walk's, bit for bit.
 *
 * The skip's time is the measured period's, which holds only while the loads hit and miss in
 * L2 as they did in that period. Where L2 keeps a tile for about as long as another core takes
 * to come for it, the walk's order of the cores' loads (by phase, one period after another)
 * can keep a tile the play had lost, or lose one it kept: the first walked period that books
 * other hits or misses than the measured one ends the skip at the next multiple of the stages,
 * and the rest is played. Returns the periods skipped. */
static uint64_t walk_l2(struct tile_run *run, uint32_t busy, uint64_t periods)
{
	struct tile_steady *s = &run->steady;
	size_t n = run->hooks.ntouched;
	bool can_shift = run->prog->rekey && n <= TILE_TOUCHED_MAX && !s->full_walk;
	bool as_measured = n <= TILE_TOUCHED_MAX; /* so far; checked while true */
	uint64_t last[TILE_TOUCHED_MAX + 1] = { 0 }, d[TILE_TOUCHED_MAX + 1], cap, untagged;
	uint64_t next_check = 0;
	if (as_measured)
		walk_delta(run, last, d, &cap, &untagged);
	for (uint64_t k = 0; k < periods; k++) {
		for (uint32_t i = 0; i < busy; i++) {
			const struct core *c = s->order[i];
			struct tile_load *ld = &s->loads[i];
			uint64_t step = c->step0 + c->next_load + k;
			if (k == 0 || !run->prog->rekey)
				run->prog->tiles(run, c, step, ld);
			else
				run->prog->rekey(run, c, step, ld);
			run->hooks.touch(run->hooks.ctx, ld, true, can_shift ? c->id + 1 : 0, step);
		}
		if (!as_measured)
			continue;
		walk_delta(run, last, d, &cap, &untagged);
		for (size_t j = 0; j < n && as_measured; j++)
			as_measured = d[j] == s->delta[run->hooks.touched[j]];
		if (!as_measured) {
			uint64_t end = (k + 1 + run->stages - 1) / run->stages * run->stages;
			if (end < periods)
				periods = end;
			continue;
		}
		if (!can_shift)
			continue;
		if (!ins_room(s, k)) {
			can_shift = false;
			continue;
		}
		uint64_t inserted = d[n], left = periods - 1 - k;
		s->ins[k] = inserted;
		if (!inserted || !left || k < next_check)
			continue;
		uint64_t w = cap / inserted + 1; /* w x inserted > cap */
		if (k < w) {
			next_check = w;
			continue;
		}
		/* Periods k - w .. k each inserted at least as much? */
		uint64_t low = k + 1;
		for (uint64_t j = k; j-- > k - w;)
			if (s->ins[j] < inserted) {
				low = j;
				break;
			}
		if (low <= k) {
			next_check = low + w + 1;
			continue;
		}
		if (untagged) /* cannot happen after w such periods; checked all the same */
			continue;
		/* The rest books what this period did; L2 moves on `left` steps. */
		memset(s->snap1, 0, run->hooks.ncounters * sizeof *s->snap1);
		for (size_t j = 0; j < n; j++)
			s->snap1[run->hooks.touched[j]] = d[j];
		run->hooks.add(run->hooks.ctx, s->snap1, left);
		run->hooks.l2_shift(run->hooks.ctx, left, shifted_key, run);
		s->shifted_periods += left;
		return periods;
	}
	return periods;
}

static void skip(struct tile_run *run, uint64_t periods)
{
	struct tile_steady *s = &run->steady;
	uint32_t busy = 0;
	for (uint32_t i = 0; i < run->ncores; i++) {
		struct core *c = &run->cores[i];
		if (!in_run(run, c))
			continue;
		/* Its next load leaves when the step computing now is done, or, if that is done
		 * already (its load left), when the next one is, a period on. */
		c->issue_phase = c->last_start + (c->tc_busy ? 0 : s->period);
		s->order[busy++] = c;
	}
	qsort(s->order, busy, sizeof *s->order, by_phase);
	periods = walk_l2(run, busy, periods);
	/* Every counter but those the walk booked moves by the measured period. */
	for (size_t k = 0; k < run->hooks.ntouched; k++)
		s->delta[run->hooks.touched[k]] = 0;
	for (uint32_t i = 0; i < run->ncores; i++) {
		struct core *c = &run->cores[i];
		if (!in_run(run, c))
			continue;
		c->next_load += periods;
		c->next_compute += periods;
		for (uint64_t k = 0; k < run->stages; k++)
			c->slots[k].step += periods;
		c->last_start += periods * s->period;
	}
	run->hooks.add(run->hooks.ctx, s->delta, periods);
	s->skipped_ps += periods * s->period;
	s->skips++;
	s->skipped_steps += periods;
	s->started += periods * busy;
}

void tile_steady_step(struct tile_run *run, struct core *c)
{
	struct tile_steady *s = &run->steady;
	uint64_t now = kernel_now_ps();
	c->starts++;
	s->started++;
	/* How far ahead of this compute the last load issued is due (0 if in): a core that
	 * consumes loads faster than they come (its port or memory the bottleneck, its buffers
	 * still full from before) keeps an even spacing only until the buffers run dry; its lead
	 * shrinks meanwhile, so it counts as settled only once the lead repeats too. */
	uint64_t due = c->next_load ? c->slots[(c->next_load - 1) % run->stages].ready_at : 0;
	uint64_t lead = due > now ? due - now : 0;
	if (c->streak == 0) {
		c->streak = 1;
		c->spacing = 0;
	} else if (now - c->last_start == c->spacing && lead == c->lead) {
		c->streak++;
	} else {
		c->spacing = now - c->last_start;
		c->streak = 2;
	}
	c->last_start = now;
	c->lead = lead;

	uint64_t room;
	if (s->phase == 1 && c->id == s->trigger) {
		s->phase = 0;
		uint64_t backlog[TILE_SERVERS];
		run->hooks.backlog(run->hooks.ctx, now, backlog);
		if (now - s->t0 != s->period || !all_settled(run, s->period, true, &room) ||
		    memcmp(backlog, s->backlog0, sizeof backlog))
			return;
		/* One period measured: one step of every busy core. */
		run->hooks.snapshot(run->hooks.ctx, s->snap1);
		for (size_t i = 0; i < run->hooks.ncounters; i++)
			s->delta[i] = s->snap1[i] - s->snap0[i];
		uint64_t periods = room / run->stages * run->stages;
		if (periods >= SKIP_MIN)
			skip(run, periods);
		return;
	}
	if (s->phase == 0 && c->streak >= STEADY_STREAK &&
	    all_settled(run, c->spacing, false, &room)) {
		s->phase = 1;
		s->trigger = c->id;
		s->t0 = now;
		s->period = c->spacing;
		run->hooks.backlog(run->hooks.ctx, now, s->backlog0);
		run->hooks.snapshot(run->hooks.ctx, s->snap0);
		for (uint32_t i = 0; i < run->ncores; i++)
			run->cores[i].starts0 = run->cores[i].starts;
	}
}

/* ---- whole waves ------------------------------------------------------------------------ */

/* Whole waves repeat closely but rarely exactly (the L2's hits move with the tiles' place in
 * the threadblock swizzle; step skipping shifts when items end), so waves are compared in
 * windows after which both the op's item pattern (a swizzle group, a head) and the waves
 * repeat, in halves of WAVE_HALF windows (one window when a window across alike stretches holds
 * WAVE_LONG waves or more: it averages over whole stretches and as many waves already; not
 * inside a stretch, where an attention's windows need not line up with its KV heads' groups),
 * after WAVE_WARM windows of warm-up: when the two halves' times differ by at most
 * WAVE_TIME_TOL and every counter by at most WAVE_COUNT_TOL of the larger, the rest (but the
 * last two waves) is extrapolated at the mean of both halves. */
enum { WAVE_WARM = 1, WAVE_HALF = 2, WAVE_LONG = 8 };
/* Windows a stretch must hold to be worth measuring inside (warm-up, two halves, the kept
 * tail and something to skip). */
enum { WAVE_MIN_WINDOWS = 8 };
#define WAVE_TIME_TOL  0.002
#define WAVE_COUNT_TOL 0.003

static bool near(double x, double y, double tol)
{
	double big = x > y ? x : y;
	return (x > y ? x - y : y - x) <= tol * big;
}

/* Marks present in L2 (uncounted) the tiles of step `step` of c's item. */
static void touch_step(struct tile_run *run, const struct core *c, uint64_t step)
{
	struct tile_load ld;
	run->prog->tiles(run, c, step, &ld);
	run->hooks.touch(run->hooks.ctx, &ld, false, 0, 0);
}

/* Marks present in L2 the tiles of items [first, first + n), step by step across them. */
static void touch_items(struct tile_run *run, uint64_t first, uint64_t n)
{
	struct tile_steady *s = &run->steady;
	uint64_t steps = 0;
	for (uint64_t j = 0; j < n; j++) {
		run->prog->item(run, first + j, &s->scratch[j]);
		if (s->scratch[j].nsteps > steps)
			steps = s->scratch[j].nsteps;
	}
	for (uint64_t k = 0; k < steps; k++)
		for (uint64_t j = 0; j < n; j++) {
			const struct core *c = &s->scratch[j];
			if (k < c->nsteps)
				touch_step(run, c, c->step0 + k);
		}
}

/* The steps each busy core has loaded of its item, newest RETOUCH_STEPS of them, marked
 * present again step by step across the cores. A partner is handed out right after the item
 * it shares tiles with, so it runs close behind; RETOUCH_STEPS only bounds the work (cores x
 * 256 touches a wave skip), it is not a model quantity. */
enum { RETOUCH_STEPS = 256 };
static void retouch_in_flight(struct tile_run *run)
{
	uint64_t from = UINT64_MAX, to = 0;
	for (uint32_t i = 0; i < run->ncores; i++) {
		const struct core *c = &run->cores[i];
		if (!in_run(run, c) || !c->next_load)
			continue;
		uint64_t first = c->next_load > RETOUCH_STEPS ? c->next_load - RETOUCH_STEPS : 0;
		from = first < from ? first : from;
		to = c->next_load > to ? c->next_load : to;
	}
	for (uint64_t k = from; k < to; k++)
		for (uint32_t i = 0; i < run->ncores; i++) {
			const struct core *c = &run->cores[i];
			if (in_run(run, c) && k < c->next_load && k + RETOUCH_STEPS >= c->next_load)
				touch_step(run, c, c->step0 + k);
		}
}

/* Skips n windows at the mean per-window change of the measured span (2 x half windows, from
 * mark[0] to mark[2]). */
static void skip_waves(struct tile_run *run, uint64_t n)
{
	struct tile_steady *s = &run->steady;
	uint64_t w = s->window, per = 2 * s->half;
	uint64_t span_ps = s->mark[2].t - s->mark[0].t;
	for (size_t k = 0; k < run->hooks.ncounters; k++) {
		uint64_t d = s->mark[2].snap[k] - s->mark[0].snap[k];
		/* n x d / per, rounded, without overflowing for large counters. */
		s->wcur[k] = d / per * n + ((d % per) * n + per / 2) / per;
	}
	run->hooks.add(run->hooks.ctx, s->wcur, 1);
	s->skipped_ps += span_ps / per * n + ((span_ps % per) * n + per / 2) / per;
	run->next_item += n * w;
	s->wave_skips++;
	s->skipped_items += n * w;
	/* L2 holds what the last skipped items loaded, as it would have (two waves of them). */
	uint64_t back = n * w < s->nscratch ? n * w : s->nscratch;
	touch_items(run, run->next_item - back, back);
	/* The items in flight stand for the last skipped wave: what they loaded was the newest
	 * in L2 before the marking and is again, so that their partners (an item sharing their
	 * tiles a little behind them) still find it. */
	retouch_in_flight(run);
}

void tile_steady_items(struct tile_run *run)
{
	struct tile_steady *s = &run->steady;
	uint64_t i = run->next_item;
	if (i >= run->items)
		return;
	if (i >= s->stretch_end) {
		/* A new stretch: its own warm-up and measurements, its windows from its start. A
		 * stretch too short for that is compared whole, across alike stretches. */
		s->stretch_start = i;
		s->stretch_end = run->prog->stretch_end(run, i);
		s->windows = 0;
		s->window = s->inner;
		s->half = WAVE_HALF;
		if (s->stretch_end - i < WAVE_MIN_WINDOWS * s->inner) {
			s->window = s->outer;
			s->stretch_end = run->items;
			if (s->window >= WAVE_LONG * (uint64_t)run->ncores)
				s->half = 1;
		}
	}
	uint64_t w = s->window;
	if (!w || (i - s->stretch_start) % w)
		return;
	/* A boundary: another w items have been handed out. */
	s->windows++;
	uint64_t t = kernel_now_ps() + s->skipped_ps;
	if (s->windows < WAVE_WARM)
		return;
	uint64_t m = s->windows - WAVE_WARM; /* windows measured so far */
	if (m != 0 && m != s->half && m < 2 * s->half)
		return;
	struct tile_wave_mark *now = &s->mark[m == 0 ? 0 : m == s->half ? 1 : 2];
	now->t = t;
	now->started = s->started;
	now->handed = s->handed;
	run->hooks.snapshot(run->hooks.ctx, now->snap);
	if (now != &s->mark[2])
		return;
	/* Two halves measured: compare them. */
	const struct tile_wave_mark *a = &s->mark[0], *b = &s->mark[1], *c = &s->mark[2];
	bool agree = near((double)(b->t - a->t), (double)(c->t - b->t), WAVE_TIME_TOL);
	/* Periodic means the work in flight repeats too: each half started as many steps as its
	 * items hold. Halves that agree with each other while work piles up (or drains) at a
	 * steady rate would extrapolate that drift. */
	agree = agree &&
	        near((double)(b->started - a->started), (double)(b->handed - a->handed),
	             WAVE_COUNT_TOL) &&
	        near((double)(c->started - b->started), (double)(c->handed - b->handed),
	             WAVE_COUNT_TOL);
	for (size_t k = 0; k < run->hooks.ncounters && agree; k++)
		agree = near((double)(b->snap[k] - a->snap[k]), (double)(c->snap[k] - b->snap[k]),
		             WAVE_COUNT_TOL);
	/* Skips stay inside the stretch over which the pattern repeats. */
	uint64_t left = s->stretch_end > i ? s->stretch_end - i : 0;
	uint64_t keep = 2 * (uint64_t)run->ncores;
	if (agree && left >= keep + w) {
		skip_waves(run, (left - keep) / w);
		s->windows = 0; /* the rest plays out */
		return;
	}
	/* Slide: the second half becomes the first (its counter buffer is reused). */
	struct tile_wave_mark first = s->mark[0];
	s->mark[0] = s->mark[1];
	s->mark[1] = s->mark[2];
	s->mark[2] = first;
	s->windows = WAVE_WARM + s->half;
}
