#include "log.h"

#include <stdio.h>
#include <stdlib.h>

static enum log_level log_threshold = LOG_WARN;
static const char *log_program = "nmsim";

void log_set_level(enum log_level level)
{
	log_threshold = level;
}
enum log_level log_get_level(void)
{
	return log_threshold;
}
void log_set_program(const char *name)
{
	log_program = name;
}

static const char *log_prefix(enum log_level level)
{
	switch (level) {
	case LOG_ERROR: return "error: ";
	case LOG_WARN: return "warning: ";
	case LOG_DEBUG: return "debug: ";
	default: return "";
	}
}

/* What this thread holds (log_hold): its messages, written as they would have been to
 * standard error, into a memory stream (POSIX open_memstream); at most LOG_HELD_MAX bytes are
 * kept, later messages are counted as dropped: a warning the replay can give per op (arch.c's
 * L2-keep warning) over a million-op trace must not grow memory while pass 1 runs. */
#define LOG_HELD_MAX 65536
static _Thread_local FILE *log_held;
static _Thread_local char *log_held_buf;
static _Thread_local size_t log_held_len;
static _Thread_local int log_held_dropped;

void log_hold(void)
{
	if (!log_held)
		log_held = open_memstream(&log_held_buf, &log_held_len); /* NULL: prints at once */
}

void log_release(int print)
{
	if (!log_held)
		return;
	fclose(log_held);
	log_held = NULL;
	if (print && log_held_len) {
		flockfile(stderr);
		fwrite(log_held_buf, 1, log_held_len, stderr);
		if (log_held_dropped)
			fprintf(stderr, "%s: warning: more messages were dropped\n", log_program);
		funlockfile(stderr);
	}
	free(log_held_buf);
	log_held_buf = NULL;
	log_held_len = 0;
	log_held_dropped = 0;
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	/* Errors always print: -q silences chatter, never the reason for a failure. */
	if (level != LOG_ERROR && level > log_threshold)
		return;
	/* Held: errors and warnings (info and debug are chatter, printed at once). */
	FILE *out = log_held && level <= LOG_WARN ? log_held : stderr;
	if (out == log_held && (fflush(out), log_held_len >= LOG_HELD_MAX)) {
		log_held_dropped = 1;
		return;
	}
	flockfile(out); /* one line whole, whichever thread logs (simrun has two) */
	fprintf(out, "%s: %s", log_program, log_prefix(level));
	vfprintf(out, fmt, ap);
	fputc('\n', out);
	funlockfile(out);
}

#define LOG_DEFINE(fn, level)             \
	void fn(const char *fmt, ...)     \
	{                                 \
		va_list ap;               \
		va_start(ap, fmt);        \
		log_vmsg(level, fmt, ap); \
		va_end(ap);               \
	}
LOG_DEFINE(log_error, LOG_ERROR)
LOG_DEFINE(log_warn, LOG_WARN)
LOG_DEFINE(log_info, LOG_INFO)
LOG_DEFINE(log_debug, LOG_DEBUG)

void log_internal_failure(const char *file, int line, const char *block, unsigned long long time_ps,
                          const char *fmt, ...)
{
	va_list ap;
	log_release(1); /* what was held comes first */
	flockfile(stderr);
	fprintf(stderr, "%s: internal error: %s at t=%llu ps: ", log_program, block, time_ps);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (%s:%d)\n", file, line);
	funlockfile(stderr);
	exit(EXIT_INTERNAL_ERROR);
}
