/* vrow_read — reads the validation data and its tables (see vrow.h) with libcsv. */
#include <csv.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wordexp.h>

#include "validation/vrow.h"

/* ---- allocation ------------------------------------------------------------------------- */

static void *vx_check(void *p)
{
	if (!p) {
		fprintf(stderr, "nmvalidate: out of memory\n");
		exit(1);
	}
	return p;
}

void *vx_malloc(size_t n)
{
	return vx_check(malloc(n ? n : 1));
}

void *vx_realloc(void *p, size_t n)
{
	return vx_check(realloc(p, n ? n : 1));
}

char *vx_strdup(const char *s)
{
	return vx_check(strdup(s));
}

char *vx_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		fprintf(stderr, "nmvalidate: out of memory\n");
		exit(1);
	}
	return s;
}

/* ---- CSV tables ------------------------------------------------------------------------- */

static void on_field(void *s, size_t len, void *data)
{
	struct vcsv_table *t = data;
	if (t->cur.n == t->cur_cap) {
		t->cur_cap = t->cur_cap ? 2 * t->cur_cap : 16;
		t->cur.f = vx_realloc(t->cur.f, t->cur_cap * sizeof *t->cur.f);
	}
	char *f = vx_malloc(len + 1);
	memcpy(f, s ? s : "", len);
	f[len] = 0;
	t->cur.f[t->cur.n++] = f;
}

static void on_record(int c, void *data)
{
	(void)c;
	struct vcsv_table *t = data;
	if (t->nrows == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->rows = vx_realloc(t->rows, t->cap * sizeof *t->rows);
	}
	t->rows[t->nrows++] = t->cur;
	t->cur = (struct vcsv_row){ NULL, 0 };
	t->cur_cap = 0;
}

void vcsv_free(struct vcsv_table *t)
{
	for (size_t i = 0; i < t->nrows; i++) {
		for (size_t j = 0; j < t->rows[i].n; j++)
			free(t->rows[i].f[j]);
		free(t->rows[i].f);
	}
	free(t->rows);
	memset(t, 0, sizeof *t);
}

int vcsv_read(const char *path, struct vcsv_table *t)
{
	memset(t, 0, sizeof *t);
	t->path = path;
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "nmvalidate: %s: %s\n", path, strerror(errno));
		return -1;
	}
	struct csv_parser p;
	csv_init(&p, CSV_APPEND_NULL);
	char buf[8192];
	size_t n;
	int rc = 0;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		if (csv_parse(&p, buf, n, on_field, on_record, t) != n) {
			fprintf(stderr, "nmvalidate: %s: %s\n", path, csv_strerror(csv_error(&p)));
			rc = -1;
			break;
		}
	if (!rc && ferror(f)) {
		fprintf(stderr, "nmvalidate: %s: read error\n", path);
		rc = -1;
	}
	if (!rc)
		csv_fini(&p, on_field, on_record, t);
	csv_free(&p);
	fclose(f);
	for (size_t j = 0; j < t->cur.n; j++)
		free(t->cur.f[j]);
	free(t->cur.f);
	if (!rc && !t->nrows) {
		fprintf(stderr, "nmvalidate: %s: empty (a header row is needed)\n", path);
		rc = -1;
	}
	if (rc)
		vcsv_free(t);
	return rc;
}

/* Index of a header column; -1 if absent. */
int vcsv_col(const struct vcsv_table *t, const char *name)
{
	for (size_t j = 0; j < t->rows[0].n; j++)
		if (!strcmp(t->rows[0].f[j], name))
			return (int)j;
	return -1;
}

/* Field j of row i ("" past the row's end). */
const char *vcsv_get(const struct vcsv_table *t, size_t i, int j)
{
	return j >= 0 && (size_t)j < t->rows[i].n ? t->rows[i].f[j] : "";
}

/* Checks that every named column exists; reports the first missing one. */
static int csv_need(const struct vcsv_table *t, const char *const *names)
{
	for (; *names; names++)
		if (vcsv_col(t, *names) < 0) {
			fprintf(stderr, "nmvalidate: %s: no column '%s' in the header\n", t->path,
			        *names);
			return -1;
		}
	return 0;
}

/* ---- one row ---------------------------------------------------------------------------- */

struct row_src {
	const struct vcsv_table *t;
	size_t i; /* row index (1-based data row = CSV line for single-line records) */
	int c_id, c_machine, c_m, c_n, c_k, c_a, c_w, c_sp, c_metric, c_value, c_note;
};

static int row_fail(const struct row_src *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int row_fail(const struct row_src *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "nmvalidate: %s: row %zu (%s): ", s->t->path, s->i,
	        vcsv_get(s->t, s->i, s->c_id));
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return -1;
}

static const char *sparsity_class(const char *sp)
{
	return !*sp || !strcmp(sp, "dense") ? "dense"
	       : !strncmp(sp, "nm:2:4", 6)  ? "2:4"
	       : !strncmp(sp, "nm:", 3)     ? "n:m"
	       : !strncmp(sp, "vnm:", 4)    ? "vnm"
	                                    : "sparse";
}

/* The group of a GEMM row: machine, sparsity class, and the activation type unless 16-bit. */
static char *gemm_group(const char *machine, const char *a, const char *sp)
{
	bool wide = !strcmp(a, "fp16") || !strcmp(a, "bf16") || !*a;
	return vx_printf("%s gemm %s%s%s", machine, sparsity_class(sp), wide ? "" : " ",
	                 wide ? "" : a);
}

static void row_skip(struct vrow *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void row_skip(struct vrow *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(r->why);
	if (vasprintf(&r->why, fmt, ap) < 0)
		r->why = vx_strdup("?");
	va_end(ap);
	r->skip = true;
}

/* The number after " key=" in text, 0 if absent. */
static double note_num(const char *text, const char *key)
{
	char pat[32];
	snprintf(pat, sizeof pat, " %s=", key);
	const char *p = strstr(text, pat);
	return p ? atof(p + strlen(pat)) : 0;
}

static int parse_size(const struct row_src *s, const char *key, const char *v, uint64_t *out)
{
	if (trace_int_parse(v, out) || *out == 0)
		return row_fail(s, "%s=%s: expected a positive integer", key, v);
	return 0;
}

/* One key=value of an attention or vec op described in a note; unknown keys (backend=,
 * timing=, reps=...) describe the measurement and are ignored. */
static int note_field(const struct row_src *s, struct trace_op *op, const char *key, const char *v)
{
	char err[160];
	if (op->type == TRACE_OP_ATTN) {
		static const char *const sizes[] = { "b", "hq", "hkv", "d", "sq", "skv" };
		uint64_t *dst[] = { &op->attn.b, &op->attn.hq, &op->attn.hkv,
			            &op->attn.d, &op->attn.sq, &op->attn.skv };
		for (size_t i = 0; i < 6; i++)
			if (!strcmp(key, sizes[i]))
				return parse_size(s, key, v, dst[i]);
		if (!strcmp(key, "causal")) {
			if (strcmp(v, "0") && strcmp(v, "1"))
				return row_fail(s, "causal=%s: must be 0 or 1", v);
			op->attn.causal = v[0] == '1';
		} else if (!strcmp(key, "q")) {
			if (trace_dtype_parse(v, &op->attn.q))
				return row_fail(s, "q=%s: unknown dtype", v);
		} else if (!strcmp(key, "pat")) {
			if (trace_pattern_parse(v, &op->attn.pat, err, sizeof err))
				return row_fail(s, "pat=%s: %s", v, err);
		}
		return 0;
	}
	if (!strcmp(key, "kind")) {
		if (trace_vec_kind_parse(v, &op->vec.kind))
			return row_fail(s, "kind=%s: unknown vec kind", v);
	} else if (!strcmp(key, "rows")) {
		return parse_size(s, key, v, &op->vec.rows);
	} else if (!strcmp(key, "cols")) {
		return parse_size(s, key, v, &op->vec.cols);
	} else if (!strcmp(key, "inputs")) {
		return parse_size(s, key, v, &op->vec.inputs);
	} else if (!strcmp(key, "dtype")) {
		if (trace_dtype_parse(v, &op->vec.dtype))
			return row_fail(s, "dtype=%s: unknown dtype", v);
	}
	return 0;
}

/* The op a note describes (`op=attn ...`, `op vec ...`, `op=copy bytes=N`). 1 when the note
 * describes none (the row is skipped), 0 on success, -1 on a malformed description. */
static int note_op(const struct row_src *s, const char *note, struct trace_op *op)
{
	const char *p = strstr(note, "op="), *q = strstr(note, "op ");
	const char *start = p && (!q || p < q) ? p + 3 : q ? q + 3 : NULL;
	if (!start)
		return 1;
	size_t klen = strspn(start, "abcdefghijklmnopqrstuvwxyz");
	memset(op, 0, sizeof *op);
	op->layer = -1;
	if (klen == 4 && !strncmp(start, "copy", 4)) {
		/* A device-to-device copy of `bytes`: a vec copy of fp16 elements. */
		op->type = TRACE_OP_VEC;
		op->vec =
		    (__typeof__(op->vec)){ .kind = TRACE_VEC_COPY,
			                   .rows = 1,
			                   .cols = (uint64_t)(note_num(start - 1, "bytes") / 2),
			                   .inputs = 1,
			                   .dtype = TRACE_DT_FP16 };
		return 0;
	}
	if (klen == 4 && !strncmp(start, "attn", 4)) {
		op->type = TRACE_OP_ATTN;
		op->attn.causal = true;
		op->attn.q = TRACE_DT_FP16;
		op->attn.pat = (struct trace_pattern){ .kind = TRACE_PAT_DENSE, .density = 1 };
	} else if (klen == 3 && !strncmp(start, "vec", 3)) {
		op->type = TRACE_OP_VEC;
		op->vec.dtype = TRACE_DT_FP16;
	} else {
		return 1;
	}
	bool inputs = false;
	/* key=value tokens after the kind, separated by spaces or commas. */
	for (const char *t = start + klen; *t;) {
		t += strspn(t, " ,");
		size_t len = strcspn(t, " ,");
		const char *eq = memchr(t, '=', len);
		if (eq) {
			char key[32], val[128];
			snprintf(key, sizeof key, "%.*s", (int)(eq - t), t);
			snprintf(val, sizeof val, "%.*s", (int)(t + len - eq - 1), eq + 1);
			inputs |= !strcmp(key, "inputs");
			if (note_field(s, op, key, val))
				return -1;
		}
		t += len;
	}
	if (op->type == TRACE_OP_VEC && !inputs)
		op->vec.inputs = trace_vec_kind_default_inputs(op->vec.kind);
	return 0;
}

/* A GEMM row: C[m x n] = A[m x k] . W (w_dtype given) or an activation B. */
static int gemm_row(const struct row_src *s, struct vrow *r, size_t index)
{
	const char *a = vcsv_get(s->t, s->i, s->c_a), *wd = vcsv_get(s->t, s->i, s->c_w);
	const char *sp = vcsv_get(s->t, s->i, s->c_sp);
	struct trace_op *op = &r->op;
	memset(op, 0, sizeof *op);
	op->type = TRACE_OP_GEMM;
	op->layer = -1;
	op->gemm.count = 1;
	op->gemm.asp = 1;
	if (parse_size(s, "m", vcsv_get(s->t, s->i, s->c_m), &op->gemm.m) ||
	    parse_size(s, "n", vcsv_get(s->t, s->i, s->c_n), &op->gemm.n) ||
	    parse_size(s, "k", vcsv_get(s->t, s->i, s->c_k), &op->gemm.k))
		return -1;
	if (trace_dtype_parse(*a ? a : "fp16", &op->gemm.a))
		return row_fail(s, "a=%s: unknown dtype", a);
	/* int8 and fp8 GEMMs write bf16 (torch._int_mm, _scaled_mm, cuSPARSELt's setup). */
	op->gemm.out = op->gemm.a == TRACE_DT_INT8 || op->gemm.a == TRACE_DT_FP8E4M3 ||
	                       op->gemm.a == TRACE_DT_FP8E5M2
	                   ? TRACE_DT_BF16
	                   : op->gemm.a;
	if (!*wd) {
		op->gemm.b = op->gemm.a;
		op->gemm.out = op->gemm.a;
		return 0;
	}
	struct trace_tensor *w = &r->weight;
	memset(w, 0, sizeof *w);
	w->id = vx_printf("t%zu", index);
	w->role = TRACE_ROLE_WEIGHT;
	w->rows = op->gemm.n;
	w->cols = op->gemm.k;
	w->sp = (struct trace_sparsity){ .kind = TRACE_SP_DENSE, .density = 1 };
	w->q.kind = TRACE_Q_NONE;
	if (trace_dtype_parse(wd, &w->dtype))
		return row_fail(s, "w_dtype=%s: unknown dtype", wd);
	char err[160];
	if (*sp && strcmp(sp, "dense") && trace_sparsity_parse(sp, &w->sp, err, sizeof err))
		return row_fail(s, "sp=%s: %s", sp, err);
	/* op->gemm.w is pointed at the weight when the op is written (rows move as they grow). */
	op->gemm.b = TRACE_DT_FP16;
	r->has_weight = true;
	return 0;
}

/* tracegen=ARGS: '+' separates the arguments. */
static void model_args(struct vrow *r, const char *note)
{
	const char *tg = strstr(note, "tracegen=") + 9;
	char *args = vx_printf("%.*s", (int)strcspn(tg, " ;,\""), tg);
	for (char *p = strtok(args, "+"); p; p = strtok(NULL, "+")) {
		r->tracegen_argv =
		    vx_realloc(r->tracegen_argv, (r->tracegen_argc + 1) * sizeof(char *));
		r->tracegen_argv[r->tracegen_argc++] = vx_strdup(p);
	}
	free(args);
}

/* Whole-model metrics (see vrow.h). */
static bool model_metric(const char *metric)
{
	static const char *const names[] = { "time_per_token_ms", "time_ms", "energy_mj", "gops_s",
		                             "gops_j" };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (!strcmp(metric, names[i]))
			return true;
	return false;
}

/* Fills r from data row s->i by its kind; 0, or -1 on malformed data. */
static int read_row_kind(const struct row_src *s, struct vrow *r, const char *file, size_t index)
{
	const char *note = vcsv_get(s->t, s->i, s->c_note);
	const char *a = vcsv_get(s->t, s->i, s->c_a), *sp = vcsv_get(s->t, s->i, s->c_sp);
	memset(r, 0, sizeof *r);
	r->sim = -1;
	r->roof = -1;
	r->id = vx_strdup(vcsv_get(s->t, s->i, s->c_id));
	r->machine = vx_strdup(vcsv_get(s->t, s->i, s->c_machine));
	r->metric = vx_strdup(vcsv_get(s->t, s->i, s->c_metric));
	r->file = vx_strdup(file);
	r->sets = vx_strdup("");
	char *end;
	const char *value = vcsv_get(s->t, s->i, s->c_value);
	r->has_value = *value != 0;
	r->value = r->has_value ? strtod(value, &end) : 0;
	if (r->has_value && (end == value || *end))
		return row_fail(s, "value '%s' is not a number", value);
	if (strstr(note, "timing=eager")) {
		/* Eager timings include the framework's host overhead per call: the graph-timed
		 * twin of the row is the one validated. */
		row_skip(r, "eager timing (host overhead included)");
		r->group = vx_printf("%s other", r->machine);
		return 0;
	}
	const char *ratio = strstr(note, "ratio=");
	if ((!strcmp(r->metric, "speedup") || !strcmp(r->metric, "energy_reduction")) && ratio) {
		/* Simulated time of row A over that of row B. */
		r->kind = VROW_RATIO;
		char *spec = vx_printf("%.*s", (int)strcspn(ratio + 6, " ;,"), ratio + 6);
		char *slash = strchr(spec, '/');
		if (!slash) {
			free(spec);
			return row_fail(s, "ratio= needs NUM/DEN row ids");
		}
		*slash = 0;
		r->num_id = vx_strdup(spec);
		r->den_id = vx_strdup(slash + 1);
		free(spec);
		r->group = vx_printf("%s speedup %s", r->machine,
		                     !strncmp(sp, "nm:2:4", 6) ? "2:4"
		                     : !strncmp(sp, "vnm:", 4) ? "vnm"
		                                               : "sparse");
		return 0;
	}
	if (*vcsv_get(s->t, s->i, s->c_m) && *vcsv_get(s->t, s->i, s->c_n) &&
	    *vcsv_get(s->t, s->i, s->c_k)) {
		r->group = gemm_group(r->machine, a, sp);
		if (gemm_row(s, r, index))
			return -1;
		if (strcmp(r->metric, "time_ms"))
			row_skip(r, "metric %s on a GEMM row", r->metric);
		return 0;
	}
	if (strstr(note, "tracegen=") && model_metric(r->metric)) {
		/* A whole model: generate its trace, compare the mean decode step or the whole. */
		r->kind = VROW_MODEL;
		model_args(r, note);
		r->group = vx_printf("%s %s", r->machine,
		                     !strcmp(r->metric, "time_per_token_ms") ? "decode" : "model");
		return 0;
	}
	int rc = note_op(s, note, &r->op);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		row_skip(r, "no replayable op description in the note");
		r->group = vx_printf("%s other", r->machine);
		return 0;
	}
	const char *kind = r->op.type == TRACE_OP_ATTN        ? "attn"
	                   : r->op.vec.kind == TRACE_VEC_COPY ? "copy"
	                                                      : "vec";
	r->group = vx_printf("%s %s", r->machine, kind);
	if (r->op.type == TRACE_OP_VEC) {
		double elems = (double)r->op.vec.rows * (double)r->op.vec.cols;
		const char *counted = strstr(note, "bytes_counted=");
		if (!strcmp(r->metric, "throughput_gelem_s"))
			r->work = elems;
		else if (!strcmp(r->metric, "bandwidth_gb_s") && counted && counted[14] >= '0' &&
		         counted[14] <= '9')
			/* The measurement's own byte count (e.g. read + write of every input). */
			r->work = atof(counted + 14);
		else if (!strcmp(r->metric, "bandwidth_gb_s")) {
			/* Every input read once and the output written once; an op with no
			 * inputs= in its note counts one input. */
			double inputs = note_num(note, "inputs");
			r->work = elems * (inputs > 0 ? inputs + 1 : 2) *
			          trace_dtype_bits(r->op.vec.dtype) / 8;
		}
	}
	if (strcmp(r->metric, "time_ms") && r->work <= 0)
		row_skip(r, "metric %s needs a model trace", r->metric);
	return 0;
}

/* Fills r from data row s->i; a note's group=NAME names its group. 0, or -1. */
static int read_row(const struct row_src *s, struct vrow *r, const char *file, size_t index)
{
	if (read_row_kind(s, r, file, index))
		return -1;
	const char *note = vcsv_get(s->t, s->i, s->c_note);
	const char *g = strstr(note, "group=");
	if (g && (g == note || g[-1] == ' ' || g[-1] == ';')) {
		g += 6;
		size_t len = strcspn(g, ";,\"");
		while (len && g[len - 1] == ' ')
			len--;
		if (!len)
			return row_fail(s, "group= names no group");
		free(r->group);
		r->group = vx_printf("%.*s", (int)len, g);
	}
	return 0;
}

static int read_data_file(struct vdata *d, const char *path, const char *file)
{
	static const char *const need[] = { "id",      "machine", "m",      "n",     "k",    "a",
		                            "w_dtype", "sp",      "metric", "value", "note", NULL };
	struct vcsv_table t;
	if (vcsv_read(path, &t))
		return -1;
	if (csv_need(&t, need)) {
		vcsv_free(&t);
		return -1;
	}
	struct row_src s = { &t,
		             0,
		             vcsv_col(&t, "id"),
		             vcsv_col(&t, "machine"),
		             vcsv_col(&t, "m"),
		             vcsv_col(&t, "n"),
		             vcsv_col(&t, "k"),
		             vcsv_col(&t, "a"),
		             vcsv_col(&t, "w_dtype"),
		             vcsv_col(&t, "sp"),
		             vcsv_col(&t, "metric"),
		             vcsv_col(&t, "value"),
		             vcsv_col(&t, "note") };
	int rc = 0;
	for (s.i = 1; s.i < t.nrows && !rc; s.i++) {
		if (!*vcsv_get(&t, s.i, s.c_id))
			continue;
		if (d->nrows == d->cap) {
			d->cap = d->cap ? 2 * d->cap : 256;
			d->rows = vx_realloc(d->rows, d->cap * sizeof *d->rows);
		}
		rc = read_row(&s, &d->rows[d->nrows], file, d->nrows + 1);
		d->nrows++;
	}
	vcsv_free(&t);
	return rc;
}

/* ---- the tables ------------------------------------------------------------------------- */

/* sources.csv: the rules whose file and id glob match set a row's setup (all of them) and
 * split (the first that gives one);
 * calibration rows and rows excluded for a stated reason report in groups of their own. */
static int apply_sources(struct vdata *d, const char *path)
{
	static const char *const need[] = { "file", "id_glob", "sets", "split", NULL };
	struct vcsv_table t;
	if (vcsv_read(path, &t))
		return -1;
	if (csv_need(&t, need)) {
		vcsv_free(&t);
		return -1;
	}
	int c_file = vcsv_col(&t, "file"), c_glob = vcsv_col(&t, "id_glob"),
	    c_sets = vcsv_col(&t, "sets"), c_split = vcsv_col(&t, "split");
	/* Every matching rule adds its --set options (in file order); the first matching rule
	 * with a split sets the row's split. */
	for (size_t i = 0; i < d->nrows; i++) {
		struct vrow *r = &d->rows[i];
		bool split_set = false;
		for (size_t j = 1; j < t.nrows; j++) {
			if (strcmp(vcsv_get(&t, j, c_file), r->file) ||
			    fnmatch(vcsv_get(&t, j, c_glob), r->id, 0))
				continue;
			const char *sets = vcsv_get(&t, j, c_sets);
			if (*sets) {
				char *all = vx_printf("%s%s%s", r->sets, *r->sets ? " " : "", sets);
				free(r->sets);
				r->sets = all;
			}
			const char *split = vcsv_get(&t, j, c_split);
			if (split_set || !*split)
				continue;
			split_set = true;
			r->calibration = !strcmp(split, "calibration");
			if (strcmp(split, "validation")) {
				char *g = vx_printf("%s [%s]", r->group, split);
				free(r->group);
				r->group = g;
			}
		}
	}
	vcsv_free(&t);
	return 0;
}

static int read_groups(struct vdata *d, const char *path)
{
	static const char *const need[] = { "group", "tolerance_pct", "role", NULL };
	struct vcsv_table t;
	if (vcsv_read(path, &t))
		return -1;
	if (csv_need(&t, need)) {
		vcsv_free(&t);
		return -1;
	}
	int c_g = vcsv_col(&t, "group"), c_tol = vcsv_col(&t, "tolerance_pct"),
	    c_role = vcsv_col(&t, "role");
	d->groups = vx_malloc(t.nrows * sizeof *d->groups);
	int rc = 0;
	for (size_t i = 1; i < t.nrows && !rc; i++) {
		struct vgroup_rule *g = &d->groups[d->ngroups++];
		g->name = vx_strdup(vcsv_get(&t, i, c_g));
		g->role = vx_strdup(vcsv_get(&t, i, c_role));
		const char *tol = vcsv_get(&t, i, c_tol);
		g->has_tolerance = *tol != 0;
		char *end;
		g->tolerance_pct = g->has_tolerance ? strtod(tol, &end) : 0;
		if (g->has_tolerance && (*end || g->tolerance_pct < 0)) {
			fprintf(stderr,
			        "nmvalidate: %s: row %zu: tolerance '%s' is not a percentage\n",
			        path, i, tol);
			rc = -1;
		}
	}
	vcsv_free(&t);
	return rc;
}

static int read_machines(struct vdata *d, const char *path)
{
	static const char *const need[] = { "machine", "config", NULL };
	struct vcsv_table t;
	if (vcsv_read(path, &t))
		return -1;
	if (csv_need(&t, need)) {
		vcsv_free(&t);
		return -1;
	}
	int c_m = vcsv_col(&t, "machine"), c_c = vcsv_col(&t, "config");
	d->machines = vx_malloc(t.nrows * sizeof *d->machines);
	for (size_t i = 1; i < t.nrows; i++) {
		struct vmachine *m = &d->machines[d->nmachines++];
		m->name = vx_strdup(vcsv_get(&t, i, c_m));
		m->config = vx_strdup(vcsv_get(&t, i, c_c));
	}
	vcsv_free(&t);
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int vdata_load(struct vdata *d, const char *root)
{
	memset(d, 0, sizeof *d);
	char *dir = vx_printf("%s/validation/data", root);
	struct dirent **names;
	int n = scandir(dir, &names, NULL, by_name);
	if (n < 0) {
		fprintf(stderr, "nmvalidate: %s: %s\n", dir, strerror(errno));
		free(dir);
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < n; i++) {
		size_t len = strlen(names[i]->d_name);
		if (!rc && len > 4 && !strcmp(names[i]->d_name + len - 4, ".csv")) {
			char *path = vx_printf("%s/%s", dir, names[i]->d_name);
			rc = read_data_file(d, path, names[i]->d_name);
			free(path);
		}
		free(names[i]);
	}
	free(names);
	free(dir);
	char *p;
	if (!rc) {
		p = vx_printf("%s/validation/sources.csv", root);
		rc = apply_sources(d, p);
		free(p);
	}
	if (!rc) {
		p = vx_printf("%s/validation/groups.csv", root);
		rc = read_groups(d, p);
		free(p);
	}
	if (!rc) {
		p = vx_printf("%s/validation/machines.csv", root);
		rc = read_machines(d, p);
		free(p);
	}
	return rc;
}

void vdata_free(struct vdata *d)
{
	for (size_t i = 0; i < d->nrows; i++) {
		struct vrow *r = &d->rows[i];
		free(r->id), free(r->machine), free(r->file), free(r->metric), free(r->group);
		free(r->sets), free(r->why), free(r->num_id), free(r->den_id);
		free(r->parts);
		free((char *)r->weight.id);
		for (size_t j = 0; j < r->tracegen_argc; j++)
			free(r->tracegen_argv[j]);
		free(r->tracegen_argv);
	}
	free(d->rows);
	for (size_t i = 0; i < d->ngroups; i++)
		free(d->groups[i].name), free(d->groups[i].role);
	free(d->groups);
	for (size_t i = 0; i < d->nmachines; i++)
		free(d->machines[i].name), free(d->machines[i].config);
	free(d->machines);
	memset(d, 0, sizeof *d);
}

double vrow_value(const struct vrow *r, double seconds)
{
	if (!strcmp(r->metric, "time_ms") || !strcmp(r->metric, "time_per_token_ms"))
		return seconds * 1e3;
	return r->work / seconds * 1e-9; /* Gelem/s or GB/s */
}

const char *vdata_config(const struct vdata *d, const char *machine)
{
	for (size_t i = 0; i < d->nmachines; i++)
		if (!strcmp(d->machines[i].name, machine))
			return d->machines[i].config;
	return NULL;
}

const struct vgroup_rule *vdata_group_rule(const struct vdata *d, const char *group)
{
	const struct vgroup_rule *found = NULL;
	for (size_t i = 0; i < d->ngroups; i++)
		if (!strcmp(d->groups[i].name, group))
			found = &d->groups[i]; /* the last rule wins, as before */
	return found;
}

void vdata_ratio_inputs(const struct vdata *d, const struct vrow *r, const struct vrow **num,
                        const struct vrow **den)
{
	*num = *den = NULL;
	for (size_t j = 0; j < d->nrows; j++) {
		if (!strcmp(d->rows[j].id, r->num_id))
			*num = &d->rows[j];
		if (!strcmp(d->rows[j].id, r->den_id))
			*den = &d->rows[j];
	}
}
