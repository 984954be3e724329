/* num — the shortest text of a double that reads back to it, for every writer of numbers
 * (traces, architecture-file values in messages and --describe).
 * Not: parsing (each format has its own grammar: the trace spec's strict reals, the config's
 * numbers with units). */
#ifndef NMSIM_NUM_H
#define NMSIM_NUM_H

#include <stddef.h>

/* Writes x with "%.*g" at the fewest significant digits, from min_digits up to 17, whose text
 * strtod reads back to exactly x (min_digits 1 gives "1e+02" for 100; 6 gives "100"). 0, or -1
 * if buf is too small or x is not finite. */
int num_shortest(double x, int min_digits, char *buf, size_t len);

#endif
