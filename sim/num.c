#include "sim/num.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int num_shortest(double x, int min_digits, char *buf, size_t len)
{
	if (!isfinite(x))
		return -1;
	for (int prec = min_digits < 1 ? 1 : min_digits; prec <= 17; prec++) {
		int n = snprintf(buf, len, "%.*g", prec, x);
		if (n < 0 || (size_t)n >= len)
			return -1;
		if (strtod(buf, NULL) == x)
			return 0;
	}
	return 0; /* %.17g always reads back */
}
