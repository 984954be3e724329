#include "validation/vtable.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A GEMM group's rows by size: decades of work, 2 m n k x count operations per op, from
 * under 0.1 GFLOP to 1 TFLOP and over. Informational: where along the size axis the model
 * (its power-capped clock, wave quantization, launch cost) errs, and which way. */
enum { SIZE_CLASSES = 6 };
static const char *const size_class_name[SIZE_CLASSES] = {
	"< 0.1 GFLOP", "0.1-1 GFLOP", "1-10 GFLOP", "10-100 GFLOP", "0.1-1 TFLOP", ">= 1 TFLOP",
};

/* Errors summed over rows: nmsim's absolute and signed, and the roofline's absolute over the
 * same rows where it has one. */
struct vstat {
	double sum_ape, sum_err, sum_roof_ape;
	size_t n, nroof;
};

/* A row's % errors (nmsim's, the roofline's), into s; a row nmsim has no error for counts for
 * neither, so that both MAPEs are over the same rows. */
static void vstat_add(struct vstat *s, double err, double rerr)
{
	if (!isfinite(err))
		return;
	s->sum_ape += fabs(err);
	s->sum_err += err;
	s->n++;
	if (isfinite(rerr)) {
		s->sum_roof_ape += fabs(rerr);
		s->nroof++;
	}
}

struct vgroup {
	const char *name;
	const struct vgroup_rule *rule;
	struct vstat all;
	struct vstat size[SIZE_CLASSES]; /* GEMM rows only */
};

/* The size class of a GEMM row's op, -1 for other rows. */
static int size_class(const struct vrow *r)
{
	if (r->kind != VROW_OP || r->op.type != TRACE_OP_GEMM)
		return -1;
	double flops = trace_op_flops(&r->op);
	int c = 0;
	for (double edge = 1e8; c < SIZE_CLASSES - 1 && flops >= edge; edge *= 10)
		c++;
	return c;
}

/* Per GEMM group that spans two size classes or more: rows, MAPE, the roofline's MAPE and the
 * mean signed error (+: simulated slower than measured) per class. */
static void print_sizes(const struct vgroup *groups, size_t ngroups, FILE *out)
{
	bool header = false;
	for (size_t g = 0; g < ngroups; g++) {
		int classes = 0;
		for (int c = 0; c < SIZE_CLASSES; c++)
			classes += groups[g].size[c].n > 0;
		if (classes < 2)
			continue;
		if (!header) {
			fputs("\nGEMM groups by size (2 m n k per op; informational, no verdict; "
			      "bias: mean signed error, + = simulated slower)\n",
			      out);
			fprintf(out, "%-46s %-13s %5s %8s %9s %8s\n", "group", "size", "rows",
			        "MAPE", "roofline", "bias");
			header = true;
		}
		for (int c = 0; c < SIZE_CLASSES; c++) {
			const struct vstat *z = &groups[g].size[c];
			if (!z->n)
				continue;
			char roofbuf[16] = "-";
			if (z->nroof)
				snprintf(roofbuf, sizeof roofbuf, "%.1f%%",
				         z->sum_roof_ape / (double)z->nroof);
			fprintf(out, "%-46s %-13s %5zu %7.1f%% %9s %+7.1f%%\n", groups[g].name,
			        size_class_name[c], z->n, z->sum_ape / (double)z->n, roofbuf,
			        z->sum_err / (double)z->n);
		}
	}
}

/* Signed % error of x against the expected value; NAN when there is none. */
static double pct(double x, double expected)
{
	return expected > 0 && x >= 0 ? (x - expected) / expected * 100 : NAN;
}

int vtable_print(const struct vdata *d, const char *only, bool verbose, FILE *out, FILE *results)
{
	struct vgroup *groups = vx_malloc((d->nrows ? d->nrows : 1) * sizeof *groups);
	size_t ngroups = 0, nskipped = 0, ninputs = 0;
	if (results)
		fprintf(
		    results,
		    "id,group,metric,expected,simulated,error_pct,roofline,roofline_error_pct\n");
	fputs("Each row: the measured or published value (expected, in the row's metric), nmsim's\n"
	      "simulated value and its error, (simulated - expected) / expected, and the roofline\n"
	      "baseline's value and error on the same row. The baseline is peak compute x one\n"
	      "efficiency, peak bandwidth x one, plus a fixed cost per kernel, fitted once per machine\n"
	      "(below): the estimate to beat, not a lower bound. Groups and verdicts follow the rows.\n\n",
	      out);
	fprintf(out, "%-46s %-44s %-18s %12s %12s %9s %12s %9s\n", "row", "group", "metric",
	        "expected", "simulated", "error", "roofline", "rf error");
	for (size_t i = 0; i < d->nrows; i++) {
		const struct vrow *r = &d->rows[i];
		if (only && strcmp(only, r->machine))
			continue;
		if (r->skip) {
			nskipped++;
			if (verbose)
				fprintf(out, "%-46.46s %-44.44s %-18.18s %12.4g %12s  skipped: %s\n",
				        r->id, r->group, r->metric, r->value, "-", r->why);
			continue;
		}
		if (!r->has_value) {
			/* No published value: an input of the ratio rows that divide it, listed
			 * with -v (and always in the results file). */
			ninputs++;
			if (verbose && r->roof > 0)
				fprintf(out, "%-46.46s %-44.44s %-18.18s %12s %12.4g %9s %12.4g\n",
				        r->id, r->group, r->metric, "-", r->sim, "-", r->roof);
			else if (verbose)
				fprintf(out, "%-46.46s %-44.44s %-18.18s %12s %12.4g %9s\n", r->id,
				        r->group, r->metric, "-", r->sim, "-");
			if (results) {
				fprintf(results, "%s,%s,%s,,%.6g,,", r->id, r->group, r->metric, r->sim);
				if (r->roof > 0)
					fprintf(results, "%.6g,\n", r->roof);
				else
					fprintf(results, ",\n");
			}
			continue;
		}
		double err = pct(r->sim, r->value);
		double rerr = r->roof > 0 ? pct(r->roof, r->value) : NAN;
		if (r->roof > 0)
			fprintf(out,
			        "%-46.46s %-44.44s %-18.18s %12.4g %12.4g %+8.1f%% %12.4g %+8.1f%%\n",
			        r->id, r->group, r->metric, r->value, r->sim, err, r->roof, rerr);
		else
			fprintf(out, "%-46.46s %-44.44s %-18.18s %12.4g %12.4g %+8.1f%% %12s %9s\n",
			        r->id, r->group, r->metric, r->value, r->sim, err, "-", "-");
		if (results && r->roof > 0)
			fprintf(results, "%s,%s,%s,%.6g,%.6g,%.2f,%.6g,%.2f\n", r->id, r->group,
			        r->metric, r->value, r->sim, err, r->roof, rerr);
		else if (results)
			fprintf(results, "%s,%s,%s,%.6g,%.6g,%.2f,,\n", r->id, r->group, r->metric,
			        r->value, r->sim, err);
		size_t g = 0;
		while (g < ngroups && strcmp(groups[g].name, r->group))
			g++;
		if (g == ngroups)
			groups[ngroups++] =
			    (struct vgroup){ .name = r->group,
				             .rule = vdata_group_rule(d, r->group) };
		vstat_add(&groups[g].all, err, rerr);
		int c = size_class(r);
		if (c >= 0)
			vstat_add(&groups[g].size[c], err, rerr);
	}
	if (nskipped)
		fprintf(out,
		        "(%zu rows skipped: metrics that need a model trace, or secondary timings "
		        "such as eager or per-algorithm; -v lists them)\n",
		        nskipped);
	if (ninputs && !verbose)
		fprintf(out,
		        "(%zu rows without a published value, the inputs of ratio rows such as "
		        "speed-ups, not listed: -v lists them, the results file has them)\n",
		        ninputs);
	int failed = 0;
	size_t ntolerance = 0, ninfo = 0;
	fprintf(out, "\n%-46s %5s %8s %9s %10s  %-12s %s\n", "group", "rows", "MAPE", "roofline",
	        "tolerance", "role", "verdict");
	for (size_t g = 0; g < ngroups; g++) {
		const struct vgroup_rule *rule = groups[g].rule;
		bool tol = rule && rule->has_tolerance;
		const struct vstat *a = &groups[g].all;
		double mape = a->n ? a->sum_ape / (double)a->n : 0;
		double roof = a->nroof ? a->sum_roof_ape / (double)a->nroof : NAN;
		/* A toleranced group passes within its tolerance and when it beats the baseline. */
		bool beats = !isfinite(roof) || mape < roof;
		const char *verdict = !tol                         ? "no tolerance set"
		                      : mape > rule->tolerance_pct ? "FAIL"
		                      : !beats                     ? "FAIL (roofline)"
		                                                   : "PASS";
		if (tol && (mape > rule->tolerance_pct || !beats))
			failed++;
		ntolerance += tol;
		ninfo += !tol;
		char tolbuf[16] = "-";
		if (tol)
			snprintf(tolbuf, sizeof tolbuf, "%.0f%%", rule->tolerance_pct);
		char roofbuf[16] = "-";
		if (isfinite(roof))
			snprintf(roofbuf, sizeof roofbuf, "%.1f%%", roof);
		fprintf(out, "%-46s %5zu %7.1f%% %9s %10s  %-12s %s\n", groups[g].name, a->n, mape,
		        roofbuf, tolbuf, rule && rule->role[0] ? rule->role : "-", verdict);
	}
	print_sizes(groups, ngroups, out);
	fprintf(out, "\nroofline baseline per machine: time = max(peak compute / e_c, peak memory "
	             "/ e_m) + fixed + host, fitted once per machine\n");
	for (size_t m = 0; m < d->nmachines; m++) {
		const struct vmachine *mc = &d->machines[m];
		if ((only && strcmp(only, mc->name)) || !mc->roofline.fitted_rows)
			continue;
		fprintf(out, "  %-12s e_c %.3f  e_m %.3f  fixed %.2f us  (fitted on %s%zu rows%s)\n",
		        mc->name, mc->roofline.compute_eff, mc->roofline.memory_eff,
		        mc->roofline.fixed_s * 1e6, mc->roofline.on_calibration ? "its " : "all ",
		        mc->roofline.fitted_rows,
		        mc->roofline.on_calibration ? " of calibration" : ": none is calibration");
	}
	if (failed)
		fprintf(out, "\nverdict: FAIL: %d of %zu toleranced groups beyond their tolerance or "
		             "not better than the roofline\n",
		        failed, ntolerance);
	else if (!ntolerance)
		fprintf(out, "\nverdict: none: no toleranced group among these rows (%zu groups "
		             "without a tolerance are informational)\n",
		        ninfo);
	else
		fprintf(out, "\nverdict: PASS: all %zu toleranced groups within their tolerance and "
		             "better than the roofline (%zu groups without a tolerance are "
		             "informational: no verdict)\n",
		        ntolerance, ninfo);
	free(groups);
	return failed;
}
