/* timeline — a Chrome trace-event file of a run (loads in Perfetto and chrome://tracing).
 *
 * Process 1 is the machine: a "steps" track whose slices span their ops, above the "ops" track
 * (the one stream) with each op as a slice carrying its name, shape, format, bound, device-memory bytes, energy
 * and clock; counter tracks sampled at every op: device-memory and L2 bandwidth, tensor-core
 * and decode-stage utilisation, power. Process 2 holds, for the ops selected with
 * --timeline-ops (indices, ranges, names), a core's tile loads, computes and stores on tracks
 * of their own ("core 3", and "core 3 (2)"... where events overlap), never overlapping on one.
 * Bounded (about 15 MB at most for the ops, 20 MB for tiles): at most TIMELINE_MAX_OPS op
 * slices (with their counters) are written, then only steps (with the step's mean power), at
 * most TIMELINE_MAX_STEPS of them; at most TIMELINE_MAX_TILE_EVENTS tile events in all. The
 * file says what it holds of what (metadata event "nmsim": ops, ops_written, steps,
 * steps_written, tile_events, tile_events_dropped, time_us).
 * Times are microseconds with picosecond digits, on the report's clock (ops back to back).
 */
#ifndef NMSIM_TIMELINE_H
#define NMSIM_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arch/arch.h"
#include "traces/trace.h"

#define TIMELINE_MAX_OPS         20000
#define TIMELINE_MAX_STEPS       100000
#define TIMELINE_MAX_TILE_EVENTS 250000
/* Tracks per core for its overlapping tile events (loads of the stages in flight, a compute,
 * a store); an event finding all busy is dropped (counted). */
#define TIMELINE_LANES 16

struct timeline;

/* A timeline writing to f (the caller opened it and closes it after timeline_finish).
 * select: --timeline-ops (NULL: none): comma-separated op indices (0-based, as the CSV's
 * `index`), ranges A-B, or op names (shell globs). NULL with err set if select is malformed. */
struct timeline *timeline_new(FILE *f, const char *machine, uint32_t cores, const char *select,
                              char *err, size_t errlen);
void timeline_free(struct timeline *t);
/* How many of op's tile events the file still takes if --timeline-ops selects op (by index,
 * or its label: name=, else the kind, as the CSV's label), 0 if it does not or the file is
 * full (TIMELINE_MAX_OPS ops or TIMELINE_MAX_TILE_EVENTS tile events written). */
size_t timeline_selected(struct timeline *t, const struct trace_op *op);
/* After the run: a warning when a selection (select, or NULL) recorded no tile event (it
 * matched no op, or only ops without tiles: vec and coll ops are analytic), and one for each
 * bound that left something out (tile events, op slices, steps). */
void timeline_warn_unused(const struct timeline *t, const char *select);
/* An op that ran from start_ps for its result's time_ps; tiles: its recorded events (NULL if
 * none). */
void timeline_op(struct timeline *t, const struct trace_op *op, uint64_t start_ps,
                 const struct arch_op_result *res, double energy_j, uint64_t hbm_bytes,
                 double l2_bandwidth, const struct arch_tile_event *tiles, size_t ntiles,
                 uint64_t tiles_dropped);
/* A step's slice (from its first op's start, for time_ps). */
void timeline_step(struct timeline *t, uint64_t index, const char *kind, uint64_t start_ps,
                   uint64_t time_ps, uint64_t ops, double energy_j);
/* Closes the JSON; 0, or -1 if a write failed. */
int timeline_finish(struct timeline *t, uint64_t total_ps);

#endif
