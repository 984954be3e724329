/* kineto_read — the profile into memory, in bounded memory: the JSON document (gzip or plain)
 * read one event at a time, each event parsed alone and reduced to what the mapping needs
 * (a cpu_op keeps its args as text only if its name maps; runtime calls and device events keep
 * a few numbers), then the cpu_ops of each thread nested by time and every device event linked
 * to the cpu_op that launched it.
 *
 * Why one event at a time: json-c holds a parsed document at about 18 times its size (a 100 MB
 * profile took 1.8 GB); here the memory is what is kept, within the bounds of
 * kineto_internal.h (KINETO_RECORDS_MAX, KINETO_ARGS_MAX), whatever the profile's size.
 * Not: what an op becomes (kineto_map.c); writing (kineto_write.c). */
#include "traces/gzio.h"
#include "traces/kineto_internal.h"

/* The project hashes its uthash tables with xxHash (as traces/trace_table.c, driver/cache.c). */
#define HASH_FUNCTION(keyptr, keylen, hashv) ((hashv) = (unsigned)XXH3_64bits((keyptr), (keylen)))
#include <uthash.h>
#include <xxhash.h>

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

#define KINETO_CHUNK (256 * 1024)

/* ---- Tables ---- */

struct kineto_thread_ent {
	UT_hash_handle hh;
	uint32_t cpu_id;
	char key[]; /* pid \x1f tid */
};

struct kineto_name_ent {
	UT_hash_handle hh;
	char name[];
};

void kineto_free_tables(struct kineto *c)
{
	struct kineto_thread_ent *t, *tt;
	HASH_ITER(hh, c->threads, t, tt)
	{
		HASH_DEL(c->threads, t);
		free(t);
	}
	struct kineto_name_ent *n, *nt;
	HASH_ITER(hh, c->names, n, nt)
	{
		HASH_DEL(c->names, n);
		free(n);
	}
	kineto_free_map_tables(c);
}

/* The one copy of NAME; NULL when out of memory. */
static const char *kineto_intern(struct kineto *c, const char *name)
{
	struct kineto_name_ent *e;
	size_t len = strlen(name);
	HASH_FIND(hh, c->names, name, len, e);
	if (e)
		return e->name;
	if (!(e = malloc(sizeof *e + len + 1)))
		return NULL;
	memcpy(e->name, name, len + 1);
	HASH_ADD_KEYPTR(hh, c->names, e->name, len, e);
	return e->name;
}

/* The thread of event EV (pid and tid as written); NULL when out of memory. */
static struct kineto_thread_ent *kineto_thread(struct kineto *c, json_object *ev)
{
	json_object *pid = kineto_get(ev, "pid"), *tid = kineto_get(ev, "tid");
	const char *p = pid ? json_object_get_string(pid) : "",
	           *t = tid ? json_object_get_string(tid) : "";
	size_t lp = strlen(p), lt = strlen(t), len = lp + 1 + lt;
	char *key = malloc(len + 1);
	if (!key)
		return NULL;
	memcpy(key, p, lp);
	key[lp] = '\x1f';
	memcpy(key + lp + 1, t, lt + 1);
	struct kineto_thread_ent *e;
	HASH_FIND(hh, c->threads, key, len, e);
	if (!e && (e = malloc(sizeof *e + len + 1))) {
		memcpy(e->key, key, len + 1);
		e->cpu_id = UINT32_MAX;
		HASH_ADD_KEYPTR(hh, c->threads, e->key, len, e);
	}
	free(key);
	return e;
}

/* ---- Values ---- */

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

static bool kineto_cat_is(const char *cat, const char *const *names)
{
	for (; *names; names++)
		if (!strcasecmp(cat, *names))
			return true;
	return false;
}

/* ---- One event ---- */

static int kineto_full(struct kineto *c)
{
	return kineto_fail(c,
	                   "more than %u cpu_ops, runtime calls and device events: larger than "
	                   "the importer reads (cut the profile to fewer steps)",
	                   KINETO_RECORDS_MAX);
}

/* Event I: a cpu_op, runtime call, device event or ProfilerStep span is kept, the rest
 * skipped. */
static int kineto_event(struct kineto *c, size_t i, json_object *ev)
{
	static const char *const op_cats[] = { "cpu_op", "operator", NULL };
	static const char *const launch_cats[] = { "cuda_runtime", "cuda_driver", "runtime", NULL };
	static const char *const dev_cats[] = { "kernel", "gpu_memcpy", "gpu_memset",
		                                "memcpy", "memset",     NULL };
	if (!ev || !json_object_is_type(ev, json_type_object))
		return kineto_fail(c, "not a Chrome-trace JSON: traceEvents[%zu] is not an object",
		                   i);
	const char *cat = kineto_get_string(ev, "cat"), *ph = kineto_get_string(ev, "ph");
	if (!cat || !ph || strcmp(ph, "X"))
		return 0;
	const char *name = kineto_get_string(ev, "name");
	json_object *args = kineto_get(ev, "args");
	int64_t ts = 0, dur = 0, end = 0;
	bool timed = !kineto_get_ns(ev, "ts", &ts) && !kineto_get_ns(ev, "dur", &dur) && dur >= 0 &&
	             !__builtin_add_overflow(ts, dur, &end);
	if (c->nops + c->nlaunches + c->ndevs >= KINETO_RECORDS_MAX)
		return kineto_full(c);
	if (kineto_cat_is(cat, op_cats)) {
		if (!name || !timed)
			return kineto_fail(
			    c,
			    "traceEvents[%zu] (%s): cpu_op without a name, ts or dur "
			    "(or ts + dur beyond 2^63 ns)",
			    i, name ? name : "?");
		void *grown = kineto_grow(c->ops, &c->cops, c->nops, sizeof *c->ops);
		if (!grown)
			return kineto_fail(c, "out of memory");
		c->ops = grown;
		struct kineto_thread_ent *th = kineto_thread(c, ev);
		const char *iname = kineto_intern(c, name);
		if (!th || !iname)
			return kineto_fail(c, "out of memory");
		if (th->cpu_id == UINT32_MAX) {
			if (c->nthreads >= UINT32_MAX - 2)
				return kineto_full(c);
			th->cpu_id = c->nthreads++;
		}
		struct kineto_op *op = &c->ops[c->nops];
		memset(op, 0, sizeof *op);
		op->name = iname;
		op->index = i;
		op->ts = ts;
		op->end = end;
		op->thread = th->cpu_id;
		op->ext = kineto_get_id(args, "External id");
		op->parent = KINETO_NONE;
		op->map = kineto_lookup(iname);
		/* Only an op that maps reads its arguments. */
		if (op->map && op->map->cls != KINETO_C_IGNORE && args &&
		    json_object_is_type(args, json_type_object)) {
			const char *text =
			    json_object_to_json_string_ext(args, JSON_C_TO_STRING_PLAIN);
			size_t len = strlen(text);
			if (len > KINETO_ARGS_MAX - c->args_bytes)
				return kineto_fail(
				    c,
				    "the args of the cpu_ops that map hold more than %u MiB: "
				    "larger than the importer reads",
				    KINETO_ARGS_MAX >> 20);
			if (!(op->args_text = malloc(len + 1)))
				return kineto_fail(c, "out of memory");
			memcpy(op->args_text, text, len + 1);
			c->args_bytes += len;
		}
		c->nops++;
	} else if (kineto_cat_is(cat, launch_cats)) {
		if (!timed)
			return 0;
		void *grown =
		    kineto_grow(c->launches, &c->claunches, c->nlaunches, sizeof *c->launches);
		if (!grown)
			return kineto_fail(c, "out of memory");
		c->launches = grown;
		struct kineto_launch *l = &c->launches[c->nlaunches];
		l->corr = kineto_get_id(args, "correlation");
		l->ext = kineto_get_id(args, "External id");
		l->ts = ts;
		l->thread = UINT32_MAX; /* resolved once every cpu_op thread is known */
		l->index = i;
		l->op = KINETO_NONE;
		if (!(l->where = kineto_thread(c, ev)))
			return kineto_fail(c, "out of memory");
		c->nlaunches++;
	} else if (kineto_cat_is(cat, dev_cats)) {
		if (!timed)
			return kineto_fail(
			    c,
			    "traceEvents[%zu] (%s): device event without ts or dur (or "
			    "ts + dur beyond 2^63 ns)",
			    i, name ? name : "?");
		void *grown = kineto_grow(c->devs, &c->cdevs, c->ndevs, sizeof *c->devs);
		if (!grown)
			return kineto_fail(c, "out of memory");
		c->devs = grown;
		struct kineto_device *d = &c->devs[c->ndevs++];
		d->ext = kineto_get_id(args, "External id");
		d->corr = kineto_get_id(args, "correlation");
		d->dur = (uint64_t)dur;
	} else if (!strcmp(cat, "user_annotation") && name && !strncmp(name, "ProfilerStep#", 13) &&
	           timed) {
		void *grown = kineto_grow(c->spans, &c->cspans, c->nspans, sizeof *c->spans);
		if (!grown)
			return kineto_fail(c, "out of memory");
		c->spans = grown;
		c->spans[c->nspans++] = (struct kineto_span){ ts, end, i };
	}
	return 0;
}

/* ---- The document, one value at a time ---- */

/* The decompressed profile as a byte stream, and the text of the value being read. */
struct kineto_scan {
	struct kineto *c;
	struct gzio_reader *in;
	unsigned char *buf;
	size_t pos, len;
	bool eof, any;
	char *val; /* the value's text, NUL-terminated */
	size_t nval, cval;
	json_tokener *tok;
};

/* The next byte without taking it: 0..255, -1 at the end, -2 on a read error (reported). */
static int kineto_peek(struct kineto_scan *s)
{
	if (s->pos < s->len)
		return s->buf[s->pos];
	if (s->eof)
		return -1;
	ssize_t n = gzio_read(s->in, s->buf, KINETO_CHUNK);
	if (n < 0) {
		const char *zmsg;
		switch (gzio_error(s->in, &zmsg)) {
		case GZIO_ERRNO: kineto_fail(s->c, "cannot read: %s", zmsg); break;
		case GZIO_TRUNCATED: kineto_fail(s->c, "truncated gzip data (%s)", zmsg); break;
		case GZIO_NOMEM: kineto_fail(s->c, "out of memory"); break;
		case GZIO_TRAILING: kineto_fail(s->c, "%s", zmsg); break;
		default: kineto_fail(s->c, "damaged gzip data (%s)", zmsg); break;
		}
		return -2;
	}
	if (n == 0) {
		s->eof = true;
		return -1;
	}
	s->any = true;
	s->pos = 0;
	s->len = (size_t)n;
	return s->buf[0];
}

/* Whether byte ch is one of set (a NUL byte never is: strchr would find the terminator). */
static bool kineto_one_of(int ch, const char *set)
{
	return ch > 0 && strchr(set, ch) != NULL;
}

/* The next byte that is not JSON white space, not taken. */
static int kineto_skip_ws(struct kineto_scan *s)
{
	for (;;) {
		int ch = kineto_peek(s);
		if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n')
			return ch;
		s->pos++;
	}
}

static int kineto_put(struct kineto_scan *s, int ch)
{
	if (s->nval + 1 >= s->cval) {
		if (s->cval >= KINETO_EVENT_MAX)
			return kineto_fail(
			    s->c,
			    "not a Chrome-trace JSON: a value of more than %u MiB (an "
			    "event is a few hundred bytes)",
			    KINETO_EVENT_MAX >> 20);
		size_t cap = s->cval ? 2 * s->cval : 4096;
		char *grown = realloc(s->val, cap);
		if (!grown)
			return kineto_fail(s->c, "out of memory");
		s->val = grown;
		s->cval = cap;
	}
	s->val[s->nval++] = (char)ch;
	return 0;
}

static int kineto_ends_early(struct kineto_scan *s, int ch)
{
	if (ch == -2)
		return -1;
	return kineto_fail(s->c, "not a Chrome-trace JSON: %s",
	                   s->any ? "the document ends early" : "empty file");
}

/* Takes one JSON value's text into s->val, without checking it beyond where it ends (json-c
 * does, from that text): an object or array to its matching bracket (outside strings), a string
 * to its closing quote, anything else up to the next , ] } or white space. */
static int kineto_take_value(struct kineto_scan *s)
{
	s->nval = 0;
	int ch = kineto_skip_ws(s);
	if (ch < 0)
		return kineto_ends_early(s, ch);
	size_t depth = 0;
	bool str = false, esc = false;
	if (ch != '{' && ch != '[' && ch != '"') {
		while ((ch = kineto_peek(s)) >= 0 && !kineto_one_of(ch, ",]} \t\r\n")) {
			if (kineto_put(s, ch))
				return -1;
			s->pos++;
		}
		if (ch == -2)
			return -1;
	} else {
		do {
			ch = kineto_peek(s);
			if (ch < 0)
				return kineto_ends_early(s, ch);
			if (kineto_put(s, ch))
				return -1;
			s->pos++;
			if (str) {
				if (esc)
					esc = false;
				else if (ch == '\\')
					esc = true;
				else if (ch == '"')
					str = false;
			} else if (ch == '"') {
				str = true;
			} else if (ch == '{' || ch == '[') {
				depth++;
			} else if (ch == '}' || ch == ']') {
				depth--;
			}
		} while (depth || str);
	}
	/* The terminating NUL, not counted (an empty scalar has nothing else). */
	if (kineto_put(s, '\0'))
		return -1;
	s->nval--;
	return 0;
}

/* The value just taken, parsed into *out (NULL for JSON null). 0, or -1 with the reason
 * reported. */
static int kineto_parse_value(struct kineto_scan *s, json_object **out)
{
	json_tokener_reset(s->tok);
	json_object *o = json_tokener_parse_ex(s->tok, s->val, (int)s->nval);
	enum json_tokener_error je = json_tokener_get_error(s->tok);
	size_t end = s->nval;
	*out = NULL;
	if (je == json_tokener_success) {
		end = json_tokener_get_parse_end(s->tok);
	} else if (je == json_tokener_continue) {
		/* a bare number or literal ends at what follows it */
		o = json_tokener_parse_ex(s->tok, " ", 1);
		je = json_tokener_get_error(s->tok);
	}
	if (je != json_tokener_success || !s->nval) {
		json_object_put(o);
		return kineto_fail(s->c, "not a Chrome-trace JSON: %s",
		                   s->nval ? json_tokener_error_desc(je) : "a value is missing");
	}
	for (; end < s->nval; end++)
		if (!kineto_one_of((unsigned char)s->val[end], " \t\r\n")) {
			json_object_put(o);
			return kineto_fail(
			    s->c, "not a Chrome-trace JSON: unexpected text after a value");
		}
	*out = o;
	return 0;
}

/* Takes the expected byte WANT (after white space), or fails naming what is there. */
static int kineto_expect(struct kineto_scan *s, const char *want)
{
	int ch = kineto_skip_ws(s);
	if (ch < 0)
		return kineto_ends_early(s, ch);
	if (!kineto_one_of(ch, want))
		return kineto_fail(s->c, "not a Chrome-trace JSON: unexpected '%c' (expected %s)",
		                   ch >= 0x20 && ch < 0x7f ? ch : '?',
		                   want[1] ? "',' or a closing bracket" : "':'");
	s->pos++;
	return ch;
}

/* The events of an array whose '[' is next. */
static int kineto_events(struct kineto_scan *s)
{
	s->pos++; /* '[' */
	int ch = kineto_skip_ws(s);
	if (ch == ']') {
		s->pos++;
		return 0;
	}
	for (;;) {
		if (kineto_take_value(s))
			return -1;
		json_object *ev;
		if (kineto_parse_value(s, &ev))
			return -1;
		int rc = kineto_event(s->c, s->c->nevents++, ev);
		json_object_put(ev);
		if (rc)
			return -1;
		ch = kineto_expect(s, ",]");
		if (ch < 0)
			return -1;
		if (ch == ']')
			return 0;
	}
}

/* A top-level member KEY whose value is next: traceEvents read event by event, the device's
 * name kept, anything else checked and dropped. */
static int kineto_member(struct kineto_scan *s, const char *key, bool *seen_events)
{
	if (!strcmp(key, "traceEvents")) {
		if (*seen_events)
			return kineto_fail(s->c,
			                   "not a Chrome-trace JSON: traceEvents appears twice");
		if (kineto_skip_ws(s) == '[') {
			*seen_events = true;
			return kineto_events(s);
		}
	}
	if (kineto_take_value(s))
		return -1;
	json_object *v;
	if (kineto_parse_value(s, &v))
		return -1;
	int rc = 0;
	if (!strcmp(key, "traceEvents")) {
		rc = kineto_fail(s->c, "not a Chrome-trace JSON: no traceEvents array");
	} else if (!strcmp(key, "deviceProperties") && json_object_is_type(v, json_type_array) &&
	           json_object_array_length(v) > 0) {
		const char *name = kineto_get_string(json_object_array_get_idx(v, 0), "name");
		free(s->c->device_name);
		s->c->device_name = name ? strdup(name) : NULL;
		if (name && !s->c->device_name)
			rc = kineto_fail(s->c, "out of memory");
	}
	json_object_put(v);
	return rc;
}

/* The document: an object with traceEvents, or a bare array of events (the "JSON Array
 * Format" of Chrome traces), and nothing after it. */
static int kineto_document(struct kineto_scan *s)
{
	int ch = kineto_skip_ws(s);
	if (ch == '[') {
		if (kineto_events(s))
			return -1;
	} else if (ch == '{') {
		bool seen_events = false;
		s->pos++;
		ch = kineto_skip_ws(s);
		if (ch == '}')
			s->pos++;
		while (ch != '}') {
			if (kineto_take_value(s))
				return -1;
			json_object *k;
			if (kineto_parse_value(s, &k))
				return -1;
			if (!json_object_is_type(k, json_type_string)) {
				json_object_put(k);
				return kineto_fail(
				    s->c, "not a Chrome-trace JSON: a key is not a string");
			}
			char key[32];
			snprintf(key, sizeof key, "%s", json_object_get_string(k));
			bool exact = strlen(json_object_get_string(k)) < sizeof key;
			json_object_put(k);
			if (kineto_expect(s, ":") < 0 ||
			    kineto_member(s, exact ? key : "", &seen_events))
				return -1;
			ch = kineto_expect(s, ",}");
			if (ch < 0)
				return -1;
		}
		if (!seen_events)
			return kineto_fail(s->c, "not a Chrome-trace JSON: no traceEvents array");
	} else {
		if (kineto_take_value(s))
			return -1;
		json_object *v;
		if (kineto_parse_value(s, &v))
			return -1;
		json_object_put(v);
		return kineto_fail(s->c, "not a Chrome-trace JSON: the document is not an object");
	}
	ch = kineto_skip_ws(s);
	if (ch == -2)
		return -1;
	if (ch >= 0)
		return kineto_fail(s->c,
		                   "not a Chrome-trace JSON: data after the end of the document");
	return 0;
}

int kineto_read(struct kineto *c)
{
	int fd = strcmp(c->path, "-") ? open(c->path, O_RDONLY) : dup(STDIN_FILENO);
	if (fd < 0)
		return kineto_fail(c, "cannot open: %s", strerror(errno));
	struct kineto_scan s = { .c = c, .in = gzio_open(fd) };
	s.buf = malloc(KINETO_CHUNK);
	s.tok = json_tokener_new_ex(KINETO_DEPTH);
	int rc = -1;
	if (!s.in || !s.buf || !s.tok) {
		kineto_fail(c, "out of memory");
		goto fail;
	}
	rc = kineto_document(&s);
	if (!rc) {
		c->st->events = c->nevents;
		/* The launching threads, now that every cpu_op thread is known. */
		for (size_t i = 0; i < c->nlaunches; i++)
			c->launches[i].thread = c->launches[i].where->cpu_id;
	}
fail:
	gzio_close(s.in);
	if (s.tok)
		json_tokener_free(s.tok);
	free(s.buf);
	free(s.val);
	return rc;
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
	for (size_t i = c->nops; i > 0; i--) { /* children before their parents */
		const struct kineto_op *op = &c->ops[i - 1];
		if (op->parent == KINETO_NONE)
			continue;
		struct kineto_op *p = &c->ops[op->parent];
		p->size += op->size;
		if ((op->map && op->map->cls != KINETO_C_IGNORE) || op->mapped_below)
			p->mapped_below = true;
	}
	return 0;
}

/* Launches in order of thread, then time: the sweep of kineto_ops_at. */
static int kineto_launch_time_cmp(const void *pa, const void *pb, const struct kineto *c)
{
	const struct kineto_launch *a = &c->launches[*(const size_t *)pa];
	const struct kineto_launch *b = &c->launches[*(const size_t *)pb];
	if (a->thread != b->thread)
		return a->thread < b->thread ? -1 : 1;
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/* For every launch on a thread with cpu_ops, the innermost op of that thread that holds its
 * time (launch.op): one sweep over the ops (sorted by thread and time, nested) and the
 * launches in the same order, with the stack of ops open at the sweep's time. A walk up the
 * parents from the last op begun made it quadratic in the nesting depth. */
static int kineto_ops_at(struct kineto *c)
{
	size_t *idx = malloc((c->nlaunches ? c->nlaunches : 1) * sizeof *idx);
	size_t *stack = malloc((c->nops ? c->nops : 1) * sizeof *stack);
	size_t n = 0, depth = 0, j = 0;
	int rc = -1;
	if (!idx || !stack) {
		kineto_fail(c, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < c->nlaunches; i++)
		if (c->launches[i].thread < UINT32_MAX - 1)
			idx[n++] = i;
	if (kineto_sort(c, idx, n, sizeof *idx, kineto_launch_time_cmp))
		goto fail;
	uint32_t th = UINT32_MAX;
	for (size_t k = 0; k < n; k++) {
		struct kineto_launch *l = &c->launches[idx[k]];
		if (l->thread != th) {
			th = l->thread;
			depth = 0;
			while (j < c->nops && c->ops[j].thread < th)
				j++;
		}
		/* Every op of the thread begun by now, each on top of its parent. */
		for (; j < c->nops && c->ops[j].thread == th && c->ops[j].ts <= l->ts; j++) {
			while (depth && stack[depth - 1] != c->ops[j].parent)
				depth--;
			stack[depth++] = j;
		}
		/* Ops over by now are over for every later launch of the thread. */
		while (depth && c->ops[stack[depth - 1]].end < l->ts)
			depth--;
		l->op = depth ? stack[depth - 1] : KINETO_NONE;
	}
	rc = 0;
fail:
	free(idx);
	free(stack);
	return rc;
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

/* *sum += ns, true when it passes 2^63 - 1 (the trace's integer range). */
static bool kineto_add_ns(uint64_t *sum, uint64_t ns)
{
	return __builtin_add_overflow(*sum, ns, sum) || *sum > INT64_MAX;
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
	if (kineto_ops_at(c))
		return -1;
	if (c->nlaunches)
		qsort(c->launches, c->nlaunches, sizeof *c->launches, kineto_launch_cmp);

	/* Device times are written as dur_ns, a 63-bit integer: every sum is checked. */
	struct kineto_stats *st = c->st;
	bool over = false;
	for (size_t i = 0; i < c->ndevs; i++) {
		const struct kineto_device *d = &c->devs[i];
		st->device_events++;
		over |= kineto_add_ns(&st->device_ns, d->dur);
		size_t op = kineto_op_by_ext(c, d->ext);
		if (op == KINETO_NONE) {
			const struct kineto_launch *l = kineto_launch_by_corr(c, d->corr);
			if (l)
				op = kineto_op_by_ext(c, l->ext);
			if (l && op == KINETO_NONE)
				op = l->op;
		}
		if (op == KINETO_NONE)
			continue;
		st->device_linked++;
		over |= kineto_add_ns(&st->linked_ns, d->dur);
		over |= kineto_add_ns(&c->ops[op].own_ns, d->dur);
		c->ops[op].own_events++;
	}
	for (size_t i = 0; i < c->nops; i++) {
		over |= kineto_add_ns(&c->ops[i].tree_ns, c->ops[i].own_ns);
		c->ops[i].tree_events += c->ops[i].own_events;
	}
	for (size_t i = c->nops; i > 0; i--) {
		const struct kineto_op *op = &c->ops[i - 1];
		if (op->parent != KINETO_NONE) {
			over |= kineto_add_ns(&c->ops[op->parent].tree_ns, op->tree_ns);
			c->ops[op->parent].tree_events += op->tree_events;
		}
	}
	if (over)
		return kineto_fail(c,
		                   "device times add up to more than 2^63 ns (%.0f days): not a "
		                   "profile of a run",
		                   (double)INT64_MAX * 1e-9 / 86400);
	return 0;
}
