#include "driver/timeline.h"

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "driver/opdesc.h"
#include "sim/log.h"

/* Steps and ops on tracks of their own, one above the other: a step's slice is known only when
 * its last op has ended, and viewers nest slices of equal start on one track by the order they
 * come in (chrome://tracing and Perfetto alike put a later, longer one under the first). */
enum { PID_MACHINE = 1, PID_CORES = 2, TID_STEPS = 1, TID_OPS = 2 };

/* One item of --timeline-ops. */
struct pick {
	bool by_name;
	uint64_t lo, hi;
	char *glob;
};

struct timeline {
	FILE *f;
	bool first; /* no event written yet */
	struct pick *picks;
	size_t npicks;
	uint64_t ops_seen, ops_written, tiles_written, tiles_dropped, steps_seen, steps_written;
	bool counters_open; /* a counter sample is out that a later one must close */
	/* Tile lanes: a core's events that overlap in time (loads of several stages in flight
	 * beside a compute) go on separate tracks, lane_end[core * TIMELINE_LANES + lane] the end
	 * of the last event on each; named[] says whether its track has its name yet. */
	uint32_t cores;
	uint64_t *lane_end;
	bool *named;
	struct arch_tile_event *sorted;
	size_t cap_sorted;
};

static void put_event(struct timeline *t, json_object *ev)
{
	if (!t->first)
		fputs(",\n", t->f);
	t->first = false;
	fputs(json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN), t->f);
	json_object_put(ev);
}

/* Microseconds with picosecond digits. */
static json_object *us(uint64_t ps)
{
	char buf[48];
	snprintf(buf, sizeof buf, "%" PRIu64 ".%06" PRIu64, ps / 1000000, ps % 1000000);
	return json_object_new_double_s((double)ps * 1e-6, buf);
}

static json_object *event(const char *ph, const char *name, int pid, int64_t tid)
{
	json_object *ev = json_object_new_object();
	json_object_object_add(ev, "ph", json_object_new_string(ph));
	json_object_object_add(ev, "name", json_object_new_string(name));
	json_object_object_add(ev, "pid", json_object_new_int(pid));
	json_object_object_add(ev, "tid", json_object_new_int64(tid));
	return ev;
}

static void meta_name(struct timeline *t, const char *what, int pid, int64_t tid, const char *name)
{
	json_object *ev = event("M", what, pid, tid);
	json_object *args = json_object_new_object();
	json_object_object_add(args, "name", json_object_new_string(name));
	json_object_object_add(ev, "args", args);
	put_event(t, ev);
}

static void slice(struct timeline *t, const char *name, int pid, int64_t tid, uint64_t start,
                  uint64_t dur, json_object *args)
{
	json_object *ev = event("X", name, pid, tid);
	json_object_object_add(ev, "ts", us(start));
	json_object_object_add(ev, "dur", us(dur));
	if (args)
		json_object_object_add(ev, "args", args);
	put_event(t, ev);
}

static void counter(struct timeline *t, const char *name, uint64_t at, const char *unit, double v)
{
	json_object *ev = event("C", name, PID_MACHINE, 0);
	json_object_object_add(ev, "ts", us(at));
	json_object *args = json_object_new_object();
	json_object_object_add(args, unit, json_object_new_double(v));
	json_object_object_add(ev, "args", args);
	put_event(t, ev);
}

/* An op index: digits only, below 2^64. */
static bool parse_index(const char *s, const char *end, uint64_t *out)
{
	if (s == end)
		return false;
	uint64_t v = 0;
	for (const char *c = s; c < end; c++) {
		if (*c < '0' || *c > '9' || v > (UINT64_MAX - (uint64_t)(*c - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*c - '0');
	}
	*out = v;
	return true;
}

/* One item of --timeline-ops: 0, or -1 with err set. */
static int parse_item(const char *item, struct pick *p, char *err, size_t errlen)
{
	*p = (struct pick){ 0 };
	bool blank = !*item;
	for (const char *c = item; *c; c++)
		blank |= (unsigned char)*c <= ' ' || *c == 0x7f;
	if (blank) {
		snprintf(err, errlen,
		         "--timeline-ops: '%s': an empty item, or one with a space or "
		         "control character",
		         item);
		return -1;
	}
	if ((*item >= '0' && *item <= '9') || *item == '-') {
		const char *dash = strchr(item, '-'), *end = item + strlen(item);
		if (!parse_index(item, dash ? dash : end, &p->lo) ||
		    (dash && !parse_index(dash + 1, end, &p->hi)) ||
		    (!dash && (p->hi = p->lo, 0)) || p->hi < p->lo) {
			snprintf(
			    err, errlen,
			    "--timeline-ops: '%s' is not an op index (0 to 2^64-1) or a range A-B "
			    "with A <= B",
			    item);
			return -1;
		}
		return 0;
	}
	/* A name glob: its brackets closed (fnmatch takes an open one for no match at all). */
	const char *open = strchr(item, '[');
	if (open && !strchr(open + 1, ']')) {
		snprintf(err, errlen, "--timeline-ops: '%s': an unclosed [ in a name pattern",
		         item);
		return -1;
	}
	p->by_name = true;
	p->glob = strdup(item);
	if (!p->glob) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int parse_select(struct timeline *t, const char *select, char *err, size_t errlen)
{
	char *copy = strdup(select);
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (char *item = copy, *next; item; item = next) {
		next = strchr(item, ',');
		if (next)
			*next++ = 0;
		struct pick p;
		if (parse_item(item, &p, err, errlen)) {
			free(copy);
			return -1;
		}
		struct pick *np = realloc(t->picks, (t->npicks + 1) * sizeof *np);
		if (!np) {
			snprintf(err, errlen, "out of memory");
			free(p.glob);
			free(copy);
			return -1;
		}
		t->picks = np;
		t->picks[t->npicks++] = p;
	}
	free(copy);
	return 0;
}

struct timeline *timeline_new(FILE *f, const char *machine, uint32_t cores, const char *select,
                              char *err, size_t errlen)
{
	struct timeline *t = calloc(1, sizeof *t);
	if (t) {
		t->cores = cores ? cores : 1;
		t->lane_end = calloc((size_t)t->cores * TIMELINE_LANES, sizeof *t->lane_end);
		t->named = calloc((size_t)t->cores * TIMELINE_LANES, sizeof *t->named);
	}
	if (!t || !t->lane_end || !t->named) {
		timeline_free(t);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->f = f;
	t->first = true;
	if (select && parse_select(t, select, err, errlen)) {
		timeline_free(t);
		return NULL;
	}
	fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n", f);
	char name[320];
	snprintf(name, sizeof name, "nmsim: %s", machine);
	meta_name(t, "process_name", PID_MACHINE, 0, name);
	meta_name(t, "thread_name", PID_MACHINE, TID_STEPS, "steps");
	meta_name(t, "thread_name", PID_MACHINE, TID_OPS, "ops (one stream)");
	if (t->npicks)
		meta_name(t, "process_name", PID_CORES, 0, "cores: tiles of the selected ops");
	return t;
}

void timeline_free(struct timeline *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->npicks; i++)
		free(t->picks[i].glob);
	free(t->picks);
	free(t->lane_end);
	free(t->named);
	free(t->sorted);
	free(t);
}

size_t timeline_selected(struct timeline *t, const struct trace_op *op)
{
	if (!t->npicks || t->ops_written >= TIMELINE_MAX_OPS ||
	    t->tiles_written >= TIMELINE_MAX_TILE_EVENTS)
		return 0;
	char label[128];
	bool labelled = false;
	for (size_t i = 0; i < t->npicks; i++) {
		const struct pick *p = &t->picks[i];
		if (p->by_name && !labelled) {
			opdesc_label(op, label, sizeof label);
			labelled = true;
		}
		if (p->by_name ? !fnmatch(p->glob, label, 0)
		               : op->index >= p->lo && op->index <= p->hi)
			return TIMELINE_MAX_TILE_EVENTS - t->tiles_written;
	}
	return 0;
}

void timeline_warn_unused(const struct timeline *t, const char *select)
{
	if (t->npicks && !t->tiles_written && !t->tiles_dropped)
		log_warn("--timeline-ops %s: no tile events recorded (it selects no op, or only "
		         "vec and coll ops, which have no tiles)",
		         select);
	/* What the file's bounds left out, said here as well as in its "nmsim" record. */
	if (t->tiles_dropped)
		log_warn("--timeline: %llu tile events were left out (the file holds at most %d, "
		         "and a core's overlapping events at most its tracks; --timeline-ops %s: "
		         "select fewer ops)",
		         (unsigned long long)t->tiles_dropped, TIMELINE_MAX_TILE_EVENTS,
		         select ? select : "");
	if (t->ops_seen > t->ops_written)
		log_warn("--timeline: ops past the first %llu have no slices of their own, only their "
		         "steps (%llu of %llu ops)",
		         (unsigned long long)t->ops_written,
		         (unsigned long long)(t->ops_seen - t->ops_written),
		         (unsigned long long)t->ops_seen);
	if (t->steps_seen > t->steps_written)
		log_warn("--timeline: steps past the first %llu were left out (%llu of %llu)",
		         (unsigned long long)t->steps_written,
		         (unsigned long long)(t->steps_seen - t->steps_written),
		         (unsigned long long)t->steps_seen);
}

static void counters_at(struct timeline *t, uint64_t at, const struct arch_op_result *res,
                        uint64_t dur, double energy_j, uint64_t hbm_bytes, double l2_bandwidth)
{
	double s = (double)dur * 1e-12;
	counter(t, "device memory", at, "GB/s", s > 0 ? (double)hbm_bytes / s * 1e-9 : 0);
	counter(t, "L2", at, "GB/s", res ? res->util[ARCH_UTIL_L2] * l2_bandwidth * 1e-9 : 0);
	counter(t, "tensor cores", at, "%", res ? 100 * res->util[ARCH_UTIL_TENSOR] : 0);
	counter(t, "decode stage", at, "%", res ? 100 * res->util[ARCH_UTIL_DECODE] : 0);
	counter(t, "power", at, "W", s > 0 ? energy_j / s : 0);
}

static int by_start(const void *a, const void *b)
{
	const struct arch_tile_event *x = a, *y = b;
	if (x->start_ps != y->start_ps)
		return x->start_ps < y->start_ps ? -1 : 1;
	if (x->core != y->core)
		return x->core < y->core ? -1 : 1;
	return (x->end_ps > y->end_ps) - (x->end_ps < y->end_ps);
}

/* An op's tile events, each on the first lane of its core free at its start. */
static void write_tiles(struct timeline *t, uint64_t start_ps, const struct arch_tile_event *tiles,
                        size_t ntiles)
{
	if (ntiles > t->cap_sorted) {
		struct arch_tile_event *s = realloc(t->sorted, ntiles * sizeof *s);
		if (!s) {
			t->tiles_dropped += ntiles;
			return;
		}
		t->sorted = s;
		t->cap_sorted = ntiles;
	}
	memcpy(t->sorted, tiles, ntiles * sizeof *tiles);
	qsort(t->sorted, ntiles, sizeof *tiles, by_start);
	/* Ops run one after another: every lane is free when an op starts. */
	memset(t->lane_end, 0, (size_t)t->cores * TIMELINE_LANES * sizeof *t->lane_end);
	for (size_t i = 0; i < ntiles; i++) {
		const struct arch_tile_event *e = &t->sorted[i];
		if (t->tiles_written >= TIMELINE_MAX_TILE_EVENTS || e->core >= t->cores) {
			t->tiles_dropped++;
			continue;
		}
		size_t lane = 0, base = (size_t)e->core * TIMELINE_LANES;
		while (lane < TIMELINE_LANES && t->lane_end[base + lane] > e->start_ps)
			lane++;
		if (lane == TIMELINE_LANES) {
			t->tiles_dropped++;
			continue;
		}
		t->lane_end[base + lane] = e->end_ps;
		int64_t tid = (int64_t)(base + lane);
		if (!t->named[base + lane]) {
			char name[48];
			if (lane)
				snprintf(name, sizeof name, "core %u (%zu)", e->core, lane + 1);
			else
				snprintf(name, sizeof name, "core %u", e->core);
			meta_name(t, "thread_name", PID_CORES, tid, name);
			t->named[base + lane] = true;
		}
		slice(t, arch_tile_event_name(e->kind), PID_CORES, tid, start_ps + e->start_ps,
		      e->end_ps - e->start_ps, NULL);
		t->tiles_written++;
	}
}

void timeline_op(struct timeline *t, const struct trace_op *op, uint64_t start_ps,
                 const struct arch_op_result *res, double energy_j, uint64_t hbm_bytes,
                 double l2_bandwidth, const struct arch_tile_event *tiles, size_t ntiles,
                 uint64_t tiles_dropped)
{
	t->ops_seen++;
	if (t->ops_written >= TIMELINE_MAX_OPS) {
		/* Past the limit: the per-op counters fall to zero until the steps' own. */
		if (t->counters_open)
			counters_at(t, start_ps, NULL, 0, 0, 0, 0);
		t->counters_open = false;
		return;
	}
	t->ops_written++;
	char label[128], shape[128], format[128];
	opdesc_label(op, label, sizeof label);
	opdesc_shape(op, shape, sizeof shape);
	opdesc_format(op, format, sizeof format);
	json_object *args = json_object_new_object();
	json_object_object_add(args, "index", json_object_new_int64((int64_t)op->index));
	json_object_object_add(args, "line", json_object_new_int64((int64_t)op->line));
	json_object_object_add(args, "type", json_object_new_string(trace_op_type_name(op->type)));
	if (op->layer >= 0)
		json_object_object_add(args, "layer", json_object_new_int64(op->layer));
	json_object_object_add(args, "shape", json_object_new_string(shape));
	json_object_object_add(args, "format", json_object_new_string(format));
	json_object_object_add(args, "how", json_object_new_string(res->how));
	json_object_object_add(args, "bound", json_object_new_string(res->bound));
	json_object_object_add(args, "bytes", json_object_new_int64((int64_t)hbm_bytes));
	json_object_object_add(args, "energy_j", json_object_new_double(energy_j));
	json_object_object_add(args, "clock_mhz", json_object_new_double(res->clock_hz * 1e-6));
	json_object_object_add(args, "kernel_us", us(res->time_ps - res->gap_ps));
	json_object_object_add(args, "mem_latency_us", us(res->mem_latency_ps));
	slice(t, label, PID_MACHINE, TID_OPS, start_ps, res->time_ps, args);
	counters_at(t, start_ps, res, res->time_ps, energy_j, hbm_bytes, l2_bandwidth);
	t->counters_open = true;
	if (ntiles)
		write_tiles(t, start_ps, tiles, ntiles);
	t->tiles_dropped += tiles_dropped;
}

void timeline_step(struct timeline *t, uint64_t index, const char *kind, uint64_t start_ps,
                   uint64_t time_ps, uint64_t ops, double energy_j)
{
	t->steps_seen++;
	if (t->steps_written >= TIMELINE_MAX_STEPS)
		return;
	t->steps_written++;
	char name[64];
	snprintf(name, sizeof name, "step %" PRIu64 " %s", index, kind);
	json_object *args = json_object_new_object();
	json_object_object_add(args, "index", json_object_new_int64((int64_t)index));
	json_object_object_add(args, "ops", json_object_new_int64((int64_t)ops));
	json_object_object_add(args, "energy_j", json_object_new_double(energy_j));
	slice(t, name, PID_MACHINE, TID_STEPS, start_ps, time_ps, args);
	/* Past the op limit, power comes once per step: its average. */
	if (t->ops_seen > TIMELINE_MAX_OPS) {
		double s = (double)time_ps * 1e-12;
		counter(t, "power", start_ps, "W", s > 0 ? energy_j / s : 0);
	}
}

int timeline_finish(struct timeline *t, uint64_t total_ps)
{
	if (t->counters_open)
		counters_at(t, total_ps, NULL, 0, 0, 0, 0);
	json_object *ev = event("M", "nmsim", PID_MACHINE, 0);
	json_object *args = json_object_new_object();
	json_object_object_add(args, "ops", json_object_new_int64((int64_t)t->ops_seen));
	json_object_object_add(args, "ops_written", json_object_new_int64((int64_t)t->ops_written));
	json_object_object_add(args, "steps", json_object_new_int64((int64_t)t->steps_seen));
	json_object_object_add(args, "steps_written",
	                       json_object_new_int64((int64_t)t->steps_written));
	json_object_object_add(args, "tile_events",
	                       json_object_new_int64((int64_t)t->tiles_written));
	json_object_object_add(args, "tile_events_dropped",
	                       json_object_new_int64((int64_t)t->tiles_dropped));
	json_object_object_add(args, "time_us", us(total_ps));
	json_object_object_add(ev, "args", args);
	put_event(t, ev);
	fputs("\n]}\n", t->f);
	return ferror(t->f) ? -1 : 0;
}
