/* simsweep — declarative, resumable design-space sweeps of simrun: on one machine, under MPI,
 * and as Slurm job arrays.
 *
 *   simsweep SWEEP.cfg -o results.csv [-j N] [--force] [--shard I/N] [--jsonl FILE]
 *   mpirun -n 64 simsweep SWEEP.cfg -o results.csv
 *   simsweep merge results.csv part-*.csv
 *   simsweep report results.csv [--sort METRIC] [--pareto M1,M2[,M3]] [--plot DIR]
 *
 * Flow of a run: the sweep file (sweep/sweepfile) -> every point's machine checked and its
 * trace found (sweep/plan) -> the results file opened, its finished points read back
 * (sweep/results) -> the traces made, the point ids -> the jobs still to run (sweep/jobs),
 * run -j at a time, a row appended as each ends. docs/sweeps.md is the user's guide.
 */
#define _DEFAULT_SOURCE /* realpath */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/cliopt.h"
#include "sim/log.h"
#include "sweep/analysis.h"
#include "sweep/jobs.h"
#include "sweep/mpi.h"
#include "sweep/plan.h"
#include "sweep/results.h"
#include "sweep/sweepfile.h"

/* Set by SIGINT and SIGTERM: the loops stop starting work, end their children and return. */
static volatile sig_atomic_t simsweep_stop;

static void simsweep_on_signal(int sig)
{
	simsweep_stop = sig;
}

/* The exit status of a run in which FAILED points failed (docs/sweeps.md). */
static int simsweep_failed_status(long failed)
{
	return failed ? 10 + (int)(failed < 100 ? failed : 100) : 0;
}

static void usage(FILE *out)
{
	fputs(
	    "usage: simsweep SWEEP.cfg -o RESULTS.csv [options]\n"
	    "       mpirun -n N simsweep SWEEP.cfg -o RESULTS.csv [options]\n"
	    "       simsweep merge RESULTS.csv PART.csv...\n"
	    "       simsweep report RESULTS.csv [--sort METRIC] [--pareto M1,M2[,M3]] [--plot "
	    "DIR]\n"
	    "\n"
	    "Runs every point of a sweep file (machines x workloads x axes) with simrun, each in\n"
	    "its own process, and appends one row per point to RESULTS.csv as it finishes. A\n"
	    "rerun skips the points already there and runs the failed ones again.\n"
	    "\n"
	    "  -o, --output FILE   the results (CSV); its work folder is FILE.d (reports, traces)\n"
	    "  -j, --jobs N        simruns at a time (default: the CPUs; 1 per rank under MPI)\n"
	    "  --force             run every point again (the old file is kept as FILE.prev)\n"
	    "  --shard I/N         run only the I-th of N shares (0 <= I < N) of the points, for\n"
	    "                      Slurm job arrays; simsweep merge joins the shards' files\n"
	    "  --jsonl FILE        also write the rows as JSON lines\n"
	    "  --check             check the sweep file and every point's machine (with -o, make\n"
	    "                      the traces too), then exit without simulating\n"
	    "  -q, --quiet         no progress, only errors on standard error (also for\n"
	    "                      report and merge); -v, --verbose: more\n"
	    "  --version, --help\n"
	    "\n"
	    "report options:\n"
	    "  --sort METRIC       order of the table (default time_s; tokens_per_s: highest "
	    "first)\n"
	    "  --pareto M1,M2[,M3] the Pareto front (each minimised unless METRIC:max; "
	    "tokens_per_s\n"
	    "                      is maximised), marked in the file's pareto column\n"
	    "  --plot DIR          figures through gnuplot, PNG and SVG: a metric against an "
	    "axis,\n"
	    "                      one series per value of another (--metric, --x, --series), and\n"
	    "                      the Pareto scatter\n"
	    "  --top N             rows of the table (default 20; 0: all)\n"
	    "\n"
	    "Exit status: 0 every point ran; 10 + the number of failed points (110 for 100 or\n"
	    "more); 2 bad input (the sweep file, a point, the results file: FILE:LINE: what);\n"
	    "1 an internal error; 130 / 143 interrupted (what finished is kept).\n",
	    out);
}

/* ---- simsweep report / merge ------------------------------------------------------------- */

static int simsweep_report(int argc, char **argv)
{
	enum { O_SORT = 256, O_PARETO, O_PLOT, O_X, O_SERIES, O_METRIC, O_TOP, O_HELP };
	static const struct option opts[] = {
		{ "sort", required_argument, NULL, O_SORT },
		{ "pareto", required_argument, NULL, O_PARETO },
		{ "plot", required_argument, NULL, O_PLOT },
		{ "x", required_argument, NULL, O_X },
		{ "series", required_argument, NULL, O_SERIES },
		{ "metric", required_argument, NULL, O_METRIC },
		{ "top", required_argument, NULL, O_TOP },
		{ "help", no_argument, NULL, O_HELP },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct analysis_opts o = { .top = 20 };
	int c;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "qv", opts, NULL)) != -1) {
		switch (c) {
		case 'q': log_set_level(LOG_ERROR); break;
		case 'v': log_set_level(log_get_level() < LOG_INFO ? LOG_INFO : LOG_DEBUG); break;
		case O_SORT: o.sort = optarg; break;
		case O_PARETO: o.pareto = optarg; break;
		case O_PLOT: o.plot = optarg; break;
		case O_X: o.x = optarg; break;
		case O_SERIES: o.series = optarg; break;
		case O_METRIC: o.metric = optarg; break;
		case O_TOP: {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 0) {
				log_error("--top %s: expected a count >= 0", optarg);
				return EXIT_USER_ERROR;
			}
			o.top = (size_t)n;
			break;
		}
		case O_HELP: usage(stdout); return 0;
		default:
			log_error(
			    "report: unknown option or missing value '%s' (see simsweep --help)",
			    argv[optind - 1]);
			return EXIT_USER_ERROR;
		}
	}
	if (optind != argc - 1) {
		log_error("report: expected one RESULTS.csv (see simsweep --help)");
		return EXIT_USER_ERROR;
	}
	o.file = argv[optind];
	return analysis_report(&o);
}

/* ---- a run ------------------------------------------------------------------------------- */

struct simsweep_args {
	const char *sweep, *out, *jsonl;
	size_t jobs;
	bool jobs_given, force, check, quiet;
	long shard, shards; /* --shard I/N; shards 0 when not given */
};

/* The folder of path p resolved (realpath) with p's last name after it, into out; false
 * when the folder does not resolve. */
static bool canonical(const char *p, char *out, size_t len)
{
	const char *slash = strrchr(p, '/');
	char dir[PATH_MAX], real[PATH_MAX];
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == p)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - p), p);
	if (!realpath(dir, real))
		return false;
	return snprintf(out, len, "%s/%s", real, slash ? slash + 1 : p) < (int)len;
}

/* Whether paths a and b name one file: the same text, the same inode (both existing), or
 * the same name in the same folder (files not made yet). */
static bool same_file(const char *a, const char *b)
{
	struct stat x, y;
	char ca[2 * PATH_MAX], cb[2 * PATH_MAX];
	if (!strcmp(a, b))
		return true;
	if (!stat(a, &x) && !stat(b, &y))
		return x.st_dev == y.st_dev && x.st_ino == y.st_ino;
	return canonical(a, ca, sizeof ca) && canonical(b, cb, sizeof cb) && !strcmp(ca, cb);
}

static int simsweep_args(int argc, char **argv, struct simsweep_args *a)
{
	enum { O_FORCE = 256, O_SHARD, O_JSONL, O_CHECK, O_VERSION, O_HELP };
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "force", no_argument, NULL, O_FORCE },
		{ "shard", required_argument, NULL, O_SHARD },
		{ "jsonl", required_argument, NULL, O_JSONL },
		{ "check", no_argument, NULL, O_CHECK },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, O_VERSION },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	memset(a, 0, sizeof *a);
	int c, level = LOG_WARN;
	opterr = 0;
	int given[CLIOPT_VALUES] = { 0 };
	while ((c = getopt_long(argc, argv, "o:j:qv", opts, NULL)) != -1) {
		if (cliopt_twice(opts, c, optarg, given))
			return -1;
		switch (c) {
		case 'o': a->out = optarg; break;
		case 'j': {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 4096) {
				log_error("-j %s: expected a count in [1, 4096]", optarg);
				return -1;
			}
			a->jobs = (size_t)n;
			a->jobs_given = true;
			break;
		}
		case O_FORCE: a->force = true; break;
		case O_SHARD: {
			char *end;
			errno = 0; /* strtol saturates out-of-range numbers: ERANGE tells */
			a->shard = strtol(optarg, &end, 10);
			if (*end != '/' || end == optarg ||
			    (a->shards = strtol(end + 1, &end, 10)) < 1 || *end || a->shard < 0 ||
			    a->shard >= a->shards || errno == ERANGE || a->shards > INT_MAX) {
				log_error("--shard %s: expected I/N with 0 <= I < N <= %d", optarg,
				          INT_MAX);
				return -1;
			}
			break;
		}
		case O_JSONL: a->jsonl = optarg; break;
		case O_CHECK: a->check = true; break;
		case 'q': a->quiet = true; break;
		case 'v': level = level < LOG_INFO ? LOG_INFO : LOG_DEBUG; break;
		case O_VERSION: {
			char mpi[256];
			printf("simsweep (nmsim) %s, %s\n", NMSIM_VERSION,
			       mpi_describe(mpi, sizeof mpi));
			exit(0);
		}
		case O_HELP: usage(stdout); exit(0);
		default:
			log_error("unknown option or missing value '%s' (see simsweep --help)",
			          argv[optind - 1]);
			return -1;
		}
	}
	log_set_level(a->quiet ? LOG_ERROR : (enum log_level)level);
	if (optind != argc - 1) {
		log_error(optind == argc ? "no SWEEP.cfg given (see simsweep --help)"
		                         : "more than one SWEEP.cfg given (see simsweep --help)");
		return -1;
	}
	a->sweep = argv[optind];
	if (!a->out && !a->check) {
		log_error("-o RESULTS.csv is required (see simsweep --help)");
		return -1;
	}
	/* Two of the files named alike would overwrite one another. */
	const char *files[] = { a->sweep, a->out, a->jsonl };
	const char *what[] = { "SWEEP.cfg", "-o", "--jsonl" };
	for (int i = 0; i < 3; i++)
		for (int j = i + 1; j < 3; j++)
			if (files[i] && files[j] && same_file(files[i], files[j])) {
				log_error("%s %s and %s %s are the same file", what[i], files[i],
				          what[j], files[j]);
				return -1;
			}
	return 0;
}

/* Everything rank 0 does before the jobs run; the exit status, or -1 to go on. */
static int simsweep_prepare(const struct simsweep_args *a, struct mpi_world *w,
                            struct sweepfile *sw, struct plan *pl, struct results_layout *l,
                            struct results_writer *out, struct jobs *jobs, const char *workdir)
{
	if (sweepfile_load(a->sweep, sw) || sweepfile_check_traces(sw) ||
	    results_layout_sweep(l, sw) ||
	    plan_init(pl, sw, workdir))
		return EXIT_USER_ERROR;
	bool *mine = NULL;
	if (a->shards) {
		if (!(mine = calloc(sw->npoints, sizeof *mine)))
			return EXIT_INTERNAL_ERROR;
		for (size_t p = 0; p < sw->npoints; p++)
			mine[p] = p % (size_t)a->shards == (size_t)a->shard;
	}
	struct results_table done;
	int status = EXIT_USER_ERROR;
	if (a->check && !a->out) {
		status = 0;
		goto checked;
	}
	if (results_lock(out, a->out))
		goto out;
	/* Rank 0 makes every trace (the other ranks are idle until then); a trace tracegen
	 * cannot make is a bad point, found before any simrun and before the results file. */
	size_t tjobs = a->jobs * (size_t)w->size;
	if (plan_prepare(pl, mine, tjobs, &simsweep_stop)) {
		status = simsweep_stop > 0 ? 128 + simsweep_stop : EXIT_USER_ERROR;
		goto out;
	}
	if (a->check) {
		status = 0;
		goto checked;
	}
	if (results_open(out, a->out, a->jsonl, l, a->force, true, &done))
		goto out;
	jobs_clean(workdir);
	status = jobs_list(jobs, pl, mine, &done, l) ? EXIT_INTERNAL_ERROR : -1;
	size_t total = a->shards ? 0 : sw->npoints;
	for (size_t p = 0; a->shards && p < sw->npoints; p++)
		total += mine[p];
	log_info("%s: %zu points, %zu to run (%zu simruns), %zu already in %s", a->sweep, total,
	         jobs->npoints, jobs->n, total - jobs->npoints, a->out);
	results_table_free(&done);
	goto out;
checked:
	printf("%s: %zu point%s, %zu distinct machine%s, %zu trace%s%s: ok\n", a->sweep,
	       sw->npoints, sw->npoints == 1 ? "" : "s", pl->nmachines,
	       pl->nmachines == 1 ? "" : "s", pl->ntraces, pl->ntraces == 1 ? "" : "s",
	       a->out ? " (made)" : "");
out:
	free(mine);
	return status;
}

static int simsweep_run(int argc, char **argv)
{
	struct mpi_world w;
	if (mpi_start(&w, &argc, &argv))
		return EXIT_INTERNAL_ERROR;
	struct simsweep_args a;
	if (simsweep_args(argc, argv, &a))
		mpi_abort(&w, EXIT_USER_ERROR);
	if (!a.jobs_given) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		a.jobs = w.size > 1 ? 1 : cpus > 0 ? (size_t)cpus : 1;
	}
	if (w.size > 1 && a.shards) {
		if (w.rank == 0)
			log_error(
			    "--shard and MPI do not mix: give each job array task its own run");
		mpi_abort(&w, EXIT_USER_ERROR);
	}
	struct sigaction sa = { .sa_handler = simsweep_on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* Every simrun of a point: no SystemC banner on its standard output. */
	setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);

	char workdir[PATH_MAX], prefix[PATH_MAX];
	snprintf(workdir, sizeof workdir, "%s.d", a.out ? a.out : a.sweep);
	const char *base = a.out && strrchr(a.out, '/') ? strrchr(a.out, '/') + 1 : a.out;
	snprintf(prefix, sizeof prefix, "%s.d/points", base ? base : "");

	struct sweepfile sw = { 0 };
	struct plan pl = { 0 };
	struct results_layout l = { 0 };
	struct results_writer out = { .fd = -1, .jfd = -1, .lockfd = -1 };
	struct jobs jobs = { 0 };
	int32_t status = -1;
	if (w.rank == 0)
		status = simsweep_prepare(&a, &w, &sw, &pl, &l, &out, &jobs, workdir);
	if (mpi_broadcast(&w, &status, sizeof status))
		mpi_abort(&w, EXIT_INTERNAL_ERROR);
	if (status >= 0) {
		results_close(&out);
		jobs_free(&jobs);
		plan_fini(&pl);
		results_layout_free(&l);
		sweepfile_free(&sw);
		mpi_stop(&w);
		return status;
	}
	if (w.rank != 0) {
		/* Rank 0 checked all this; here it only rebuilds the points' commands. */
		if (sweepfile_load(a.sweep, &sw) || plan_init(&pl, &sw, workdir))
			mpi_abort(&w, EXIT_INTERNAL_ERROR);
	}
	if (jobs_broadcast(&jobs, &w))
		mpi_abort(&w, EXIT_INTERNAL_ERROR);
	struct jobs_opts o = { &pl, &w, a.jobs, &out, &l, prefix, a.quiet, &simsweep_stop };
	long failed = jobs_run(&jobs, &o);
	int rc;
	if (failed == -2) {
		if (w.rank == 0)
			log_error("interrupted: the rows written are kept; run the same command to "
			          "go on");
		rc = 128 + simsweep_stop;
	} else {
		rc = failed < 0 ? EXIT_INTERNAL_ERROR : simsweep_failed_status(failed);
		if (w.rank == 0 && failed > 0)
			log_warn(
			    "%ld points failed (status failed in %s; they run again next time)",
			    failed, a.out);
	}
	results_close(&out);
	jobs_free(&jobs);
	plan_fini(&pl);
	results_layout_free(&l);
	sweepfile_free(&sw);
	if (failed == -2 || failed == -1)
		mpi_abort(&w, rc);
	mpi_stop(&w);
	return rc;
}

int main(int argc, char **argv)
{
	log_set_program("simsweep");
	if (argc > 1 && !strcmp(argv[1], "report"))
		return simsweep_report(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "merge")) {
		/* -q / -v anywhere; the rest are files. */
		int n = 2;
		for (int i = 2; i < argc; i++) {
			if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
				log_set_level(LOG_ERROR);
			else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))
				log_set_level(LOG_INFO);
			else
				argv[n++] = argv[i];
		}
		argc = n;
		if (argc < 4) {
			log_error("merge: expected RESULTS.csv PART.csv... (see simsweep --help)");
			return EXIT_USER_ERROR;
		}
		return analysis_merge(argv[2], argv + 3, (size_t)(argc - 3));
	}
	return simsweep_run(argc, argv);
}
