/* analysis — simsweep report and simsweep merge (analysis.h). */
#define _XOPEN_SOURCE 700 /* realpath */
#include "sweep/analysis.h"

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "sim/log.h"
#include "sweep/metrics.h"
#include "sweep/plot.h"
#include "sweep/results.h"
#include "sweep/where.h"

/* Failed points listed by the report, one line each. */
#define ANALYSIS_FAILED_SHOWN 5

static double analysis_number(const char *s)
{
	double v;
	int unit;
	return s[0] && !where_number(s, &v, &unit) ? v : NAN;
}

/* Column NAME of T, or -1 after reporting. */
static int analysis_col(const struct results_table *t, const char *file, const char *name,
                        const char *what)
{
	int c = results_col(&t->layout, name);
	if (c < 0) {
		char list[2048] = "";
		for (size_t i = 0; i < t->layout.n; i++) {
			size_t used = strlen(list);
			snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
			         t->layout.names[i]);
		}
		log_error("%s %s: %s has no such column (columns: %s)", what, name, file, list);
	}
	return c;
}

/* ---- sorting ----------------------------------------------------------------------------- */

/* qsort has no context argument: the rows are sorted as (key, index) pairs instead. */
struct analysis_key {
	double v;
	size_t row;
};

static int analysis_cmp_asc(const void *a, const void *b)
{
	const struct analysis_key *x = a, *y = b;
	if (isnan(x->v) != isnan(y->v))
		return isnan(x->v) ? 1 : -1;
	if (x->v != y->v && !isnan(x->v))
		return x->v < y->v ? -1 : 1;
	return (x->row > y->row) - (x->row < y->row);
}

static int analysis_cmp_desc(const void *a, const void *b)
{
	const struct analysis_key *x = a, *y = b;
	if (isnan(x->v) != isnan(y->v))
		return isnan(x->v) ? 1 : -1;
	if (x->v != y->v && !isnan(x->v))
		return x->v > y->v ? -1 : 1;
	return (x->row > y->row) - (x->row < y->row);
}

/* The rows with USE[r], ordered by column C. *N of them; allocated. */
static size_t *analysis_order(const struct results_table *t, const bool *use, int c, bool desc,
                              size_t *n)
{
	struct analysis_key *k = calloc(t->nrows ? t->nrows : 1, sizeof *k);
	size_t *order = calloc(t->nrows ? t->nrows : 1, sizeof *order);
	*n = 0;
	if (!k || !order) {
		free(k);
		free(order);
		return NULL;
	}
	for (size_t r = 0; r < t->nrows; r++)
		if (use[r])
			k[(*n)++] = (struct analysis_key){ analysis_number(t->rows[r][c]), r };
	qsort(k, *n, sizeof *k, desc ? analysis_cmp_desc : analysis_cmp_asc);
	for (size_t i = 0; i < *n; i++)
		order[i] = k[i].row;
	free(k);
	return order;
}

/* ---- the Pareto front -------------------------------------------------------------------- */

struct analysis_objective {
	int col;
	bool max;
};

/* "M1,M2[,M3]", each M or M:max or M:min. Returns how many, or -1 after reporting. */
static int analysis_objectives(const struct results_table *t, const char *file, const char *spec,
                               struct analysis_objective *obj)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", spec);
	int n = 0;
	char *save = NULL;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == 3) {
			log_error("--pareto %s: two or three objectives", spec);
			return -1;
		}
		char *colon = strchr(tok, ':');
		int dir = -1;
		if (colon) {
			*colon = 0;
			if (!strcmp(colon + 1, "max"))
				dir = 1;
			else if (!strcmp(colon + 1, "min"))
				dir = 0;
			else {
				log_error(
				    "--pareto %s: '%s': expected METRIC, METRIC:min or METRIC:max",
				    spec, colon + 1);
				return -1;
			}
		}
		int c = analysis_col(t, file, tok, "--pareto");
		if (c < 0)
			return -1;
		int m = metrics_find(tok);
		obj[n].col = c;
		obj[n].max = dir >= 0 ? dir == 1 : m >= 0 && metrics_higher_is_better(m);
		n++;
	}
	if (n < 2) {
		log_error("--pareto %s: two or three objectives, separated by commas", spec);
		return -1;
	}
	return n;
}

/* FRONT[r]: row r (with USE[r] and every objective a number) is dominated by no other. */
static void analysis_front(const struct results_table *t, const bool *use,
                           const struct analysis_objective *obj, int nobj, bool *front)
{
	double(*v)[3] = calloc(t->nrows ? t->nrows : 1, sizeof *v);
	bool *ok = calloc(t->nrows ? t->nrows : 1, sizeof *ok);
	for (size_t r = 0; v && ok && r < t->nrows; r++) {
		ok[r] = use[r];
		for (int k = 0; k < nobj && ok[r]; k++) {
			double x = analysis_number(t->rows[r][obj[k].col]);
			v[r][k] = obj[k].max ? -x : x; /* everything minimised */
			ok[r] = !isnan(x);
		}
	}
	for (size_t r = 0; r < t->nrows; r++) {
		front[r] = v && ok && ok[r];
		for (size_t q = 0; front[r] && q < t->nrows; q++) {
			if (q == r || !ok[q])
				continue;
			bool no_worse = true, better = false;
			for (int k = 0; k < nobj; k++) {
				no_worse = no_worse && v[q][k] <= v[r][k];
				better = better || v[q][k] < v[r][k];
			}
			if (no_worse && better)
				front[r] = false;
		}
	}
	free(v);
	free(ok);
}

/* ---- the table --------------------------------------------------------------------------- */

/* Whether column C takes more than one value over the rows with USE[r]. */
static bool analysis_varies(const struct results_table *t, const bool *use, size_t c)
{
	const char *first = NULL;
	for (size_t r = 0; r < t->nrows; r++) {
		if (!use[r])
			continue;
		if (!first)
			first = t->rows[r][c];
		else if (strcmp(first, t->rows[r][c]))
			return true;
	}
	return false;
}

static void analysis_cell(char *buf, size_t len, const char *s, bool number)
{
	double v = analysis_number(s);
	if (number && !isnan(v))
		snprintf(buf, len, "%.4g", v);
	else
		snprintf(buf, len, "%s", s[0] ? s : "-");
}

static void analysis_table(const struct results_table *t, const bool *use, const size_t *order,
                           size_t n, size_t top, int sort, bool marks)
{
	const struct results_layout *l = &t->layout;
	size_t cols[96], nc = 0;
	cols[nc++] = l->point;
	for (size_t a = 0; a < l->naxes && nc < 64; a++)
		if (analysis_varies(t, use, l->axis0 + a))
			cols[nc++] = l->axis0 + a;
	static const int shown[] = { METRICS_TIME,         METRICS_TTFT,   METRICS_TPOT,
		                     METRICS_TOKENS_PER_S, METRICS_ENERGY, METRICS_J_PER_TOKEN,
		                     METRICS_POWER };
	cols[nc++] = (size_t)sort;
	for (size_t i = 0; i < sizeof shown / sizeof *shown; i++) {
		size_t c = l->metric0 + (size_t)shown[i];
		if ((int)c != sort)
			cols[nc++] = c;
	}
	size_t rows = top && top < n ? top : n;
	int width[96];
	char cell[256];
	for (size_t k = 0; k < nc; k++) {
		width[k] = (int)strlen(l->names[cols[k]]);
		for (size_t i = 0; i < rows; i++) {
			analysis_cell(cell, sizeof cell, t->rows[order[i]][cols[k]],
			              cols[k] >= l->metric0);
			if ((int)strlen(cell) > width[k])
				width[k] = (int)strlen(cell);
		}
	}
	printf("%s ", marks ? " " : "");
	for (size_t k = 0; k < nc; k++)
		printf("%s%-*s", k ? "  " : "", width[k], l->names[cols[k]]);
	printf("\n");
	for (size_t i = 0; i < rows; i++) {
		char **row = t->rows[order[i]];
		printf("%s ", marks ? (strcmp(row[l->pareto], "1") ? " " : "*") : "");
		for (size_t k = 0; k < nc; k++) {
			analysis_cell(cell, sizeof cell, row[cols[k]], cols[k] >= l->metric0);
			printf("%s%*s", k ? "  " : "", cols[k] >= l->metric0 ? width[k] : -width[k],
			       cell);
		}
		printf("\n");
	}
	if (rows < n)
		printf("  ... %zu more (--top 0 shows all)\n", n - rows);
}

/* Axis column C is a function of column BY (a zip partner, say) over the rows used. */
static bool analysis_determined(const struct results_table *t, const bool *use, size_t c, size_t by)
{
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t q = r + 1; use[r] && q < t->nrows; q++)
			if (use[q] && !strcmp(t->rows[r][by], t->rows[q][by]) &&
			    strcmp(t->rows[r][c], t->rows[q][c]))
				return false;
	return true;
}

/* The figure's axes when not given: x the first varying axis whose values are numbers (else
 * the first varying one), the series the next varying axis that x does not determine. */
static void analysis_pick_axes(const struct results_table *t, const bool *use, int *x, int *series)
{
	const struct results_layout *l = &t->layout;
	for (int pass = 0; pass < 2 && *x < 0; pass++)
		for (size_t a = 0; a < l->naxes && *x < 0; a++) {
			size_t c = l->axis0 + a;
			bool numeric = true;
			for (size_t r = 0; r < t->nrows && numeric; r++)
				numeric = !use[r] || !isnan(analysis_number(t->rows[r][c]));
			if (analysis_varies(t, use, c) && (pass || numeric))
				*x = (int)c;
		}
	for (size_t a = 0; a < l->naxes && *series < 0 && *x >= 0; a++) {
		size_t c = l->axis0 + a;
		if ((int)c != *x && analysis_varies(t, use, c) &&
		    !analysis_determined(t, use, c, (size_t)*x))
			*series = (int)c;
	}
}

struct analysis_pair {
	unsigned long long point;
	const char *id;
	char **row;
};

static int analysis_cmp_point(const void *a, const void *b)
{
	const struct analysis_pair *x = a, *y = b;
	if (x->point != y->point)
		return x->point < y->point ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* Sorts T's rows by point, then id. */
static int analysis_sort_points(struct results_table *t)
{
	struct analysis_pair *pairs = calloc(t->nrows ? t->nrows : 1, sizeof *pairs);
	if (!pairs)
		return -1;
	for (size_t r = 0; r < t->nrows; r++)
		pairs[r] = (struct analysis_pair){ strtoull(t->rows[r][t->layout.point], NULL, 10),
			                           t->rows[r][t->layout.id], t->rows[r] };
	qsort(pairs, t->nrows, sizeof *pairs, analysis_cmp_point);
	for (size_t r = 0; r < t->nrows; r++)
		t->rows[r] = pairs[r].row;
	free(pairs);
	return 0;
}

int analysis_report(const struct analysis_opts *o)
{
	struct results_table t;
	int rc = results_read(o->file, &t);
	if (rc == 1) {
		log_error("%s: no such results file (or empty)", o->file);
		return EXIT_USER_ERROR;
	}
	if (rc < 0)
		return EXIT_USER_ERROR;
	if (t.torn_line)
		log_warn("%s:%u: a torn last row is left out", o->file, t.torn_line);
	const struct results_layout *l = &t.layout;
	/* Rows in sweep order (the file has them in the order they finished): series and
	 * categories come out as the sweep file lists them. */
	if (analysis_sort_points(&t)) {
		results_table_free(&t);
		return EXIT_INTERNAL_ERROR;
	}
	bool *use = calloc(t.nrows ? t.nrows : 1, sizeof *use);
	bool *front = calloc(t.nrows ? t.nrows : 1, sizeof *front);
	size_t *order = NULL, n = 0, nok = 0, nfailed = 0;
	int status = EXIT_USER_ERROR;
	struct analysis_objective obj[3];
	int nobj = 0;
	if (!use || !front) {
		status = EXIT_INTERNAL_ERROR;
		goto out;
	}
	for (size_t r = 0; r < t.nrows; r++) {
		use[r] = !strcmp(t.rows[r][l->status], "ok");
		nok += use[r];
		nfailed += !use[r];
	}
	const char *sort_name = o->sort ? o->sort : "time_s";
	int sort = analysis_col(&t, o->file, sort_name, "--sort");
	if (sort < 0)
		goto out;
	int m = metrics_find(sort_name);
	if (o->pareto) {
		if ((nobj = analysis_objectives(&t, o->file, o->pareto, obj)) < 0)
			goto out;
		analysis_front(&t, use, obj, nobj, front);
		for (size_t r = 0; r < t.nrows; r++) {
			char *mark = strdup(use[r] ? (front[r] ? "1" : "0") : "");
			if (!mark) {
				status = EXIT_INTERNAL_ERROR;
				goto out;
			}
			free(t.rows[r][l->pareto]);
			t.rows[r][l->pareto] = mark;
		}
		/* Marked in the file itself, under its lock: not while a sweep appends to it. */
		struct results_writer w = { .fd = -1, .jfd = -1, .lockfd = -1 };
		if (results_lock(&w, o->file))
			goto out;
		rc = results_rewrite(o->file, l, t.rows, t.nrows);
		results_close(&w);
		if (rc)
			goto out;
	}
	if (!(order = analysis_order(&t, use, sort, m >= 0 && metrics_higher_is_better(m), &n))) {
		status = EXIT_INTERNAL_ERROR;
		goto out;
	}
	printf("%s: %zu points ok, %zu failed; by %s (%s)\n\n", o->file, nok, nfailed, sort_name,
	       m >= 0 && metrics_higher_is_better(m) ? "highest first" : "lowest first");
	bool marks = false;
	for (size_t r = 0; r < t.nrows; r++)
		marks = marks || !strcmp(t.rows[r][l->pareto], "1");
	analysis_table(&t, use, order, n, o->top, sort, marks);
	if (nfailed) {
		printf("\nfailed:\n");
		size_t shown = 0;
		for (size_t r = 0; r < t.nrows && shown < ANALYSIS_FAILED_SHOWN; r++) {
			if (use[r])
				continue;
			printf("  point %s (exit %s): %s\n", t.rows[r][l->point],
			       t.rows[r][l->exit], t.rows[r][l->message]);
			shown++;
		}
		if (nfailed > shown)
			printf("  ... %zu more\n", nfailed - shown);
	}
	if (nobj) {
		size_t nfront = 0;
		for (size_t r = 0; r < t.nrows; r++)
			nfront += front[r];
		printf("\nPareto front over");
		for (int k = 0; k < nobj; k++)
			printf("%s %s (%s)", k ? "," : "", l->names[obj[k].col],
			       obj[k].max ? "max" : "min");
		printf(": %zu of %zu points, marked in %s (pareto = 1)\n\n", nfront, nok, o->file);
		size_t nf;
		size_t *fo = analysis_order(&t, front, obj[0].col, obj[0].max, &nf);
		if (fo)
			analysis_table(&t, use, fo, nf, 0, obj[0].col, false);
		free(fo);
	}
	if (o->plot) {
		int metric =
		    analysis_col(&t, o->file, o->metric ? o->metric : sort_name, "--metric");
		int x = o->x ? analysis_col(&t, o->file, o->x, "--x") : -1;
		int series = o->series ? analysis_col(&t, o->file, o->series, "--series") : -1;
		if (metric < 0 || (o->x && x < 0) || (o->series && series < 0))
			goto out;
		analysis_pick_axes(&t, use, &x, &series);
		if (x < 0) {
			log_error("%s: no axis varies over the points that ran: nothing to plot",
			          o->file);
			goto out;
		}
		/* The facets: the other axes that vary, less those x or the series determine
		 * (a zip's partners): those are shown already. */
		int facets[64];
		size_t nf = 0;
		for (size_t a = 0; a < l->naxes && nf < 64; a++) {
			size_t c = l->axis0 + a;
			if ((int)c == x || (int)c == series || !analysis_varies(&t, use, c) ||
			    analysis_determined(&t, use, c, (size_t)x) ||
			    (series >= 0 && analysis_determined(&t, use, c, (size_t)series)))
				continue;
			facets[nf++] = (int)c;
		}
		FILE *script = plot_begin(o->plot);
		if (!script)
			goto out;
		rc = plot_metric(script, &t, use, metric, x, series, facets, nf, o->plot);
		if (!rc && nobj)
			rc = plot_pareto(script, &t, use, front, obj[0].col, obj[1].col, o->plot);
		if (rc | plot_end(script, o->plot))
			goto out;
		printf("\nfigures (PNG and SVG, with their .dat and plots.gp) in %s/\n", o->plot);
	}
	status = 0;
out:
	free(use);
	free(front);
	free(order);
	results_table_free(&t);
	return status;
}

/* ---- merge ------------------------------------------------------------------------------- */

struct analysis_row {
	char *key;
	char **row;
	UT_hash_handle hh;
};

/* The folder of FILE, absolute. */
static void analysis_dir(const char *file, char *buf, size_t len)
{
	char tmp[PATH_MAX], real[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s", file);
	char *slash = strrchr(tmp, '/');
	if (slash)
		*(slash == tmp ? slash + 1 : slash) = 0;
	else
		snprintf(tmp, sizeof tmp, ".");
	snprintf(buf, len, "%s", realpath(tmp, real) ? real : tmp);
}

int analysis_merge(const char *out, char *const *in, size_t nin)
{
	struct results_table *t = calloc(nin + 1, sizeof *t);
	struct analysis_row *rows = NULL, *e, *tmp;
	struct results_writer w = { .fd = -1, .jfd = -1, .lockfd = -1 };
	size_t ntables = 0, dups = 0, total = 0;
	int status = EXIT_USER_ERROR;
	char out_dir[PATH_MAX];
	if (!t)
		return EXIT_INTERNAL_ERROR;
	if (results_lock(&w, out))
		goto out;
	analysis_dir(out, out_dir, sizeof out_dir);
	/* The merged file's own rows come first; then each input's. */
	const char **names = calloc(nin + 1, sizeof *names);
	if (!names)
		goto out;
	for (size_t i = 0; i <= nin; i++) {
		const char *file = i ? in[i - 1] : out;
		int rc = results_read(file, &t[ntables]);
		if (rc < 0)
			goto out_names;
		if (rc == 1) {
			if (i) {
				log_error("%s: no such results file (or empty)", file);
				goto out_names;
			}
			continue;
		}
		if (t[ntables].torn_line)
			log_warn("%s:%u: a torn last row is left out", file, t[ntables].torn_line);
		if (ntables && !results_layout_equal(&t[0].layout, &t[ntables].layout)) {
			log_error(
			    "%s:1: its columns are not those of %s (results of another sweep?)",
			    file, names[0]);
			ntables++;
			goto out_names;
		}
		names[ntables++] = file;
	}
	if (!ntables) {
		log_error("merge: nothing to merge");
		goto out_names;
	}
	const struct results_layout *l = &t[0].layout;
	for (size_t k = 0; k < ntables; k++) {
		char dir[PATH_MAX];
		analysis_dir(names[k], dir, sizeof dir);
		bool moved = strcmp(dir, out_dir) != 0;
		for (size_t r = 0; r < t[k].nrows; r++) {
			char **row = t[k].rows[r];
			char *path = row[l->report];
			if (moved && path[0] && path[0] != '/') {
				size_t len = strlen(dir) + strlen(path) + 2;
				char *abs = malloc(len);
				if (!abs)
					goto out_names;
				snprintf(abs, len, "%s/%s", dir, path);
				free(path);
				row[l->report] = abs;
			}
			char *key = results_row_key(l, row);
			if (!key)
				goto out_names;
			HASH_FIND_STR(rows, key, e);
			if (e) {
				dups++;
				bool better = !strcmp(row[l->status], "ok") &&
				              strcmp(e->row[l->status], "ok");
				if (better)
					e->row = row;
				free(key);
				continue;
			}
			if (!(e = calloc(1, sizeof *e))) {
				free(key);
				goto out_names;
			}
			e->key = key;
			e->row = row;
			HASH_ADD_KEYPTR(hh, rows, e->key, strlen(e->key), e);
			total++;
		}
	}
	struct analysis_pair *pairs = calloc(total ? total : 1, sizeof *pairs);
	char ***sorted = calloc(total ? total : 1, sizeof *sorted);
	if (!pairs || !sorted) {
		free(pairs);
		free(sorted);
		goto out_names;
	}
	size_t i = 0;
	HASH_ITER(hh, rows, e, tmp)
	{
		pairs[i++] = (struct analysis_pair){ strtoull(e->row[l->point], NULL, 10),
			                             e->row[l->id], e->row };
	}
	qsort(pairs, total, sizeof *pairs, analysis_cmp_point);
	for (i = 0; i < total; i++)
		sorted[i] = pairs[i].row;
	int rc = results_rewrite(out, l, sorted, total);
	free(pairs);
	free(sorted);
	if (rc)
		goto out_names;
	printf("simsweep: %s: %zu points from %zu files%s", out, total, ntables, dups ? "" : "\n");
	if (dups)
		printf(" (%zu rows for points already there left out)\n", dups);
	status = 0;
out_names:
	free(names);
out:
	HASH_ITER(hh, rows, e, tmp)
	{
		HASH_DEL(rows, e);
		free(e->key);
		free(e);
	}
	for (size_t k = 0; k < ntables; k++)
		results_table_free(&t[k]);
	free(t);
	results_close(&w);
	return status;
}
