/* cfg — reads an architecture file through libconfig and checks it against the blocks' tables.
 *
 * Order of work in cfg_load: resolve the --set paths; read the file; walk it in file order,
 * reporting unknown groups and keys and converting known ones (unless a --set overrides
 * them); apply the --sets in order; fill defaults and report missing required fields in table
 * order; run each clean block's check. Every problem is reported, none stops the walk.
 *
 * libconfig 1.5 reads a plain integer literal above 2^31-1 as a wrapped 32-bit value, and
 * a 64-bit (L) literal beyond 2^63-1 as a saturated one, without complaint. cfg_libconfig.c
 * reads every file again as text and marks each setting whose literal did not survive (its hook
 * points at the literal); converting such a setting reports the literal. cfg_libconfig.c also
 * resolves @include (each file is parsed on its own; the walk below enters an included file
 * where its @include stands, and a key set again later overrides the earlier one) and words
 * libconfig's syntax errors.
 *
 * Not here: the tables' own checks and path lookups (cfg_tables.c), --describe and formatting a
 * value (cfg_describe.c), units (cfg_units.c).
 */
#include "sim/cfg.h"
#include "sim/num.h"

#include "sim/cfg_internal.h"
#include "sim/log.h"

#include <errno.h>
#include <libconfig.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reporting ---- */

void cfg_error(struct cfg_checker *c, const char *fmt, ...)
{
	char msg[CFG_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("%s", msg);
	c->nerrors++;
}

/* Reports MSG about PATH at WHERE. */
static void cfg_error_where(struct cfg_checker *c, const struct cfg_where *w, const char *path,
                            const char *def, const char *msg)
{
	switch (w->from) {
	case CFG_FROM_FILE: cfg_error(c, "%s:%u: %s: %s", w->file, w->line, path, msg); break;
	case CFG_FROM_SET: cfg_error(c, "--set %s: %s", c->sets[w->set].shown, msg); break;
	case CFG_FROM_DEFAULT:
		cfg_error(c, "%s: %s: %s (from the default %s)", c->label, path, msg,
		          def ? def : "");
		break;
	case CFG_FROM_NONE: cfg_error(c, "%s: %s: %s", c->label, path, msg); break;
	}
}

char *cfg_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/* ---- converting one value ---- */

/* Short text of what the file wrote, for "got ..." */
static const char *cfg_got(char *buf, size_t len, const config_setting_t *s)
{
	const struct cfg_lit *lit = config_setting_get_hook(s);

	if (lit) {
		snprintf(buf, len, "%s", lit->text);
		return buf;
	}
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_BOOL:
		snprintf(buf, len, "%s", config_setting_get_bool(s) ? "true" : "false");
		break;
	case CONFIG_TYPE_INT: snprintf(buf, len, "%d", config_setting_get_int(s)); break;
	case CONFIG_TYPE_INT64: snprintf(buf, len, "%lld", config_setting_get_int64(s)); break;
	case CONFIG_TYPE_FLOAT:
		/* Keep it visibly a real: "4.0", not "4". */
		if (num_shortest(config_setting_get_float(s), 6, buf, len))
			snprintf(buf, len, "%.17g", config_setting_get_float(s));
		if (!strpbrk(buf, ".eni") && strlen(buf) + 3 < len)
			strcat(buf, ".0");
		break;
	case CONFIG_TYPE_STRING: {
		const char *t = config_setting_get_string(s);
		size_t o;
		if (len < 8) {
			buf[0] = '\0';
			break;
		}
		buf[0] = '"';
		o = 1 + cfg_units_printable(buf + 1, len - 2, t, strlen(t), 40);
		buf[o++] = '"';
		buf[o] = '\0';
		break;
	}
	case CONFIG_TYPE_GROUP: snprintf(buf, len, "a group"); break;
	case CONFIG_TYPE_LIST: snprintf(buf, len, "a list"); break;
	case CONFIG_TYPE_ARRAY: snprintf(buf, len, "an array"); break;
	default: snprintf(buf, len, "nothing"); break;
	}
	return buf;
}

static int cfg_expected(const struct cfg_field *f, const config_setting_t *s, char *err, size_t n)
{
	char got[96];

	cfg_got(got, sizeof(got), s);
	if (f->type == CFG_ENUM) {
		size_t o = (size_t)snprintf(err, n, "expected one of");
		for (size_t i = 0; f->names && f->names[i] && o < n; i++)
			o += (size_t)snprintf(err + o, n - o, "%s \"%s\"", i ? "," : "",
			                      f->names[i]);
		if (o < n)
			snprintf(err + o, n - o, ", got %s", got);
	} else {
		snprintf(err, n, "%s, got %s", cfg_units_expected(f->type), got);
	}
	return -1;
}

static int cfg_range(const struct cfg_field *f, double v, const char *shown, char *err, size_t n)
{
	char lo[64], hi[64], val[64];

	if (v >= f->min && v <= f->max)
		return 0;
	if (!shown)
		shown = cfg_units_format(val, sizeof(val), f->type, v);
	cfg_units_format(lo, sizeof(lo), f->type, f->min);
	cfg_units_format(hi, sizeof(hi), f->type, f->max);
	if (isinf(f->max))
		snprintf(err, n, "%s is below the minimum %s", shown, lo);
	else if (isinf(f->min))
		snprintf(err, n, "%s is above the maximum %s", shown, hi);
	else
		snprintf(err, n, "%s is outside [%s, %s]", shown, lo, hi);
	return -1;
}

/* Edit distance between A and B, a swap of neighbours counting one; large when either is long. */
static size_t cfg_distance(const char *a, const char *b)
{
	enum { N = CFG_PATH_MAX / 4 };
	size_t la = strlen(a), lb = strlen(b);
	size_t rows[3][N + 1];
	size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];

	if (la > N || lb > N)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t m = prev[j - 1] + (a[i - 1] != b[j - 1]);
			if (prev[j] + 1 < m)
				m = prev[j] + 1;
			if (cur[j - 1] + 1 < m)
				m = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < m)
				m = prev2[j - 2] + 1;
			cur[j] = m;
		}
		size_t *t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

static const char *cfg_leaf(const char *path)
{
	const char *dot = strrchr(path, '.');
	return dot ? dot + 1 : path;
}

/* Writes " (did you mean X?)" into BUF when a known path is close to PATH, else "". */
static void cfg_suggest(const struct cfg_block *blocks, size_t nblocks, const char *path, char *buf,
                        size_t len)
{
	char cand[CFG_PATH_MAX], best[CFG_PATH_MAX] = "", leaf_match[CFG_PATH_MAX] = "";
	size_t best_d = (size_t)-1, nleaf = 0, n = strlen(path);
	size_t limit = n <= 4 ? 1 : n <= 10 ? 2 : 3;

	buf[0] = '\0';
	for (size_t b = 0; b < nblocks; b++) {
		/* The block's group and each enclosing group. */
		const char *p = blocks[b].path;
		for (size_t i = 0; p[0]; i++) {
			if (p[i] != '.' && p[i] != '\0')
				continue;
			snprintf(cand, sizeof(cand), "%.*s", (int)i, p);
			size_t d = cfg_distance(path, cand);
			if (d < best_d)
				best_d = d, snprintf(best, sizeof(best), "%s", cand);
			if (p[i] == '\0')
				break;
		}
		for (size_t f = 0; f < blocks[b].nfields; f++) {
			cfg_full_path(cand, sizeof(cand), p, blocks[b].fields[f].key);
			size_t d = cfg_distance(path, cand);
			if (d < best_d)
				best_d = d, snprintf(best, sizeof(best), "%s", cand);
			if (strcmp(cfg_leaf(path), blocks[b].fields[f].key) == 0)
				nleaf++, snprintf(leaf_match, sizeof(leaf_match), "%s", cand);
		}
	}
	if (best_d <= limit)
		snprintf(buf, len, " (did you mean %s?)", best);
	else if (nleaf == 1)
		snprintf(buf, len, " (did you mean %s?)", leaf_match);
}

/* Converts S for field F into DST (the member). Returns 0, or -1 with the reason in ERR. */
static int cfg_convert(const struct cfg_field *f, const config_setting_t *s, void *dst, char *err,
                       size_t n)
{
	const struct cfg_lit *lit = config_setting_get_hook(s);
	int t = config_setting_type(s);
	bool number = t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 || t == CONFIG_TYPE_FLOAT;
	bool integer = t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;

	if (lit && lit->bad) {
		if (lit->is64)
			snprintf(err, n, "%s does not fit in 64 bits", lit->text);
		else
			snprintf(err, n,
			         "%s does not fit in 32 bits, and libconfig would read it as %lld: "
			         "write %sL%s",
			         lit->text, lit->read_as, lit->text,
			         f->type >= CFG_BYTES && f->type <= CFG_POWER
			             ? " or a string with a unit"
			             : "");
		return -1;
	}
	switch (f->type) {
	case CFG_BOOL: {
		bool v;
		if (t != CONFIG_TYPE_BOOL)
			return cfg_expected(f, s, err, n);
		v = config_setting_get_bool(s) != 0;
		memcpy(dst, &v, sizeof(v));
		return 0;
	}
	case CFG_INT: {
		int64_t v;
		char shown[32];
		if (!integer)
			return cfg_expected(f, s, err, n);
		v = config_setting_get_int64(s);
		snprintf(shown, sizeof(shown), "%lld", (long long)v);
		if (cfg_range(f, (double)v, shown, err, n))
			return -1;
		memcpy(dst, &v, sizeof(v));
		return 0;
	}
	case CFG_REAL: {
		double v;
		if (!number)
			return cfg_expected(f, s, err, n);
		v = integer ? (double)config_setting_get_int64(s) : config_setting_get_float(s);
		if (!isfinite(v)) {
			snprintf(err, n, "%g is not a finite number", v);
			return -1;
		}
		if (cfg_range(f, v, NULL, err, n))
			return -1;
		memcpy(dst, &v, sizeof(v));
		return 0;
	}
	case CFG_BYTES: {
		uint64_t v;
		if (integer) {
			long long i = config_setting_get_int64(s);
			if (i < 0) {
				char shown[48];
				snprintf(shown, sizeof(shown), "%lld B", i);
				return cfg_range(f, (double)i, shown, err, n)
				           ? -1
				           : cfg_expected(f, s, err, n);
			}
			v = (uint64_t)i;
		} else if (t == CONFIG_TYPE_FLOAT) {
			char num[64];
			snprintf(num, sizeof(num), "%.17g", config_setting_get_float(s));
			if (!isfinite(config_setting_get_float(s))) {
				snprintf(err, n, "%s is not a finite number", num);
				return -1;
			}
			if (cfg_units_parse_bytes(num, &v, err, n))
				return -1;
		} else if (t == CONFIG_TYPE_STRING) {
			if (cfg_units_parse_bytes(config_setting_get_string(s), &v, err, n))
				return -1;
		} else {
			return cfg_expected(f, s, err, n);
		}
		if (cfg_range(f, (double)v, NULL, err, n))
			return -1;
		memcpy(dst, &v, sizeof(v));
		return 0;
	}
	case CFG_RATE:
	case CFG_FREQ:
	case CFG_TIME:
	case CFG_ENERGY:
	case CFG_POWER: {
		double v = 0;
		if (integer) {
			v = (double)config_setting_get_int64(s);
		} else if (t == CONFIG_TYPE_FLOAT) {
			v = config_setting_get_float(s);
			if (!isfinite(v)) {
				snprintf(err, n, "%g is not a finite number", v);
				return -1;
			}
		} else if (t == CONFIG_TYPE_STRING) {
			if (cfg_units_parse(f->type, config_setting_get_string(s), &v, err, n))
				return -1;
		} else {
			return cfg_expected(f, s, err, n);
		}
		if (number && v != 0) {
			/* A plain number would be in the stored unit (ps, B/s, Hz, pJ, W): 4 for a
			 * launch cost is 4 ps, not 4 us. Only 0 reads the same in every unit. */
			char got[96];
			snprintf(err, n, "%s needs a unit: %s (%s)", cfg_got(got, sizeof(got), s),
			         cfg_units_expected(f->type), cfg_units_accepted(f->type));
			return -1;
		}
		if (cfg_range(f, v, NULL, err, n))
			return -1;
		memcpy(dst, &v, sizeof(v));
		return 0;
	}
	case CFG_STRING: {
		const char *v;
		size_t len;
		if (t != CONFIG_TYPE_STRING)
			return cfg_expected(f, s, err, n);
		v = config_setting_get_string(s);
		len = strlen(v);
		if (len >= CFG_STRING_MAX) {
			snprintf(err, n, "string of %zu bytes is too long (at most %d)", len,
			         CFG_STRING_MAX - 1);
			return -1;
		}
		/* It is printed in reports and written into JSON as it is. */
		size_t bad = cfg_units_bad_text(v);
		if (bad) {
			snprintf(err, n,
			         "byte 0x%02x at offset %zu: a string must be UTF-8 text without "
			         "control characters",
			         (unsigned)(unsigned char)v[bad - 1], bad - 1);
			return -1;
		}
		memcpy(dst, v, len + 1);
		return 0;
	}
	case CFG_ENUM: {
		const char *v;
		if (t != CONFIG_TYPE_STRING)
			return cfg_expected(f, s, err, n);
		v = config_setting_get_string(s);
		for (int i = 0; f->names && f->names[i]; i++)
			if (strcmp(f->names[i], v) == 0) {
				memcpy(dst, &i, sizeof(i));
				return 0;
			}
		return cfg_expected(f, s, err, n);
	}
	}
	snprintf(err, n, "unknown field type %d", (int)f->type);
	return -1;
}

/* Parses F's default into DST. Returns 0 or -1 with the reason. */
int cfg_default(const struct cfg_field *f, void *dst, char *err, size_t n)
{
	config_t cfg;
	struct cfg_src src;
	config_setting_t *s;
	int rc = -1;

	memset(&src, 0, sizeof(src));
	config_init(&cfg);
	s = cfg_parse_scalar(&cfg, &src, f->def);
	if (!s)
		snprintf(err, n, "default %s is not a libconfig scalar", f->def);
	else
		rc = cfg_convert(f, s, dst, err, n);
	config_destroy(&cfg);
	cfg_src_free(&src);
	return rc;
}

/* ---- loading ---- */

static size_t cfg_nfields(const struct cfg_checker *c)
{
	return c->nblocks ? c->base[c->nblocks - 1] + c->blocks[c->nblocks - 1].nfields : 0;
}

static void *cfg_member(struct cfg_checker *c, size_t b, size_t f)
{
	return c->root + c->blocks[b].offset + c->blocks[b].fields[f].offset;
}

/* Converts S into field (B, F), whose value came from W. Reports and returns -1 on failure. */
static int cfg_store(struct cfg_checker *c, size_t b, size_t f, const config_setting_t *s,
                     const struct cfg_where *w)
{
	const struct cfg_field *fld = &c->blocks[b].fields[f];
	char err[CFG_MSG_MAX], path[CFG_PATH_MAX];

	c->where[c->base[b] + f] = *w;
	if (cfg_convert(fld, s, cfg_member(c, b, f), err, sizeof(err)) == 0)
		return 0;
	cfg_full_path(path, sizeof(path), c->blocks[b].path, fld->key);
	cfg_error_where(c, w, path, fld->def, err);
	c->block_bad[b] = true;
	return -1;
}

/* Walks group G (at dotted PATH) of file SRCI, and the files it @includes where they stand.
 * A key set again later (in the including file after an @include, or in a later include)
 * overrides the earlier setting, which is then neither converted nor checked. So the walk runs
 * twice: RECORD notes the last setting of every known key; then, in file order, unknown groups
 * and keys are reported and each key's last setting is converted (unless a --set overrides it). */
static void cfg_walk(struct cfg_checker *c, size_t srci, const config_setting_t *g,
                     const char *path, bool record)
{
	int n = config_setting_length(g);
	size_t bi = 0;
	const struct cfg_block *blk = cfg_find_block(c->blocks, c->nblocks, path, &bi);
	const char *file = c->srcs[srci].shown;

	for (int i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(s);
		unsigned line = config_setting_source_line(s);
		char full[CFG_PATH_MAX], hint[CFG_PATH_MAX + 32];
		const struct cfg_field *fld = NULL;
		size_t fi = 0;

		if (!name)
			continue;
		if (strncmp(name, CFG_INCLUDE_MARK, strlen(CFG_INCLUDE_MARK)) == 0 &&
		    config_setting_type(s) == CONFIG_TYPE_BOOL) {
			size_t k = (size_t)strtoul(name + strlen(CFG_INCLUDE_MARK), NULL, 10);
			const struct cfg_src *src = &c->srcs[srci];
			if (k < src->nincs && src->incs[k].resolved) {
				size_t sub = src->incs[k].sub;
				cfg_walk(c, sub, config_root_setting(&c->srcs[sub].cfg), path, record);
			}
			continue;
		}
		cfg_full_path(full, sizeof(full), path, name);
		if (blk)
			fld = cfg_find_field(blk, name, &fi);
		if (fld) {
			size_t k = c->base[bi] + fi;
			struct cfg_where w = { CFG_FROM_FILE, file, line, 0 };
			if (record)
				c->last[k] = s;
			else if (c->overridden[k])
				c->where[k] = w;
			else if (c->last[k] == s)
				cfg_store(c, bi, fi, s, &w);
			continue;
		}
		if (config_setting_is_group(s) && cfg_is_group(c->blocks, c->nblocks, full)) {
			cfg_walk(c, srci, s, full, record);
			continue;
		}
		if (record)
			continue;
		if (!config_setting_is_group(s) && cfg_is_group(c->blocks, c->nblocks, full)) {
			cfg_error(c, "%s:%u: %s: expected a group { ... }", file, line, full);
			continue;
		}
		cfg_suggest(c->blocks, c->nblocks, full, hint, sizeof(hint));
		cfg_error(c, "%s:%u: %s: unknown setting%s", file, line, full, hint);
	}
}

/* Splits and resolves --set I; the parse of its value waits for cfg_apply_set. */
static int cfg_resolve_set(struct cfg_checker *c, size_t i, const char *text)
{
	struct cfg_set *set = &c->sets[i];
	const char *eq = strchr(text, '=');
	const char *p = text, *e;
	char *dot;
	size_t bi, fi;

	set->text = text;
	cfg_units_printable(set->shown, sizeof(set->shown), text, strlen(text), 200);
	if (!eq || eq == text)
		return 0;
	while (*p == ' ' || *p == '\t')
		p++;
	e = eq;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (e == p)
		return 0;
	set->path = malloc((size_t)(e - p) + 1);
	if (!set->path)
		return -1;
	memcpy(set->path, p, (size_t)(e - p));
	set->path[e - p] = '\0';
	p = eq + 1;
	while (*p == ' ' || *p == '\t')
		p++;
	set->value = cfg_strdup(p);
	if (!set->value)
		return -1;
	for (char *end = set->value + strlen(set->value);
	     end > set->value && (end[-1] == ' ' || end[-1] == '\t');)
		*--end = '\0';

	dot = strrchr(set->path, '.');
	const char *key = dot ? dot + 1 : set->path;
	if (dot)
		*dot = '\0';
	const struct cfg_block *blk =
	    cfg_find_block(c->blocks, c->nblocks, dot ? set->path : "", &bi);
	const struct cfg_field *fld = blk ? cfg_find_field(blk, key, &fi) : NULL;
	if (dot)
		*dot = '.';
	if (fld) {
		set->found = true;
		set->block = bi;
		set->field = fi;
		c->overridden[c->base[bi] + fi] = true;
	}
	return 0;
}

/* Whether TEXT is a plain decimal integer ([-+]?[0-9]+). */
static bool cfg_is_plain_integer(const char *t)
{
	if (*t == '-' || *t == '+')
		t++;
	if (!cfg_lex_is_digit(*t))
		return false;
	while (cfg_lex_is_digit(*t))
		t++;
	return *t == '\0';
}

static void cfg_apply_set(struct cfg_checker *c, size_t i)
{
	struct cfg_set *set = &c->sets[i];
	struct cfg_where w = { CFG_FROM_SET, NULL, 0, i };
	char hint[CFG_PATH_MAX + 32];
	const struct cfg_field *fld;

	if (!set->path) {
		cfg_error(c, "--set %s: expected PATH=VALUE, like hbm.bandwidth=\"3 TB/s\"",
		          set->shown);
		return;
	}
	if (!set->found) {
		const char *what = cfg_is_group(c->blocks, c->nblocks, set->path)
		                       ? "is a group, not a setting"
		                       : "unknown setting";
		cfg_suggest(c->blocks, c->nblocks, set->path, hint, sizeof(hint));
		cfg_error(c, "--set %s: %s%s", set->shown, what, hint);
		return;
	}
	fld = &c->blocks[set->block].fields[set->field];
	config_init(&set->cfg);
	set->has_cfg = true;
	if (cfg_is_plain_integer(set->value)) {
		/* The command line has no 32-bit trap: take any integer up to 64 bits as written. */
		long long v;
		errno = 0;
		v = strtoll(set->value, NULL, 10);
		if (errno == ERANGE) {
			c->where[c->base[set->block] + set->field] = w;
			cfg_error(c, "--set %s: %s does not fit in 64 bits", set->shown,
			          set->value);
			c->block_bad[set->block] = true;
			return;
		}
		set->setting =
		    config_setting_add(config_root_setting(&set->cfg), "v", CONFIG_TYPE_INT64);
		if (set->setting)
			config_setting_set_int64(set->setting, v);
	} else if (!strchr(set->value, '\n') && !strchr(set->value, '\r')) {
		set->setting = cfg_parse_scalar(&set->cfg, &set->src, set->value);
	}
	if (set->setting && (fld->type == CFG_STRING || fld->type == CFG_ENUM) &&
	    config_setting_type(set->setting) != CONFIG_TYPE_STRING)
		set->setting = NULL; /* --set name=A100 or name=123: the text is the string */
	if (!set->setting) {
		/* Not a libconfig scalar: the text itself, as a string (3TB/s, dense). */
		config_destroy(&set->cfg);
		config_init(&set->cfg);
		set->setting =
		    config_setting_add(config_root_setting(&set->cfg), "v", CONFIG_TYPE_STRING);
		if (!set->setting || !config_setting_set_string(set->setting, set->value)) {
			c->where[c->base[set->block] + set->field] = w;
			cfg_error(c, "--set %s: out of memory", set->shown);
			c->block_bad[set->block] = true;
			return;
		}
	}
	cfg_store(c, set->block, set->field, set->setting, &w);
}

/* Reads the file and those it includes and walks them. Returns -1 when they could not be read
 * at all. */
static int cfg_read_file(struct cfg_checker *c, const char *file)
{
	if (cfg_parse_file(c, file))
		return -1;
	cfg_walk(c, 0, config_root_setting(&c->srcs[0].cfg), "", true);
	cfg_walk(c, 0, config_root_setting(&c->srcs[0].cfg), "", false);
	return 0;
}

int cfg_load(const char *file, const struct cfg_block *blocks, size_t nblocks,
             const char *const *sets, size_t nsets, void *root)
{
	struct cfg_checker c;
	size_t nf;
	int rc = -1;

	SIM_ASSERT(cfg_check_tables(blocks, nblocks) == 0, "cfg", 0ull,
	           "the parameter tables are broken (see above)");
	memset(&c, 0, sizeof(c));
	c.blocks = blocks;
	c.nblocks = nblocks;
	c.root = root;
	c.label = file ? file : "defaults";
	c.base = calloc(nblocks + 1, sizeof(*c.base));
	c.block_bad = calloc(nblocks + 1, sizeof(*c.block_bad));
	if (!c.base || !c.block_bad)
		goto oom;
	for (size_t b = 1; b < nblocks; b++)
		c.base[b] = c.base[b - 1] + blocks[b - 1].nfields;
	nf = cfg_nfields(&c);
	c.where = calloc(nf + 1, sizeof(*c.where));
	c.overridden = calloc(nf + 1, sizeof(*c.overridden));
	c.last = calloc(nf + 1, sizeof(*c.last));
	c.sets = calloc(nsets + 1, sizeof(*c.sets));
	if (!c.where || !c.overridden || !c.last || !c.sets)
		goto oom;
	c.nsets = nsets;
	for (size_t b = 0; b < nblocks; b++)
		for (size_t f = 0; f < blocks[b].nfields; f++) {
			const struct cfg_field *fld = &blocks[b].fields[f];
			size_t size = fld->type == CFG_BOOL     ? sizeof(bool)
			              : fld->type == CFG_ENUM   ? sizeof(int)
			              : fld->type == CFG_STRING ? CFG_STRING_MAX
			                                        : sizeof(double);
			memset(cfg_member(&c, b, f), 0, size);
		}
	for (size_t i = 0; i < nsets; i++)
		if (cfg_resolve_set(&c, i, sets[i]))
			goto oom;

	bool unread = file && cfg_read_file(&c, file);
	for (size_t i = 0; i < nsets; i++)
		cfg_apply_set(&c, i);
	if (unread)
		goto done; /* what the file would have set is unknown: no defaults, no checks */
	for (size_t b = 0; b < nblocks; b++)
		for (size_t f = 0; f < blocks[b].nfields; f++) {
			const struct cfg_field *fld = &blocks[b].fields[f];
			struct cfg_where *w = &c.where[c.base[b] + f];
			char path[CFG_PATH_MAX], err[CFG_MSG_MAX];

			if (w->from != CFG_FROM_NONE)
				continue;
			cfg_full_path(path, sizeof(path), blocks[b].path, fld->key);
			if (!fld->def) {
				cfg_error(&c, "%s: %s: required setting missing", c.label, path);
				c.block_bad[b] = true;
				continue;
			}
			w->from = CFG_FROM_DEFAULT;
			if (cfg_default(fld, cfg_member(&c, b, f), err, sizeof(err))) {
				cfg_error(&c, "%s: %s: the default %s: %s", c.label, path, fld->def,
				          err);
				c.block_bad[b] = true;
			}
		}
	for (size_t b = 0; b < nblocks; b++) {
		if (!blocks[b].check || c.block_bad[b])
			continue;
		c.block = b;
		int before = c.nerrors;
		if (blocks[b].check(c.root + blocks[b].offset, &c) && c.nerrors == before)
			cfg_error(&c, "%s: %s: the block's check failed", c.label,
			          blocks[b].path[0] ? blocks[b].path : "(top level)");
	}
done:
	rc = c.nerrors ? -1 : 0;
	goto out;
oom:
	log_error("%s: out of memory while reading the configuration", c.label);
	rc = -1;
out:
	for (size_t i = 0; c.sets && i < nsets; i++) {
		if (c.sets[i].has_cfg)
			config_destroy(&c.sets[i].cfg);
		cfg_src_free(&c.sets[i].src);
		free(c.sets[i].path);
		free(c.sets[i].value);
	}
	for (size_t i = 0; i < c.nsrcs; i++)
		cfg_src_free(&c.srcs[i]);
	free(c.srcs);
	free(c.sets);
	free(c.where);
	free(c.overridden);
	free(c.last);
	free(c.block_bad);
	free(c.base);
	return rc;
}

int cfg_load_defaults(const struct cfg_block *blocks, size_t nblocks, const char *const *sets,
                      size_t nsets, void *root)
{
	return cfg_load(NULL, blocks, nblocks, sets, nsets, root);
}

void cfg_report(struct cfg_checker *chk, const char *key, const char *fmt, ...)
{
	const struct cfg_block *blk = &chk->blocks[chk->block];
	struct cfg_where none = { CFG_FROM_NONE, NULL, 0, 0 };
	const struct cfg_where *w = &none;
	const char *def = NULL;
	char msg[CFG_MSG_MAX], path[CFG_PATH_MAX];
	size_t fi;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (key && cfg_find_field(blk, key, &fi)) {
		w = &chk->where[chk->base[chk->block] + fi];
		def = blk->fields[fi].def;
	}
	cfg_full_path(path, sizeof(path), blk->path, key);
	if (!path[0])
		snprintf(path, sizeof(path), "(top level)");
	cfg_error_where(chk, w, path, def, msg);
}

bool cfg_given(const struct cfg_checker *chk, const char *key)
{
	size_t fi;
	if (!cfg_find_field(&chk->blocks[chk->block], key, &fi))
		return false;
	enum cfg_from from = chk->where[chk->base[chk->block] + fi].from;
	return from == CFG_FROM_FILE || from == CFG_FROM_SET;
}

void cfg_report_missing(struct cfg_checker *chk, const char *key, const char *fmt, ...)
{
	char msg[CFG_MSG_MAX], path[CFG_PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfg_full_path(path, sizeof(path), chk->blocks[chk->block].path, key);
	cfg_error(chk, "%s: %s: required setting missing (%s)", chk->label, path, msg);
}

const void *cfg_checker_root(const struct cfg_checker *chk)
{
	return chk->root;
}
