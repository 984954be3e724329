#include "arch/hbm/hbm.h"

#include <stddef.h>

static const struct cfg_field hbm_fields[] = {
	{ "size", CFG_BYTES, offsetof(struct hbm_config, size), "B", 1, 1e15, NULL, "capacity",
	  NULL },
	{ "bandwidth", CFG_RATE, offsetof(struct hbm_config, bandwidth), "B/s", 1e6, 1e15, NULL,
	  "peak bandwidth (datasheet)", NULL },
	{ "efficiency", CFG_REAL, offsetof(struct hbm_config, efficiency), "", 0.05, 1, "1",
	  "calibration: achievable fraction of peak bandwidth for streaming access", NULL },
	{ "write_efficiency", CFG_REAL, offsetof(struct hbm_config, write_efficiency), "", 0.05, 1,
	  "1",
	  "calibration: achievable fraction of peak bandwidth for writes (read/write turnaround)",
	  NULL },
	{ "prune_in_memory", CFG_BOOL, offsetof(struct hbm_config, prune_in_memory), "", 0, 0,
	  "false",
	  "the memory scores keys in place and sends only those above threshold (Sprint's ReRAM); "
	  "attention with pat=thresh then fetches only the surviving keys",
	  NULL },
	{ "latency", CFG_TIME, offsetof(struct hbm_config, latency), "ps", 0, 1e8, "\"500 ns\"",
	  "load-to-use latency of an unloaded access", NULL },
	{ "loaded_latency", CFG_TIME, offsetof(struct hbm_config, loaded_latency), "ps", 0, 1e8,
	  "0",
	  "load-to-use latency while the memory streams at its achievable bandwidth (queues in "
	  "the controllers, bank conflicts); an op's loads see the line from `latency` to this at "
	  "the share of its time the memory is busy (0: no rise)",
	  NULL },
};

/* A loaded latency below the unloaded one would be no rise at all: refused, not ignored. */
static int hbm_check(const void *block, struct cfg_checker *chk)
{
	const struct hbm_config *c = block;
	if (c->loaded_latency > 0 && c->loaded_latency < c->latency) {
		cfg_report(chk, "loaded_latency",
		           "%.0f ns is below hbm.latency (%.0f ns): the latency under load is at "
		           "least the unloaded one (0: no rise)",
		           c->loaded_latency * 1e-3, c->latency * 1e-3);
		return -1;
	}
	return 0;
}

const struct cfg_block hbm_cfg_block = {
	"hbm",
	hbm_fields,
	sizeof hbm_fields / sizeof hbm_fields[0],
	0,
	"device memory: capacity, bandwidth, latency",
	hbm_check,
};

double hbm_latency_at(const struct hbm_config *cfg, double u)
{
	if (cfg->loaded_latency <= cfg->latency || !(u > 0))
		return cfg->latency;
	return cfg->latency + (cfg->loaded_latency - cfg->latency) * (u < 1 ? u : 1);
}

double hbm_effective_bandwidth(const struct hbm_config *cfg)
{
	return cfg->bandwidth * cfg->efficiency;
}

double hbm_stream_ps(const struct hbm_config *cfg, double read, double write)
{
	return 1e12 * (read / (cfg->bandwidth * cfg->efficiency) +
	               write / (cfg->bandwidth * cfg->write_efficiency));
}

void hbm_init(struct hbm *h, const struct hbm_config *cfg)
{
	h->cfg = cfg;
	bwserver_init(&h->port, hbm_effective_bandwidth(cfg), (uint64_t)cfg->latency);
	h->stats = (struct hbm_stats){ 0 };
}

int hbm_register_stats(struct hbm *h, struct stats *reg)
{
	return STATS_REGISTER(reg, "hbm", HBM_STATS, &h->stats);
}

uint64_t hbm_read(struct hbm *h, uint64_t now_ps, uint64_t bytes)
{
	uint64_t busy0 = h->port.busy_ps;
	uint64_t done = bwserver_request(&h->port, now_ps, bytes);
	h->stats.read_bytes += bytes;
	h->stats.busy_ps += h->port.busy_ps - busy0;
	return done;
}

uint64_t hbm_write(struct hbm *h, uint64_t now_ps, uint64_t bytes)
{
	uint64_t busy0 = h->port.busy_ps;
	/* A write is done when the memory has taken it; no load-to-use latency. */
	uint64_t done = bwserver_request_slowed(&h->port, now_ps, bytes,
	                                        h->cfg->efficiency / h->cfg->write_efficiency) -
	                h->port.latency_ps;
	h->stats.write_bytes += bytes;
	h->stats.busy_ps += h->port.busy_ps - busy0;
	return done;
}
