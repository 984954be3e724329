/* vtable — the error table of a validation run: expected, simulated and % error per row, MAPE
 * per group, and each toleranced group's verdict. */
#ifndef NMSIM_VTABLE_H
#define NMSIM_VTABLE_H

#include <stdbool.h>
#include <stdio.h>

#include "validation/vrow.h"

/* Prints the table to out (rows of machine `only`, or all when NULL; skipped rows too when
 * verbose), then each GEMM group that spans two size classes or more by size, and, if results is
 * not NULL, one CSV line per simulated row. Returns the number of toleranced groups that fail:
 * their MAPE exceeds their tolerance, or the roofline's MAPE is not above it. */
int vtable_print(const struct vdata *d, const char *only, bool verbose, FILE *out, FILE *results);

#endif
