/* results — writing, reading and rewriting a sweep's results file (results.h). */
#include "sweep/results.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/log.h"
#include "sweep/metrics.h"
#include "sweep/where.h"

/* ---- columns ----------------------------------------------------------------------------- */

/* The columns every results file has, around the axes and the metrics. */
static const char *const results_head[] = { "point_id", "point" };
static const char *const results_mid[] = { "status", "exit", "message" };
static const char *const results_tail[] = { "pareto", "report" };
#define RESULTS_N(a) (sizeof(a) / sizeof *(a))

static bool results_reserved(const char *name)
{
	char buf[64];
	for (size_t i = 0; i < RESULTS_N(results_head); i++)
		if (!strcmp(name, results_head[i]))
			return true;
	for (size_t i = 0; i < RESULTS_N(results_mid); i++)
		if (!strcmp(name, results_mid[i]))
			return true;
	for (size_t i = 0; i < RESULTS_N(results_tail); i++)
		if (!strcmp(name, results_tail[i]))
			return true;
	for (int i = 0; i < METRICS_COUNT; i++)
		if (!strcmp(name, metrics_name(i, buf, sizeof buf)))
			return true;
	return false;
}

/* Fills L for NAXES axes named AXES[i] (copied). */
static int results_layout_build(struct results_layout *l, char *const *axes, size_t naxes)
{
	memset(l, 0, sizeof *l);
	l->n = RESULTS_N(results_head) + naxes + RESULTS_N(results_mid) + METRICS_COUNT +
	       RESULTS_N(results_tail);
	l->names = calloc(l->n, sizeof *l->names);
	l->kinds = calloc(l->n, sizeof *l->kinds);
	if (!l->names || !l->kinds)
		goto oom;
	size_t c = 0;
	char buf[64];
	l->id = c;
	l->names[c++] = strdup("point_id");
	l->point = c;
	l->kinds[c] = RESULTS_NUMBER;
	l->names[c++] = strdup("point");
	l->axis0 = c;
	l->naxes = naxes;
	for (size_t a = 0; a < naxes; a++) {
		l->kinds[c] = RESULTS_AUTO;
		l->names[c++] = strdup(axes[a]);
	}
	l->status = c;
	l->names[c++] = strdup("status");
	l->exit = c;
	l->kinds[c] = RESULTS_AUTO;
	l->names[c++] = strdup("exit");
	l->message = c;
	l->names[c++] = strdup("message");
	l->metric0 = c;
	for (int i = 0; i < METRICS_COUNT; i++) {
		l->kinds[c] = RESULTS_NUMBER;
		l->names[c++] = strdup(metrics_name(i, buf, sizeof buf));
	}
	l->pareto = c;
	l->kinds[c] = RESULTS_AUTO;
	l->names[c++] = strdup("pareto");
	l->report = c;
	l->names[c++] = strdup("report");
	for (size_t i = 0; i < l->n; i++)
		if (!l->names[i])
			goto oom;
	return 0;
oom:
	results_layout_free(l);
	return -1;
}

int results_layout_sweep(struct results_layout *l, const struct sweepfile *sw)
{
	char **axes = calloc(sw->naxes ? sw->naxes : 1, sizeof *axes);
	int bad = 0;
	if (!axes)
		return -1;
	for (size_t a = 0; a < sw->naxes; a++) {
		axes[a] = sw->axes[a].name;
		if (results_reserved(axes[a])) {
			log_error(
			    "%s:%u: axis '%s' is named like a results column; give it another "
			    "name = \"..\"",
			    sw->file, sw->axes[a].line, axes[a]);
			bad = 1;
		}
	}
	int rc = bad ? -1 : results_layout_build(l, axes, sw->naxes);
	free(axes);
	return rc;
}

int results_layout_header(struct results_layout *l, char *const *names, size_t n, char *err,
                          size_t errlen)
{
	size_t fixed = RESULTS_N(results_head) + RESULTS_N(results_mid) + METRICS_COUNT +
	               RESULTS_N(results_tail);
	if (n < fixed) {
		snprintf(err, errlen, "not a simsweep results file (%zu columns, at least %zu)", n,
		         fixed);
		return -1;
	}
	if (results_layout_build(l, names + RESULTS_N(results_head), n - fixed)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(l->names[i], names[i])) {
			snprintf(err, errlen,
			         "not a simsweep results file: column %zu is '%s', expected '%s'",
			         i + 1, names[i], l->names[i]);
			results_layout_free(l);
			return -1;
		}
	return 0;
}

bool results_layout_equal(const struct results_layout *a, const struct results_layout *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->names[i], b->names[i]))
			return false;
	return true;
}

void results_layout_free(struct results_layout *l)
{
	for (size_t i = 0; l->names && i < l->n; i++)
		free(l->names[i]);
	free(l->names);
	free(l->kinds);
	memset(l, 0, sizeof *l);
}

int results_col(const struct results_layout *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->names[i], name))
			return (int)i;
	return -1;
}

char *results_row_key(const struct results_layout *l, char *const *row)
{
	size_t len = strlen(row[l->id]) + 1;
	for (size_t a = 0; a < l->naxes; a++)
		len += strlen(row[l->axis0 + a]) + 1;
	char *key = malloc(len), *o = key;
	if (!key)
		return NULL;
	o += sprintf(o, "%s", row[l->id]);
	for (size_t a = 0; a < l->naxes; a++)
		o += sprintf(o, "\x1f%s", row[l->axis0 + a]);
	return key;
}

/* ---- writing rows ------------------------------------------------------------------------ */

/* One row as a CSV line: fields that need it quoted by libcsv, line breaks flattened. */
static void results_format_row(FILE *f, char *const *fields, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *s = fields[i] ? fields[i] : "";
		if (i)
			fputc(',', f);
		size_t len = strlen(s);
		bool quote = len && (strpbrk(s, ",\"\r\n") || s[0] == ' ' || s[0] == '\t' ||
		                     s[len - 1] == ' ' || s[len - 1] == '\t');
		if (!strpbrk(s, "\r\n")) {
			if (quote)
				csv_fwrite(f, s, len);
			else
				fputs(s, f);
			continue;
		}
		char *flat = strdup(s);
		for (char *c = flat; c && *c; c++)
			if (*c == '\r' || *c == '\n')
				*c = ' ';
		if (flat)
			csv_fwrite(f, flat, len);
		free(flat);
	}
	fputc('\n', f);
}

/* One row as a JSON line. */
static void results_json_row(FILE *f, const struct results_layout *l, char *const *fields)
{
	json_object *o = json_object_new_object();
	for (size_t i = 0; i < l->n; i++) {
		const char *s = fields[i] ? fields[i] : "";
		json_object *v = NULL;
		double d;
		int unit;
		bool number = s[0] && !where_number(s, &d, &unit) && unit < 0;
		if (l->kinds[i] == RESULTS_TEXT || (l->kinds[i] == RESULTS_AUTO && !number))
			v = s[0] || l->kinds[i] == RESULTS_TEXT ? json_object_new_string(s) : NULL;
		else if (number)
			v = json_object_new_double_s(d, s);
		json_object_object_add(o, l->names[i], v);
	}
	fprintf(f, "%s\n",
	        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                              JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* Writes all of BUF to FD (one write(2) unless the kernel takes less), then fsync. */
static int results_write_all(int fd, const char *buf, size_t len, const char *file)
{
	while (len) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			log_error("%s: write failed: %s", file, strerror(errno));
			return -1;
		}
		buf += w;
		len -= (size_t)w;
	}
	if (fsync(fd)) {
		log_error("%s: fsync failed: %s", file, strerror(errno));
		return -1;
	}
	return 0;
}

/* The header and/or rows of L as text (CSV, or JSON lines). */
static char *results_text(const struct results_layout *l, bool header, char **const *rows, size_t n,
                          bool json, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	if (!f)
		return NULL;
	if (header)
		results_format_row(f, l->names, l->n);
	for (size_t i = 0; i < n; i++)
		if (json)
			results_json_row(f, l, rows[i]);
		else
			results_format_row(f, rows[i], l->n);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Replaces FILE with TEXT atomically: a temporary file beside it, fsync, rename, fsync of the
 * folder. */
static int results_replace(const char *file, const char *text, size_t len)
{
	char tmp[PATH_MAX + 16];
	snprintf(tmp, sizeof tmp, "%s.tmp", file);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		log_error("%s: cannot create: %s", tmp, strerror(errno));
		return -1;
	}
	int rc = results_write_all(fd, text, len, tmp);
	if (close(fd))
		rc = -1;
	if (!rc && rename(tmp, file)) {
		log_error("%s: cannot rename to %s: %s", tmp, file, strerror(errno));
		rc = -1;
	}
	if (rc) {
		unlink(tmp);
		return -1;
	}
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s", file);
	int dfd = open(dirname(dir), O_RDONLY);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

int results_rewrite(const char *file, const struct results_layout *l, char **const *rows, size_t n)
{
	size_t len;
	char *text = results_text(l, true, rows, n, false, &len);
	if (!text) {
		log_error("%s: out of memory", file);
		return -1;
	}
	int rc = results_replace(file, text, len);
	free(text);
	return rc;
}

/* ---- reading ----------------------------------------------------------------------------- */

/* libcsv's callbacks gather one line's fields. */
struct results_fields {
	char **f;
	size_t n, cap;
	bool oom;
};

static void results_field_cb(void *s, size_t len, void *data)
{
	struct results_fields *r = data;
	if (r->oom)
		return;
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 32;
		char **f = realloc(r->f, cap * sizeof *f);
		if (!f) {
			r->oom = true;
			return;
		}
		r->f = f;
		r->cap = cap;
	}
	if (!(r->f[r->n] = strndup(s ? s : "", len)))
		r->oom = true;
	else
		r->n++;
}

static void results_row_cb(int c, void *data)
{
	(void)c;
	(void)data;
}

static void results_fields_free(struct results_fields *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->f[i]);
	free(r->f);
	memset(r, 0, sizeof *r);
}

/* Splits LINE (one CSV record) into R. 0, or -1 with the reason in ERR. */
static int results_split(const char *line, size_t len, struct results_fields *r, char *err,
                         size_t errlen)
{
	struct csv_parser p;
	memset(r, 0, sizeof *r);
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = 0;
	if (csv_parse(&p, line, len, results_field_cb, results_row_cb, r) != len ||
	    csv_fini(&p, results_field_cb, results_row_cb, r)) {
		snprintf(err, errlen, "not a CSV row: %s", csv_strerror(csv_error(&p)));
		rc = -1;
	} else if (r->oom) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	csv_free(&p);
	if (rc)
		results_fields_free(r);
	return rc;
}

int results_read(const char *file, struct results_table *t)
{
	memset(t, 0, sizeof *t);
	FILE *f = fopen(file, "r");
	if (!f) {
		if (errno == ENOENT)
			return 1;
		log_error("%s: cannot open: %s", file, strerror(errno));
		return -1;
	}
	char *line = NULL, err[512];
	size_t cap = 0, rows_cap = 0;
	ssize_t len;
	unsigned lineno = 0;
	int rc = 0;
	bool have_header = false;
	while ((len = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (line[len - 1] != '\n') {
			t->torn_line = lineno; /* the rest of the file is a torn row */
			break;
		}
		size_t n = (size_t)len - 1;
		if (n && line[n - 1] == '\r')
			n--;
		struct results_fields r;
		if (results_split(line, n, &r, err, sizeof err)) {
			log_error("%s:%u: %s", file, lineno, err);
			rc = -1;
			break;
		}
		if (!have_header) {
			if (results_layout_header(&t->layout, r.f, r.n, err, sizeof err)) {
				log_error("%s:%u: %s", file, lineno, err);
				results_fields_free(&r);
				rc = -1;
				break;
			}
			have_header = true;
			results_fields_free(&r);
			t->good_size = ftello(f);
			continue;
		}
		if (r.n != t->layout.n) {
			log_error("%s:%u: %zu fields, the header has %zu", file, lineno, r.n,
			          t->layout.n);
			results_fields_free(&r);
			rc = -1;
			break;
		}
		if (t->nrows == rows_cap) {
			rows_cap = rows_cap ? 2 * rows_cap : 64;
			char ***rows = realloc(t->rows, rows_cap * sizeof *rows);
			unsigned *lines = realloc(t->lines, rows_cap * sizeof *lines);
			if (rows)
				t->rows = rows;
			if (lines)
				t->lines = lines;
			if (!rows || !lines) {
				log_error("%s: out of memory", file);
				results_fields_free(&r);
				rc = -1;
				break;
			}
		}
		t->lines[t->nrows] = lineno;
		t->rows[t->nrows++] = r.f; /* r.n == layout.n */
		t->good_size = ftello(f);
	}
	if (!rc && ferror(f)) {
		log_error("%s: read failed: %s", file, strerror(errno));
		rc = -1;
	}
	if (!rc && !have_header && !t->torn_line) {
		rc = 1; /* empty: no results yet */
	} else if (!rc && !have_header) {
		log_error("%s:1: the header is torn: not a simsweep results file", file);
		rc = -1;
	}
	free(line);
	fclose(f);
	if (rc < 0)
		results_table_free(t);
	return rc;
}

void results_table_free(struct results_table *t)
{
	for (size_t i = 0; i < t->nrows; i++) {
		for (size_t c = 0; c < t->layout.n; c++)
			free(t->rows[i][c]);
		free(t->rows[i]);
	}
	free(t->rows);
	free(t->lines);
	results_layout_free(&t->layout);
	memset(t, 0, sizeof *t);
}

/* ---- the writer -------------------------------------------------------------------------- */

int results_lock(struct results_writer *w, const char *file)
{
	char dir[PATH_MAX], lock[PATH_MAX + 8];
	snprintf(dir, sizeof dir, "%s.d", file);
	snprintf(lock, sizeof lock, "%s/lock", dir);
	if (mkdir(dir, 0777) && errno != EEXIST) {
		log_error("%s: cannot create: %s", dir, strerror(errno));
		return -1;
	}
	w->lockfd = open(lock, O_RDWR | O_CREAT, 0644);
	if (w->lockfd < 0) {
		log_error("%s: cannot create: %s", lock, strerror(errno));
		return -1;
	}
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	if (fcntl(w->lockfd, F_SETLK, &fl)) {
		log_error("%s: another simsweep is writing it (%s is locked)", file, lock);
		close(w->lockfd);
		w->lockfd = -1;
		return -1;
	}
	return 0;
}

static int results_open_append(const char *file, int *fd)
{
	*fd = open(file, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (*fd < 0) {
		log_error("%s: cannot open for writing: %s", file, strerror(errno));
		return -1;
	}
	return 0;
}

int results_open(struct results_writer *w, const char *file, const char *jsonl,
                 const struct results_layout *l, bool force, bool drop_failed,
                 struct results_table *kept)
{
	memset(kept, 0, sizeof *kept);
	w->fd = w->jfd = -1;
	w->l = l;
	if (!(w->path = strdup(file)) || (jsonl && !(w->jsonl = strdup(jsonl)))) {
		log_error("%s: out of memory", file);
		return -1;
	}
	if (force) {
		char prev[PATH_MAX + 8];
		snprintf(prev, sizeof prev, "%s.prev", file);
		if (rename(file, prev) && errno != ENOENT) {
			log_error("%s: cannot move it to %s: %s", file, prev, strerror(errno));
			return -1;
		}
		if (!access(prev, F_OK))
			log_info("%s: the earlier results are in %s", file, prev);
	}
	int rc = results_read(file, kept);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		/* A new file: its header, all at once (a kill leaves no file or a whole one). */
		rc = results_rewrite(file, l, NULL, 0);
		if (rc || results_layout_build(&kept->layout, l->names + l->axis0, l->naxes))
			return -1;
	} else {
		if (!results_layout_equal(&kept->layout, l) && !kept->nrows) {
			/* Only the header of another sweep file's columns: nothing to keep. */
			log_info("%s: no rows, and other columns: started afresh", file);
			results_table_free(kept);
			if (results_rewrite(file, l, NULL, 0) ||
			    results_layout_build(&kept->layout, l->names + l->axis0, l->naxes))
				return -1;
		} else if (!results_layout_equal(&kept->layout, l)) {
			log_error(
			    "%s:1: its columns are not this sweep's (another sweep's results?): "
			    "write to another file, or --force to start afresh",
			    file);
			return -1;
		}
		if (kept->torn_line) {
			log_warn(
			    "%s:%u: a torn last row (left by a crash) is dropped; its point runs "
			    "again",
			    file, kept->torn_line);
			if (truncate(file, kept->good_size)) {
				log_error("%s: cannot drop the torn row: %s", file,
				          strerror(errno));
				return -1;
			}
		}
		size_t out = 0, failed = 0;
		for (size_t i = 0; i < kept->nrows; i++) {
			if (drop_failed && strcmp(kept->rows[i][l->status], "ok")) {
				for (size_t c = 0; c < l->n; c++)
					free(kept->rows[i][c]);
				free(kept->rows[i]);
				failed++;
				continue;
			}
			kept->lines[out] = kept->lines[i];
			kept->rows[out++] = kept->rows[i];
		}
		kept->nrows = out;
		if (failed) {
			log_info("%s: %zu failed points run again", file, failed);
			if (results_rewrite(file, l, kept->rows, kept->nrows))
				return -1;
		}
	}
	if (results_open_append(file, &w->fd))
		return -1;
	if (w->jsonl) {
		/* The JSON lines mirror the CSV: rebuilt from it, so a kill between the two
		 * writes of a row loses nothing. */
		size_t len;
		char *text = results_text(l, false, kept->rows, kept->nrows, true, &len);
		if (!text || results_replace(w->jsonl, text, len) ||
		    results_open_append(w->jsonl, &w->jfd)) {
			free(text);
			return -1;
		}
		free(text);
	}
	return 0;
}

int results_append(struct results_writer *w, char **const *rows, size_t n)
{
	size_t len;
	char *text = results_text(w->l, false, rows, n, false, &len);
	if (!text) {
		log_error("%s: out of memory", w->path);
		return -1;
	}
	int rc = results_write_all(w->fd, text, len, w->path);
	free(text);
	if (rc || w->jfd < 0)
		return rc;
	text = results_text(w->l, false, rows, n, true, &len);
	if (!text) {
		log_error("%s: out of memory", w->jsonl);
		return -1;
	}
	rc = results_write_all(w->jfd, text, len, w->jsonl);
	free(text);
	return rc;
}

void results_close(struct results_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	if (w->jfd >= 0)
		close(w->jfd);
	if (w->lockfd >= 0)
		close(w->lockfd);
	free(w->path);
	free(w->jsonl);
	memset(w, 0, sizeof *w);
	w->fd = w->jfd = w->lockfd = -1;
}
