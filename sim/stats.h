/* stats — the registry of every block's counters, and their dumps.
 *
 * Models: nothing; blocks own plain uint64_t counters (declared once per block with an
 * X-macro list) and register pointers to them here, once, at build time. The registry can
 * snapshot all counters into a flat vector, add a vector back (the op-result cache replays
 * an op that way), and dump them as text or JSON in registration order.
 * Not: derived figures (utilisation, TFLOP/s): computed when printing, by the report.
 */
#ifndef NMSIM_STATS_H
#define NMSIM_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json_object;

/* One counter: where it lives and what it means. Units live in names (_bytes, _ps, _macs). */
struct stats_entry {
	char block[32]; /* instance name, e.g. "hbm", "core" */
	const char *name;
	const char *unit;
	const char *desc;
	uint64_t *value;
};

struct stats {
	struct stats_entry *entries;
	uint64_t **values; /* entries[i].value, packed: what the per-op loops walk */
	size_t count, cap;
};

/* Declares the fields of a block's stats struct from its X-macro list. */
#define STATS_FIELD(name, unit, desc) uint64_t name;
/* Registers every field of a stats struct s from its X-macro list; evaluates to 0 / -1. */
#define STATS_REGISTER_ONE(name, unit, desc) \
	|| stats_register(stats_reg__, block_name__, #name, unit, desc, &stats_s__->name)
#define STATS_REGISTER(reg, block, list, s)            \
	({                                             \
		struct stats *stats_reg__ = (reg);     \
		const char *block_name__ = (block);    \
		__typeof__(s) stats_s__ = (s);         \
		(0 list(STATS_REGISTER_ONE)) ? -1 : 0; \
	})

void stats_init(struct stats *s);
void stats_fini(struct stats *s);
/* Adds one counter; 0 / -1 (out of memory, or a block.name registered twice). */
int stats_register(struct stats *s, const char *block, const char *name, const char *unit,
                   const char *desc, uint64_t *value);
/* Copies every counter into out[0..count). */
void stats_snapshot(const struct stats *s, uint64_t *out);
/* The value of block.name, or 0 if none is registered (for reports; not for hot paths). */
uint64_t stats_get(const struct stats *s, const char *block, const char *name);
/* Adds delta[0..count) to the counters; times x delta[0..count). */
void stats_add_times(struct stats *s, const uint64_t *delta, uint64_t times);
/* Sets every counter back to a snapshot. */
void stats_restore(struct stats *s, const uint64_t *snap);
/* "block.name value unit # desc", one per line. */
void stats_dump_text(const struct stats *s, FILE *out);
/* {"block": {"name": value, ...}, ...} */
struct json_object *stats_to_json(const struct stats *s);

#endif
