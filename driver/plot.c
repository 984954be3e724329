#include "driver/plot.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "driver/opstats.h"
#include "sim/gnuplot.h"
#include "sim/outfile.h"
#include "sim/log.h"

/* Names drawn in the time and energy chart at most (the slowest). */
#define PLOT_BARS 16
/* Roofline points labelled with their names at most (the slowest). */
#define PLOT_LABELS 12

/* Every file --plot writes, by name. */
static const char *const plot_files[] = {
	"roofline.dat",    "roofline.labels",  "roofline.gp",      "roofline.png",
	"roofline.svg",    "roofline.err",     "time_by_op.dat",   "time_by_op.gp",
	"time_by_op.png",  "time_by_op.svg",   "time_by_op.err",   "step_latency.dat",
	"step_latency.gp", "step_latency.png", "step_latency.svg", "step_latency.err",
};

int plot_prepare(const char *dir, const char *const *inputs)
{
	char path[PATH_MAX];
	bool odd = !dir[0];
	for (const char *c = dir; *c; c++)
		odd |= (unsigned char)*c < ' ' || *c == 0x7f;
	if (odd || snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path - 32) {
		log_error("--plot: '%s' is not a usable folder name (empty, too long, or with a "
		          "control character)",
		          dir);
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
	/* No figure replaces an input (the same path, or the same file). */
	for (size_t i = 0; i < sizeof plot_files / sizeof *plot_files; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, plot_files[i]);
		for (size_t k = 0; inputs && inputs[k]; k++)
			if (outfile_is_input(path, inputs[k])) {
				log_error(
				    "--plot %s: %s is an input (%s); refusing to overwrite it", dir,
				    path, inputs[k]);
				return -1;
			}
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
	char script[64], errfile[64], msg[512];
	snprintf(script, sizeof script, "%s.gp", name);
	snprintf(errfile, sizeof errfile, "%s.err", name);
	if (gnuplot_run(dir, script, errfile, msg, sizeof msg)) {
		log_error("--plot: %s/%s: %s", dir, script, msg);
		return -1;
	}
	return 0;
}

/* Ends figure NAME's script f (at path): the lines drawing cmd into NAME.png and NAME.svg,
 * w x h, then runs it. 0, or -1 (logged). */
static int draw(const char *dir, const char *name, FILE *f, const char *path, const char *cmd,
                int w, int h)
{
	gnuplot_outputs(f, name, cmd, w, h);
	if (close_file(f, path))
		return -1;
	return run_script(dir, name);
}

/* Closes figure NAME's data file f (at path) holding `rows` rows: 1 to go on with its script,
 * 0 when it is empty (no figure, said why: `none`), -1 on an error (logged). */
static int end_data(FILE *f, const char *path, size_t rows, const char *name, const char *none)
{
	if (close_file(f, path))
		return -1;
	if (!rows) {
		log_warn("--plot: %s: no %s figure", none, name);
		return 0;
	}
	return 1;
}

static int plot_roofline(const char *dir, const struct report_input *in)
{
	const struct arch_config *cfg = in->cfg;
	const struct runinfo *info = in->info;
	char path[PATH_MAX];
	FILE *f = open_in(dir, "roofline.dat", path, sizeof path);
	if (!f)
		return -1;
	FILE *lab = NULL;
	size_t ng = 0;
	struct opstats_group **g = opstats_sorted(info->stats, 1, &ng);
	fprintf(f, "# op name and shape, FLOPs per device-memory byte, achieved FLOP/s, ops, "
	           "time_s (kernel time)\n");
	size_t points = 0;
	double ai_min = INFINITY, ai_max = 0, y_min = INFINITY;
	char lpath[PATH_MAX];
	lab = open_in(dir, "roofline.labels", lpath, sizeof lpath);
	if (!lab) {
		free(g);
		fclose(f);
		return -1;
	}
	fprintf(lab, "# the %d slowest points, labelled\n", PLOT_LABELS);
	for (size_t i = 0; g && i < ng; i++) {
		/* An op with no FLOPs or no device-memory bytes has no place on these axes. */
		if (g[i]->flops <= 0 || !g[i]->bytes || !g[i]->kernel_ps)
			continue;
		double s = (double)g[i]->kernel_ps * 1e-12;
		double ai = g[i]->flops / (double)g[i]->bytes, y = g[i]->flops / s;
		FILE *to[2] = { f, points < PLOT_LABELS ? lab : NULL };
		for (int k = 0; k < 2 && to[k]; k++) {
			data_label(to[k], g[i]->label);
			fprintf(to[k], " %.6e %.6e %llu %.6e\n", ai, y,
			        (unsigned long long)g[i]->ops, s);
		}
		ai_min = ai < ai_min ? ai : ai_min;
		ai_max = ai > ai_max ? ai : ai_max;
		y_min = y < y_min ? y : y_min;
		points++;
	}
	free(g);
	if (close_file(lab, lpath)) {
		close_file(f, path);
		return -1;
	}
	int go =
	    end_data(f, path, points, "roofline", "no op with both FLOPs and device-memory bytes");
	if (go <= 0)
		return go;
	double bw = cfg->hbm.bandwidth, top = 0;
	for (size_t i = 0; i < info->nroofs; i++)
		top = info->roofs[i].flops > top ? info->roofs[i].flops : top;
	/* From the points, and far enough right to show every ridge. */
	double x_lo = ai_min / 4, x_hi = ai_max * 4;
	if (top > 0 && top / bw * 4 > x_hi)
		x_hi = top / bw * 4;
	double y_lo = y_min / 4, y_hi = (top > 0 ? top : ai_max * bw) * 2;
	f = open_in(dir, "roofline.gp", path, sizeof path);
	if (!f)
		return -1;
	fprintf(f, "# simrun --plot: the roofline of a run (data: roofline.dat); run it in this "
	           "folder: gnuplot roofline.gp\nset title ");
	char title[512];
	snprintf(title, sizeof title, "%s on %s: each op name and shape (kernel time)",
	         in->model_name[0] ? in->model_name : in->trace_file, cfg->top.name);
	gnuplot_quote(f, title);
	fprintf(f,
	        "\nset logscale xy\nset xlabel 'arithmetic intensity [FLOP per device-memory "
	        "byte]'\nset ylabel 'achieved [FLOP/s]'\nset grid\nset key bottom right\n"
	        "set xrange [%.6e:%.6e]\nset yrange [%.6e:%.6e]\nbw = %.6e\n",
	        x_lo, x_hi, y_lo, y_hi, bw);
	char cmd[4096];
	int n = snprintf(cmd, sizeof cmd, "plot ");
	for (size_t i = 0; i < info->nroofs; i++) {
		n += snprintf(cmd + n, sizeof cmd - (size_t)n,
		              "(x * bw < %.6e ? x * bw : %.6e) with lines lw 2 title ",
		              info->roofs[i].flops, info->roofs[i].flops);
		/* The names are the simulator's own ("fp16 dense peak"): no quote to escape. */
		n += snprintf(cmd + n, sizeof cmd - (size_t)n, "'%s', ", info->roofs[i].name);
	}
	snprintf(cmd + n, sizeof cmd - (size_t)n,
	         "x * bw with lines dt 2 lc rgb 'gray' title 'device memory %.0f GB/s', "
	         "'roofline.dat' using 2:3 with points pt 7 ps 1.2 title 'ops (name and shape)', "
	         "'roofline.labels' using 2:3:1 with labels offset 0,1 font ',8' notitle",
	         bw * 1e-9);
	return draw(dir, "roofline", f, path, cmd, 1100, 720);
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
	int go = end_data(f, path, ng, "time_by_op", "no ops");
	if (go <= 0)
		return go;
	f = open_in(dir, "time_by_op.gp", path, sizeof path);
	if (!f)
		return -1;
	fprintf(f, "# simrun --plot: time and energy by op name (data: time_by_op.dat)\n"
	           "set title 'time and energy by op name (all layers and steps)'\n"
	           "set style data histograms\nset style histogram clustered gap 1\n"
	           "set style fill solid 0.8 border -1\nset boxwidth 0.9\n"
	           "set xtics rotate by -40 scale 0\nset ylabel 'time [ms]'\n"
	           "set y2label 'energy [mJ]'\nset ytics nomirror\nset y2tics\nset yrange [0:*]\n"
	           "set y2range [0:*]\nset grid ytics\nset key top right\nset bmargin 8\n");
	return draw(dir, "time_by_op", f, path,
	            "plot 'time_by_op.dat' using 2:xtic(1) title 'time [ms]' axes x1y1, '' "
	            "using 3 title 'energy [mJ]' axes x1y2",
	            1100, 640);
}

static int plot_steps(const char *dir, const struct report_input *in)
{
	const struct replay *r = in->replay;
	char path[PATH_MAX];
	FILE *f = open_in(dir, "step_latency.dat", path, sizeof path);
	if (!f)
		return -1;
	fprintf(f, "# step index, latency_ms, kind (0 prefill, 1 decode)\n");
	size_t rows = 0;
	for (uint64_t i = 0; i < r->nsteps; i++) {
		const struct replay_step *s = &r->steps[i];
		if (!s->ops)
			continue;
		rows++;
		fprintf(f, "%llu %.6e %d\n", (unsigned long long)i, (double)s->time_ps * 1e-9,
		        s->kind == TRACE_STEP_DECODE);
	}
	int go = end_data(f, path, rows, "step_latency", "no step with ops");
	if (go <= 0)
		return go;
	f = open_in(dir, "step_latency.gp", path, sizeof path);
	if (!f)
		return -1;
	fprintf(f, "# simrun --plot: each step's latency (data: step_latency.dat)\n"
	           "set title 'latency per step (prefill, then one decode step per output token)'\n"
	           "set xlabel 'step'\nset ylabel 'latency [ms]'\nset logscale y\nset grid\n"
	           "set key outside top right\n");
	/* Steps are whole: a tick at every one of a few, else gnuplot's own (whole) spacing. */
	if (rows <= 20)
		fprintf(f, "set xtics 1\n");
	fprintf(f, "set format x '%%.0f'\nset autoscale xfix\nset offsets 0.5, 0.5, 0, 0\n");
	return draw(dir, "step_latency", f, path,
	            "plot 'step_latency.dat' using 1:($3 == 0 ? $2 : 1/0) with points pt 5 ps "
	            "1.5 title 'prefill', '' using 1:($3 == 1 ? $2 : 1/0) with linespoints pt "
	            "7 ps 0.6 title 'decode'",
	            1000, 600);
}

int plot_write(const char *dir, const struct report_input *in)
{
	if (plot_roofline(dir, in) || plot_by_op(dir, in) || plot_steps(dir, in))
		return -1;
	log_info("plots written to %s: roofline, time_by_op, step_latency (.png, .svg)", dir);
	return 0;
}
