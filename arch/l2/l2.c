#include "arch/l2/l2.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define L2_NONE UINT32_MAX

struct l2_line {
	uint64_t key;
	uint64_t bytes;
	uint64_t tag, step;  /* who last touched it in a steady-state walk (0: played) */
	uint32_t prev, next; /* LRU list, head = most recent */
	uint32_t slot;
};

static const struct cfg_field l2_fields[] = {
	{ "size", CFG_BYTES, offsetof(struct l2_config, size), "B", 0, 1e12, NULL, "capacity",
	  NULL },
	{ "usable", CFG_REAL, offsetof(struct l2_config, usable), "", 0, 1, "0.75",
	  "fraction of capacity that holds reusable operand tiles (the rest: outputs, other data)",
	  NULL },
	{ "bandwidth", CFG_RATE, offsetof(struct l2_config, bandwidth), "B/s", 1e6, 1e16, NULL,
	  "aggregate read bandwidth of all slices", NULL },
	{ "latency", CFG_TIME, offsetof(struct l2_config, latency), "ps", 0, 1e8, "\"200 ns\"",
	  "hit latency seen by a core", NULL },
	{ "flush_between_ops", CFG_BOOL, offsetof(struct l2_config, flush_between_ops), "", 0, 0,
	  "false",
	  "empty L2 before every op (a cold-cache study; benchmarks that flush L2 between runs); "
	  "by default a named tensor that fits stays resident for the ops after it",
	  NULL },
};

const struct cfg_block l2_cfg_block = {
	"l2",
	l2_fields,
	sizeof l2_fields / sizeof l2_fields[0],
	0,
	"shared last-level cache: capacity, bandwidth, latency",
	NULL,
};

void l2_init(struct l2 *l, const struct l2_config *cfg)
{
	memset(l, 0, sizeof *l);
	l->cfg = cfg;
	bwserver_init(&l->port, cfg->bandwidth, (uint64_t)cfg->latency);
	l->capacity_bytes = (uint64_t)((double)cfg->size * cfg->usable);
	l2_keep_init(&l->keep, l->capacity_bytes);
}

void l2_fini(struct l2 *l)
{
	free(l->lines);
	free(l->slots);
	l2_keep_fini(&l->keep);
	l->lines = NULL;
	l->slots = NULL;
}

int l2_register_stats(struct l2 *l, struct stats *reg)
{
	return STATS_REGISTER(reg, "l2", L2_STATS, &l->stats);
}

int l2_reset(struct l2 *l, uint64_t max_tiles)
{
	if (max_tiles > UINT32_MAX / 4)
		max_tiles = UINT32_MAX / 4;
	bool grown = max_tiles > l->cap_lines;
	if (grown) {
		struct l2_line *lines = realloc(l->lines, max_tiles * sizeof *lines);
		if (!lines)
			return -1;
		l->lines = lines;
		uint32_t nslots = 16;
		while (nslots < 2 * max_tiles)
			nslots *= 2;
		uint32_t *slots = realloc(l->slots, (size_t)nslots * sizeof *slots);
		if (!slots)
			return -1;
		l->slots = slots;
		l->nslots = nslots;
		l->cap_lines = (uint32_t)max_tiles;
	}
	/* Empty the table: whole when new or more than an eighth in use (then one sweep costs
	 * about as much), else only the slots its lines hold (every line knows its slot), so that
	 * a small op after a big one does not clear the big one's table. */
	if (l->slots && (grown || (uint64_t)l->nlines * 8 > l->nslots))
		memset(l->slots, 0xff, (size_t)l->nslots * sizeof *l->slots);
	else
		for (uint32_t i = 0; i < l->nlines; i++)
			l->slots[l->lines[i].slot] = L2_NONE;
	l->nlines = 0;
	l->lru_head = l->lru_tail = L2_NONE;
	l->resident_bytes = 0;
	l->untagged = 0;
	return 0;
}

static uint32_t l2_hash(uint64_t key)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return (uint32_t)key;
}

static void lru_unlink(struct l2 *l, uint32_t i)
{
	struct l2_line *e = &l->lines[i];
	if (e->prev != L2_NONE)
		l->lines[e->prev].next = e->next;
	else
		l->lru_head = e->next;
	if (e->next != L2_NONE)
		l->lines[e->next].prev = e->prev;
	else
		l->lru_tail = e->prev;
}

static void lru_push_front(struct l2 *l, uint32_t i)
{
	struct l2_line *e = &l->lines[i];
	e->prev = L2_NONE;
	e->next = l->lru_head;
	if (l->lru_head != L2_NONE)
		l->lines[l->lru_head].prev = i;
	l->lru_head = i;
	if (l->lru_tail == L2_NONE)
		l->lru_tail = i;
}

/* Removes slot s from the open-addressing table, re-inserting the run after it. */
static void slot_delete(struct l2 *l, uint32_t s)
{
	uint32_t mask = l->nslots - 1;
	l->slots[s] = L2_NONE;
	for (uint32_t t = (s + 1) & mask; l->slots[t] != L2_NONE; t = (t + 1) & mask) {
		uint32_t i = l->slots[t];
		l->slots[t] = L2_NONE;
		uint32_t u = l2_hash(l->lines[i].key) & mask;
		while (l->slots[u] != L2_NONE)
			u = (u + 1) & mask;
		l->slots[u] = i;
		l->lines[i].slot = u;
	}
}

bool l2_access(struct l2 *l, uint64_t key, uint64_t bytes)
{
	return l2_access_tagged(l, key, bytes, 0, 0);
}

/* Sets line i's tag, keeping the count of untagged lines. */
static void retag(struct l2 *l, uint32_t i, uint64_t tag, uint64_t step)
{
	struct l2_line *e = &l->lines[i];
	l->untagged += (tag == 0) - (e->tag == 0);
	e->tag = tag;
	e->step = step;
}

bool l2_access_tagged(struct l2 *l, uint64_t key, uint64_t bytes, uint64_t tag, uint64_t step)
{
	if (!l->nslots)
		return false;
	uint32_t mask = l->nslots - 1;
	uint32_t s = l2_hash(key) & mask;
	for (; l->slots[s] != L2_NONE; s = (s + 1) & mask) {
		uint32_t i = l->slots[s];
		if (l->lines[i].key == key) {
			lru_unlink(l, i);
			lru_push_front(l, i);
			retag(l, i, tag, step);
			return true;
		}
	}
	if (bytes > l->capacity_bytes)
		return false; /* larger than the cache: streams through */
	/* Evict least-recent tiles until it fits; their line records are reused. */
	while (l->resident_bytes + bytes > l->capacity_bytes || l->nlines == l->cap_lines) {
		uint32_t v = l->lru_tail;
		lru_unlink(l, v);
		l->resident_bytes -= l->lines[v].bytes;
		l->untagged -= l->lines[v].tag == 0;
		slot_delete(l, l->lines[v].slot);
		/* Move the last line record into v to keep records dense. */
		uint32_t last = --l->nlines;
		if (v != last) {
			l->lines[v] = l->lines[last];
			struct l2_line *e = &l->lines[v];
			l->slots[e->slot] = v;
			if (e->prev != L2_NONE)
				l->lines[e->prev].next = v;
			else
				l->lru_head = v;
			if (e->next != L2_NONE)
				l->lines[e->next].prev = v;
			else
				l->lru_tail = v;
		}
	}
	/* The probe position may have moved during eviction: find a free slot again. */
	s = l2_hash(key) & mask;
	while (l->slots[s] != L2_NONE)
		s = (s + 1) & mask;
	uint32_t i = l->nlines++;
	l->lines[i] = (struct l2_line){ key, bytes, tag, step, L2_NONE, L2_NONE, s };
	l->untagged += tag == 0;
	l->slots[s] = i;
	lru_push_front(l, i);
	l->resident_bytes += bytes;
	l->inserted_bytes += bytes;
	return false;
}

void l2_shift(struct l2 *l, uint64_t steps,
              uint64_t (*key_of)(void *ctx, uint64_t tag, uint64_t step), void *ctx)
{
	if (!l->nslots)
		return;
	uint32_t mask = l->nslots - 1;
	memset(l->slots, 0xff, (size_t)l->nslots * sizeof *l->slots);
	for (uint32_t i = 0; i < l->nlines; i++) {
		struct l2_line *e = &l->lines[i];
		e->step += steps;
		e->key = key_of(ctx, e->tag, e->step);
		uint32_t s = l2_hash(e->key) & mask;
		while (l->slots[s] != L2_NONE)
			s = (s + 1) & mask;
		l->slots[s] = i;
		e->slot = s;
	}
}

bool l2_warm_hit(struct l2 *l, uint64_t bytes)
{
	if (!l->warm_bytes)
		return false;
	/* Tiles are rounded up to whole bytes: the last one may ask a little more than is left. */
	l->warm_bytes -= bytes < l->warm_bytes ? bytes : l->warm_bytes;
	return true;
}

uint64_t l2_transfer(struct l2 *l, uint64_t now_ps, uint64_t bytes)
{
	uint64_t busy0 = l->port.busy_ps;
	uint64_t done = bwserver_request(&l->port, now_ps, bytes);
	l->stats.busy_ps += l->port.busy_ps - busy0;
	return done;
}
