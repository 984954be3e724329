/* run — the sweep's child processes: simrun and tracegen, each started with fork and exec (one
 * SystemC elaboration per process, never threads), at most a fixed number at a time.
 * Models: nothing; a pool of children with their tags, reaped without blocking, so that a
 * caller can also watch for MPI messages and signals. A child dies with its parent
 * (PR_SET_PDEATHSIG): a killed sweep leaves nothing running that could still write a file.
 * Not: what the children compute, or what their exit statuses mean for the results.
 */
#ifndef NMSIM_RUN_H
#define NMSIM_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct run_child {
	pid_t pid;
	size_t tag; /* the caller's: which job this is */
};

struct run_pool {
	struct run_child *slots;
	size_t max, n;
};

/* A pool of at most MAX (>= 1) children. 0 / -1 (out of memory). */
int run_pool_init(struct run_pool *p, size_t max);
/* Kills (SIGKILL) and reaps whatever still runs, frees the pool. */
void run_pool_fini(struct run_pool *p);
bool run_pool_full(const struct run_pool *p);

/* Starts ARGV[0] (a path) with ARGV, its standard input from /dev/null, standard output to OUT
 * and standard error to ERR (created or truncated; NULL: /dev/null). 0, or -1 with the reason
 * in MSG when the pool is full or fork fails; a failed exec shows as exit status 127 with the
 * reason in ERR. */
int run_start(struct run_pool *p, char *const argv[], const char *out, const char *err, size_t tag,
              char *msg, size_t msglen);
/* Reaps one child that has ended, without blocking: 1 with its tag and wait status, 0 if none
 * has ended. */
int run_reap(struct run_pool *p, size_t *tag, int *status);
/* Sends SIG to every child. */
void run_signal_all(struct run_pool *p, int sig);
/* Sleeps a little (a few milliseconds): the pace of the callers' polling loops. */
void run_nap(void);

/* A wait status as words: "exit 2", "killed by signal 9 (Killed)". Returns buf. */
const char *run_status_text(int status, char *buf, size_t len);

/* The last non-empty line of FILE (a child's standard error), without the program prefix
 * "simrun: error: ", with control characters replaced, at most LEN-1 bytes; "" if none. */
void run_last_line(const char *file, char *buf, size_t len);

#endif
