/* fuzz_trace — the simtrace v1 reader (traces/trace_read.c, gzio, trace_types) on any bytes,
 * plain or gzip, and its promise to the writer: every record it accepts, the writer writes
 * (trace_write.c checks each with the same rules), and the written trace reads back to the
 * same records.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "traces/trace.h"

/* Records carried over to the second reading, to compare. */
#define FUZZ_RECORDS 256

struct seen {
	enum trace_rec_kind kind;
	enum trace_op_type type;
	uint64_t a, b; /* a size of the op, or the step's index */
};

static struct seen record_of(const struct trace_record *r)
{
	struct seen s = { r->kind, TRACE_OP_COUNT, 0, 0 };
	if (r->kind == TRACE_REC_OP) {
		s.type = r->op.type;
		s.a = r->op.gemm.m; /* the union's first size, whichever op */
		s.b = r->op.step;
	} else if (r->kind == TRACE_REC_STEP) {
		s.a = r->step.index;
		s.b = r->step.tokens;
	} else if (r->kind == TRACE_REC_TENSOR) {
		s.a = r->tensor->rows;
		s.b = r->tensor->cols;
	}
	return s;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct seen first[FUZZ_RECORDS];
	char err[512];
	const char *in = fuzz_file("in.trace", data, size);
	struct trace_reader *r = trace_open(in, err, sizeof err);
	FUZZ_CHECK(r != NULL, "cannot open the input: %s", err);
	struct trace_writer *w = trace_writer_open(fuzz_path("out.trace"), size & 1, err, sizeof err);
	FUZZ_CHECK(w != NULL, "cannot open the output: %s", err);
	struct trace_record rec;
	size_t n = 0;
	int rc;
	while ((rc = trace_next(r, &rec)) == 1) {
		int wrc = 0;
		switch (rec.kind) {
		case TRACE_REC_META: wrc = trace_write_meta(w, rec.meta_text); break;
		case TRACE_REC_TENSOR: wrc = trace_write_tensor(w, rec.tensor); break;
		case TRACE_REC_OP: wrc = trace_write_op(w, &rec.op); break;
		case TRACE_REC_STEP: wrc = trace_write_step(w, &rec.step); break;
		case TRACE_REC_COUNT: break;
		}
		FUZZ_CHECK(wrc == 0, "the reader accepted line %llu, the writer refused it: %s",
		           (unsigned long long)rec.line, trace_writer_error(w));
		if (n < FUZZ_RECORDS)
			first[n] = record_of(&rec);
		n++;
	}
	FUZZ_CHECK(rc == 0 || trace_error(r)[0], "an error without a message");
	FUZZ_CHECK(rc != 0 || !trace_error(r)[0], "a message without an error");
	trace_close(r);
	if (rc < 0) {
		trace_writer_abort(w);
		return 0;
	}
	FUZZ_CHECK(trace_writer_close(w) == 0, "closing the output failed");

	/* The written trace reads back to the same records. */
	r = trace_open(fuzz_path("out.trace"), err, sizeof err);
	FUZZ_CHECK(r != NULL, "cannot open the written trace: %s", err);
	size_t m = 0;
	while ((rc = trace_next(r, &rec)) == 1) {
		if (m < FUZZ_RECORDS && m < n) {
			struct seen s = record_of(&rec);
			FUZZ_CHECK(!memcmp(&s, &first[m], sizeof s), "record %zu reads back otherwise",
			           m);
		}
		m++;
	}
	FUZZ_CHECK(rc == 0, "the written trace does not read back: %s", trace_error(r));
	FUZZ_CHECK(m == n, "%zu records written, %zu read back", n, m);
	trace_close(r);
	return 0;
}
