/* cfg_tables — the blocks' tables: dotted paths in them, looking a path up, and checking the
 * tables themselves (cfg_check_tables). Not: reading a file against them (cfg.c), printing them
 * (cfg_describe.c). */
#include "sim/cfg.h"

#include "sim/cfg_internal.h"
#include "sim/log.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

void cfg_full_path(char *buf, size_t len, const char *group, const char *key)
{
	if (!group || !group[0])
		snprintf(buf, len, "%s", key ? key : "");
	else if (!key)
		snprintf(buf, len, "%s", group);
	else
		snprintf(buf, len, "%s.%s", group, key);
}

static bool cfg_valid_name(const char *s, size_t n)
{
	if (n == 0 || !cfg_lex_is_name_start(s[0]) || s[0] == '*')
		return false;
	for (size_t i = 1; i < n; i++)
		if (!cfg_lex_is_name(s[i]) || s[i] == '*')
			return false;
	return true;
}

static bool cfg_valid_path(const char *p)
{
	size_t start = 0, i = 0;

	if (!p[0])
		return true;
	for (;; i++) {
		if (p[i] == '.' || p[i] == '\0') {
			if (!cfg_valid_name(p + start, i - start))
				return false;
			if (p[i] == '\0')
				return true;
			start = i + 1;
		}
	}
}

const struct cfg_block *cfg_find_block(const struct cfg_block *blocks, size_t nblocks,
                                       const char *path, size_t *index)
{
	for (size_t b = 0; b < nblocks; b++)
		if (strcmp(blocks[b].path, path) == 0) {
			if (index)
				*index = b;
			return &blocks[b];
		}
	return NULL;
}

const struct cfg_field *cfg_find_field(const struct cfg_block *block, const char *key,
                                       size_t *index)
{
	for (size_t f = 0; f < block->nfields; f++)
		if (strcmp(block->fields[f].key, key) == 0) {
			if (index)
				*index = f;
			return &block->fields[f];
		}
	return NULL;
}

/* Whether PATH is a block's group or encloses one. */
bool cfg_is_group(const struct cfg_block *blocks, size_t nblocks, const char *path)
{
	size_t n = strlen(path);

	if (n == 0)
		return true;
	for (size_t b = 0; b < nblocks; b++)
		if (strncmp(blocks[b].path, path, n) == 0 &&
		    (blocks[b].path[n] == '\0' || blocks[b].path[n] == '.'))
			return true;
	return false;
}

int cfg_check_tables(const struct cfg_block *blocks, size_t nblocks)
{
	int bad = 0;
	char path[CFG_PATH_MAX], err[CFG_MSG_MAX];

	for (size_t b = 0; b < nblocks; b++) {
		const struct cfg_block *blk = &blocks[b];
		if (!blk->path || !cfg_valid_path(blk->path) ||
		    strlen(blk->path) > CFG_PATH_MAX / 4) {
			log_error("parameter table: block %zu: bad path \"%s\"", b,
			          blk->path ? blk->path : "(null)");
			bad = -1;
			continue;
		}
		if (!blk->desc)
			log_error("parameter table: block \"%s\": no description", blk->path),
			    bad = -1;
		for (size_t o = 0; o < b; o++)
			if (blocks[o].path && strcmp(blocks[o].path, blk->path) == 0)
				log_error("parameter table: block \"%s\" listed twice", blk->path),
				    bad = -1;
		if (blk->nfields && !blk->fields) {
			log_error("parameter table: block \"%s\": no fields array", blk->path);
			bad = -1;
			continue;
		}
		for (size_t i = 0; i < blk->nfields; i++) {
			const struct cfg_field *f = &blk->fields[i];
			if (!f->key || !cfg_valid_name(f->key, strlen(f->key))) {
				log_error("parameter table: block \"%s\" field %zu: bad key \"%s\"",
				          blk->path, i, f->key ? f->key : "(null)");
				bad = -1;
				continue;
			}
			cfg_full_path(path, sizeof(path), blk->path, f->key);
			for (size_t j = 0; j < i; j++)
				if (blk->fields[j].key && strcmp(blk->fields[j].key, f->key) == 0)
					log_error("parameter table: %s listed twice", path),
					    bad = -1;
			if (cfg_is_group(blocks, nblocks, path))
				log_error("parameter table: %s is both a setting and a group",
				          path),
				    bad = -1;
			if ((int)f->type < CFG_BOOL || f->type > CFG_ENUM) {
				log_error("parameter table: %s: unknown type %d", path,
				          (int)f->type);
				bad = -1;
				continue;
			}
			if (!f->unit || !f->desc)
				log_error("parameter table: %s: missing unit or description", path),
				    bad = -1;
			if (f->type == CFG_ENUM && (!f->names || !f->names[0]))
				log_error("parameter table: %s: an enum without names", path),
				    bad = -1;
			if (f->type != CFG_BOOL && f->type != CFG_STRING && f->type != CFG_ENUM &&
			    (isnan(f->min) || isnan(f->max) || f->min > f->max ||
			     (f->type == CFG_BYTES && f->min < 0)))
				log_error("parameter table: %s: bad range [%g, %g]", path, f->min,
				          f->max),
				    bad = -1;
			if (f->def) {
				union {
					bool b;
					int64_t i;
					uint64_t u;
					double d;
					int e;
					char s[CFG_STRING_MAX];
				} scratch;
				if (cfg_default(f, &scratch, err, sizeof(err)))
					log_error("parameter table: %s: default %s: %s", path,
					          f->def, err),
					    bad = -1;
			}
		}
	}
	return bad;
}
