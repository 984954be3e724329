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

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	/* Errors always print: -q silences chatter, never the reason for a failure. */
	if (level != LOG_ERROR && level > log_threshold)
		return;
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
	fprintf(stderr, "%s: internal error: %s at t=%llu ps: ", log_program, block, time_ps);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (%s:%d)\n", file, line);
	exit(EXIT_INTERNAL_ERROR);
}
