#include "validation/vroof.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The baseline's time for a row, in seconds (a model row: the mean decode step, or the whole
 * trace when its metric is the whole trace's time). */
static double roof_seconds(const struct vrow *r, const struct vroofline *k)
{
	double t = 0;
	for (size_t i = 0; i < r->nparts; i++) {
		const struct vparts *p = &r->parts[i];
		double c = p->compute / k->compute_eff, m = p->memory / k->memory_eff;
		t += (c > m ? c : m) + k->fixed_s + p->host;
	}
	return r->kind == VROW_MODEL && r->ndecode ? t / (double)r->ndecode : t;
}

/* Rows the constants may be fitted on: kernels and decode steps; a whole-trace row (a model's
 * prefill) is judged by the roofline, never fitted on, even on a machine without calibration
 * rows. */
static bool fittable(const struct vrow *r)
{
	return !r->skip && r->kind != VROW_RATIO && r->nparts && r->value > 0 &&
	       !(r->kind == VROW_MODEL && r->ndecode == 0);
}

/* Mean absolute percentage error of the rows (indices) at constants k. */
static double mape(const struct vdata *d, const size_t *rows, size_t n, const struct vroofline *k)
{
	double sum = 0;
	for (size_t i = 0; i < n; i++) {
		const struct vrow *r = &d->rows[rows[i]];
		double v = vrow_value(r, roof_seconds(r, k));
		sum += fabs(v - r->value) / r->value;
	}
	return n ? sum / (double)n : 0;
}

/* Searches a grid of constants: efficiencies in [lo, hi] by step_e, fixed costs in
 * [f_lo, f_hi] by step_f, keeping the best below *err. */
static void grid(const struct vdata *d, const size_t *rows, size_t n, double lo_c, double hi_c,
                 double lo_m, double hi_m, double step_e, double f_lo, double f_hi, double step_f,
                 struct vroofline *best, double *err)
{
	struct vroofline k = *best;
	for (k.compute_eff = lo_c; k.compute_eff <= hi_c + 1e-9; k.compute_eff += step_e)
		for (k.memory_eff = lo_m; k.memory_eff <= hi_m + 1e-9; k.memory_eff += step_e)
			for (k.fixed_s = f_lo; k.fixed_s <= f_hi + 1e-12; k.fixed_s += step_f) {
				double e = mape(d, rows, n, &k);
				if (e < *err) {
					*err = e;
					*best = k;
				}
			}
}

/* A coarse grid (efficiencies 0.2 to 1 by 0.02, fixed costs 0 to 20 us by 0.5 us), then a
 * ten times finer one around its best. */
static void fit_machine(const struct vdata *d, const size_t *rows, size_t n, struct vroofline *best)
{
	*best = (struct vroofline){ 1, 1, 0, n, false };
	if (!n)
		return;
	double err = INFINITY;
	grid(d, rows, n, 0.2, 1.0, 0.2, 1.0, 0.02, 0, 20e-6, 0.5e-6, best, &err);
	struct vroofline c = *best;
	grid(d, rows, n, fmax(0.05, c.compute_eff - 0.02), fmin(1.0, c.compute_eff + 0.02),
	     fmax(0.05, c.memory_eff - 0.02), fmin(1.0, c.memory_eff + 0.02), 0.002,
	     fmax(0, c.fixed_s - 0.5e-6), c.fixed_s + 0.5e-6, 0.05e-6, best, &err);
	best->fitted_rows = n;
}

void vroof_fit(struct vdata *d)
{
	size_t *rows = vx_malloc((d->nrows ? d->nrows : 1) * sizeof *rows);
	for (size_t m = 0; m < d->nmachines; m++) {
		struct vmachine *mc = &d->machines[m];
		size_t n = 0;
		for (size_t i = 0; i < d->nrows; i++)
			if (fittable(&d->rows[i]) && d->rows[i].calibration &&
			    !strcmp(d->rows[i].machine, mc->name))
				rows[n++] = i;
		bool on_calibration = n > 0;
		if (!n)
			for (size_t i = 0; i < d->nrows; i++)
				if (fittable(&d->rows[i]) && !strcmp(d->rows[i].machine, mc->name))
					rows[n++] = i;
		fit_machine(d, rows, n, &mc->roofline);
		mc->roofline.on_calibration = on_calibration;
		for (size_t i = 0; i < d->nrows; i++) {
			struct vrow *r = &d->rows[i];
			/* Every simulated row, also the inputs of ratios (no published value). */
			if (!r->skip && r->kind != VROW_RATIO && r->nparts &&
			    !strcmp(r->machine, mc->name))
				r->roof = vrow_value(r, roof_seconds(r, &mc->roofline));
		}
	}
	free(rows);
	/* Ratio rows: the baseline's own ratio. */
	for (size_t i = 0; i < d->nrows; i++) {
		struct vrow *r = &d->rows[i];
		if (r->kind != VROW_RATIO || r->skip)
			continue;
		const struct vrow *num, *den;
		vdata_ratio_inputs(d, r, &num, &den);
		if (num && den && num->roof > 0 && den->roof > 0)
			r->roof = num->roof / den->roof;
	}
}
