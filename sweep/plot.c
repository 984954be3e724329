/* plot — gnuplot figures of a sweep's results (plot.h). */
#include "sweep/plot.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/gnuplot.h"
#include "sim/log.h"
#include "sweep/metrics.h"
#include "sweep/run.h"
#include "sweep/where.h"

/* Figures of one metric at most; the facets past it are left out with a warning. */
#define PLOT_MAX_FACETS 64

/* The distinct values of column C over the rows with USE[r] (and IN[r] if IN), in row order. */
struct plot_values {
	const char **v;
	size_t n;
};

static int plot_distinct(const struct results_table *t, const bool *use, const bool *in, int c,
                         struct plot_values *out)
{
	out->v = calloc(t->nrows ? t->nrows : 1, sizeof *out->v);
	out->n = 0;
	if (!out->v)
		return -1;
	for (size_t r = 0; r < t->nrows; r++) {
		if (!use[r] || (in && !in[r]))
			continue;
		const char *s = t->rows[r][c];
		bool seen = false;
		for (size_t i = 0; i < out->n && !seen; i++)
			seen = !strcmp(out->v[i], s);
		if (!seen)
			out->v[out->n++] = s;
	}
	return 0;
}

static size_t plot_index(const struct plot_values *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->v[i], s))
			return i;
	return 0;
}

/* TEXT as a quoted column of a data file. */
static void plot_data_label(FILE *f, const char *text)
{
	fputc('"', f);
	for (const char *s = text; *s; s++)
		fputc(*s == '"' ? '\'' : *s, f);
	fputc('"', f);
}

/* Appends TEXT to a file name, keeping what names may hold. */
static void plot_name_add(char *name, size_t len, const char *text)
{
	size_t used = strlen(name);
	for (const char *s = text; *s && used + 1 < len; s++) {
		char c = *s;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
		name[used++] = ok ? c : '_';
	}
	name[used] = 0;
}

static double plot_number(const char *s)
{
	double v;
	int unit;
	return s[0] && !where_number(s, &v, &unit) ? v : NAN;
}

/* The y label of column C: its name and, for a metric, its unit. */
static void plot_ylabel(char *buf, size_t len, const struct results_table *t, int c)
{
	int m = metrics_find(t->layout.names[c]);
	if (m >= 0)
		snprintf(buf, len, "%s [%s]", t->layout.names[c], metrics_unit(m));
	else
		snprintf(buf, len, "%s", t->layout.names[c]);
}

/* Whether every value of X reads as a number, with one unit. */
static bool plot_numeric(const struct plot_values *x)
{
	int unit0 = -2;
	for (size_t i = 0; i < x->n; i++) {
		double v;
		int unit;
		if (where_number(x->v[i], &v, &unit))
			return false;
		if (unit0 != -2 && unit != unit0)
			return false;
		unit0 = unit;
	}
	return x->n > 0;
}

struct plot_point {
	double x, y;
	const char *label;
};

static int plot_cmp_x(const void *a, const void *b)
{
	const struct plot_point *p = a, *q = b;
	return (p->x > q->x) - (p->x < q->x);
}

/* One figure: the rows with IN[r], one series per value of SERIES. */
static int plot_facet(FILE *script, const struct results_table *t, const bool *use, const bool *in,
                      int metric, int x, int series, const char *dir, const char *name,
                      const char *facet_title)
{
	struct plot_values xs = { 0 }, ss = { 0 };
	struct plot_point *pts = calloc(t->nrows ? t->nrows : 1, sizeof *pts);
	char path[PATH_MAX], data[PATH_MAX + 8];
	int rc = -1;
	if (!pts || plot_distinct(t, use, in, x, &xs) ||
	    (series >= 0 && plot_distinct(t, use, in, series, &ss)))
		goto out;
	bool numeric = plot_numeric(&xs);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(data, sizeof data, "%s.dat", path);
	FILE *f = fopen(data, "w");
	if (!f) {
		log_error("%s: cannot create: %s", data, strerror(errno));
		goto out;
	}
	char *cmd = NULL;
	size_t cmdlen = 0;
	FILE *c = open_memstream(&cmd, &cmdlen);
	if (!c) {
		fclose(f);
		goto out;
	}
	fprintf(c, "plot");
	size_t nseries = series >= 0 ? ss.n : 1, block = 0;
	for (size_t s = 0; s < nseries; s++) {
		size_t n = 0;
		for (size_t r = 0; r < t->nrows; r++) {
			if (!use[r] || !in[r] ||
			    (series >= 0 && strcmp(t->rows[r][series], ss.v[s])))
				continue;
			double y = plot_number(t->rows[r][metric]);
			if (isnan(y))
				continue;
			const char *xl = t->rows[r][x];
			pts[n++] = (struct plot_point){ numeric ? plot_number(xl)
				                                : (double)plot_index(&xs, xl),
				                        y, xl };
		}
		if (!n)
			continue; /* gnuplot refuses an empty block */
		qsort(pts, n, sizeof *pts, plot_cmp_x);
		fprintf(f, "# %s\n", series >= 0 ? ss.v[s] : t->layout.names[metric]);
		for (size_t i = 0; i < n; i++) {
			fprintf(f, "%.17g\t%.17g\t", pts[i].x, pts[i].y);
			plot_data_label(f, pts[i].label);
			fputc('\n', f);
		}
		fprintf(f, "\n\n");
		fprintf(c, "%s ", block ? "," : "");
		gnuplot_quote(c, data);
		fprintf(c, " index %zu using 1:2:xtic(3) with linespoints title ", block++);
		gnuplot_quote(c, series >= 0 ? ss.v[s] : t->layout.names[metric]);
	}
	fclose(f);
	fclose(c);
	if (block) {
		char ylabel[128], title[1024];
		plot_ylabel(ylabel, sizeof ylabel, t, metric);
		snprintf(title, sizeof title, "%s vs %s%s%s%s%s", t->layout.names[metric],
		         t->layout.names[x], series >= 0 ? " by " : "",
		         series >= 0 ? t->layout.names[series] : "", facet_title[0] ? " | " : "",
		         facet_title);
		fprintf(script, "reset\nset grid\nset key outside right top\nset title ");
		gnuplot_quote(script, title);
		fprintf(script, "\nset xlabel ");
		gnuplot_quote(script, t->layout.names[x]);
		fprintf(script, "\nset ylabel ");
		gnuplot_quote(script, ylabel);
		fprintf(script,
		        "\nset xtics rotate by -30\nset offsets graph 0.04, graph 0.04, 0, 0\n");
		/* Values spread over decades (a geometric range) read best on a log scale. */
		double lo = INFINITY, hi = -INFINITY;
		for (size_t i = 0; numeric && i < xs.n; i++) {
			double v = plot_number(xs.v[i]);
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
		if (numeric && lo > 0 && hi / lo >= 8)
			fprintf(script, "set logscale x 2\n");
		gnuplot_outputs(script, path, cmd, 960, 640);
	} else {
		log_warn("%s: no ok point has a %s: no figure", name, t->layout.names[metric]);
	}
	free(cmd);
	rc = 0;
out:
	free(xs.v);
	free(ss.v);
	free(pts);
	return rc;
}

int plot_metric(FILE *script, const struct results_table *t, const bool *use, int metric, int x,
                int series, const int *facets, size_t nf, const char *dir)
{
	const struct results_layout *l = &t->layout;
	bool *in = calloc(t->nrows ? t->nrows : 1, sizeof *in);
	bool *placed = calloc(t->nrows ? t->nrows : 1, sizeof *placed);
	int rc = in && placed ? 0 : -1;
	size_t figures = 0;
	for (size_t r0 = 0; !rc && r0 < t->nrows; r0++) {
		if (!use[r0] || placed[r0])
			continue;
		/* The rows sharing r0's facet values. */
		for (size_t r = 0; r < t->nrows; r++) {
			bool same = use[r];
			for (size_t k = 0; k < nf && same; k++)
				same = !strcmp(t->rows[r][facets[k]], t->rows[r0][facets[k]]);
			in[r] = same;
			placed[r] = placed[r] || same;
		}
		if (figures++ == PLOT_MAX_FACETS) {
			log_warn(
			    "%s: more than %d combinations of the other axes: the rest have no "
			    "figure (choose --x and --series among the axes that vary)",
			    l->names[metric], PLOT_MAX_FACETS);
			break;
		}
		char name[512] = "", title[1024] = "";
		plot_name_add(name, sizeof name, l->names[metric]);
		plot_name_add(name, sizeof name, "-vs-");
		plot_name_add(name, sizeof name, l->names[x]);
		if (series >= 0) {
			plot_name_add(name, sizeof name, "-by-");
			plot_name_add(name, sizeof name, l->names[series]);
		}
		for (size_t k = 0; k < nf; k++) {
			plot_name_add(name, sizeof name, "-");
			plot_name_add(name, sizeof name, l->names[facets[k]]);
			plot_name_add(name, sizeof name, "_");
			plot_name_add(name, sizeof name, t->rows[r0][facets[k]]);
			size_t used = strlen(title);
			snprintf(title + used, sizeof title - used, "%s%s=%s", k ? ", " : "",
			         l->names[facets[k]], t->rows[r0][facets[k]]);
		}
		rc = plot_facet(script, t, use, in, metric, x, series, dir, name, title);
	}
	free(in);
	free(placed);
	return rc;
}

int plot_pareto(FILE *script, const struct results_table *t, const bool *use, const bool *front,
                int mx, int my, const char *dir)
{
	char name[256] = "pareto-", path[PATH_MAX], data[PATH_MAX + 8];
	plot_name_add(name, sizeof name, t->layout.names[mx]);
	plot_name_add(name, sizeof name, "-");
	plot_name_add(name, sizeof name, t->layout.names[my]);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(data, sizeof data, "%s.dat", path);
	struct plot_point *pts = calloc(t->nrows ? t->nrows : 1, sizeof *pts);
	FILE *f = pts ? fopen(data, "w") : NULL;
	if (!f) {
		log_error("%s: cannot create: %s", data, pts ? strerror(errno) : "out of memory");
		free(pts);
		return -1;
	}
	size_t nall = 0, nfront = 0;
	fprintf(f, "# every point: %s %s point\n", t->layout.names[mx], t->layout.names[my]);
	for (size_t r = 0; r < t->nrows; r++) {
		double x = plot_number(t->rows[r][mx]), y = plot_number(t->rows[r][my]);
		if (!use[r] || isnan(x) || isnan(y))
			continue;
		fprintf(f, "%.17g\t%.17g\t%s\n", x, y, t->rows[r][t->layout.point]);
		nall++;
		if (front[r])
			pts[nfront++] = (struct plot_point){ x, y, t->rows[r][t->layout.point] };
	}
	qsort(pts, nfront, sizeof *pts, plot_cmp_x);
	fprintf(f, "\n\n# the Pareto front\n");
	for (size_t i = 0; i < nfront; i++)
		fprintf(f, "%.17g\t%.17g\t%s\n", pts[i].x, pts[i].y, pts[i].label);
	fclose(f);
	free(pts);
	if (!nall || !nfront) {
		log_warn("%s: no point has both objectives: no figure", name);
		return 0;
	}
	char xl[128], yl[128], title[512], *cmd = NULL;
	size_t cmdlen = 0;
	plot_ylabel(xl, sizeof xl, t, mx);
	plot_ylabel(yl, sizeof yl, t, my);
	snprintf(title, sizeof title, "Pareto front: %s and %s (%zu of %zu points)",
	         t->layout.names[mx], t->layout.names[my], nfront, nall);
	FILE *c = open_memstream(&cmd, &cmdlen);
	if (!c)
		return -1;
	fprintf(c, "plot ");
	gnuplot_quote(c, data);
	fprintf(c, " index 0 using 1:2 with points pt 7 ps 0.6 lc rgb '#999999' title 'points', ");
	gnuplot_quote(c, data);
	fprintf(c,
	        " index 1 using 1:2 with linespoints pt 7 lc rgb '#cc0000' title 'Pareto front'");
	fclose(c);
	fprintf(script, "reset\nset grid\nset key outside right top\nset title ");
	gnuplot_quote(script, title);
	fprintf(script, "\nset xlabel ");
	gnuplot_quote(script, xl);
	fprintf(script, "\nset ylabel ");
	gnuplot_quote(script, yl);
	fputc('\n', script);
	gnuplot_outputs(script, path, cmd, 960, 640);
	free(cmd);
	return 0;
}

FILE *plot_begin(const char *dir)
{
	if (mkdir(dir, 0777) && errno != EEXIST) {
		log_error("%s: cannot create: %s", dir, strerror(errno));
		return NULL;
	}
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/plots.gp", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		log_error("%s: cannot create: %s", path, strerror(errno));
	else
		fprintf(f, "# simsweep report: every figure of this folder (gnuplot %s)\n\n",
		        "plots.gp");
	return f;
}

int plot_end(FILE *script, const char *dir)
{
	char path[PATH_MAX], err[PATH_MAX], msg[512];
	snprintf(path, sizeof path, "%s/plots.gp", dir);
	snprintf(err, sizeof err, "%s/gnuplot.err", dir);
	if (fclose(script)) {
		log_error("%s: write failed: %s", path, strerror(errno));
		return -1;
	}
	if (gnuplot_run(NULL, path, err, msg, sizeof msg)) {
		log_error("gnuplot %s: %s (the data and the script are in %s)", path, msg, dir);
		return -1;
	}
	return 0;
}
