/* fuzz_e2e — parse and plan with bounded size: what simrun does with a trace before and around
 * simulating it, without the SystemC kernel (one kernel per process; its events are the one
 * part left out).
 *
 * Each input is a trace. Pass 1 as simrun runs it: every record read and checked, every op
 * checked against two machines (configs/test/tiny.cfg and configs/a100_24.cfg) by its kind
 * (arch_check_op), ops and steps spooled (driver/spool.c) and read back equal. Every op that
 * passed its check is then planned by its kind as arch_op_start would (a failure there is an
 * internal error: "passed its check but failed to lower"), and for a tiled op the program
 * describes the first and last work items: their first and last steps' tiles and compute.
 * The promises checked: a plan's stages fit the cores' buffers, a tiled op has items, an item
 * no more steps than the check allows, a compute at least 1 ps, an analytic op's time at least
 * its launch. The first FUZZ_OPS ops of an input are taken (bounded time per input).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/core/core.h"
#include "arch/fabric.h"
#include "arch/hbm/hbm.h"
#include "arch/l2/l2.h"
#include "arch/ops/ops.h"
#include "driver/spool.h"
#include "fuzz_common.h"
#include "traces/trace.h"

#define FUZZ_OPS      64
#define FUZZ_MACHINES 2

struct machine {
	struct arch_config cfg;
	struct l2 l2;
	struct hbm hbm;
	struct core_stats core;
	struct smem_stats smem;
	uint64_t link_bytes;
	struct fabric fabric;
};

static struct machine machines[FUZZ_MACHINES];
static void *plan;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	static const char *const files[FUZZ_MACHINES] = { "configs/test/tiny.cfg",
		                                          "configs/a100_24.cfg" };
	for (int i = 0; i < FUZZ_MACHINES; i++) {
		struct machine *m = &machines[i];
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", fuzz_source_dir(), files[i]);
		if (arch_load_config(path, NULL, 0, &m->cfg)) {
			fprintf(stderr, "fuzz_e2e: cannot load %s\n", path);
			abort();
		}
		l2_init(&m->l2, &m->cfg.l2);
		hbm_init(&m->hbm, &m->cfg.hbm);
		m->fabric = (struct fabric){ &m->cfg, &m->l2, &m->hbm, &m->core, &m->smem, &m->link_bytes };
	}
	plan = calloc(1, ops_max_plan_size());
	if (!plan)
		abort();
	return 0;
}

/* The first and last steps of the first and last items of a tiled op. */
static void play_corners(struct machine *m, const struct ops_launch *l)
{
	struct tile_run run;
	memset(&run, 0, sizeof run);
	run.prog = l->prog;
	run.plan = plan;
	run.fabric = &m->fabric;
	run.stages = l->stages;
	run.items = l->items;
	uint64_t items[2] = { 0, l->items - 1 };
	for (int i = 0; i < 2; i++) {
		struct core c;
		memset(&c, 0, sizeof c);
		c.stats = &m->core;
		l->prog->item(&run, items[i], &c);
		FUZZ_CHECK(c.nsteps <= OPS_ITEM_STEPS_MAX, "item %llu has %llu steps",
		           (unsigned long long)items[i], (unsigned long long)c.nsteps);
		uint64_t end = l->prog->stretch_end(&run, items[i]);
		FUZZ_CHECK(end > items[i] && end <= l->items, "stretch end %llu for item %llu of %llu",
		           (unsigned long long)end, (unsigned long long)items[i],
		           (unsigned long long)l->items);
		if (!c.nsteps)
			continue;
		uint64_t steps[2] = { c.step0, c.step0 + c.nsteps - 1 };
		for (int s = 0; s < 2; s++) {
			struct tile_load ld;
			l->prog->tiles(&run, &c, steps[s], &ld);
			uint64_t ps = l->prog->compute(&run, &c, steps[s]);
			FUZZ_CHECK(ps >= 1, "a compute of 0 ps");
		}
	}
}

static void plan_op(const struct trace_op *op)
{
	for (int i = 0; i < FUZZ_MACHINES; i++) {
		struct machine *m = &machines[i];
		char err[512];
		if (arch_check_op(&m->cfg, op, err, sizeof err))
			continue;
		const struct op_kind *kind = ops_kind(op->type);
		struct ops_launch l;
		memset(&l, 0, sizeof l);
		kind->plan(&m->cfg, &m->fabric, op, plan, &l);
		switch (l.model) {
		case ARCH_MODEL_TILES:
			FUZZ_CHECK(l.stages >= 1 && l.stages <= CORE_MAX_STAGES, "%llu stages",
			           (unsigned long long)l.stages);
			FUZZ_CHECK(l.items >= 1, "a tiled op without items");
			play_corners(m, &l);
			break;
		case ARCH_MODEL_ANALYTIC:
			FUZZ_CHECK((double)l.time_ps >= m->cfg.core.launch, "%llu ps, below the launch",
			           (unsigned long long)l.time_ps);
			break;
		case ARCH_MODEL_NONE: break;
		case ARCH_MODEL_COUNT: FUZZ_CHECK(0, "no model"); break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct trace_op ops[FUZZ_OPS];
	static char names[FUZZ_OPS][TRACE_LINE_MAX + 1];
	char err[512];
	const char *path = fuzz_file("in.trace", data, size);
	struct trace_reader *r = trace_open(path, err, sizeof err);
	FUZZ_CHECK(r != NULL, "%s", err);
	struct spool *sp = spool_new(err, sizeof err);
	FUZZ_CHECK(sp != NULL, "%s", err);
	struct trace_record rec;
	size_t nops = 0, nsteps = 0;
	int rc;
	while (nops < FUZZ_OPS && (rc = trace_next(r, &rec)) == 1) {
		if (rec.kind == TRACE_REC_STEP) {
			FUZZ_CHECK(spool_put_step(sp, &rec.step) == 0, "%s", spool_write_error(sp));
			nsteps++;
		}
		if (rec.kind != TRACE_REC_OP)
			continue;
		FUZZ_CHECK(spool_put_op(sp, &rec.op, NULL) == 0, "%s", spool_write_error(sp));
		ops[nops] = rec.op;
		snprintf(names[nops], sizeof names[nops], "%s", rec.op.name);
		ops[nops].name = names[nops];
		nops++;
	}
	/* The spool gives back what went in (the reader stays open: ops point at its tensors). */
	FUZZ_CHECK(spool_end_writing(sp) == 0, "%s", spool_write_error(sp));
	struct spool_rec sr;
	size_t got_ops = 0, got_steps = 0;
	while ((rc = spool_next(sp, &sr)) == 1) {
		if (sr.kind == SPOOL_STEP) {
			got_steps++;
			continue;
		}
		FUZZ_CHECK(got_ops < nops, "more ops than spooled");
		const struct trace_op *a = &ops[got_ops++], *b = &sr.op;
		FUZZ_CHECK(a->type == b->type && a->line == b->line && a->gemm.m == b->gemm.m &&
		               !strcmp(a->name, b->name),
		           "op %zu spooled otherwise", got_ops - 1);
	}
	FUZZ_CHECK(rc == 0, "%s", spool_read_error(sp));
	FUZZ_CHECK(got_ops == nops && got_steps == nsteps, "spool: %zu/%zu ops, %zu/%zu steps",
	           got_ops, nops, got_steps, nsteps);
	spool_free(sp);
	for (size_t i = 0; i < nops; i++)
		plan_op(&ops[i]);
	trace_close(r);
	return 0;
}
