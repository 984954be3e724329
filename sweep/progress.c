/* progress — a sweep's progress line (progress.h). */
#include "sweep/progress.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

/* Plain lines (not a terminal) at most this often, in seconds. */
#define PROGRESS_LOG_PERIOD 10.0
/* Terminal redraws at most this often. */
#define PROGRESS_TTY_PERIOD 0.2

double progress_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void progress_init(struct progress *p, FILE *out, size_t total, bool quiet)
{
	memset(p, 0, sizeof *p);
	p->out = out;
	p->tty = isatty(fileno(out));
	p->quiet = quiet;
	p->total = total;
	p->start = p->last = progress_now();
}

static void progress_time(char *buf, size_t len, double s)
{
	if (s < 0 || s > 1e7)
		snprintf(buf, len, "?");
	else if (s >= 3600)
		snprintf(buf, len, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
	else if (s >= 60)
		snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)s % 60);
	else
		snprintf(buf, len, "%.0fs", s);
}

static void progress_draw(struct progress *p, double now)
{
	double t = now - p->start, rate = t > 0 ? (double)p->done / t : 0;
	char eta[32], failed[32] = "";
	progress_time(eta, sizeof eta, rate > 0 ? (double)(p->total - p->done) / rate : -1);
	if (p->failed)
		snprintf(failed, sizeof failed, ", %zu failed", p->failed);
	if (p->tty) {
		enum { BAR = 30 };
		char bar[BAR + 1];
		size_t fill = p->total ? p->done * BAR / p->total : BAR;
		for (size_t i = 0; i < BAR; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[BAR] = 0;
		int w = fprintf(p->out, "\r[%s] %zu/%zu points%s  %.2f points/s  ETA %s", bar,
		                p->done, p->total, failed, rate, eta);
		for (int i = w; i < p->width; i++)
			fputc(' ', p->out);
		p->width = w;
	} else {
		fprintf(p->out, "simsweep: %zu/%zu points%s, %.2f points/s, ETA %s\n", p->done,
		        p->total, failed, rate, eta);
	}
	fflush(p->out);
	p->last = now;
}

void progress_tick(struct progress *p)
{
	if (p->quiet)
		return;
	double now = progress_now();
	if (now - p->last >= (p->tty ? PROGRESS_TTY_PERIOD : PROGRESS_LOG_PERIOD))
		progress_draw(p, now);
}

void progress_step(struct progress *p, bool failed)
{
	p->done++;
	p->failed += failed;
	progress_tick(p);
}

void progress_end(struct progress *p)
{
	if (p->quiet)
		return;
	double t = progress_now() - p->start;
	if (p->tty && p->width)
		fputc('\r', p->out);
	char took[32], failed[32] = "";
	progress_time(took, sizeof took, t);
	if (p->failed)
		snprintf(failed, sizeof failed, ", %zu failed", p->failed);
	int w = fprintf(p->out, "simsweep: %zu/%zu points%s in %s (%.2f points/s)", p->done,
	                p->total, failed, took, t > 0 ? (double)p->done / t : 0);
	for (int i = w; p->tty && i < p->width; i++)
		fputc(' ', p->out);
	fputc('\n', p->out);
	fflush(p->out);
}
