/* plot — simrun --plot DIR: a run's figures as PNG and SVG, drawn by gnuplot (sim/gnuplot):
 *
 *   roofline.{png,svg}      one point per op name and shape: arithmetic intensity (FLOPs per
 *                           device-memory byte) against achieved FLOP/s (kernel time), under
 *                           the machine's dense and 2:4 compute roofs at the precisions the
 *                           run's GEMMs and attention used, and its device-memory roof; the
 *                           slowest 12 points named;
 *   time_by_op.{png,svg}    time and energy per op name (the slowest names);
 *   step_latency.{png,svg}  each step's latency over the run (decode steps after prefill).
 * Beside each figure its data (*.dat) and script (*.gp; run `gnuplot NAME.gp` in DIR), so a
 * user can restyle it. A figure with nothing to show (no ops, no steps) is left out, with a
 * warning.
 * Not: interactive output; figures of traces without steps are drawn with one step.
 */
#ifndef NMSIM_PLOT_H
#define NMSIM_PLOT_H

#include "driver/report.h"

/* Makes DIR (and its parents) if missing; 0, or -1 (logged) if it is no usable folder or a
 * figure's file there would replace one of inputs (NULL-terminated: the trace, the machine). */
int plot_prepare(const char *dir, const char *const *inputs);
/* Writes the figures of a finished run; 0, or -1 (logged: gnuplot missing or failing). */
int plot_write(const char *dir, const struct report_input *in);

#endif
