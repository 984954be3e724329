#include "arch/power/power.h"

#include <math.h>
#include <stddef.h>

static const struct cfg_field power_fields[] = {
	{ "limit", CFG_POWER, offsetof(struct power_config, limit), "W", 0, 1e5, "0",
	  "board power limit the clock is lowered to stay under (0: no limit; ops run at "
	  "core.freq, the maximum clock)",
	  NULL },
	{ "min_freq", CFG_FREQ, offsetof(struct power_config, min_freq), "Hz", 1e6, 1e11,
	  "\"100 MHz\"", "lowest clock the power governor goes to", NULL },
	{ "dvfs_exponent", CFG_REAL, offsetof(struct power_config, dvfs_exponent), "", 1, 4, "3",
	  "dynamic power goes as clock^x along the voltage-frequency curve (3: voltage "
	  "proportional to clock)",
	  NULL },
};

const struct cfg_block power_cfg_block = {
	"power",
	power_fields,
	sizeof power_fields / sizeof power_fields[0],
	0,
	"board power limit and the voltage-frequency law of the clock governor",
	NULL,
};

double power_energy_scale(const struct power_config *c, double f, double fmax)
{
	return f >= fmax ? 1 : pow(f / fmax, c->dvfs_exponent - 1);
}

/* Power at clock f if the op's time scales as 1/f. */
static double power_at(const struct power_config *c, double f, double fmax, double t_s,
                       double e_dyn, double e_fix, double p_static)
{
	double t = t_s * fmax / f;
	return (e_dyn * power_energy_scale(c, f, fmax) + e_fix) / t + p_static;
}

double power_clock(const struct power_config *c, double fmax, double t_ps, double e_dyn,
                   double e_fix, double p_static)
{
	double t_s = t_ps * 1e-12;
	if (c->limit <= 0 || t_s <= 0 ||
	    power_at(c, fmax, fmax, t_s, e_dyn, e_fix, p_static) <= c->limit)
		return fmax;
	double lo = c->min_freq < fmax ? c->min_freq : fmax, hi = fmax;
	if (power_at(c, lo, fmax, t_s, e_dyn, e_fix, p_static) >= c->limit)
		return lo;
	/* Power rises with the clock: bisect to the highest clock under the limit (to 0.1 MHz). */
	while (hi - lo > 1e5) {
		double mid = (lo + hi) / 2;
		if (power_at(c, mid, fmax, t_s, e_dyn, e_fix, p_static) > c->limit)
			hi = mid;
		else
			lo = mid;
	}
	return floor(lo / 1e5) * 1e5;
}
