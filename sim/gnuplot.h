/* gnuplot — runs gnuplot (Debian: gnuplot-nox, found on PATH) on a script, its messages kept
 * in a file beside it; shared by simrun --plot and simsweep report --plot. */
#ifndef NMSIM_GNUPLOT_H
#define NMSIM_GNUPLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Runs `gnuplot SCRIPT` in folder DIR (NULL: the current one; SCRIPT and ERRFILE are then
 * relative to DIR) with standard error into ERRFILE (removed when it succeeds). 0, or -1 with
 * the reason (gnuplot missing, or its last message) in msg. */
int gnuplot_run(const char *dir, const char *script, const char *errfile, char *msg, size_t len);
/* Whether an executable gnuplot is on PATH (checked before a run that will need it). */
bool gnuplot_found(void);
/* TEXT as a gnuplot single-quoted string (a quote doubled). */
void gnuplot_quote(FILE *f, const char *text);
/* The lines that draw PLOT_CMD (a complete plot command) into PATH.png and PATH.svg, w x h. */
void gnuplot_outputs(FILE *script, const char *path, const char *plot_cmd, int w, int h);

#endif
