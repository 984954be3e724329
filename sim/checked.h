/* checked — 64-bit arithmetic that reports overflow instead of wrapping.
 * Used wherever a trace or config value enters a product (spec: a GEMM of
 * 2^31 x 2^31 x 2^31 is an error, not a wrap). Returns 0 on success, -1 on overflow. */
#ifndef NMSIM_CHECKED_H
#define NMSIM_CHECKED_H

#include <stdint.h>

static inline int checked_mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
	return __builtin_mul_overflow(a, b, out) ? -1 : 0;
}

static inline int checked_add_u64(uint64_t a, uint64_t b, uint64_t *out)
{
	return __builtin_add_overflow(a, b, out) ? -1 : 0;
}

/* a*b*c, failing if any partial product exceeds 2^63-1 (the trace's integer range). */
static inline int checked_mul3_u63(uint64_t a, uint64_t b, uint64_t c, uint64_t *out)
{
	uint64_t ab;
	if (checked_mul_u64(a, b, &ab) || checked_mul_u64(ab, c, out) || *out > INT64_MAX)
		return -1;
	return 0;
}

#endif
