/* test_simrun — runs simrun on a trace written from a string, for the tests that check what
 * physics fixes (test_physics, test_energy, test_attention, test_timing). The machine is
 * configs/a100_24.cfg unless named; `extra` adds options (--set ...). Needs NMSIM_BUILD_DIR and
 * NMSIM_SOURCE_DIR (ctest sets them). Include after <cmocka.h>. */
#ifndef NMSIM_TEST_SIMRUN_H
#define NMSIM_TEST_SIMRUN_H

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One op of the CSV report. */
struct simrun_row {
	double time_s;
	double bytes;    /* device-memory bytes */
	double kernel_s; /* time_s without the launch gap */
	double decode_s; /* time a core spent decoding operands */
	double clock_mhz;
	double mem_latency_s; /* the memory latency its loads waited */
	char bound[16];
};

#define SIMRUN_MAX_ROWS 32
static struct simrun_row rows[SIMRUN_MAX_ROWS];
static int nrows;

/* Writes trace to a temporary file (path receives its name) and returns the simrun command
 * prefix in cmd, for the machine `arch` (a path under the source tree). */
static inline void simrun_prepare_on(const char *arch, const char *trace, const char *extra,
                                     char *path, char *cmd, size_t len)
{
	const char *build = getenv("NMSIM_BUILD_DIR"), *src = getenv("NMSIM_SOURCE_DIR");
	assert_non_null(build);
	assert_non_null(src);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs(trace, f);
	fclose(f);
	snprintf(cmd, len, "%s/simrun -q --arch %s/%s %s", build, src, arch, extra);
}

static inline void simrun_prepare(const char *trace, const char *extra, char *path, char *cmd, size_t len)
{
	simrun_prepare_on("configs/a100_24.cfg", trace, extra, path, cmd, len);
}

/* Splits a CSV line without quoted fields at commas, empty fields kept; returns the count. */
static inline int csv_split(char *line, char **field, int max)
{
	int n = 0;
	line[strcspn(line, "\r\n")] = 0;
	for (char *p = line; n < max;) {
		field[n++] = p;
		p = strchr(p, ',');
		if (!p)
			break;
		*p++ = 0;
	}
	return n;
}

/* Runs the trace on machine `arch` and fills rows[] from the CSV report (columns by name). */
static inline void run_trace_on(const char *arch, const char *trace, const char *extra)
{
	char path[] = "/tmp/nmsim-test-XXXXXX", cmd[4096], full[4400];
	simrun_prepare_on(arch, trace, extra, path, cmd, sizeof cmd);
	snprintf(full, sizeof full, "%s --csv - %s", cmd, path);
	FILE *p = popen(full, "r");
	assert_non_null(p);
	char head[1024], line[1024], *name[32], *field[32];
	nrows = 0;
	assert_non_null(fgets(head, sizeof head, p));
	int ncols = csv_split(head, name, 32);
	while (fgets(line, sizeof line, p) && nrows < SIMRUN_MAX_ROWS) {
		assert_int_equal(csv_split(line, field, 32), ncols);
		struct simrun_row *r = &rows[nrows++];
		memset(r, 0, sizeof *r);
		for (int i = 0; i < ncols; i++) {
			if (!strcmp(name[i], "time_s"))
				r->time_s = atof(field[i]);
			else if (!strcmp(name[i], "bytes"))
				r->bytes = atof(field[i]);
			else if (!strcmp(name[i], "kernel_s"))
				r->kernel_s = atof(field[i]);
			else if (!strcmp(name[i], "decode_s"))
				r->decode_s = atof(field[i]);
			else if (!strcmp(name[i], "clock_mhz"))
				r->clock_mhz = atof(field[i]);
			else if (!strcmp(name[i], "mem_latency_s"))
				r->mem_latency_s = atof(field[i]);
			else if (!strcmp(name[i], "bound"))
				snprintf(r->bound, sizeof r->bound, "%s", field[i]);
		}
	}
	assert_int_equal(pclose(p), 0);
	unlink(path);
}

/* Runs the trace on configs/a100_24.cfg and fills rows[]. */
static inline void run_trace(const char *trace, const char *extra)
{
	run_trace_on("configs/a100_24.cfg", trace, extra);
}

/* Runs the trace on the machine `arch` and returns its JSON report (json_object_put it). */
static inline json_object *run_json_on(const char *arch, const char *trace, const char *extra)
{
	char path[] = "/tmp/nmsim-test-XXXXXX", jpath[] = "/tmp/nmsim-test-json-XXXXXX";
	char cmd[4096], full[4400];
	simrun_prepare_on(arch, trace, extra, path, cmd, sizeof cmd);
	int jfd = mkstemp(jpath);
	assert_true(jfd >= 0);
	close(jfd);
	snprintf(full, sizeof full, "%s --json %s %s >/dev/null", cmd, jpath, path);
	assert_int_equal(system(full), 0);
	json_object *r = json_object_from_file(jpath);
	assert_non_null(r);
	unlink(path);
	unlink(jpath);
	return r;
}

/* Runs the trace on configs/a100_24.cfg and returns its JSON report. */
static inline json_object *run_json(const char *trace, const char *extra)
{
	return run_json_on("configs/a100_24.cfg", trace, extra);
}

/* The number at a dotted path of a JSON report ("total.energy_j"). */
static inline double json_get(json_object *o, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	json_object *cur = o;
	for (char *tok = strtok(buf, "."); tok; tok = strtok(NULL, "."))
		assert_true(json_object_object_get_ex(cur, tok, &cur));
	return json_object_get_double(cur);
}

#endif
