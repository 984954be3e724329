/* timeline_check — checks the structure of a simrun --timeline file (Chrome trace events):
 *
 *   timeline_check TIMELINE.json REPORT.json [--tiles]
 *
 * - it parses (json-c) and holds a traceEvents array;
 * - on the machine's stream (pid 1) op slices never overlap, step slices never overlap, and
 *   every op lies inside a step; on every core track (pid 2) no two slices overlap;
 * - the step slices add up to the report's total.time_s (to the picosecond), as does the
 *   file's own time_us; when the file holds every op (its "nmsim" record: ops_written = ops),
 *   so do the op slices, and the last one ends there;
 * - the counter tracks (device memory, L2, tensor cores, decode stage, power) are present;
 * - with --tiles: there are tile events.
 * Prints what it counted; exit 0 when all hold, 1 otherwise (each failure said).
 */
#include <json-c/json.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct slice {
	int64_t pid, tid;
	int64_t start, end; /* ps */
	bool step;
};

static int failures;

#define FAIL(...)                                                \
	do {                                                     \
		fprintf(stderr, "timeline_check: " __VA_ARGS__); \
		fputc('\n', stderr);                             \
		failures++;                                      \
	} while (0)

/* Microseconds with picosecond digits, to ps. */
static int64_t ps_of(json_object *v)
{
	return llround(json_object_get_double(v) * 1e6);
}

static int by_track_start(const void *a, const void *b)
{
	const struct slice *x = a, *y = b;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->step != y->step)
		return x->step ? -1 : 1;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return (x->start > y->start) - (x->start < y->start);
}

static const char *const counters[] = { "device memory", "L2", "tensor cores", "decode stage",
	                                "power" };

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "--tiles"))) {
		fprintf(stderr, "usage: timeline_check TIMELINE.json REPORT.json [--tiles]\n");
		return 2;
	}
	bool want_tiles = argc == 4;
	json_object *tl = json_object_from_file(argv[1]);
	json_object *rep = json_object_from_file(argv[2]);
	json_object *events, *total, *time_s;
	if (!tl || !json_object_object_get_ex(tl, "traceEvents", &events) ||
	    !json_object_is_type(events, json_type_array)) {
		fprintf(stderr, "timeline_check: %s: not a trace-event file\n", argv[1]);
		return 1;
	}
	if (!rep || !json_object_object_get_ex(rep, "total", &total) ||
	    !json_object_object_get_ex(total, "time_s", &time_s)) {
		fprintf(stderr, "timeline_check: %s: not a simrun JSON report\n", argv[2]);
		return 1;
	}
	int64_t report_ps = llround(json_object_get_double(time_s) * 1e12);
	size_t n = json_object_array_length(events), ns = 0;
	struct slice *s = malloc((n ? n : 1) * sizeof *s);
	bool seen_counter[sizeof counters / sizeof *counters] = { false };
	int64_t file_ps = -1, ops_sum = 0, steps_sum = 0, last_op_end = 0, all_ops = -1,
	        ops_written = -2, all_steps = -1, steps_written = -2;
	size_t ops = 0, steps = 0, tiles = 0;
	for (size_t i = 0; i < n; i++) {
		json_object *ev = json_object_array_get_idx(events, i), *ph, *name, *pid, *tid, *ts,
		            *dur, *args, *v;
		if (!json_object_object_get_ex(ev, "ph", &ph) ||
		    !json_object_object_get_ex(ev, "name", &name) ||
		    !json_object_object_get_ex(ev, "pid", &pid)) {
			FAIL("event %zu lacks ph, name or pid", i);
			continue;
		}
		const char *p = json_object_get_string(ph), *nm = json_object_get_string(name);
		if (!strcmp(p, "C")) {
			for (size_t c = 0; c < sizeof counters / sizeof *counters; c++)
				if (!strcmp(nm, counters[c]))
					seen_counter[c] = true;
			continue;
		}
		if (!strcmp(p, "M")) {
			if (!strcmp(nm, "nmsim") && json_object_object_get_ex(ev, "args", &args)) {
				if (json_object_object_get_ex(args, "time_us", &v))
					file_ps = ps_of(v);
				if (json_object_object_get_ex(args, "ops", &v))
					all_ops = json_object_get_int64(v);
				if (json_object_object_get_ex(args, "ops_written", &v))
					ops_written = json_object_get_int64(v);
				if (json_object_object_get_ex(args, "steps", &v))
					all_steps = json_object_get_int64(v);
				if (json_object_object_get_ex(args, "steps_written", &v))
					steps_written = json_object_get_int64(v);
			}
			continue;
		}
		if (strcmp(p, "X")) {
			FAIL("event %zu: phase '%s' (expected X, C or M)", i, p);
			continue;
		}
		if (!json_object_object_get_ex(ev, "tid", &tid) ||
		    !json_object_object_get_ex(ev, "ts", &ts) ||
		    !json_object_object_get_ex(ev, "dur", &dur)) {
			FAIL("slice %zu lacks tid, ts or dur", i);
			continue;
		}
		struct slice *x = &s[ns++];
		x->pid = json_object_get_int64(pid);
		x->tid = json_object_get_int64(tid);
		x->start = ps_of(ts);
		x->end = x->start + ps_of(dur);
		x->step = x->pid == 1 && !strncmp(nm, "step ", 5);
		if (x->end < x->start)
			FAIL("slice %zu (%s) ends before it starts", i, nm);
		if (x->pid == 1 && !x->step) {
			ops++;
			ops_sum += x->end - x->start;
			if (x->end > last_op_end)
				last_op_end = x->end;
		} else if (x->step) {
			steps++;
			steps_sum += x->end - x->start;
		} else {
			tiles++;
		}
	}
	qsort(s, ns, sizeof *s, by_track_start);
	/* Overlaps: within a track (steps on pid 1 form their own track), consecutive slices. */
	for (size_t i = 1; i < ns; i++) {
		const struct slice *a = &s[i - 1], *b = &s[i];
		if (a->pid == b->pid && a->tid == b->tid && a->step == b->step && b->start < a->end)
			FAIL("pid %lld tid %lld: a %s slice [%lld, %lld) ps overlaps the next "
			     "[%lld, %lld)",
			     (long long)a->pid, (long long)a->tid, a->step ? "step" : "op or tile",
			     (long long)a->start, (long long)a->end, (long long)b->start,
			     (long long)b->end);
	}
	/* Nesting: every op inside a step (steps come first in the sorted order). */
	size_t first_op = 0;
	while (first_op < ns && s[first_op].step)
		first_op++;
	size_t st = 0;
	for (size_t i = first_op; i < ns && s[i].pid == 1; i++) {
		while (st < first_op && s[st].end < s[i].end)
			st++;
		if (st == first_op || s[st].start > s[i].start || s[st].end < s[i].end)
			FAIL("op slice [%lld, %lld) ps lies in no step", (long long)s[i].start,
			     (long long)s[i].end);
	}
	if (all_steps != steps_written || (int64_t)steps != all_steps)
		FAIL("%zu step slices, the file says it wrote %lld of %lld steps", steps,
		     (long long)steps_written, (long long)all_steps);
	else if (steps_sum != report_ps)
		FAIL("step slices add up to %lld ps, the report's total.time_s is %lld ps",
		     (long long)steps_sum, (long long)report_ps);
	bool complete = all_ops == ops_written;
	if (complete && (int64_t)ops != all_ops)
		FAIL("%zu op slices, the file says it holds %lld", ops, (long long)all_ops);
	if (complete && ops_sum != report_ps)
		FAIL("op slices add up to %lld ps, the report's total.time_s is %lld ps",
		     (long long)ops_sum, (long long)report_ps);
	if (complete && last_op_end != report_ps)
		FAIL("the last op ends at %lld ps, not at the report's %lld ps",
		     (long long)last_op_end, (long long)report_ps);
	if (!complete && (ops_written < 0 || (int64_t)ops != ops_written || ops_sum > report_ps))
		FAIL("%zu op slices (%lld ps) in a file that says it wrote %lld of %lld ops", ops,
		     (long long)ops_sum, (long long)ops_written, (long long)all_ops);
	if (file_ps != report_ps)
		FAIL("the file's time_us is %lld ps, the report's %lld ps", (long long)file_ps,
		     (long long)report_ps);
	for (size_t c = 0; c < sizeof counters / sizeof *counters; c++)
		if (!seen_counter[c])
			FAIL("no '%s' counter", counters[c]);
	if (!ops || !steps)
		FAIL("%zu ops and %zu steps: expected some of each", ops, steps);
	if (want_tiles && !tiles)
		FAIL("no tile events");
	printf("%zu events: %zu steps (%.6f us), %zu of %lld ops (%.6f us), %zu tile events; %d "
	       "failure(s)\n",
	       n, steps, (double)steps_sum * 1e-6, ops, (long long)all_ops, (double)ops_sum * 1e-6,
	       tiles, failures);
	free(s);
	json_object_put(tl);
	json_object_put(rep);
	return failures ? 1 : 0;
}
