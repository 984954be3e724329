/* outfile — an output file that appears whole or not at all, and never over an input.
 *
 * Models: nothing; every program's outputs (simrun's --json and --csv, tracegen's -o) go
 * through it. A regular file is written as a temporary file in the same directory and renamed
 * over the path once it is complete, so a failed or interrupted run leaves the old file (or
 * none), never half a report. "-" is standard output; an existing path that is not a regular
 * file (/dev/null, a FIFO, a terminal) is written in place, since renaming over it would
 * replace the device or pipe itself. A symbolic link to a file is followed: its target is
 * replaced, the link stays.
 * The first temporary file opened installs process-wide handlers for SIGINT, SIGTERM and
 * SIGHUP that remove every temporary file not yet in place, then end the program by the
 * signal's default action; a signal that was ignored (nohup, a background job) stays
 * ignored, and a caller that installs its own handler afterwards turns this cleanup off.
 * Not: locking (two programs writing one path: the last rename wins).
 */
#ifndef NMSIM_OUTFILE_H
#define NMSIM_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>

struct outfile {
	char *path; /* the file written in the end (a link's target); NULL for "-" */
	char *tmp;  /* the temporary file; NULL when written in place */
	int fd;     /* where to write; the caller closes it (fclose, gzclose) before commit */
};

/* Opens the output PATH ("-" = standard output). 0, or -1 with "PATH: cannot open for writing:
 * reason" in err. */
int outfile_open(struct outfile *o, const char *path, char *err, size_t errlen);
/* After the caller closed o->fd without error: puts the file in place (rename). 0, or -1 with
 * the reason in err (the temporary file is then removed). Frees what o holds. */
int outfile_commit(struct outfile *o, char *err, size_t errlen);
/* Gives up: removes the temporary file (the path keeps what it had). Frees what o holds; the
 * caller closes o->fd. NULL members allowed. */
void outfile_abort(struct outfile *o);

/* Whether writing OUT would overwrite INPUT: the same path as given, or, when both exist, the
 * same file (device and inode). "-" is never an input for this, and an existing OUT that is not
 * a regular file (/dev/null, a FIFO) replaces nothing. */
bool outfile_is_input(const char *out, const char *input);

#endif
