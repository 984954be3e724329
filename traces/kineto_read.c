/* kineto_read — the profile into memory: the JSON document (gzip or plain), one pass that
 * collects cpu_ops, runtime calls, device events and ProfilerStep spans, then the cpu_ops of each
 * thread nested by time and every device event linked to the cpu_op that launched it.
 * Not: what an op becomes (kineto_map.c); writing (kineto_write.c). */
#include "traces/gzio.h"
#include "traces/kineto_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

#define KINETO_CHUNK (1 << 20)
#define KINETO_DEPTH 64 /* JSON nesting accepted (Chrome traces use about 6) */

/* ---- Reading ---- */

/* The whole document, gzip or plain (zlib tells them apart by the magic bytes), fed to
 * json-c in chunks. */
int kineto_read(struct kineto *c)
{
	int rc = -1;
	gzFile gz = NULL;
	json_tokener *tok = NULL;
	char *buf = NULL;
	bool done = false, any = false;
	int fd = strcmp(c->path, "-") ? open(c->path, O_RDONLY) : dup(STDIN_FILENO);
	if (fd < 0) {
		kineto_fail(c, "cannot open: %s", strerror(errno));
		goto fail;
	}
	gz = gzdopen(fd, "rb");
	tok = json_tokener_new_ex(KINETO_DEPTH);
	buf = malloc(KINETO_CHUNK);
	if (!gz || !tok || !buf) {
		if (!gz)
			close(fd);
		kineto_fail(c, "out of memory");
		goto fail;
	}
	for (;;) {
		int n = gzread(gz, buf, KINETO_CHUNK);
		const char *zmsg;
		enum gzio_status st = gzio_status(gz, errno, &zmsg);
		if (n < 0 || st != GZIO_OK) {
			if (st == GZIO_ERRNO)
				kineto_fail(c, "cannot read: %s", zmsg);
			else if (st == GZIO_TRUNCATED)
				kineto_fail(c, "truncated gzip data (%s)", zmsg);
			else
				kineto_fail(c, "damaged gzip data (%s)", zmsg);
			goto fail;
		}
		if (n == 0)
			break;
		any = true;
		size_t from = 0;
		if (!done) {
			c->doc = json_tokener_parse_ex(tok, buf, n);
			enum json_tokener_error je = json_tokener_get_error(tok);
			if (je == json_tokener_continue)
				continue;
			if (je != json_tokener_success) {
				kineto_fail(c, "not a Chrome-trace JSON: %s",
				            json_tokener_error_desc(je));
				goto fail;
			}
			done = true;
			from = json_tokener_get_parse_end(tok);
		}
		for (size_t i = from; i < (size_t)n; i++)
			if (!strchr(" \t\r\n", buf[i])) {
				kineto_fail(
				    c,
				    "not a Chrome-trace JSON: data after the end of the document");
				goto fail;
			}
	}
	if (!done) {
		kineto_fail(c, "not a Chrome-trace JSON: %s",
		            any ? "the document ends early" : "empty file");
		goto fail;
	}
	rc = 0;
fail:
	if (gz)
		gzclose(gz);
	if (tok)
		json_tokener_free(tok);
	free(buf);
	return rc;
}

json_object *kineto_get(json_object *o, const char *key)
{
	json_object *v = NULL;
	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

const char *kineto_get_string(json_object *o, const char *key)
{
	json_object *v = kineto_get(o, key);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* A positive integer id (External id, correlation); 0 when absent or not one. */
static int64_t kineto_get_id(json_object *o, const char *key)
{
	json_object *v = kineto_get(o, key);
	if (!v || !json_object_is_type(v, json_type_int))
		return 0;
	int64_t x = json_object_get_int64(v);
	return x > 0 ? x : 0;
}

/* A Kineto time in microseconds as integer nanoseconds. Read from the number's text, so that
 * epoch timestamps (~10^15 us, beyond a double's nanosecond resolution) keep their digits. */
static int kineto_get_ns(json_object *o, const char *key, int64_t *out)
{
	json_object *v = kineto_get(o, key);
	if (!v)
		return -1;
	if (json_object_is_type(v, json_type_int)) {
		int64_t x = json_object_get_int64(v);
		if (x > INT64_MAX / 1000 || x < INT64_MIN / 1000)
			return -1;
		*out = x * 1000;
		return 0;
	}
	if (!json_object_is_type(v, json_type_double))
		return -1;
	const char *s = json_object_get_string(v);
	bool neg = *s == '-';
	s += neg;
	int64_t whole = 0, frac = 0;
	int digits = 0;
	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		if (whole > (INT64_MAX / 1000 - 9) / 10)
			return -1;
		whole = whole * 10 + (*s - '0');
	}
	if (*s == '.') {
		s++;
		int scale = 100;
		for (; *s >= '0' && *s <= '9'; s++, digits++) {
			if (scale >= 1)
				frac += scale * (*s - '0');
			else if (scale == 0 && *s >= '5')
				frac++; /* round half up on the fourth decimal */
			scale = scale >= 1 ? scale / 10 : -1;
		}
	}
	if (*s || !digits) {
		/* an exponent form: the double is all there is */
		double d = json_object_get_double(v) * 1000.0;
		if (!(d > -9.2e18 && d < 9.2e18))
			return -1;
		*out = (int64_t)(d < 0 ? d - 0.5 : d + 0.5);
		return 0;
	}
	int64_t ns = whole * 1000 + frac;
	*out = neg ? -ns : ns;
	return 0;
}

static uint32_t kineto_thread(struct kineto *c, json_object *ev, bool add)
{
	json_object *pid = kineto_get(ev, "pid"), *tid = kineto_get(ev, "tid");
	const char *p = pid ? json_object_get_string(pid) : "",
	           *t = tid ? json_object_get_string(tid) : "";
	size_t len = strlen(p) + strlen(t) + 2;
	char *key = malloc(len);
	if (!key)
		return UINT32_MAX - 1;
	snprintf(key, len, "%s\x1f%s", p, t);
	for (size_t i = 0; i < c->nthreads; i++)
		if (!strcmp(c->threads[i], key)) {
			free(key);
			return (uint32_t)i;
		}
	if (!add || c->nthreads >= UINT32_MAX - 2) {
		free(key);
		return UINT32_MAX;
	}
	void *grown = kineto_grow(c->threads, &c->cthreads, c->nthreads, sizeof *c->threads);
	if (!grown) {
		free(key);
		return UINT32_MAX - 1;
	}
	c->threads = grown;
	c->threads[c->nthreads] = key;
	return (uint32_t)c->nthreads++;
}

static bool kineto_cat_is(const char *cat, const char *const *names)
{
	for (; *names; names++)
		if (!strcasecmp(cat, *names))
			return true;
	return false;
}

/* One pass over traceEvents: cpu_ops, runtime calls, device events, ProfilerStep spans. */
int kineto_collect(struct kineto *c)
{
	static const char *const op_cats[] = { "cpu_op", "operator", NULL };
	static const char *const launch_cats[] = { "cuda_runtime", "cuda_driver", "runtime", NULL };
	static const char *const dev_cats[] = { "kernel", "gpu_memcpy", "gpu_memset",
		                                "memcpy", "memset",     NULL };
	for (size_t i = 0; i < c->nevents; i++) {
		json_object *ev = json_object_array_get_idx(c->events, i);
		if (!ev || !json_object_is_type(ev, json_type_object))
			return kineto_fail(
			    c, "not a Chrome-trace JSON: traceEvents[%zu] is not an object", i);
		const char *cat = kineto_get_string(ev, "cat"), *ph = kineto_get_string(ev, "ph");
		if (!cat || !ph || strcmp(ph, "X"))
			continue;
		const char *name = kineto_get_string(ev, "name");
		json_object *args = kineto_get(ev, "args");
		int64_t ts = 0, dur = 0;
		bool timed =
		    !kineto_get_ns(ev, "ts", &ts) && !kineto_get_ns(ev, "dur", &dur) && dur >= 0;
		if (kineto_cat_is(cat, op_cats)) {
			if (!name || !timed)
				return kineto_fail(
				    c, "traceEvents[%zu] (%s): cpu_op without a name, ts or dur", i,
				    name ? name : "?");
			void *grown = kineto_grow(c->ops, &c->cops, c->nops, sizeof *c->ops);
			if (!grown)
				return kineto_fail(c, "out of memory");
			c->ops = grown;
			uint32_t th = kineto_thread(c, ev, true);
			if (th == UINT32_MAX - 1 || th == UINT32_MAX)
				return kineto_fail(c, "out of memory");
			struct kineto_op *op = &c->ops[c->nops++];
			memset(op, 0, sizeof *op);
			op->name = name;
			op->args =
			    args && json_object_is_type(args, json_type_object) ? args : NULL;
			op->index = i;
			op->ts = ts;
			op->end = ts + dur;
			op->thread = th;
			op->ext = kineto_get_id(args, "External id");
			op->parent = KINETO_NONE;
			op->map = kineto_lookup(name);
		} else if (kineto_cat_is(cat, launch_cats)) {
			if (!timed)
				continue;
			void *grown = kineto_grow(c->launches, &c->claunches, c->nlaunches,
			                          sizeof *c->launches);
			if (!grown)
				return kineto_fail(c, "out of memory");
			c->launches = grown;
			struct kineto_launch *l = &c->launches[c->nlaunches++];
			l->corr = kineto_get_id(args, "correlation");
			l->ext = kineto_get_id(args, "External id");
			l->ts = ts;
			l->thread = UINT32_MAX; /* resolved once every cpu_op thread is known */
			l->index = i;
		} else if (kineto_cat_is(cat, dev_cats)) {
			if (!timed)
				return kineto_fail(
				    c, "traceEvents[%zu] (%s): device event without ts or dur", i,
				    name ? name : "?");
			void *grown = kineto_grow(c->devs, &c->cdevs, c->ndevs, sizeof *c->devs);
			if (!grown)
				return kineto_fail(c, "out of memory");
			c->devs = grown;
			struct kineto_device *d = &c->devs[c->ndevs++];
			d->ext = kineto_get_id(args, "External id");
			d->corr = kineto_get_id(args, "correlation");
			d->dur = (uint64_t)dur;
		} else if (!strcmp(cat, "user_annotation") && name &&
		           !strncmp(name, "ProfilerStep#", 13) && timed) {
			void *grown =
			    kineto_grow(c->spans, &c->cspans, c->nspans, sizeof *c->spans);
			if (!grown)
				return kineto_fail(c, "out of memory");
			c->spans = grown;
			c->spans[c->nspans++] = (struct kineto_span){ ts, ts + dur, i };
		}
	}
	/* The launching threads, now that every cpu_op thread is known. */
	for (size_t i = 0; i < c->nlaunches; i++) {
		json_object *ev = json_object_array_get_idx(c->events, c->launches[i].index);
		uint32_t th = kineto_thread(c, ev, false);
		if (th == UINT32_MAX - 1)
			return kineto_fail(c, "out of memory");
		c->launches[i].thread = th;
	}
	return 0;
}

/* ---- Nesting and linking ---- */

static int kineto_op_cmp(const void *pa, const void *pb)
{
	const struct kineto_op *a = pa, *b = pb;
	if (a->thread != b->thread)
		return a->thread < b->thread ? -1 : 1;
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if (a->end != b->end)
		return a->end > b->end ? -1 : 1; /* the enclosing op first */
	return a->index < b->index ? -1 : a->index > b->index;
}

static int kineto_ext_cmp(const void *pa, const void *pb)
{
	const struct kineto_ext *a = pa, *b = pb;
	return kineto_cmp_key(a->ext, b->ext, a->op, b->op);
}

static int kineto_launch_cmp(const void *pa, const void *pb)
{
	const struct kineto_launch *a = pa, *b = pb;
	return kineto_cmp_key(a->corr, b->corr, a->index, b->index);
}

/* Sorts each thread's ops by time and nests them: a parent holds its children's ts..end.
 * Each subtree is then contiguous: op i and the size-1 ops after it. */
int kineto_nest(struct kineto *c)
{
	if (!c->nops)
		return 0;
	qsort(c->ops, c->nops, sizeof *c->ops, kineto_op_cmp);
	size_t *stack = malloc(c->nops * sizeof *stack), depth = 0;
	if (!stack)
		return kineto_fail(c, "out of memory");
	for (size_t i = 0; i < c->nops; i++) {
		struct kineto_op *op = &c->ops[i];
		op->size = 1;
		while (depth) {
			const struct kineto_op *top = &c->ops[stack[depth - 1]];
			if (top->thread == op->thread && op->ts >= top->ts && op->end <= top->end)
				break;
			depth--;
		}
		op->parent = depth ? stack[depth - 1] : KINETO_NONE;
		stack[depth++] = i;
	}
	free(stack);
	for (size_t i = c->nops; i-- > 0;) {
		const struct kineto_op *op = &c->ops[i];
		if (op->parent == KINETO_NONE)
			continue;
		struct kineto_op *p = &c->ops[op->parent];
		p->size += op->size;
		if ((op->map && op->map->cls != KINETO_C_IGNORE) || op->mapped_below)
			p->mapped_below = true;
	}
	return 0;
}

/* The innermost op of thread th that holds time t, or KINETO_NONE. */
static size_t kineto_op_at(const struct kineto *c, uint32_t th, int64_t t)
{
	size_t lo = 0, hi = c->nops; /* first op with (thread, ts) > (th, t) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct kineto_op *m = &c->ops[mid];
		if (m->thread < th || (m->thread == th && m->ts <= t))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || c->ops[lo - 1].thread != th)
		return KINETO_NONE;
	for (size_t i = lo - 1; i != KINETO_NONE; i = c->ops[i].parent)
		if (c->ops[i].end >= t)
			return i;
	return KINETO_NONE;
}

static size_t kineto_op_by_ext(const struct kineto *c, int64_t ext)
{
	size_t lo = 0, hi = c->nexts;
	while (ext > 0 && lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->exts[mid].ext < ext)
			lo = mid + 1;
		else
			hi = mid;
	}
	return ext > 0 && lo < c->nexts && c->exts[lo].ext == ext ? c->exts[lo].op : KINETO_NONE;
}

static const struct kineto_launch *kineto_launch_by_corr(const struct kineto *c, int64_t corr)
{
	size_t lo = 0, hi = c->nlaunches;
	while (corr > 0 && lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->launches[mid].corr < corr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return corr > 0 && lo < c->nlaunches && c->launches[lo].corr == corr ? &c->launches[lo]
	                                                                     : NULL;
}

/* Gives every device event to the cpu_op that launched it: by its External id; else through
 * its correlation to the runtime call, by that call's External id or, failing that, as the
 * innermost cpu_op around the call on the same thread. */
int kineto_link(struct kineto *c)
{
	c->exts = malloc((c->nops ? c->nops : 1) * sizeof *c->exts);
	if (!c->exts)
		return kineto_fail(c, "out of memory");
	for (size_t i = 0; i < c->nops; i++)
		if (c->ops[i].ext)
			c->exts[c->nexts++] = (struct kineto_ext){ c->ops[i].ext, i };
	if (c->nexts)
		qsort(c->exts, c->nexts, sizeof *c->exts, kineto_ext_cmp);
	size_t n = 0; /* one op per id: the first in time order */
	for (size_t i = 0; i < c->nexts; i++)
		if (!n || c->exts[n - 1].ext != c->exts[i].ext)
			c->exts[n++] = c->exts[i];
	c->nexts = n;
	if (c->nlaunches)
		qsort(c->launches, c->nlaunches, sizeof *c->launches, kineto_launch_cmp);

	struct kineto_stats *st = c->st;
	for (size_t i = 0; i < c->ndevs; i++) {
		const struct kineto_device *d = &c->devs[i];
		st->device_events++;
		st->device_ns += d->dur;
		size_t op = kineto_op_by_ext(c, d->ext);
		if (op == KINETO_NONE) {
			const struct kineto_launch *l = kineto_launch_by_corr(c, d->corr);
			if (l)
				op = kineto_op_by_ext(c, l->ext);
			if (l && op == KINETO_NONE && l->thread < UINT32_MAX - 1)
				op = kineto_op_at(c, l->thread, l->ts);
		}
		if (op == KINETO_NONE)
			continue;
		st->device_linked++;
		st->linked_ns += d->dur;
		c->ops[op].own_ns += d->dur;
		c->ops[op].own_events++;
	}
	for (size_t i = 0; i < c->nops; i++) {
		c->ops[i].tree_ns += c->ops[i].own_ns;
		c->ops[i].tree_events += c->ops[i].own_events;
	}
	for (size_t i = c->nops; i-- > 0;) {
		const struct kineto_op *op = &c->ops[i];
		if (op->parent != KINETO_NONE) {
			c->ops[op->parent].tree_ns += op->tree_ns;
			c->ops[op->parent].tree_events += op->tree_events;
		}
	}
	return 0;
}
