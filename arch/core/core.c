#include "arch/core/core.h"

#include "sim/log.h"

/* The pipeline of one core, whatever the kernel: what an item covers, what a step loads and
 * computes and what the item stores come from the op's tile program (arch/ops). */

static void core_take_item(struct core *c);
static void core_try_compute(struct core *c);

bool tile_run_next(struct tile_run *run, uint64_t *item)
{
	if (run->steady.enabled)
		tile_steady_items(run);
	if (run->next_item >= run->items)
		return false;
	*item = run->next_item++;
	return true;
}

void core_init(struct core *c, uint32_t id, struct core_stats *stats, double fill_bytes_per_s)
{
	c->id = id;
	c->stats = stats;
	c->run = NULL;
	bwserver_init(&c->port, fill_bytes_per_s, 0);
	c->tc_busy = false;
	c->active = false;
	c->waking = false;
	for (int i = 0; i < CORE_MAX_STAGES; i++)
		c->slots[i] = (struct core_slot){ 0, 0, 0 };
}

/* The core waited for its next step's tiles; they are in now. */
static void core_wake(void *ctx)
{
	struct core *c = ctx;
	c->waking = false;
	core_try_compute(c);
}

static void core_issue_load(struct core *c)
{
	uint64_t step = c->step0 + c->next_load;
	struct core_slot *s = &c->slots[c->next_load % c->run->stages];
	s->step = step;
	c->next_load++;
	struct tile_load ld;
	c->run->prog->tiles(c->run, c, step, &ld);
	/* The fabric knows at once when the last byte will be in: no event for that; the core
	 * waits for it only if its tensor cores get there first (core_try_compute), at the place
	 * among same-time callbacks that an event issued now would have had. */
	s->ready_at = c->run->hooks.load(c->run->hooks.ctx, c, &ld);
	s->seq = kernel_reserve_seq();
	if (c->run->hooks.event)
		c->run->hooks.event(c->run->hooks.ctx, TILE_EVENT_LOAD, c->id, kernel_now_ps(),
		                    s->ready_at);
}

static void core_item_done(void *ctx)
{
	struct core *c = ctx;
	c->stats->items++;
	core_take_item(c);
}

/* The item's output leaves for memory; the core takes its next item when it has. */
static void core_store(struct core *c)
{
	uint64_t done = c->run->prog->store(c->run, c);
	if (c->run->hooks.event)
		c->run->hooks.event(c->run->hooks.ctx, TILE_EVENT_STORE, c->id, kernel_now_ps(), done);
	kernel_call_at(done - kernel_now_ps(), core_item_done, c);
}

static void core_compute_done(void *ctx)
{
	struct core *c = ctx;
	c->next_compute++;
	c->tc_busy = false;
	if (c->next_load < c->nsteps)
		core_issue_load(c);
	if (c->next_compute == c->nsteps) {
		core_store(c);
		return;
	}
	core_try_compute(c);
}

static void core_try_compute(struct core *c)
{
	if (c->tc_busy || c->next_compute >= c->nsteps)
		return;
	struct core_slot *s = &c->slots[c->next_compute % c->run->stages];
	uint64_t now = kernel_now_ps();
	/* Tiles due now are in only if their place in the same-time order has come. */
	if (s->ready_at > now || (s->ready_at == now && s->seq > kernel_current_seq())) {
		if (!c->waking) {
			c->waking = true;
			kernel_call_at_seq(s->ready_at - now, s->seq, core_wake, c);
		}
		return;
	}
	c->tc_busy = true;
	uint64_t ps = c->run->prog->compute(c->run, c, s->step);
	if (c->run->hooks.event)
		c->run->hooks.event(c->run->hooks.ctx, TILE_EVENT_COMPUTE, c->id, kernel_now_ps(),
		                    kernel_now_ps() + ps);
	kernel_call_at(ps, core_compute_done, c);
	if (c->run->steady.enabled)
		tile_steady_step(c->run, c);
}

static void core_take_item(struct core *c)
{
	struct tile_run *run = c->run;
	uint64_t item;
	if (!tile_run_next(run, &item)) {
		c->active = false;
		c->run = NULL;
		SIM_ASSERT(run->cores_running > 0, "core", kernel_now_ps(),
		           "core %u idle with no core running", c->id);
		if (--run->cores_running == 0)
			run->all_idle(run->all_idle_ctx);
		return;
	}
	run->prog->item(run, item, c);
	run->steady.handed += c->nsteps;
	c->next_load = c->next_compute = 0;
	c->active = true;
	c->streak = 0;
	c->spacing = 0;
	for (uint64_t i = 0; i < c->run->stages && c->next_load < c->nsteps; i++)
		core_issue_load(c);
	if (c->nsteps == 0) { /* an item with nothing to stream still stores its tile */
		core_store(c);
		return;
	}
	core_try_compute(c);
}

void core_start(struct core *c, struct tile_run *run)
{
	c->run = run;
	core_take_item(c);
}
