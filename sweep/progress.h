/* progress — how far a sweep is: on a terminal, one line redrawn in place (a bar, points done
 * of the total, points/s, the time left); otherwise a plain line every ten seconds, for logs.
 * Models: nothing; a rate over the points finished since the start of this run.
 * Not: the results (sweep/results.h); -q turns it off.
 */
#ifndef NMSIM_PROGRESS_H
#define NMSIM_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

struct progress {
	FILE *out;
	bool tty, quiet;
	size_t total, done, failed;
	double start, last; /* seconds, monotonic */
	int width;          /* of the last line drawn (a terminal) */
};

/* TOTAL points to run in this process, on OUT (standard error). */
void progress_init(struct progress *p, FILE *out, size_t total, bool quiet);
/* One point finished (FAILED: it failed); redraws when it is time. */
void progress_step(struct progress *p, bool failed);
/* Redraws when it is time (call it while waiting). */
void progress_tick(struct progress *p);
/* The last line: done, failed, the time taken and the rate. */
void progress_end(struct progress *p);
/* Seconds since some fixed moment (CLOCK_MONOTONIC). */
double progress_now(void);

#endif
