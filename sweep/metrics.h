/* metrics — what a sweep records of each point, read from the point's simrun JSON report
 * (nmsim.report.v1, docs/cli.md), one results column each.
 * Models: nothing; derives per-token figures from the report's steps and the tokens the trace
 * generates (the batch of each decode step, summed: sweep/plan.h):
 *   ttft_s        the prefill steps' time, summed
 *   tpot_s        the decode steps' mean time (none without decode steps)
 *   tokens_per_s  tokens generated / total time (none without decode steps)
 *   j_per_token   energy / tokens generated (none without decode steps)
 * and copies the rest (time_s, energy_j, avg_power_w, hbm_bytes, time_BOUND_s).
 * Not: the report's other keys; a report with a different schema is an error.
 */
#ifndef NMSIM_METRICS_H
#define NMSIM_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "driver/replay.h"

enum metrics_id {
	METRICS_TIME,
	METRICS_TTFT,
	METRICS_TPOT,
	METRICS_TOKENS_PER_S,
	METRICS_ENERGY,
	METRICS_J_PER_TOKEN,
	METRICS_POWER,
	METRICS_HBM_BYTES,
	METRICS_BOUND0, /* then one per bound, in replay_bound_name order */
	METRICS_COUNT = METRICS_BOUND0 + REPLAY_BOUND_COUNT
};

/* The column of metric I ("time_s", "ttft_s", ..., "time_compute_s"); returns BUF. */
const char *metrics_name(int i, char *buf, size_t len);
/* Its unit, for the docs and plot labels ("s", "J", "W", "B", "token/s", "J/token"). */
const char *metrics_unit(int i);
/* True when more is better (tokens_per_s); every other metric is better lower. */
bool metrics_higher_is_better(int i);
/* The metric named NAME, or -1. */
int metrics_find(const char *name);

/* Reads the report FILE into VALUES (NAN where the point has no such figure). 0, or -1 with
 * the reason in ERR. */
int metrics_read(const char *file, uint64_t out_tokens, double values[METRICS_COUNT], char *err,
                 size_t errlen);

#endif
