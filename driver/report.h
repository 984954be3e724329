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

/* 0 / -1 (write error). */
int report_write_json(FILE *out, const struct report_input *in);
void report_write_text(FILE *out, const struct report_input *in);

#endif
