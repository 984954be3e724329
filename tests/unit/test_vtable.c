/* vtable and vroof: the validation error table's breakdown of GEMM groups by size (decades of
 * 2 m n k), and the rows the roofline baseline is fitted on, on hand-made rows whose errors are
 * known. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "validation/vroof.h"
#include "validation/vtable.h"

/* A GEMM row of group g, m x n x k, expected 1 ms, simulated 1 ms x (1 + err / 100); the
 * roofline off by rerr %. */
static struct vrow gemm(const char *id, const char *g, uint64_t m, uint64_t n, uint64_t k,
                        double err, double rerr)
{
	struct vrow r = { 0 };
	r.kind = VROW_OP;
	r.id = (char *)id;
	r.machine = (char *)"m";
	r.metric = (char *)"time_ms";
	r.group = (char *)g;
	r.value = 1;
	r.has_value = true;
	r.sim = 1 + err / 100;
	r.roof = 1 + rerr / 100;
	r.op.type = TRACE_OP_GEMM;
	r.op.gemm.m = m, r.op.gemm.n = n, r.op.gemm.k = k, r.op.gemm.count = 1;
	return r;
}

/* The line of the size table for group g and size class `size`, or NULL. */
static const char *size_line(const char *out, const char *g, const char *size)
{
	const char *t = strstr(out, "GEMM groups by size");
	if (!t)
		return NULL;
	for (const char *p = t; (p = strstr(p, g)); p++)
		if (p == t || p[-1] == '\n') {
			const char *eol = strchr(p, '\n');
			const char *s = strstr(p + strlen(g), size);
			if (s && (!eol || s < eol))
				return p;
		}
	return NULL;
}

static void test_gemm_groups_by_size(void **state)
{
	(void)state;
	struct vrow rows[] = {
		/* 2 x 1024^3 = 2.1 GFLOP: 1-10 GFLOP */
		gemm("a", "g dense", 1024, 1024, 1024, +10, +20),
		gemm("b", "g dense", 1024, 1024, 1024, -20, -40),
		/* 2 x 500 x 1000 x 1000 = 1e9 exactly: an edge belongs to the class above it */
		gemm("e", "g dense", 500, 1000, 1000, -5, +10),
		/* no roofline: counts in rows, MAPE and bias, not in the roofline's MAPE */
		gemm("f", "g dense", 1024, 1024, 1024, +15, -100),
		/* not simulated (no error): counts nowhere */
		gemm("g", "g dense", 1024, 1024, 1024, -101, +50),
		/* 2 x 8192^3 = 1.1 TFLOP: >= 1 TFLOP; two ops (count 2): still one class up */
		gemm("c", "g dense", 8192, 8192, 8192, -5, +1),
		gemm("h", "g dense", 4096, 8192, 8192, +5, +1),
		/* a ratio row (its op is all zeros): no size */
		gemm("r", "g dense", 0, 0, 0, +7, +7),
		/* 2 x 64^3 = 0.5 MFLOP: < 0.1 GFLOP, one row in another group (one class only) */
		gemm("d", "g other", 64, 64, 64, +3, +3),
	};
	rows[7].kind = VROW_RATIO;
	rows[6].op.gemm.count = 2; /* 2 x 2 x 4096 x 8192^2 = 1.1 TFLOP */
	struct vgroup_rule rule = { (char *)"g dense", true, 50, (char *)"validation" };
	struct vdata d = {
		.rows = rows, .nrows = sizeof rows / sizeof *rows, .groups = &rule, .ngroups = 1
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_non_null(out);
	int failed = vtable_print(&d, NULL, false, out, NULL);
	fclose(out);
	assert_int_equal(failed, 0);
	/* The group table counts the same rows for nmsim and the roofline: the unsimulated row's
	 * roofline error (+50 %) is left out, the row without a roofline counts for nmsim only. */
	const char *grp = strstr(buf, "\ng dense ");
	assert_non_null(grp);
	int gn;
	double gmape, groof;
	assert_int_equal(sscanf(grp + strlen("\ng dense"), " %d %lf%% %lf%%", &gn, &gmape, &groof),
	                 3);
	assert_int_equal(gn, 7);
	assert_float_equal(gmape, (10 + 20 + 5 + 15 + 5 + 5 + 7) / 7.0, 0.05);
	assert_float_equal(groof, (20 + 40 + 10 + 1 + 1 + 7) / 6.0, 0.05);
	/* rows, MAPE, roofline MAPE, bias (mean signed error) */
	const char *l = size_line(buf, "g dense", "1-10 GFLOP");
	assert_non_null(l);
	int n;
	double mape, roof, bias;
	assert_int_equal(sscanf(l + strlen("g dense"), " 1-10 GFLOP %d %lf%% %lf%% %lf%%", &n, &mape,
	                        &roof, &bias),
	                 4);
	/* a, b, e (the edge) and f (no roofline); g (not simulated) nowhere */
	assert_int_equal(n, 4);
	assert_float_equal(mape, (10 + 20 + 5 + 15) / 4.0, 0.05);
	assert_float_equal(roof, (20 + 40 + 10) / 3.0, 0.05);
	assert_float_equal(bias, (10 - 20 - 5 + 15) / 4.0, 0.05);
	assert_null(size_line(buf, "g dense", "0.1-1 GFLOP"));
	l = size_line(buf, "g dense", ">= 1 TFLOP");
	assert_non_null(l);
	assert_int_equal(sscanf(l + strlen("g dense"), " >= 1 TFLOP %d %lf%% %lf%% %lf%%", &n,
	                        &mape, &roof, &bias),
	                 4);
	assert_int_equal(n, 2);
	assert_float_equal(mape, 5.0, 0.05);
	assert_float_equal(roof, 1.0, 0.05);
	assert_float_equal(bias, 0.0, 0.05);
	/* No class the rows do not fill (the ratio row has no size), and no group of a single
	 * class. */
	assert_null(size_line(buf, "g dense", "0.1-1 TFLOP"));
	assert_null(size_line(buf, "g dense", "< 0.1 GFLOP"));
	assert_null(size_line(buf, "g other", "GFLOP"));
	/* The last line gives the verdict: the one toleranced group passes (the other has none). */
	assert_non_null(strstr(buf, "\nverdict: PASS: all 1 toleranced groups within their "
	                            "tolerance and better than the roofline (1 groups without"));
	free(buf);
	/* Beyond its tolerance, the group fails the table, and the verdict says so. */
	rule.tolerance_pct = 5;
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	assert_int_equal(vtable_print(&d, NULL, false, out, NULL), 1);
	fclose(out);
	assert_non_null(strstr(buf, "\nverdict: FAIL: 1 of 1 toleranced groups"));
	assert_null(strstr(buf, "verdict: PASS"));
	free(buf);
}

/* A row of machine "m" whose roofline parts are one op of `compute` seconds (no memory time),
 * measured at `ms`. */
static struct vrow roof_row(enum vrow_kind kind, size_t ndecode, double ms, struct vparts *part)
{
	struct vrow r = { 0 };
	r.kind = kind;
	r.machine = (char *)"m";
	r.metric = (char *)"time_ms";
	r.value = ms;
	r.has_value = true;
	r.parts = part;
	r.nparts = 1;
	r.ndecode = ndecode;
	return r;
}

/* The roofline's constants are fitted on kernels (and decode steps), never on a whole trace,
 * even on a machine without calibration rows: a prefill row 10x off its ops' roofline leaves the
 * fit, fitted on the kernel alone, exact; the prefill row still gets its roofline value. */
static void test_roofline_never_fits_whole_traces(void **state)
{
	(void)state;
	struct vparts kernel = { 1e-3, 0, 0 }, trace = { 1e-3, 0, 0 }, step = { 1e-3, 0, 0 };
	struct vrow rows[] = {
		roof_row(VROW_OP, 0, 1.0, &kernel),
		roof_row(VROW_MODEL, 0, 10.0, &trace), /* a whole trace (prefill) */
		roof_row(VROW_MODEL, 1, 1.0, &step),   /* one decode step: fitted on */
	};
	struct vmachine m = { (char *)"m", NULL, { 0, 0, 0, 0, false } };
	struct vdata d = { rows, 3, 3, NULL, 0, &m, 1 };
	vroof_fit(&d);
	assert_int_equal(m.roofline.fitted_rows, 2);
	assert_false(m.roofline.on_calibration);
	assert_true(m.roofline.compute_eff > 0.999 && m.roofline.fixed_s < 1e-9);
	assert_true(rows[0].roof > 0.999 && rows[0].roof < 1.001);
	assert_true(rows[1].roof > 0.999 && rows[1].roof < 1.001);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gemm_groups_by_size),
		cmocka_unit_test(test_roofline_never_fits_whole_traces),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
