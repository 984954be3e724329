#include "arch/core/core.h"

#include <math.h>

#include "arch/arch.h"
#include "sim/kernel.h"

static void core_take_item(struct core *c);

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

static uint64_t step_k(const struct lower_gemm_plan *p, uint64_t step)
{
	uint64_t k0 = step * p->tile_k;
	uint64_t left = p->k_eff - k0;
	return left < p->tile_k ? left : p->tile_k;
}

static void core_load_done(void *ctx)
{
	struct core_slot *s = ctx;
	s->ready = true;
	arch_core_try_compute(s->core);
}

static void core_issue_load(struct core *c)
{
	const struct lower_gemm_plan *p = &c->arch->plan;
	uint64_t step = c->step0 + c->next_load;
	struct core_slot *s = &c->slots[c->next_load % p->stages];
	s->step = step;
	s->ready = false;
	c->next_load++;
	uint64_t done = arch_load_step(c->arch, c, step, step_k(p, step));
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
	const struct lower_gemm_plan *p = &c->arch->plan;
	c->slots[c->next_compute % p->stages].ready = false;
	c->next_compute++;
	c->tc_busy = false;
	if (c->next_load < c->nsteps)
		core_issue_load(c);
	if (c->next_compute == c->nsteps) {
		uint64_t done = arch_store_tile(c->arch, c);
		kernel_call_at(done - kernel_now_ps(), core_item_done, c);
		return;
	}
	arch_core_try_compute(c);
}

void arch_core_try_compute(struct core *c)
{
	const struct lower_gemm_plan *p = &c->arch->plan;
	if (c->tc_busy || c->next_compute >= c->nsteps)
		return;
	struct core_slot *s = &c->slots[c->next_compute % p->stages];
	if (!s->ready)
		return;
	c->tc_busy = true;
	uint64_t ps = arch_compute_step(c->arch, c, step_k(p, s->step));
	kernel_call_at(ps, core_compute_done, c);
}

static void core_take_item(struct core *c)
{
	const struct lower_gemm_plan *p = &c->arch->plan;
	uint64_t item;
	if (!arch_next_item(c->arch, &item)) {
		c->active = false;
		arch_core_idle(c->arch, c);
		return;
	}
	/* Item order: batch, then output tiles in the threadblock swizzle of arch/lower (columns
	 * of `swizzle` tile rows, so that the cores busy at once cover a compact block of C and
	 * share A and B tiles through L2), split-K part innermost. */
	uint64_t part = item % p->split;
	item /= p->split;
	uint64_t per_batch = p->tiles_m * p->tiles_n;
	c->batch = item / per_batch;
	uint64_t t = item % per_batch;
	uint64_t group = t / (p->swizzle * p->tiles_n);
	uint64_t first = group * p->swizzle;
	uint64_t height = p->tiles_m - first < p->swizzle ? p->tiles_m - first : p->swizzle;
	uint64_t r = t % (p->swizzle * p->tiles_n);
	c->ti = first + r % height;
	c->tj = r / height;
	c->rows = p->m - c->ti * p->tile_m < p->tile_m ? p->m - c->ti * p->tile_m : p->tile_m;
	c->cols = p->n - c->tj * p->tile_n < p->tile_n ? p->n - c->tj * p->tile_n : p->tile_n;
	c->step0 = part * p->steps_per_item;
	uint64_t end = c->step0 + p->steps_per_item;
	c->nsteps = (end > p->steps_total ? p->steps_total : end) - c->step0;
	c->next_load = c->next_compute = 0;
	c->active = true;
	for (uint64_t i = 0; i < p->stages && c->next_load < c->nsteps; i++)
		core_issue_load(c);
}

void core_start(struct core *c)
{
	core_take_item(c);
}
