/* log — the project's one logger: levels, and user-error / internal-error reporting.
 *
 * Models: nothing; every module reports through it so -q / -v act everywhere and
 * messages keep one shape ("simrun: error: FILE:LINE: what").
 * Not: a structured event log; the report (driver/report) is the program's output.
 */
#ifndef NMSIM_LOG_H
#define NMSIM_LOG_H

#include <stdarg.h>

enum log_level { LOG_QUIET = 0, LOG_ERROR = 1, LOG_WARN = 2, LOG_INFO = 3, LOG_DEBUG = 4 };

/* Sets the threshold; messages above it are dropped. Default LOG_WARN. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Sets the program name that prefixes every message (default "nmsim"). */
void log_set_program(const char *name);

/* Prints "PROGRAM: error: " + message + "\n" to stderr (errors print even with -q). */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap);

/* Holds this thread's errors and warnings from now on (info and debug still print): simrun's
 * replay, running beside the trace's check, says nothing until the check has passed or failed,
 * so that its messages come out as if the check had run first. */
void log_hold(void);
/* Ends holding: prints what was held, in order, or drops it. */
void log_release(int print);

/* Exit statuses of every program (docs/cli.md). */
enum { EXIT_USER_ERROR = 2, EXIT_INTERNAL_ERROR = 1 };

/* A broken invariant inside the model: names the block and the simulated time, exits 1.
 * Stays on in release builds. Never use it on user input. */
#define SIM_ASSERT(cond, block, time_ps, ...)                                                      \
	do {                                                                                       \
		if (!(cond))                                                                       \
			log_internal_failure(__FILE__, __LINE__, (block), (time_ps), __VA_ARGS__); \
	} while (0)

#ifdef __cplusplus
[[noreturn]]
#else
_Noreturn
#endif
void log_internal_failure(const char *file, int line, const char *block,
				    unsigned long long time_ps, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#endif
