/* coll — the op kind of collectives (all-reduce, all-gather, reduce-scatter, all-to-all):
 * NCCL's algorithm costs over the machine's links (arch/link), or unmodelled (zero time,
 * reported as such) on a machine without a link block.
 * Not: overlap with compute, congestion from other traffic (see arch/link/link.h).
 */
#include <math.h>

#include "arch/link/link.h"
#include "arch/ops/ops.h"

static int coll_check(const struct arch_config *cfg, const struct trace_op *op, char *err,
                      size_t errlen)
{
	if (cfg->link.bandwidth <= 0)
		return 0; /* unmodelled: no time */
	uint64_t sent;
	double ps =
	    link_collective_ps(&cfg->link, op->coll.kind, op->coll.bytes, op->coll.ranks, &sent);
	return ops_check_time(ps + cfg->core.host_overhead + cfg->core.launch, err, errlen);
}

static void coll_plan(const struct arch_config *cfg, struct fabric *fabric,
                      const struct trace_op *op, void *plan, struct ops_launch *out)
{
	(void)plan;
	if (cfg->link.bandwidth <= 0) {
		*out = (struct ops_launch){ .model = ARCH_MODEL_NONE, .bound = "none", .how = "" };
		return;
	}
	uint64_t sent;
	double ps =
	    link_collective_ps(&cfg->link, op->coll.kind, op->coll.bytes, op->coll.ranks, &sent);
	fabric_book_link(fabric, sent);
	*out = (struct ops_launch){ .model = ARCH_MODEL_ANALYTIC, .bound = "link", .how = "" };
	out->time_ps = (uint64_t)ceil(ps + cfg->core.host_overhead + cfg->core.launch);
}

const struct op_kind ops_coll = { "coll", 0, coll_check, coll_plan, NULL };
