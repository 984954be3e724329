/* kernel — the C API over the SystemC event kernel; the only door to SystemC.
 *
 * Models: simulated time in picoseconds and timed C callbacks delivered in (time, issue
 * order), deterministic for simultaneous ones; a callback may take a place in that order
 * before it is issued. SystemC runs them: one method process on one event, notified at the
 * earliest due time.
 * Not: SystemC's own events, processes, threads (SC_THREAD), signals or channels for the
 * model: nothing in nmsim needs them (the blocks call each other and the timed callbacks).
 * Numbers: none. SystemC 2.3 allows one elaboration per process, so one kernel per process:
 * kernel_init once, kernel_run once (a sweep forks a process per design point).
 */
#ifndef NMSIM_KERNEL_H
#define NMSIM_KERNEL_H

#include <stddef.h>
#include <stdint.h>

/* A C callback run by the kernel; ctx is the pointer given when it was registered. */
typedef void (*kernel_fn)(void *ctx);

/* Sets up the SystemC context (1 ps resolution, SystemC's messages routed to sim/log,
 * copyright banner off). Call once per process before anything else; 0 / -1. */
int kernel_init(void);

/* Simulated time now, in picoseconds. */
uint64_t kernel_now_ps(void);

/* Runs fn(ctx) delay_ps from now. Callbacks due at the same time run in the order they were
 * issued. Any number may be pending; the model uses one per tile transfer or tile compute. */
void kernel_call_at(uint64_t delay_ps, kernel_fn fn, void *ctx);

/* A place in the issue order of same-time callbacks, taken now for a callback that may be
 * issued later (kernel_call_at_seq): it then runs where one issued now would have. */
uint64_t kernel_reserve_seq(void);
/* kernel_call_at, at a place in the issue order taken with kernel_reserve_seq. */
void kernel_call_at_seq(uint64_t delay_ps, uint64_t seq, kernel_fn fn, void *ctx);
/* The place in the issue order of the callback running now (0 outside callbacks). */
uint64_t kernel_current_seq(void);

/* Runs until no event or callback is left. 0, or -1 with a message logged if SystemC reported
 * an error (no C++ exception crosses into C). Call once per process. */
int kernel_run(void);

/* Number of timed callbacks delivered so far (for the speed benchmark). */
uint64_t kernel_callbacks_run(void);

#endif
