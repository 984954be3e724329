/* nmvalidate — compares the simulator with published and measured kernel timings.
 *
 *   nmvalidate [--root DIR] [--simrun PATH] [--machine NAME] [--results FILE]
 *
 * Reads every every CSV in validation/data (columns id,machine,m,n,k,a,w_dtype,sp,metric,value,unit,
 * source,note), turns each row into one simtrace op (GEMM rows from m,n,k,a,w_dtype,sp; other
 * rows from a simtrace-style `op ...` / `op=KIND ...` description in the note), replays all rows
 * of one machine in one simrun process (validation/machines.csv names its config), and prints
 * expected, simulated and % error per row, then the mean absolute percentage error per group
 * (machine x op class x sparsity x precision). A group listed in validation/groups.csv fails when
 * its MAPE exceeds its tolerance; the exit status is then 1. Rows it cannot replay yet are listed
 * as skipped, with the reason. */
#include <csv.h>
#include <json-c/json.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_FIELDS 16
#define FIELD_MAX  1024

/* ---- CSV reading through libcsv -------------------------------------------------------- */

struct csv_table {
	char ***rows; /* rows[i][j] */
	size_t nrows, cap;
	char *cur[MAX_FIELDS];
	int ncur;
};

static void on_field(void *s, size_t len, void *data)
{
	struct csv_table *t = data;
	if (t->ncur < MAX_FIELDS) {
		char *f = malloc(len + 1);
		memcpy(f, s ? s : "", len);
		f[len] = 0;
		t->cur[t->ncur++] = f;
	}
}

static void on_record(int c, void *data)
{
	(void)c;
	struct csv_table *t = data;
	if (t->nrows == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->rows = realloc(t->rows, t->cap * sizeof *t->rows);
	}
	char **row = calloc(MAX_FIELDS, sizeof *row);
	for (int i = 0; i < MAX_FIELDS; i++)
		row[i] = i < t->ncur ? t->cur[i] : strdup("");
	t->rows[t->nrows++] = row;
	t->ncur = 0;
}

static int csv_read(const char *path, struct csv_table *t)
{
	memset(t, 0, sizeof *t);
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "nmvalidate: %s: %s\n", path, strerror(errno));
		return -1;
	}
	struct csv_parser p;
	csv_init(&p, CSV_APPEND_NULL);
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		if (csv_parse(&p, buf, n, on_field, on_record, t) != n) {
			fprintf(stderr, "nmvalidate: %s: %s\n", path, csv_strerror(csv_error(&p)));
			fclose(f);
			return -1;
		}
	csv_fini(&p, on_field, on_record, t);
	csv_free(&p);
	fclose(f);
	return 0;
}

static int col(const struct csv_table *t, const char *name)
{
	for (int j = 0; t->nrows && j < MAX_FIELDS; j++)
		if (!strcmp(t->rows[0][j], name))
			return j;
	return -1;
}

/* ---- rows ------------------------------------------------------------------------------ */

struct vrow {
	char id[128], machine[32], group[120], file[64];
	char sets[256]; /* --set options of the measurement setup (validation/sources.csv) */
	bool calibration; /* fitted on: reported in groups of their own, marked [calibration] */
	char tensor[256], op[1024];
	char tracegen[512]; /* whole-model rows: tracegen arguments ('+' separates them) */
	char metric[32];
	double value; /* expected, in the metric's unit */
	double work;  /* elements (throughput) or bytes (bandwidth) the metric divides by time */
	double sim;   /* simulated, same unit */
	bool skip;
	char why[160];
};

static struct vrow *rows;
static size_t nrows, caprows;

static const char *const attn_keys[] = { "b",   "hq",     "hkv", "d",   "sq",
	                                 "skv", "causal", "q",   "pat", NULL };
static const char *const vec_keys[] = { "kind", "rows", "cols", "dtype", "inputs", NULL };

static bool key_in(const char *key, size_t len, const char *const *keys)
{
	for (; *keys; keys++)
		if (strlen(*keys) == len && !strncmp(*keys, key, len))
			return true;
	return false;
}

static double kv_num(const char *text, const char *key)
{
	char pat[32];
	snprintf(pat, sizeof pat, " %s=", key);
	const char *p = strstr(text, pat);
	return p ? atof(p + strlen(pat)) : 0;
}

static int dtype_bytes2(const char *text) /* bytes per element x 2 of a vec op's dtype */
{
	const char *p = strstr(text, " dtype=");
	if (!p)
		return 4;
	p += 7;
	if (!strncmp(p, "fp32", 4))
		return 8;
	if (!strncmp(p, "int8", 4) || !strncmp(p, "fp8", 3))
		return 2;
	return 4;
}

/* Turns the note's op description into a simtrace op line; 0 or -1 (with why). */
static int op_from_note(struct vrow *r, const char *note)
{
	const char *p = strstr(note, "op=");
	const char *q = strstr(note, "op ");
	const char *start = p && (!q || p < q) ? p + 3 : q ? q + 3 : NULL;
	if (!start) {
		snprintf(r->why, sizeof r->why, "no op description in the note");
		return -1;
	}
	char kind[16] = "";
	sscanf(start, "%15[a-z]", kind);
	const char *const *keys;
	const char *type = kind;
	if (!strcmp(kind, "attn"))
		keys = attn_keys;
	else if (!strcmp(kind, "vec"))
		keys = vec_keys;
	else if (!strcmp(kind, "copy")) {
		/* A device-to-device copy of `bytes`: a vec copy of fp16 elements. */
		double bytes = kv_num(start - 1, "bytes");
		snprintf(r->op, sizeof r->op,
		         "op vec kind=copy rows=1 cols=%.0f dtype=fp16 name=%s", bytes / 2, r->id);
		return 0;
	} else {
		snprintf(r->why, sizeof r->why, "op kind '%s' not replayable", kind);
		return -1;
	}
	char *o = r->op;
	size_t left = sizeof r->op;
	int w = snprintf(o, left, "op %s", type);
	o += w, left -= (size_t)w;
	/* key=value tokens after the kind, separated by spaces or commas, whitelisted. */
	const char *s = start + strlen(kind);
	while (*s) {
		while (*s == ' ' || *s == ',')
			s++;
		const char *eq = strchr(s, '=');
		const char *end = s + strcspn(s, " ,");
		if (eq && eq < end && key_in(s, (size_t)(eq - s), keys)) {
			w = snprintf(o, left, " %.*s", (int)(end - s), s);
			o += w, left -= (size_t)w;
		}
		s = end;
	}
	snprintf(o, left, " name=%s", r->id);
	return 0;
}

static void row_group(struct vrow *r, const char *a, const char *sp, const char *op_kind)
{
	if (op_kind) {
		snprintf(r->group, sizeof r->group, "%s %s", r->machine, op_kind);
		return;
	}
	const char *cls = !*sp || !strcmp(sp, "dense") ? "dense"
	                  : !strncmp(sp, "nm:2:4", 6)  ? "2:4"
	                  : !strncmp(sp, "nm:", 3)     ? "n:m"
	                  : !strncmp(sp, "vnm:", 4)    ? "vnm"
	                                               : "sparse";
	bool wide = !strcmp(a, "fp16") || !strcmp(a, "bf16") || !*a;
	snprintf(r->group, sizeof r->group, "%s gemm %s%s%s", r->machine, cls, wide ? "" : " ",
	         wide ? "" : a);
}

static void add_rows(const char *path, const char *file)
{
	struct csv_table t;
	if (csv_read(path, &t))
		exit(2);
	int c_id = col(&t, "id"), c_mach = col(&t, "machine"), c_m = col(&t, "m"),
	    c_n = col(&t, "n"), c_k = col(&t, "k"), c_a = col(&t, "a"), c_w = col(&t, "w_dtype"),
	    c_sp = col(&t, "sp"), c_metric = col(&t, "metric"), c_value = col(&t, "value"),
	    c_note = col(&t, "note");
	if (c_id < 0 || c_mach < 0 || c_m < 0 || c_metric < 0 || c_value < 0 || c_note < 0) {
		fprintf(stderr,
		        "nmvalidate: %s: missing columns (need "
		        "id,machine,m,n,k,a,w_dtype,sp,metric,value,unit,source,note)\n",
		        path);
		exit(2);
	}
	for (size_t i = 1; i < t.nrows; i++) {
		char **f = t.rows[i];
		if (!*f[c_id])
			continue;
		if (nrows == caprows) {
			caprows = caprows ? 2 * caprows : 256;
			rows = realloc(rows, caprows * sizeof *rows);
		}
		struct vrow *r = &rows[nrows++];
		memset(r, 0, sizeof *r);
		snprintf(r->id, sizeof r->id, "%s", f[c_id]);
		snprintf(r->machine, sizeof r->machine, "%s", f[c_mach]);
		snprintf(r->metric, sizeof r->metric, "%s", f[c_metric]);
		snprintf(r->file, sizeof r->file, "%.63s", file);
		r->value = atof(f[c_value]);
		const char *a = f[c_a], *wd = f[c_w], *sp = f[c_sp];
		if (strstr(f[c_note], "timing=eager")) {
			/* Eager timings include the framework's host overhead per call: the
			 * graph-timed twin of the row is the one validated. */
			r->skip = true;
			snprintf(r->why, sizeof r->why, "eager timing (host overhead included)");
			row_group(r, a, sp, "other");
			continue;
		}
		const char *ratio = strstr(f[c_note], "ratio=");
		if (!strcmp(r->metric, "speedup") && ratio) {
			/* Derived row: simulated time of row A over that of row B (filled in later). */
			snprintf(r->op, sizeof r->op, "%s", ratio + 6);
			r->op[strcspn(r->op, " ;,")] = 0;
			snprintf(r->group, sizeof r->group, "%s speedup %s", r->machine,
			         !strncmp(sp, "nm:2:4", 6) ? "2:4"
			         : !strncmp(sp, "vnm:", 4) ? "vnm"
			                                   : "sparse");
			r->work = -1; /* marks a ratio row */
			continue;
		}
		if (*f[c_m] && *f[c_n] && *f[c_k]) {
			row_group(r, a, sp, NULL);
			const char *adt = *a ? a : "fp16";
			if (*wd) {
				snprintf(r->tensor, sizeof r->tensor,
				         "tensor id=t%zu role=weight shape=%sx%s dtype=%s%s%s",
				         nrows, f[c_n], f[c_k], wd,
				         *sp && strcmp(sp, "dense") ? " sp=" : "",
				         *sp && strcmp(sp, "dense") ? sp : "");
				snprintf(r->op, sizeof r->op,
				         "op gemm m=%s n=%s k=%s w=t%zu a=%s out=%s name=%s",
				         f[c_m], f[c_n], f[c_k], nrows, adt,
				         !strcmp(adt, "int8") || !strncmp(adt, "fp8", 3) ? "bf16"
				                                                         : adt,
				         r->id);
			} else {
				snprintf(r->op, sizeof r->op,
				         "op gemm m=%s n=%s k=%s b=%s a=%s name=%s", f[c_m], f[c_n],
				         f[c_k], adt, adt, r->id);
			}
			if (strcmp(r->metric, "time_ms")) {
				r->skip = true;
				snprintf(r->why, sizeof r->why, "metric %s on a GEMM row",
				         r->metric);
			}
			continue;
		}
		const char *tg = strstr(f[c_note], "tracegen=");
		if (tg && !strcmp(r->metric, "time_per_token_ms")) {
			/* A whole model: generate its trace, compare the mean decode step. */
			snprintf(r->tracegen, sizeof r->tracegen, "%s", tg + 9);
			r->tracegen[strcspn(r->tracegen, " ;,\"")] = 0;
			for (char *p = r->tracegen; *p; p++)
				if (*p == '+')
					*p = ' ';
			row_group(r, a, sp, "decode");
			r->work = -2; /* marks a model row */
			continue;
		}
		if (op_from_note(r, f[c_note])) {
			r->skip = true;
			row_group(r, a, sp, "other");
			continue;
		}
		char kind[16] = "vec";
		sscanf(r->op + 3, "%15s", kind);
		if (strstr(r->op, "kind=copy"))
			snprintf(kind, sizeof kind, "copy");
		row_group(r, a, sp, kind);
		double rows_ = kv_num(r->op, "rows"), cols = kv_num(r->op, "cols");
		double inputs = kv_num(r->op, "inputs");
		if (!strcmp(r->metric, "throughput_gelem_s"))
			r->work = rows_ * cols;
		else if (!strcmp(r->metric, "bandwidth_gb_s") && strstr(f[c_note], "bytes_counted=") &&
			 isdigit((unsigned char)strstr(f[c_note], "bytes_counted=")[14]))
			/* The measurement's own byte count (e.g. read + write of every input). */
			r->work = atof(strstr(f[c_note], "bytes_counted=") + 14);
		else if (!strcmp(r->metric, "bandwidth_gb_s"))
			r->work =
			    rows_ * cols * (inputs > 0 ? inputs + 1 : 2) * dtype_bytes2(r->op) / 2;
		else if (strcmp(r->metric, "time_ms")) {
			r->skip = true;
			snprintf(r->why, sizeof r->why,
			         "metric %s needs a model trace (tracegen, issue 4)", r->metric);
		}
	}
	for (size_t i = 0; i < t.nrows; i++) {
		for (int j = 0; j < MAX_FIELDS; j++)
			free(t.rows[i][j]);
		free(t.rows[i]);
	}
	free(t.rows);
}

/* ---- replay through simrun ------------------------------------------------------------- */

static int run_machine(const char *root, const char *simrun, const char *machine, const char *cfg,
                       const char *sets)
{
	char trace[] = "/tmp/nmvalidate-trace-XXXXXX", out[] = "/tmp/nmvalidate-out-XXXXXX";
	int tfd = mkstemp(trace), ofd = mkstemp(out);
	if (tfd < 0 || ofd < 0)
		return -1;
	close(ofd);
	FILE *f = fdopen(tfd, "w");
	fprintf(f, "simtrace 1\nmeta source=nmvalidate machine=%s\n", machine);
	size_t nops = 0;
	for (size_t i = 0; i < nrows; i++) {
		struct vrow *r = &rows[i];
		if (r->skip || r->work < 0 || strcmp(r->machine, machine) || strcmp(r->sets, sets))
			continue;
		if (*r->tensor)
			fprintf(f, "%s\n", r->tensor);
		fprintf(f, "%s\n", r->op);
		nops++;
	}
	fclose(f);
	int rc = -1;
	if (nops) {
		char cmd[8192];
		snprintf(cmd, sizeof cmd,
		         "cd '%s' && '%s' -q --arch '%s' %s --csv '%s' '%s' >/dev/null", root,
		         simrun, cfg, sets, out, trace);
		int st = system(cmd);
		if (st != 0) {
			fprintf(stderr, "nmvalidate: simrun failed for %s (status %d): %s\n",
			        machine, st, cmd);
			goto done;
		}
		struct csv_table t;
		if (csv_read(out, &t))
			goto done;
		int c_time = col(&t, "time_s");
		size_t op = 1;
		for (size_t i = 0; i < nrows; i++) {
			struct vrow *r = &rows[i];
			if (r->skip || r->work < 0 || strcmp(r->machine, machine) ||
			    strcmp(r->sets, sets))
				continue;
			if (op >= t.nrows)
				break;
			double s = atof(t.rows[op++][c_time]);
			if (!strcmp(r->metric, "time_ms") ||
			    !strcmp(r->metric, "time_per_token_ms"))
				r->sim = s * 1e3;
			else if (!strcmp(r->metric, "throughput_gelem_s"))
				r->sim = r->work / s * 1e-9;
			else
				r->sim = r->work / s * 1e-9; /* GB/s */
		}
		for (size_t i = 0; i < t.nrows; i++) {
			for (int j = 0; j < MAX_FIELDS; j++)
				free(t.rows[i][j]);
			free(t.rows[i]);
		}
		free(t.rows);
	}
	rc = 0;
done:
	unlink(trace);
	unlink(out);
	return rc;
}

/* ---- groups and the table -------------------------------------------------------------- */

struct vgroup {
	char name[120];
	double tol;
	char role[24];
	double sum_ape;
	size_t n;
};

int main(int argc, char **argv)
{
	const char *root = ".", *simrun = "build/simrun", *only = NULL, *results = NULL;
	bool verbose = false;
	size_t nskipped = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--root") && i + 1 < argc)
			root = argv[++i];
		else if (!strcmp(argv[i], "--simrun") && i + 1 < argc)
			simrun = argv[++i];
		else if (!strcmp(argv[i], "--machine") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--results") && i + 1 < argc)
			results = argv[++i];
		else if (!strcmp(argv[i], "-v"))
			verbose = true;
		else {
			fprintf(stderr, "usage: nmvalidate [--root DIR] [--simrun PATH] [--machine "
			                "NAME] [--results FILE] [-v]\n");
			return 2;
		}
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/validation/data", root);
	DIR *d = opendir(path);
	if (!d) {
		fprintf(stderr, "nmvalidate: %s: %s\n", path, strerror(errno));
		return 2;
	}
	/* Files in name order, so the table is deterministic. */
	struct dirent **names;
	closedir(d);
	int nfiles = scandir(path, &names, NULL, alphasort);
	for (int i = 0; i < nfiles; i++) {
		size_t len = strlen(names[i]->d_name);
		if (len > 4 && !strcmp(names[i]->d_name + len - 4, ".csv")) {
			char file[4400];
			snprintf(file, sizeof file, "%s/%s", path, names[i]->d_name);
			add_rows(file, names[i]->d_name);
		}
		free(names[i]);
	}
	free(names);

	struct csv_table machines, groups_t;
	snprintf(path, sizeof path, "%s/validation/machines.csv", root);
	if (csv_read(path, &machines))
		return 2;
	snprintf(path, sizeof path, "%s/validation/groups.csv", root);
	if (csv_read(path, &groups_t))
		return 2;
	/* The measurement setup of each row: --set options from validation/sources.csv
	 * (file, id prefix, sets), e.g. the host overhead of per-call synchronous timing. */
	struct csv_table sources;
	snprintf(path, sizeof path, "%s/validation/sources.csv", root);
	if (csv_read(path, &sources))
		return 2;
	for (size_t i = 0; i < nrows; i++)
		for (size_t j = 1; j < sources.nrows; j++)
			if (!strcmp(sources.rows[j][0], rows[i].file) &&
			    !fnmatch(sources.rows[j][1], rows[i].id, 0)) {
				/* The first matching rule wins. */
				snprintf(rows[i].sets, sizeof rows[i].sets, "%s", sources.rows[j][2]);
				/* Calibration rows and rows excluded for a stated reason report in
				 * groups of their own. */
				rows[i].calibration = !strcmp(sources.rows[j][3], "calibration");
				if (*sources.rows[j][3] && strcmp(sources.rows[j][3], "validation")) {
					char tag[40];
					snprintf(tag, sizeof tag, " [%.30s]", sources.rows[j][3]);
					strncat(rows[i].group, tag,
						sizeof rows[i].group - strlen(rows[i].group) - 1);
				}
				break;
			}
	for (size_t i = 1; i < machines.nrows; i++) {
		const char *m = machines.rows[i][0];
		if (only && strcmp(only, m))
			continue;
		/* One simrun per distinct setup of this machine. */
		for (size_t j = 0; j < nrows; j++) {
			if (strcmp(rows[j].machine, m) || rows[j].skip || rows[j].work < 0)
				continue;
			bool seen = false;
			for (size_t k = 0; k < j && !seen; k++)
				seen = !strcmp(rows[k].machine, m) && !rows[k].skip &&
				       rows[k].work >= 0 && !strcmp(rows[k].sets, rows[j].sets);
			if (!seen &&
			    run_machine(root, simrun, m, machines.rows[i][1], rows[j].sets))
				return 1;
		}
	}

	/* Whole-model rows: tracegen, then simrun; the mean time of the decode steps. */
	for (size_t i = 0; i < nrows; i++) {
		struct vrow *r = &rows[i];
		if (r->work != -2 || r->skip || (only && strcmp(only, r->machine)))
			continue;
		const char *cfg = NULL;
		for (size_t j = 1; j < machines.nrows; j++)
			if (!strcmp(machines.rows[j][0], r->machine))
				cfg = machines.rows[j][1];
		char trace[] = "/tmp/nmvalidate-model-XXXXXX", json[] = "/tmp/nmvalidate-json-XXXXXX";
		int tfd = mkstemp(trace), jfd = mkstemp(json);
		if (!cfg || tfd < 0 || jfd < 0)
			return 2;
		close(tfd);
		close(jfd);
		char dir[4096];
		snprintf(dir, sizeof dir, "%s", simrun);
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = 0;
		else
			snprintf(dir, sizeof dir, ".");
		char cmd[8192];
		snprintf(cmd, sizeof cmd,
			 "cd '%s' && '%s/tracegen' %s -o '%s' && '%s' -q --arch '%s' %s --json '%s' '%s' >/dev/null",
			 root, dir, r->tracegen, trace, simrun, cfg, r->sets, json, trace);
		if (system(cmd) != 0) {
			fprintf(stderr, "nmvalidate: %s: failed: %s\n", r->id, cmd);
			return 1;
		}
		json_object *rep = json_object_from_file(json), *steps;
		double sum = 0;
		int n = 0;
		if (rep && json_object_object_get_ex(rep, "steps", &steps))
			for (size_t k = 0; k < json_object_array_length(steps); k++) {
				json_object *st = json_object_array_get_idx(steps, k), *kind, *t;
				if (json_object_object_get_ex(st, "kind", &kind) &&
				    !strcmp(json_object_get_string(kind), "decode") &&
				    json_object_object_get_ex(st, "time_s", &t)) {
					sum += json_object_get_double(t);
					n++;
				}
			}
		json_object_put(rep);
		unlink(trace);
		unlink(json);
		if (!n) {
			r->skip = true;
			snprintf(r->why, sizeof r->why, "no decode step in the generated trace");
			continue;
		}
		r->sim = sum / n * 1e3;
	}

	/* Ratio rows: simulated A / simulated B. */
	for (size_t i = 0; i < nrows; i++) {
		struct vrow *r = &rows[i];
		if (r->work != -1 || r->skip)
			continue;
		char *slash = strchr(r->op, '/');
		const struct vrow *num = NULL, *den = NULL;
		if (slash) {
			*slash = 0;
			for (size_t j = 0; j < nrows; j++) {
				if (!strcmp(rows[j].id, r->op))
					num = &rows[j];
				if (!strcmp(rows[j].id, slash + 1))
					den = &rows[j];
			}
			*slash = '/';
		}
		if (!num || !den || num->sim <= 0 || den->sim <= 0) {
			r->skip = true;
			snprintf(r->why, sizeof r->why,
			         "ratio %.120s: rows not found or not simulated", r->op);
			continue;
		}
		r->sim = num->sim / den->sim;
	}

	struct vgroup groups[128];
	size_t ngroups = 0;
	FILE *res = results ? fopen(results, "w") : NULL;
	if (res)
		fprintf(res, "id,group,metric,expected,simulated,error_pct\n");
	printf("%-46s %-40s %12s %12s %9s\n", "row", "group", "expected", "simulated", "error");
	for (size_t i = 0; i < nrows; i++) {
		struct vrow *r = &rows[i];
		if (only && strcmp(only, r->machine))
			continue;
		if (r->skip) {
			nskipped++;
			if (verbose)
				printf("%-46.46s %-40.40s %12.4g %12s  skipped: %s\n", r->id, r->group,
				       r->value, "-", r->why);
			continue;
		}
		double err = r->value > 0 ? (r->sim - r->value) / r->value * 100 : NAN;
		printf("%-46.46s %-40.40s %12.4g %12.4g %+8.1f%%\n", r->id, r->group, r->value,
		       r->sim, err);
		if (res)
			fprintf(res, "%s,%s,%s,%.6g,%.6g,%.2f\n", r->id, r->group, r->metric,
			        r->value, r->sim, err);
		size_t g = 0;
		while (g < ngroups && strcmp(groups[g].name, r->group))
			g++;
		if (g == ngroups && ngroups < 128) {
			memset(&groups[g], 0, sizeof groups[g]);
			snprintf(groups[g].name, sizeof groups[g].name, "%s", r->group);
			groups[g].tol = -1;
			for (size_t j = 1; j < groups_t.nrows; j++)
				if (!strcmp(groups_t.rows[j][0], r->group)) {
					groups[g].tol = *groups_t.rows[j][1] ? atof(groups_t.rows[j][1]) : -1;
					snprintf(groups[g].role, sizeof groups[g].role, "%s",
					         groups_t.rows[j][2]);
				}
			ngroups++;
		}
		if (g < ngroups && isfinite(err)) {
			groups[g].sum_ape += fabs(err);
			groups[g].n++;
		}
	}
	if (res)
		fclose(res);
	if (nskipped)
		printf("(%zu rows skipped: metrics that need a model trace, or secondary timings such as "
		       "eager or per-algorithm; -v lists them)\n",
		       nskipped);
	int failed = 0;
	printf("\n%-46s %5s %8s %10s  %-12s %s\n", "group", "rows", "MAPE", "tolerance", "role",
	       "verdict");
	for (size_t g = 0; g < ngroups; g++) {
		double mape = groups[g].n ? groups[g].sum_ape / groups[g].n : 0;
		const char *verdict = groups[g].tol < 0       ? "no tolerance set"
		                      : mape <= groups[g].tol ? "PASS"
		                                              : "FAIL";
		if (groups[g].tol >= 0 && mape > groups[g].tol)
			failed = 1;
		char tol[16] = "-";
		if (groups[g].tol >= 0)
			snprintf(tol, sizeof tol, "%.0f%%", groups[g].tol);
		printf("%-46s %5zu %7.1f%% %10s  %-12s %s\n", groups[g].name, groups[g].n, mape,
		       tol, groups[g].role[0] ? groups[g].role : "-", verdict);
	}
	return failed;
}
