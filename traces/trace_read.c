/* trace_read — the streaming simtrace v1 reader: lines from a zlib stream (gzip or plain, told
 * apart by magic), one record at a time, every rule of docs/trace-format.md §1–§7 checked. See trace.h. */
#include "traces/gzio.h"
#include "traces/trace.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "sim/log.h"
#include "traces/trace_table.h"

/* Decompressed bytes taken per read. */
#define TRACE_READ_CHUNK (64 * 1024)
/* A line of 4096 bytes holds at most this many fields. */
#define TRACE_READ_TOKENS_MAX (TRACE_LINE_MAX / 2 + 2)
/* Distinct unknown keys warned about; past it one last warning says they stop. */
#define TRACE_READ_WARN_KEYS_MAX 256
/* Tensors one trace may declare: the reader keeps every declaration (about 250 bytes each),
 * so a trace of nothing but declarations would otherwise grow memory without end. A model's
 * trace declares thousands (every expert of every layer). */
#define TRACE_READ_TENSORS_MAX (1u << 20)

enum trace_read_state {
	TRACE_READ_MAGIC, /* no record yet: the next one must be "simtrace 1" */
	TRACE_READ_BODY,
	TRACE_READ_END,
	TRACE_READ_FAILED,
};

struct trace_reader {
	struct gzio_reader *in;
	char *path; /* as shown in messages */
	enum trace_read_state state;
	uint64_t line;
	/* Decompressed bytes not yet split into lines. */
	unsigned char chunk[TRACE_READ_CHUNK];
	size_t pos, len;
	bool gz_eof;
	/* The current line (comment cut off, NUL-terminated), and its fields. */
	char text[TRACE_LINE_MAX + 1];
	size_t text_len;
	char *tok[TRACE_READ_TOKENS_MAX];
	size_t ntok;
	const char *unknown[TRACE_READ_TOKENS_MAX]; /* unknown keys of this record */
	char meta[TRACE_LINE_MAX + 1];              /* meta_text of the last meta record */
	struct trace_table tensors;
	/* Steps: see trace_step.index. */
	uint64_t ops, step, tensors_n;
	bool seen_step, seen_op;
	char *warned[TRACE_READ_WARN_KEYS_MAX];
	size_t nwarned;
	bool warned_full;
	uint64_t warnings;
	char err[8192];
};

/* Values are clipped in messages so that a 4 KB value cannot drown the line. */
#define CLIP        "%.64s%s"
#define CLIP_ARG(s) (s), (strlen(s) > 64 ? "..." : "")

__attribute__((format(printf, 2, 3))) static int trace_read_fail(struct trace_reader *r,
                                                                 const char *fmt, ...)
{
	int n = snprintf(r->err, sizeof r->err, "%s:%" PRIu64 ": ", r->path, r->line ? r->line : 1);
	if (n >= 0 && (size_t)n < sizeof r->err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->err + n, sizeof r->err - (size_t)n, fmt, ap);
		va_end(ap);
	}
	r->state = TRACE_READ_FAILED;
	return -1;
}

/* ---- Lines ---- */

static int trace_read_fill(struct trace_reader *r)
{
	ssize_t n = gzio_read(r->in, r->chunk, sizeof r->chunk);
	const char *msg;

	if (n > 0) {
		r->pos = 0;
		r->len = (size_t)n;
		return 0;
	}
	if (n == 0) {
		r->gz_eof = true;
		return 0;
	}
	switch (gzio_error(r->in, &msg)) {
	case GZIO_TRUNCATED: return trace_read_fail(r, "truncated gzip stream (%s)", msg);
	case GZIO_ERRNO: return trace_read_fail(r, "read error: %s", msg);
	case GZIO_TRAILING: return trace_read_fail(r, "%s", msg);
	case GZIO_NOMEM: return trace_read_fail(r, "out of memory");
	case GZIO_OK:
	case GZIO_CORRUPT: break;
	}
	return trace_read_fail(r, "corrupt gzip data (%s)", msg);
}

/* The next line, without its '\n', into text: 1, 0 at end of file, -1 on error. A last line
 * without '\n' is accepted. */
static int trace_read_line(struct trace_reader *r)
{
	bool any = false;

	r->text_len = 0;
	r->line++;
	for (;;) {
		if (r->pos == r->len) {
			if (r->gz_eof)
				break;
			if (trace_read_fill(r))
				return -1;
			continue;
		}
		const unsigned char *start = r->chunk + r->pos;
		size_t avail = r->len - r->pos;
		const unsigned char *nl = memchr(start, '\n', avail);
		size_t take = nl ? (size_t)(nl - start) : avail;
		any = true;
		if (r->text_len + take > TRACE_LINE_MAX)
			return trace_read_fail(
			    r, "%sline longer than %d bytes%s",
			    r->state == TRACE_READ_MAGIC ? "not a simtrace v1 file (" : "",
			    TRACE_LINE_MAX, r->state == TRACE_READ_MAGIC ? ")" : "");
		memcpy(r->text + r->text_len, start, take);
		r->text_len += take;
		r->pos += take + (nl != NULL);
		if (nl)
			return 1;
	}
	if (!any)
		r->line--;
	return any;
}

/* What a byte is to the splitter: part of a field, a separator, or not allowed. */
enum { TRACE_BYTE_BAD, TRACE_BYTE_FIELD, TRACE_BYTE_SPACE };

static unsigned char trace_byte_class(unsigned char c)
{
	if (c == ' ' || c == '\t')
		return TRACE_BYTE_SPACE;
	return c > 0x20 && c <= 0x7e ? TRACE_BYTE_FIELD : TRACE_BYTE_BAD;
}

/* Says what is wrong with byte i of the line, one that may not be there. */
static int trace_read_bad_byte(struct trace_reader *r, size_t i)
{
	unsigned char c = (unsigned char)r->text[i];
	if (r->state == TRACE_READ_MAGIC)
		return trace_read_fail(r,
		                       "not a simtrace v1 file (byte 0x%02x at column %zu: not a "
		                       "text file)",
		                       c, i + 1);
	if (c == 0)
		return trace_read_fail(r, "NUL byte at column %zu", i + 1);
	if (c == '\r')
		return trace_read_fail(r, "carriage return at column %zu (lines end in \\n alone)",
		                       i + 1);
	return trace_read_fail(r,
	                       "byte 0x%02x at column %zu: only printable ASCII and tab are "
	                       "allowed outside comments",
	                       c, i + 1);
}

/* Cuts the comment, checks the bytes before it and splits them into tok[], in one pass. */
static int trace_read_split(struct trace_reader *r)
{
	const char *hash = memchr(r->text, '#', r->text_len);
	size_t end = hash ? (size_t)(hash - r->text) : r->text_len;
	static unsigned char cls[256];
	if (!cls['a'])
		for (int c = 0; c < 256; c++)
			cls[c] = trace_byte_class((unsigned char)c);

	char *t = r->text;
	bool in_field = false;
	r->ntok = 0;
	for (size_t i = 0; i < end; i++) {
		unsigned char k = cls[(unsigned char)t[i]];
		if (k == TRACE_BYTE_FIELD) {
			if (!in_field)
				r->tok[r->ntok++] = t + i;
			in_field = true;
		} else if (k == TRACE_BYTE_SPACE) {
			t[i] = '\0';
			in_field = false;
		} else {
			return trace_read_bad_byte(r, i);
		}
	}
	t[end] = '\0';
	return 0;
}

/* ---- Fields ---- */

static bool trace_read_key_valid(const char *k)
{
	if (!(*k >= 'a' && *k <= 'z'))
		return false;
	for (k++; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '_'))
			return false;
	return true;
}

static void trace_read_warn_key(struct trace_reader *r, const char *where, const char *key)
{
	for (size_t i = 0; i < r->nwarned; i++)
		if (strcmp(r->warned[i], key) == 0)
			return;
	if (r->nwarned == TRACE_READ_WARN_KEYS_MAX) {
		if (!r->warned_full) {
			r->warned_full = true;
			r->warnings++;
			log_warn("%s:%" PRIu64 ": more than %d different unknown keys; no more "
			         "warnings about them",
			         r->path, r->line, TRACE_READ_WARN_KEYS_MAX);
		}
		return;
	}
	char *copy = strdup(key);
	if (copy)
		r->warned[r->nwarned++] = copy;
	r->warnings++;
	log_warn("%s:%" PRIu64 ": unknown key '" CLIP "' on %s (ignored)", r->path, r->line,
	         CLIP_ARG(key), where);
}

static int trace_read_strcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* How a field's value is read, and where it goes. */
enum trace_read_type {
	TRACE_READ_INT,   /* uint64_t, >= 0 */
	TRACE_READ_SIZE,  /* uint64_t, >= 1 */
	TRACE_READ_LAYER, /* int64_t, >= 0 */
	TRACE_READ_REAL,  /* double; the range is checked with the record */
	TRACE_READ_BOOL,  /* bool, "0" or "1" */
	TRACE_READ_DTYPE,
	TRACE_READ_ROLE,
	TRACE_READ_VEC_KIND,
	TRACE_READ_COLL_KIND,
	TRACE_READ_STEP_KIND,
	TRACE_READ_SP,
	TRACE_READ_Q,
	TRACE_READ_PAT,
	TRACE_READ_SHAPE,  /* into trace_tensor rows, cols (offset unused) */
	TRACE_READ_ID,     /* const char *, pointing into the line */
	TRACE_READ_TEXT,   /* const char *, pointing into the line */
	TRACE_READ_WEIGHT, /* const struct trace_tensor *, a declared tensor */
	TRACE_READ_KV,     /* same */
};

/* One known key of a record: the one table per record kind that the reader follows. */
struct trace_read_field {
	const char *key;
	size_t klen; /* strlen(key) */
	enum trace_read_type type;
	size_t offset; /* in the record's struct */
	bool required;
};

#define TRACE_READ_FIELDS_MAX 16

/* A key and its length, for the field tables. */
#define KEY(k) k, sizeof(k) - 1

#define OP(f) offsetof(struct trace_op, f)
#define TRACE_READ_OP_COMMON                                     \
	{ KEY("layer"), TRACE_READ_LAYER, OP(layer), false },    \
	    { KEY("name"), TRACE_READ_TEXT, OP(name), false },   \
	{                                                        \
		KEY("dur_ns"), TRACE_READ_INT, OP(dur_ns), false \
	}

static const struct trace_read_field trace_read_gemm[] = {
	{ KEY("m"), TRACE_READ_SIZE, OP(gemm.m), true },
	{ KEY("n"), TRACE_READ_SIZE, OP(gemm.n), true },
	{ KEY("k"), TRACE_READ_SIZE, OP(gemm.k), true },
	{ KEY("w"), TRACE_READ_WEIGHT, OP(gemm.w), false },
	{ KEY("b"), TRACE_READ_DTYPE, OP(gemm.b), false },
	{ KEY("a"), TRACE_READ_DTYPE, OP(gemm.a), false },
	{ KEY("out"), TRACE_READ_DTYPE, OP(gemm.out), false },
	{ KEY("count"), TRACE_READ_SIZE, OP(gemm.count), false },
	{ KEY("asp"), TRACE_READ_REAL, OP(gemm.asp), false },
	TRACE_READ_OP_COMMON,
};
static const struct trace_read_field trace_read_attn[] = {
	{ KEY("b"), TRACE_READ_SIZE, OP(attn.b), true },
	{ KEY("hq"), TRACE_READ_SIZE, OP(attn.hq), true },
	{ KEY("hkv"), TRACE_READ_SIZE, OP(attn.hkv), true },
	{ KEY("d"), TRACE_READ_SIZE, OP(attn.d), true },
	{ KEY("sq"), TRACE_READ_SIZE, OP(attn.sq), true },
	{ KEY("skv"), TRACE_READ_SIZE, OP(attn.skv), true },
	{ KEY("causal"), TRACE_READ_BOOL, OP(attn.causal), false },
	{ KEY("kv"), TRACE_READ_KV, OP(attn.kv), false },
	{ KEY("q"), TRACE_READ_DTYPE, OP(attn.q), false },
	{ KEY("pat"), TRACE_READ_PAT, OP(attn.pat), false },
	TRACE_READ_OP_COMMON,
};
static const struct trace_read_field trace_read_vec[] = {
	{ KEY("kind"), TRACE_READ_VEC_KIND, OP(vec.kind), true },
	{ KEY("rows"), TRACE_READ_SIZE, OP(vec.rows), true },
	{ KEY("cols"), TRACE_READ_SIZE, OP(vec.cols), true },
	{ KEY("dtype"), TRACE_READ_DTYPE, OP(vec.dtype), false },
	{ KEY("inputs"), TRACE_READ_SIZE, OP(vec.inputs), false },
	TRACE_READ_OP_COMMON,
};
static const struct trace_read_field trace_read_coll[] = {
	{ KEY("kind"), TRACE_READ_COLL_KIND, OP(coll.kind), true },
	{ KEY("bytes"), TRACE_READ_SIZE, OP(coll.bytes), true },
	{ KEY("ranks"), TRACE_READ_SIZE, OP(coll.ranks), true },
	TRACE_READ_OP_COMMON,
};
#undef OP

#define TENSOR(f) offsetof(struct trace_tensor, f)
static const struct trace_read_field trace_read_tensor_fields[] = {
	{ KEY("id"), TRACE_READ_ID, TENSOR(id), true },
	{ KEY("role"), TRACE_READ_ROLE, TENSOR(role), true },
	{ KEY("dtype"), TRACE_READ_DTYPE, TENSOR(dtype), true },
	{ KEY("shape"), TRACE_READ_SHAPE, 0, false },
	{ KEY("sp"), TRACE_READ_SP, TENSOR(sp), false },
	{ KEY("q"), TRACE_READ_Q, TENSOR(q), false },
};
#undef TENSOR

static const struct trace_read_field trace_read_step_fields[] = {
	{ KEY("kind"), TRACE_READ_STEP_KIND, offsetof(struct trace_step, kind), true },
	{ KEY("tokens"), TRACE_READ_SIZE, offsetof(struct trace_step, tokens), false },
	{ KEY("batch"), TRACE_READ_SIZE, offsetof(struct trace_step, batch), false },
};

#define TRACE_READ_N(a) (sizeof(a) / sizeof((a)[0]))

/* A record's key set: its table, where it is (for messages), whether any key is allowed. */
struct trace_read_record {
	const char *ctx;   /* message prefix: "gemm", "tensor", "step", "meta" */
	const char *where; /* in warnings: "op gemm", "tensor", "step" */
	const struct trace_read_field *fields;
	size_t nfields;
	bool any_key; /* meta: any key, empty values allowed, no warnings */
};

/* The index of the key of klen bytes among rec's fields, or rec->nfields: length and first
 * letter rule out all but (in the shipped tables) one field, which the rest confirms. */
static inline size_t trace_read_find(const struct trace_read_record *rec, const char *key,
                                     size_t klen)
{
	for (size_t k = 0; k < rec->nfields; k++) {
		const struct trace_read_field *f = &rec->fields[k];
		if (f->klen != klen || f->key[0] != key[0])
			continue;
		size_t i = 1; /* keys are a few letters: compared inline, not by a libc call */
		while (i < klen && f->key[i] == key[i])
			i++;
		if (i == klen)
			return k;
	}
	return rec->nfields;
}

/* Matches tok[first..ntok) against rec's keys into val[] (NULL = not given). Checks the key
 * syntax and duplicates, warns about unknown keys once. */
static int trace_read_fields(struct trace_reader *r, const struct trace_read_record *rec,
                             size_t first, const char **val)
{
	size_t nunknown = 0;

	for (size_t i = 0; i < rec->nfields; i++)
		val[i] = NULL;
	for (size_t i = first; i < r->ntok; i++) {
		char *key = r->tok[i], *eq = strchr(key, '=');
		if (!eq)
			return trace_read_fail(r, "%s: field '" CLIP "' is not key=value", rec->ctx,
			                       CLIP_ARG(key));
		*eq = '\0';
		const char *v = eq + 1;
		if (!trace_read_key_valid(key))
			return trace_read_fail(
			    r, "%s: malformed key '" CLIP "' (keys are [a-z][a-z0-9_]*)", rec->ctx,
			    CLIP_ARG(key));
		size_t k = trace_read_find(rec, key, (size_t)(eq - key));
		if (k < rec->nfields) {
			if (val[k])
				return trace_read_fail(r, "%s: duplicate key '%s'", rec->ctx, key);
			if (!*v)
				return trace_read_fail(r, "%s: %s=: empty value", rec->ctx, key);
			val[k] = v;
			continue;
		}
		r->unknown[nunknown++] = key;
		if (!rec->any_key && strncmp(key, "x_", 2) != 0)
			trace_read_warn_key(r, rec->where, key);
	}
	if (nunknown > 1) {
		qsort(r->unknown, nunknown, sizeof r->unknown[0], trace_read_strcmp);
		for (size_t i = 1; i < nunknown; i++)
			if (strcmp(r->unknown[i - 1], r->unknown[i]) == 0)
				return trace_read_fail(r, "%s: duplicate key '" CLIP "'", rec->ctx,
				                       CLIP_ARG(r->unknown[i]));
	}
	return 0;
}

static int trace_read_required(struct trace_reader *r, const struct trace_read_record *rec,
                               const char **val)
{
	for (size_t i = 0; i < rec->nfields; i++)
		if (rec->fields[i].required && !val[i])
			return trace_read_fail(r, "%s: missing required field %s=", rec->ctx,
			                       rec->fields[i].key);
	return 0;
}

static inline const char *trace_read_given(const struct trace_read_record *rec, const char **val,
                                           const char *key)
{
	size_t k = trace_read_find(rec, key, strlen(key));
	return k < rec->nfields ? val[k] : NULL;
}

/* "a, b or c" from a name function over [0, count). */
#define TRACE_READ_LIST(buf, count, name_fn, type)                                          \
	do {                                                                                \
		size_t used_ = 0;                                                           \
		(buf)[0] = '\0';                                                            \
		for (int i_ = 0; i_ < (count); i_++) {                                      \
			const char *sep_ = i_ == 0 ? "" : i_ == (count)-1 ? " or " : ", ";  \
			int n_ = snprintf((buf) + used_, sizeof(buf) - used_, "%s%s", sep_, \
			                  name_fn((type)i_));                               \
			if (n_ < 0 || (size_t)n_ >= sizeof(buf) - used_)                    \
				break;                                                      \
			used_ += (size_t)n_;                                                \
		}                                                                           \
	} while (0)

static int trace_read_int(struct trace_reader *r, const char *ctx, const char *key, const char *v,
                          unsigned min, uint64_t *out)
{
	if (trace_int_parse(v, out) == 0) {
		if (*out >= min)
			return 0;
	} else if (strspn(v, "0123456789") == strlen(v)) {
		return trace_read_fail(r,
		                       "%s: %s=" CLIP ": too large (integers must fit in 63 bits)",
		                       ctx, key, CLIP_ARG(v));
	}
	return trace_read_fail(r, "%s: %s=" CLIP ": must be an integer >= %u", ctx, key,
	                       CLIP_ARG(v), min);
}

static int trace_read_ref(struct trace_reader *r, const char *ctx, const char *key, const char *v,
                          const struct trace_tensor **out)
{
	*out = trace_table_find(&r->tensors, v);
	if (!*out)
		return trace_read_fail(r,
		                       "%s: %s=" CLIP ": no tensor with this id is declared before "
		                       "this line",
		                       ctx, key, CLIP_ARG(v));
	return 0;
}

/* Reads one given value into the record at base. */
static int trace_read_value(struct trace_reader *r, const char *ctx,
                            const struct trace_read_field *f, const char *v, void *base)
{
	char *dst = (char *)base + f->offset;
	char why[512], list[512];
	uint64_t u;

	switch (f->type) {
	case TRACE_READ_INT:
	case TRACE_READ_SIZE:
		return trace_read_int(r, ctx, f->key, v, f->type == TRACE_READ_SIZE,
		                      (uint64_t *)dst);
	case TRACE_READ_LAYER:
		if (trace_read_int(r, ctx, f->key, v, 0, &u))
			return -1;
		*(int64_t *)dst = (int64_t)u;
		return 0;
	case TRACE_READ_REAL:
		if (trace_real_parse(v, (double *)dst))
			return trace_read_fail(r, "%s: %s=" CLIP ": must be a real in (0,1]", ctx,
			                       f->key, CLIP_ARG(v));
		return 0;
	case TRACE_READ_BOOL:
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
			return trace_read_fail(r, "%s: %s=" CLIP ": must be 0 or 1", ctx, f->key,
			                       CLIP_ARG(v));
		*(bool *)dst = v[0] == '1';
		return 0;
	case TRACE_READ_DTYPE:
		if (trace_dtype_parse(v, (enum trace_dtype *)dst) == 0)
			return 0;
		TRACE_READ_LIST(list, TRACE_DT_COUNT, trace_dtype_name, enum trace_dtype);
		return trace_read_fail(r, "%s: %s=" CLIP ": unknown dtype (expected %s)", ctx,
		                       f->key, CLIP_ARG(v), list);
	case TRACE_READ_ROLE:
		if (trace_role_parse(v, (enum trace_role *)dst) == 0)
			return 0;
		TRACE_READ_LIST(list, TRACE_ROLE_COUNT, trace_role_name, enum trace_role);
		return trace_read_fail(r, "%s: %s=" CLIP ": unknown role (expected %s)", ctx,
		                       f->key, CLIP_ARG(v), list);
	case TRACE_READ_VEC_KIND:
		if (trace_vec_kind_parse(v, (enum trace_vec_kind *)dst) == 0)
			return 0;
		TRACE_READ_LIST(list, TRACE_VEC_COUNT, trace_vec_kind_name, enum trace_vec_kind);
		return trace_read_fail(r, "%s: %s=" CLIP ": unknown vec kind (expected %s)", ctx,
		                       f->key, CLIP_ARG(v), list);
	case TRACE_READ_COLL_KIND:
		if (trace_coll_kind_parse(v, (enum trace_coll_kind *)dst) == 0)
			return 0;
		TRACE_READ_LIST(list, TRACE_COLL_COUNT, trace_coll_kind_name, enum trace_coll_kind);
		return trace_read_fail(r, "%s: %s=" CLIP ": unknown coll kind (expected %s)", ctx,
		                       f->key, CLIP_ARG(v), list);
	case TRACE_READ_STEP_KIND:
		if (trace_step_kind_parse(v, (enum trace_step_kind *)dst) == 0)
			return 0;
		TRACE_READ_LIST(list, TRACE_STEP_COUNT, trace_step_kind_name, enum trace_step_kind);
		return trace_read_fail(r, "%s: %s=" CLIP ": unknown step kind (expected %s)", ctx,
		                       f->key, CLIP_ARG(v), list);
	case TRACE_READ_SP:
		if (trace_sparsity_parse(v, (struct trace_sparsity *)dst, why, sizeof why) == 0)
			return 0;
		break;
	case TRACE_READ_Q:
		if (trace_quant_parse(v, (struct trace_quant *)dst, why, sizeof why) == 0)
			return 0;
		break;
	case TRACE_READ_PAT:
		if (trace_pattern_parse(v, (struct trace_pattern *)dst, why, sizeof why) == 0)
			return 0;
		break;
	case TRACE_READ_SHAPE: {
		struct trace_tensor *t = base;
		const char *x = strchr(v, 'x');
		char d0[32];
		size_t n0 = x ? (size_t)(x - v) : 0;
		if (!x || n0 >= sizeof d0)
			goto bad_shape;
		memcpy(d0, v, n0);
		d0[n0] = '\0';
		if (trace_int_parse(d0, &t->rows) || trace_int_parse(x + 1, &t->cols))
			goto bad_shape;
		if (t->rows < 1 || t->cols < 1)
			return trace_read_fail(
			    r, "%s: shape=" CLIP ": dimensions must be integers >= 1", ctx,
			    CLIP_ARG(v));
		return 0;
	bad_shape:
		return trace_read_fail(r,
		                       "%s: shape=" CLIP
		                       ": expected NxK with decimal integers below "
		                       "2^63",
		                       ctx, CLIP_ARG(v));
	}
	case TRACE_READ_ID:
		if (!trace_id_valid(v))
			return trace_read_fail(r,
			                       "%s: id=" CLIP
			                       ": invalid id (use letters, digits and "
			                       "_ . : -)",
			                       ctx, CLIP_ARG(v));
		*(const char **)dst = v;
		return 0;
	case TRACE_READ_TEXT: *(const char **)dst = v; return 0;
	case TRACE_READ_WEIGHT:
	case TRACE_READ_KV:
		return trace_read_ref(r, ctx, f->key, v, (const struct trace_tensor **)dst);
	}
	return trace_read_fail(r, "%s: %s=" CLIP ": %s", ctx, f->key, CLIP_ARG(v), why);
}

static int trace_read_values(struct trace_reader *r, const struct trace_read_record *rec,
                             const char **val, void *base)
{
	for (size_t i = 0; i < rec->nfields; i++)
		if (val[i] && trace_read_value(r, rec->ctx, &rec->fields[i], val[i], base))
			return -1;
	return 0;
}

/* ---- Records ---- */

static int trace_read_magic(struct trace_reader *r)
{
	uint64_t v;
	if (strcmp(r->tok[0], "simtrace") != 0)
		return trace_read_fail(r,
		                       "not a simtrace v1 file (the first record must be "
		                       "'simtrace 1', not '" CLIP "')",
		                       CLIP_ARG(r->tok[0]));
	if (r->ntok == 2 && strcmp(r->tok[1], "1") == 0) {
		r->state = TRACE_READ_BODY;
		return 0;
	}
	if (r->ntok >= 2 && trace_int_parse(r->tok[1], &v) == 0 && v != 1)
		return trace_read_fail(r,
		                       "not a simtrace v1 file (simtrace %" PRIu64
		                       ": unsupported major version; this reader reads simtrace 1)",
		                       v);
	return trace_read_fail(r, "not a simtrace v1 file (expected exactly 'simtrace 1')");
}

static int trace_read_meta(struct trace_reader *r, struct trace_record *out)
{
	static const struct trace_read_record rec = { "meta", "meta", NULL, 0, true };
	size_t used = 0;

	r->meta[0] = '\0';
	for (size_t i = 1; i < r->ntok; i++) {
		size_t n = strlen(r->tok[i]);
		/* Joined with single spaces it is never longer than the line it came from. */
		if (used)
			r->meta[used++] = ' ';
		memcpy(r->meta + used, r->tok[i], n + 1);
		used += n;
	}
	if (trace_read_fields(r, &rec, 1, NULL))
		return -1;
	out->kind = TRACE_REC_META;
	out->meta_text = r->meta;
	return 0;
}

static int trace_read_tensor(struct trace_reader *r, struct trace_record *out)
{
	struct trace_read_record rec = { "tensor", "tensor", trace_read_tensor_fields,
		                         TRACE_READ_N(trace_read_tensor_fields), false };
	const char *val[TRACE_READ_FIELDS_MAX];
	struct trace_tensor t = {
		.sp = { .kind = TRACE_SP_DENSE, .density = 1 },
		.q = { .kind = TRACE_Q_NONE, .scale_dtype = TRACE_DT_FP16 },
		.line = r->line,
	};
	char ctx[96] = "tensor", why[1024];

	if (trace_read_fields(r, &rec, 1, val))
		return -1;
	const char *id = trace_read_given(&rec, val, "id");
	if (id) {
		snprintf(ctx, sizeof ctx, "tensor %.64s%s", CLIP_ARG(id));
		rec.ctx = ctx;
	}
	if (trace_read_required(r, &rec, val) || trace_read_values(r, &rec, val, &t))
		return -1;
	if (t.role == TRACE_ROLE_WEIGHT && !trace_read_given(&rec, val, "shape"))
		return trace_read_fail(r, "%s: role=weight requires shape=NxK", ctx);
	if (trace_tensor_check(&t, why, sizeof why))
		return trace_read_fail(r, "%s", why);
	const struct trace_tensor *old = trace_table_find(&r->tensors, t.id);
	if (old)
		return trace_read_fail(r, "%s: id already declared at line %" PRIu64, ctx,
		                       old->line);
	if (r->tensors_n >= TRACE_READ_TENSORS_MAX)
		return trace_read_fail(
		    r, "%s: more than %u tensors declared (the reader keeps them all)", ctx,
		    TRACE_READ_TENSORS_MAX);
	if (trace_table_add(&r->tensors, &t, &out->tensor))
		return trace_read_fail(r, "%s: out of memory", ctx);
	r->tensors_n++;
	out->kind = TRACE_REC_TENSOR;
	return 0;
}

static int trace_read_op(struct trace_reader *r, struct trace_record *out)
{
	static const struct trace_read_record recs[TRACE_OP_COUNT] = {
		[TRACE_OP_GEMM] = { "gemm", "op gemm", trace_read_gemm,
		                    TRACE_READ_N(trace_read_gemm), false },
		[TRACE_OP_ATTN] = { "attn", "op attn", trace_read_attn,
		                    TRACE_READ_N(trace_read_attn), false },
		[TRACE_OP_VEC] = { "vec", "op vec", trace_read_vec, TRACE_READ_N(trace_read_vec),
		                   false },
		[TRACE_OP_COLL] = { "coll", "op coll", trace_read_coll,
		                    TRACE_READ_N(trace_read_coll), false },
	};
	const char *val[TRACE_READ_FIELDS_MAX];
	struct trace_op *op = &out->op;
	enum trace_op_type type;
	char why[1024];

	if (r->ntok < 2 || strchr(r->tok[1], '='))
		return trace_read_fail(r, "op: missing type (expected gemm, attn, vec or coll)");
	if (strncmp(r->tok[1], "x_", 2) == 0)
		return 1; /* an extension op: skipped */
	if (trace_op_type_parse(r->tok[1], &type))
		return trace_read_fail(
		    r, "unknown op type '" CLIP "' (expected gemm, attn, vec or coll)",
		    CLIP_ARG(r->tok[1]));
	const struct trace_read_record *rec = &recs[type];
	if (trace_read_fields(r, rec, 2, val) || trace_read_required(r, rec, val))
		return -1;

	memset(op, 0, sizeof *op);
	op->type = type;
	op->layer = -1;
	op->name = "";
	switch (type) {
	case TRACE_OP_GEMM: {
		bool w = trace_read_given(rec, val, "w"), b = trace_read_given(rec, val, "b");
		if (w == b)
			return trace_read_fail(r, "gemm: %s (exactly one of w= and b= is required)",
			                       w ? "both w= and b= given"
			                         : "neither w= nor b= given");
		op->gemm.count = 1;
		op->gemm.asp = 1;
		op->gemm.a = op->gemm.b = TRACE_DT_FP16;
		break;
	}
	case TRACE_OP_ATTN:
		op->attn.causal = true;
		op->attn.q = TRACE_DT_FP16;
		op->attn.pat = (struct trace_pattern){ .kind = TRACE_PAT_DENSE, .density = 1 };
		break;
	case TRACE_OP_VEC: op->vec.dtype = TRACE_DT_FP16; break;
	default: break;
	}
	if (trace_read_values(r, rec, val, op))
		return -1;
	op->has_dur = trace_read_given(rec, val, "dur_ns") != NULL;
	if (type == TRACE_OP_GEMM && !trace_read_given(rec, val, "out"))
		op->gemm.out = op->gemm.a;
	if (type == TRACE_OP_VEC && !trace_read_given(rec, val, "inputs"))
		op->vec.inputs = trace_vec_kind_default_inputs(op->vec.kind);
	if (trace_op_check(op, why, sizeof why))
		return trace_read_fail(r, "%s", why);

	op->line = r->line;
	op->index = r->ops++;
	op->step = r->step;
	r->seen_op = true;
	out->kind = TRACE_REC_OP;
	return 0;
}

static int trace_read_step(struct trace_reader *r, struct trace_record *out)
{
	static const struct trace_read_record rec = { "step", "step", trace_read_step_fields,
		                                      TRACE_READ_N(trace_read_step_fields), false };
	const char *val[TRACE_READ_FIELDS_MAX];
	struct trace_step *s = &out->step;
	char why[256];

	*s = (struct trace_step){ 0 };
	if (trace_read_fields(r, &rec, 1, val) || trace_read_required(r, &rec, val) ||
	    trace_read_values(r, &rec, val, s))
		return -1;
	if (trace_step_check(s, why, sizeof why))
		return trace_read_fail(r, "%s", why);
	/* Ops before the first step record form step 0; a step record opens the next one. */
	if (r->seen_step || r->seen_op)
		r->step++;
	r->seen_step = true;
	s->index = r->step;
	s->line = r->line;
	out->kind = TRACE_REC_STEP;
	return 0;
}

/* ---- API ---- */

struct trace_reader *trace_open(const char *path, char *err, size_t errlen)
{
	bool is_stdin = strcmp(path, "-") == 0;
	const char *shown = is_stdin ? "<stdin>" : path;
	struct trace_reader *r = calloc(1, sizeof *r);
	struct stat st;
	int fd = -1, e = ENOMEM;

	if (!r || !(r->path = strdup(shown)))
		goto fail;
	fd = is_stdin ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		goto fail;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		e = EISDIR;
		goto fail;
	}
	/* gzio looks at the first two bytes: gzip magic → inflate, anything else → copied. */
	r->in = gzio_open(fd);
	fd = -1;
	if (!r->in)
		goto fail;
	trace_table_init(&r->tensors);
	r->state = TRACE_READ_MAGIC;
	return r;
fail:
	if (err && errlen)
		snprintf(err, errlen, "%s: cannot open: %s", shown, strerror(e));
	if (fd >= 0)
		close(fd);
	if (r)
		free(r->path);
	free(r);
	return NULL;
}

int trace_next(struct trace_reader *r, struct trace_record *out)
{
	if (r->state == TRACE_READ_FAILED)
		return -1;
	if (r->state == TRACE_READ_END)
		return 0;
	for (;;) {
		int rc = trace_read_line(r);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			if (r->state == TRACE_READ_MAGIC)
				return trace_read_fail(r, "not a simtrace v1 file (%s)",
				                       r->line ? "no 'simtrace 1' record"
				                               : "empty");
			r->state = TRACE_READ_END;
			return 0;
		}
		if (trace_read_split(r))
			return -1;
		if (r->ntok == 0)
			continue;
		if (r->state == TRACE_READ_MAGIC) {
			if (trace_read_magic(r))
				return -1;
			continue;
		}
		const char *kind = r->tok[0];
		out->line = r->line;
		out->meta_text = NULL;
		if (strcmp(kind, "op") == 0) {
			rc = trace_read_op(r, out);
			if (rc == 1)
				continue;
		} else if (strcmp(kind, "tensor") == 0) {
			rc = trace_read_tensor(r, out);
		} else if (strcmp(kind, "step") == 0) {
			rc = trace_read_step(r, out);
		} else if (strcmp(kind, "meta") == 0) {
			rc = trace_read_meta(r, out);
		} else if (strncmp(kind, "x_", 2) == 0) {
			continue; /* an extension record: skipped */
		} else if (strcmp(kind, "simtrace") == 0) {
			return trace_read_fail(r, "simtrace: only allowed as the first record");
		} else {
			return trace_read_fail(r,
			                       "unknown record kind '" CLIP "'"
			                       " (expected meta, tensor, op or step)",
			                       CLIP_ARG(kind));
		}
		return rc < 0 ? -1 : 1;
	}
}

const char *trace_error(const struct trace_reader *r)
{
	return r->state == TRACE_READ_FAILED ? r->err : "";
}

uint64_t trace_line(const struct trace_reader *r)
{
	return r->line;
}
uint64_t trace_warning_count(const struct trace_reader *r)
{
	return r->warnings;
}

const struct trace_tensor *trace_find_tensor(const struct trace_reader *r, const char *id)
{
	return trace_table_find(&r->tensors, id);
}

void trace_close(struct trace_reader *r)
{
	if (!r)
		return;
	gzio_close(r->in);
	trace_table_fini(&r->tensors);
	for (size_t i = 0; i < r->nwarned; i++)
		free(r->warned[i]);
	free(r->path);
	free(r);
}

int trace_meta_value(const char *meta_text, const char *key, char *buf, size_t buflen)
{
	size_t klen = strlen(key);
	for (const char *p = meta_text; p && *p;) {
		const char *end = strchr(p, ' ');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			size_t vlen = len - klen - 1;
			if (vlen >= buflen)
				return -1;
			memcpy(buf, p + klen + 1, vlen);
			buf[vlen] = '\0';
			return 0;
		}
		p = end ? end + 1 : NULL;
	}
	return -1;
}
