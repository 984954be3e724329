/* arith — the few arithmetic helpers the models share: rounding up to whole units and the
 * larger or smaller of two or three values. Inline, with no overflow checks: callers pass
 * sizes the trace and config checks have bounded (products well below 2^63). */
#ifndef NMSIM_ARITH_H
#define NMSIM_ARITH_H

#include <math.h>
#include <stdint.h>

/* ceil(a / b), b > 0. */
static inline uint64_t ceil_div(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

/* x rounded up to a multiple of g > 0. */
static inline uint64_t pad_up(uint64_t x, uint64_t g)
{
	return ceil_div(x, g) * g;
}

static inline uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static inline uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Whole bytes of a fractional byte count (sub-byte elements, scales per group), rounded up;
 * b below 2^64. */
static inline uint64_t bytes_of(double b)
{
	return (uint64_t)ceil(b);
}

static inline double max3(double a, double b, double c)
{
	double m = a > b ? a : b;
	return m > c ? m : c;
}

#endif
