#include "arch/core/core.h"

#include "arch/arch.h"
#include "sim/kernel.h"

/* The pipeline of one core, whatever the kernel: what an item covers, what a step loads and
 * computes and what the item stores come from the arch hooks of the op's tile program
 * (arch_gemm.c, arch_attn.c). */

static void core_take_item(struct core *c);
static void core_try_compute(struct core *c);

void core_init(struct core *c, struct arch *arch, uint32_t id, double fill_bytes_per_s)
{
	c->arch = arch;
	c->id = id;
	bwserver_init(&c->port, fill_bytes_per_s, 0);
	c->tc_busy = false;
	c->active = false;
	for (int i = 0; i < CORE_MAX_STAGES; i++)
		c->slots[i] = (struct core_slot){ c, 0, false };
}

static void core_load_done(void *ctx)
{
	struct core_slot *s = ctx;
	s->ready = true;
	core_try_compute(s->core);
}

static void core_issue_load(struct core *c)
{
	uint64_t step = c->step0 + c->next_load;
	struct core_slot *s = &c->slots[c->next_load % c->arch->stages];
	s->step = step;
	s->ready = false;
	c->next_load++;
	uint64_t done = arch_load_step(c->arch, c, step);
	kernel_call_at(done - kernel_now_ps(), core_load_done, s);
}

static void core_item_done(void *ctx)
{
	struct core *c = ctx;
	c->arch->core_stats.items++;
	core_take_item(c);
}

static void core_compute_done(void *ctx)
{
	struct core *c = ctx;
	c->slots[c->next_compute % c->arch->stages].ready = false;
	c->next_compute++;
	c->tc_busy = false;
	if (c->next_load < c->nsteps)
		core_issue_load(c);
	if (c->next_compute == c->nsteps) {
		uint64_t done = arch_store_tile(c->arch, c);
		kernel_call_at(done - kernel_now_ps(), core_item_done, c);
		return;
	}
	core_try_compute(c);
}

static void core_try_compute(struct core *c)
{
	if (c->tc_busy || c->next_compute >= c->nsteps)
		return;
	struct core_slot *s = &c->slots[c->next_compute % c->arch->stages];
	if (!s->ready)
		return;
	c->tc_busy = true;
	uint64_t ps = arch_compute_step(c->arch, c, s->step);
	kernel_call_at(ps, core_compute_done, c);
}

static void core_take_item(struct core *c)
{
	if (!arch_item_begin(c->arch, c)) {
		c->active = false;
		arch_core_idle(c->arch, c);
		return;
	}
	c->next_load = c->next_compute = 0;
	c->active = true;
	for (uint64_t i = 0; i < c->arch->stages && c->next_load < c->nsteps; i++)
		core_issue_load(c);
	if (c->nsteps == 0) { /* an item with nothing to stream still stores its tile */
		uint64_t done = arch_store_tile(c->arch, c);
		kernel_call_at(done - kernel_now_ps(), core_item_done, c);
	}
}

void core_start(struct core *c)
{
	core_take_item(c);
}
