#include "driver/plot.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arch/core/tensor.h"
#include "driver/opstats.h"
#include "sim/gnuplot.h"
#include "sim/log.h"

/* Names drawn in the time and energy chart at most (the slowest). */
#define PLOT_BARS 16

int plot_prepare(const char *dir)
{
	char path[PATH_MAX];
	if (!dir[0] || snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
		log_error("--plot %s: not a usable folder name", dir);
		return -1;
	}
	/* mkdir -p: each parent in turn. */
	for (char *p = path + 1;; p++) {
		if (*p && *p != '/')
			continue;
		char c = *p;
		*p = 0;
		if (mkdir(path, 0777) && errno != EEXIST) {
			log_error("--plot %s: cannot make %s: %s", dir, path, strerror(errno));
			return -1;
		}
		*p = c;
		if (!c)
			break;
	}
	struct stat st;
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		log_error("--plot %s: not a folder", dir);
		return -1;
	}
	return 0;
}

static FILE *open_in(const char *dir, const char *name, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		log_error("--plot: %s: cannot open for writing: %s", path, strerror(errno));
	return f;
}

static int close_file(FILE *f, const char *path)
{
	if (fclose(f)) {
		log_error("--plot: %s: write failed", path);
		return -1;
	}
	return 0;
}

/* A data-file label: quoted, its quotes dropped. */
static void data_label(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++)
		if (*s != '"')
			fputc(*s, f);
	fputc('"', f);
}

/* Runs the script at dir/name.gp; 0 or -1 (logged). */
static int run_script(const char *dir, const char *name)
{
	char script[PATH_MAX], errfile[PATH_MAX], msg[512];
	snprintf(script, sizeof script, "%s/%s.gp", dir, name);
	snprintf(errfile, sizeof errfile, "%s/%s.err", dir, name);
	if (gnuplot_run(script, errfile, msg, sizeof msg)) {
		log_error("--plot: %s: %s", script, msg);
		return -1;
	}
	return 0;
}

/* The machine's peak FLOP/s at prec, dense or with its 2:4 mode (0 if it has none). */
static double peak_flops(const struct arch_config *cfg, enum tensor_prec p, bool sparse)
{
	double dense = 2 * cfg->tensor.macs_per_cycle[p] * (double)cfg->core.count * cfg->core.freq;
	if (!sparse)
		return dense;
	const struct tensor_sparse_mode *m = tensor_native_mode(&cfg->tensor, p, 2, 4);
	return m ? dense * 2 : 0;
}

/* The roofs: dense and 2:4 at the widest 16-bit and the narrowest precision the machine has. */
static size_t roofs(const struct arch_config *cfg, char names[4][64], double flops[4])
{
	size_t n = 0;
	enum tensor_prec wide = TENSOR_FP16, narrow = TENSOR_PREC_COUNT;
	if (cfg->tensor.macs_per_cycle[wide] <= 0)
		wide = TENSOR_BF16;
	for (int p = TENSOR_FP8; p < TENSOR_PREC_COUNT; p++)
		if (cfg->tensor.macs_per_cycle[p] > cfg->tensor.macs_per_cycle[wide] &&
		    (narrow == TENSOR_PREC_COUNT ||
		     cfg->tensor.macs_per_cycle[p] > cfg->tensor.macs_per_cycle[narrow]))
			narrow = (enum tensor_prec)p;
	enum tensor_prec precs[2] = { wide, narrow };
	for (int i = 0; i < 2; i++) {
		if (precs[i] == TENSOR_PREC_COUNT || cfg->tensor.macs_per_cycle[precs[i]] <= 0)
			continue;
		for (int sp = 0; sp < 2; sp++) {
			double f = peak_flops(cfg, precs[i], sp);
			if (f <= 0)
				continue;
			snprintf(names[n], 64, "%s %s peak", tensor_prec_name(precs[i]),
			         sp ? "2:4 sparse" : "dense");
			flops[n++] = f;
		}
	}
	return n;
}

static int plot_roofline(const char *dir, const struct report_input *in)
{
	const struct arch_config *cfg = in->cfg;
	char path[PATH_MAX];
	FILE *f = open_in(dir, "roofline.dat", path, sizeof path);
	if (!f)
		return -1;
	size_t ng = 0;
	struct opstats_group **g = opstats_sorted(in->info->stats, 1, &ng);
	fprintf(f, "# op name and shape, FLOPs per device-memory byte, achieved FLOP/s, ops, "
	           "time_s\n");
	size_t points = 0;
	for (size_t i = 0; g && i < ng; i++) {
		/* An op with no FLOPs or no device-memory bytes has no place on these axes. */
		if (g[i]->flops <= 0 || !g[i]->bytes || !g[i]->kernel_ps)
			continue;
		double s = (double)g[i]->kernel_ps * 1e-12;
		data_label(f, g[i]->label);
		fprintf(f, " %.6e %.6e %llu %.6e\n", g[i]->flops / (double)g[i]->bytes,
		        g[i]->flops / s, (unsigned long long)g[i]->ops, s);
		points++;
	}
	free(g);
	if (close_file(f, path))
		return -1;

	char names[4][64];
	double peaks[4];
	size_t nroofs = roofs(cfg, names, peaks);
	double bw = cfg->hbm.bandwidth;
	f = open_in(dir, "roofline.gp", path, sizeof path);
	if (!f)
		return -1;
	fprintf(f, "# simrun --plot: the roofline of a run (data: roofline.dat)\n");
	fprintf(f, "set title ");
	char title[512];
	snprintf(title, sizeof title, "%s on %s: each op name and shape (kernel time)",
	         in->model_name[0] ? in->model_name : in->trace_file, cfg->top.name);
	gnuplot_quote(f, title);
	fprintf(f, "\nset logscale xy\nset xlabel 'arithmetic intensity [FLOP per device-memory "
	           "byte]'\nset ylabel 'achieved [FLOP/s]'\nset grid\nset key bottom right\n"
	           "set xrange [0.1:100000]\n");
	fprintf(f, "bw = %.6e\n", bw);
	char cmd[4096];
	int n = snprintf(cmd, sizeof cmd, "plot ");
	for (size_t i = 0; i < nroofs; i++)
		n += snprintf(cmd + n, sizeof cmd - (size_t)n,
		              "(x * bw < %.6e ? x * bw : %.6e) with lines lw 2 title '%s', ",
		              peaks[i], peaks[i], names[i]);
	n += snprintf(cmd + n, sizeof cmd - (size_t)n,
	              "x * bw with lines dt 2 lc rgb 'gray' title 'device memory %.0f GB/s'",
	              bw * 1e-9);
	if (points)
		snprintf(cmd + n, sizeof cmd - (size_t)n,
		         ", 'roofline.dat' using 2:3 with points pt 7 ps 1.2 title 'ops (name and "
		         "shape)', '' using 2:3:1 with labels offset 0,1 font ',8' notitle");
	fprintf(f, "cd ");
	gnuplot_quote(f, dir);
	fputc('\n', f);
	gnuplot_outputs(f, "roofline", cmd, 1100, 720);
	if (close_file(f, path))
		return -1;
	return run_script(dir, "roofline");
}

static int plot_by_op(const char *dir, const struct report_input *in)
{
	char path[PATH_MAX];
	FILE *f = open_in(dir, "time_by_op.dat", path, sizeof path);
	if (!f)
		return -1;
	size_t ng = 0;
	struct opstats_group **g = opstats_sorted(in->info->stats, 0, &ng);
	fprintf(f, "# op name, time_ms, energy_mj, ops (the %d slowest names)\n", PLOT_BARS);
	for (size_t i = 0; g && i < ng && i < PLOT_BARS; i++) {
		data_label(f, g[i]->label);
		fprintf(f, " %.6e %.6e %llu\n", (double)g[i]->time_ps * 1e-9, g[i]->energy_j * 1e3,
		        (unsigned long long)g[i]->ops);
	}
	free(g);
	if (close_file(f, path))
		return -1;
	f = open_in(dir, "time_by_op.gp", path, sizeof path);
	if (!f)
		return -1;
	fprintf(f, "# simrun --plot: time and energy by op name (data: time_by_op.dat)\n"
	           "set title 'time and energy by op name (all layers and steps)'\n"
	           "set style data histograms\nset style histogram clustered gap 1\n"
	           "set style fill solid 0.8 border -1\nset boxwidth 0.9\n"
	           "set xtics rotate by -40 scale 0\nset ylabel 'time [ms]'\n"
	           "set y2label 'energy [mJ]'\nset ytics nomirror\nset y2tics\nset yrange [0:*]\n"
	           "set y2range [0:*]\nset grid ytics\nset key top right\nset bmargin 8\n"
	           "cd ");
	gnuplot_quote(f, dir);
	fputc('\n', f);
	gnuplot_outputs(f, "time_by_op",
	                "plot 'time_by_op.dat' using 2:xtic(1) title 'time [ms]' axes x1y1, '' "
	                "using 3 title 'energy [mJ]' axes x1y2",
	                1100, 640);
	if (close_file(f, path))
		return -1;
	return run_script(dir, "time_by_op");
}

static int plot_steps(const char *dir, const struct report_input *in)
{
	const struct replay *r = in->replay;
	char path[PATH_MAX];
	FILE *f = open_in(dir, "step_latency.dat", path, sizeof path);
	if (!f)
		return -1;
	fprintf(f, "# step index, latency_ms, kind (0 prefill, 1 decode)\n");
	for (uint64_t i = 0; i < r->nsteps; i++) {
		const struct replay_step *s = &r->steps[i];
		if (!s->ops)
			continue;
		fprintf(f, "%llu %.6e %d\n", (unsigned long long)i, (double)s->time_ps * 1e-9,
		        s->kind == TRACE_STEP_DECODE);
	}
	if (close_file(f, path))
		return -1;
	f = open_in(dir, "step_latency.gp", path, sizeof path);
	if (!f)
		return -1;
	fprintf(f, "# simrun --plot: each step's latency (data: step_latency.dat)\n"
	           "set title 'latency per step (prefill, then one decode step per output token)'\n"
	           "set xlabel 'step'\nset ylabel 'latency [ms]'\nset logscale y\nset grid\n"
	           "set key top left\ncd ");
	gnuplot_quote(f, dir);
	fputc('\n', f);
	gnuplot_outputs(f, "step_latency",
	                "plot 'step_latency.dat' using 1:($3 == 0 ? $2 : 1/0) with points pt 5 ps "
	                "1.5 title 'prefill', '' using 1:($3 == 1 ? $2 : 1/0) with linespoints pt "
	                "7 ps 0.6 title 'decode'",
	                1000, 600);
	if (close_file(f, path))
		return -1;
	return run_script(dir, "step_latency");
}

int plot_write(const char *dir, const struct report_input *in)
{
	if (plot_roofline(dir, in) || plot_by_op(dir, in) || plot_steps(dir, in))
		return -1;
	log_info("plots written to %s: roofline, time_by_op, step_latency (.png, .svg)", dir);
	return 0;
}
