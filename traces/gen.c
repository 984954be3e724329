#include "traces/gen.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- option rules ---------------------------------------------------------------------- */

int gen_parse_rules(const char *text, struct gen_rule *rules, int *n, bool bare_allowed,
                    int (*check)(const char *value, char *err, size_t errlen), char *err,
                    size_t errlen)
{
	*n = 0;
	const char *p = text;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char item[160];
		if (len == 0 || len >= sizeof item) {
			snprintf(err, errlen, "'%s': empty or over-long item", text);
			return -1;
		}
		memcpy(item, p, len);
		item[len] = 0;
		char *eq = strchr(item, '=');
		const char *glob = "*", *value = item;
		if (eq) {
			*eq = 0;
			glob = item;
			value = eq + 1;
			if (!*glob) {
				snprintf(err, errlen,
				         "'=%s': empty name before '=' (expected glob=value, e.g. "
				         "mlp.down=0.4)",
				         value);
				return -1;
			}
		} else if (!bare_allowed || *n > 0 || end) {
			snprintf(err, errlen, "'%s': expected glob=value (e.g. mlp.down=0.4)",
			         item);
			return -1;
		}
		if (*n == GEN_MAX_RULES) {
			snprintf(err, errlen, "more than %d rules", GEN_MAX_RULES);
			return -1;
		}
		if (strlen(glob) >= sizeof rules[0].glob ||
		    strlen(value) >= sizeof rules[0].value) {
			snprintf(err, errlen, "'%s': too long", item);
			return -1;
		}
		char why[200];
		if (check && check(value, why, sizeof why)) {
			snprintf(err, errlen, "'%s': %s", value, why);
			return -1;
		}
		if (!eq) {
			/* A bare spec applies to the attention and FFN projections, not the router
			 * or the lm_head. */
			snprintf(rules[*n].glob, sizeof rules[0].glob, "attn.*");
			snprintf(rules[(*n)++].value, sizeof rules[0].value, "%.63s", value);
			snprintf(rules[*n].glob, sizeof rules[0].glob, "mlp.[gud]*");
			snprintf(rules[(*n)++].value, sizeof rules[0].value, "%.63s", value);
		} else {
			snprintf(rules[*n].glob, sizeof rules[0].glob, "%.63s", glob);
			snprintf(rules[(*n)++].value, sizeof rules[0].value, "%.63s", value);
		}
		p = end ? end + 1 : p + len;
	}
	return 0;
}

const char *gen_rule_lookup(const struct gen_rule *rules, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!fnmatch(rules[i].glob, name, 0))
			return rules[i].value;
	return NULL;
}

void gen_weight_names(const struct model_config *m, bool gemms, char *buf, size_t len)
{
	/* A tied lm_head reads the embedding table, which takes no sparsity: a GEMM, no weight. */
	snprintf(buf, len, "attn.qkv attn.o%s%s%s%s%s", m->experts > 1 ? " mlp.router" : "",
	         m->experts > 1 || m->gated ? " mlp.gate_up" : " mlp.up", " mlp.down",
	         m->encoder ? " pooler" : gemms || !m->tied_embeddings ? " lm_head" : "",
	         m->embedding_size && m->embedding_size < m->hidden ? " embed_proj" : "");
}

/* Every rule's glob must match a weight of M: a glob that matches none (a typo, another
 * model's names) would leave the trace dense without a word. */
static int gen_check_globs(const struct gen_rule *rules, int n, const struct model_config *m,
                           bool gemms, const char *opt, char *err, size_t errlen)
{
	char names[256], copy[256];
	gen_weight_names(m, gemms, names, sizeof names);
	for (int i = 0; i < n; i++) {
		bool hit = false;
		snprintf(copy, sizeof copy, "%s", names);
		char *save = NULL;
		for (char *t = strtok_r(copy, " ", &save); t && !hit; t = strtok_r(NULL, " ", &save))
			hit = !fnmatch(rules[i].glob, t, 0);
		if (!hit) {
			snprintf(err, errlen, "%s: '%s' matches no %s of %s (its %s: %s)", opt,
			         rules[i].glob, gemms ? "GEMM" : "weight", m->name,
			         gemms ? "GEMMs" : "weights", names);
			return -1;
		}
	}
	return 0;
}

/* ---- writing --------------------------------------------------------------------------- */

struct gen {
	struct trace_writer *w;
	const struct gen_options *o;
	const struct model_config *m;
	uint64_t declared;
	char *err;
	size_t errlen;
	int failed;
	struct trace_op op;          /* scratch, reused for every op */
	char name[128];              /* its name */
	struct trace_tensor ref, kv; /* what ops point at: the writer checks its own declarations */
	/* Per-rank sizes under tensor parallelism. */
	uint64_t heads, kv_heads, ffn, qkv_n, vocab;
};

static void fail_writer(struct gen *g)
{
	if (!g->failed)
		snprintf(g->err, g->errlen, "%s", trace_writer_error(g->w));
	g->failed = 1;
}

static void declare(struct gen *g, const char *id, uint64_t rows, uint64_t cols, bool linear,
                    const char *local)
{
	if (g->failed)
		return;
	struct trace_tensor t;
	memset(&t, 0, sizeof t);
	t.id = id;
	t.role = TRACE_ROLE_WEIGHT;
	t.rows = rows;
	t.cols = cols;
	t.dtype = g->o->act_dtype;
	t.sp.kind = TRACE_SP_DENSE;
	t.sp.density = 1;
	t.q.kind = TRACE_Q_NONE;
	if (linear) {
		/* Projections take the weight format; norms, biases, embeddings and the lm_head
		 * stay in the activation type (as GPTQ/AWQ checkpoints keep them). */
		if (strcmp(local, "lm_head") && strcmp(local, "mlp.router")) {
			t.dtype = g->o->weight_dtype;
			t.q = g->o->weight_q;
		}
		const char *sp = gen_rule_lookup(g->o->sparsity, g->o->nsparsity, local);
		char why[200];
		if (sp && trace_sparsity_parse(sp, &t.sp, why, sizeof why)) {
			snprintf(g->err, g->errlen, "sparsity '%s' for %s: %s", sp, local, why);
			g->failed = 1;
			return;
		}
	}
	g->declared += rows * cols;
	if (trace_write_tensor(g->w, &t))
		fail_writer(g);
}

static void begin_op(struct gen *g, enum trace_op_type type, int64_t layer, const char *name)
{
	memset(&g->op, 0, sizeof g->op);
	g->op.type = type;
	g->op.layer = layer;
	snprintf(g->name, sizeof g->name, "%s", name ? name : "");
	g->op.name = g->name;
}

static void emit(struct gen *g)
{
	if (g->o->op_mask && !(g->o->op_mask & (1u << g->op.type)))
		return;
	if (!g->failed && trace_write_op(g->w, &g->op))
		fail_writer(g);
}

static void vec(struct gen *g, enum trace_vec_kind kind, uint64_t rows, uint64_t cols,
                int64_t layer)
{
	begin_op(g, TRACE_OP_VEC, layer, NULL);
	g->op.vec.kind = kind;
	g->op.vec.rows = rows;
	g->op.vec.cols = cols;
	g->op.vec.inputs = trace_vec_kind_default_inputs(kind);
	g->op.vec.dtype = g->o->act_dtype;
	emit(g);
}

/* A GEMM on weight `id` (shape n x k); local is its layer-local name for the option rules. */
static void gemm(struct gen *g, uint64_t m, uint64_t n, uint64_t k, const char *id,
                 const char *local, int64_t layer)
{
	if (m == 0 || g->failed)
		return;
	begin_op(g, TRACE_OP_GEMM, layer, local);
	g->op.gemm.m = m;
	g->op.gemm.n = n;
	g->op.gemm.k = k;
	g->op.gemm.count = 1;
	memset(&g->ref, 0, sizeof g->ref);
	g->ref.id = id;
	g->ref.role = TRACE_ROLE_WEIGHT;
	g->ref.rows = n;
	g->ref.cols = k;
	g->op.gemm.w = &g->ref;
	bool lowbit_w = strcmp(local, "lm_head") && strcmp(local, "mlp.router");
	enum trace_dtype wd = lowbit_w ? g->o->weight_dtype : g->o->act_dtype;
	/* W8A8 and FP8 checkpoints quantize activations too; weight-only formats do not. */
	bool quant_act = !g->o->weight_only &&
	                 (wd == TRACE_DT_INT8 || wd == TRACE_DT_FP8E4M3 || wd == TRACE_DT_FP8E5M2);
	g->op.gemm.a = quant_act ? wd : g->o->act_dtype;
	g->op.gemm.out = g->o->act_dtype;
	g->op.gemm.b = TRACE_DT_FP16;
	const char *asp = gen_rule_lookup(g->o->act_sparsity, g->o->nact_sparsity, local);
	g->op.gemm.asp = asp ? atof(asp) : 1.0;
	emit(g);
}

static void allreduce(struct gen *g, uint64_t tokens, int64_t layer)
{
	if (g->o->tp <= 1)
		return;
	begin_op(g, TRACE_OP_COLL, layer, NULL);
	g->op.coll.kind = TRACE_COLL_ALLREDUCE;
	g->op.coll.bytes = tokens * (uint64_t)g->m->hidden * trace_dtype_bits(g->o->act_dtype) / 8;
	g->op.coll.ranks = g->o->tp;
	emit(g);
}

static enum trace_vec_kind norm_kind(const struct model_config *m)
{
	return m->norm == MODEL_NORM_RMSNORM ? TRACE_VEC_RMSNORM : TRACE_VEC_LAYERNORM;
}

/* Tokens routed to each expert of layer l: uniform (remainder rotating with the layer) or
 * following the given distribution (largest remainder), summing to tokens x top_k. */
static void route(const struct gen *g, uint64_t tokens, int64_t l, uint64_t *per)
{
	const struct model_config *m = g->m;
	uint64_t slots = tokens * (uint64_t)m->top_k, E = (uint64_t)m->experts;
	if (g->o->nmoe_dist) {
		double rem[GEN_MAX_EXPERTS];
		uint64_t used = 0;
		for (uint64_t e = 0; e < E; e++) {
			double want = (double)slots * g->o->moe_dist[e];
			per[e] = (uint64_t)want;
			rem[e] = want - (double)per[e];
			used += per[e];
		}
		while (used < slots) {
			uint64_t best = 0;
			for (uint64_t e = 1; e < E; e++)
				if (rem[e] > rem[best])
					best = e;
			per[best]++;
			rem[best] = -1;
			used++;
		}
		return;
	}
	for (uint64_t e = 0; e < E; e++)
		per[e] = slots / E;
	for (uint64_t r = 0; r < slots % E; r++)
		per[(r + (uint64_t)l) % E]++;
	/* A token goes to top_k distinct experts: no expert gets more than all the tokens. */
	for (uint64_t e = 0; e < E; e++)
		if (per[e] > tokens)
			per[e] = tokens;
}

static void layer_ops(struct gen *g, int64_t l, uint64_t tokens, uint64_t seqs, uint64_t sq,
                      uint64_t skv)
{
	const struct model_config *m = g->m;
	char id[96];
	uint64_t h = (uint64_t)m->hidden, hd = (uint64_t)m->head_dim;
	/* Shared layers (ALBERT) run every layer's ops on layer 0's weights. */
	long long wl = m->shared_layers ? 0 : (long long)l;
	vec(g, norm_kind(m), tokens, h, l);
	snprintf(id, sizeof id, "L%lld.attn.qkv", wl);
	gemm(g, tokens, g->qkv_n, h, id, "attn.qkv", l);
	if (m->pos == MODEL_POS_ROPE)
		vec(g, TRACE_VEC_ROPE, tokens, (g->heads + g->kv_heads) * hd, l);
	begin_op(g, TRACE_OP_ATTN, l, NULL);
	g->op.attn.b = seqs;
	g->op.attn.hq = g->heads;
	g->op.attn.hkv = g->kv_heads;
	g->op.attn.d = hd;
	g->op.attn.sq = sq;
	g->op.attn.skv = skv;
	g->op.attn.causal = !m->encoder;
	memset(&g->kv, 0, sizeof g->kv);
	g->kv.id = "kv";
	g->kv.role = TRACE_ROLE_KV;
	g->op.attn.kv = &g->kv;
	g->op.attn.q = g->o->act_dtype;
	if (g->o->has_pattern)
		g->op.attn.pat = g->o->pattern;
	else if (m->window) {
		g->op.attn.pat.kind = TRACE_PAT_WINDOW;
		g->op.attn.pat.size = (uint64_t)m->window;
	} else {
		g->op.attn.pat.kind = TRACE_PAT_DENSE;
		g->op.attn.pat.density = 1;
	}
	emit(g);
	snprintf(id, sizeof id, "L%lld.attn.o", wl);
	gemm(g, tokens, h, g->heads * hd, id, "attn.o", l);
	allreduce(g, tokens, l);
	vec(g, TRACE_VEC_ADD, tokens, h, l);
	vec(g, norm_kind(m), tokens, h, l);
	if (m->experts > 1) {
		snprintf(id, sizeof id, "L%lld.mlp.router", wl);
		gemm(g, tokens, (uint64_t)m->experts, h, id, "mlp.router", l);
		vec(g, TRACE_VEC_TOPK, tokens, (uint64_t)m->experts, l);
		uint64_t per[GEN_MAX_EXPERTS];
		route(g, tokens, l, per);
		for (int64_t e = 0; e < m->experts; e++) {
			if (!per[e])
				continue; /* an expert no token chose is never read */
			snprintf(id, sizeof id, "L%lld.mlp.e%lld.gate_up", wl, (long long)e);
			gemm(g, per[e], 2 * g->ffn, h, id, "mlp.gate_up", l);
			vec(g, TRACE_VEC_SWIGLU, per[e], g->ffn, l);
			snprintf(id, sizeof id, "L%lld.mlp.e%lld.down", wl, (long long)e);
			gemm(g, per[e], h, g->ffn, id, "mlp.down", l);
		}
		vec(g, TRACE_VEC_MUL, tokens, h, l); /* weighted combine of the top-k outputs */
	} else if (m->gated) {
		snprintf(id, sizeof id, "L%lld.mlp.gate_up", wl);
		gemm(g, tokens, 2 * g->ffn, h, id, "mlp.gate_up", l);
		vec(g, TRACE_VEC_SWIGLU, tokens, g->ffn, l);
		snprintf(id, sizeof id, "L%lld.mlp.down", wl);
		gemm(g, tokens, h, g->ffn, id, "mlp.down", l);
	} else {
		snprintf(id, sizeof id, "L%lld.mlp.up", wl);
		gemm(g, tokens, g->ffn, h, id, "mlp.up", l);
		vec(g, m->act == MODEL_ACT_RELU ? TRACE_VEC_RELU : TRACE_VEC_GELU, tokens, g->ffn,
		    l);
		snprintf(id, sizeof id, "L%lld.mlp.down", wl);
		gemm(g, tokens, h, g->ffn, id, "mlp.down", l);
	}
	allreduce(g, tokens, l);
	vec(g, TRACE_VEC_ADD, tokens, h, l);
}

static void declare_model(struct gen *g)
{
	const struct model_config *m = g->m;
	uint64_t h = (uint64_t)m->hidden, hd = (uint64_t)m->head_dim;
	uint64_t e = (uint64_t)m->embedding_size;
	char id[96];
	declare(g, "embed", (uint64_t)m->vocab, e, false, "embed");
	if (m->pos == MODEL_POS_LEARNED && m->max_positions)
		declare(g, "pos_embed", (uint64_t)m->max_positions, e, false, "pos_embed");
	if (m->type_vocab)
		declare(g, "type_embed", (uint64_t)m->type_vocab, e, false, "type_embed");
	uint64_t norm_params = m->norm == MODEL_NORM_LAYERNORM ? 2 : 1; /* weight (+ bias) */
	if (m->encoder)
		declare(g, "embed_norm", norm_params, e, false, "norm");
	if (e < h) {
		/* ALBERT's factorized embedding: the narrow tables' output projected to hidden. */
		declare(g, "embed_proj", h, e, true, "embed_proj");
		declare(g, "embed_proj.bias", 1, h, false, "bias");
	}
	/* Shared layers (ALBERT): one set of layer weights, declared once as layer 0's. */
	int64_t weight_layers = m->shared_layers ? 1 : m->layers;
	for (int64_t l = 0; l < weight_layers && !g->failed; l++) {
#define DECL(suffix, rows, cols, linear, local)                            \
	do {                                                               \
		snprintf(id, sizeof id, "L%lld.%s", (long long)l, suffix); \
		declare(g, id, rows, cols, linear, local);                 \
	} while (0)
		DECL("attn_norm", norm_params, h, false, "norm");
		DECL("attn.qkv", g->qkv_n, h, true, "attn.qkv");
		if (m->qkv_bias)
			DECL("attn.qkv.bias", 1, g->qkv_n, false, "bias");
		DECL("attn.o", h, g->heads * hd, true, "attn.o");
		if (m->o_bias)
			DECL("attn.o.bias", 1, h, false, "bias");
		DECL("mlp_norm", norm_params, h, false, "norm");
		if (m->experts > 1) {
			DECL("mlp.router", (uint64_t)m->experts, h, true, "mlp.router");
			for (int64_t e = 0; e < m->experts; e++) {
				char sub[64];
				snprintf(sub, sizeof sub, "mlp.e%lld.gate_up", (long long)e);
				DECL(sub, 2 * g->ffn, h, true, "mlp.gate_up");
				snprintf(sub, sizeof sub, "mlp.e%lld.down", (long long)e);
				DECL(sub, h, g->ffn, true, "mlp.down");
			}
		} else if (m->gated) {
			DECL("mlp.gate_up", 2 * g->ffn, h, true, "mlp.gate_up");
			DECL("mlp.down", h, g->ffn, true, "mlp.down");
		} else {
			DECL("mlp.up", g->ffn, h, true, "mlp.up");
			if (m->mlp_bias)
				DECL("mlp.up.bias", 1, g->ffn, false, "bias");
			DECL("mlp.down", h, g->ffn, true, "mlp.down");
			if (m->mlp_bias)
				DECL("mlp.down.bias", 1, h, false, "bias");
		}
#undef DECL
	}
	declare(g, "final_norm", norm_params, h, false, "norm");
	if (m->encoder) {
		declare(g, "pooler", h, h, true, "pooler");
		declare(g, "pooler.bias", 1, h, false, "bias");
	} else if (!m->tied_embeddings) {
		declare(g, "lm_head", g->vocab, h, true, "lm_head");
	}
}

int gen_write(struct trace_writer *w, const struct gen_options *o, uint64_t *declared_params,
              char *err, size_t errlen)
{
	struct gen *g = calloc(1, sizeof *g);
	if (!g) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	g->w = w;
	g->o = o;
	g->m = o->model;
	g->err = err;
	g->errlen = errlen;
	const struct model_config *m = o->model;
	uint64_t tp = o->tp ? o->tp : 1;
	if ((uint64_t)m->heads % tp || (uint64_t)m->ffn % tp) {
		snprintf(err, errlen, "--tp %llu does not divide the %lld heads and FFN size %lld",
		         (unsigned long long)tp, (long long)m->heads, (long long)m->ffn);
		goto fail;
	}
	if (!o->prompt && !o->decode) {
		snprintf(err, errlen, "--prompt 0 writes decode steps only: give --decode N (N >= 1)");
		goto fail;
	}
	if (m->encoder && (o->decode || !o->prompt || o->context)) {
		snprintf(err, errlen,
		         "%s is an encoder: it has no decode steps and no KV cache (use --decode 0, "
		         "a prompt and no --context)",
		         m->name);
		goto fail;
	}
	if (gen_check_globs(o->sparsity, o->nsparsity, m, false, "--sparsity", err, errlen) ||
	    gen_check_globs(o->act_sparsity, o->nact_sparsity, m, true, "--act-sparsity", err,
	                    errlen))
		goto fail;
	if (o->nmoe_dist && o->nmoe_dist != m->experts) {
		snprintf(err, errlen, "--moe-dist gives %d shares for %lld experts", o->nmoe_dist,
		         (long long)m->experts);
		goto fail;
	}
	if (m->experts > GEN_MAX_EXPERTS) {
		snprintf(err, errlen, "more than %d experts", GEN_MAX_EXPERTS);
		goto fail;
	}
	/* Per-rank sizes: heads and FFN split; KV heads split while there are enough of them
	 * (replicated otherwise, as Megatron does); the lm_head split by vocabulary. */
	g->heads = (uint64_t)m->heads / tp;
	g->kv_heads = (uint64_t)m->kv_heads >= tp ? (uint64_t)m->kv_heads / tp : 1;
	g->ffn = (uint64_t)m->ffn / tp;
	g->qkv_n = (g->heads + 2 * g->kv_heads) * (uint64_t)m->head_dim;
	g->vocab = ((uint64_t)m->vocab + tp - 1) / tp;

	if (o->meta && trace_write_meta(w, o->meta))
		fail_writer(g);
	declare_model(g);
	/* The unsplit model's parameter count, for the check against the published figure. */
	*declared_params = g->declared;
	if (!g->failed) {
		struct trace_tensor kv;
		memset(&kv, 0, sizeof kv);
		kv.id = "kv";
		kv.role = TRACE_ROLE_KV;
		kv.dtype = o->kv_dtype;
		kv.q = o->kv_q;
		kv.sp.kind = TRACE_SP_DENSE;
		kv.sp.density = 1;
		if (trace_write_tensor(w, &kv))
			fail_writer(g);
	}
	uint64_t h = (uint64_t)m->hidden;
	/* Step 0 is the prefill (none with --prompt 0); decode step s attends to the context, the
	 * prompt and the s tokens generated so far (its own included). */
	for (uint64_t step = o->prompt ? 0 : 1; step <= o->decode && !g->failed; step++) {
		bool prefill = step == 0;
		uint64_t sq = prefill ? o->prompt : 1;
		uint64_t tokens = o->batch * sq;
		uint64_t skv = o->context + o->prompt + step;
		struct trace_step s;
		memset(&s, 0, sizeof s);
		s.kind = prefill ? TRACE_STEP_PREFILL : TRACE_STEP_DECODE;
		s.tokens = sq;
		s.batch = o->batch;
		if (trace_write_step(w, &s)) {
			fail_writer(g);
			break;
		}
		uint64_t e = (uint64_t)m->embedding_size;
		vec(g, TRACE_VEC_EMBED, tokens, e, -1);
		if (m->pos == MODEL_POS_LEARNED)
			vec(g, TRACE_VEC_ADD, tokens, e, -1);
		if (m->encoder)
			vec(g, TRACE_VEC_LAYERNORM, tokens, e, -1);
		if (e < h)
			gemm(g, tokens, h, e, "embed_proj", "embed_proj", -1);
		for (int64_t l = 0; l < m->layers && !g->failed; l++)
			layer_ops(g, l, tokens, o->batch, sq, skv);
		vec(g, norm_kind(m), tokens, h, -1);
		if (m->encoder) {
			gemm(g, o->batch, h, h, "pooler", "pooler", -1);
		} else {
			/* Next-token logits: the last position of every sequence. */
			gemm(g, o->batch, g->vocab, h, m->tied_embeddings ? "embed" : "lm_head",
			     "lm_head", -1);
			if (tp > 1) {
				begin_op(g, TRACE_OP_COLL, -1, "logits");
				g->op.coll.kind = TRACE_COLL_ALLGATHER;
				g->op.coll.bytes =
				    o->batch * g->vocab * trace_dtype_bits(o->act_dtype) / 8;
				g->op.coll.ranks = tp;
				emit(g);
			}
		}
	}
	int rc = g->failed ? -1 : 0;
	free(g);
	return rc;
fail:
	free(g);
	return -1;
}
