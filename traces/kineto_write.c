/* kineto_write — the mapped records made ready for the writer: put in time order, the tensors
 * declared in order of first use, a decode step where each later ProfilerStep begins, every
 * record checked as the writer will before anything is written; then the meta records and each
 * trace op as kineto_write writes them. Not: the writer itself (trace_write.c); what an op
 * becomes (kineto_map.c). */
#include "traces/kineto_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KINETO_META_LIST 3000 /* bytes of the unmapped= list before it is cut short */

/* ---- Writing ---- */

static int kineto_rec_cmp(const void *pa, const void *pb, const struct kineto *c)
{
	const struct kineto_rec *ra = pa, *rb = pb;
	const struct kineto_op *a = &c->ops[ra->op], *b = &c->ops[rb->op];
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	if (a->thread != b->thread)
		return a->thread < b->thread ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/* Copies s into out (len bytes), every byte a meta value or a name= cannot hold (white space,
 * non-ASCII, '#' which starts a comment, ',' and '=' which separate) as '_'. */
static void kineto_clean(const char *s, char *out, size_t len)
{
	size_t n = 0;
	for (; *s && n + 1 < len; s++)
		out[n++] = (*s > ' ' && *s <= '~' && !strchr("#,=", *s)) ? *s : '_';
	if (!n && len > 1)
		out[n++] = '_';
	out[n] = 0;
}

static const char *kineto_base(const char *path)
{
	if (!strcmp(path, "-"))
		return "<stdin>";
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static int kineto_name_cmp(const void *pa, const void *pb)
{
	const struct kineto_name_count *a = pa, *b = pb;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->name, b->name);
}

int kineto_write_meta(struct kineto *c, struct trace_writer *w, const char *extra)
{
	const struct kineto_stats *st = c->st;
	char text[TRACE_LINE_MAX + 1], v1[256], v2[256];
	kineto_clean(kineto_base(c->path), v1, sizeof v1);
	int n = snprintf(text, sizeof text, "source=kineto file=%s", v1);
	if (c->device_name) {
		kineto_clean(c->device_name, v2, sizeof v2);
		n += snprintf(text + n, sizeof text - (size_t)n, " device=%s", v2);
	}
	if (extra && *extra)
		snprintf(text + n, sizeof text - (size_t)n, " %s", extra);
	if (trace_write_meta(w, text))
		return -1;
	snprintf(text, sizeof text,
	         "cpu_ops=%" PRIu64 " mapped=%" PRIu64 " inside=%" PRIu64 " ignored=%" PRIu64
	         " unmapped_ops=%" PRIu64 " composite=%" PRIu64 " profiler_steps=%zu"
	         " device_events=%" PRIu64 " device_linked=%" PRIu64 " device_ns=%" PRIu64
	         " linked_ns=%" PRIu64 " causal_defaulted=%" PRIu64,
	         st->cpu_ops,
	         st->mapped[TRACE_OP_GEMM] + st->mapped[TRACE_OP_ATTN] + st->mapped[TRACE_OP_VEC],
	         st->inside, st->ignored, st->unmapped, st->composite, c->nspans, st->device_events,
	         st->device_linked, st->device_ns, st->linked_ns, st->causal_defaulted);
	if (trace_write_meta(w, text))
		return -1;
	n = snprintf(text, sizeof text, "unmapped=");
	size_t j = 0;
	for (; j < st->nunmapped_names; j++) {
		kineto_clean(st->unmapped_names[j].name, v1, sizeof v1);
		char item[300];
		int len = snprintf(item, sizeof item, "%s%s:%" PRIu64, j ? "," : "", v1,
		                   st->unmapped_names[j].count);
		if (n + len > KINETO_META_LIST)
			break;
		memcpy(text + n, item, (size_t)len + 1);
		n += len;
	}
	if (j < st->nunmapped_names)
		snprintf(text + n, sizeof text - (size_t)n, ",more_names:%zu",
		         st->nunmapped_names - j);
	else if (!st->nunmapped_names)
		snprintf(text + n, sizeof text - (size_t)n, "none");
	return trace_write_meta(w, text);
}

static int kineto_span_cmp(const void *pa, const void *pb)
{
	const struct kineto_span *a = pa, *b = pb;
	return kineto_cmp_key(a->ts, b->ts, a->index, b->index);
}

/* The ProfilerStep span holding time t, or KINETO_NONE. */
static size_t kineto_span_at(const struct kineto *c, int64_t t)
{
	size_t lo = 0, hi = c->nspans; /* first span starting after t */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->spans[mid].ts <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && c->spans[lo - 1].end >= t ? lo - 1 : KINETO_NONE;
}

/* The trace op of record r, pointing into c->decl. */
void kineto_build_op(const struct kineto *c, const struct kineto_rec *r, struct trace_op *op,
                     char *name, size_t namelen)
{
	const struct kineto_op *src = &c->ops[r->op];
	memset(op, 0, sizeof *op);
	op->type = r->type;
	op->layer = -1;
	kineto_clean(src->name, name, namelen);
	op->name = name;
	op->has_dur = src->tree_events > 0;
	op->dur_ns = src->tree_ns;
	const struct trace_tensor *t = r->tensor == KINETO_NONE ? NULL : &c->decl[r->tensor];
	switch (r->type) {
	case TRACE_OP_GEMM:
		op->gemm.m = r->v[0], op->gemm.n = r->v[1], op->gemm.k = r->v[2];
		op->gemm.count = r->v[3];
		op->gemm.w = t;
		op->gemm.b = t ? TRACE_DT_FP16 : r->dt[1];
		op->gemm.a = r->dt[0];
		op->gemm.out = r->dt[2];
		op->gemm.asp = 1;
		break;
	case TRACE_OP_ATTN:
		op->attn.b = r->v[0], op->attn.hq = r->v[1], op->attn.hkv = r->v[2];
		op->attn.d = r->v[3], op->attn.sq = r->v[4], op->attn.skv = r->v[5];
		op->attn.causal = r->causal;
		op->attn.kv = t;
		op->attn.q = r->dt[0];
		op->attn.pat.kind = TRACE_PAT_DENSE;
		op->attn.pat.density = 1;
		break;
	default:
		op->vec.kind = r->vec;
		op->vec.rows = r->v[0], op->vec.cols = r->v[1], op->vec.inputs = r->v[2];
		op->vec.dtype = r->dt[0];
		break;
	}
}

/* Puts what was mapped in writing order (by start time), declares the tensors in order of
 * first use, places the steps, and checks every record as the writer will. */
int kineto_finish(struct kineto *c)
{
	struct kineto_stats *st = c->st;
	struct trace_op *op = NULL;
	char err[1024], name[KINETO_OPNAME + 1];
	int rc = -1;
	if (kineto_sort(c, c->recs, c->nrecs, sizeof *c->recs, kineto_rec_cmp))
		goto fail;
	if (st->nunmapped_names) /* qsort wants a non-null base even for no elements */
		qsort(st->unmapped_names, st->nunmapped_names, sizeof *st->unmapped_names,
		      kineto_name_cmp);
	if (st->nignored_names)
		qsort(st->ignored_names, st->nignored_names, sizeof *st->ignored_names,
		      kineto_name_cmp);
	if (c->nspans)
		qsort(c->spans, c->nspans, sizeof *c->spans, kineto_span_cmp);
	c->decl = calloc(c->ntensors ? c->ntensors : 1, sizeof *c->decl);
	c->decl_order = malloc((c->ntensors ? c->ntensors : 1) * sizeof *c->decl_order);
	op = malloc(sizeof *op);
	if (!c->decl || !c->decl_order || !op) {
		kineto_fail(c, "out of memory");
		goto fail;
	}
	for (size_t t = 0; t < c->ntensors; t++) {
		const struct kineto_tensor *kt = &c->tensors[t];
		struct trace_tensor *d = &c->decl[t];
		d->id = kt->id;
		d->role = kt->role;
		d->dtype = kt->dt;
		d->rows = kt->rows;
		d->cols = kt->cols;
		d->sp.kind = TRACE_SP_DENSE;
		d->sp.density = 1;
		if (kt->sparse) {
			d->sp.kind = TRACE_SP_NM;
			d->sp.n = 2;
			d->sp.m = 4;
			d->sp.density = 0.5;
		}
		d->q.kind = TRACE_Q_NONE;
		d->q.scale_dtype = TRACE_DT_FP16;
	}

	size_t last = KINETO_NONE; /* the ProfilerStep the current step record stands for */
	st->steps = 1;             /* the prefill step */
	for (size_t i = 0; i < c->nrecs; i++) {
		struct kineto_rec *r = &c->recs[i];
		size_t t = r->tensor;
		if (t != KINETO_NONE && c->tensors[t].order == KINETO_NONE) {
			if (trace_tensor_check(&c->decl[t], err, sizeof err)) {
				kineto_fail_op(c, r->op, "%s", err);
				goto fail;
			}
			c->tensors[t].order = c->ndecl;
			c->decl_order[c->ndecl++] = t;
			st->weights += c->tensors[t].role == TRACE_ROLE_WEIGHT;
		}
		size_t s = kineto_span_at(c, c->ops[r->op].ts);
		if (s != KINETO_NONE && (last == KINETO_NONE || s > last)) {
			r->decode = last != KINETO_NONE;
			st->steps += r->decode;
			last = s;
		}
		kineto_build_op(c, r, op, name, sizeof name);
		if (trace_op_check(op, err, sizeof err)) {
			kineto_fail_op(c, r->op, "%s", err);
			goto fail;
		}
		st->with_dur += op->has_dur;
	}
	rc = 0;
fail:
	free(op);
	return rc;
}
