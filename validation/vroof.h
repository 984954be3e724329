/* vroof — the roofline baseline of a validation run: per machine, one compute efficiency, one
 * bandwidth efficiency and one fixed cost per kernel, fitted to minimise the roofline's own
 * mean absolute percentage error on the machine's calibration rows (on all its rows when it
 * has none: that only flatters the baseline), then applied to every row. */
#ifndef NMSIM_VROOF_H
#define NMSIM_VROOF_H

#include "validation/vrow.h"

/* Fits each machine's constants and fills every simulated row's `roof`. */
void vroof_fit(struct vdata *d);

#endif
