/* analysis — what `simsweep report` and `simsweep merge` do with results files.
 * report: the points that ran, sorted by a metric, as a table; the Pareto front over two or
 *   three objectives (each minimised, tokens_per_s maximised; METRIC:max / METRIC:min choose),
 *   marked in the file's pareto column (1 on the front, 0 off it; the file is rewritten whole,
 *   under its lock) and printed; figures through sweep/plot.h.
 * merge: shards' results joined into one file (rewritten whole, rows in point order); a point
 *   in several files keeps its ok row over a failed one, else the first; report paths are
 *   made to work from the merged file's folder.
 * Models: nothing. Not: running points.
 */
#ifndef NMSIM_ANALYSIS_H
#define NMSIM_ANALYSIS_H

#include <stddef.h>

struct analysis_opts {
	const char *file;
	const char *sort;                /* a metric; NULL: time_s */
	const char *pareto;              /* "M1,M2[,M3]"; NULL: none */
	const char *plot;                /* a folder for the figures; NULL: none */
	const char *x, *series, *metric; /* what the figure plots; NULL: chosen */
	size_t top;                      /* rows of the table; 0: all */
};

/* simsweep report. Returns the exit status: 0, 2 (bad input, reported), 1. */
int analysis_report(const struct analysis_opts *o);
/* simsweep merge OUT IN...: returns the exit status. */
int analysis_merge(const char *out, char *const *in, size_t nin);

#endif
