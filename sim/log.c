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

/* What this thread holds (log_hold): messages, one line each, up to LOG_HELD_MAX bytes. */
#define LOG_HELD_MAX 65536
static _Thread_local int log_holding;
static _Thread_local char *log_held;
static _Thread_local size_t log_held_len;
static _Thread_local int log_held_dropped;

void log_hold(void)
{
	log_holding = 1;
}

void log_release(int print)
{
	if (!log_holding)
		return;
	log_holding = 0;
	if (print && log_held_len) {
		flockfile(stderr);
		fwrite(log_held, 1, log_held_len, stderr);
		if (log_held_dropped)
			fprintf(stderr, "%s: warning: more messages were dropped\n", log_program);
		funlockfile(stderr);
	}
	free(log_held);
	log_held = NULL;
	log_held_len = 0;
	log_held_dropped = 0;
}

static void log_keep(enum log_level level, const char *fmt, va_list ap)
{
	if (!log_held && !(log_held = malloc(LOG_HELD_MAX))) {
		log_held_dropped = 1;
		return;
	}
	size_t room = LOG_HELD_MAX - log_held_len;
	int n = snprintf(log_held + log_held_len, room, "%s: %s", log_program, log_prefix(level));
	int m = n >= 0 && (size_t)n < room
	            ? vsnprintf(log_held + log_held_len + n, room - (size_t)n, fmt, ap)
	            : -1;
	if (n < 0 || m < 0 || (size_t)n + (size_t)m + 1 >= room) {
		log_held_dropped = 1; /* the message does not fit: it is dropped whole */
		return;
	}
	log_held_len += (size_t)n + (size_t)m;
	log_held[log_held_len++] = '\n';
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	/* Errors always print: -q silences chatter, never the reason for a failure. */
	if (level != LOG_ERROR && level > log_threshold)
		return;
	if (log_holding && level <= LOG_WARN) {
		log_keep(level, fmt, ap);
		return;
	}
	flockfile(stderr); /* one line whole, whichever thread logs (simrun has two) */
	fprintf(stderr, "%s: %s", log_program, log_prefix(level));
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
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
