/* vrun — simulates the validation rows: one trace per machine and measurement setup, written
 * with the trace writer and replayed by one simrun process; one tracegen + simrun chain per
 * whole-model run (model rows with the same machine, setup and arguments share one). Processes are started with posix_spawn (no shell), several at a time, and a
 * line of progress is printed as each finishes. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wordexp.h>

#include "validation/vrun.h"

extern char **environ;

/* One chain of commands (run in order, each only if the previous exited 0) and what to read
 * back when it is done. */
struct vjob {
	char **cmds[2];
	size_t ncmds, next;
	pid_t pid;
	char *label;
	char *trace, *out, *roof;   /* temporary files, removed afterwards */
	const char *machine, *sets; /* an op job's rows: these, not skipped, of kind VROW_OP */
	struct vrow *model;         /* a model job's first row (others may share its run) */
	bool failed;
};

static char *temp_file(const char *tag)
{
	const char *dir = getenv("TMPDIR");
	char *path = vx_printf("%s/nmvalidate-%s-XXXXXX", dir && *dir ? dir : "/tmp", tag);
	int fd = mkstemp(path);
	if (fd < 0) {
		fprintf(stderr, "nmvalidate: %s: %s\n", path, strerror(errno));
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

/* argv of simrun on trace with the row's --set options; out gets the CSV (or JSON). */
static char **simrun_argv(const struct vrun_opts *o, const char *config, const char *sets,
                          const char *trace, const char *out, bool json, const char *roof)
{
	wordexp_t we;
	if (wordexp(sets, &we, WRDE_NOCMD | WRDE_UNDEF)) {
		fprintf(stderr, "nmvalidate: cannot split the setup '%s' into options\n", sets);
		return NULL;
	}
	size_t n = 0;
	char **argv = vx_malloc((we.we_wordc + 12) * sizeof *argv);
	argv[n++] = vx_printf("%s/simrun", o->bindir);
	argv[n++] = vx_strdup("-q");
	/* A group's kernels share one trace, each with its own weight: they never sit in device
	 * memory together, so their sum is no capacity. */
	argv[n++] = vx_strdup("--ignore-capacity");
	argv[n++] = vx_strdup("--arch");
	argv[n++] = vx_strdup(config);
	for (size_t i = 0; i < we.we_wordc; i++)
		argv[n++] = vx_strdup(we.we_wordv[i]);
	argv[n++] = vx_strdup(json ? "--json" : "--csv");
	argv[n++] = vx_strdup(out);
	argv[n++] = vx_strdup("--roofline");
	argv[n++] = vx_strdup(roof);
	argv[n++] = vx_strdup(trace);
	argv[n] = NULL;
	wordfree(&we);
	return argv;
}

static void argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

static bool op_row_in(const struct vrow *r, const char *machine, const char *sets)
{
	return r->kind == VROW_OP && !r->skip && !strcmp(r->machine, machine) &&
	       !strcmp(r->sets, sets);
}

/* Writes the trace of every op row of (machine, sets). 0 / -1. */
static int write_op_trace(const struct vdata *d, const char *machine, const char *sets,
                          const char *path)
{
	char err[512];
	struct trace_writer *w = trace_writer_open(path, false, err, sizeof err);
	if (!w) {
		fprintf(stderr, "nmvalidate: %s\n", err);
		return -1;
	}
	char *meta = vx_printf("source=nmvalidate machine=%s", machine);
	int rc = trace_write_meta(w, meta);
	free(meta);
	for (size_t i = 0; i < d->nrows && !rc; i++) {
		const struct vrow *r = &d->rows[i];
		if (!op_row_in(r, machine, sets))
			continue;
		if (r->has_weight)
			rc = trace_write_tensor(w, &r->weight);
		struct trace_op op = r->op;
		if (r->has_weight)
			op.gemm.w = &r->weight;
		op.name = r->id;
		if (!rc)
			rc = trace_write_op(w, &op);
	}
	if (rc)
		fprintf(stderr, "nmvalidate: %s\n", trace_writer_error(w));
	if (trace_writer_close(w))
		rc = -1;
	return rc;
}

/* The roofline parts of every op of a run: parts[i] of op i, and its step in steps[i]. */
static int read_roofline(const char *path, struct vparts **parts, uint64_t **steps, size_t *n)
{
	struct vcsv_table t;
	if (vcsv_read(path, &t))
		return -1;
	int c_step = vcsv_col(&t, "step"), c_c = vcsv_col(&t, "compute_s"),
	    c_m = vcsv_col(&t, "memory_s"), c_h = vcsv_col(&t, "host_s");
	if (c_step < 0 || c_c < 0 || c_m < 0 || c_h < 0) {
		fprintf(stderr, "nmvalidate: %s: not a roofline file\n", path);
		vcsv_free(&t);
		return -1;
	}
	*n = t.nrows - 1;
	*parts = vx_malloc((*n ? *n : 1) * sizeof **parts);
	*steps = vx_malloc((*n ? *n : 1) * sizeof **steps);
	for (size_t i = 1; i < t.nrows; i++) {
		(*parts)[i - 1] =
		    (struct vparts){ atof(vcsv_get(&t, i, c_c)), atof(vcsv_get(&t, i, c_m)),
			             atof(vcsv_get(&t, i, c_h)) };
		(*steps)[i - 1] = strtoull(vcsv_get(&t, i, c_step), NULL, 10);
	}
	vcsv_free(&t);
	return 0;
}

/* Reads simrun's per-op CSV back into the job's rows (ops are in row order). */
static int read_op_results(struct vdata *d, const struct vjob *j)
{
	struct vparts *parts;
	uint64_t *steps;
	size_t nparts, next = 0;
	if (read_roofline(j->roof, &parts, &steps, &nparts))
		return -1;
	for (size_t i = 0; i < d->nrows; i++) {
		struct vrow *r = &d->rows[i];
		if (!op_row_in(r, j->machine, j->sets))
			continue;
		if (next >= nparts)
			break;
		free(r->parts);
		r->parts = vx_malloc(sizeof *r->parts);
		r->parts[0] = parts[next++];
		r->nparts = 1;
	}
	free(parts);
	free(steps);
	struct vcsv_table t;
	if (vcsv_read(j->out, &t))
		return -1;
	int c_time = vcsv_col(&t, "time_s");
	size_t op = 1;
	int rc = 0;
	for (size_t i = 0; i < d->nrows && !rc; i++) {
		struct vrow *r = &d->rows[i];
		if (!op_row_in(r, j->machine, j->sets))
			continue;
		if (c_time < 0 || op >= t.nrows) {
			fprintf(stderr, "nmvalidate: %s: fewer results than ops\n", j->label);
			rc = -1;
			break;
		}
		r->sim = vrow_value(r, atof(vcsv_get(&t, op++, c_time)));
	}
	vcsv_free(&t);
	return rc;
}

/* A number of the report's "total" object, or -1 when absent. */
static double report_total(json_object *rep, const char *key)
{
	json_object *total, *v;
	if (rep && json_object_object_get_ex(rep, "total", &total) &&
	    json_object_object_get_ex(total, key, &v))
		return json_object_get_double(v);
	return -1;
}

/* A whole-trace metric of a model run's report: time, energy, or ops (two per MAC) over either;
 * 0 when it cannot be formed. */
static double model_total_value(json_object *rep, const char *metric)
{
	double t = report_total(rep, "time_s"), e = report_total(rep, "energy_j");
	double ops = 2 * report_total(rep, "macs");
	if (!strcmp(metric, "time_ms"))
		return t > 0 ? t * 1e3 : 0;
	if (!strcmp(metric, "energy_mj"))
		return e > 0 ? e * 1e3 : 0;
	if (!strcmp(metric, "gops_s"))
		return t > 0 && ops > 0 ? ops / t * 1e-9 : 0;
	return e > 0 && ops > 0 ? ops / e * 1e-9 : 0; /* gops_j */
}

/* Model rows that share one run: the same machine, setup and tracegen arguments. */
static bool same_run(const struct vrow *a, const struct vrow *b)
{
	if (a->kind != VROW_MODEL || b->kind != VROW_MODEL || a->skip || b->skip ||
	    strcmp(a->machine, b->machine) || strcmp(a->sets, b->sets) ||
	    a->tracegen_argc != b->tracegen_argc)
		return false;
	for (size_t i = 0; i < a->tracegen_argc; i++)
		if (strcmp(a->tracegen_argv[i], b->tracegen_argv[i]))
			return false;
	return true;
}

/* A model row's metric from its run's JSON report: the mean time of the decode steps (with
 * the roofline parts of those steps' ops), or a whole-trace figure (a measured whole-trace
 * time with the roofline parts of every op; a simulated input of a ratio, none). */
static int read_model_row(const struct vjob *j, struct vrow *r)
{
	json_object *rep = json_object_from_file(j->out), *steps;
	if (strcmp(r->metric, "time_per_token_ms")) {
		double v = model_total_value(rep, r->metric);
		json_object_put(rep);
		if (v <= 0) {
			fprintf(stderr, "nmvalidate: %s: no %s in the report\n", j->label,
			        r->metric);
			return -1;
		}
		r->sim = v;
		if (strcmp(r->metric, "time_ms") || !(r->value > 0))
			return 0;
		uint64_t *step_of;
		free(r->parts);
		r->parts = NULL;
		r->nparts = r->ndecode = 0;
		if (read_roofline(j->roof, &r->parts, &step_of, &r->nparts))
			return -1;
		free(step_of);
		return 0;
	}
	double sum = 0;
	size_t n = 0, nsteps = 0;
	bool *decode = NULL;
	if (rep && json_object_object_get_ex(rep, "steps", &steps)) {
		nsteps = json_object_array_length(steps);
		decode = vx_malloc((nsteps ? nsteps : 1) * sizeof *decode);
		for (size_t k = 0; k < nsteps; k++) {
			json_object *st = json_object_array_get_idx(steps, k), *kind, *t;
			decode[k] = json_object_object_get_ex(st, "kind", &kind) &&
			            !strcmp(json_object_get_string(kind), "decode") &&
			            json_object_object_get_ex(st, "time_s", &t);
			if (decode[k]) {
				sum += json_object_get_double(t);
				n++;
			}
		}
	}
	json_object_put(rep);
	if (!n) {
		free(decode);
		free(r->why);
		r->why = vx_strdup("no decode step in the generated trace");
		r->skip = true;
		return 0;
	}
	r->sim = vrow_value(r, sum / (double)n);
	/* The roofline of the decode steps: their ops' parts. */
	struct vparts *parts;
	uint64_t *step_of;
	size_t nparts;
	if (read_roofline(j->roof, &parts, &step_of, &nparts)) {
		free(decode);
		return -1;
	}
	free(r->parts);
	r->parts = vx_malloc((nparts ? nparts : 1) * sizeof *r->parts);
	r->nparts = 0;
	r->ndecode = n;
	for (size_t i = 0; i < nparts; i++)
		if (step_of[i] < nsteps && decode[step_of[i]])
			r->parts[r->nparts++] = parts[i];
	free(parts);
	free(step_of);
	free(decode);
	return 0;
}

/* Every model row the job's run serves (its own and those sharing the run). */
static int read_model_result(struct vdata *d, struct vjob *j)
{
	const struct vrow first = *j->model; /* rows may turn skipped while being read */
	int rc = 0;
	for (size_t i = 0; i < d->nrows && !rc; i++)
		if (&d->rows[i] == j->model || same_run(&first, &d->rows[i]))
			rc = read_model_row(j, &d->rows[i]);
	return rc;
}

static int job_spawn(struct vjob *j)
{
	char **argv = j->cmds[j->next];
	/* The programs' reports go to files; their standard output (simrun's text summary) is
	 * not wanted, their standard error (problems) is. */
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	int e = posix_spawn(&j->pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (e) {
		fprintf(stderr, "nmvalidate: %s: cannot start %s: %s\n", j->label, argv[0],
		        strerror(e));
		return -1;
	}
	return 0;
}

static void job_free(struct vjob *j)
{
	for (size_t c = 0; c < j->ncmds; c++)
		argv_free(j->cmds[c]);
	if (j->trace)
		unlink(j->trace);
	if (j->out)
		unlink(j->out);
	if (j->roof)
		unlink(j->roof);
	free(j->trace);
	free(j->out);
	free(j->roof);
	free(j->label);
}

/* Builds every job: one per (machine, setup) with op rows, one per model row. */
static size_t make_jobs(struct vdata *d, const struct vrun_opts *o, struct vjob **out)
{
	struct vjob *jobs = NULL;
	size_t n = 0;
	for (size_t m = 0; m < d->nmachines; m++) {
		const char *machine = d->machines[m].name;
		if (o->only && strcmp(o->only, machine))
			continue;
		for (size_t i = 0; i < d->nrows; i++) {
			const struct vrow *r = &d->rows[i];
			if (!op_row_in(r, machine, r->sets))
				continue;
			bool seen = false;
			for (size_t k = 0; k < i && !seen; k++)
				seen = op_row_in(&d->rows[k], machine, r->sets);
			if (seen)
				continue;
			jobs = vx_realloc(jobs, (n + 1) * sizeof *jobs);
			struct vjob *j = &jobs[n++];
			memset(j, 0, sizeof *j);
			j->machine = machine;
			j->sets = r->sets;
			j->label = vx_printf("%s%s%s", machine, *r->sets ? " " : "", r->sets);
		}
	}
	for (size_t i = 0; i < d->nrows; i++) {
		struct vrow *r = &d->rows[i];
		if (r->kind != VROW_MODEL || r->skip || (o->only && strcmp(o->only, r->machine)))
			continue;
		bool shared = false; /* an earlier row's run serves this one */
		for (size_t k = 0; k < i && !shared; k++)
			shared = same_run(&d->rows[k], r);
		if (shared)
			continue;
		jobs = vx_realloc(jobs, (n + 1) * sizeof *jobs);
		struct vjob *j = &jobs[n++];
		memset(j, 0, sizeof *j);
		j->model = r;
		j->machine = r->machine;
		j->sets = r->sets;
		j->label = vx_printf("%s (%s)", r->id, r->machine);
	}
	*out = jobs;
	return n;
}

/* Writes a job's inputs and commands. */
static int job_prepare(struct vdata *d, const struct vrun_opts *o, struct vjob *j)
{
	const char *config = vdata_config(d, j->machine);
	if (!config) {
		fprintf(stderr, "nmvalidate: machine %s is not in validation/machines.csv\n",
		        j->machine);
		return -1;
	}
	j->trace = temp_file("trace");
	j->out = temp_file("out");
	j->roof = temp_file("roof");
	if (!j->trace || !j->out || !j->roof)
		return -1;
	if (!j->model) {
		if (write_op_trace(d, j->machine, j->sets, j->trace))
			return -1;
		j->cmds[j->ncmds] =
		    simrun_argv(o, config, j->sets, j->trace, j->out, false, j->roof);
		return j->cmds[j->ncmds++] ? 0 : -1;
	}
	struct vrow *r = j->model;
	char **tg = vx_malloc((r->tracegen_argc + 4) * sizeof *tg);
	size_t n = 0;
	tg[n++] = vx_printf("%s/tracegen", o->bindir);
	for (size_t a = 0; a < r->tracegen_argc; a++)
		tg[n++] = vx_strdup(r->tracegen_argv[a]);
	tg[n++] = vx_strdup("-o");
	tg[n++] = vx_strdup(j->trace);
	tg[n] = NULL;
	j->cmds[j->ncmds++] = tg;
	j->cmds[j->ncmds] = simrun_argv(o, config, j->sets, j->trace, j->out, true, j->roof);
	return j->cmds[j->ncmds++] ? 0 : -1;
}

static int ratio_rows(struct vdata *d)
{
	for (size_t i = 0; i < d->nrows; i++) {
		struct vrow *r = &d->rows[i];
		if (r->kind != VROW_RATIO || r->skip)
			continue;
		const struct vrow *num, *den;
		vdata_ratio_inputs(d, r, &num, &den);
		if (!num || !den || num->sim <= 0 || den->sim <= 0) {
			free(r->why);
			r->why = vx_printf("ratio %s/%s: rows not found or not simulated",
			                   r->num_id, r->den_id);
			r->skip = true;
			continue;
		}
		r->sim = num->sim / den->sim;
	}
	return 0;
}

int vrun_all(struct vdata *d, const struct vrun_opts *o)
{
	struct vjob *jobs;
	size_t njobs = make_jobs(d, o, &jobs), started = 0, running = 0, done = 0;
	int rc = 0;
	for (size_t i = 0; i < njobs && !rc; i++)
		rc = job_prepare(d, o, &jobs[i]);
	while (!rc && done < njobs) {
		while (running < (size_t)o->jobs && started < njobs) {
			if (job_spawn(&jobs[started])) {
				rc = -1;
				break;
			}
			started++;
			running++;
		}
		if (rc || !running)
			break;
		int status;
		pid_t pid = wait(&status);
		if (pid < 0) {
			fprintf(stderr, "nmvalidate: wait: %s\n", strerror(errno));
			rc = -1;
			break;
		}
		struct vjob *j = NULL;
		for (size_t i = 0; i < started && !j; i++)
			if (jobs[i].pid == pid && jobs[i].next < jobs[i].ncmds)
				j = &jobs[i];
		if (!j)
			continue;
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "nmvalidate: %s: %s failed (status %d)\n", j->label,
			        j->cmds[j->next][0], WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			rc = -1;
			break;
		}
		if (++j->next < j->ncmds) {
			rc = job_spawn(j);
			continue;
		}
		running--;
		done++;
		rc = j->model ? read_model_result(d, j) : read_op_results(d, j);
		if (o->progress)
			fprintf(stderr, "nmvalidate: %zu/%zu simulations done (%s)\n", done, njobs,
			        j->label);
	}
	/* After a failure, wait for whatever is still running, then clean up. */
	while (running && wait(NULL) > 0)
		running--;
	for (size_t i = 0; i < njobs; i++)
		job_free(&jobs[i]);
	free(jobs);
	return rc ? rc : ratio_rows(d);
}
