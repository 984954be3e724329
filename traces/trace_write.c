/* trace_write — writes canonical simtrace v1 records, plain or gzip, after checking each with
 * the same rules the reader applies. See trace.h. */
#include "traces/gzio.h"
#include "traces/trace.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "sim/log.h"
#include "sim/outfile.h"
#include "traces/trace_table.h"

struct trace_writer {
	gzFile gz;
	struct outfile out;           /* the temporary file, renamed into place by close */
	char *path;                   /* as shown in messages */
	bool failed;                  /* sticky: every later call fails */
	uint64_t line;                /* lines written */
	struct trace_table tensors;   /* declarations written, to resolve w= / kv= */
	char buf[TRACE_LINE_MAX + 2]; /* the record being built, room for '\n' and NUL */
	size_t len;
	bool too_long;
	char err[8192];
};

__attribute__((format(printf, 2, 3))) static int trace_write_fail(struct trace_writer *w,
                                                                  const char *fmt, ...)
{
	if (!w->failed) {
		int n = snprintf(w->err, sizeof w->err, "%s:%" PRIu64 ": ", w->path, w->line + 1);
		if (n >= 0 && (size_t)n < sizeof w->err) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(w->err + n, sizeof w->err - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	w->failed = true;
	return -1;
}

__attribute__((format(printf, 2, 3))) static void trace_write_add(struct trace_writer *w,
                                                                  const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(w->buf + w->len, TRACE_LINE_MAX + 1 - w->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n > TRACE_LINE_MAX - w->len)
		w->too_long = true;
	else
		w->len += (size_t)n;
}

static void trace_write_begin(struct trace_writer *w)
{
	w->len = 0;
	w->too_long = false;
	w->buf[0] = '\0';
}

static int trace_write_end(struct trace_writer *w)
{
	if (w->too_long)
		return trace_write_fail(w, "record longer than %d bytes", TRACE_LINE_MAX);
	w->buf[w->len++] = '\n';
	if (gzwrite(w->gz, w->buf, (unsigned)w->len) != (int)w->len) {
		const char *msg;
		gzio_status(w->gz, errno, &msg);
		return trace_write_fail(w, "write failed: %s", msg);
	}
	w->line++;
	return 0;
}

static void trace_write_real(struct trace_writer *w, const char *key, double x)
{
	char s[40];
	trace_real_format(x, s, sizeof s); /* checked before: finite and in (0,1] */
	trace_write_add(w, " %s=%s", key, s);
}

struct trace_writer *trace_writer_open(const char *path, bool gzip, char *err, size_t errlen)
{
	bool is_stdout = strcmp(path, "-") == 0;
	const char *shown = is_stdout ? "<stdout>" : path;
	struct trace_writer *w = calloc(1, sizeof *w);

	if (!w || !(w->path = strdup(shown))) {
		if (err && errlen)
			snprintf(err, errlen, "%s: cannot open: %s", shown, strerror(ENOMEM));
		free(w);
		return NULL;
	}
	trace_table_init(&w->tensors);
	if (outfile_open(&w->out, path, err, errlen)) {
		trace_table_fini(&w->tensors);
		free(w->path);
		free(w);
		return NULL;
	}
	/* "T": zlib's transparent mode, a plain file through the same stream. */
	w->gz = gzdopen(w->out.fd, gzip ? "wb" : "wbT");
	if (!w->gz) {
		if (err && errlen)
			snprintf(err, errlen, "%s: cannot open: %s", shown, strerror(ENOMEM));
		close(w->out.fd);
		outfile_abort(&w->out);
		trace_table_fini(&w->tensors);
		free(w->path);
		free(w);
		return NULL;
	}
	trace_write_begin(w);
	trace_write_add(w, "simtrace 1");
	if (trace_write_end(w)) {
		if (err && errlen)
			snprintf(err, errlen, "%s", w->err);
		trace_writer_close(w);
		return NULL;
	}
	return w;
}

static int trace_write_keycmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int trace_write_meta(struct trace_writer *w, const char *text)
{
	char copy[TRACE_LINE_MAX + 1];
	const char *keys[TRACE_LINE_MAX / 2 + 1];
	size_t nkeys = 0, len = strlen(text);

	if (w->failed)
		return -1;
	if (len > TRACE_LINE_MAX)
		return trace_write_fail(w, "record longer than %d bytes", TRACE_LINE_MAX);
	memcpy(copy, text, len + 1);
	trace_write_begin(w);
	trace_write_add(w, "meta");
	for (char *p = copy;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		char *f = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
		for (const char *c = f; *c; c++)
			if (*c < ' ' || *c > '~' || *c == '#')
				return trace_write_fail(w,
				                        "meta: byte 0x%02x: only printable ASCII "
				                        "without '#' is allowed",
				                        (unsigned char)*c);
		trace_write_add(w, " %s", f);
		char *eq = strchr(f, '=');
		if (!eq)
			return trace_write_fail(w, "meta: field '%.64s' is not key=value", f);
		*eq = '\0';
		bool ok = *f >= 'a' && *f <= 'z';
		for (const char *c = f + 1; ok && *c; c++)
			ok = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_';
		if (!ok)
			return trace_write_fail(w,
			                        "meta: malformed key '%.64s' (keys are "
			                        "[a-z][a-z0-9_]*)",
			                        f);
		keys[nkeys++] = f;
	}
	qsort(keys, nkeys, sizeof keys[0], trace_write_keycmp);
	for (size_t i = 1; i < nkeys; i++)
		if (strcmp(keys[i - 1], keys[i]) == 0)
			return trace_write_fail(w, "meta: duplicate key '%.64s'", keys[i]);
	return trace_write_end(w);
}

int trace_write_tensor(struct trace_writer *w, const struct trace_tensor *t)
{
	char why[1024], s[256];
	const struct trace_tensor *stored;

	if (w->failed)
		return -1;
	if (trace_tensor_check(t, why, sizeof why))
		return trace_write_fail(w, "%s", why);
	const struct trace_tensor *old = trace_table_find(&w->tensors, t->id);
	if (old)
		return trace_write_fail(w, "tensor %.64s: id already written at line %" PRIu64,
		                        t->id, old->line);
	trace_write_begin(w);
	trace_write_add(w, "tensor id=%s role=%s dtype=%s", t->id, trace_role_name(t->role),
	                trace_dtype_name(t->dtype));
	if (t->rows)
		trace_write_add(w, " shape=%" PRIu64 "x%" PRIu64, t->rows, t->cols);
	if (t->sp.kind != TRACE_SP_DENSE) {
		trace_sparsity_format(&t->sp, s, sizeof s);
		trace_write_add(w, " sp=%s", s);
	}
	if (t->q.kind != TRACE_Q_NONE) {
		trace_quant_format(&t->q, s, sizeof s);
		trace_write_add(w, " q=%s", s);
	}
	struct trace_tensor copy = *t;
	copy.line = w->line + 1;
	if (trace_write_end(w))
		return -1;
	if (trace_table_add(&w->tensors, &copy, &stored))
		return trace_write_fail(w, "out of memory");
	return 0;
}

/* The declaration this writer wrote for ref's id, or NULL after failing. */
static const struct trace_tensor *trace_write_ref(struct trace_writer *w, const char *ctx,
                                                  const char *key, const struct trace_tensor *ref)
{
	const struct trace_tensor *t = ref->id ? trace_table_find(&w->tensors, ref->id) : NULL;
	if (!t)
		trace_write_fail(w, "%s: %s=%.64s: no tensor with this id was written before", ctx,
		                 key, ref->id ? ref->id : "(null)");
	return t;
}

int trace_write_op(struct trace_writer *w, const struct trace_op *in)
{
	struct trace_op op = *in;
	char why[1024], s[256];

	if (w->failed)
		return -1;
	if (op.type == TRACE_OP_GEMM && op.gemm.w &&
	    !(op.gemm.w = trace_write_ref(w, "gemm", "w", op.gemm.w)))
		return -1;
	if (op.type == TRACE_OP_ATTN && op.attn.kv &&
	    !(op.attn.kv = trace_write_ref(w, "attn", "kv", op.attn.kv)))
		return -1;
	if (trace_op_check(&op, why, sizeof why))
		return trace_write_fail(w, "%s", why);

	trace_write_begin(w);
	trace_write_add(w, "op %s", trace_op_type_name(op.type));
	switch (op.type) {
	case TRACE_OP_GEMM:
		trace_write_add(w, " m=%" PRIu64 " n=%" PRIu64 " k=%" PRIu64, op.gemm.m, op.gemm.n,
		                op.gemm.k);
		if (op.gemm.w)
			trace_write_add(w, " w=%s", op.gemm.w->id);
		else
			trace_write_add(w, " b=%s", trace_dtype_name(op.gemm.b));
		if (op.gemm.a != TRACE_DT_FP16)
			trace_write_add(w, " a=%s", trace_dtype_name(op.gemm.a));
		if (op.gemm.out != op.gemm.a)
			trace_write_add(w, " out=%s", trace_dtype_name(op.gemm.out));
		if (op.gemm.count != 1)
			trace_write_add(w, " count=%" PRIu64, op.gemm.count);
		if (op.gemm.asp != 1)
			trace_write_real(w, "asp", op.gemm.asp);
		break;
	case TRACE_OP_ATTN:
		trace_write_add(w,
		                " b=%" PRIu64 " hq=%" PRIu64 " hkv=%" PRIu64 " d=%" PRIu64
		                " sq=%" PRIu64 " skv=%" PRIu64,
		                op.attn.b, op.attn.hq, op.attn.hkv, op.attn.d, op.attn.sq,
		                op.attn.skv);
		if (!op.attn.causal)
			trace_write_add(w, " causal=0");
		if (op.attn.kv)
			trace_write_add(w, " kv=%s", op.attn.kv->id);
		if (op.attn.q != TRACE_DT_FP16)
			trace_write_add(w, " q=%s", trace_dtype_name(op.attn.q));
		if (op.attn.pat.kind != TRACE_PAT_DENSE) {
			trace_pattern_format(&op.attn.pat, s, sizeof s);
			trace_write_add(w, " pat=%s", s);
		}
		break;
	case TRACE_OP_VEC:
		trace_write_add(w, " kind=%s rows=%" PRIu64 " cols=%" PRIu64,
		                trace_vec_kind_name(op.vec.kind), op.vec.rows, op.vec.cols);
		if (op.vec.dtype != TRACE_DT_FP16)
			trace_write_add(w, " dtype=%s", trace_dtype_name(op.vec.dtype));
		if (op.vec.inputs != trace_vec_kind_default_inputs(op.vec.kind))
			trace_write_add(w, " inputs=%" PRIu64, op.vec.inputs);
		break;
	default:
		trace_write_add(w, " kind=%s bytes=%" PRIu64 " ranks=%" PRIu64,
		                trace_coll_kind_name(op.coll.kind), op.coll.bytes, op.coll.ranks);
		break;
	}
	if (op.layer >= 0)
		trace_write_add(w, " layer=%" PRId64, op.layer);
	if (op.name && op.name[0])
		trace_write_add(w, " name=%s", op.name);
	if (op.has_dur)
		trace_write_add(w, " dur_ns=%" PRIu64, op.dur_ns);
	return trace_write_end(w);
}

int trace_write_step(struct trace_writer *w, const struct trace_step *st)
{
	char why[256];

	if (w->failed)
		return -1;
	if (trace_step_check(st, why, sizeof why))
		return trace_write_fail(w, "%s", why);
	trace_write_begin(w);
	trace_write_add(w, "step kind=%s", trace_step_kind_name(st->kind));
	if (st->tokens)
		trace_write_add(w, " tokens=%" PRIu64, st->tokens);
	if (st->batch)
		trace_write_add(w, " batch=%" PRIu64, st->batch);
	return trace_write_end(w);
}

const char *trace_writer_error(const struct trace_writer *w)
{
	return w->failed ? w->err : "";
}

/* Closes w; the output is put in place when keep and nothing failed, else removed. */
static int trace_writer_finish(struct trace_writer *w, bool keep)
{
	if (!w)
		return 0;
	int rc = w->failed ? -1 : 0;
	if (w->gz) {
		int zr = gzclose(w->gz);
		if (zr != Z_OK) {
			if (!w->failed && keep)
				log_error("%s: write failed: %s", w->path,
				          zr == Z_ERRNO ? strerror(errno) : "zlib error");
			rc = -1;
		}
	}
	char err[512];
	if (rc == 0 && keep) {
		if (outfile_commit(&w->out, err, sizeof err)) {
			log_error("%s", err);
			rc = -1;
		}
	} else {
		outfile_abort(&w->out);
	}
	trace_table_fini(&w->tensors);
	free(w->path);
	free(w);
	return rc;
}

int trace_writer_close(struct trace_writer *w)
{
	return trace_writer_finish(w, true);
}

void trace_writer_abort(struct trace_writer *w)
{
	trace_writer_finish(w, false);
}
