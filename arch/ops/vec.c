/* vec — the op kind of element-wise, normalization, softmax, quantization and copy ops: a
 * roofline per kind, with the memory-level parallelism of the row kernels.
 *
 * Models: the bytes a kind's kernel reads (inputs x passes, in their storage format with block
 * scales) and writes, against the vector work it does (operations per element per kind) on all
 * cores, the slower of the two, plus the fixed per-kernel cost and the memory's latency. A
 * kind whose kernel reduces each row before it writes (layer and RMS norms) keeps only so many
 * bytes of loads in flight per core (vec_row_bytes_in_flight); by Little's law its reads then
 * stream at no more than cores x those bytes / the memory's latency, the latency itself rising
 * with the share of time memory is busy (hbm.loaded_latency): a machine whose memory needs
 * more bytes of reads in flight than the kernel keeps streams it below its rate.
 * Not: tiles, L2 hits (small tensors that sit in L2 still stream from memory), fewer blocks
 * than the cores hold (the fluid model gives every core its bytes in flight however few the
 * rows; a 128-thread norm block keeps ~1 KiB, so below ~7 x cores rows, every decode norm, a
 * real kernel has fewer in flight and waits longer than modelled), softmax's own limit (its
 * PyTorch kernel changed between the versions the rows were measured with: below).
 * Numbers: operations per element are rough counts per kind (below); rates from the
 * architecture file; bytes in flight from the measured rows (below).
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

/* Bytes of loads a kind's kernel keeps in flight per core while it streams; 0: enough to
 * stream at the memory's rate on every machine (element-wise kernels unroll independent
 * vector loads).
 *
 * PyTorch's layer_norm and (fused since 2.8 or 2.9, PR #153666) rms_norm forward are one
 * kernel, vectorized_layer_norm_kernel (aten/src/ATen/native/cuda/layer_norm_kernel.cu): a
 * block of 128 threads per row, one 8-byte load (4 halves) per thread per loop iteration,
 * the row's statistics a serial Welford (or sum-of-squares) chain, a block reduction, then the
 * output loop. A 2048-thread SM holds at most 16 such blocks, 16 KiB of loads if every
 * thread kept one in flight all the time; the reductions, the output loop and the register
 * use keep it from that, by how much the source does not say. [CAL] 7 KiB: the H100 layer_norm rows of
 * validation/data/h100-measured.csv at 131072 x 4096 (2.0 TB/s read + write against 3.05 for
 * an add); docs/calibration.md. The one independent check is the A100's layer_norm
 * (LLMCompass), which needs ~7.3 KiB of reads in flight to stream at its rate and is
 * predicted 4 % slow (the H100's rms_norm rows run the same kernel at the same rate).
 * Softmax is left out: the H100's PyTorch 2.11 runs cunn_SoftMaxForwardReg (one read of the
 * row, 1024-thread blocks), the A100's LLMCompass rows an earlier three-pass kernel. */
static double vec_row_bytes_in_flight(enum trace_vec_kind k)
{
	return k == TRACE_VEC_LAYERNORM || k == TRACE_VEC_RMSNORM ? 7 * 1024 : 0;
}

/* Time (ps) to read `read` bytes with cores x `in_flight` bytes of loads in flight: per =
 * read / (cores x in_flight) latencies in a row, T = per x L. The latency L rises from
 * hbm.latency L0 by k = loaded_latency - latency times the memory's busy share u over the
 * op's memory phase, its first latency and the reads after it: u = stream_ps / (T + L), where
 * stream_ps is the op's bytes at the memory's rate. So L = L0 + k x stream_ps / ((per + 1) L),
 * whose positive root is taken, at most the loaded latency (u <= 1: then the stream binds).
 * A big op settles high on the line, a small one near L0. *latency: L. */
static double vec_in_flight_ps(const struct arch_config *cfg, double read, double in_flight,
                               double stream_ps, double *latency)
{
	const struct hbm_config *h = &cfg->hbm;
	double per = read / ((double)cfg->core.count * in_flight);
	double l0 = h->latency, k = h->loaded_latency > l0 ? h->loaded_latency - l0 : 0;
	double l = (l0 + sqrt(l0 * l0 + 4 * k * stream_ps / (per + 1))) / 2;
	*latency = fmin(l, l0 + k);
	return per * *latency;
}

/* What a vec op costs: bytes read and written, vector operations, and its time from launch
 * to end. In doubles, as the checks need them before anything is converted. */
struct vec_cost {
	double read, write, vec_ops;
	double mem_ps;     /* memory: the stream, or the row kernel's loads in flight */
	double body;       /* the roofline: memory or vector work, the slower */
	double latency_ps; /* the memory latency the row kernel settled at; 0: not one */
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
	double in_flight = vec_row_bytes_in_flight(op->vec.kind);
	c->latency_ps = 0;
	if (in_flight > 0 && c->read > 0)
		mem_ps =
		    fmax(mem_ps, vec_in_flight_ps(cfg, c->read, in_flight, mem_ps, &c->latency_ps));
	c->mem_ps = mem_ps;
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
	const char *bound = c.body == c.mem_ps ? "memory" : c.body == 0 ? "compute" : "vector";
	if (cfg->core.launch + cfg->core.host_overhead > c.body)
		bound = "launch";
	fabric_book_stream(fabric, read, write, vec_ops);
	*out = (struct ops_launch){ .model = ARCH_MODEL_ANALYTIC, .bound = bound, .how = "" };
	out->time_ps = (uint64_t)c.time_ps;
	out->hbm_latency_ps = (uint64_t)llround(c.latency_ps);
}

const struct op_kind ops_vec = { "vec", 0, vec_check, vec_plan, NULL };
