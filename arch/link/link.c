#include "arch/link/link.h"

#include <math.h>
#include <stddef.h>

static const char *const link_topology_names[] = { "ring", "switch", NULL };

static const struct cfg_field link_fields[] = {
	{ "bandwidth", CFG_RATE, offsetof(struct link_config, bandwidth), "B/s", 0, 1e15, "0",
	  "link bandwidth per direction per device: 0 (no link model, collectives unmodelled) or "
	  "1 MB/s to 1 PB/s",
	  NULL },
	{ "efficiency", CFG_REAL, offsetof(struct link_config, efficiency), "", 0.05, 1, "1",
	  "calibration: achievable share of the link bandwidth (NCCL bus bandwidth / peak)", NULL },
	{ "latency", CFG_TIME, offsetof(struct link_config, latency), "ps", 0, 1e9, "\"2 us\"",
	  "fixed latency of one algorithm step (launch, synchronization, hop)", NULL },
	{ "topology", CFG_ENUM, offsetof(struct link_config, topology), "", 0, 0, "\"switch\"",
	  "ring (point-to-point neighbours) or switch (NVSwitch: every pair at full bandwidth)",
	  link_topology_names },
};

/* Below 1 MB/s no link is meant: 1e-300 B/s would make one collective longer than any clock
 * counts. */
static int link_check(const void *blk, struct cfg_checker *chk)
{
	const struct link_config *l = blk;
	if (l->bandwidth > 0 && l->bandwidth < 1e6) {
		cfg_report(chk, "bandwidth",
		           "%g B/s: a link runs at 1 MB/s to 1 PB/s, or is 0 (no link model)",
		           l->bandwidth);
		return -1;
	}
	return 0;
}

const struct cfg_block link_cfg_block = {
	"link",
	link_fields,
	sizeof link_fields / sizeof link_fields[0],
	0,
	"chip-to-chip links for collectives",
	link_check,
};

double link_collective_ps(const struct link_config *l, enum trace_coll_kind kind, uint64_t bytes,
                          uint64_t ranks, uint64_t *sent)
{
	*sent = 0;
	if (ranks <= 1 || l->bandwidth <= 0)
		return 0;
	double p = (double)ranks, b = (double)bytes;
	double volume, steps;
	switch (kind) {
	case TRACE_COLL_ALLREDUCE:
		volume = 2 * (p - 1) / p * b;
		steps = l->topology == LINK_SWITCH ? 2 * ceil(log2(p)) : 2 * (p - 1);
		break;
	case TRACE_COLL_ALLGATHER:
		volume = (p - 1) * b; /* every rank receives the others' buffers */
		steps = l->topology == LINK_SWITCH ? ceil(log2(p)) : p - 1;
		break;
	case TRACE_COLL_REDUCESCATTER:
		volume = (p - 1) / p * b;
		steps = l->topology == LINK_SWITCH ? ceil(log2(p)) : p - 1;
		break;
	default: /* all-to-all: each rank keeps 1/p and sends the rest */
		volume = (p - 1) / p * b;
		steps = l->topology == LINK_SWITCH ? 1 : p - 1;
		break;
	}
	*sent = (uint64_t)ceil(volume);
	return volume * 1e12 / (l->bandwidth * l->efficiency) + steps * l->latency;
}
