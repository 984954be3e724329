#include "traces/model.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *const model_norm_names[] = { "rmsnorm", "layernorm", NULL };
static const char *const model_act_names[] = { "silu", "gelu", "relu", NULL };
static const char *const model_pos_names[] = { "rope", "learned", NULL };

#define INT(member, min, max, def, desc) \
	CFG_FIELD(model_config, member, CFG_INT, "", min, max, def, desc)
#define BOOL(member, def, desc) CFG_FIELD(model_config, member, CFG_BOOL, "", 0, 0, def, desc)

static const struct cfg_field model_fields[] = {
	CFG_FIELD(model_config, name, CFG_STRING, "", 0, 0, NULL, "model name (tracegen --model)"),
	CFG_FIELD(model_config, source, CFG_STRING, "", 0, 0, NULL,
	          "where the numbers come from (config.json, paper)"),
	INT(hidden, 1, 1e6, NULL, "hidden size"),
	INT(layers, 1, 1e4, NULL, "transformer layers"),
	INT(heads, 1, 1e4, NULL, "query heads"),
	INT(kv_heads, 0, 1e4, "0", "key/value heads (GQA/MQA); 0 = heads"),
	INT(head_dim, 0, 1e4, "0", "head dimension; 0 = hidden / heads"),
	INT(ffn, 1, 1e7, NULL, "FFN intermediate size (per expert)"),
	INT(vocab, 1, 1e7, NULL, "vocabulary size"),
	BOOL(gated, "true", "gated FFN (SwiGLU/GeGLU): gate and up projections"),
	CFG_ENUM_FIELD(model_config, act, model_act_names, "\"silu\"", "FFN activation"),
	CFG_ENUM_FIELD(model_config, norm, model_norm_names, "\"rmsnorm\"", "normalization"),
	CFG_ENUM_FIELD(model_config, pos, model_pos_names, "\"rope\"", "position encoding"),
	INT(max_positions, 0, 1e8, "0", "rows of the learned position table (pos = learned)"),
	BOOL(qkv_bias, "false", "bias on the QKV projection"),
	BOOL(o_bias, "false", "bias on the output projection"),
	BOOL(mlp_bias, "false", "biases on the FFN projections"),
	INT(experts, 1, 1e4, "1", "experts per MoE layer (1 = dense FFN)"),
	INT(top_k, 1, 1e4, "1", "experts each token is routed to"),
	INT(window, 0, 1e9, "0", "sliding-window attention length (0 = full attention)"),
	BOOL(tied_embeddings, "false", "lm_head shares the embedding matrix"),
	BOOL(encoder, "false", "bidirectional encoder (no causal mask, no decode)"),
	INT(type_vocab, 0, 1e6, "0", "token-type embedding rows (BERT)"),
	BOOL(shared_layers, "false",
	     "every layer runs on one set of weights (ALBERT): declared once, read by each layer"),
	INT(embedding_size, 0, 1e6, "0",
	    "width of the embedding tables (0 = hidden); narrower: a projection GEMM to hidden "
	    "follows (ALBERT)"),
	INT(params, 1, 1e15, NULL,
	    "published parameter count (declared weights must add up to it)"),
};

static int model_check(const void *blk, struct cfg_checker *chk)
{
	const struct model_config *m = blk;
	int64_t kv = m->kv_heads ? m->kv_heads : m->heads;
	if (m->heads % kv) {
		cfg_report(chk, "kv_heads", "heads (%lld) is not a multiple of kv_heads (%lld)",
		           (long long)m->heads, (long long)kv);
		return -1;
	}
	if (!m->head_dim && m->hidden % m->heads) {
		cfg_report(chk, "heads", "hidden is not a multiple of heads: give head_dim");
		return -1;
	}
	if (m->embedding_size > m->hidden) {
		cfg_report(chk, "embedding_size", "embedding_size (%lld) is larger than hidden",
		           (long long)m->embedding_size);
		return -1;
	}
	if (m->embedding_size && m->embedding_size < m->hidden && !m->encoder) {
		/* A decoder's lm_head would need the projection's transpose as well. */
		cfg_report(chk, "embedding_size",
		           "a factorized embedding is modelled for encoders only (encoder = true)");
		return -1;
	}
	if (m->top_k > m->experts) {
		cfg_report(chk, "top_k", "top_k is larger than experts");
		return -1;
	}
	return 0;
}

static const struct cfg_block model_block = {
	"", model_fields,          sizeof model_fields / sizeof model_fields[0],
	0,  "a transformer model", model_check,
};

int model_load(const char *file, struct model_config *m)
{
	memset(m, 0, sizeof *m);
	if (cfg_load(file, &model_block, 1, NULL, 0, m))
		return -1;
	if (!m->kv_heads)
		m->kv_heads = m->heads;
	if (!m->head_dim)
		m->head_dim = m->hidden / m->heads;
	if (!m->embedding_size)
		m->embedding_size = m->hidden;
	return 0;
}

int model_path(const char *dir, const char *name, char *out, size_t len)
{
	struct stat st;
	if (strchr(name, '/') || (strlen(name) > 4 && !strcmp(name + strlen(name) - 4, ".cfg"))) {
		snprintf(out, len, "%s", name);
		return stat(out, &st) == 0 ? 0 : -1;
	}
	snprintf(out, len, "%s/%s.cfg", dir, name);
	return stat(out, &st) == 0 ? 0 : -1;
}

void model_describe(FILE *out)
{
	cfg_describe_as(out,
	                "Every setting of a model file (traces/models/NAME.cfg, libconfig syntax; "
	                "tracegen --model NAME|FILE).",
	                &model_block, 1);
}
