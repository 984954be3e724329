#include "sim/cliopt.h"

#include "sim/log.h"

bool cliopt_twice(const struct option *opts, int c, const char *optarg,
                  int given[CLIOPT_VALUES])
{
	if (c < 0 || c >= CLIOPT_VALUES || !optarg || !given[c]++)
		return false;
	for (const struct option *o = opts; o->name; o++)
		if (o->val == c) {
			log_error("--%s given twice ('%s' the second time)", o->name, optarg);
			return true;
		}
	log_error("-%c given twice ('%s' the second time)", c, optarg);
	return true;
}
