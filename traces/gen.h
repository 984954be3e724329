/* gen — writes the simtrace of a model's inference: one prefill step and one decode step per
 * generated token, every layer's ops in order, with the weight, KV-cache and sparsity formats
 * asked for; with no prompt (prompt 0), decode steps only, on a KV cache of `context` tokens.
 * Used by tracegen.
 *
 * Models: the op sequence of a Hugging-Face-style decoder (or encoder) forward pass — norms,
 * QKV/O/FFN GEMMs, rotary embedding, fused attention with a growing KV cache, residual adds,
 * MoE routing (uniform, or a given expert distribution), tensor parallelism (heads and FFN
 * split across ranks, an all-reduce after the O and down projections) and the lm_head on the
 * last token of each sequence; shared layer weights (every layer's ops read layer 0's) and a
 * factorized embedding (narrow tables, then a projection GEMM to the hidden size).
 * Not: sampling, beam search, continuous batching, pipeline parallelism, prefix caching (beyond
 * a KV cache that is there before the first step: `context`).
 * Numbers: the model file (traces/models/NAME.cfg).
 */
#ifndef NMSIM_GEN_H
#define NMSIM_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "traces/model.h"
#include "traces/trace.h"

#define GEN_MAX_RULES   16
#define GEN_MAX_EXPERTS 256

/* "glob=value": the first rule whose glob matches a layer-local weight name applies. Names:
 * attn.qkv attn.o mlp.gate_up mlp.up mlp.down mlp.router lm_head pooler embed_proj. */
struct gen_rule {
	char glob[64];
	char value[64];
};

struct gen_options {
	const struct model_config *model;
	uint64_t batch, prompt, decode, tp;
	uint64_t context; /* KV-cache tokens per sequence before the first step (a cached prefix);
	                     with prompt 0 the trace is decode steps only */
	enum trace_dtype weight_dtype, act_dtype;
	struct trace_quant weight_q;
	struct gen_rule sparsity[GEN_MAX_RULES]; /* sp= per weight; no rule = dense */
	int nsparsity;
	struct gen_rule act_sparsity[GEN_MAX_RULES]; /* asp= (activation density) per GEMM */
	int nact_sparsity;
	enum trace_dtype kv_dtype;
	struct trace_quant kv_q;
	bool has_pattern;
	struct trace_pattern pattern;     /* pat= on every attention op */
	double moe_dist[GEN_MAX_EXPERTS]; /* share of routed tokens per expert; none = uniform */
	int nmoe_dist;
	bool weight_only; /* int8/fp8 weights keep activations in act_dtype (W8A16) */
	unsigned op_mask; /* 1 << trace_op_type of the ops written; 0 = every op (a unit that runs
	                     part of the model, e.g. an attention accelerator, takes only its ops) */
	const char *meta; /* "key=value ..." recording how the trace was made */
};

/* Parses "spec" or "glob=spec,glob=spec" into rules (a bare spec = rule "attn.*" and "mlp.*"
 * except the router); `check` validates each value. 0, or -1 with err set. */
int gen_parse_rules(const char *text, struct gen_rule *rules, int *n, bool bare_allowed,
                    int (*check)(const char *value, char *err, size_t errlen), char *err,
                    size_t errlen);
/* The value of the first rule matching name, or NULL. */
const char *gen_rule_lookup(const struct gen_rule *rules, int n, const char *name);

/* The layer-local names of M's weights (what --sparsity globs match) or, with GEMMS, of its
 * GEMMs (what --act-sparsity globs match), space-separated, into BUF. */
void gen_weight_names(const struct model_config *m, bool gemms, char *buf, size_t len);

/* Writes the whole trace. *declared_params receives the elements of every weight declared.
 * 0, or -1 with err set (a writer error or an option the model cannot take). */
int gen_write(struct trace_writer *w, const struct gen_options *o, uint64_t *declared_params,
              char *err, size_t errlen);

#endif
