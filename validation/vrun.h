/* vrun — simulates the validation rows (see vrun.c). */
#ifndef NMSIM_VRUN_H
#define NMSIM_VRUN_H

#include <stdbool.h>

#include "validation/vrow.h"

struct vrun_opts {
	const char *bindir; /* where simrun and tracegen are */
	const char *only;   /* one machine, or NULL for all */
	int jobs;           /* processes at a time */
	bool progress;      /* a line on stderr as each simulation finishes */
};

/* Simulates every row that is not skipped and fills its `sim`; ratio rows last. 0, or -1 with
 * the reason printed (a simulation that failed, a file that could not be written). */
int vrun_all(struct vdata *d, const struct vrun_opts *o);

#endif
