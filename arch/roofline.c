/* roofline — the plain roofline of an op on this machine, the baseline validation compares the
 * simulator with (validation prints both errors side by side).
 *
 * Models: an op's work at the machine's peak math rate for its datapath precision (doubled by
 * a native sparse mode, as the hardware's datasheet would have it), and its bytes (values,
 * sparsity metadata and scales, as stored; every operand read once, the output written once)
 * at the memory's peak bandwidth; nothing else. The baseline applies one compute efficiency,
 * one bandwidth efficiency and one fixed cost per kernel, fitted per machine by the caller.
 * Not: tiles, waves, caches, queues, decode stages, clocks — everything the simulator adds.
 */
#include <math.h>
#include <stdio.h>

#include "arch/arch.h"
#include "arch/formats/formats.h"
#include "arch/lower/lower.h"

static double peak_ps_per_mac(const struct arch_config *cfg, enum tensor_prec p, double speedup)
{
	double rate =
	    cfg->tensor.macs_per_cycle[p] * speedup * (double)cfg->core.count * cfg->core.freq;
	return rate > 0 ? 1e12 / rate : 0;
}

static void gemm_roofline(const struct arch_config *cfg, const struct trace_op *op,
                          struct arch_roofline *out)
{
	const struct trace_tensor *w = op->gemm.w;
	enum trace_dtype wdt = w ? w->dtype : op->gemm.b;
	enum tensor_prec prec = tensor_math_prec(&cfg->tensor, op->gemm.a, wdt);
	struct formats_operand a, b, c;
	formats_dense(op->gemm.a, &a);
	formats_dense(op->gemm.out, &c);
	if (w)
		formats_weight(&cfg->tensor, prec, w, lower_menu_get(cfg->mapper.menu)->layout, &b);
	else
		formats_dense(wdt, &b);
	double m = (double)op->gemm.m, n = (double)op->gemm.n, k = (double)op->gemm.k;
	double count = (double)op->gemm.count;
	/* The MACs the tensor cores must issue: the kept share of K (V:N:M), at the sparse mode's
	 * rate when the hardware runs it natively. */
	double macs = m * n * k * count * b.k_fraction;
	out->compute_ps = macs * peak_ps_per_mac(cfg, prec, b.native_sparse ? b.math_speedup : 1);
	double bcount = w ? 1 : count;
	double bytes = (m * k * formats_bits(&a) * count + n * k * formats_bits(&b) * bcount +
	                m * n * formats_bits(&c) * count) /
	               8;
	out->memory_ps = bytes * 1e12 / cfg->hbm.bandwidth;
}

static void attn_roofline(const struct arch_config *cfg, const struct trace_op *op,
                          struct arch_roofline *out)
{
	enum tensor_prec prec = tensor_math_prec(&cfg->tensor, op->attn.q, op->attn.q);
	struct formats_operand q, kv;
	formats_dense(op->attn.q, &q);
	struct trace_quant none = { TRACE_Q_NONE, 0, TRACE_DT_FP16, false };
	const struct trace_tensor *t = op->attn.kv;
	formats_quantized(t ? t->dtype : TRACE_DT_FP16, t ? &t->q : &none, op->attn.d, &kv);
	double b = (double)op->attn.b, hq = (double)op->attn.hq, hkv = (double)op->attn.hkv;
	double d = (double)op->attn.d, sq = (double)op->attn.sq, skv = (double)op->attn.skv;
	/* Q.K^T and P.V over the keys each query sees (half the square when causal). */
	double pairs = sq * skv;
	if (op->attn.causal && sq > 1)
		pairs = sq * (skv - sq) + sq * (sq + 1) / 2;
	out->compute_ps = 2 * b * hq * pairs * d * peak_ps_per_mac(cfg, prec, 1);
	double bytes =
	    (2 * b * hq * sq * d * formats_bits(&q) + 2 * b * hkv * skv * d * formats_bits(&kv)) /
	    8;
	out->memory_ps = bytes * 1e12 / cfg->hbm.bandwidth;
}

static void vec_roofline(const struct arch_config *cfg, const struct trace_op *op,
                         struct arch_roofline *out)
{
	struct formats_operand f;
	formats_dense(op->vec.dtype, &f);
	double elems = (double)op->vec.rows * (double)op->vec.cols;
	double bytes = elems * ((double)op->vec.inputs + 1) * formats_bits(&f) / 8;
	out->compute_ps = 0;
	out->memory_ps = bytes * 1e12 / cfg->hbm.bandwidth;
}

void arch_roofline(const struct arch_config *cfg, const struct trace_op *op,
                   struct arch_roofline *out)
{
	out->compute_ps = out->memory_ps = 0;
	out->host_ps = cfg->core.host_overhead;
	switch (op->type) {
	case TRACE_OP_GEMM: gemm_roofline(cfg, op, out); return;
	case TRACE_OP_ATTN: attn_roofline(cfg, op, out); return;
	case TRACE_OP_VEC: vec_roofline(cfg, op, out); return;
	case TRACE_OP_COLL:
		/* Bytes over the link at its peak; no link: nothing. */
		if (cfg->link.bandwidth > 0)
			out->memory_ps = (double)op->coll.bytes * 1e12 / cfg->link.bandwidth;
		return;
	case TRACE_OP_COUNT: return;
	}
}

size_t arch_op_peaks(const struct arch_config *cfg, const struct trace_op *op,
                     struct arch_peak out[2])
{
	enum tensor_prec prec;
	if (op->type == TRACE_OP_GEMM)
		prec = tensor_math_prec(&cfg->tensor, op->gemm.a,
		                        op->gemm.w ? op->gemm.w->dtype : op->gemm.b);
	else if (op->type == TRACE_OP_ATTN)
		prec = tensor_math_prec(&cfg->tensor, op->attn.q, op->attn.q);
	else
		return 0;
	double ps = peak_ps_per_mac(cfg, prec, 1);
	if (ps <= 0)
		return 0;
	double dense = 2 * 1e12 / ps; /* 2 FLOPs a MAC */
	size_t n = 0;
	snprintf(out[n].name, sizeof out[n].name, "%s dense peak", tensor_prec_name(prec));
	out[n++].flops = dense;
	const struct tensor_sparse_mode *m = tensor_native_mode(&cfg->tensor, prec, 2, 4);
	if (m) {
		snprintf(out[n].name, sizeof out[n].name, "%s 2:4 sparse peak",
		         tensor_prec_name(prec));
		out[n++].flops = dense * (double)m->m / (double)m->n;
	}
	return n;
}
