/* plan — checking a sweep's points, making its traces and computing its point ids (plan.h). */
#define _XOPEN_SOURCE 700 /* realpath */
#include "sweep/plan.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uthash.h>
#include <xxhash.h>
#include <zlib.h>

#include "arch/arch.h"
#include "sim/log.h"
#include "sim/paths.h"
#include "sweep/run.h"

/* Bad points reported one by one; past these, only counted. */
#define PLAN_MAX_REPORTED 10

/* A distinct key (a machine or a trace) and its index, while the points are gone through. */
struct plan_key {
	char *key;
	size_t index;
	UT_hash_handle hh;
};

/* What plan_init works with. */
struct plan_ctx {
	struct plan *pl;
	struct plan_key *machines, *traces;
	struct arch_config *cfg;
	size_t bad, cap_traces;
};

/* ---- small helpers ----------------------------------------------------------------------- */

/* A growing string. */
struct plan_buf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void plan_buf_add(struct plan_buf *b, const char *text)
{
	size_t n = strlen(text);
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = 2 * (b->len + n + 1);
		char *s = realloc(b->s, cap);
		if (!s) {
			b->oom = true;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
	memcpy(b->s + b->len, text, n + 1);
	b->len += n;
}

static void plan_hex128(XXH128_hash_t h, char out[33])
{
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)h.high64,
	         (unsigned long long)h.low64);
}

static bool plan_exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* mkdir -p. 0 / -1 (errno). */
static int plan_mkdirs(const char *dir)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof buf, "%s", dir);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			if (mkdir(buf, 0777) && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(buf, 0777) && errno != EEXIST ? -1 : 0;
}

/* The program NAME beside this one. */
static char *plan_beside(const char *name)
{
	char exe[PATH_MAX], out[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return NULL;
	exe[n] = 0;
	snprintf(out, sizeof out, "%s/%s", dirname(exe), name);
	return strdup(out);
}

/* Loads a machine; with QUIET, its complaints go to /dev/null. */
static int plan_load(const char *file, char **sets, size_t n, bool quiet, struct arch_config *cfg)
{
	int saved = -1;
	if (quiet) {
		fflush(stderr);
		saved = dup(STDERR_FILENO);
		int nul = open("/dev/null", O_WRONLY);
		if (nul >= 0) {
			dup2(nul, STDERR_FILENO);
			close(nul);
		}
	}
	int rc = arch_load_config(file, (const char *const *)sets, n, cfg);
	if (saved >= 0) {
		fflush(stderr);
		dup2(saved, STDERR_FILENO);
		close(saved);
	}
	return rc;
}

/* ---- a point's settings ------------------------------------------------------------------ */

/* "path=value" of set axis A's value I; a string value stays a string (quoted, escaped). */
static char *plan_set_text(const struct sweepfile_axis *a, size_t i)
{
	const char *v = a->values[i];
	size_t n = strlen(a->target) + 2 * strlen(v) + 4;
	char *s = malloc(n), *o = s;
	if (!s)
		return NULL;
	o += sprintf(o, "%s=", a->target);
	if (!a->quoted[i]) {
		strcpy(o, v);
		return s;
	}
	*o++ = '"';
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			*o++ = '\\';
		*o++ = *v;
	}
	*o++ = '"';
	*o = 0;
	return s;
}

/* The --sets of point P: the sweep's, then each set axis's. *N of them, allocated. */
static char **plan_point_sets(const struct sweepfile *sw, size_t p, size_t *n)
{
	char **sets = calloc(sw->nsets + sw->naxes + 1, sizeof *sets);
	*n = 0;
	if (!sets)
		return NULL;
	for (size_t i = 0; i < sw->nsets; i++)
		if (!(sets[(*n)++] = strdup(sw->sets[i])))
			goto oom;
	for (size_t a = 0; a < sw->naxes; a++)
		if (sw->axes[a].kind == SWEEPFILE_SET &&
		    !(sets[(*n)++] = plan_set_text(&sw->axes[a], sweepfile_value(sw, p, a))))
			goto oom;
	return sets;
oom:
	plan_argv_free(sets);
	return NULL;
}

void plan_argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

/* Reports bad point P (the first PLAN_MAX_REPORTED of them) at LINE of the sweep file. */
static bool plan_report_point(struct plan_ctx *c, size_t p, unsigned line, const char *why)
{
	const struct sweepfile *sw = c->pl->sw;
	if (c->bad++ >= PLAN_MAX_REPORTED)
		return false;
	char desc[2048];
	log_error("%s:%u: point %zu (%s): %s", sw->file, line, p,
	          sweepfile_describe(sw, p, desc, sizeof desc), why);
	return true;
}

/* ---- machines ---------------------------------------------------------------------------- */

/* The line of the sweep file that makes point P's machine fail: the first set axis that fails
 * on its own, else the sweep's set list, else the arch. */
static unsigned plan_culprit(struct plan_ctx *c, size_t p)
{
	const struct sweepfile *sw = c->pl->sw;
	const char *arch = sw->archs[sweepfile_value(sw, p, 0)];
	if (plan_load(arch, sw->sets, sw->nsets, true, c->cfg))
		return sw->nsets ? sw->sets_line : sw->axes[0].line;
	for (size_t a = 0; a < sw->naxes; a++) {
		if (sw->axes[a].kind != SWEEPFILE_SET)
			continue;
		char *one = plan_set_text(&sw->axes[a], sweepfile_value(sw, p, a));
		char *sets[1] = { one };
		int bad = one && plan_load(arch, sets, 1, true, c->cfg);
		free(one);
		if (bad)
			return sw->axes[a].line;
	}
	return sw->axes[0].line;
}

static int plan_machine(struct plan_ctx *c, size_t p)
{
	const struct sweepfile *sw = c->pl->sw;
	size_t nsets;
	char **sets = plan_point_sets(sw, p, &nsets);
	if (!sets)
		return -1;
	struct plan_buf key = { 0 };
	char num[32];
	snprintf(num, sizeof num, "%zu", sweepfile_value(sw, p, 0));
	plan_buf_add(&key, num);
	for (size_t i = 0; i < nsets; i++) {
		plan_buf_add(&key, "\n");
		plan_buf_add(&key, sets[i]);
	}
	int rc = -1;
	if (key.oom)
		goto out;
	struct plan_key *k;
	HASH_FIND_STR(c->machines, key.s, k);
	if (k) {
		c->pl->points[p].machine = k->index;
		rc = k->index == (size_t)-1 ? 1 : 0;
		goto out;
	}
	if (!(k = calloc(1, sizeof *k)))
		goto out;
	k->key = key.s;
	key.s = NULL;
	HASH_ADD_KEYPTR(hh, c->machines, k->key, strlen(k->key), k);
	const char *arch = sw->archs[sweepfile_value(sw, p, 0)];
	if (plan_load(arch, sets, nsets, true, c->cfg)) {
		k->index = (size_t)-1;
		if (plan_report_point(c, p, plan_culprit(c, p), "its machine does not load:"))
			plan_load(arch, sets, nsets, false, c->cfg); /* now say why */
		rc = 1;
		goto out;
	}
	/* The resolved text identifies the machine. */
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		goto out;
	arch_write_config(f, c->cfg);
	if (fclose(f))
		goto out;
	struct plan *pl = c->pl;
	char(*m)[33] = realloc(pl->machines, (pl->nmachines + 1) * sizeof *m);
	if (!m) {
		free(text);
		goto out;
	}
	pl->machines = m;
	plan_hex128(XXH3_128bits(text, len), pl->machines[pl->nmachines]);
	free(text);
	k->index = pl->nmachines++;
	pl->points[p].machine = k->index;
	rc = 0;
out:
	free(key.s);
	plan_argv_free(sets);
	return rc;
}

/* ---- traces ------------------------------------------------------------------------------ */

/* A model value as tracegen gets it: a file (holding '/' or ending in .cfg) relative to the
 * sweep file, made absolute; else the name. FILE_OUT: the file read for the hash, or "". */
static char *plan_model(const struct sweepfile *sw, const char *v, char *file_out, size_t len)
{
	size_t n = strlen(v);
	file_out[0] = 0;
	if (strchr(v, '/') || (n > 4 && !strcmp(v + n - 4, ".cfg"))) {
		char rel[PATH_MAX + 256], real[PATH_MAX];
		snprintf(rel, sizeof rel, "%s%s%s", v[0] == '/' ? "" : sw->dir,
		         v[0] == '/' ? "" : "/", v);
		if (!realpath(rel, real))
			return strdup(rel); /* tracegen will say it is missing */
		snprintf(file_out, len, "%s", real);
		return strdup(real);
	}
	char dir[PATH_MAX];
	const char *env = getenv("NMSIM_MODELS");
	if (env && *env)
		snprintf(dir, sizeof dir, "%s", env);
	else if (paths_shipped(PATHS_MODELS, dir, sizeof dir))
		dir[0] = 0;
	if (dir[0])
		snprintf(file_out, len, "%s/%s.cfg", dir, v);
	return strdup(v);
}

static void plan_hash_file(struct plan_buf *key, const char *file)
{
	char *text = NULL;
	size_t len = 0, n;
	FILE *f = file[0] ? fopen(file, "rb") : NULL;
	FILE *m = f ? open_memstream(&text, &len) : NULL;
	char chunk[4096];
	while (m && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		fwrite(chunk, 1, n, m);
	if (m && !fclose(m)) {
		char hex[33];
		plan_hex128(XXH3_128bits(text, len), hex);
		plan_buf_add(key, "\nmodel-file=");
		plan_buf_add(key, hex);
	}
	free(text);
	if (f)
		fclose(f);
}

/* Point P's trace: a given file, or tracegen's command for the workload's recipe with the
 * point's gen axes. 0, 1 for a bad point (reported), -1 out of memory. */
static int plan_trace(struct plan_ctx *c, size_t p)
{
	struct plan *pl = c->pl;
	const struct sweepfile *sw = pl->sw;
	const struct sweepfile_workload *w = &sw->workloads[sweepfile_value(sw, p, 1)];
	const char *gen[SWEEPFILE_GEN_COUNT];
	for (int g = 0; g < SWEEPFILE_GEN_COUNT; g++)
		gen[g] = w->gen[g];
	for (size_t a = 0; a < sw->naxes; a++) {
		if (sw->axes[a].kind != SWEEPFILE_GEN)
			continue;
		if (w->trace) {
			char why[256];
			snprintf(why, sizeof why,
			         "gen axis '%s' cannot change workload '%s', a trace file (filter "
			         "such points out with where)",
			         sw->axes[a].name, w->name);
			plan_report_point(c, p, sw->axes[a].line, why);
			return 1;
		}
		gen[sw->axes[a].gen] = sweepfile_text(sw, p, a);
	}
	char **argv = calloc(2 * SWEEPFILE_GEN_COUNT + 2, sizeof *argv);
	struct plan_buf key = { 0 };
	char model_file[PATH_MAX];
	size_t n = 0;
	if (!argv)
		return -1;
	if (w->trace) {
		plan_buf_add(&key, "file\n");
		plan_buf_add(&key, w->trace);
	} else {
		argv[n++] = strdup(pl->tracegen);
		for (int g = 0; g < SWEEPFILE_GEN_COUNT; g++) {
			if (!gen[g] || (g == SWEEPFILE_GEN_WEIGHT_ONLY && strcmp(gen[g], "true")))
				continue;
			argv[n++] = strdup(sweepfile_gen_option((enum sweepfile_gen)g));
			if (g == SWEEPFILE_GEN_MODEL)
				argv[n++] = plan_model(sw, gen[g], model_file, sizeof model_file);
			else if (g != SWEEPFILE_GEN_WEIGHT_ONLY)
				argv[n++] = strdup(gen[g]);
		}
		for (size_t i = 0; i < n; i++) {
			if (!argv[i])
				key.oom = true;
			else if (i) {
				plan_buf_add(&key, "\n");
				plan_buf_add(&key, argv[i]);
			}
		}
		plan_buf_add(&key, "\ntracegen-version=" NMSIM_VERSION);
		plan_hash_file(&key, model_file);
	}
	if (key.oom) {
		plan_argv_free(argv);
		free(key.s);
		return -1;
	}
	struct plan_key *k;
	HASH_FIND_STR(c->traces, key.s, k);
	if (k) {
		pl->points[p].trace = k->index;
		plan_argv_free(argv);
		free(key.s);
		return 0;
	}
	if (pl->ntraces == c->cap_traces) {
		size_t cap = c->cap_traces ? 2 * c->cap_traces : 16;
		struct plan_trace *t = realloc(pl->traces, cap * sizeof *t);
		if (t) {
			pl->traces = t;
			c->cap_traces = cap;
		}
	}
	if (pl->ntraces == c->cap_traces || !(k = calloc(1, sizeof *k))) {
		plan_argv_free(argv);
		free(key.s);
		return -1;
	}
	struct plan_trace *t = &pl->traces[pl->ntraces];
	memset(t, 0, sizeof *t);
	t->point = p;
	if (w->trace) {
		plan_argv_free(argv);
		t->path = strdup(w->trace);
	} else {
		t->argv = argv;
		/* Readable names: the workload's, with what a file name may hold. */
		char name[64];
		snprintf(name, sizeof name, "%s", w->name);
		for (char *s = name; *s; s++)
			if (!(*s == '-' || *s == '_' || *s == '.' || (*s >= '0' && *s <= '9') ||
			      (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
				*s = '_';
		size_t len = strlen(pl->workdir) + strlen(name) + 64;
		if ((t->path = malloc(len)))
			snprintf(t->path, len, "%s/traces/%s-%016llx.trace.gz", pl->workdir, name,
			         (unsigned long long)XXH3_64bits(key.s, key.len));
	}
	k->key = key.s;
	k->index = pl->ntraces++;
	HASH_ADD_KEYPTR(hh, c->traces, k->key, strlen(k->key), k);
	pl->points[p].trace = k->index;
	return t->path ? 0 : -1;
}

static void plan_keys_free(struct plan_key **keys)
{
	struct plan_key *k, *tmp;
	HASH_ITER(hh, *keys, k, tmp)
	{
		HASH_DEL(*keys, k);
		free(k->key);
		free(k);
	}
}

int plan_init(struct plan *pl, const struct sweepfile *sw, const char *workdir)
{
	memset(pl, 0, sizeof *pl);
	pl->sw = sw;
	struct plan_ctx c = { pl, NULL, NULL, NULL, 0, 0 };
	int rc = -1;
	pl->workdir = strdup(workdir);
	pl->simrun = plan_beside("simrun");
	pl->tracegen = plan_beside("tracegen");
	pl->points = calloc(sw->npoints ? sw->npoints : 1, sizeof *pl->points);
	c.cfg = malloc(sizeof *c.cfg);
	if (!pl->workdir || !pl->simrun || !pl->tracegen || !pl->points || !c.cfg)
		goto oom;
	if (access(pl->simrun, X_OK)) {
		log_error("%s: cannot run: %s (simsweep runs the simrun beside it)", pl->simrun,
		          strerror(errno));
		goto fail;
	}
	for (size_t p = 0; p < sw->npoints; p++) {
		int m = plan_machine(&c, p), t = plan_trace(&c, p);
		if (m < 0 || t < 0)
			goto oom;
	}
	if (c.bad > PLAN_MAX_REPORTED)
		log_error("%s: %zu more bad points", sw->file, c.bad - PLAN_MAX_REPORTED);
	rc = c.bad ? -1 : 0;
	goto fail;
oom:
	log_error("%s: out of memory", sw->file);
fail:
	plan_keys_free(&c.machines);
	plan_keys_free(&c.traces);
	free(c.cfg);
	if (rc)
		plan_fini(pl);
	return rc;
}

void plan_fini(struct plan *pl)
{
	for (size_t i = 0; i < pl->ntraces; i++) {
		free(pl->traces[i].path);
		plan_argv_free(pl->traces[i].argv);
	}
	free(pl->traces);
	free(pl->points);
	free(pl->machines);
	free(pl->workdir);
	free(pl->simrun);
	free(pl->tracegen);
	memset(pl, 0, sizeof *pl);
}

/* ---- making and reading traces ----------------------------------------------------------- */

/* "tracegen --model .. -o OUT". */
static char **plan_tracegen_argv(const struct plan_trace *t, const char *out)
{
	size_t n = 0;
	while (t->argv[n])
		n++;
	char **argv = calloc(n + 3, sizeof *argv);
	if (!argv)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!(argv[i] = strdup(t->argv[i])))
			goto oom;
	if (!(argv[n] = strdup("-o")) || !(argv[n + 1] = strdup(out)))
		goto oom;
	return argv;
oom:
	plan_argv_free(argv);
	return NULL;
}

/* The temporary name of T while tracegen writes it: the same folder, still ending in .gz. */
static void plan_tmp_name(const struct plan_trace *t, char *buf, size_t len, const char *ext)
{
	snprintf(buf, len, "%.*s.tmp%ld%s", (int)(strlen(t->path) - strlen(".trace.gz")), t->path,
	         (long)getpid(), ext);
}

/* The line of the sweep file to blame when tracegen fails for point P: the gen axis whose
 * option the message names, else the workload. */
static unsigned plan_gen_line(const struct sweepfile *sw, size_t p, const char *msg)
{
	for (size_t a = 0; a < sw->naxes; a++)
		if (sw->axes[a].kind == SWEEPFILE_GEN &&
		    strstr(msg, sweepfile_gen_option(sw->axes[a].gen)))
			return sw->axes[a].line;
	return sw->workloads[sweepfile_value(sw, p, 1)].line;
}

static int plan_make_traces(struct plan *pl, size_t jobs, volatile sig_atomic_t *stop)
{
	struct run_pool pool;
	if (run_pool_init(&pool, jobs))
		return -1;
	size_t next = 0, bad = 0;
	int rc = 0;
	for (;;) {
		while (!*stop && !run_pool_full(&pool) && next < pl->ntraces) {
			struct plan_trace *t = &pl->traces[next];
			char tmp[PATH_MAX + 64], err[PATH_MAX + 64], msg[512];
			if (!t->wanted || !t->argv || plan_exists(t->path)) {
				next++;
				continue;
			}
			plan_tmp_name(t, tmp, sizeof tmp, ".trace.gz");
			plan_tmp_name(t, err, sizeof err, ".err");
			char **argv = plan_tracegen_argv(t, tmp);
			int started =
			    argv ? run_start(&pool, argv, NULL, err, next, msg, sizeof msg) : -1;
			plan_argv_free(argv);
			if (started) {
				log_error("%s", argv ? msg : "out of memory");
				rc = -1;
				next = pl->ntraces; /* start no more */
				break;
			}
			next++;
		}
		size_t tag;
		int status;
		if (run_reap(&pool, &tag, &status)) {
			struct plan_trace *t = &pl->traces[tag];
			char tmp[PATH_MAX + 64], err[PATH_MAX + 64], msg[1024], st[64];
			plan_tmp_name(t, tmp, sizeof tmp, ".trace.gz");
			plan_tmp_name(t, err, sizeof err, ".err");
			run_last_line(err, msg, sizeof msg);
			if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
				if (rename(tmp, t->path)) {
					log_error("%s: %s", t->path, strerror(errno));
					rc = -1;
				}
			} else if (!*stop) {
				/* Every bad trace is named, so the others go on being made. */
				if (bad++ < PLAN_MAX_REPORTED) {
					char desc[2048];
					log_error(
					    "%s:%u: point %zu (%s): tracegen failed (%s): %s",
					    pl->sw->file, plan_gen_line(pl->sw, t->point, msg),
					    t->point,
					    sweepfile_describe(pl->sw, t->point, desc, sizeof desc),
					    run_status_text(status, st, sizeof st), msg);
				}
				rc = -1;
			}
			unlink(tmp);
			unlink(err);
			continue;
		}
		if (!pool.n && (next >= pl->ntraces || *stop))
			break;
		if (*stop)
			run_signal_all(&pool, SIGTERM);
		run_nap();
	}
	if (bad > PLAN_MAX_REPORTED)
		log_error("%s: %zu more traces tracegen could not make", pl->sw->file,
		          bad - PLAN_MAX_REPORTED);
	run_pool_fini(&pool);
	return *stop ? -1 : rc;
}

/* Reads trace T: the hash of its content and the tokens its decode steps generate. */
static int plan_read_trace(struct plan *pl, struct plan_trace *t)
{
	gzFile f = gzopen(t->path, "rb");
	XXH3_state_t *h = XXH3_createState();
	char line[65536] = "";
	bool at_start = true;
	int rc = -1;
	if (!f || !h || XXH3_128bits_reset(h) == XXH_ERROR)
		goto out;
	t->out_tokens = 0;
	while (gzgets(f, line, sizeof line)) {
		size_t n = strlen(line);
		XXH3_128bits_update(h, line, n);
		if (at_start && !strncmp(line, "step", 4) && (line[4] == ' ' || line[4] == '\t')) {
			/* step kind=decode [tokens=N] [batch=N] # comment */
			bool decode = false;
			unsigned long long batch = 1;
			char *save = NULL;
			line[strcspn(line, "#\r\n")] = 0;
			for (char *tok = strtok_r(line + 4, " \t", &save); tok;
			     tok = strtok_r(NULL, " \t", &save)) {
				if (!strcmp(tok, "kind=decode"))
					decode = true;
				else if (!strncmp(tok, "batch=", 6))
					batch = strtoull(tok + 6, NULL, 10);
			}
			if (decode)
				t->out_tokens += batch;
		}
		at_start = n && line[n - 1] == '\n';
	}
	int errnum;
	const char *why = gzerror(f, &errnum);
	if (errnum == Z_OK || errnum == Z_STREAM_END) {
		plan_hex128(XXH3_128bits_digest(h), t->hash);
		rc = 0;
	} else {
		snprintf(line, sizeof line, "%s", why);
	}
out:
	if (rc) {
		char desc[2048];
		log_error("%s:%u: point %zu (%s): %s: cannot read the trace: %s", pl->sw->file,
		          pl->sw->workloads[sweepfile_value(pl->sw, t->point, 1)].line, t->point,
		          sweepfile_describe(pl->sw, t->point, desc, sizeof desc), t->path,
		          f ? line : strerror(errno));
	}
	if (f)
		gzclose(f);
	XXH3_freeState(h);
	return rc;
}

int plan_prepare(struct plan *pl, const bool *mine, size_t jobs, volatile sig_atomic_t *stop)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/traces", pl->workdir);
	if (plan_mkdirs(dir)) {
		log_error("%s: cannot create: %s", dir, strerror(errno));
		return -1;
	}
	for (size_t p = 0; p < pl->sw->npoints; p++)
		if (!mine || mine[p])
			pl->traces[pl->points[p].trace].wanted = true;
	if (plan_make_traces(pl, jobs, stop))
		return -1;
	for (size_t i = 0; i < pl->ntraces; i++)
		if (pl->traces[i].wanted && plan_read_trace(pl, &pl->traces[i]))
			return -1;
	for (size_t p = 0; p < pl->sw->npoints; p++) {
		if (mine && !mine[p])
			continue;
		struct plan_point *pt = &pl->points[p];
		char text[256];
		int n = snprintf(text, sizeof text, "nmsim point 1\n%s\n%s\n%s\n", NMSIM_VERSION,
		                 pl->machines[pt->machine], pl->traces[pt->trace].hash);
		snprintf(pt->id, sizeof pt->id, "%016llx",
		         (unsigned long long)XXH3_64bits(text, (size_t)n));
	}
	return 0;
}

char **plan_simrun_argv(const struct plan *pl, size_t p, const char *json)
{
	const struct sweepfile *sw = pl->sw;
	size_t nsets;
	char **sets = plan_point_sets(sw, p, &nsets);
	if (!sets)
		return NULL;
	char **argv = calloc(2 * nsets + 9, sizeof *argv);
	size_t n = 0;
	bool oom = !argv;
	if (argv) {
		argv[n++] = strdup(pl->simrun);
		argv[n++] = strdup("-q");
		argv[n++] = strdup("--arch");
		argv[n++] = strdup(sw->archs[sweepfile_value(sw, p, 0)]);
		for (size_t i = 0; i < nsets; i++) {
			argv[n++] = strdup("--set");
			argv[n++] = sets[i];
			sets[i] = NULL;
		}
		argv[n++] = strdup("--json");
		argv[n++] = strdup(json);
		argv[n++] = strdup(pl->traces[pl->points[p].trace].path);
		for (size_t i = 0; i < n; i++)
			oom = oom || !argv[i];
	}
	plan_argv_free(sets);
	if (oom) {
		for (size_t i = 0; argv && i < n; i++)
			free(argv[i]);
		free(argv);
		return NULL;
	}
	return argv;
}
