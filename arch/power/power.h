/* power — the board's power limit and the clock it allows an op to run at.
 *
 * Models: a DVFS governor that holds the board under its power limit. An op first runs at the
 * maximum clock (core.freq); if the power it draws there (its energy over its time, static
 * power included) is above the limit, it runs again at the clock that brings it to the limit.
 * Along the voltage-frequency curve dynamic power goes as C V^2 f with V roughly proportional
 * to f, so dynamic power scales as (f / f_max)^x and dynamic energy per action as
 * (f / f_max)^(x - 1), x = dvfs_exponent (3 for V proportional to f); memory, link and static
 * energy do not scale. The clock for the second run assumes the op's time scales as 1 / f
 * (true of the compute-bound ops that reach the limit); the second run then gives the real
 * time and energy at that clock.
 * Not: the governor's time constants (a limit averaged over a sliding window of ops), thermal
 * throttling, memory-clock scaling, per-block voltage domains.
 * Numbers: the architecture file (board power limits from datasheets; the exponent is the
 * textbook CMOS law, documented per machine in docs/calibration.md).
 */
#ifndef NMSIM_POWER_H
#define NMSIM_POWER_H

#include "sim/cfg.h"

struct power_config {
	double limit;         /* W: board power limit; 0 = no limit, every op at core.freq */
	double min_freq;      /* Hz: the lowest clock the governor goes to */
	double dvfs_exponent; /* dynamic power goes as f^x along the V-f curve */
};

extern const struct cfg_block power_cfg_block;

/* The clock in Hz at which an op that took t_ps at fmax, with e_dyn joules of energy that scale
 * with voltage, e_fix joules that do not, and p_static watts of static power, draws at most the
 * limit: fmax when it already does, min_freq when even that is above it. */
double power_clock(const struct power_config *c, double fmax, double t_ps, double e_dyn,
                   double e_fix, double p_static);
/* The factor dynamic energy per action is scaled by at clock f (1 at fmax). */
double power_energy_scale(const struct power_config *c, double f, double fmax);

#endif
