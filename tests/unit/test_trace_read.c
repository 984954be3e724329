/* Unit tests of traces/trace_read and the value parsers of traces/trace_types: the spec's own
 * example field by field, gzip told by magic (not name), truncated and corrupt gzip, every
 * error rule (inline cases plus the tests/bad/trace corpus, one expected message per file),
 * unknown-key warnings printed once, x_ extensions skipped silently, step numbering, and the
 * tensor table keeping its pointers as it grows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "traces/trace.h"

#include "test_tmpdir.h"

/* Writes data to tmpdir/name; the path goes into path. */
static void make_file(char *path, size_t pathlen, const char *name, const void *data, size_t len)
{
	snprintf(path, pathlen, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void make_gzip(char *path, size_t pathlen, const char *name, const void *data, size_t len)
{
	snprintf(path, pathlen, "%s/%s", tmpdir, name);
	gzFile gz = gzopen(path, "wb9");
	assert_non_null(gz);
	assert_int_equal(gzwrite(gz, data, (unsigned)len), (int)len);
	assert_int_equal(gzclose(gz), Z_OK);
}

static size_t slurp(const char *path, unsigned char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

/* Reads path to its end or first error: the last trace_next result; records counted, the
 * error copied into err. */
static int read_all(const char *path, size_t *records, char *err, size_t errlen)
{
	char open_err[512];
	struct trace_reader *r = trace_open(path, open_err, sizeof open_err);
	struct trace_record rec;
	int rc;

	assert_non_null(r);
	*records = 0;
	while ((rc = trace_next(r, &rec)) == 1)
		(*records)++;
	snprintf(err, errlen, "%s", trace_error(r));
	trace_close(r);
	return rc;
}

static void expect_error(const char *text, size_t len, const char *want)
{
	char path[256], err[8192];
	size_t n;
	make_file(path, sizeof path, "case.trace", text, len);
	int rc = read_all(path, &n, err, sizeof err);
	if (rc != -1 || !strstr(err, want))
		fail_msg("input:\n%.300s\ngot rc=%d error '%s'\nwant an error containing '%s'",
		         text, rc, err, want);
	/* The message names the file as given. */
	assert_true(strncmp(err, path, strlen(path)) == 0);
}

static void expect_ok(const char *text, size_t len, size_t want_records)
{
	char path[256], err[8192];
	size_t n;
	make_file(path, sizeof path, "case.trace", text, len);
	int rc = read_all(path, &n, err, sizeof err);
	if (rc != 0)
		fail_msg("input:\n%.300s\nunexpected error '%s'", text, err);
	assert_int_equal(n, want_records);
}

#define EXPECT_ERROR(text, want) expect_error((text), sizeof(text) - 1, (want))
#define EXPECT_OK(text, n)       expect_ok((text), sizeof(text) - 1, (n))

/* docs/trace-format.md §8, verbatim. */
static const char spec_example[] =
    "simtrace 1\n"
    "meta model=llama-2-7b source=hf:meta-llama/Llama-2-7b-hf batch=1 prompt=512\n"
    "tensor id=L0.qkv role=weight shape=12288x4096 dtype=fp16 sp=nm:2:4\n"
    "tensor id=L0.o role=weight shape=4096x4096 dtype=int4 q=group:128\n"
    "tensor id=kv role=kv dtype=fp8e4m3 q=tensor\n"
    "step kind=prefill tokens=512 batch=1\n"
    "op vec kind=rmsnorm rows=512 cols=4096 layer=0\n"
    "op gemm m=512 n=12288 k=4096 w=L0.qkv a=fp16 layer=0 name=qkv\n"
    "op attn b=1 hq=32 hkv=32 d=128 sq=512 skv=512 kv=kv layer=0\n"
    "op gemm m=512 n=4096 k=4096 w=L0.o a=fp16 layer=0 name=o\n"
    "step kind=decode tokens=1 batch=1\n"
    "op gemm m=1 n=12288 k=4096 w=L0.qkv layer=0 name=qkv\n"
    "op attn b=1 hq=32 hkv=32 d=128 sq=1 skv=513 kv=kv pat=window:256 layer=0\n";

static void next_ok(struct trace_reader *r, struct trace_record *rec, enum trace_rec_kind kind,
                    uint64_t line)
{
	int rc = trace_next(r, rec);
	if (rc != 1)
		fail_msg("trace_next: %d %s", rc, trace_error(r));
	assert_int_equal(rec->kind, kind);
	assert_int_equal(rec->line, line);
	assert_int_equal(trace_line(r), line);
}

static void check_gemm(const struct trace_op *op, uint64_t m, uint64_t n, uint64_t k,
                       const struct trace_tensor *w, const char *name)
{
	assert_int_equal(op->type, TRACE_OP_GEMM);
	assert_int_equal(op->gemm.m, m);
	assert_int_equal(op->gemm.n, n);
	assert_int_equal(op->gemm.k, k);
	assert_int_equal(op->gemm.count, 1);
	assert_ptr_equal(op->gemm.w, w);
	assert_int_equal(op->gemm.a, TRACE_DT_FP16);
	assert_int_equal(op->gemm.out, TRACE_DT_FP16);
	assert_true(op->gemm.asp == 1.0);
	assert_int_equal(op->layer, 0);
	assert_string_equal(op->name, name);
	assert_false(op->has_dur);
}

static void check_attn(const struct trace_op *op, uint64_t sq, uint64_t skv,
                       const struct trace_tensor *kv)
{
	assert_int_equal(op->type, TRACE_OP_ATTN);
	assert_int_equal(op->attn.b, 1);
	assert_int_equal(op->attn.hq, 32);
	assert_int_equal(op->attn.hkv, 32);
	assert_int_equal(op->attn.d, 128);
	assert_int_equal(op->attn.sq, sq);
	assert_int_equal(op->attn.skv, skv);
	assert_true(op->attn.causal);
	assert_ptr_equal(op->attn.kv, kv);
	assert_int_equal(op->attn.q, TRACE_DT_FP16);
	assert_int_equal(op->layer, 0);
	assert_string_equal(op->name, "");
}

static void test_spec_example(void **state)
{
	(void)state;
	char path[256], err[512], buf[64];
	struct trace_record rec;
	make_file(path, sizeof path, "example.trace", spec_example, sizeof spec_example - 1);
	struct trace_reader *r = trace_open(path, err, sizeof err);
	assert_non_null(r);
	assert_string_equal(trace_error(r), "");

	next_ok(r, &rec, TRACE_REC_META, 2);
	assert_string_equal(
	    rec.meta_text,
	    "model=llama-2-7b source=hf:meta-llama/Llama-2-7b-hf batch=1 prompt=512");
	assert_int_equal(trace_meta_value(rec.meta_text, "source", buf, sizeof buf), 0);
	assert_string_equal(buf, "hf:meta-llama/Llama-2-7b-hf");
	assert_int_equal(trace_meta_value(rec.meta_text, "prompt", buf, sizeof buf), 0);
	assert_string_equal(buf, "512");
	assert_int_equal(trace_meta_value(rec.meta_text, "seq", buf, sizeof buf), -1);
	assert_int_equal(trace_meta_value(rec.meta_text, "source", buf, 5), -1);

	next_ok(r, &rec, TRACE_REC_TENSOR, 3);
	const struct trace_tensor *qkv = rec.tensor;
	assert_string_equal(qkv->id, "L0.qkv");
	assert_int_equal(qkv->role, TRACE_ROLE_WEIGHT);
	assert_int_equal(qkv->dtype, TRACE_DT_FP16);
	assert_int_equal(qkv->rows, 12288);
	assert_int_equal(qkv->cols, 4096);
	assert_int_equal(qkv->sp.kind, TRACE_SP_NM);
	assert_int_equal(qkv->sp.n, 2);
	assert_int_equal(qkv->sp.m, 4);
	assert_true(qkv->sp.density == 0.5);
	assert_int_equal(qkv->q.kind, TRACE_Q_NONE);
	assert_int_equal(qkv->line, 3);

	next_ok(r, &rec, TRACE_REC_TENSOR, 4);
	const struct trace_tensor *o = rec.tensor;
	assert_string_equal(o->id, "L0.o");
	assert_int_equal(o->role, TRACE_ROLE_WEIGHT);
	assert_int_equal(o->dtype, TRACE_DT_INT4);
	assert_int_equal(o->rows, 4096);
	assert_int_equal(o->cols, 4096);
	assert_int_equal(o->sp.kind, TRACE_SP_DENSE);
	assert_true(o->sp.density == 1.0);
	assert_int_equal(o->q.kind, TRACE_Q_GROUP);
	assert_int_equal(o->q.group, 128);
	assert_int_equal(o->q.scale_dtype, TRACE_DT_FP16);
	assert_false(o->q.zero_point);

	next_ok(r, &rec, TRACE_REC_TENSOR, 5);
	const struct trace_tensor *kv = rec.tensor;
	assert_string_equal(kv->id, "kv");
	assert_int_equal(kv->role, TRACE_ROLE_KV);
	assert_int_equal(kv->dtype, TRACE_DT_FP8E4M3);
	assert_int_equal(kv->rows, 0);
	assert_int_equal(kv->cols, 0);
	assert_int_equal(kv->sp.kind, TRACE_SP_DENSE);
	assert_int_equal(kv->q.kind, TRACE_Q_TENSOR);

	next_ok(r, &rec, TRACE_REC_STEP, 6);
	assert_int_equal(rec.step.kind, TRACE_STEP_PREFILL);
	assert_int_equal(rec.step.tokens, 512);
	assert_int_equal(rec.step.batch, 1);
	assert_int_equal(rec.step.index, 0);
	assert_int_equal(rec.step.line, 6);

	next_ok(r, &rec, TRACE_REC_OP, 7);
	assert_int_equal(rec.op.type, TRACE_OP_VEC);
	assert_int_equal(rec.op.vec.kind, TRACE_VEC_RMSNORM);
	assert_int_equal(rec.op.vec.rows, 512);
	assert_int_equal(rec.op.vec.cols, 4096);
	assert_int_equal(rec.op.vec.inputs, 1);
	assert_int_equal(rec.op.vec.dtype, TRACE_DT_FP16);
	assert_int_equal(rec.op.layer, 0);
	assert_int_equal(rec.op.index, 0);
	assert_int_equal(rec.op.step, 0);
	assert_int_equal(rec.op.line, 7);

	next_ok(r, &rec, TRACE_REC_OP, 8);
	check_gemm(&rec.op, 512, 12288, 4096, qkv, "qkv");
	assert_int_equal(rec.op.index, 1);

	next_ok(r, &rec, TRACE_REC_OP, 9);
	check_attn(&rec.op, 512, 512, kv);
	assert_int_equal(rec.op.attn.pat.kind, TRACE_PAT_DENSE);
	assert_true(rec.op.attn.pat.density == 1.0);

	next_ok(r, &rec, TRACE_REC_OP, 10);
	check_gemm(&rec.op, 512, 4096, 4096, o, "o");
	assert_int_equal(rec.op.step, 0);

	next_ok(r, &rec, TRACE_REC_STEP, 11);
	assert_int_equal(rec.step.kind, TRACE_STEP_DECODE);
	assert_int_equal(rec.step.tokens, 1);
	assert_int_equal(rec.step.batch, 1);
	assert_int_equal(rec.step.index, 1);

	next_ok(r, &rec, TRACE_REC_OP, 12);
	check_gemm(&rec.op, 1, 12288, 4096, qkv, "qkv");
	assert_int_equal(rec.op.step, 1);
	assert_int_equal(rec.op.index, 4);

	next_ok(r, &rec, TRACE_REC_OP, 13);
	check_attn(&rec.op, 1, 513, kv);
	assert_int_equal(rec.op.attn.pat.kind, TRACE_PAT_WINDOW);
	assert_int_equal(rec.op.attn.pat.size, 256);
	assert_int_equal(rec.op.step, 1);

	assert_int_equal(trace_next(r, &rec), 0);
	assert_int_equal(trace_next(r, &rec), 0); /* stays at the end */
	assert_string_equal(trace_error(r), "");
	assert_ptr_equal(trace_find_tensor(r, "L0.o"), o);
	assert_null(trace_find_tensor(r, "L0.v"));
	assert_int_equal(trace_warning_count(r), 0);
	trace_close(r);
}

/* The same bytes gzip-compressed, under a name that says plain, and plain under ".gz". */
static void test_gzip_by_magic(void **state)
{
	(void)state;
	char gz_path[256], plain_path[256], err[512];
	unsigned char head[2];
	size_t n;
	make_gzip(gz_path, sizeof gz_path, "compressed.trace", spec_example,
	          sizeof spec_example - 1);
	make_file(plain_path, sizeof plain_path, "plain.trace.gz", spec_example,
	          sizeof spec_example - 1);
	assert_int_equal(slurp(gz_path, head, 2), 2);
	assert_int_equal(head[0], 0x1f);
	assert_int_equal(head[1], 0x8b);
	assert_int_equal(read_all(gz_path, &n, err, sizeof err), 0);
	assert_int_equal(n, 12);
	assert_int_equal(read_all(plain_path, &n, err, sizeof err), 0);
	assert_int_equal(n, 12);
}

/* A gzip stream cut anywhere is an error, never a silently shorter trace. */
static void test_gzip_truncated_and_corrupt(void **state)
{
	(void)state;
	static unsigned char whole[1 << 16];
	char text[32768], path[256], err[8192];
	size_t len = 0, n;
	len += (size_t)snprintf(text, sizeof text, "simtrace 1\n");
	for (int i = 0; i < 300; i++)
		len += (size_t)snprintf(text + len, sizeof text - len,
		                        "op vec kind=add rows=%d cols=4096 layer=%d\n", i + 1, i);
	make_gzip(path, sizeof path, "whole.gz", text, len);
	size_t size = slurp(path, whole, sizeof whole);
	assert_true(size > 100 && size < sizeof whole);

	static const size_t cuts[] = { 1, 2, 5, 10, 20, 40 };
	for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
		size_t cut = size * cuts[i] / 41;
		if (i == 0)
			cut = 2; /* the magic alone */
		make_file(path, sizeof path, "cut.trace", whole, cut);
		assert_int_equal(read_all(path, &n, err, sizeof err), -1);
		if (!strstr(err, "truncated gzip stream"))
			fail_msg("cut at %zu of %zu: '%s'", cut, size, err);
		assert_true(n < 300);
	}
	/* Only the 8-byte trailer missing. */
	make_file(path, sizeof path, "cut.trace", whole, size - 8);
	assert_int_equal(read_all(path, &n, err, sizeof err), -1);
	assert_non_null(strstr(err, "truncated gzip stream"));

	/* A wrong CRC in the trailer. */
	whole[size - 6] ^= 0x5a;
	make_file(path, sizeof path, "crc.trace", whole, size);
	assert_int_equal(read_all(path, &n, err, sizeof err), -1);
	assert_non_null(strstr(err, "corrupt gzip data"));
	whole[size - 6] ^= 0x5a;

	/* Garbage in the deflate data. */
	for (size_t i = 20; i < 60; i++)
		whole[i] ^= 0xa5;
	make_file(path, sizeof path, "garbled.trace", whole, size);
	assert_int_equal(read_all(path, &n, err, sizeof err), -1);
	assert_non_null(strstr(err, "gzip"));
}

static void test_open_errors(void **state)
{
	(void)state;
	char err[512];
	assert_null(trace_open("/nonexistent/dir/x.trace", err, sizeof err));
	assert_string_equal(err,
	                    "/nonexistent/dir/x.trace: cannot open: No such file or directory");
	assert_null(trace_open(tmpdir, err, sizeof err));
	assert_non_null(strstr(err, ": cannot open: Is a directory"));
	assert_null(trace_open("/nonexistent", NULL, 0)); /* no buffer: still no crash */
}

static void test_stdin(void **state)
{
	(void)state;
	char path[256], err[512];
	struct trace_record rec;
	const char text[] = "simtrace 1\nop vec kind=add rows=1 cols=0\n";
	make_file(path, sizeof path, "stdin.trace", text, sizeof text - 1);
	int saved = dup(STDIN_FILENO), fd = open(path, O_RDONLY);
	assert_true(saved >= 0 && fd >= 0);
	assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	struct trace_reader *r = trace_open("-", err, sizeof err);
	dup2(saved, STDIN_FILENO);
	close(saved);
	assert_non_null(r);
	assert_int_equal(trace_next(r, &rec), -1);
	assert_string_equal(trace_error(r), "<stdin>:2: vec: cols=0: must be an integer >= 1");
	trace_close(r);
}

/* Errors are sticky; the message does not change. */
static void test_error_is_sticky(void **state)
{
	(void)state;
	char path[256], err[512], first[512];
	struct trace_record rec;
	const char text[] = "simtrace 1\nop gemm m=1 n=1 k=1\nop vec kind=add rows=1 cols=1\n";
	make_file(path, sizeof path, "sticky.trace", text, sizeof text - 1);
	struct trace_reader *r = trace_open(path, err, sizeof err);
	assert_non_null(r);
	assert_int_equal(trace_next(r, &rec), -1);
	snprintf(first, sizeof first, "%s", trace_error(r));
	assert_non_null(strstr(first, ":2: gemm: neither w= nor b= given"));
	assert_int_equal(trace_next(r, &rec), -1);
	assert_int_equal(trace_next(r, &rec), -1);
	assert_string_equal(trace_error(r), first);
	trace_close(r);
	trace_close(NULL);
}

static void test_line_limit(void **state)
{
	(void)state;
	static char text[2 * 1024 * 1024];
	const char *head = "simtrace 1\nop vec kind=add rows=1 cols=1 name=";
	size_t hl = strlen(head);
	size_t prefix = strlen("op vec kind=add rows=1 cols=1 name=");

	/* Exactly 4096 bytes before '\n': fine. */
	memcpy(text, head, hl);
	memset(text + hl, 'n', TRACE_LINE_MAX - prefix);
	text[hl + TRACE_LINE_MAX - prefix] = '\n';
	expect_ok(text, hl + TRACE_LINE_MAX - prefix + 1, 1);
	/* 4097: an error naming line 2. */
	memset(text + hl, 'n', TRACE_LINE_MAX - prefix + 1);
	text[hl + TRACE_LINE_MAX - prefix + 1] = '\n';
	expect_error(text, hl + TRACE_LINE_MAX - prefix + 2, ":2: line longer than 4096 bytes");
	/* Two megabytes without a newline: an error, not a crash or a huge allocation. */
	memset(text + hl, 'n', sizeof text - hl);
	expect_error(text, sizeof text, ":2: line longer than 4096 bytes");
	/* A binary file with no newline at all. */
	memset(text, 0xff, 10000);
	expect_error(text, 10000, ":1: not a simtrace v1 file");
}

static void test_lexical_ok(void **state)
{
	(void)state;
	EXPECT_OK("# produced by hand\n\n   \t\nsimtrace 1   # magic\n"
	          "op\tvec   kind=add\t\trows=4 cols=2#no space before the comment\n"
	          "# caf\xc3\xa9 \x01\x7f and a NUL \0 inside a comment are fine\n"
	          "\t op vec kind=copy rows=007 cols=1   \n"
	          "op vec kind=copy rows=9223372036854775807 cols=1\n"
	          "op vec kind=copy rows=1 cols=1 name=a=b",
	          4);
	char path[256], err[512];
	struct trace_record rec;
	const char text[] = "simtrace 1\nop vec kind=copy rows=007 cols=1 name=a=b:c/d\n";
	make_file(path, sizeof path, "lex.trace", text, sizeof text - 1);
	struct trace_reader *r = trace_open(path, err, sizeof err);
	assert_int_equal(trace_next(r, &rec), 1);
	assert_int_equal(rec.op.vec.rows, 7);
	assert_string_equal(rec.op.name, "a=b:c/d");
	trace_close(r);
}

struct bad_case {
	const char *text;
	const char *want;
};

/* Error rules checked inline, beside the corpus in tests/bad/trace. */
static const struct bad_case bad_cases[] = {
	{ "simtrace 1\nop vec kind=add rows=1 cols=1 _a=1\n", ":2: vec: malformed key '_a'" },
	{ "simtrace 1\nop vec kind=add rows=1 cols=1 a-b=1\n", ":2: vec: malformed key 'a-b'" },
	{ "simtrace 1\nop vec kind=add rows=1 cols=1 1a=1\n", ":2: vec: malformed key '1a'" },
	{ "simtrace 1\nop vec kind=add rows=1 cols=1 =1\n", ":2: vec: malformed key ''" },
	{ "simtrace 1\nmeta Model=x\n", ":2: meta: malformed key 'Model'" },
	{ "simtrace 1\nmeta model\n", ":2: meta: field 'model' is not key=value" },
	{ "simtrace 1\nop\n", ":2: op: missing type" },
	{ "simtrace 1\nop GEMM m=1 n=1 k=1 b=fp16\n", ":2: unknown op type 'GEMM'" },
	{ "simtrace 1\nOp gemm m=1 n=1 k=1 b=fp16\n", ":2: unknown record kind 'Op'" },
	{ "simtrace 1\n\n\n# three\nstep kind=decode batch=-1\n",
	  ":5: step: batch=-1: must be an integer >= 1" },
	{ "simtrace 1\nop gemm m=1 n=1 k=1 b=fp16 asp=+0.5\n",
	  ":2: gemm: asp=+0.5: must be a real in (0,1]" },
	{ "simtrace 1\nop gemm m=1 n=1 k=1 b=fp16 asp=0x1p-1\n",
	  ":2: gemm: asp=0x1p-1: must be a real" },
	{ "simtrace 1\nop gemm m=1 n=1 k=1 b=fp16 asp=inf\n", ":2: gemm: asp=inf: must be a real" },
	{ "simtrace 1\nop gemm m=1 n=1 k=1 b=fp16 asp=1e\n", ":2: gemm: asp=1e: must be a real" },
	{ "simtrace 1\nop gemm m=1 n=1 k=1 b=fp16 asp=.\n", ":2: gemm: asp=.: must be a real" },
	{ "simtrace 1\nop gemm m=1 n=1 k=1 b=fp16 asp=1.0000001\n",
	  ":2: gemm: asp=1.0000001: must be a real in (0,1]" },
	{ "simtrace 1\nop gemm m=1 n=1 k=1 b=fp16 asp=1e999\n",
	  ":2: gemm: asp=inf: must be a real in (0,1]" },
	{ "simtrace 1\nop gemm m=1 n=1 k=1 b=fp16 dur_ns=99999999999999999999\n",
	  ":2: gemm: dur_ns=99999999999999999999: too large" },
	{ "simtrace 1\nop gemm m=9223372036854775807 n=2 k=1 b=fp16\n",
	  ":2: gemm: m*n*k*count overflows 63 bits" },
	{ "simtrace 1\nop gemm m=1 n=1 k=1 b=fp16 out=int3\n",
	  ":2: gemm: out=int3: unknown dtype" },
	{ "simtrace 1\nop attn b=1 hq=1 hkv=1 d=1 sq=1 skv=1 q=fp64\n",
	  ":2: attn: q=fp64: unknown dtype" },
	{ "simtrace 1\nop attn b=1 hq=1 hkv=1 d=1 sq=1 skv=1 pat=block:0:0.5\n",
	  ":2: attn: pat=block:0:0.5: B must be an integer >= 1" },
	{ "simtrace 1\nop attn b=1 hq=1 hkv=1 d=1 sq=1 skv=1 pat=thresh:0\n",
	  ":2: attn: pat=thresh:0: D must be a real in (0,1]" },
	{ "simtrace 1\nop attn b=1 hq=1 hkv=1 d=1 sq=1 skv=1 pat=dense:1\n",
	  ":2: attn: pat=dense:1: dense takes no parameters" },
	{ "simtrace 1\nop attn b=1 hq=1 hkv=1 d=1 sq=1 skv=1 causal=true\n",
	  ":2: attn: causal=true: must be 0 or 1" },
	{ "simtrace 1\nop vec kind=add rows=1 cols=1 inputs=0\n",
	  ":2: vec: inputs=0: must be an integer >= 1" },
	{ "simtrace 1\nop vec kind=add rows=1 cols=1 name=\n", ":2: vec: name=: empty value" },
	{ "simtrace 1\nop coll kind=allreduce bytes=0 ranks=8\n",
	  ":2: coll: bytes=0: must be an integer >= 1" },
	{ "simtrace 1\ntensor id=W role=weight shape=4x4x4 dtype=fp16\n",
	  ":2: tensor W: shape=4x4x4: expected NxK" },
	{ "simtrace 1\ntensor id=W role=weight shape=x4 dtype=fp16\n",
	  ":2: tensor W: shape=x4: expected NxK" },
	{ "simtrace 1\ntensor id=W role=weight shape=4X4 dtype=fp16\n",
	  ":2: tensor W: shape=4X4: expected NxK" },
	{ "simtrace 1\ntensor id=kv role=kv shape=0x0 dtype=fp16\n",
	  ":2: tensor kv: shape=0x0: dimensions must be integers >= 1" },
	{ "simtrace 1\ntensor id=W role=weight shape=4x4 dtype=fp16 sp=dense:1\n",
	  ":2: tensor W: sp=dense:1: dense takes no parameters" },
	{ "simtrace 1\ntensor id=W role=weight shape=4x4 dtype=fp16 sp=nm:2:4:1\n",
	  ":2: tensor W: sp=nm:2:4:1: expected nm:N:M" },
	{ "simtrace 1\ntensor id=W role=weight shape=4x4 dtype=fp16 sp=nm:-2:4\n",
	  ":2: tensor W: sp=nm:-2:4: expected nm:N:M" },
	{ "simtrace 1\ntensor id=W role=weight shape=4x4 dtype=fp16 sp=vnm:4:4:4\n",
	  ":2: tensor W: sp=vnm:4:4:4: N must be less than M" },
	{ "simtrace 1\ntensor id=W role=weight shape=4x4 dtype=fp16 sp=block:4:4:2\n",
	  ":2: tensor W: sp=block:4:4:2: D must be a real in (0,1]" },
	{ "simtrace 1\ntensor id=W role=weight shape=4x4 dtype=fp16 sp=unstructured:0.5:1\n",
	  ":2: tensor W: sp=unstructured:0.5:1: expected unstructured:D" },
	{ "simtrace 1\ntensor id=W role=weight shape=4x4 dtype=fp16 sp=a:b:c:d:e:f:g\n",
	  ":2: tensor W: sp=a:b:c:d:e:f:g: unknown sparsity" },
	{ "simtrace 1\ntensor id=W role=weight shape=4x4 dtype=int4 q=tensor:zp\n",
	  ":2: tensor W: q=tensor:zp: tensor takes no parameters" },
	{ "simtrace 1\ntensor id=W role=weight shape=4x4 dtype=int4 q=group\n",
	  ":2: tensor W: q=group: expected group:G" },
	{ "simtrace 1\ntensor id=W role=weight shape=4x4 dtype=int4 q=group:64:fp16:zp:zp\n",
	  ":2: tensor W: q=group:64:fp16:zp:zp: expected group:G" },
	{ "simtrace 1\ntensor id=W role=weight shape=4x4 dtype=mxint8 q=channel\n",
	  ":2: tensor W: q=channel: dtype mxint8 has its own block scaling" },
	{ "simtrace 1\ntensor id= role=weight shape=4x4 dtype=fp16\n",
	  ":2: tensor: id=: empty value" },
	{ "simtrace 1\ntensor id=a#b role=weight shape=4x4 dtype=fp16\n",
	  ":2: tensor a: missing required field role=" },
	{ "simtrace 1\ntensor id=kv role=kv dtype=fp16\ntensor id=kv role=kv dtype=fp8e4m3\n",
	  ":3: tensor kv: id already declared at line 2" },
	{ "simtrace 1\nstep kind=Prefill\n", ":2: step: kind=Prefill: unknown step kind" },
	{ "simtrace 1\nstep prefill\n", ":2: step: field 'prefill' is not key=value" },
	{ "simtrace 1\nmeta a=1 b=2 a=3\n", ":2: meta: duplicate key 'a'" },
	{ "simtrace 1\nsimtrace 1\n", ":2: simtrace: only allowed as the first record" },
	{ "SIMTRACE 1\n", ":1: not a simtrace v1 file" },
	{ "simtrace 01\n", ":1: not a simtrace v1 file (expected exactly 'simtrace 1')" },
	{ "simtrace\n", ":1: not a simtrace v1 file (expected exactly 'simtrace 1')" },
	{ "meta a=1\nsimtrace 1\n",
	  ":1: not a simtrace v1 file (the first record must be 'simtrace 1', not 'meta')" },
	{ "\xef\xbb\xbfsimtrace 1\n", ":1: not a simtrace v1 file (byte 0xef at column 1" },
	{ "simtrace 1\r\n", ":1: not a simtrace v1 file (byte 0x0d at column 11" },
	{ "simtrace 1\nop vec kind=add rows=1 cols=1 name=\x7f\n", ":2: byte 0x7f at column 36" },
	{ "simtrace 1\nop vec kind=add rows=1 cols=1\vname=x\n", ":2: byte 0x0b at column 30" },
};

static void test_error_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++)
		expect_error(bad_cases[i].text, strlen(bad_cases[i].text), bad_cases[i].want);
	/* A NUL cannot sit in a C string literal's middle above. */
	EXPECT_ERROR("simtrace 1\ntensor id=W\0 role=weight shape=4x4 dtype=fp16\n",
	             ":2: NUL byte at column 12");
	EXPECT_ERROR("simtrace 1\0\n", ":1: not a simtrace v1 file (byte 0x00 at column 11");
}

/* Every file in tests/bad/trace fails with the message in its .expect. */
static void test_bad_corpus(void **state)
{
	(void)state;
	const char *src = getenv("NMSIM_SOURCE_DIR");
	char dir[1024], path[2048], expect[2048], want[1024], err[8192];
	size_t n, checked = 0;
	struct stat st;

	if (!src)
		fail_msg("NMSIM_SOURCE_DIR is not set (run through ctest)");
	snprintf(dir, sizeof dir, "%s/tests/bad/trace", src);
	DIR *d = opendir(dir);
	if (!d)
		fail_msg("cannot open %s", dir);
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *name = e->d_name;
		size_t len = strlen(name);
		if (name[0] == '.')
			continue;
		bool is_trace = len > 6 && strcmp(name + len - 6, ".trace") == 0;
		bool is_gz = len > 9 && strcmp(name + len - 9, ".trace.gz") == 0;
		bool is_expect = len > 7 && strcmp(name + len - 7, ".expect") == 0;
		if (!is_trace && !is_gz && !is_expect)
			fail_msg("%s/%s: not a .trace, .trace.gz or .expect file", dir, name);
		if (is_expect) {
			/* An .expect needs its input. */
			snprintf(path, sizeof path, "%s/%.*s.trace", dir, (int)(len - 7), name);
			bool plain = stat(path, &st) == 0;
			snprintf(path, sizeof path, "%s/%.*s.trace.gz", dir, (int)(len - 7), name);
			if (!plain && stat(path, &st) != 0)
				fail_msg("%s/%s: no .trace or .trace.gz beside it", dir, name);
			continue;
		}
		size_t stem = len - (is_gz ? 9 : 6);
		snprintf(path, sizeof path, "%s/%s", dir, name);
		snprintf(expect, sizeof expect, "%s/%.*s.expect", dir, (int)stem, name);
		FILE *f = fopen(expect, "r");
		if (!f)
			fail_msg("%s: no %s beside it", path, expect);
		if (!fgets(want, sizeof want, f))
			want[0] = '\0';
		fclose(f);
		want[strcspn(want, "\n")] = '\0';
		if (!want[0])
			fail_msg("%s: empty", expect);
		int rc = read_all(path, &n, err, sizeof err);
		if (rc != -1 || !strstr(err, want))
			fail_msg("%s: got rc=%d error '%s', want an error containing '%s'", path,
			         rc, err, want);
		checked++;
	}
	closedir(d);
	assert_true(checked >= 90);
}

/* Reads stderr's output while fn runs. */
static void capture_stderr(void (*fn)(void *), void *arg, char *out, size_t len)
{
	char path[256];
	snprintf(path, sizeof path, "%s/stderr.txt", tmpdir);
	fflush(stderr);
	int saved = dup(STDERR_FILENO), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, STDERR_FILENO);
	close(fd);
	fn(arg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	size_t n = slurp(path, (unsigned char *)out, len - 1);
	out[n] = '\0';
}

struct warn_run {
	const char *path;
	int rc;
	size_t records, ops;
	uint64_t warnings;
};

static void warn_read(void *arg)
{
	struct warn_run *w = arg;
	char err[512];
	struct trace_record rec;
	struct trace_reader *r = trace_open(w->path, err, sizeof err);
	assert_non_null(r);
	while ((w->rc = trace_next(r, &rec)) == 1) {
		w->records++;
		w->ops += rec.kind == TRACE_REC_OP;
	}
	w->warnings = trace_warning_count(r);
	trace_close(r);
}

/* Unknown keys: a warning, once per key, and the record still counts. x_ keys, x_ records and
 * x_ op types: nothing at all. */
static void test_unknown_keys_and_extensions(void **state)
{
	(void)state;
	const char text[] = "simtrace 1\n"
	                    "meta anything=goes also_this=1 x_y=2\n"
	                    "op gemm m=1 n=2 k=3 b=fp16 foo=1\n"
	                    "op gemm m=1 n=2 k=3 b=fp16 foo=2 x_note=kept_quiet\n"
	                    "step kind=decode bar=1\n"
	                    "x_marker id=7 anything at all=here\n"
	                    "op x_fused_moe experts=8 Weird=Key\n"
	                    "tensor id=W role=weight shape=2x3 dtype=fp16 x_source=gptq\n"
	                    "op gemm m=1 n=2 k=3 w=W foo=3\n";
	char path[256], out[8192];
	make_file(path, sizeof path, "warn.trace", text, sizeof text - 1);
	struct warn_run run = { .path = path };
	capture_stderr(warn_read, &run, out, sizeof out);
	assert_int_equal(run.rc, 0);
	assert_int_equal(run.records, 6); /* meta, 3 gemm, step, tensor */
	assert_int_equal(run.ops, 3);
	assert_int_equal(run.warnings, 2);
	char want[512];
	snprintf(want, sizeof want, "%s:3: unknown key 'foo' on op gemm (ignored)", path);
	const char *hit = strstr(out, want);
	if (!hit)
		fail_msg("stderr was:\n%s", out);
	assert_null(strstr(hit + strlen(want), "'foo'"));
	snprintf(want, sizeof want, "%s:5: unknown key 'bar' on step (ignored)", path);
	assert_non_null(strstr(out, want));
	assert_null(strstr(out, "x_"));
	assert_null(strstr(out, "anything"));
}

/* Step numbering: ops before any step record are step 0; each step record opens the next. */
static void test_steps(void **state)
{
	(void)state;
	char path[256], err[512];
	struct trace_record rec;
	const char text[] = "simtrace 1\n"
	                    "op vec kind=add rows=1 cols=1\n"
	                    "step kind=prefill tokens=8\n"
	                    "op vec kind=add rows=1 cols=1\n"
	                    "step kind=decode\n"
	                    "step kind=decode tokens=1 batch=4\n"
	                    "op vec kind=add rows=1 cols=1\n";
	make_file(path, sizeof path, "steps.trace", text, sizeof text - 1);
	struct trace_reader *r = trace_open(path, err, sizeof err);
	next_ok(r, &rec, TRACE_REC_OP, 2);
	assert_int_equal(rec.op.step, 0);
	next_ok(r, &rec, TRACE_REC_STEP, 3);
	assert_int_equal(rec.step.index, 1);
	assert_int_equal(rec.step.tokens, 8);
	assert_int_equal(rec.step.batch, 0);
	next_ok(r, &rec, TRACE_REC_OP, 4);
	assert_int_equal(rec.op.step, 1);
	next_ok(r, &rec, TRACE_REC_STEP, 5);
	assert_int_equal(rec.step.index, 2);
	assert_int_equal(rec.step.kind, TRACE_STEP_DECODE);
	assert_int_equal(rec.step.tokens, 0);
	next_ok(r, &rec, TRACE_REC_STEP, 6);
	assert_int_equal(rec.step.index, 3);
	assert_int_equal(rec.step.batch, 4);
	next_ok(r, &rec, TRACE_REC_OP, 7);
	assert_int_equal(rec.op.step, 3);
	assert_int_equal(rec.op.index, 2);
	trace_close(r);

	/* A trace that opens with a step: that step is 0. */
	const char text2[] = "simtrace 1\ntensor id=kv role=kv dtype=fp16\nstep kind=decode\n";
	make_file(path, sizeof path, "steps2.trace", text2, sizeof text2 - 1);
	r = trace_open(path, err, sizeof err);
	next_ok(r, &rec, TRACE_REC_TENSOR, 2);
	next_ok(r, &rec, TRACE_REC_STEP, 3);
	assert_int_equal(rec.step.index, 0);
	trace_close(r);
}

/* Defaults of every optional field, and every explicit form. */
static void test_defaults_and_forms(void **state)
{
	(void)state;
	char path[256], err[512];
	struct trace_record rec;
	const char text[] =
	    "simtrace 1\n"
	    "tensor id=A role=weight shape=8x16 dtype=int4 sp=vnm:64:2:8 q=group:32:bf16:zp\n"
	    "tensor id=B role=weight shape=8x16 dtype=fp8e5m2 sp=block:4:8:0.25 q=channel\n"
	    "tensor id=C role=kv shape=2x3 dtype=nvfp4 sp=unstructured:5e-2\n"
	    "op gemm m=4 n=8 k=16 w=A a=bf16 count=3 asp=.5 dur_ns=0\n"
	    "op gemm m=4 n=8 k=16 b=int8 a=int8 out=int4\n"
	    "op attn b=2 hq=32 hkv=8 d=64 sq=1 skv=100 causal=0 q=fp8e4m3 pat=block:64:0.125\n"
	    "op attn b=2 hq=32 hkv=1 d=64 sq=1 skv=100 kv=C pat=topk:16\n"
	    "op attn b=2 hq=32 hkv=32 d=64 sq=1 skv=100 pat=thresh:1\n"
	    "op vec kind=swiglu rows=4 cols=11008\n"
	    "op vec kind=softmax rows=4 cols=100 inputs=3 dtype=fp32 name=sm\n"
	    "op coll kind=reducescatter bytes=8192 ranks=4 layer=31\n";
	make_file(path, sizeof path, "forms.trace", text, sizeof text - 1);
	struct trace_reader *r = trace_open(path, err, sizeof err);

	next_ok(r, &rec, TRACE_REC_TENSOR, 2);
	const struct trace_tensor *a = rec.tensor;
	assert_int_equal(a->sp.kind, TRACE_SP_VNM);
	assert_int_equal(a->sp.v, 64);
	assert_int_equal(a->sp.n, 2);
	assert_int_equal(a->sp.m, 8);
	assert_true(a->sp.density == 0.25);
	assert_int_equal(a->q.kind, TRACE_Q_GROUP);
	assert_int_equal(a->q.group, 32);
	assert_int_equal(a->q.scale_dtype, TRACE_DT_BF16);
	assert_true(a->q.zero_point);
	next_ok(r, &rec, TRACE_REC_TENSOR, 3);
	assert_int_equal(rec.tensor->sp.kind, TRACE_SP_BLOCK);
	assert_int_equal(rec.tensor->sp.r, 4);
	assert_int_equal(rec.tensor->sp.c, 8);
	assert_true(rec.tensor->sp.density == 0.25);
	assert_int_equal(rec.tensor->q.kind, TRACE_Q_CHANNEL);
	next_ok(r, &rec, TRACE_REC_TENSOR, 4);
	const struct trace_tensor *c = rec.tensor;
	assert_int_equal(c->sp.kind, TRACE_SP_UNSTRUCTURED);
	assert_true(c->sp.density == 0.05);
	assert_int_equal(c->rows, 2);

	next_ok(r, &rec, TRACE_REC_OP, 5);
	assert_ptr_equal(rec.op.gemm.w, a);
	assert_int_equal(rec.op.gemm.a, TRACE_DT_BF16);
	assert_int_equal(rec.op.gemm.out, TRACE_DT_BF16); /* out defaults to a */
	assert_int_equal(rec.op.gemm.count, 3);
	assert_true(rec.op.gemm.asp == 0.5);
	assert_true(rec.op.has_dur);
	assert_int_equal(rec.op.dur_ns, 0);
	assert_int_equal(rec.op.layer, -1);
	next_ok(r, &rec, TRACE_REC_OP, 6);
	assert_null(rec.op.gemm.w);
	assert_int_equal(rec.op.gemm.b, TRACE_DT_INT8);
	assert_int_equal(rec.op.gemm.out, TRACE_DT_INT4);
	assert_false(rec.op.has_dur);
	next_ok(r, &rec, TRACE_REC_OP, 7);
	assert_false(rec.op.attn.causal);
	assert_null(rec.op.attn.kv);
	assert_int_equal(rec.op.attn.q, TRACE_DT_FP8E4M3);
	assert_int_equal(rec.op.attn.pat.kind, TRACE_PAT_BLOCK);
	assert_int_equal(rec.op.attn.pat.size, 64);
	assert_true(rec.op.attn.pat.density == 0.125);
	next_ok(r, &rec, TRACE_REC_OP, 8);
	assert_ptr_equal(rec.op.attn.kv, c);
	assert_int_equal(rec.op.attn.hkv, 1);
	assert_int_equal(rec.op.attn.pat.kind, TRACE_PAT_TOPK);
	assert_int_equal(rec.op.attn.pat.size, 16);
	next_ok(r, &rec, TRACE_REC_OP, 9);
	assert_int_equal(rec.op.attn.pat.kind, TRACE_PAT_THRESH);
	assert_true(rec.op.attn.pat.density == 1.0);
	next_ok(r, &rec, TRACE_REC_OP, 10);
	assert_int_equal(rec.op.vec.kind, TRACE_VEC_SWIGLU);
	assert_int_equal(rec.op.vec.inputs, 2);
	next_ok(r, &rec, TRACE_REC_OP, 11);
	assert_int_equal(rec.op.vec.inputs, 3);
	assert_int_equal(rec.op.vec.dtype, TRACE_DT_FP32);
	assert_string_equal(rec.op.name, "sm");
	next_ok(r, &rec, TRACE_REC_OP, 12);
	assert_int_equal(rec.op.coll.kind, TRACE_COLL_REDUCESCATTER);
	assert_int_equal(rec.op.coll.bytes, 8192);
	assert_int_equal(rec.op.coll.ranks, 4);
	assert_int_equal(rec.op.layer, 31);
	assert_int_equal(trace_next(r, &rec), 0);
	trace_close(r);
}

/* Thousands of tensors: no cap, and pointers handed out early stay valid as the table grows. */
static void test_many_tensors(void **state)
{
	(void)state;
	enum { N = 5000 };
	static char text[N * 160];
	size_t len = (size_t)snprintf(text, sizeof text, "simtrace 1\n");
	for (int i = 0; i < N; i++)
		len += (size_t)snprintf(
		    text + len, sizeof text - len,
		    "tensor id=layers.%d.mlp role=weight shape=%dx64 dtype=int4\n", i, i + 1);
	for (int i = 0; i < N; i += 7)
		len += (size_t)snprintf(text + len, sizeof text - len,
		                        "op gemm m=1 n=%d k=64 w=layers.%d.mlp\n", i + 1, i);
	char path[256], err[512];
	make_file(path, sizeof path, "many.trace", text, len);
	struct trace_reader *r = trace_open(path, err, sizeof err);
	static const struct trace_tensor *seen[N];
	struct trace_record rec;
	for (int i = 0; i < N; i++) {
		next_ok(r, &rec, TRACE_REC_TENSOR, (uint64_t)i + 2);
		seen[i] = rec.tensor;
	}
	for (int i = 0; i < N; i += 7) {
		assert_int_equal(trace_next(r, &rec), 1);
		assert_ptr_equal(rec.op.gemm.w, seen[i]);
	}
	assert_int_equal(trace_next(r, &rec), 0);
	char id[64];
	for (int i = 0; i < N; i++) {
		snprintf(id, sizeof id, "layers.%d.mlp", i);
		assert_string_equal(seen[i]->id, id);
		assert_int_equal(seen[i]->rows, (uint64_t)i + 1);
		assert_ptr_equal(trace_find_tensor(r, id), seen[i]);
	}
	trace_close(r);
}

static void test_name_tables(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		unsigned bits, block, scale_bits;
	} dt[TRACE_DT_COUNT] = {
		{ "fp32", 32, 0, 0 },   { "tf32", 32, 0, 0 },   { "fp16", 16, 0, 0 },
		{ "bf16", 16, 0, 0 },   { "fp8e4m3", 8, 0, 0 }, { "fp8e5m2", 8, 0, 0 },
		{ "int8", 8, 0, 0 },    { "int4", 4, 0, 0 },    { "int2", 2, 0, 0 },
		{ "fp6e3m2", 6, 0, 0 }, { "fp6e2m3", 6, 0, 0 }, { "fp4e2m1", 4, 0, 0 },
		{ "mxfp8", 8, 32, 8 },  { "mxfp6", 6, 32, 8 },  { "mxfp4", 4, 32, 8 },
		{ "mxint8", 8, 32, 8 }, { "nvfp4", 4, 16, 8 },
	};
	for (int i = 0; i < TRACE_DT_COUNT; i++) {
		enum trace_dtype back;
		assert_string_equal(trace_dtype_name((enum trace_dtype)i), dt[i].name);
		assert_int_equal(trace_dtype_parse(dt[i].name, &back), 0);
		assert_int_equal(back, i);
		assert_int_equal(trace_dtype_bits((enum trace_dtype)i), dt[i].bits);
		assert_int_equal(trace_dtype_block((enum trace_dtype)i), dt[i].block);
		assert_int_equal(trace_dtype_block_scale_bits((enum trace_dtype)i),
		                 dt[i].scale_bits);
	}
	enum trace_dtype d = TRACE_DT_FP16;
	assert_int_equal(trace_dtype_parse("FP16", &d), -1);
	assert_int_equal(trace_dtype_parse("", &d), -1);
	assert_int_equal(d, TRACE_DT_FP16);
	assert_string_equal(trace_dtype_name(TRACE_DT_COUNT), "?");
	assert_int_equal(trace_dtype_bits(TRACE_DT_COUNT), 0);

#define ROUND_TRIP(count, name_fn, parse_fn, type, first, last)                \
	do {                                                                   \
		for (int i_ = 0; i_ < (count); i_++) {                         \
			type v_;                                               \
			assert_string_not_equal(name_fn((type)i_), "?");       \
			assert_int_equal(parse_fn(name_fn((type)i_), &v_), 0); \
			assert_int_equal(v_, i_);                              \
		}                                                              \
		assert_string_equal(name_fn((type)0), first);                  \
		assert_string_equal(name_fn((type)((count)-1)), last);         \
		assert_string_equal(name_fn((type)(count)), "?");              \
	} while (0)
	ROUND_TRIP(TRACE_ROLE_COUNT, trace_role_name, trace_role_parse, enum trace_role, "weight",
	           "kv");
	ROUND_TRIP(TRACE_OP_COUNT, trace_op_type_name, trace_op_type_parse, enum trace_op_type,
	           "gemm", "coll");
	ROUND_TRIP(TRACE_VEC_COUNT, trace_vec_kind_name, trace_vec_kind_parse, enum trace_vec_kind,
	           "rmsnorm", "copy");
	ROUND_TRIP(TRACE_COLL_COUNT, trace_coll_kind_name, trace_coll_kind_parse,
	           enum trace_coll_kind, "allreduce", "alltoall");
	ROUND_TRIP(TRACE_STEP_COUNT, trace_step_kind_name, trace_step_kind_parse,
	           enum trace_step_kind, "prefill", "decode");
	static const char *const vec[] = { "rmsnorm", "layernorm", "softmax", "silu", "gelu",
		                           "relu",    "swiglu",    "add",     "mul",  "rope",
		                           "embed",   "quant",     "dequant", "topk", "copy" };
	for (int i = 0; i < TRACE_VEC_COUNT; i++) {
		assert_string_equal(trace_vec_kind_name((enum trace_vec_kind)i), vec[i]);
		unsigned want =
		    i == TRACE_VEC_ADD || i == TRACE_VEC_MUL || i == TRACE_VEC_SWIGLU ? 2 : 1;
		assert_int_equal(trace_vec_kind_default_inputs((enum trace_vec_kind)i), want);
	}
	assert_string_equal(trace_sp_kind_name(TRACE_SP_UNSTRUCTURED), "unstructured");
	assert_string_equal(trace_q_kind_name(TRACE_Q_GROUP), "group");
	assert_string_equal(trace_pat_kind_name(TRACE_PAT_THRESH), "thresh");
	assert_string_equal(trace_rec_kind_name(TRACE_REC_STEP), "step");
	assert_string_equal(trace_pat_kind_name(TRACE_PAT_COUNT), "?");
}

static void test_numbers(void **state)
{
	(void)state;
	uint64_t u = 42;
	assert_int_equal(trace_int_parse("0", &u), 0);
	assert_int_equal(u, 0);
	assert_int_equal(trace_int_parse("9223372036854775807", &u), 0);
	assert_int_equal(u, INT64_MAX);
	u = 42;
	static const char *const bad_ints[] = { "9223372036854775808",
		                                "18446744073709551616",
		                                "-1",
		                                "+1",
		                                "0x10",
		                                "1e3",
		                                "1.0",
		                                " 1",
		                                "1 ",
		                                "",
		                                "\xd9\xa1" };
	for (size_t i = 0; i < sizeof bad_ints / sizeof bad_ints[0]; i++)
		assert_int_equal(trace_int_parse(bad_ints[i], &u), -1);
	assert_int_equal(u, 42);

	double x;
	static const struct {
		const char *s;
		double v;
	} good[] = { { "0.5", 0.5 }, { "5e-2", 0.05 }, { ".5", 0.5 },
		     { "1.", 1.0 },  { "1E0", 1.0 },   { "0.5e+0", 0.5 },
		     { "0", 0.0 },   { "2", 2.0 },     { "00.25", 0.25 } };
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		assert_int_equal(trace_real_parse(good[i].s, &x), 0);
		assert_true(x == good[i].v);
	}
	static const char *const bad_reals[] = { "nan",  "NaN",    "inf",  "-inf", "-0.5",
		                                 "+0.5", "0x1p-1", "1e",   "1e+",  ".",
		                                 "",     "1,5",    "0.5f", "e5" };
	for (size_t i = 0; i < sizeof bad_reals / sizeof bad_reals[0]; i++)
		if (trace_real_parse(bad_reals[i], &x) != -1)
			fail_msg("'%s' parsed", bad_reals[i]);

	char buf[64];
	static const struct {
		double v;
		const char *s;
	} shortest[] = { { 1.0, "1" },     { 0.5, "0.5" },       { 0.1, "0.1" },
		         { 0.05, "0.05" }, { 1e-300, "1e-300" }, { 1.0 / 3, "0.3333333333333333" },
		         { 0.0, "0" } };
	for (size_t i = 0; i < sizeof shortest / sizeof shortest[0]; i++) {
		assert_int_equal(trace_real_format(shortest[i].v, buf, sizeof buf), 0);
		assert_string_equal(buf, shortest[i].s);
	}
	/* Every double in (0,1] reads back bit for bit. */
	uint64_t seed = 88172645463325252ull;
	for (int i = 0; i < 20000; i++) {
		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		double v = (double)(seed >> 11) / 9007199254740992.0;
		if (i % 3 == 0)
			v = v * v * v * v;
		if (v == 0)
			continue;
		assert_int_equal(trace_real_format(v, buf, sizeof buf), 0);
		assert_int_equal(trace_real_parse(buf, &x), 0);
		if (x != v)
			fail_msg("%.17g printed as %s", v, buf);
	}
	assert_int_equal(trace_real_format(-0.5, buf, sizeof buf), -1);
	assert_int_equal(trace_real_format(0.25, buf, 3), -1);
}

static void test_value_parsers(void **state)
{
	(void)state;
	struct trace_sparsity sp;
	struct trace_quant q;
	struct trace_pattern p;
	char err[256], buf[64];

	static const char *const sp_forms[] = {
		"dense",          "nm:2:4",        "nm:1:256", "vnm:64:2:8", "unstructured:0.3",
		"block:4:8:0.25", "unstructured:1"
	};
	for (size_t i = 0; i < sizeof sp_forms / sizeof sp_forms[0]; i++) {
		assert_int_equal(trace_sparsity_parse(sp_forms[i], &sp, err, sizeof err), 0);
		assert_int_equal(trace_sparsity_format(&sp, buf, sizeof buf), 0);
		assert_string_equal(buf, sp_forms[i]);
	}
	assert_int_equal(trace_sparsity_parse("nm:255:256", &sp, err, sizeof err), 0);
	assert_true(sp.density == 255.0 / 256.0);
	assert_int_equal(trace_sparsity_parse("nm:2:257", &sp, err, sizeof err), -1);
	assert_string_equal(err, "M must be at most 256 (1 <= N < M <= 256)");
	assert_int_equal(trace_sparsity_parse("vnm:1:4:5", &sp, err, sizeof err), 0);
	assert_true(sp.density == 0.8);

	static const char *const q_forms[] = { "tensor",        "channel",     "group:128",
		                               "group:64:bf16", "group:32:zp", "group:16:fp32:zp" };
	for (size_t i = 0; i < sizeof q_forms / sizeof q_forms[0]; i++) {
		assert_int_equal(trace_quant_parse(q_forms[i], &q, err, sizeof err), 0);
		assert_int_equal(trace_quant_format(&q, buf, sizeof buf), 0);
		assert_string_equal(buf, q_forms[i]);
	}
	/* The default scale dtype written out is read the same and printed canonically. */
	assert_int_equal(trace_quant_parse("group:128:fp16", &q, err, sizeof err), 0);
	assert_int_equal(q.scale_dtype, TRACE_DT_FP16);
	assert_int_equal(trace_quant_format(&q, buf, sizeof buf), 0);
	assert_string_equal(buf, "group:128");

	static const char *const pat_forms[] = { "dense", "window:256", "topk:64", "block:64:0.5",
		                                 "thresh:0.125" };
	for (size_t i = 0; i < sizeof pat_forms / sizeof pat_forms[0]; i++) {
		assert_int_equal(trace_pattern_parse(pat_forms[i], &p, err, sizeof err), 0);
		assert_int_equal(trace_pattern_format(&p, buf, sizeof buf), 0);
		assert_string_equal(buf, pat_forms[i]);
	}
	assert_int_equal(trace_pattern_format(&p, buf, 4), -1);
	assert_true(trace_id_valid("model.layers.0:q-proj_1"));
	assert_false(trace_id_valid(""));
	assert_false(trace_id_valid("a b"));
	assert_false(trace_id_valid("a/b"));
}

/* trace_op_flops: 2 per MAC; a causal attention counts the keys each query sees, as the model
 * runs it, also with fewer keys than queries (where skv - sq once wrapped around). */
static void test_op_flops(void **state)
{
	(void)state;
	struct trace_op g = { .type = TRACE_OP_GEMM };
	g.gemm.m = 2, g.gemm.n = 3, g.gemm.k = 4, g.gemm.count = 5;
	assert_float_equal(trace_op_flops(&g), 2.0 * 2 * 3 * 4 * 5, 0);
	struct trace_op a = { .type = TRACE_OP_ATTN };
	a.attn.b = 1, a.attn.hq = 1, a.attn.hkv = 1, a.attn.d = 1, a.attn.causal = false;
	a.attn.sq = 4, a.attn.skv = 6;
	assert_float_equal(trace_op_flops(&a), 4.0 * 24, 0); /* every pair */
	a.attn.causal = true;                                /* queries see 3, 4, 5, 6 keys */
	assert_float_equal(trace_op_flops(&a), 4.0 * 18, 0);
	a.attn.sq = 6, a.attn.skv = 4; /* queries see 1, 2, 3, 4, 4, 4 keys */
	assert_float_equal(trace_op_flops(&a), 4.0 * 18, 0);
	a.attn.sq = 1, a.attn.skv = 4; /* decode: all keys */
	assert_float_equal(trace_op_flops(&a), 4.0 * 4, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_example),
		cmocka_unit_test(test_gzip_by_magic),
		cmocka_unit_test(test_gzip_truncated_and_corrupt),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_stdin),
		cmocka_unit_test(test_error_is_sticky),
		cmocka_unit_test(test_line_limit),
		cmocka_unit_test(test_lexical_ok),
		cmocka_unit_test(test_error_rules),
		cmocka_unit_test(test_bad_corpus),
		cmocka_unit_test(test_unknown_keys_and_extensions),
		cmocka_unit_test(test_steps),
		cmocka_unit_test(test_defaults_and_forms),
		cmocka_unit_test(test_many_tensors),
		cmocka_unit_test(test_name_tables),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_value_parsers),
		cmocka_unit_test(test_op_flops),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
