/* jobs — the points still to run, their simruns and their rows (jobs.h). */
#include "sweep/jobs.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uthash.h>

#include "sim/log.h"
#include "sim/num.h"
#include "sweep/metrics.h"
#include "sweep/progress.h"
#include "sweep/run.h"

/* A key of a set (rows already there, jobs by id). */
struct jobs_key {
	char *key;
	size_t index;
	UT_hash_handle hh;
};

static void jobs_keys_free(struct jobs_key **set)
{
	struct jobs_key *k, *tmp;
	HASH_ITER(hh, *set, k, tmp)
	{
		HASH_DEL(*set, k);
		free(k->key);
		free(k);
	}
}

static int jobs_key_add(struct jobs_key **set, char *key, size_t index)
{
	struct jobs_key *k = calloc(1, sizeof *k);
	if (!k) {
		free(key);
		return -1;
	}
	k->key = key;
	k->index = index;
	HASH_ADD_KEYPTR(hh, *set, k->key, strlen(k->key), k);
	return 0;
}

/* Point P's key as results_row_key makes it for its row. */
static char *jobs_point_key(const struct plan *pl, size_t p)
{
	const struct sweepfile *sw = pl->sw;
	size_t len = 18;
	for (size_t a = 0; a < sw->naxes; a++)
		len += strlen(sweepfile_text(sw, p, a)) + 1;
	char *key = malloc(len), *o = key;
	if (!key)
		return NULL;
	o += sprintf(o, "%s", pl->points[p].id);
	for (size_t a = 0; a < sw->naxes; a++)
		o += sprintf(o, "\x1f%s", sweepfile_text(sw, p, a));
	return key;
}

int jobs_list(struct jobs *j, const struct plan *pl, const bool *mine,
              const struct results_table *done, const struct results_layout *l)
{
	struct jobs_key *rows = NULL, *ids = NULL;
	memset(j, 0, sizeof *j);
	int rc = -1;
	for (size_t i = 0; done && i < done->nrows; i++) {
		char *key = results_row_key(l, done->rows[i]);
		struct jobs_key *k;
		if (!key)
			goto out;
		HASH_FIND_STR(rows, key, k);
		if (k)
			free(key);
		else if (jobs_key_add(&rows, key, i))
			goto out;
	}
	size_t n = pl->sw->npoints;
	if (!(j->v = calloc(n ? n : 1, sizeof *j->v)))
		goto out;
	for (size_t p = 0; p < n; p++) {
		if (mine && !mine[p])
			continue;
		char *key = jobs_point_key(pl, p);
		struct jobs_key *k;
		if (!key)
			goto out;
		HASH_FIND_STR(rows, key, k);
		free(key);
		if (k)
			continue; /* done before */
		HASH_FIND_STR(ids, pl->points[p].id, k);
		struct jobs_job *job;
		if (k) {
			job = &j->v[k->index];
		} else {
			char *id = strdup(pl->points[p].id);
			if (!id || jobs_key_add(&ids, id, j->n))
				goto out;
			job = &j->v[j->n++];
			job->point = p;
			memcpy(job->id, pl->points[p].id, sizeof job->id);
			if (!(job->points = calloc(1, sizeof *job->points)))
				goto out;
		}
		size_t *pts = realloc(job->points, (job->npoints + 1) * sizeof *pts);
		if (!pts)
			goto out;
		job->points = pts;
		job->points[job->npoints++] = p;
		j->npoints++;
	}
	rc = 0;
out:
	if (rc)
		log_error("out of memory");
	jobs_keys_free(&rows);
	jobs_keys_free(&ids);
	return rc;
}

/* What a job is, on the wire. */
struct jobs_wire {
	uint64_t point;
	char id[24];
};

int jobs_broadcast(struct jobs *j, struct mpi_world *w)
{
	if (w->size == 1)
		return 0;
	uint64_t n = j->n;
	if (mpi_broadcast(w, &n, sizeof n))
		return -1;
	struct jobs_wire *wire = calloc(n ? n : 1, sizeof *wire);
	if (!wire)
		return -1;
	for (size_t i = 0; w->rank == 0 && i < n; i++) {
		wire[i].point = j->v[i].point;
		memcpy(wire[i].id, j->v[i].id, sizeof j->v[i].id);
	}
	int rc = mpi_broadcast(w, wire, n * sizeof *wire);
	if (!rc && w->rank != 0) {
		jobs_free(j);
		if (!(j->v = calloc(n ? n : 1, sizeof *j->v)))
			rc = -1;
		for (size_t i = 0; !rc && i < n; i++) {
			j->v[i].point = (size_t)wire[i].point;
			memcpy(j->v[i].id, wire[i].id, sizeof j->v[i].id);
		}
		j->n = rc ? 0 : (size_t)n;
	}
	free(wire);
	return rc;
}

void jobs_free(struct jobs *j)
{
	for (size_t i = 0; j->v && i < j->n; i++)
		free(j->v[i].points);
	free(j->v);
	memset(j, 0, sizeof *j);
}

void jobs_clean(const char *workdir)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/points", workdir);
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n > 4 && !strcmp(e->d_name + n - 4, ".tmp")) {
			char path[PATH_MAX + 256];
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			unlink(path);
		}
	}
	if (d)
		closedir(d);
}

/* ---- one job's files --------------------------------------------------------------------- */

static void jobs_path(char *buf, size_t len, const struct plan *pl, const char *id, const char *ext,
                      bool tmp)
{
	if (tmp)
		snprintf(buf, len, "%s/points/%s%s.%ld.tmp", pl->workdir, id, ext, (long)getpid());
	else
		snprintf(buf, len, "%s/points/%s%s", pl->workdir, id, ext);
}

static int jobs_start(struct run_pool *pool, const struct plan *pl, const struct jobs_job *job,
                      size_t tag)
{
	char json[PATH_MAX], err[PATH_MAX], msg[512];
	jobs_path(json, sizeof json, pl, job->id, ".json", true);
	jobs_path(err, sizeof err, pl, job->id, ".err", true);
	char **argv = plan_simrun_argv(pl, job->point, json);
	if (!argv) {
		log_error("out of memory");
		return -1;
	}
	int rc = run_start(pool, argv, NULL, err, tag, msg, sizeof msg);
	if (rc)
		log_error("%s", msg);
	plan_argv_free(argv);
	return rc;
}

/* A job's simrun ended with STATUS: its report and its standard error get their final names
 * (or go). False when the end does not count (stopped by our own signal). */
static bool jobs_settle(const struct plan *pl, const struct jobs_job *job, int status,
                        bool stopping)
{
	char json_tmp[PATH_MAX], err_tmp[PATH_MAX], json[PATH_MAX], err[PATH_MAX];
	jobs_path(json_tmp, sizeof json_tmp, pl, job->id, ".json", true);
	jobs_path(err_tmp, sizeof err_tmp, pl, job->id, ".err", true);
	jobs_path(json, sizeof json, pl, job->id, ".json", false);
	jobs_path(err, sizeof err, pl, job->id, ".err", false);
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (!ok && stopping && WIFSIGNALED(status)) {
		unlink(json_tmp);
		unlink(err_tmp);
		return false;
	}
	if (ok) {
		if (rename(json_tmp, json))
			unlink(json_tmp);
		unlink(err_tmp);
		unlink(err);
	} else {
		unlink(json_tmp);
		if (rename(err_tmp, err))
			unlink(err_tmp);
	}
	return true;
}

/* ---- rows -------------------------------------------------------------------------------- */

/* A metric as text: whole numbers (bytes) as integers, others the shortest text that reads
 * back exactly; "" for none. */
static char *jobs_number(double v)
{
	char buf[64];
	if (isnan(v))
		buf[0] = 0;
	else if (v == floor(v) && fabs(v) < 1e15)
		snprintf(buf, sizeof buf, "%.0f", v);
	else if (num_shortest(v, 6, buf, sizeof buf))
		buf[0] = 0;
	return strdup(buf);
}

/* The rows of JOB, ended with STATUS, appended to the results. -1 on a write error. */
static int jobs_record(const struct jobs_opts *o, const struct jobs_job *job, int status,
                       bool *failed)
{
	const struct plan *pl = o->pl;
	const struct results_layout *l = o->l;
	char json[PATH_MAX], err[PATH_MAX], msg[1024] = "", exit_text[64], buf[64];
	double values[METRICS_COUNT];
	jobs_path(json, sizeof json, pl, job->id, ".json", false);
	jobs_path(err, sizeof err, pl, job->id, ".err", false);
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (ok && metrics_read(json, pl->traces[pl->points[job->point].trace].out_tokens, values,
	                       msg, sizeof msg))
		ok = false;
	if (!ok) {
		for (int i = 0; i < METRICS_COUNT; i++)
			values[i] = NAN;
		if (!msg[0])
			run_last_line(err, msg, sizeof msg);
	}
	if (WIFEXITED(status))
		snprintf(exit_text, sizeof exit_text, "%d", WEXITSTATUS(status));
	else
		snprintf(exit_text, sizeof exit_text, "signal %d", WTERMSIG(status));
	char ***rows = calloc(job->npoints, sizeof *rows);
	bool oom = !rows;
	for (size_t r = 0; !oom && r < job->npoints; r++) {
		size_t p = job->points[r];
		char **f = rows[r] = calloc(l->n, sizeof *f);
		if (!f) {
			oom = true;
			break;
		}
		f[l->id] = strdup(job->id);
		snprintf(buf, sizeof buf, "%zu", p);
		f[l->point] = strdup(buf);
		for (size_t a = 0; a < l->naxes; a++)
			f[l->axis0 + a] = strdup(sweepfile_text(pl->sw, p, a));
		f[l->status] = strdup(ok ? "ok" : "failed");
		f[l->exit] = strdup(exit_text);
		f[l->message] = strdup(ok ? "" : msg);
		for (int i = 0; i < METRICS_COUNT; i++)
			f[l->metric0 + (size_t)i] = jobs_number(values[i]);
		f[l->pareto] = strdup("");
		size_t len = strlen(o->report_prefix) + 40;
		if ((f[l->report] = malloc(len)))
			snprintf(f[l->report], len, "%s/%s%s", o->report_prefix, job->id,
			         ok ? ".json" : ".err");
		for (size_t c = 0; c < l->n; c++)
			oom = oom || !f[c];
	}
	int rc = oom ? -1 : results_append(o->out, rows, job->npoints);
	if (oom)
		log_error("out of memory");
	for (size_t r = 0; rows && r < job->npoints; r++) {
		for (size_t c = 0; rows[r] && c < l->n; c++)
			free(rows[r][c]);
		free(rows[r]);
	}
	free(rows);
	*failed = !ok;
	return rc;
}

/* ---- the loop ---------------------------------------------------------------------------- */

long jobs_run(const struct jobs *j, const struct jobs_opts *o)
{
	struct mpi_world *w = o->world;
	bool leader = w->rank == 0;
	struct run_pool pool;
	struct progress prog;
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/points", o->pl->workdir);
	if (mkdir(dir, 0777) && errno != EEXIST) {
		log_error("%s: cannot create: %s", dir, strerror(errno));
		return -1;
	}
	if (run_pool_init(&pool, o->jobs)) {
		log_error("out of memory");
		return -1;
	}
	if (leader)
		progress_init(&prog, stderr, j->npoints, o->quiet);
	size_t next = (size_t)w->rank, ranks_done = 1;
	long failed = 0;
	int rc = 0;
	bool told = false; /* a worker has told rank 0 it is done */
	for (;;) {
		bool stopping = *o->stop != 0;
		while (!stopping && !rc && !run_pool_full(&pool) && next < j->n) {
			if (jobs_start(&pool, o->pl, &j->v[next], next))
				rc = -1;
			next += (size_t)w->size;
		}
		size_t tag;
		int status;
		bool busy = false;
		if (run_reap(&pool, &tag, &status)) {
			busy = true;
			const struct jobs_job *job = &j->v[tag];
			if (jobs_settle(o->pl, job, status, stopping)) {
				bool bad;
				if (!leader) {
					if (mpi_send(w, (int32_t)tag, (int32_t)status))
						rc = -1;
				} else if (jobs_record(o, job, status, &bad)) {
					rc = -1;
				} else {
					failed += bad;
					for (size_t i = 0; i < job->npoints; i++)
						progress_step(&prog, bad);
				}
			}
		}
		int32_t mjob, mstatus;
		while (leader && mpi_poll(w, &mjob, &mstatus)) {
			busy = true;
			if (mjob < 0) {
				ranks_done++;
				continue;
			}
			bool bad;
			const struct jobs_job *job = &j->v[mjob];
			if (jobs_record(o, job, mstatus, &bad)) {
				rc = -1;
				continue;
			}
			failed += bad;
			for (size_t i = 0; i < job->npoints; i++)
				progress_step(&prog, bad);
		}
		bool mine_left = !stopping && !rc && next < j->n;
		if (!pool.n && !mine_left) {
			if (!leader && !told) {
				mpi_send(w, -1, 0);
				told = true;
			}
			if (!leader || ranks_done >= (size_t)w->size || stopping || rc)
				break;
		}
		if ((stopping || rc) && pool.n)
			run_signal_all(&pool, SIGTERM);
		if (leader)
			progress_tick(&prog);
		if (!busy)
			run_nap();
	}
	run_pool_fini(&pool);
	if (leader)
		progress_end(&prog);
	if (rc)
		return -1;
	return *o->stop ? -2 : failed;
}
