/* kineto — PyTorch profiler (Chrome-trace JSON) to simtrace v1. See kineto.h and docs/kineto.md.
 *
 * The import reads the document one event at a time, collecting the cpu_ops, runtime calls,
 * device events and ProfilerStep spans; then it runs in passes over what it kept: nest the
 * cpu_ops of each thread by time (a child lies inside its parent's ts..ts+dur); link every
 * device event to the cpu_op that launched it;
 * walk each thread's ops in time order, writing a mapped op with its whole subtree's device
 * time and skipping what it contains; sort what was written by start time; write.
 *
 * Here: the entry points, which run the passes in turn, and the helpers every pass uses. The
 * passes: kineto_read.c (read, collect, nest, link), kineto_map.c (the operator table and the
 * walk), kineto_write.c (sort, declare, check; the meta records and the trace ops written);
 * what they share is in kineto_internal.h. */
#include "traces/kineto.h"

#include "traces/kineto_internal.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Shared by the passes ---- */

/* Writes FMT into c->err after the N bytes a prefix took (N as snprintf returned it). */
__attribute__((format(printf, 3, 0))) static void kineto_fail_rest(struct kineto *c, int n,
                                                                   const char *fmt, va_list ap)
{
	if (n >= 0 && (size_t)n < c->errlen)
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
}

int kineto_fail(struct kineto *c, const char *fmt, ...)
{
	int n = snprintf(c->err, c->errlen, "%s: ", c->shown);
	va_list ap;
	va_start(ap, fmt);
	kineto_fail_rest(c, n, fmt, ap);
	va_end(ap);
	return -1;
}

/* "FILE: traceEvents[I] NAME: what" */
int kineto_fail_op(struct kineto *c, size_t i, const char *fmt, ...)
{
	const struct kineto_op *op = &c->ops[i];
	int n =
	    snprintf(c->err, c->errlen, "%s: traceEvents[%zu] %s: ", c->shown, op->index, op->name);
	va_list ap;
	va_start(ap, fmt);
	kineto_fail_rest(c, n, fmt, ap);
	va_end(ap);
	return -1;
}

void *kineto_grow(void *p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return p;
	size_t ncap = *cap ? *cap * 2 : 64;
	void *q = realloc(p, ncap * size);
	if (q)
		*cap = ncap;
	return q;
}

int kineto_cmp_key(int64_t a, int64_t b, size_t ia, size_t ib)
{
	if (a != b)
		return a < b ? -1 : 1;
	return ia < ib ? -1 : ia > ib;
}

/* ---- Entry points ---- */

static void kineto_stats_free(struct kineto_stats *st)
{
	for (size_t i = 0; i < st->nunmapped_names; i++)
		free(st->unmapped_names[i].name);
	for (size_t i = 0; i < st->nignored_names; i++)
		free(st->ignored_names[i].name);
	free(st->unmapped_names);
	free(st->ignored_names);
	st->unmapped_names = st->ignored_names = NULL;
	st->nunmapped_names = st->nignored_names = 0;
}

void kineto_free(struct kineto *c)
{
	if (!c)
		return;
	kineto_stats_free(&c->stats);
	kineto_free_tables(c);
	for (size_t i = 0; i < c->nops; i++) {
		free(c->ops[i].args_text);
		if (c->ops[i].args)
			json_object_put(c->ops[i].args);
	}
	free(c->ops);
	free(c->exts);
	free(c->launches);
	free(c->devs);
	free(c->spans);
	free(c->recs);
	free(c->tensors);
	free(c->decl);
	free(c->decl_order);
	free(c->device_name);
	free(c->path);
	free(c);
}

struct kineto *kineto_load(const char *path, char *err, size_t errlen)
{
	if (errlen)
		err[0] = 0;
	struct kineto *c = calloc(1, sizeof *c);
	if (!c || !(c->path = strdup(path))) {
		snprintf(err, errlen, "%s: out of memory", path);
		free(c);
		return NULL;
	}
	c->err = err;
	c->errlen = errlen;
	c->st = &c->stats;
	c->shown = strcmp(path, "-") ? c->path : "<stdin>";
	if (kineto_read(c))
		goto fail;
	c->st->cpu_ops = c->nops;
	if (kineto_nest(c) || kineto_link(c) || kineto_walk(c) || kineto_finish(c))
		goto fail;
	c->err = NULL;
	return c;
fail:
	kineto_free(c);
	return NULL;
}

const struct kineto_stats *kineto_stats(const struct kineto *c)
{
	return c->st;
}

int kineto_write(struct kineto *c, struct trace_writer *w, const char *meta_extra, char *err,
                 size_t errlen)
{
	struct trace_op *op = malloc(sizeof *op);
	char name[KINETO_OPNAME + 1];
	int rc = -1;
	c->err = err;
	c->errlen = errlen;
	if (errlen)
		err[0] = 0;
	if (!op) {
		kineto_fail(c, "out of memory");
		goto fail;
	}
	if (kineto_write_meta(c, w, meta_extra))
		goto writer;
	for (size_t i = 0; i < c->ndecl; i++)
		if (trace_write_tensor(w, &c->decl[c->decl_order[i]]))
			goto writer;
	struct trace_step step = { .kind = TRACE_STEP_PREFILL };
	if (trace_write_step(w, &step))
		goto writer;
	step.kind = TRACE_STEP_DECODE;
	for (size_t i = 0; i < c->nrecs; i++) {
		if (c->recs[i].decode && trace_write_step(w, &step))
			goto writer;
		kineto_build_op(c, &c->recs[i], op, name, sizeof name);
		if (trace_write_op(w, op))
			goto writer;
	}
	rc = 0;
	goto fail;
writer:
	kineto_fail(c, "writing the trace: %s", trace_writer_error(w));
fail:
	free(op);
	c->err = NULL;
	return rc;
}

static void kineto_print_names(FILE *out, const char *prefix, const char *path, const char *what,
                               const struct kineto_name_count *list, size_t n, bool with_ns)
{
	if (!n)
		return;
	fprintf(out, "%s%s: %s:", prefix, path, what);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%s %s %" PRIu64, i ? "," : "", list[i].name, list[i].count);
		if (with_ns)
			fprintf(out, " (%.1f us)", (double)list[i].device_ns * 1e-3);
	}
	fputc('\n', out);
}

void kineto_stats_print(FILE *out, const char *prefix, const char *path,
                        const struct kineto_stats *st)
{
	const char *shown = strcmp(path, "-") ? path : "<stdin>";
	fprintf(out,
	        "%s%s: %" PRIu64 " cpu ops: %" PRIu64 " gemm, %" PRIu64 " attn, %" PRIu64
	        " vec written (%" PRIu64 " with dur_ns); %" PRIu64
	        " inside those or unmapped ops; %" PRIu64 " ignored (no device work); %" PRIu64
	        " unmapped; %" PRIu64 " composite (work in their children)\n",
	        prefix, shown, st->cpu_ops, st->mapped[TRACE_OP_GEMM], st->mapped[TRACE_OP_ATTN],
	        st->mapped[TRACE_OP_VEC], st->with_dur, st->inside, st->ignored, st->unmapped,
	        st->composite);
	fprintf(out,
	        "%s%s: device time: %" PRIu64 " kernels and copies, %.1f us; %" PRIu64
	        " linked to ops, %.1f us; %" PRIu64 " with no op (launched outside the recorded "
	        "cpu_ops), %.1f us\n",
	        prefix, shown, st->device_events, (double)st->device_ns * 1e-3, st->device_linked,
	        (double)st->linked_ns * 1e-3, st->device_events - st->device_linked,
	        (double)(st->device_ns - st->linked_ns) * 1e-3);
	fprintf(out,
	        "%s%s: %" PRIu64 " steps, %" PRIu64 " weight tensors (one per shape and dtype)",
	        prefix, shown, st->steps, st->weights);
	if (st->causal_defaulted)
		fprintf(out, "; %" PRIu64 " attention ops without a recorded mask (causal=1)",
		        st->causal_defaulted);
	fputc('\n', out);
	kineto_print_names(out, prefix, shown, "unmapped (name count (device time))",
	                   st->unmapped_names, st->nunmapped_names, true);
	kineto_print_names(out, prefix, shown, "ignored (no device work)", st->ignored_names,
	                   st->nignored_names, false);
}

int kineto_sort(struct kineto *c, void *base, size_t n, size_t size,
                int (*cmp)(const void *, const void *, const struct kineto *))
{
	unsigned char *a = base, *tmp = malloc((n ? n : 1) * size);
	if (!tmp)
		return kineto_fail(c, "out of memory");
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t x = lo, y = mid, o = lo;
			while (x < mid && y < hi) {
				/* The left run wins ties: stable. */
				size_t from = cmp(a + y * size, a + x * size, c) < 0 ? y++ : x++;
				memcpy(tmp + o++ * size, a + from * size, size);
			}
			memcpy(tmp + o * size, a + x * size, (mid - x) * size);
			o += mid - x;
			memcpy(tmp + o * size, a + y * size, (hi - y) * size);
		}
		memcpy(a, tmp, n * size);
	}
	free(tmp);
	return 0;
}
