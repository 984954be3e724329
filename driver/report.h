/* report — the run report: JSON (schema nmsim.report.v1, docs/cli.md) and the human summary.
 *
 * Models: nothing; it prints what the replay, the run's listeners (driver/runinfo) and the
 * counters hold, and derives utilisation, average power, time to first token, time per output
 * token and tokens per second when printing. Fields and units: docs/report-schema.md.
 * Not: per-op rows (the replay writes the CSV as ops finish).
 * Same inputs give byte-identical output: fixed key order, no clocks, no addresses.
 */
#ifndef NMSIM_REPORT_H
#define NMSIM_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "driver/replay.h"
#include "driver/runinfo.h"

/* The trace's meta fields kept for the report at most (bytes; later records are left out). */
#define REPORT_META_MAX 4096
/* Rows of the grouped "slowest ops" table. */
#define REPORT_TOP_GROUPS 12

struct report_input {
	const char *arch_file, *trace_file;
	const struct arch_config *cfg;
	const struct replay *replay;
	const struct arch *arch;
	const struct stats *reg;
	uint64_t trace_ops, trace_steps;
	const char *model_name;  /* the trace's meta model=, "" if none */
	const char *meta;        /* every meta record's key=value fields, space-separated */
	const char *const *sets; /* the --set options, as given */
	size_t nsets;
	const struct runinfo *info;
};

/* Figures derived from the steps: time to first token, time per output token. */
struct report_latency {
	uint64_t prefill_steps, decode_steps;
	double ttft_s;                              /* all prefill steps */
	double tpot_mean_s, tpot_p50_s, tpot_p99_s; /* over decode steps; p50/p99 over the first
						       REPLAY_STEPS_MAX steps */
	double prefill_tokens, output_tokens;       /* tokens x batch of the steps */
	double prefill_tokens_per_s, output_tokens_per_s;
};
void report_latency(const struct replay *r, struct report_latency *out);
/* When ops carry measured durations and the trace's meta device= (a profile's GPU) does not
 * name the modelled machine: 1 with the warning in buf; else 0. */
int report_device_warning(const struct report_input *in, char *buf, size_t len);

/* 0 / -1 (write error). */
int report_write_json(FILE *out, const struct report_input *in);
void report_write_text(FILE *out, const struct report_input *in);

#endif
