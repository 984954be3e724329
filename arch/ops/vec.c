/* vec — the op kind of element-wise, normalization, softmax, quantization and copy ops: a
 * roofline per kind.
 *
 * Models: the bytes a kind's kernel reads (inputs x passes, in their storage format with block
 * scales) and writes, against the vector work it does (operations per element per kind) on all
 * cores, the slower of the two, plus the fixed per-kernel cost and the memory's latency.
 * Not: tiles, L2 hits (small tensors that sit in L2 still stream from memory), kernel quality
 * differences between libraries (PyTorch's H100 norm/softmax kernels stream below the rate).
 * Numbers: operations per element are rough counts per kind (below); rates from the
 * architecture file.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "arch/formats/formats.h"
#include "arch/ops/ops.h"
#include "sim/arith.h"

/* Vector operations per output element of each vec kind (reads and math; exp counts as SFU
 * work folded in here). */
static double vec_ops_per_elem(enum trace_vec_kind k)
{
	switch (k) {
	case TRACE_VEC_RMSNORM: return 4;
	case TRACE_VEC_LAYERNORM: return 7;
	case TRACE_VEC_SOFTMAX: return 5;
	case TRACE_VEC_SILU:
	case TRACE_VEC_GELU: return 8;
	case TRACE_VEC_SWIGLU: return 9;
	case TRACE_VEC_ROPE: return 6;
	case TRACE_VEC_TOPK: return 4;
	case TRACE_VEC_QUANT:
	case TRACE_VEC_DEQUANT: return 3;
	case TRACE_VEC_RELU:
	case TRACE_VEC_ADD:
	case TRACE_VEC_MUL:
	case TRACE_VEC_EMBED:
	case TRACE_VEC_COPY:
	case TRACE_VEC_COUNT: break;
	}
	return 1;
}

/* Passes a kind's kernel makes over its input: softmax finds each row's max and sum, then
 * re-reads the row to normalize it (PyTorch's kernel for rows that do not fit its per-thread
 * cache); the others read their inputs once (norms keep the row on chip between the
 * statistics and the normalization). Bytes of an embedding lookup: the gathered rows. */
static double vec_read_passes(enum trace_vec_kind k)
{
	return k == TRACE_VEC_SOFTMAX ? 2 : 1;
}

/* What a vec op costs: bytes read and written, vector operations, and its time from launch
 * to end. In doubles, as the checks need them before anything is converted. */
struct vec_cost {
	double read, write, vec_ops;
	double body; /* the roofline: memory or vector work, the slower */
	double time_ps;
};

static void vec_cost(const struct arch_config *cfg, const struct trace_op *op, struct vec_cost *c)
{
	struct formats_operand f;
	formats_dense(op->vec.dtype, &f);
	double elems = (double)op->vec.rows * op->vec.cols;
	/* quant writes the op's dtype from 16-bit values; dequant reads it into 16-bit values
	 * (with the block scales of mx and nvfp4 types either way). */
	struct formats_operand half, in = f, wr = f;
	formats_dense(TRACE_DT_FP16, &half);
	if (op->vec.kind == TRACE_VEC_QUANT)
		in = half;
	else if (op->vec.kind == TRACE_VEC_DEQUANT)
		wr = half;
	/* Whole bytes and operations, as they are counted. */
	c->read =
	    floor(elems * op->vec.inputs * vec_read_passes(op->vec.kind) * formats_bits(&in) / 8);
	c->write = floor(elems * formats_bits(&wr) / 8);
	c->vec_ops = floor(elems * vec_ops_per_elem(op->vec.kind));
	double vec_ps =
	    c->vec_ops / (cfg->vec.fp32_ops_per_cycle * cfg->core.count) * arch_cycle_ps(cfg);
	double mem_ps = hbm_stream_ps(&cfg->hbm, c->read, c->write);
	c->body = max3(mem_ps, 0, vec_ps);
	c->time_ps = ceil(c->body + cfg->core.host_overhead + cfg->core.launch + cfg->hbm.latency);
}

static int vec_check(const struct arch_config *cfg, const struct trace_op *op, char *err,
                     size_t errlen)
{
	struct vec_cost c;
	vec_cost(cfg, op, &c);
	double most = max3(c.read, c.write, c.vec_ops);
	if (most > OPS_BYTES_MAX) {
		snprintf(err, errlen,
		         "rows=%llu cols=%llu: %.3g bytes or operations, more than the 2^63 the "
		         "counters hold",
		         (unsigned long long)op->vec.rows, (unsigned long long)op->vec.cols, most);
		return -1;
	}
	return ops_check_time(c.time_ps, err, errlen);
}

static void vec_plan(const struct arch_config *cfg, struct fabric *fabric,
                     const struct trace_op *op, void *plan, struct ops_launch *out)
{
	(void)plan;
	struct vec_cost c;
	vec_cost(cfg, op, &c);
	uint64_t read = (uint64_t)c.read, write = (uint64_t)c.write;
	uint64_t vec_ops = (uint64_t)c.vec_ops;
	double mem_ps = hbm_stream_ps(&cfg->hbm, (double)read, (double)write);
	const char *bound = c.body == mem_ps ? "memory" : c.body == 0 ? "compute" : "vector";
	if (cfg->core.launch + cfg->core.host_overhead > c.body)
		bound = "launch";
	fabric_book_stream(fabric, read, write, vec_ops);
	*out = (struct ops_launch){ .model = ARCH_MODEL_ANALYTIC, .bound = bound, .how = "" };
	out->time_ps = (uint64_t)c.time_ps;
}

const struct op_kind ops_vec = { "vec", 0, vec_check, vec_plan, NULL };
