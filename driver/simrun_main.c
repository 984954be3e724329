/* simrun — replays a simtrace v1 trace on a modelled machine and reports time and energy.
 *
 *   simrun --arch ARCH.cfg [--set path=value]... [--json FILE] [--csv FILE] [-q|-v] TRACE
 *
 * The contract (options, exit codes, JSON report) is docs/cli.md. Flow: arguments -> config
 * (sim/cfg via arch) -> a full check of the trace, read once (pass 1: every record checked,
 * every op checked against the machine, ops and steps spooled in binary) -> the machine (arch)
 * -> replay of the spool (pass 2) -> report. A trace is read once, so standard input and pipes
 * work like files.
 *
 * Pass 1 runs in a thread of its own while pass 2 replays what it has spooled so far (the
 * replay waits when it catches up): the two take a core each. The run behaves as if pass 1
 * had run first: nothing is reported, and no output put in place, before pass 1 has passed the
 * whole trace; this thread's errors and warnings are held until then (sim/log.h), and dropped
 * if pass 1 fails, whose error alone then prints; a failed pass 1 stops the replay at its next
 * op; a replay that fails first still waits for pass 1's verdict. An output written in place
 * (standard output, a device) would stream the replay before that verdict: with one, the
 * replay waits for pass 1 to end. The replay depends on nothing but the spooled records, so
 * the reports are the same as with the passes one after the other (NMSIM_ONE_THREAD=1 runs
 * them so, for comparison). The thread never calls SystemC. It also does for the replay what
 * depends only on an op, not on the simulation: each spooled op carries its signature's id
 * (the result cache's key, driver/cache.h) and its groups in the run's statistics
 * (driver/opstats.h), so that the replay, the slower of the two, hashes nothing per op.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/arch.h"
#include "sim/kernel.h"
#include "sim/cliopt.h"
#include "sim/gnuplot.h"
#include "sim/log.h"
#include "sim/outfile.h"
#include "sim/paths.h"
#include "driver/cache.h"
#include "driver/capacity.h"
#include "driver/plot.h"
#include "driver/replay.h"
#include "driver/report.h"
#include "driver/runinfo.h"
#include "driver/timeline.h"
#include "traces/trace.h"

#define MAX_SETS 256

struct simrun_args {
	const char *arch_file, *trace_file, *json_file, *csv_file, *roofline_file;
	const char *timeline_file, *timeline_ops, *plot_dir;
	const char *sets[MAX_SETS];
	size_t nsets;
	bool describe, print_config, use_cache, exact, ignore_capacity;
};

static void usage(FILE *out)
{
	fputs(
	    "usage: simrun --arch ARCH.cfg [options] TRACE\n"
	    "\n"
	    "Replays a simtrace v1 trace (plain or gzip; - for standard input) on the machine\n"
	    "ARCH.cfg describes and reports time, energy and what bounds each op.\n"
	    "\n"
	    "  --arch FILE         architecture file (required); a bare name (a100_24.cfg) not\n"
	    "                      in the current directory is a shipped machine, else one\n"
	    "                      found on NMSIM_CONFIG_PATH (folders separated by ':')\n"
	    "  --set PATH=VALUE    override one setting by its dotted path (repeatable)\n"
	    "  --json FILE         write the JSON report (nmsim.report.v1); - = standard output\n"
	    "  --csv FILE          write one row per op; - = standard output\n"
	    "  --roofline FILE     write each op's plain-roofline parts (peak compute time, peak\n"
	    "                      memory time, host time): the baseline of make validate\n"
	    "  --timeline FILE     write a Chrome trace-event timeline (Perfetto, "
	    "chrome://tracing)\n"
	    "  --timeline-ops SPEC also the per-core tile events of these ops: op indices (as the\n"
	    "                      CSV's), ranges A-B and name globs, comma-separated\n"
	    "  --plot DIR          write PNG and SVG plots (gnuplot): roofline, time and energy\n"
	    "                      by op name, per-step latency\n"
	    "  --ignore-capacity   simulate a trace that does not fit in device memory (hbm.size)\n"
	    "  --describe          print every architecture parameter and exit\n"
	    "  --print-config      print every setting of --arch (with --set) as resolved, one\n"
	    "                      'path = value' line each, and exit (no TRACE needed)\n"
	    "  --no-cache          simulate every op, even repeats (same results, slower)\n"
	    "  --exact             play every tile event of long ops (no steady-state skipping;\n"
	    "                      results differ by well under 0.5 %, runs much slower)\n"
	    "  -q, --quiet         only errors on standard error\n"
	    "  -v, --verbose       more on standard error (repeat for debug)\n"
	    "  --version, --help\n"
	    "\n"
	    "Exit status: 0 simulated; 2 bad input (usage, architecture file, trace); 1 internal "
	    "error.\n",
	    out);
}

static int parse_args(int argc, char **argv, struct simrun_args *a)
{
	enum {
		OPT_ARCH = 256,
		OPT_SET,
		OPT_JSON,
		OPT_CSV,
		OPT_DESCRIBE,
		OPT_VERSION,
		OPT_HELP,
		OPT_NOCACHE,
		OPT_EXACT,
		OPT_ROOFLINE,
		OPT_TIMELINE,
		OPT_TIMELINE_OPS,
		OPT_PLOT,
		OPT_PRINT_CONFIG,
		OPT_IGNORE_CAPACITY
	};
	static const struct option opts[] = {
		{ "arch", required_argument, NULL, OPT_ARCH },
		{ "set", required_argument, NULL, OPT_SET },
		{ "json", required_argument, NULL, OPT_JSON },
		{ "csv", required_argument, NULL, OPT_CSV },
		{ "describe", no_argument, NULL, OPT_DESCRIBE },
		{ "no-cache", no_argument, NULL, OPT_NOCACHE },
		{ "exact", no_argument, NULL, OPT_EXACT },
		{ "roofline", required_argument, NULL, OPT_ROOFLINE },
		{ "timeline", required_argument, NULL, OPT_TIMELINE },
		{ "timeline-ops", required_argument, NULL, OPT_TIMELINE_OPS },
		{ "plot", required_argument, NULL, OPT_PLOT },
		{ "print-config", no_argument, NULL, OPT_PRINT_CONFIG },
		{ "ignore-capacity", no_argument, NULL, OPT_IGNORE_CAPACITY },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	memset(a, 0, sizeof *a);
	a->use_cache = true;
	int verbosity = LOG_WARN, c;
	opterr = 0;
	int given[CLIOPT_VALUES] = { 0 };
	while ((c = getopt_long(argc, argv, "qv", opts, NULL)) != -1) {
		if (c != OPT_SET && cliopt_twice(opts, c, optarg, given)) /* --set adds up */
			return -1;
		switch (c) {
		case OPT_ARCH: a->arch_file = optarg; break;
		case OPT_SET:
			if (!strchr(optarg, '=')) {
				log_error("--set %s: expected PATH=VALUE", optarg);
				return -1;
			}
			if (a->nsets == MAX_SETS) {
				log_error("more than %d --set options", MAX_SETS);
				return -1;
			}
			a->sets[a->nsets++] = optarg;
			break;
		case OPT_JSON: a->json_file = optarg; break;
		case OPT_CSV: a->csv_file = optarg; break;
		case OPT_DESCRIBE: a->describe = true; break;
		case OPT_NOCACHE: a->use_cache = false; break;
		case OPT_EXACT: a->exact = true; break;
		case OPT_ROOFLINE: a->roofline_file = optarg; break;
		case OPT_TIMELINE: a->timeline_file = optarg; break;
		case OPT_TIMELINE_OPS: a->timeline_ops = optarg; break;
		case OPT_PLOT: a->plot_dir = optarg; break;
		case OPT_PRINT_CONFIG: a->print_config = true; break;
		case OPT_IGNORE_CAPACITY: a->ignore_capacity = true; break;
		case 'q': verbosity = LOG_ERROR; break;
		case 'v': verbosity = verbosity < LOG_INFO ? LOG_INFO : LOG_DEBUG; break;
		case OPT_VERSION: printf("simrun (nmsim) %s\n", NMSIM_VERSION); exit(0);
		case OPT_HELP: usage(stdout); exit(0);
		default:
			if (optopt >= OPT_ARCH && optopt <= OPT_PLOT)
				log_error("%s: missing value", argv[optind - 1]);
			else
				log_error("unknown option '%s' (see simrun --help)",
				          argv[optind - 1]);
			return -1;
		}
	}
	log_set_level((enum log_level)verbosity);
	if (a->describe && optind < argc) {
		log_error("--describe takes nothing more: '%s' (see simrun --help)", argv[optind]);
		return -1;
	}
	if (a->describe)
		return 0;
	if (!a->arch_file || !*a->arch_file) {
		log_error("--arch FILE is required (see simrun --help)");
		return -1;
	}
	if (a->print_config && optind == argc)
		return 0;
	if (optind != argc - 1) {
		log_error(optind == argc ? "no TRACE given (see simrun --help)"
		                         : "more than one TRACE given (see simrun --help)");
		return -1;
	}
	a->trace_file = argv[optind];
	/* Before anything runs: a long simulation is not thrown away for want of it. */
	if (a->plot_dir && !gnuplot_found()) {
		log_error("--plot %s: gnuplot is not on PATH (Debian: apt-get install gnuplot-nox)",
		          a->plot_dir);
		return -1;
	}
	int to_stdout = (a->json_file && !strcmp(a->json_file, "-")) +
	                (a->csv_file && !strcmp(a->csv_file, "-")) +
	                (a->roofline_file && !strcmp(a->roofline_file, "-")) +
	                (a->timeline_file && !strcmp(a->timeline_file, "-"));
	if (to_stdout > 1) {
		log_error(
		    "only one of --json -, --csv -, --roofline - and --timeline - can write to "
		    "standard output");
		return -1;
	}
	/* An output never replaces an input, nor the other output. */
	const struct {
		const char *opt, *file;
	} outs[] = { { "--json", a->json_file },
		     { "--csv", a->csv_file },
		     { "--roofline", a->roofline_file },
		     { "--timeline", a->timeline_file } };
	const struct {
		const char *what, *file;
	} ins[] = { { "the trace", a->trace_file },
		    { "the architecture file", a->arch_file },
		    { "the --csv output", a->csv_file },
		    { "the --json output", a->json_file },
		    { "the --roofline output", a->roofline_file } };
	/* Each output against the inputs and the outputs before it in ins. */
	static const size_t nins[] = { 3, 2, 4, 5 };
	if (a->timeline_ops && !a->timeline_file) {
		log_error("--timeline-ops needs --timeline FILE");
		return -1;
	}
	for (size_t o = 0; o < 4; o++)
		for (size_t i = 0; i < nins[o]; i++)
			if (outs[o].file && outfile_is_input(outs[o].file, ins[i].file)) {
				log_error("%s %s: is %s; refusing to overwrite it", outs[o].opt,
				          outs[o].file, ins[i].what);
				return -1;
			}
	return 0;
}

static struct trace_reader *open_trace(const char *file)
{
	char err[4200];
	struct trace_reader *r = trace_open(file, err, sizeof err);
	if (!r)
		log_error("%s", err);
	return r;
}

/* What pass 1 learnt of the trace. */
struct trace_summary {
	uint64_t ops, steps;
	char model[64];             /* meta model=, "" if none */
	char meta[REPORT_META_MAX]; /* every meta record's fields, space-separated ("" if none) */
	/* Steps past REPLAY_STEPS_MAX without ops, not spooled, per kind. */
	uint64_t empty_steps[TRACE_STEP_COUNT];
};

/* check_trace's failure that is not the input's: out of memory, or the spool's file. */
enum { CHECK_INTERNAL = -2 };

/* Pass 1: every record read and checked, every op checked against the machine, ops and steps
 * appended to the spool. The reader stays open (the spooled ops point at its tensors). 0; -1
 * for bad input, CHECK_INTERNAL for a failure of ours (each said why). */
static int check_trace(struct trace_reader *r, const char *file, const struct arch_config *cfg,
                       struct spool *spool, FILE *roofline, struct capacity *cap,
                       struct checked_set *checked, struct opstats *stats,
                       struct trace_summary *sum)
{
	struct trace_record rec;
	int rc;
	uint64_t nsteps = 0, max_step = 0;
	/* A step past REPLAY_STEPS_MAX is spooled only once an op of it comes (a trace of
	 * millions of empty steps spools nothing for them); until then it is pending. */
	struct trace_step pending;
	bool has_pending = false;
	memset(sum, 0, sizeof *sum);
	while ((rc = trace_next(r, &rec)) == 1) {
		switch (rec.kind) {
		case TRACE_REC_STEP:
			nsteps++;
			if (rec.step.index > max_step)
				max_step = rec.step.index;
			if (has_pending)
				sum->empty_steps[pending.kind]++;
			has_pending = false;
			if (rec.step.index >= REPLAY_STEPS_MAX) {
				pending = rec.step;
				has_pending = true;
				break;
			}
			if (spool_put_step(spool, &rec.step)) {
				log_error("%s", spool_write_error(spool));
				return CHECK_INTERNAL;
			}
			break;
		case TRACE_REC_OP: {
			char err[512];
			sum->ops++;
			if (rec.op.step > max_step)
				max_step = rec.op.step;
			/* The replay gets the op's signature id and statistics groups from
			 * here: found in this thread, not in the one that simulates. */
			struct spool_tags tags = { checked_id(checked, &rec.op), { NULL, NULL } };
			if (!tags.sig) {
				if (arch_check_op(cfg, &rec.op, err, sizeof err)) {
					log_error("%s:%llu: %s: %s",
					          !strcmp(file, "-") ? "<stdin>" : file,
					          (unsigned long long)rec.line,
					          trace_op_type_name(rec.op.type), err);
					return -1;
				}
				tags.sig = checked_add(checked, &rec.op);
			}
			if (capacity_op(cap, cfg, &rec.op) ||
			    (stats && opstats_resolve(stats, &rec.op, &tags.stats))) {
				log_error("out of memory");
				return CHECK_INTERNAL;
			}
			if (has_pending && spool_put_step(spool, &pending)) {
				log_error("%s", spool_write_error(spool));
				return CHECK_INTERNAL;
			}
			has_pending = false;
			if (spool_put_op(spool, &rec.op, &tags)) {
				log_error("%s", spool_write_error(spool));
				return CHECK_INTERNAL;
			}
			if (roofline) {
				struct arch_roofline rl;
				arch_roofline(cfg, &rec.op, &rl);
				fprintf(roofline, "%llu,%llu,%.9e,%.9e,%.9e\n",
				        (unsigned long long)rec.op.index,
				        (unsigned long long)rec.op.step, rl.compute_ps * 1e-12,
				        rl.memory_ps * 1e-12, rl.host_ps * 1e-12);
			}
			break;
		}
		case TRACE_REC_META: {
			if (!sum->model[0])
				trace_meta_value(rec.meta_text, "model", sum->model,
				                 sizeof sum->model);
			/* Kept whole or not at all, within the report's bound. */
			size_t have = strlen(sum->meta), add = strlen(rec.meta_text);
			if (add && have + add + 2 <= sizeof sum->meta)
				snprintf(sum->meta + have, sizeof sum->meta - have, "%s%s",
				         have ? " " : "", rec.meta_text);
			break;
		}
		case TRACE_REC_TENSOR:
			if (capacity_tensor(cap, cfg, rec.tensor, rec.line)) {
				log_error("out of memory");
				return CHECK_INTERNAL;
			}
			break;
		case TRACE_REC_COUNT: break;
		}
	}
	if (rc < 0)
		log_error("%s", trace_error(r));
	if (has_pending)
		sum->empty_steps[pending.kind]++;
	sum->steps = nsteps || sum->ops ? max_step + 1 : 0;
	return rc < 0 ? -1 : 0;
}

/* Pass 1 and the capacity check, as a thread's work: the spool is ended when both pass and
 * abandoned when either fails (having said why). */
struct checker {
	struct trace_reader *reader;
	const char *file; /* as given ("-" for standard input) */
	const struct arch_config *cfg;
	struct spool *spool;
	FILE *roofline;
	struct checked_set *checked;
	struct opstats *stats; /* the run's, whose groups pass 1 resolves (NULL: it does not) */
	bool ignore_capacity;
	struct capacity cap;
	struct trace_summary sum;
	int rc; /* 0 passed, else failed: the run's exit status, EXIT_USER_ERROR or
	           EXIT_INTERNAL_ERROR */
};

static void *checker_run(void *arg)
{
	struct checker *c = arg;
	int rc = check_trace(c->reader, c->file, c->cfg, c->spool, c->roofline, &c->cap, c->checked,
	                     c->stats, &c->sum);
	if (rc == 0 && capacity_check(&c->cap, c->cfg, strcmp(c->file, "-") ? c->file : "<stdin>",
	                              c->ignore_capacity))
		rc = -1;
	c->rc = rc == CHECK_INTERNAL ? EXIT_INTERNAL_ERROR : rc ? EXIT_USER_ERROR : 0;
	checked_free(c->checked); /* pass 1's alone */
	c->checked = NULL;
	if (c->rc)
		spool_abandon(c->spool);
	else if (spool_end_writing(c->spool)) {
		log_error("%s", spool_write_error(c->spool));
		c->rc = EXIT_INTERNAL_ERROR;
	}
	return NULL;
}

/* Waits for pass 1's end; this thread's held messages print if it passed and are dropped if
 * it failed (it said why). */
static void finish_check(pthread_t *thread, struct checker *c)
{
	pthread_join(*thread, NULL);
	log_release(c->rc == 0);
}

/* An output: written to a temporary file, put in place by close_out (sim/outfile.h). */
struct output {
	struct outfile file;
	FILE *f;
	const char *name;
	bool closed; /* closed, not yet put in place nor removed (close_outputs) */
};

static int open_out(struct output *o, const char *name)
{
	char err[512];
	o->name = name;
	o->f = NULL;
	o->closed = false;
	if (outfile_open(&o->file, name, err, sizeof err)) {
		log_error("%s", err);
		return -1;
	}
	o->f = fdopen(o->file.fd, "w");
	if (!o->f) {
		log_error("%s: cannot open for writing: %s", name, strerror(errno));
		close(o->file.fd);
		outfile_abort(&o->file);
		return -1;
	}
	return 0;
}

/* Copies what was held back for an output written in place (an unnamed temporary file) to it,
 * once the run passed; 0, or -1 (logged). */
static int release_held(FILE *held, struct output *o)
{
	char buf[65536];
	size_t n;
	rewind(held);
	while ((n = fread(buf, 1, sizeof buf, held)) > 0)
		if (fwrite(buf, 1, n, o->f) != n) {
			log_error("%s: write failed: %s", o->name, strerror(errno));
			return -1;
		}
	if (ferror(held)) {
		log_error("%s: temporary file: read failed", o->name);
		return -1;
	}
	return 0;
}

/* Whether every open output took what was written to it (flushed, no error; a failure is
 * logged). */
static bool outputs_flushed(struct output **o, size_t n)
{
	bool ok = true;
	for (size_t i = 0; i < n; i++) {
		errno = 0;
		if (o[i]->f && (fflush(o[i]->f) || ferror(o[i]->f))) {
			log_error("%s: write failed: %s", o[i]->name,
			          errno ? strerror(errno) : "write error");
			ok = false;
		}
	}
	return ok;
}

/* Closes the n outputs; keep: puts them in place if every one closed cleanly, else (or
 * without keep) removes them all. 0, or -1 with the reason logged. */
static int close_outputs(struct output **o, size_t n, bool keep)
{
	bool failed = false;
	for (size_t i = 0; i < n; i++) {
		if (!o[i]->f)
			continue;
		errno = 0;
		if (fclose(o[i]->f) && keep) {
			log_error("%s: write failed: %s", o[i]->name,
			          errno ? strerror(errno) : "write error");
			failed = true;
		}
		o[i]->f = NULL;
		o[i]->closed = true;
	}
	keep = keep && !failed;
	for (size_t i = 0; i < n; i++) {
		char err[512];
		if (!o[i]->closed)
			continue;
		o[i]->closed = false;
		if (!keep)
			outfile_abort(&o[i]->file);
		else if (outfile_commit(&o[i]->file, err, sizeof err)) {
			log_error("%s", err);
			failed = true;
		}
	}
	return failed ? -1 : 0;
}

int main(int argc, char **argv)
{
	log_set_program("simrun");
	struct simrun_args args;
	if (parse_args(argc, argv, &args))
		return EXIT_USER_ERROR;
	if (args.describe) {
		arch_describe(stdout);
		return 0;
	}
	/* A bare name is a shipped machine or one on NMSIM_CONFIG_PATH (sim/paths.h). */
	char arch_path[4096], looked[4096];
	if (paths_find_config(args.arch_file, arch_path, sizeof arch_path, looked, sizeof looked)) {
		log_error("--arch %s: no such architecture file (looked in %s)", args.arch_file,
		          looked);
		return EXIT_USER_ERROR;
	}
	args.arch_file = arch_path;
	static struct arch_config cfg;
	if (arch_load_config(args.arch_file, args.sets, args.nsets, &cfg))
		return EXIT_USER_ERROR;
	if (args.print_config) {
		arch_write_config(stdout, &cfg);
		return fflush(stdout) ? EXIT_USER_ERROR : 0;
	}
	/* Everything below is released at `done`, whatever the outcome. */
	static struct stats reg;
	static struct replay replay;
	static struct runinfo info;
	static struct checker chk;
	struct output json = { .f = NULL }, csv = { .f = NULL }, roofline = { .f = NULL },
	              timeline = { .f = NULL };
	struct output *outs[] = { &roofline, &json, &csv, &timeline }; /* put in place together */
	FILE *roofline_held = NULL; /* the roofline rows of an output written in place */
	struct spool *spool = NULL;
	struct arch *arch = NULL;
	struct timeline *tl = NULL;
	capacity_init(&chk.cap);
	bool reg_ready = false, replay_ready = false, info_ready = false, ran = false;
	bool checking = false;
	pthread_t checker_thread;
	int rc = EXIT_USER_ERROR;
	char err[512];
	struct trace_reader *reader = open_trace(args.trace_file);
	if (!reader)
		goto done;
	if (!(spool = spool_new(err, sizeof err))) {
		log_error("%s", err);
		rc = EXIT_INTERNAL_ERROR;
		goto done;
	}
	if (args.roofline_file) {
		if (open_out(&roofline, args.roofline_file))
			goto done;
		/* Pass 1 writes it as it checks: written in place (standard output, a device), it
		 * is held in an unnamed temporary file until the run has passed. */
		if (!roofline.file.tmp && !(roofline_held = tmpfile())) {
			log_error("%s: cannot create a temporary file: %s", args.roofline_file,
			          strerror(errno));
			rc = EXIT_INTERNAL_ERROR;
			goto done;
		}
		fputs("index,step,compute_s,memory_s,host_s\n",
		      roofline_held ? roofline_held : roofline.f);
	}
	/* The run's information, whose statistics groups pass 1 finds (its timeline comes once
	 * opened, below). */
	if (runinfo_init(&info, &cfg)) {
		log_error("out of memory");
		rc = EXIT_INTERNAL_ERROR;
		goto done;
	}
	info_ready = true;
	/* Distinct ops are checked once (with --no-cache, every op is). */
	chk.reader = reader;
	chk.file = args.trace_file;
	chk.cfg = &cfg;
	chk.spool = spool;
	chk.roofline = roofline_held ? roofline_held : roofline.f;
	chk.checked = args.use_cache ? checked_new(REPLAY_CACHE_MAX) : NULL;
	chk.stats = info.stats;
	chk.ignore_capacity = args.ignore_capacity;
	/* One pass after the other when asked to, or when no thread is to be had. */
	const char *one_thread = getenv("NMSIM_ONE_THREAD");
	checking = !(one_thread && *one_thread && strcmp(one_thread, "0")) &&
	           pthread_create(&checker_thread, NULL, checker_run, &chk) == 0;
	if (checking) {
		log_hold(); /* until pass 1's verdict: as if it had come first */
	} else {
		checker_run(&chk);
		if (chk.rc) {
			rc = chk.rc;
			goto done;
		}
	}
	/* Opened while pass 1 runs, as temporary files that only a whole run puts in place. */
	if ((args.json_file && open_out(&json, args.json_file)) ||
	    (args.csv_file && open_out(&csv, args.csv_file)) ||
	    (args.timeline_file && open_out(&timeline, args.timeline_file)))
		goto done;
	/* The CSV and the timeline stream while the replay runs (the timeline's header from
	 * the start): written in place, they wait for pass 1's verdict. */
	if (checking && ((csv.f && !csv.file.tmp) || (timeline.f && !timeline.file.tmp))) {
		finish_check(&checker_thread, &chk);
		checking = false;
		if (chk.rc) {
			rc = chk.rc;
			goto done;
		}
	}
	if (timeline.f && !(tl = timeline_new(timeline.f, cfg.top.name, (uint32_t)cfg.core.count,
	                                      args.timeline_ops, err, sizeof err))) {
		log_error("%s", err);
		goto done;
	}
	if (csv.f)
		replay_csv_header(csv.f);

	/* From here on, a failure is ours, not the user's (but for a trace that fails pass 1, or
	 * a run longer than the simulator counts: the replay says so). */
	rc = EXIT_INTERNAL_ERROR;
	stats_init(&reg);
	reg_ready = true;
	if (kernel_init() || !(arch = arch_new(&cfg, &(struct arch_opts){ args.exact }, &reg)) ||
	    replay_init(&replay, arch, &reg, spool, csv.f, args.use_cache, args.trace_file)) {
		log_error("cannot set up the simulation");
		goto done;
	}
	replay_ready = true;
	replay.holding_log = checking;
	info.timeline = tl;
	replay_listen(&replay, &info.listener);
	replay_start(&replay);
	int run_rc = kernel_run();
	if (checking) {
		finish_check(&checker_thread, &chk);
		checking = false;
	}
	if (chk.rc) {
		rc = chk.rc; /* pass 1 said why */
		goto done;
	}
	if (run_rc || replay.failed) {
		if (replay.failed == EXIT_USER_ERROR)
			rc = EXIT_USER_ERROR;
		goto done;
	}
	struct trace_summary *sum = &chk.sum;
	for (int k = 0; k < TRACE_STEP_COUNT; k++)
		replay_count_empty_steps(&replay, (enum trace_step_kind)k, sum->empty_steps[k]);
	const char *inputs[] = { args.trace_file, args.arch_file, NULL };
	if (args.plot_dir && plot_prepare(args.plot_dir, inputs)) {
		rc = EXIT_USER_ERROR;
		goto done;
	}
	log_info("%llu ops, %llu simulated, %llu from the result cache, %llu kernel callbacks",
	         (unsigned long long)replay.ops,
	         (unsigned long long)(replay.ops - replay.cache_hits),
	         (unsigned long long)replay.cache_hits, (unsigned long long)kernel_callbacks_run());

	runinfo_finish(&info);
	if (tl)
		timeline_warn_unused(tl, args.timeline_ops);
	if (tl && timeline_finish(tl, replay.time_ps)) {
		log_error("%s: write failed", args.timeline_file);
		rc = EXIT_USER_ERROR;
		goto done;
	}
	struct report_input in = {
		args.arch_file, args.trace_file, &cfg,      &replay,   arch,       &reg, sum->ops,
		sum->steps,     sum->model,      sum->meta, args.sets, args.nsets, &info
	};
	rc = 0;
	ran = true;
	bool json_stdout = args.json_file && !strcmp(args.json_file, "-");
	bool csv_stdout = args.csv_file && !strcmp(args.csv_file, "-");
	bool roof_stdout = args.roofline_file && !strcmp(args.roofline_file, "-");
	if (json.f && report_write_json(json.f, &in)) {
		log_error("%s: write failed: %s", args.json_file, strerror(errno));
		rc = EXIT_USER_ERROR;
	}
	bool timeline_stdout = args.timeline_file && !strcmp(args.timeline_file, "-");
	if (!json_stdout && !csv_stdout && !roof_stdout && !timeline_stdout)
		report_write_text(stdout, &in);
	if (args.plot_dir && plot_write(args.plot_dir, &in))
		rc = EXIT_USER_ERROR;
	/* Every output whole, or none put in place: a write that failed (a full disk) fails
	 * the run, standard output included. A --roofline written in place gets what was held
	 * back for it first. */
	if (rc == 0 && roofline_held && roofline.f && release_held(roofline_held, &roofline))
		rc = EXIT_USER_ERROR;
	if (rc == 0 && !outputs_flushed(outs, sizeof outs / sizeof *outs))
		rc = EXIT_USER_ERROR;
	if (rc == 0 && (fflush(stdout) || ferror(stdout))) {
		log_error("standard output: write failed: %s", strerror(errno));
		rc = EXIT_USER_ERROR;
	}
	if (rc != 0)
		ran = false;
done:
	if (checking) { /* this thread failed while pass 1 ran: pass 1's error comes first */
		finish_check(&checker_thread, &chk);
		if (chk.rc)
			rc = chk.rc;
	}
	/* Outputs are put in place only after a run that wrote them whole, all of them or
	 * none. */
	if (roofline_held)
		fclose(roofline_held);
	if (close_outputs(outs, sizeof outs / sizeof *outs, ran && rc == 0))
		rc = EXIT_USER_ERROR;
	timeline_free(tl);
	capacity_fini(&chk.cap);
	if (info_ready)
		runinfo_fini(&info);
	trace_close(reader);
	spool_free(spool);
	if (replay_ready)
		replay_fini(&replay);
	arch_free(arch);
	if (reg_ready)
		stats_fini(&reg);
	return rc;
}
