#include "driver/capacity.h"

#include <inttypes.h>
#include <stdlib.h>
#include <xxhash.h>

#define HASH_FUNCTION(keyptr, keylen, hashv) ((hashv) = (unsigned)XXH3_64bits((keyptr), (keylen)))
#define uthash_fatal(msg)                    abort() /* only when its bucket table cannot grow */
#include <uthash.h>

#include "sim/log.h"

struct capacity_kv {
	uint64_t key, bytes;
	UT_hash_handle hh;
};

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

void capacity_init(struct capacity *c)
{
	*c = (struct capacity){ 0, 0, 0, 0, NULL };
}

void capacity_fini(struct capacity *c)
{
	struct capacity_kv *e, *tmp;
	HASH_ITER(hh, c->kv, e, tmp)
	{
		HASH_DEL(c->kv, e);
		free(e);
	}
}

/* The sum the trace needs. */
static uint64_t capacity_needed(const struct capacity *c)
{
	return add_sat(add_sat(c->weight_bytes, c->kv_bytes), c->act_bytes);
}

static void note_line(struct capacity *c, const struct arch_config *cfg, uint64_t line)
{
	if (!c->over_line && capacity_needed(c) > cfg->hbm.size)
		c->over_line = line;
}

int capacity_tensor(struct capacity *c, const struct arch_config *cfg, const struct trace_tensor *t,
                    uint64_t line)
{
	c->weight_bytes = add_sat(c->weight_bytes, arch_weight_bytes(cfg, t));
	note_line(c, cfg, line);
	return 0;
}

int capacity_op(struct capacity *c, const struct arch_config *cfg, const struct trace_op *op)
{
	struct arch_footprint f;
	arch_op_footprint(cfg, op, &f);
	if (f.act_bytes > c->act_bytes)
		c->act_bytes = f.act_bytes;
	if (f.kv_bytes) {
		struct capacity_kv *e;
		HASH_FIND(hh, c->kv, &f.kv_key, sizeof f.kv_key, e);
		if (!e) {
			if (!(e = calloc(1, sizeof *e)))
				return -1;
			e->key = f.kv_key;
			HASH_ADD(hh, c->kv, key, sizeof e->key, e);
		}
		if (f.kv_bytes > e->bytes) {
			c->kv_bytes = add_sat(c->kv_bytes - e->bytes, f.kv_bytes);
			e->bytes = f.kv_bytes;
		}
	}
	note_line(c, cfg, op->line);
	return 0;
}

/* The smallest tensor-parallel degree, a power of two, at which weights and KV caches, split
 * that many ways, fit beside the (unsplit) activations in `size` bytes; 0 if none does
 * (activations alone too large). */
static uint64_t capacity_tp_degree(const struct capacity *c, uint64_t size)
{
	if (c->act_bytes >= size)
		return 0;
	uint64_t shared = add_sat(c->weight_bytes, c->kv_bytes), room = size - c->act_bytes;
	/* Tensor parallelism splits heads and hidden sizes: powers of two in every model here. */
	uint64_t tp = 1;
	while (tp < (UINT64_C(1) << 62) && shared / tp + (shared % tp ? 1 : 0) > room)
		tp *= 2;
	return tp;
}

static double gb(uint64_t b)
{
	return (double)b * 1e-9;
}

int capacity_check(const struct capacity *c, const struct arch_config *cfg, const char *trace_file,
                   bool ignore)
{
	uint64_t need = capacity_needed(c), size = cfg->hbm.size;
	if (need <= size)
		return 0;
	uint64_t tp = capacity_tp_degree(c, size);
	char fit[320];
	if (tp)
		snprintf(fit, sizeof fit,
		         "it fits at a tensor-parallel degree of %" PRIu64
		         " (weights and KV caches split %" PRIu64
		         " ways, each device with the whole activations: %.2f GB a device)",
		         tp, tp, gb(add_sat(c->weight_bytes, c->kv_bytes) / tp + c->act_bytes));
	else
		snprintf(fit, sizeof fit,
		         "no tensor-parallel degree fits: one op's activations alone need more");
	if (ignore) {
		log_warn(
		    "%s: the trace needs %.2f GB of device memory (weights %.2f GB, KV caches "
		    "%.2f GB, activations %.2f GB), more than hbm.size %.2f GB; simulated anyway "
		    "(--ignore-capacity)",
		    trace_file, gb(need), gb(c->weight_bytes), gb(c->kv_bytes), gb(c->act_bytes),
		    gb(size));
		return 0;
	}
	log_error("%s:%" PRIu64 ": the trace does not fit in device memory: weights %.2f GB + KV "
	          "caches %.2f GB + largest activations %.2f GB = %.2f GB > hbm.size %.2f GB; %s; "
	          "--ignore-capacity simulates it anyway",
	          trace_file, c->over_line, gb(c->weight_bytes), gb(c->kv_bytes), gb(c->act_bytes),
	          gb(need), gb(size), fit);
	return -1;
}
