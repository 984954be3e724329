/* jobs — running a prepared sweep: the points still to run grouped into jobs (points with the
 * same id get the same result, so they share one simrun), this process's share of them (job k
 * on MPI rank k mod size), the loop that keeps -j simruns going, and the rows of each job,
 * appended as it ends.
 * Models: nothing. Files: WORKDIR/points/ID.json (the report of a point that ran) and ID.err
 * (the standard error of one that failed); a simrun writes under a temporary name
 * (ID.json.PID.tmp) that is renamed only when it exits 0, so a kill leaves no half report.
 * Not: checking points or making traces (sweep/plan.h); the row format (sweep/results.h).
 */
#ifndef NMSIM_JOBS_H
#define NMSIM_JOBS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "sweep/mpi.h"
#include "sweep/plan.h"
#include "sweep/results.h"

struct jobs_job {
	size_t point; /* the point whose simrun it is */
	char id[17];
	size_t *points; /* every point with this id (rank 0 only) */
	size_t npoints;
};

struct jobs {
	struct jobs_job *v;
	size_t n;
	size_t npoints; /* points they cover */
};

/* The jobs of the points with MINE[p] set (NULL: all) that have no row in DONE (a results
 * table of layout L: a row counts for the point with its id and axis values). 0 / -1. */
int jobs_list(struct jobs *j, const struct plan *pl, const bool *mine,
              const struct results_table *done, const struct results_layout *l);
/* Rank 0's job list on every rank (the other ranks get point and id only). 0 / -1. */
int jobs_broadcast(struct jobs *j, struct mpi_world *w);
void jobs_free(struct jobs *j);
/* Removes the temporary files a killed run left in WORKDIR/points (rank 0, before running). */
void jobs_clean(const char *workdir);

struct jobs_opts {
	const struct plan *pl;
	struct mpi_world *world;
	size_t jobs;                    /* simruns at a time in this process */
	struct results_writer *out;     /* rank 0: where rows go */
	const struct results_layout *l; /* rank 0 */
	const char *report_prefix;      /* rank 0: the report column is PREFIX/ID.json */
	bool quiet;                     /* no progress */
	volatile sig_atomic_t *stop;    /* a signal asked to stop */
};

/* Runs this process's share of J. On rank 0 also receives the other ranks' ends and writes
 * every row. Returns the number of points that failed (rank 0; 0 elsewhere), -1 on an error
 * (reported), -2 when stopped by a signal. */
long jobs_run(const struct jobs *j, const struct jobs_opts *o);

#endif
