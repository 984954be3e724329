/* Unit tests of traces/trace_write: the exact canonical text it emits, write → read equality
 * for a trace using every record kind, dtype, sparsity, quantization and pattern form (plain
 * and gzip), refusal of every kind of invalid record (the writer never emits a trace the reader
 * rejects), sticky failure, and I/O errors surfacing at close. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "traces/trace.h"

#include "test_tmpdir.h"

static void tmp_path(char *path, size_t len, const char *name)
{
	snprintf(path, len, "%s/%s", tmpdir, name);
}

static size_t slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n;
}

/* ---- Building records ---- */

static struct trace_tensor tensor(const char *id, enum trace_role role, enum trace_dtype dt,
                                  uint64_t rows, uint64_t cols)
{
	return (struct trace_tensor){
		.id = id,
		.role = role,
		.dtype = dt,
		.rows = rows,
		.cols = cols,
		.sp = { .kind = TRACE_SP_DENSE, .density = 1 },
		.q = { .kind = TRACE_Q_NONE, .scale_dtype = TRACE_DT_FP16 },
	};
}

static void op_init(struct trace_op *op, enum trace_op_type type)
{
	memset(op, 0, sizeof *op);
	op->type = type;
	op->layer = -1;
	op->name = "";
	switch (type) {
	case TRACE_OP_GEMM:
		op->gemm.count = 1;
		op->gemm.asp = 1;
		op->gemm.a = op->gemm.b = op->gemm.out = TRACE_DT_FP16;
		break;
	case TRACE_OP_ATTN:
		op->attn.causal = true;
		op->attn.q = TRACE_DT_FP16;
		op->attn.pat = (struct trace_pattern){ .kind = TRACE_PAT_DENSE, .density = 1 };
		break;
	case TRACE_OP_VEC:
		op->vec.dtype = TRACE_DT_FP16;
		op->vec.inputs = 1;
		break;
	default: break;
	}
}

/* ---- Canonical text ---- */

static void test_canonical_text(void **state)
{
	(void)state;
	char path[256], err[512], text[4096];
	tmp_path(path, sizeof path, "canon.trace");
	struct trace_writer *w = trace_writer_open(path, false, err, sizeof err);
	assert_non_null(w);

	assert_int_equal(trace_write_meta(w, "  model=m\tsource=hf:x/y  "), 0);
	assert_int_equal(trace_write_meta(w, ""), 0);
	struct trace_tensor wt = tensor("W", TRACE_ROLE_WEIGHT, TRACE_DT_INT4, 8, 16);
	wt.sp = (struct trace_sparsity){ .kind = TRACE_SP_NM, .n = 2, .m = 4, .density = 0.5 };
	wt.q = (struct trace_quant){ .kind = TRACE_Q_GROUP,
		                     .group = 128,
		                     .scale_dtype = TRACE_DT_BF16,
		                     .zero_point = true };
	assert_int_equal(trace_write_tensor(w, &wt), 0);
	struct trace_tensor kv = tensor("kv", TRACE_ROLE_KV, TRACE_DT_FP8E4M3, 0, 0);
	kv.q.kind = TRACE_Q_TENSOR;
	assert_int_equal(trace_write_tensor(w, &kv), 0);
	struct trace_step st = { .kind = TRACE_STEP_PREFILL, .tokens = 512, .batch = 1 };
	assert_int_equal(trace_write_step(w, &st), 0);

	struct trace_op op;
	op_init(&op, TRACE_OP_GEMM);
	op.gemm.m = 512, op.gemm.n = 8, op.gemm.k = 16, op.gemm.w = &wt, op.gemm.asp = 0.25;
	op.layer = 0;
	op.name = "qkv";
	assert_int_equal(trace_write_op(w, &op), 0);
	op_init(&op, TRACE_OP_GEMM);
	op.gemm.m = 1, op.gemm.n = 2, op.gemm.k = 3, op.gemm.b = TRACE_DT_FP16;
	op.gemm.a = TRACE_DT_BF16, op.gemm.out = TRACE_DT_FP32, op.gemm.count = 4;
	op.has_dur = true, op.dur_ns = 1500;
	assert_int_equal(trace_write_op(w, &op), 0);
	op_init(&op, TRACE_OP_ATTN);
	op.attn.b = 1, op.attn.hq = 32, op.attn.hkv = 8, op.attn.d = 128, op.attn.sq = 512;
	op.attn.skv = 512, op.attn.causal = false, op.attn.kv = &kv, op.attn.q = TRACE_DT_BF16;
	op.attn.pat = (struct trace_pattern){ .kind = TRACE_PAT_WINDOW, .size = 256 };
	assert_int_equal(trace_write_op(w, &op), 0);
	op_init(&op, TRACE_OP_VEC);
	op.vec.kind = TRACE_VEC_ADD, op.vec.rows = 4, op.vec.cols = 8, op.vec.dtype = TRACE_DT_BF16;
	op.vec.inputs = 3;
	assert_int_equal(trace_write_op(w, &op), 0);
	op.vec.inputs = 2; /* add's default: omitted */
	assert_int_equal(trace_write_op(w, &op), 0);
	op_init(&op, TRACE_OP_COLL);
	op.coll.kind = TRACE_COLL_ALLREDUCE, op.coll.bytes = 4096, op.coll.ranks = 8;
	assert_int_equal(trace_write_op(w, &op), 0);
	assert_string_equal(trace_writer_error(w), "");
	assert_int_equal(trace_writer_close(w), 0);

	slurp(path, text, sizeof text);
	assert_string_equal(
	    text, "simtrace 1\n"
	          "meta model=m source=hf:x/y\n"
	          "meta\n"
	          "tensor id=W role=weight dtype=int4 shape=8x16 sp=nm:2:4 q=group:128:bf16:zp\n"
	          "tensor id=kv role=kv dtype=fp8e4m3 q=tensor\n"
	          "step kind=prefill tokens=512 batch=1\n"
	          "op gemm m=512 n=8 k=16 w=W asp=0.25 layer=0 name=qkv\n"
	          "op gemm m=1 n=2 k=3 b=fp16 a=bf16 out=fp32 count=4 dur_ns=1500\n"
	          "op attn b=1 hq=32 hkv=8 d=128 sq=512 skv=512 causal=0 kv=kv q=bf16 "
	          "pat=window:256\n"
	          "op vec kind=add rows=4 cols=8 dtype=bf16 inputs=3\n"
	          "op vec kind=add rows=4 cols=8 dtype=bf16\n"
	          "op coll kind=allreduce bytes=4096 ranks=8\n");
}

/* ---- Round trip ---- */

#define MAX_RECORDS 512

struct expected {
	enum trace_rec_kind kind;
	char meta[128];
	struct trace_tensor tensor;
	struct trace_op op;
	struct trace_step step;
};

static struct expected want[MAX_RECORDS];
static struct trace_tensor tensors[MAX_RECORDS];
static char ids[MAX_RECORDS][32];
static size_t nwant, ntensors;

static const struct trace_tensor *add_tensor(struct trace_tensor t)
{
	snprintf(ids[ntensors], sizeof ids[0], "%s", t.id);
	t.id = ids[ntensors];
	tensors[ntensors] = t;
	want[nwant].kind = TRACE_REC_TENSOR;
	want[nwant++].tensor = t;
	return &tensors[ntensors++];
}

static void add_op(const struct trace_op *op)
{
	want[nwant].kind = TRACE_REC_OP;
	want[nwant++].op = *op;
}

/* A trace using every record kind and every value form of the spec. */
static void build_everything(void)
{
	static const struct trace_sparsity sps[] = {
		{ .kind = TRACE_SP_DENSE, .density = 1 },
		{ .kind = TRACE_SP_NM, .n = 2, .m = 4, .density = 0.5 },
		{ .kind = TRACE_SP_NM, .n = 1, .m = 256, .density = 1.0 / 256 },
		{ .kind = TRACE_SP_VNM, .v = 64, .n = 2, .m = 8, .density = 0.25 },
		{ .kind = TRACE_SP_UNSTRUCTURED, .density = 0.3 },
		{ .kind = TRACE_SP_BLOCK, .r = 4, .c = 8, .density = 0.1 },
		{ .kind = TRACE_SP_UNSTRUCTURED, .density = 1e-9 },
	};
	static const struct trace_quant qs[] = {
		{ .kind = TRACE_Q_NONE, .scale_dtype = TRACE_DT_FP16 },
		{ .kind = TRACE_Q_TENSOR, .scale_dtype = TRACE_DT_FP16 },
		{ .kind = TRACE_Q_CHANNEL, .scale_dtype = TRACE_DT_FP16 },
		{ .kind = TRACE_Q_GROUP, .group = 128, .scale_dtype = TRACE_DT_FP16 },
		{ .kind = TRACE_Q_GROUP, .group = 64, .scale_dtype = TRACE_DT_BF16 },
		{ .kind = TRACE_Q_GROUP,
		  .group = 32,
		  .scale_dtype = TRACE_DT_FP16,
		  .zero_point = true },
		{ .kind = TRACE_Q_GROUP,
		  .group = 16,
		  .scale_dtype = TRACE_DT_FP8E4M3,
		  .zero_point = true },
	};
	static const struct trace_pattern pats[] = {
		{ .kind = TRACE_PAT_DENSE, .density = 1 },
		{ .kind = TRACE_PAT_WINDOW, .size = 256 },
		{ .kind = TRACE_PAT_TOPK, .size = 64 },
		{ .kind = TRACE_PAT_BLOCK, .size = 64, .density = 0.5 },
		{ .kind = TRACE_PAT_THRESH, .density = 0.123456789 },
	};
	const size_t nsp = sizeof sps / sizeof sps[0], nq = sizeof qs / sizeof qs[0];
	const struct trace_tensor *weights[TRACE_DT_COUNT];
	char id[32];
	struct trace_op op;

	nwant = ntensors = 0;
	want[nwant].kind = TRACE_REC_META;
	snprintf(want[nwant++].meta, sizeof want[0].meta,
	         "model=everything source=unit:test x_k=v");

	/* Every dtype as a weight; every sparsity and quantization form across them. */
	for (int d = 0; d < TRACE_DT_COUNT; d++) {
		snprintf(id, sizeof id, "w.%s", trace_dtype_name((enum trace_dtype)d));
		struct trace_tensor t = tensor(id, TRACE_ROLE_WEIGHT, (enum trace_dtype)d,
		                               16 + (uint64_t)d, 256 + (uint64_t)d);
		t.sp = sps[(size_t)d % nsp];
		if (!trace_dtype_block((enum trace_dtype)d))
			t.q = qs[(size_t)d % nq];
		t.line = nwant + 2; /* line 1 is the magic */
		weights[d] = add_tensor(t);
	}
	/* The forms the loop above may have missed, on fp16. */
	for (size_t i = 0; i < nsp + nq; i++) {
		snprintf(id, sizeof id, "form%zu", i);
		struct trace_tensor t = tensor(id, TRACE_ROLE_WEIGHT, TRACE_DT_INT4, 3, 5);
		if (i < nsp)
			t.sp = sps[i];
		else
			t.q = qs[i - nsp];
		t.line = nwant + 2; /* line 1 is the magic */
		add_tensor(t);
	}
	struct trace_tensor kvt = tensor("cache:0", TRACE_ROLE_KV, TRACE_DT_FP8E4M3, 0, 0);
	kvt.q.kind = TRACE_Q_TENSOR;
	kvt.line = nwant + 2; /* line 1 is the magic */
	const struct trace_tensor *kv = add_tensor(kvt);
	kvt = tensor("cache.shaped", TRACE_ROLE_KV, TRACE_DT_MXFP8, 4096, 128);
	kvt.line = nwant + 2; /* line 1 is the magic */
	const struct trace_tensor *kv2 = add_tensor(kvt);

	want[nwant].kind = TRACE_REC_STEP;
	want[nwant++].step =
	    (struct trace_step){ .kind = TRACE_STEP_PREFILL, .tokens = 77, .batch = 3 };

	/* gemm: every dtype as a, b and out; weights of every dtype. */
	for (int d = 0; d < TRACE_DT_COUNT; d++) {
		op_init(&op, TRACE_OP_GEMM);
		op.gemm.m = 77 + (uint64_t)d;
		op.gemm.n = weights[d]->rows;
		op.gemm.k = weights[d]->cols;
		op.gemm.w = weights[d];
		op.gemm.a = (enum trace_dtype)((d + 3) % TRACE_DT_COUNT);
		op.gemm.out = d % 2 ? op.gemm.a : (enum trace_dtype)d;
		op.gemm.count = 1 + (uint64_t)d % 3;
		op.gemm.asp = d % 4 ? 1.0 : 0.1 * (d / 4 + 1); /* 0.1 * 3 is not 0.3 */
		op.layer = d % 5 == 0 ? -1 : d;
		static char names[TRACE_DT_COUNT][64]; /* live as long as want[] */
		snprintf(names[d], sizeof names[d], "model.layers.%d.mlp.down_proj", d);
		if (d % 3)
			op.name = names[d];
		op.has_dur = d % 2;
		op.dur_ns = op.has_dur ? 1000u * (uint64_t)d : 0;
		add_op(&op);

		op_init(&op, TRACE_OP_GEMM);
		op.gemm.m = 1, op.gemm.n = 128, op.gemm.k = 4096 + (uint64_t)d;
		op.gemm.b = (enum trace_dtype)d;
		op.gemm.a = (enum trace_dtype)d;
		op.gemm.out = (enum trace_dtype)((d + 1) % TRACE_DT_COUNT);
		op.gemm.count = 32;
		add_op(&op);
	}
	/* The largest GEMM that fits in 63 bits. */
	op_init(&op, TRACE_OP_GEMM);
	op.gemm.m = 1, op.gemm.n = 1, op.gemm.k = INT64_MAX;
	op.gemm.b = TRACE_DT_FP16;
	add_op(&op);

	want[nwant].kind = TRACE_REC_STEP;
	want[nwant++].step = (struct trace_step){ .kind = TRACE_STEP_DECODE };

	/* attn: every pattern, causal on and off, with and without kv, every q dtype. */
	for (int d = 0; d < TRACE_DT_COUNT; d++) {
		op_init(&op, TRACE_OP_ATTN);
		op.attn.b = 1 + (uint64_t)d, op.attn.hq = 32, op.attn.hkv = d % 2 ? 8 : 32;
		op.attn.d = 128, op.attn.sq = d % 3 ? 1 : 512, op.attn.skv = 513 + (uint64_t)d;
		op.attn.causal = d % 4 != 1;
		op.attn.kv = d % 3 == 0 ? NULL : d % 3 == 1 ? kv : kv2;
		op.attn.q = (enum trace_dtype)d;
		op.attn.pat = pats[(size_t)d % (sizeof pats / sizeof pats[0])];
		op.layer = d;
		add_op(&op);
	}
	want[nwant].kind = TRACE_REC_META;
	want[nwant++].meta[0] = '\0';
	want[nwant].kind = TRACE_REC_STEP;
	want[nwant++].step =
	    (struct trace_step){ .kind = TRACE_STEP_DECODE, .tokens = 4, .batch = 8 };

	/* vec: every kind, default and explicit inputs, every dtype. */
	for (int k = 0; k < TRACE_VEC_COUNT; k++) {
		op_init(&op, TRACE_OP_VEC);
		op.vec.kind = (enum trace_vec_kind)k;
		op.vec.rows = 1 + (uint64_t)k, op.vec.cols = 4096;
		op.vec.inputs =
		    k % 2 ? trace_vec_kind_default_inputs(op.vec.kind) : 1 + (uint64_t)k % 4;
		op.vec.dtype = (enum trace_dtype)(k % TRACE_DT_COUNT);
		add_op(&op);
	}
	for (int d = 0; d < TRACE_DT_COUNT; d++) {
		op_init(&op, TRACE_OP_VEC);
		op.vec.kind = TRACE_VEC_COPY, op.vec.rows = 2, op.vec.cols = 3;
		op.vec.dtype = (enum trace_dtype)d;
		add_op(&op);
	}
	/* coll: every kind. */
	for (int k = 0; k < TRACE_COLL_COUNT; k++) {
		op_init(&op, TRACE_OP_COLL);
		op.coll.kind = (enum trace_coll_kind)k;
		op.coll.bytes = 1ull << (20 + k), op.coll.ranks = 2 + (uint64_t)k;
		op.layer = 40 + k;
		static char names[8][16]; /* live as long as want[] */
		snprintf(names[k % 8], sizeof names[k % 8], "tp.%d", k);
		op.name = names[k % 8];
		add_op(&op);
	}
	assert_true(nwant < MAX_RECORDS);
}

static int write_everything(const char *path, bool gzip)
{
	char err[512];
	struct trace_writer *w = trace_writer_open(path, gzip, err, sizeof err);
	assert_non_null(w);
	for (size_t i = 0; i < nwant; i++) {
		int rc = -1;
		switch (want[i].kind) {
		case TRACE_REC_META: rc = trace_write_meta(w, want[i].meta); break;
		case TRACE_REC_TENSOR: rc = trace_write_tensor(w, &want[i].tensor); break;
		case TRACE_REC_OP: rc = trace_write_op(w, &want[i].op); break;
		case TRACE_REC_STEP: rc = trace_write_step(w, &want[i].step); break;
		default: break;
		}
		if (rc)
			fail_msg("record %zu: %s", i, trace_writer_error(w));
	}
	return trace_writer_close(w);
}

static void tensor_equal(const struct trace_tensor *a, const struct trace_tensor *b)
{
	assert_string_equal(a->id, b->id);
	assert_int_equal(a->role, b->role);
	assert_int_equal(a->dtype, b->dtype);
	assert_int_equal(a->rows, b->rows);
	assert_int_equal(a->cols, b->cols);
	assert_int_equal(a->sp.kind, b->sp.kind);
	assert_int_equal(a->sp.n, b->sp.n);
	assert_int_equal(a->sp.m, b->sp.m);
	assert_int_equal(a->sp.v, b->sp.v);
	assert_int_equal(a->sp.r, b->sp.r);
	assert_int_equal(a->sp.c, b->sp.c);
	assert_true(a->sp.density == b->sp.density);
	assert_int_equal(a->q.kind, b->q.kind);
	assert_int_equal(a->q.group, b->q.group);
	assert_int_equal(a->q.scale_dtype, b->q.scale_dtype);
	assert_int_equal(a->q.zero_point, b->q.zero_point);
	assert_int_equal(a->line, b->line);
}

static void op_equal(const struct trace_op *a, const struct trace_op *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->layer, b->layer);
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->has_dur, b->has_dur);
	assert_int_equal(a->dur_ns, b->dur_ns);
	switch (a->type) {
	case TRACE_OP_GEMM:
		assert_int_equal(a->gemm.m, b->gemm.m);
		assert_int_equal(a->gemm.n, b->gemm.n);
		assert_int_equal(a->gemm.k, b->gemm.k);
		assert_int_equal(a->gemm.count, b->gemm.count);
		assert_int_equal(a->gemm.w == NULL, b->gemm.w == NULL);
		if (a->gemm.w)
			assert_string_equal(a->gemm.w->id, b->gemm.w->id);
		else
			assert_int_equal(a->gemm.b, b->gemm.b);
		assert_int_equal(a->gemm.a, b->gemm.a);
		assert_int_equal(a->gemm.out, b->gemm.out);
		assert_true(a->gemm.asp == b->gemm.asp);
		break;
	case TRACE_OP_ATTN:
		assert_int_equal(a->attn.b, b->attn.b);
		assert_int_equal(a->attn.hq, b->attn.hq);
		assert_int_equal(a->attn.hkv, b->attn.hkv);
		assert_int_equal(a->attn.d, b->attn.d);
		assert_int_equal(a->attn.sq, b->attn.sq);
		assert_int_equal(a->attn.skv, b->attn.skv);
		assert_int_equal(a->attn.causal, b->attn.causal);
		assert_int_equal(a->attn.kv == NULL, b->attn.kv == NULL);
		if (a->attn.kv)
			assert_string_equal(a->attn.kv->id, b->attn.kv->id);
		assert_int_equal(a->attn.q, b->attn.q);
		assert_int_equal(a->attn.pat.kind, b->attn.pat.kind);
		assert_int_equal(a->attn.pat.size, b->attn.pat.size);
		assert_true(a->attn.pat.density == b->attn.pat.density);
		break;
	case TRACE_OP_VEC:
		assert_int_equal(a->vec.kind, b->vec.kind);
		assert_int_equal(a->vec.rows, b->vec.rows);
		assert_int_equal(a->vec.cols, b->vec.cols);
		assert_int_equal(a->vec.inputs, b->vec.inputs);
		assert_int_equal(a->vec.dtype, b->vec.dtype);
		break;
	default:
		assert_int_equal(a->coll.kind, b->coll.kind);
		assert_int_equal(a->coll.bytes, b->coll.bytes);
		assert_int_equal(a->coll.ranks, b->coll.ranks);
		break;
	}
}

static void read_and_compare(const char *path)
{
	char err[512];
	struct trace_record rec;
	struct trace_reader *r = trace_open(path, err, sizeof err);
	uint64_t ops = 0, step = 0;
	bool seen_step = false;
	assert_non_null(r);
	for (size_t i = 0; i < nwant; i++) {
		if (trace_next(r, &rec) != 1)
			fail_msg("record %zu: %s", i, trace_error(r));
		assert_int_equal(rec.kind, want[i].kind);
		assert_int_equal(rec.line, i + 2); /* one record per line after the magic */
		switch (rec.kind) {
		case TRACE_REC_META: assert_string_equal(rec.meta_text, want[i].meta); break;
		case TRACE_REC_TENSOR:
			tensor_equal(rec.tensor, &want[i].tensor);
			assert_ptr_equal(trace_find_tensor(r, want[i].tensor.id), rec.tensor);
			break;
		case TRACE_REC_OP:
			op_equal(&rec.op, &want[i].op);
			assert_int_equal(rec.op.index, ops++);
			assert_int_equal(rec.op.step, step);
			/* References resolve to the reader's own declarations. */
			if (rec.op.type == TRACE_OP_GEMM && rec.op.gemm.w)
				assert_ptr_equal(rec.op.gemm.w,
				                 trace_find_tensor(r, rec.op.gemm.w->id));
			break;
		case TRACE_REC_STEP:
			assert_int_equal(rec.step.kind, want[i].step.kind);
			assert_int_equal(rec.step.tokens, want[i].step.tokens);
			assert_int_equal(rec.step.batch, want[i].step.batch);
			if (seen_step || ops)
				step++;
			seen_step = true;
			assert_int_equal(rec.step.index, step);
			break;
		default: fail();
		}
	}
	assert_int_equal(trace_next(r, &rec), 0);
	assert_int_equal(trace_warning_count(r), 0);
	trace_close(r);
}

static void test_round_trip_plain(void **state)
{
	(void)state;
	char path[256], head[16];
	build_everything();
	tmp_path(path, sizeof path, "everything.trace.gz"); /* the name does not make it gzip */
	assert_int_equal(write_everything(path, false), 0);
	slurp(path, head, sizeof head);
	assert_memory_equal(head, "simtrace 1\n", 11);
	read_and_compare(path);
}

static void test_round_trip_gzip(void **state)
{
	(void)state;
	char path[256], head[16];
	build_everything();
	tmp_path(path, sizeof path, "everything.trace");
	assert_int_equal(write_everything(path, true), 0);
	slurp(path, head, sizeof head);
	assert_int_equal((unsigned char)head[0], 0x1f);
	assert_int_equal((unsigned char)head[1], 0x8b);
	read_and_compare(path);
}

/* "-" writes standard output. */
static void test_stdout(void **state)
{
	(void)state;
	char path[256], err[512], text[256];
	tmp_path(path, sizeof path, "stdout.trace");
	fflush(stdout);
	int saved = dup(STDOUT_FILENO), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	struct trace_writer *w = trace_writer_open("-", false, err, sizeof err);
	struct trace_step st = { .kind = TRACE_STEP_DECODE, .tokens = 1 };
	int rc = w ? trace_write_step(w, &st) : -1;
	int rc_close = trace_writer_close(w);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	assert_int_equal(rc, 0);
	assert_int_equal(rc_close, 0);
	slurp(path, text, sizeof text);
	assert_string_equal(text, "simtrace 1\nstep kind=decode tokens=1\n");
}

/* ---- Refusals ---- */

enum bad_kind { BAD_META, BAD_TENSOR, BAD_OP, BAD_STEP };

/* Writes W (int4 4096x4096) and kv, then the bad record; checks the refusal, the message, that
 * the writer stays failed, that close reports it, and that no half-written trace is left (the
 * output is a temporary file until close puts it in place). */
static void expect_refused(enum bad_kind kind, const void *rec, const char *want_msg)
{
	char path[256], err[512];
	tmp_path(path, sizeof path, "bad.trace");
	struct trace_writer *w = trace_writer_open(path, false, err, sizeof err);
	struct trace_tensor wt = tensor("W", TRACE_ROLE_WEIGHT, TRACE_DT_INT4, 4096, 4096);
	struct trace_tensor kv = tensor("kv", TRACE_ROLE_KV, TRACE_DT_FP16, 0, 0);
	assert_int_equal(trace_write_tensor(w, &wt), 0);
	assert_int_equal(trace_write_tensor(w, &kv), 0);
	int rc = kind == BAD_META     ? trace_write_meta(w, rec)
	         : kind == BAD_TENSOR ? trace_write_tensor(w, rec)
	         : kind == BAD_OP     ? trace_write_op(w, rec)
	                              : trace_write_step(w, rec);
	assert_int_equal(rc, -1);
	if (!strstr(trace_writer_error(w), want_msg))
		fail_msg("got '%s', want '%s'", trace_writer_error(w), want_msg);
	assert_true(strncmp(trace_writer_error(w), path, strlen(path)) == 0);
	assert_non_null(strstr(trace_writer_error(w), ":4: ")); /* the line it would have had */
	/* Sticky: even a valid record is refused now. */
	struct trace_step st = { .kind = TRACE_STEP_DECODE };
	assert_int_equal(trace_write_step(w, &st), -1);
	assert_int_equal(trace_writer_close(w), -1);
	assert_int_equal(access(path, F_OK), -1);
}

static void test_refusals(void **state)
{
	(void)state;
	struct trace_writer *w;
	char err[512];

	expect_refused(BAD_META, "model=x Source=y", "meta: malformed key 'Source'");
	expect_refused(BAD_META, "model", "meta: field 'model' is not key=value");
	expect_refused(BAD_META, "a=1 b=2 a=3", "meta: duplicate key 'a'");
	expect_refused(BAD_META, "note=a#b", "meta: byte 0x23");
	expect_refused(BAD_META, "note=a\nop", "meta: byte 0x0a");

	struct trace_tensor t = tensor("W", TRACE_ROLE_WEIGHT, TRACE_DT_FP16, 8, 8);
	expect_refused(BAD_TENSOR, &t, "tensor W: id already written at line 2");
	t.id = "a b";
	expect_refused(BAD_TENSOR, &t, "tensor: id=a b: invalid id");
	t.id = NULL;
	expect_refused(BAD_TENSOR, &t, "tensor: id=: invalid id");
	t = tensor("X", TRACE_ROLE_WEIGHT, TRACE_DT_FP16, 0, 0);
	expect_refused(BAD_TENSOR, &t, "tensor X: role=weight requires shape=NxK");
	t = tensor("X", TRACE_ROLE_KV, TRACE_DT_FP16, 0, 7);
	expect_refused(BAD_TENSOR, &t, "tensor X: shape=0x7: dimensions must be integers >= 1");
	t = tensor("X", TRACE_ROLE_WEIGHT, TRACE_DT_MXFP4, 8, 8);
	t.q.kind = TRACE_Q_CHANNEL;
	expect_refused(BAD_TENSOR, &t,
	               "tensor X: q=channel: dtype mxfp4 has its own block scaling");
	t = tensor("X", TRACE_ROLE_WEIGHT, TRACE_DT_FP16, 8, 8);
	t.sp = (struct trace_sparsity){ .kind = TRACE_SP_NM, .n = 4, .m = 4 };
	expect_refused(BAD_TENSOR, &t, "tensor X: sp=nm:4:4: N must be less than M");
	t.sp = (struct trace_sparsity){ .kind = TRACE_SP_UNSTRUCTURED, .density = NAN };
	expect_refused(BAD_TENSOR, &t, "tensor X: sp=unstructured:nan: D must be a real in (0,1]");
	t.sp = (struct trace_sparsity){ .kind = TRACE_SP_DENSE, .density = 1 };
	t.q = (struct trace_quant){ .kind = TRACE_Q_TENSOR, .zero_point = true };
	expect_refused(BAD_TENSOR, &t, "tensor X: q=tensor: a zero point (:zp) needs group:G");
	t.q =
	    (struct trace_quant){ .kind = TRACE_Q_GROUP, .group = 0, .scale_dtype = TRACE_DT_FP16 };
	expect_refused(BAD_TENSOR, &t, "tensor X: q=group:0: G must be an integer >= 1");
	t = tensor("X", TRACE_ROLE_WEIGHT, (enum trace_dtype)99, 8, 8);
	expect_refused(BAD_TENSOR, &t, "tensor X: dtype: invalid dtype value 99");

	struct trace_tensor wt = tensor("W", TRACE_ROLE_WEIGHT, TRACE_DT_INT4, 4096, 4096);
	struct trace_tensor kv = tensor("kv", TRACE_ROLE_KV, TRACE_DT_FP16, 0, 0);
	struct trace_tensor other = tensor("Q", TRACE_ROLE_WEIGHT, TRACE_DT_INT4, 4096, 4096);
	struct trace_op op;
	op_init(&op, TRACE_OP_GEMM);
	op.gemm.m = 1, op.gemm.n = 4096, op.gemm.k = 4096, op.gemm.w = &wt;
	op.gemm.k = 0;
	expect_refused(BAD_OP, &op, "gemm: k=0: must be an integer >= 1");
	op.gemm.k = 4096, op.gemm.n = 11008;
	expect_refused(BAD_OP, &op, "gemm: w=W: shape 4096x4096 does not match n x k = 11008x4096");
	op.gemm.n = 4096, op.gemm.w = &other;
	expect_refused(BAD_OP, &op, "gemm: w=Q: no tensor with this id was written before");
	op.gemm.w = &kv;
	expect_refused(BAD_OP, &op, "gemm: w=kv: tensor has role=kv");
	/* The declaration written is what counts, not the caller's copy. */
	struct trace_tensor lying = wt;
	lying.rows = 11008;
	op.gemm.w = &lying, op.gemm.n = 11008;
	expect_refused(BAD_OP, &op, "gemm: w=W: shape 4096x4096 does not match");
	op.gemm.w = &wt, op.gemm.n = 4096, op.gemm.asp = NAN;
	expect_refused(BAD_OP, &op, "gemm: asp=nan: must be a real in (0,1]");
	op.gemm.asp = 1, op.gemm.count = 1ull << 40;
	expect_refused(BAD_OP, &op, "gemm: m*n*k*count overflows 63 bits");
	op.gemm.count = 1, op.gemm.m = 1ull << 63;
	expect_refused(BAD_OP, &op, "gemm: m=9223372036854775808: too large");
	op.gemm.m = 1, op.layer = -2;
	expect_refused(BAD_OP, &op, "gemm: layer=-2: must be an integer >= 0");
	op.layer = 0;
	op.name = "two words";
	expect_refused(BAD_OP, &op, "gemm: name=two words: only printable ASCII");
	op.name = "a#b";
	expect_refused(BAD_OP, &op, "gemm: name=a#b: only printable ASCII");
	static char longname[4091];
	memset(longname, 'x', 4090);
	op.name = longname;
	expect_refused(BAD_OP, &op, "record longer than 4096 bytes");
	op.name = "";
	op.has_dur = true, op.dur_ns = UINT64_MAX;
	expect_refused(BAD_OP, &op, "gemm: dur_ns=18446744073709551615: too large");

	op_init(&op, TRACE_OP_ATTN);
	op.attn.b = 1, op.attn.hq = 32, op.attn.hkv = 6, op.attn.d = 128, op.attn.sq = 1;
	op.attn.skv = 9;
	expect_refused(BAD_OP, &op, "attn: hq=32 is not a multiple of hkv=6");
	op.attn.hkv = 8, op.attn.kv = &wt;
	expect_refused(BAD_OP, &op,
	               "attn: kv=W: tensor has role=weight; kv= must name a tensor "
	               "with role=kv");
	op.attn.kv = &kv, op.attn.pat = (struct trace_pattern){ .kind = TRACE_PAT_WINDOW };
	expect_refused(BAD_OP, &op, "attn: pat=window:0: W must be an integer >= 1");
	op.attn.pat = (struct trace_pattern){ .kind = TRACE_PAT_THRESH, .density = 2 };
	expect_refused(BAD_OP, &op, "attn: pat=thresh:2: D must be a real in (0,1]");

	op_init(&op, TRACE_OP_VEC);
	op.vec.kind = TRACE_VEC_COUNT, op.vec.rows = 1, op.vec.cols = 1;
	expect_refused(BAD_OP, &op, "vec: kind: invalid value");
	op.vec.kind = TRACE_VEC_ADD, op.vec.inputs = 0;
	expect_refused(BAD_OP, &op, "vec: inputs=0: must be an integer >= 1");
	op_init(&op, TRACE_OP_COLL);
	op.coll.kind = TRACE_COLL_ALLGATHER, op.coll.bytes = 1, op.coll.ranks = 0;
	expect_refused(BAD_OP, &op, "coll: ranks=0: must be an integer >= 1");
	op.type = TRACE_OP_COUNT;
	expect_refused(BAD_OP, &op, "op: invalid type");

	struct trace_step st = { .kind = TRACE_STEP_COUNT };
	expect_refused(BAD_STEP, &st, "step: kind: invalid value");
	st = (struct trace_step){ .kind = TRACE_STEP_DECODE, .tokens = UINT64_MAX };
	expect_refused(BAD_STEP, &st, "step: tokens/batch too large");

	/* Open failures. */
	assert_null(trace_writer_open("/nonexistent/dir/x.trace", false, err, sizeof err));
	assert_string_equal(
	    err, "/nonexistent/dir/x.trace: cannot open for writing: No such file or directory");
	assert_null(trace_writer_open(tmpdir, true, err, sizeof err));
	assert_non_null(strstr(err, ": cannot open for writing: Is a directory"));
	w = NULL;
	assert_int_equal(trace_writer_close(w), 0);
}

/* A full disk shows at close even when every write call was buffered. */
static void test_write_error_at_close(void **state)
{
	(void)state;
	char err[512];
	struct trace_writer *w = trace_writer_open("/dev/full", true, err, sizeof err);
	if (!w)
		skip();
	struct trace_step st = { .kind = TRACE_STEP_PREFILL };
	assert_int_equal(trace_write_step(w, &st), 0);
	assert_int_equal(trace_writer_close(w), -1);

	/* Enough output to overflow zlib's buffer: the failing write call reports it itself. */
	w = trace_writer_open("/dev/full", false, err, sizeof err);
	assert_non_null(w);
	int rc = 0;
	for (int i = 0; i < 100000 && rc == 0; i++)
		rc = trace_write_step(w, &st);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(trace_writer_error(w), "/dev/full:"));
	assert_non_null(strstr(trace_writer_error(w), "write failed: No space left on device"));
	assert_int_equal(trace_writer_close(w), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical_text),  cmocka_unit_test(test_round_trip_plain),
		cmocka_unit_test(test_round_trip_gzip), cmocka_unit_test(test_stdout),
		cmocka_unit_test(test_refusals),        cmocka_unit_test(test_write_error_at_close),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
