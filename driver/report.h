/* report — the run report: JSON (schema nmsim.report.v1, docs/cli.md) and the human summary.
 *
 * Models: nothing; it prints what the replay and the counters hold, and derives utilisation,
 * average power, time to first token and time per output token when printing.
 * Not: per-op rows (the replay writes the CSV as ops finish).
 * Same inputs give byte-identical output: fixed key order, no clocks, no addresses.
 */
#ifndef NMSIM_REPORT_H
#define NMSIM_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "driver/replay.h"

struct report_input {
	const char *arch_file, *trace_file;
	const struct arch_config *cfg;
	const struct replay *replay;
	const struct arch *arch;
	const struct stats *reg;
	uint64_t trace_ops, trace_steps;
	const char *model_name; /* the trace's meta model=, "" if none */
};

/* 0 / -1 (write error). */
int report_write_json(FILE *out, const struct report_input *in);
void report_write_text(FILE *out, const struct report_input *in);

#endif
