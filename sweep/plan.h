/* plan — a sweep made ready to run: every point's machine loaded and checked here with the
 * loader simrun uses (so a bad point is named before the first one runs), each distinct trace
 * made once by tracegen and shared by the points that use it, and every point's id.
 * Models: nothing. The point id is stable: XXH3-64 of the simulator version, the point's
 * resolved machine (arch_write_config's text: file, defaults and --sets together) and its
 * trace's content (the bytes, decompressed); two points with the same id get the same result.
 * Traces: WORKDIR/traces/NAME-HASH.trace.gz, HASH of tracegen's arguments, its version and the
 * model file's bytes; written under a temporary name and renamed, so a kill leaves none torn;
 * a trace already there is reused.
 * Not: running simrun (sweep/run.h), recording results (sweep/results.h).
 */
#ifndef NMSIM_PLAN_H
#define NMSIM_PLAN_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sweep/sweepfile.h"

struct plan_trace {
	char *path;          /* what simrun replays */
	char **argv;         /* tracegen's command without -o; NULL for a given trace file */
	size_t point;        /* the first point that uses it (for messages) */
	bool wanted;         /* a point this process prepares uses it */
	char hash[33];       /* XXH3-128 of its content, hex; "" until read */
	uint64_t out_tokens; /* tokens generated: the batch of each decode step, summed */
};

struct plan_point {
	size_t trace;   /* index into plan.traces */
	size_t machine; /* index into plan.machines */
	char id[17];    /* "" until plan_prepare */
};

struct plan {
	const struct sweepfile *sw;
	char *workdir;
	char *simrun, *tracegen; /* the programs beside this one */
	struct plan_trace *traces;
	size_t ntraces;
	struct plan_point *points; /* one per sweep point */
	char (*machines)[33];      /* XXH3-128 of each distinct machine's resolved text, hex */
	size_t nmachines;
};

/* Loads every distinct machine of SW's points and finds every point's trace. 0, or -1 after
 * reporting each bad point (FILE:LINE: point N (axis=value, ...): why), the caller exits 2.
 * WORKDIR is the folder generated traces go to. */
int plan_init(struct plan *pl, const struct sweepfile *sw, const char *workdir);
/* For the points with MINE[p] set (NULL: all): makes the traces they need (JOBS tracegens at a
 * time), reads each (content hash, tokens generated) and computes their ids. Stops early when
 * *STOP becomes non-zero (a signal). 0, or -1 after reporting (a trace tracegen could not make
 * names the point and the sweep file's line: exit 2). */
int plan_prepare(struct plan *pl, const bool *mine, size_t jobs, volatile sig_atomic_t *stop);
/* simrun's command for point P, writing its JSON report to JSON: NULL-terminated, allocated;
 * NULL when out of memory. Free with plan_argv_free. */
char **plan_simrun_argv(const struct plan *pl, size_t p, const char *json);
void plan_argv_free(char **argv);
void plan_fini(struct plan *pl);

#endif
