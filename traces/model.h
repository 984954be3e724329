/* model — a transformer's architecture as tracegen needs it, read from traces/models/NAME.cfg.
 *
 * Models: the shapes of decoder-only and encoder LLMs: hidden size, layers, query and KV heads,
 * head dimension, FFN size (gated or not), vocabulary, norm and activation kinds, rotary or
 * learned positions, biases, mixture-of-experts (experts, top-k), sliding window, tied
 * embeddings, weights shared by every layer (ALBERT), a factorized embedding (narrow tables
 * and a projection to the hidden size: ALBERT); and the published parameter count that the
 * declared weights must add up to.
 * Not: the numerics (weights are never loaded), vision towers (a ViT's patch embedding is
 * described as a table: traces/models/vit-b.cfg), cross-attention.
 * Numbers: each file cites its Hugging Face config.json or paper.
 */
#ifndef NMSIM_MODEL_H
#define NMSIM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/cfg.h"

enum model_norm { MODEL_NORM_RMSNORM, MODEL_NORM_LAYERNORM };
enum model_act { MODEL_ACT_SILU, MODEL_ACT_GELU, MODEL_ACT_RELU };
enum model_pos { MODEL_POS_ROPE, MODEL_POS_LEARNED };

struct model_config {
	char name[CFG_STRING_MAX];
	char source[CFG_STRING_MAX];
	int64_t hidden, layers, heads, kv_heads, head_dim, ffn, vocab;
	bool gated;                      /* SwiGLU/GeGLU: gate and up projections of ffn each */
	int act;                         /* enum model_act */
	int norm;                        /* enum model_norm */
	int pos;                         /* enum model_pos */
	int64_t max_positions;           /* learned position table rows (0 with rope) */
	bool qkv_bias, mlp_bias, o_bias; /* bias vectors on those projections */
	int64_t experts, top_k;          /* 1, 1 = dense FFN */
	int64_t window;                  /* sliding-window attention length, 0 = none */
	bool tied_embeddings;
	bool encoder;           /* bidirectional (BERT): no causal mask, no decode steps */
	int64_t type_vocab;     /* token-type embeddings (BERT), 0 = none */
	bool shared_layers;     /* one set of layer weights used by every layer (ALBERT) */
	int64_t embedding_size; /* width of the embedding tables; < hidden: a projection follows
	                           (ALBERT's factorized embedding); 0 = hidden */
	int64_t params;         /* published parameter count */
};

/* Loads a model file; 0, or -1 with every problem reported as FILE:LINE. */
int model_load(const char *file, struct model_config *m);
/* Resolves NAME to traces/models/NAME.cfg under dir, or takes NAME as a path if it names a file. */
int model_path(const char *dir, const char *name, char *out, size_t len);
/* Prints every key a model file can set. */
void model_describe(FILE *out);

#endif
