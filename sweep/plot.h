/* plot — figures of a sweep's results through gnuplot, each as PNG and SVG, with the data and
 * the script beside them (NAME.dat, NAME.gp) so that a figure can be restyled by hand:
 *   METRIC-vs-X-by-SERIES[-FACET].png  a metric against an axis, one line per value of another
 *                                      axis; one figure per combination of the other axes
 *                                      that vary (the facets, named in the file and the title)
 *   pareto-M1-M2.png                   every point on two objectives, the Pareto front joined
 * Models: nothing. An axis whose values all read as numbers (with one unit) is placed by
 * value and labelled as written; any other axis is placed in sweep order.
 * Not: choosing the axes (sweep/analysis.c does); gnuplot itself (gnuplot-nox, found on PATH).
 */
#ifndef NMSIM_PLOT_H
#define NMSIM_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sweep/results.h"

/* Writes the figures of METRIC (a column of T) against axis column X with one series per
 * value of axis column SERIES (-1: one series), into DIR, for the rows with USE[r]: one figure
 * per combination of the FACETS columns' values. Their commands go to the gnuplot script
 * SCRIPT (opened by plot_begin). 0 / -1 (reported). */
int plot_metric(FILE *script, const struct results_table *t, const bool *use, int metric, int x,
                int series, const int *facets, size_t nfacets, const char *dir);
/* The Pareto scatter of objectives MX, MY (columns of T); FRONT[r] marks the front. */
int plot_pareto(FILE *script, const struct results_table *t, const bool *use, const bool *front,
                int mx, int my, const char *dir);
/* Opens DIR/plots.gp for writing (DIR created). NULL after reporting. */
FILE *plot_begin(const char *dir);
/* Closes the script and runs gnuplot on it. 0, or -1 after reporting (gnuplot missing or
 * failing: the data and scripts stay). */
int plot_end(FILE *script, const char *dir);

#endif
