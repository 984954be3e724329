/* cfg_internal — the state of one cfg_load and the helpers its files share (internal to
 * sim/cfg*.c: cfg.c loads, cfg_libconfig.c drives libconfig, cfg_tables.c looks paths up in the
 * blocks' tables and checks them, cfg_describe.c prints and formats).
 * Not: an interface for anything outside sim/cfg*.c; the blocks see only cfg.h.
 */
#ifndef NMSIM_CFG_INTERNAL_H
#define NMSIM_CFG_INTERNAL_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

#include "sim/cfg.h"
#include "sim/cfg_libconfig.h"

#define CFG_MSG_MAX  1024
#define CFG_PATH_MAX 512

enum cfg_from { CFG_FROM_NONE, CFG_FROM_DEFAULT, CFG_FROM_FILE, CFG_FROM_SET };

/* Where a field's value came from, for messages. */
struct cfg_where {
	enum cfg_from from;
	const char *file; /* shown name */
	unsigned line;
	size_t set; /* index into sets */
};

struct cfg_set {
	const char *text; /* the argument as given */
	char shown[256];  /* the same, printable, for messages */
	char *path;       /* "hbm.bandwidth", owned */
	char *value;      /* the text after '=', owned */
	bool found;
	size_t block, field;
	config_t cfg;
	bool has_cfg;
	config_setting_t *setting; /* the parsed value */
	struct cfg_src src;
};

struct cfg_checker {
	const struct cfg_block *blocks;
	size_t nblocks;
	char *root;
	const char *label;    /* the file as given, or "defaults" */
	struct cfg_src *srcs; /* the files read: [0] the file given, then what it includes */
	size_t nsrcs;
	struct cfg_set *sets;
	size_t nsets;
	size_t *base;            /* base[b]: index of block b's first field in the flat arrays */
	struct cfg_where *where; /* per field */
	bool *overridden;        /* per field: a --set names it */
	const config_setting_t **last; /* per field: the file's last setting of it (overrides) */
	bool *block_bad;         /* per block: a field of it failed */
	size_t block;            /* the block whose check runs */
	int nerrors;
};

/* cfg.c */

/* Reports one problem (log_error) and counts it. */
void cfg_error(struct cfg_checker *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A malloc'd copy of S, or NULL. */
char *cfg_strdup(const char *s);
/* Parses F's default into DST. Returns 0 or -1 with the reason. */
int cfg_default(const struct cfg_field *f, void *dst, char *err, size_t n);

/* cfg_tables.c */

/* "group.key" into BUF; GROUP "" or NULL = the top level, KEY NULL = the group itself. */
void cfg_full_path(char *buf, size_t len, const char *group, const char *key);
/* The block of dotted PATH (its index in *INDEX unless NULL), or NULL. */
const struct cfg_block *cfg_find_block(const struct cfg_block *blocks, size_t nblocks,
                                       const char *path, size_t *index);
/* The field KEY of BLOCK (its index in *INDEX unless NULL), or NULL. */
const struct cfg_field *cfg_find_field(const struct cfg_block *block, const char *key,
                                       size_t *index);
/* Whether PATH is a block's group or encloses one. */
bool cfg_is_group(const struct cfg_block *blocks, size_t nblocks, const char *path);

#endif
