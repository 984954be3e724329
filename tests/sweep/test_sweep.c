/* test_sweep — the sweep modules driven directly: where expressions, ranges and zips of a
 * sweep file and the order of its points, and results rows written and read back. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "../unit/test_tmpdir.h"
#include "sim/log.h"
#include "sweep/metrics.h"
#include "sweep/results.h"
#include "sweep/sweepfile.h"
#include "sweep/where.h"

static const char *const names[] = { "arch", "batch", "hbm.bandwidth", "format" };

static int eval(const char *expr, const char *const *values)
{
	char err[512];
	struct where *w = where_parse(expr, names, 4, err, sizeof err);
	assert_non_null(w);
	int r = where_eval(w, values, err, sizeof err);
	where_free(w);
	return r;
}

static void test_where(void **state)
{
	(void)state;
	const char *const v[] = { "a100_24.cfg", "16", "2 TB/s", "2:4+int4" };
	assert_int_equal(eval("batch <= 16", v), 1);
	assert_int_equal(eval("batch < 16", v), 0);
	assert_int_equal(eval("batch == 16.0", v), 1); /* numbers compare as numbers */
	assert_int_equal(eval("hbm.bandwidth > '1999 GB/s'", v), 1);
	assert_int_equal(eval("hbm.bandwidth >= \"2 TB/s\" && hbm.bandwidth <= '2000 GB/s'", v), 1);
	assert_int_equal(eval("format != '2:4+int4' || arch == 'a100_24.cfg'", v), 1);
	assert_int_equal(eval("!(batch > 1) || format == 'dense'", v), 0);
	assert_int_equal(eval("batch > 1 && !(format == 'dense')", v), 1);
	/* && binds tighter than || */
	assert_int_equal(eval("batch == 1 && format == 'x' || batch == 16", v), 1);
	assert_int_equal(eval("format < 3", v), -1);              /* text cannot be ordered */
	assert_int_equal(eval("hbm.bandwidth > '1 GHz'", v), -1); /* nor a rate with a frequency */

	char err[512];
	assert_null(where_parse("bach < 2", names, 4, err, sizeof err));
	assert_non_null(strstr(err, "at column 1: unknown axis 'bach'"));
	assert_null(where_parse("batch <", names, 4, err, sizeof err));
	assert_null(where_parse("batch < 2 batch", names, 4, err, sizeof err));
	assert_non_null(strstr(err, "at column 11"));
	assert_null(where_parse("(batch < 2", names, 4, err, sizeof err));
	assert_null(where_parse("format == 'x", names, 4, err, sizeof err));

	double x;
	int unit;
	assert_int_equal(where_number("64 KiB", &x, &unit), 0);
	assert_true(x == 65536);
	assert_int_equal(where_number("1.5", &x, &unit), 0);
	assert_int_equal(unit, -1);
	assert_int_equal(where_number("dense", &x, &unit), -1);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_sweepfile(void **state)
{
	(void)state;
	char path[128], arch[160];
	snprintf(arch, sizeof arch, "%s/m.cfg", tmpdir);
	write_file(arch, "name = \"m\";\n");
	snprintf(path, sizeof path, "%s/s.cfg", tmpdir);
	write_file(path,
	           "arch = \"m.cfg\";\n"
	           "workload = { model = \"llama-2-7b\"; };\n"
	           "axes = (\n"
	           "  { set = \"hbm.bandwidth\"; range = { from = \"1 TB/s\"; to = \"4 TB/s\"; "
	           "factor = 2.0; }; },\n"
	           "  { gen = \"batch\"; range = { from = 1; to = 100; steps = 3; scale = "
	           "\"geometric\"; }; },\n"
	           "  { set = \"smem.size\"; range = { from = \"64 KiB\"; to = \"160 KiB\"; "
	           "step = \"32 KiB\"; }; },\n"
	           "  { name = \"f\"; labels = [\"d\", \"s\"];\n"
	           "    zip = ( { gen = \"sparsity\"; values = [\"dense\", \"nm:2:4\"]; },\n"
	           "            { set = \"tensor.efficiency\"; values = [0.9, 0.8]; } ); }\n"
	           ");\n"
	           "where = \"!(batch == 100 && f == 's')\";\n");
	struct sweepfile sw;
	assert_int_equal(sweepfile_load(path, &sw), 0);
	/* arch, workload, bandwidth, batch, size, f, sparsity, efficiency */
	assert_int_equal(sw.naxes, 8);
	assert_int_equal(sw.ngroups, 6);
	const struct sweepfile_axis *bw = &sw.axes[2], *batch = &sw.axes[3], *size = &sw.axes[4];
	assert_int_equal(bw->nvalues, 3);
	assert_string_equal(bw->values[0], "1 TB/s");
	assert_string_equal(bw->values[2], "4 TB/s");
	assert_true(bw->quoted[1]);
	assert_int_equal(batch->nvalues, 3);
	assert_string_equal(batch->values[1], "10");
	assert_string_equal(batch->values[2], "100");
	assert_false(batch->quoted[0]);
	assert_int_equal(size->nvalues, 4);
	assert_string_equal(size->values[1], "96 KiB");
	assert_string_equal(sw.axes[7].values[1], "0.8");
	/* 3 x 3 x 4 x 2 = 72, less batch 100 with f = s: 3 x 4 */
	assert_int_equal(sw.npoints, 72 - 12);
	/* The last group varies fastest; a zip's axes move together. */
	assert_string_equal(sweepfile_text(&sw, 0, 5), "d");
	assert_string_equal(sweepfile_text(&sw, 1, 5), "s");
	assert_string_equal(sweepfile_text(&sw, 1, 6), "nm:2:4");
	assert_string_equal(sweepfile_text(&sw, 1, 7), "0.8");
	assert_string_equal(sweepfile_text(&sw, 2, 4), "96 KiB");
	for (size_t p = 0; p < sw.npoints; p++)
		assert_false(!strcmp(sweepfile_text(&sw, p, 3), "100") &&
		             !strcmp(sweepfile_text(&sw, p, 5), "s"));
	char desc[512];
	assert_non_null(strstr(sweepfile_describe(&sw, 1, desc, sizeof desc),
	                       "hbm.bandwidth=1 TB/s, batch=1, smem.size=64 KiB, f=s"));
	assert_non_null(strstr(sw.archs[0], "/m.cfg"));
	sweepfile_free(&sw);
	unlink(arch);
	unlink(path);
}

static void test_results_roundtrip(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof path, "%s/r.csv", tmpdir);
	char *axes[] = { "arch", "hbm.bandwidth" };
	struct results_layout l;
	char *head[64];
	/* A layout from a header of the right columns. */
	struct sweepfile sw = { 0 };
	struct sweepfile_axis ax[2] = { { .name = axes[0] }, { .name = axes[1] } };
	sw.axes = ax;
	sw.naxes = 2;
	assert_int_equal(results_layout_sweep(&l, &sw), 0);
	assert_int_equal(l.n, 2 + 2 + 3 + METRICS_COUNT + 2);
	for (size_t i = 0; i < l.n; i++)
		head[i] = l.names[i];
	struct results_layout back;
	char err[256];
	assert_int_equal(results_layout_header(&back, head, l.n, err, sizeof err), 0);
	assert_true(results_layout_equal(&l, &back));
	results_layout_free(&back);

	/* Fields that need quoting, and one with a line break (flattened). */
	char **row = calloc(l.n, sizeof *row);
	for (size_t i = 0; i < l.n; i++)
		row[i] = "";
	row[l.id] = "0123456789abcdef";
	row[l.point] = "7";
	row[l.axis0] = "a, \"quoted\" one";
	row[l.axis0 + 1] = " 2 TB/s ";
	row[l.status] = "failed";
	row[l.message] = "line one\nline two";
	char **const rows[1] = { row };
	assert_int_equal(results_rewrite(path, &l, rows, 1), 0);
	struct results_table t;
	assert_int_equal(results_read(path, &t), 0);
	assert_int_equal(t.nrows, 1);
	assert_string_equal(t.rows[0][l.axis0], "a, \"quoted\" one");
	assert_string_equal(t.rows[0][l.axis0 + 1], " 2 TB/s ");
	assert_string_equal(t.rows[0][l.message], "line one line two");
	assert_int_equal(t.torn_line, 0);
	results_table_free(&t);

	/* A torn last line is noted, not read. */
	FILE *f = fopen(path, "a");
	fputs("0123,8,x", f);
	fclose(f);
	assert_int_equal(results_read(path, &t), 0);
	assert_int_equal(t.nrows, 1);
	assert_int_equal(t.torn_line, 3);
	results_table_free(&t);
	free(row);
	results_layout_free(&l);
	unlink(path);
}

static void test_metrics_names(void **state)
{
	(void)state;
	char buf[64];
	assert_string_equal(metrics_name(METRICS_TPOT, buf, sizeof buf), "tpot_s");
	assert_string_equal(metrics_name(METRICS_BOUND0, buf, sizeof buf), "time_compute_s");
	assert_int_equal(metrics_find("time_memory_s"), METRICS_BOUND0 + 1);
	assert_true(metrics_higher_is_better(METRICS_TOKENS_PER_S));
	assert_false(metrics_higher_is_better(METRICS_ENERGY));
	assert_int_equal(metrics_find("nosuch"), -1);
}

int main(void)
{
	log_set_level(LOG_QUIET);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_where),
		cmocka_unit_test(test_sweepfile),
		cmocka_unit_test(test_results_roundtrip),
		cmocka_unit_test(test_metrics_names),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
