/* results — a sweep's results file: a CSV (written with libcsv), one row per point, optionally
 * mirrored as JSON lines.
 * Models: nothing. Columns: point_id, point, one per axis, status, exit, message, the metrics
 * (sweep/metrics.h), pareto, report; docs/sweeps.md gives their units. Rows are appended
 * whole: a batch of rows is one write(2) to a file opened O_APPEND, then fsync, so a kill
 * leaves each row there or not there, never torn; no field holds a line break, so one line is
 * one row. A torn last line (a machine crash, or an older writer) is dropped with a warning
 * when the file is opened for appending. A lock (fcntl, on FILE.d/lock) keeps writers apart.
 * Not: deciding which points to run (simsweep_main.c) or analysing rows (sweep/analysis.h).
 */
#ifndef NMSIM_RESULTS_H
#define NMSIM_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "sweep/sweepfile.h"

/* How a column reads back as JSON: always text, a number when it reads as one, a number. */
enum results_kind { RESULTS_TEXT, RESULTS_AUTO, RESULTS_NUMBER };

struct results_layout {
	char **names;
	enum results_kind *kinds;
	size_t n;
	/* Where the columns are: axes [axis0, axis0 + naxes), metrics [metric0, + METRICS_COUNT). */
	size_t id, point, axis0, naxes, status, exit, message, metric0, pareto, report;
};

/* The columns of sweep SW's results. -1 (reported, FILE:LINE) when an axis is named like a
 * column the results always have. */
int results_layout_sweep(struct results_layout *l, const struct sweepfile *sw);
/* The layout a header (NAMES, N) describes; -1 with the reason in ERR if it is not one of a
 * results file. */
int results_layout_header(struct results_layout *l, char *const *names, size_t n, char *err,
                          size_t errlen);
/* True when both have the same columns. */
bool results_layout_equal(const struct results_layout *a, const struct results_layout *b);
void results_layout_free(struct results_layout *l);

/* A results file read back. */
struct results_table {
	struct results_layout layout;
	char ***rows; /* nrows x layout.n fields */
	unsigned *lines;
	size_t nrows;
	unsigned torn_line; /* a last line without its newline (dropped), 0 if none */
	off_t good_size;    /* bytes up to the end of the last whole line */
};

/* Reads FILE. 0; 1 when it does not exist or is empty (T is empty); -1 after reporting a broken file
 * (FILE:LINE: what). A torn last line is not an error: it is left out and noted in T. */
int results_read(const char *file, struct results_table *t);
void results_table_free(struct results_table *t);
/* The column named NAME in L, or -1. */
int results_col(const struct results_layout *l, const char *name);
/* The key that makes a row one point's: its id and its axis values. Allocated. */
char *results_row_key(const struct results_layout *l, char *const *row);

/* The writer of one results file. */
struct results_writer {
	char *path, *jsonl;
	int fd, jfd, lockfd;
	const struct results_layout *l;
};

/* Takes FILE's lock (FILE.d/lock, the folder made if need be): 0, or -1 (reported) when
 * another simsweep holds it. */
int results_lock(struct results_writer *w, const char *file);
/* Opens FILE (locked first) for appending rows of layout L. With FORCE an existing file is
 * moved to FILE.prev first. Else an existing file must have L's columns; its torn last line is
 * dropped (warning) and, with DROP_FAILED, its failed rows are left out (they run again). The
 * kept rows are returned in KEPT. JSONL (NULL: none) is rewritten from the kept rows, then
 * appended along. 0, or -1 after reporting. */
int results_open(struct results_writer *w, const char *file, const char *jsonl,
                 const struct results_layout *l, bool force, bool drop_failed,
                 struct results_table *kept);
/* Appends ROWS (N rows of l->n fields) with one write(2) and an fsync; the JSON lines too.
 * 0 / -1 (reported). */
int results_append(struct results_writer *w, char **const *rows, size_t n);
void results_close(struct results_writer *w);

/* Replaces FILE with the header of L and ROWS, atomically (a temporary file, fsync, rename). */
int results_rewrite(const char *file, const struct results_layout *l, char **const *rows, size_t n);

#endif
