/* cfg — reads an architecture file through libconfig and checks it against the blocks' tables.
 *
 * Order of work in cfg_load: resolve the --set paths; read the file; walk it in file order,
 * reporting unknown groups and keys and converting known ones (unless a --set overrides
 * them); apply the --sets in order; fill defaults and report missing required fields in table
 * order; run each clean block's check. Every problem is reported, none stops the walk.
 *
 * libconfig 1.5 reads a plain integer literal above 2^31-1 as a wrapped 32-bit value, and
 * a 64-bit (L) literal beyond 2^63-1 as a saturated one, without complaint. So every file that
 * holds an integer setting is scanned again here (cfg_lex_*), and each integer setting is paired,
 * in document order, with the literal it came from; a setting whose literal did not survive is
 * marked (its hook points at the literal) and any field reading it reports the literal.
 */
#include "sim/cfg.h"

#include "sim/log.h"

#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CFG_MSG_MAX  1024
#define CFG_PATH_MAX 512

/* ---- integer literals as written ---- */

/* One integer literal of a source text. */
struct cfg_lit {
	unsigned line;
	bool is64;         /* had an L suffix: libconfig made it an INT64 setting */
	bool bad;          /* libconfig stored something other than what is written */
	long long read_as; /* what libconfig stored for it */
	char text[64];     /* as written (truncated) */
};

/* A file (or a --set / default text) and its integer literals. */
struct cfg_src {
	char *raw;   /* libconfig's name for the file; NULL for a string */
	char *shown; /* the name messages use */
	char *text;  /* contents, NUL-terminated; NULL if unreadable */
	size_t len;
	int err; /* errno when text could not be read */
	struct cfg_lit *lits;
	size_t nlits, cap, cursor;
};

static bool cfg_lex_is_name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '*';
}

static bool cfg_lex_is_name(char c)
{
	return cfg_lex_is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static bool cfg_lex_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool cfg_lex_is_hex(char c)
{
	return cfg_lex_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Works out what libconfig 1.5 stores for the integer literal T (atoi / strtoul for plain ones,
 * atoll / strtoull for L ones) and whether that is the written value. */
static void cfg_lex_judge(struct cfg_lit *lit, const char *t, size_t n, bool hex, bool is64)
{
	char num[64];
	size_t k = n < sizeof(num) - 1 ? n : sizeof(num) - 1;

	memcpy(num, t, k);
	num[k] = '\0';
	lit->is64 = is64;
	snprintf(lit->text, sizeof(lit->text), "%s", num);
	errno = 0;
	if (hex) {
		unsigned long long u = strtoull(num, NULL, 16);
		bool range = errno == ERANGE || n >= sizeof(num) - 1;
		if (is64) {
			lit->read_as = (long long)u;
			lit->bad = range || u > (unsigned long long)LLONG_MAX;
		} else {
			lit->read_as = (int32_t)(uint32_t)u;
			lit->bad = range || u > (unsigned long long)INT_MAX;
		}
	} else {
		long long v = strtoll(num, NULL, 10);
		bool range = errno == ERANGE || n >= sizeof(num) - 1;
		if (is64) {
			lit->read_as = v;
			lit->bad = range;
		} else {
			lit->read_as = (int32_t)(uint32_t)(unsigned long long)v;
			lit->bad = range || v < INT_MIN || v > INT_MAX;
		}
	}
}

static int cfg_lex_push(struct cfg_src *src, unsigned line, const char *t, size_t n, bool hex,
                        bool is64)
{
	if (src->nlits == src->cap) {
		size_t cap = src->cap ? 2 * src->cap : 32;
		struct cfg_lit *lits = realloc(src->lits, cap * sizeof(*lits));
		if (!lits)
			return -1;
		src->lits = lits;
		src->cap = cap;
	}
	src->lits[src->nlits].line = line;
	cfg_lex_judge(&src->lits[src->nlits], t, n, hex, is64);
	src->nlits++;
	return 0;
}

/* Finds the integer literals of src->text the way libconfig's scanner splits tokens:
 * comments (#, //, C-style) and strings are skipped, names swallow their digits, reals
 * are not integers. */
static int cfg_lex(struct cfg_src *src)
{
	const char *p = src->text, *end = src->text + src->len;
	unsigned line = 1;

	while (p < end) {
		char c = *p;
		if (c == '\n') {
			line++, p++;
		} else if (c == '#' || (c == '/' && p + 1 < end && p[1] == '/')) {
			while (p < end && *p != '\n')
				p++;
		} else if (c == '/' && p + 1 < end && p[1] == '*') {
			for (p += 2; p < end && !(*p == '*' && p + 1 < end && p[1] == '/'); p++)
				if (*p == '\n')
					line++;
			p = p < end ? p + 2 : end;
		} else if (c == '"') {
			for (p++; p < end && *p != '"'; p++) {
				if (*p == '\\' && p + 1 < end)
					p++;
				if (*p == '\n')
					line++;
			}
			if (p < end)
				p++;
		} else if (cfg_lex_is_name_start(c)) {
			while (p < end && cfg_lex_is_name(*p))
				p++;
		} else if (c == '0' && p + 2 < end && (p[1] == 'x' || p[1] == 'X') &&
		           cfg_lex_is_hex(p[2])) {
			const char *t = p;
			bool is64 = false;
			for (p += 2; p < end && cfg_lex_is_hex(*p); p++)
				;
			size_t n = (size_t)(p - t);
			if (p < end && *p == 'L')
				is64 = true, p += (p + 1 < end && p[1] == 'L') ? 2 : 1;
			if (cfg_lex_push(src, line, t, n, true, is64))
				return -1;
		} else if (cfg_lex_is_digit(c) || c == '.' ||
		           ((c == '-' || c == '+') && p + 1 < end &&
		            (cfg_lex_is_digit(p[1]) || p[1] == '.'))) {
			const char *t = p, *q;
			size_t digits = 0;
			bool real = false, is64 = false;
			if (c == '-' || c == '+')
				p++;
			while (p < end && cfg_lex_is_digit(*p))
				p++, digits++;
			if (p < end && *p == '.') {
				real = true;
				for (p++; p < end && cfg_lex_is_digit(*p); p++)
					digits++;
			}
			if (digits == 0) {
				p = t + 1;
				continue;
			}
			q = p;
			if (q < end && (*q == 'e' || *q == 'E')) {
				q++;
				if (q < end && (*q == '-' || *q == '+'))
					q++;
				if (q < end && cfg_lex_is_digit(*q)) {
					while (q < end && cfg_lex_is_digit(*q))
						q++;
					real = true;
					p = q;
				}
			}
			if (real)
				continue;
			size_t n = (size_t)(p - t);
			if (p < end && *p == 'L')
				is64 = true, p += (p + 1 < end && p[1] == 'L') ? 2 : 1;
			if (cfg_lex_push(src, line, t, n, false, is64))
				return -1;
		} else {
			p++;
		}
	}
	return 0;
}

/* The literal of SRC that integer setting S came from: the next one in document order that
 * libconfig would have read as S's value; failing that (a file read twice), any. */
static struct cfg_lit *cfg_lex_match(struct cfg_src *src, const config_setting_t *s)
{
	bool is64 = config_setting_type(s) == CONFIG_TYPE_INT64;
	long long v = is64 ? config_setting_get_int64(s) : config_setting_get_int(s);
	unsigned line = config_setting_source_line(s);

	for (int pass = 0; pass < 2; pass++) {
		size_t from = pass == 0 ? src->cursor : 0;
		for (size_t i = from; i < src->nlits; i++) {
			struct cfg_lit *lit = &src->lits[i];
			if (lit->line >= line && lit->is64 == is64 && lit->read_as == v) {
				src->cursor = i + 1;
				return lit;
			}
		}
	}
	return NULL;
}

/* ---- load state ---- */

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
	const char *label; /* the file as given, or "defaults" */
	char *dir;         /* where includes are looked for */
	config_t cfg;
	bool has_cfg;
	struct cfg_src *srcs;
	size_t nsrcs;
	struct cfg_set *sets;
	size_t nsets;
	size_t *base;            /* base[b]: index of block b's first field in the flat arrays */
	struct cfg_where *where; /* per field */
	bool *overridden;        /* per field: a --set names it */
	bool *block_bad;         /* per block: a field of it failed */
	size_t block;            /* the block whose check runs */
	int nerrors;
};

static void cfg_full_path(char *buf, size_t len, const char *group, const char *key)
{
	if (!group || !group[0])
		snprintf(buf, len, "%s", key ? key : "");
	else if (!key)
		snprintf(buf, len, "%s", group);
	else
		snprintf(buf, len, "%s.%s", group, key);
}

static void cfg_error(struct cfg_checker *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void cfg_error(struct cfg_checker *c, const char *fmt, ...)
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

/* Text of line LINE of SRC, trimmed, for syntax errors; "" if not there. */
static void cfg_src_line(const struct cfg_src *src, unsigned line, char *buf, size_t len)
{
	const char *p, *e;

	buf[0] = '\0';
	if (!src || !src->text || line == 0)
		return;
	p = src->text;
	for (unsigned l = 1; l < line; l++) {
		p = strchr(p, '\n');
		if (!p)
			return;
		p++;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	e = strchr(p, '\n');
	if (!e)
		e = p + strlen(p);
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	cfg_units_printable(buf, len, p, (size_t)(e - p), 60);
}

static char *cfg_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/* Reads PATH whole. Returns NULL with errno set on failure. */
static char *cfg_read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL, *grown;
	size_t n = 0, cap = 0;
	int err;

	if (!f)
		return NULL;
	for (;;) {
		if (cap - n < 4096) {
			cap = cap ? 2 * cap : 8192;
			grown = realloc(buf, cap + 1);
			if (!grown) {
				errno = ENOMEM;
				goto fail;
			}
			buf = grown;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f)) {
				errno = errno ? errno : EIO;
				goto fail;
			}
			break;
		}
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	err = errno;
	free(buf);
	fclose(f);
	errno = err;
	return NULL;
}

/* The source record for libconfig's file name RAW, read and scanned on first use. */
static struct cfg_src *cfg_src_for(struct cfg_checker *c, const char *raw)
{
	struct cfg_src *src, *grown;
	char *path = NULL;

	if (!raw)
		return NULL;
	for (size_t i = 0; i < c->nsrcs; i++)
		if (strcmp(c->srcs[i].raw, raw) == 0)
			return &c->srcs[i];
	grown = realloc(c->srcs, (c->nsrcs + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	c->srcs = grown;
	src = &c->srcs[c->nsrcs];
	memset(src, 0, sizeof(*src));
	/* libconfig names the top file as it was given, an included one as its @include wrote it
	 * (relative to the include directory). */
	if (strcmp(raw, c->label) == 0 || raw[0] == '/' || strcmp(c->dir, ".") == 0) {
		path = cfg_strdup(raw);
	} else {
		size_t n = strlen(c->dir) + strlen(raw) + 2;
		path = malloc(n);
		if (path)
			snprintf(path, n, "%s/%s", c->dir, raw);
	}
	src->raw = cfg_strdup(raw);
	if (!path || !src->raw) {
		free(path);
		free(src->raw);
		return NULL;
	}
	src->shown = path;
	c->nsrcs++;
	src->text = cfg_read_all(path, &src->len);
	src->err = src->text ? 0 : errno;
	if (src->text && cfg_lex(src)) {
		src->nlits = 0;
		free(src->text);
		src->text = NULL;
	}
	return src;
}

static const char *cfg_shown(struct cfg_checker *c, const char *raw)
{
	struct cfg_src *src = cfg_src_for(c, raw);
	return src ? src->shown : raw ? raw : "?";
}

static void cfg_src_free(struct cfg_src *src)
{
	free(src->raw);
	free(src->shown);
	free(src->text);
	free(src->lits);
}

/* Marks every integer setting under S whose literal libconfig misread. FIXED is the source of
 * a string config (whose settings name no file). */
static void cfg_mark_misread(struct cfg_checker *c, config_setting_t *s, struct cfg_src *fixed)
{
	int type = config_setting_type(s);

	if (config_setting_is_aggregate(s)) {
		int n = config_setting_length(s);
		for (int i = 0; i < n; i++)
			cfg_mark_misread(c, config_setting_get_elem(s, (unsigned)i), fixed);
		return;
	}
	if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
		return;
	struct cfg_src *src = fixed ? fixed
	                      : c   ? cfg_src_for(c, config_setting_source_file(s))
	                            : NULL;
	if (!src)
		return;
	struct cfg_lit *lit = cfg_lex_match(src, s);
	if (lit && lit->bad)
		config_setting_set_hook(s, lit);
}

/* Parses TEXT as "v = TEXT;" into CFG and returns the setting, marking misread integers
 * against SRC (which keeps TEXT). NULL if it is not a single scalar. */
static config_setting_t *cfg_parse_scalar(config_t *cfg, struct cfg_src *src, const char *text)
{
	size_t n = strlen(text) + 8;
	char *doc = malloc(n);
	config_setting_t *root, *v;

	if (!doc)
		return NULL;
	snprintf(doc, n, "v = %s;", text);
	if (!config_read_string(cfg, doc)) {
		free(doc);
		return NULL;
	}
	root = config_root_setting(cfg);
	v = config_setting_get_member(root, "v");
	if (config_setting_length(root) != 1 || !v || !config_setting_is_scalar(v)) {
		free(doc);
		return NULL;
	}
	src->text = doc;
	src->len = strlen(doc);
	if (cfg_lex(src) == 0)
		cfg_mark_misread(NULL, v, src);
	return v;
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
		snprintf(buf, len, "%.17g", config_setting_get_float(s));
		for (int prec = 6; prec < 17; prec++) {
			snprintf(buf, len, "%.*g", prec, config_setting_get_float(s));
			if (strtod(buf, NULL) == config_setting_get_float(s))
				break;
		}
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
		double v;
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
static int cfg_default(const struct cfg_field *f, void *dst, char *err, size_t n)
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

/* ---- the tables ---- */

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

static const struct cfg_block *cfg_find_block(const struct cfg_block *blocks, size_t nblocks,
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

static const struct cfg_field *cfg_find_field(const struct cfg_block *block, const char *key,
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
static bool cfg_is_group(const struct cfg_block *blocks, size_t nblocks, const char *path)
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

/* Walks group G (at dotted PATH) of the file: unknown groups and keys are reported, known keys
 * converted unless a --set overrides them. */
static void cfg_walk(struct cfg_checker *c, const config_setting_t *g, const char *path)
{
	int n = config_setting_length(g);
	size_t bi = 0;
	const struct cfg_block *blk = cfg_find_block(c->blocks, c->nblocks, path, &bi);

	for (int i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(s);
		const char *file = cfg_shown(c, config_setting_source_file(s));
		unsigned line = config_setting_source_line(s);
		char full[CFG_PATH_MAX], hint[CFG_PATH_MAX + 32];
		const struct cfg_field *fld = NULL;
		size_t fi = 0;

		if (!name)
			continue;
		cfg_full_path(full, sizeof(full), path, name);
		if (blk)
			fld = cfg_find_field(blk, name, &fi);
		if (fld) {
			struct cfg_where w = { CFG_FROM_FILE, file, line, 0 };
			if (!c->overridden[c->base[bi] + fi])
				cfg_store(c, bi, fi, s, &w);
			else
				c->where[c->base[bi] + fi] = w;
			continue;
		}
		if (config_setting_is_group(s) && cfg_is_group(c->blocks, c->nblocks, full)) {
			cfg_walk(c, s, full);
			continue;
		}
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

/* Reads the file into c->cfg and walks it. Returns -1 when it could not be read at all. */
static int cfg_read_file(struct cfg_checker *c, const char *file)
{
	const char *slash = strrchr(file, '/');
	struct cfg_src *top;

	if (!slash)
		c->dir = cfg_strdup(".");
	else if (slash == file)
		c->dir = cfg_strdup("/");
	else if ((c->dir = malloc((size_t)(slash - file) + 1)) != NULL) {
		memcpy(c->dir, file, (size_t)(slash - file));
		c->dir[slash - file] = '\0';
	}
	if (!c->dir) {
		cfg_error(c, "%s: out of memory", file);
		return -1;
	}
	top = cfg_src_for(c, file);
	if (!top || !top->text) {
		cfg_error(c, "%s: cannot open: %s", file, strerror(top ? top->err : ENOMEM));
		return -1;
	}
	config_init(&c->cfg);
	c->has_cfg = true;
	config_set_include_dir(&c->cfg, c->dir);
	if (!config_read_file(&c->cfg, file)) {
		const char *raw = config_error_file(&c->cfg);
		int line = config_error_line(&c->cfg);
		const char *what = config_error_text(&c->cfg);
		char text[160];

		if (config_error_type(&c->cfg) == CONFIG_ERR_FILE_IO || !raw) {
			cfg_error(c, "%s: cannot read: %s", file, what ? what : "I/O error");
			return -1;
		}
		struct cfg_src *src = cfg_src_for(c, raw);
		cfg_src_line(src, (unsigned)line, text, sizeof(text));
		if (strcmp(what, "cannot open include file") == 0)
			cfg_error(c,
			          "%s:%d: cannot open include file (the line reads: %s; @include "
			          "paths are relative to %s)",
			          src ? src->shown : raw, line, text, c->dir);
		else if (strcmp(what, "duplicate setting name") == 0)
			cfg_error(c,
			          "%s:%d: duplicate setting name (a key may appear once per group; "
			          "the line reads: %s)",
			          src ? src->shown : raw, line, text);
		else if (text[0])
			cfg_error(c, "%s:%d: %s (the line reads: %s)", src ? src->shown : raw, line,
			          what, text);
		else
			cfg_error(c, "%s:%d: %s", src ? src->shown : raw, line, what);
		return -1;
	}
	cfg_mark_misread(c, config_root_setting(&c->cfg), NULL);
	cfg_walk(c, config_root_setting(&c->cfg), "");
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
	c.sets = calloc(nsets + 1, sizeof(*c.sets));
	if (!c.where || !c.overridden || !c.sets)
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
	if (c.has_cfg)
		config_destroy(&c.cfg);
	for (size_t i = 0; i < c.nsrcs; i++)
		cfg_src_free(&c.srcs[i]);
	free(c.srcs);
	free(c.dir);
	free(c.sets);
	free(c.where);
	free(c.overridden);
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

/* ---- describing and formatting ---- */

const char *cfg_format_field(char *buf, size_t len, const struct cfg_field *field,
                             const void *block_struct)
{
	const char *m = (const char *)block_struct + field->offset;

	switch (field->type) {
	case CFG_BOOL: {
		bool v;
		memcpy(&v, m, sizeof(v));
		snprintf(buf, len, "%s", v ? "true" : "false");
		break;
	}
	case CFG_INT: {
		int64_t v;
		memcpy(&v, m, sizeof(v));
		snprintf(buf, len, "%lld", (long long)v);
		break;
	}
	case CFG_BYTES: {
		uint64_t v;
		memcpy(&v, m, sizeof(v));
		if (v < (1ull << 53))
			cfg_units_format(buf, len, CFG_BYTES, (double)v);
		else
			snprintf(buf, len, "%llu B", (unsigned long long)v);
		break;
	}
	case CFG_REAL:
	case CFG_RATE:
	case CFG_FREQ:
	case CFG_TIME:
	case CFG_ENERGY:
	case CFG_POWER: {
		double v;
		memcpy(&v, m, sizeof(v));
		cfg_units_format(buf, len, field->type, v);
		break;
	}
	case CFG_STRING: snprintf(buf, len, "%.*s", CFG_STRING_MAX - 1, m); break;
	case CFG_ENUM: {
		int v, n = 0;
		memcpy(&v, m, sizeof(v));
		while (field->names && field->names[n])
			n++;
		snprintf(buf, len, "%s", v >= 0 && v < n ? field->names[v] : "?");
		break;
	}
	}
	return buf;
}

static void cfg_describe_range(char *buf, size_t len, const struct cfg_field *f)
{
	char lo[64], hi[64];

	if (f->type == CFG_BOOL) {
		snprintf(buf, len, "true|false");
	} else if (f->type == CFG_STRING) {
		snprintf(buf, len, "<= %d bytes", CFG_STRING_MAX - 1);
	} else if (f->type == CFG_ENUM) {
		size_t o = 0;
		buf[0] = '\0';
		for (size_t i = 0; f->names && f->names[i] && o < len; i++)
			o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? "|" : "", f->names[i]);
	} else {
		cfg_units_format(lo, sizeof(lo), f->type, f->min);
		cfg_units_format(hi, sizeof(hi), f->type, f->max);
		if (isinf(f->min) && isinf(f->max))
			snprintf(buf, len, "any");
		else if (isinf(f->max))
			snprintf(buf, len, ">= %s", lo);
		else if (isinf(f->min))
			snprintf(buf, len, "<= %s", hi);
		else
			snprintf(buf, len, "[%s, %s]", lo, hi);
	}
}

void cfg_describe(FILE *out, const struct cfg_block *blocks, size_t nblocks)
{
	static const enum cfg_type unit_types[] = { CFG_BYTES, CFG_RATE,   CFG_FREQ,
		                                    CFG_TIME,  CFG_ENERGY, CFG_POWER };
	char path[CFG_PATH_MAX], range[CFG_MSG_MAX];
	int wpath = 4, wtype = 4, wunit = 4, wdef = 7, wrange = 5;

	for (size_t b = 0; b < nblocks; b++)
		for (size_t f = 0; f < blocks[b].nfields; f++) {
			const struct cfg_field *fld = &blocks[b].fields[f];
			cfg_full_path(path, sizeof(path), blocks[b].path, fld->key);
			cfg_describe_range(range, sizeof(range), fld);
#define CFG_WIDEN(w, s)           \
	if ((int)strlen(s) > (w)) \
	(w) = (int)strlen(s)
			CFG_WIDEN(wpath, path);
			CFG_WIDEN(wtype, cfg_units_type_name(fld->type));
			CFG_WIDEN(wunit, fld->unit[0] ? fld->unit : "-");
			CFG_WIDEN(wdef, fld->def ? fld->def : "required");
			CFG_WIDEN(wrange, range);
#undef CFG_WIDEN
		}
	fprintf(out,
	        "# Every setting of an architecture file (libconfig syntax; --set PATH=VALUE).\n");
	fprintf(out,
	        "# Values with units are strings, e.g. size = \"40 MiB\"; a plain number is in the "
	        "unit column.\n");
	for (size_t t = 0; t < sizeof(unit_types) / sizeof(unit_types[0]); t++)
		fprintf(out, "#   %-6s %s\n", cfg_units_type_name(unit_types[t]),
		        cfg_units_accepted(unit_types[t]));
	for (size_t b = 0; b < nblocks; b++) {
		fprintf(out, "\n[%s] %s\n", blocks[b].path[0] ? blocks[b].path : "(top level)",
		        blocks[b].desc);
		fprintf(out, "%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", wpath, "path", wtype, "type",
		        wunit, "unit", wdef, "default", wrange, "range", "description");
		for (size_t f = 0; f < blocks[b].nfields; f++) {
			const struct cfg_field *fld = &blocks[b].fields[f];
			cfg_full_path(path, sizeof(path), blocks[b].path, fld->key);
			cfg_describe_range(range, sizeof(range), fld);
			fprintf(out, "%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", wpath, path, wtype,
			        cfg_units_type_name(fld->type), wunit,
			        fld->unit[0] ? fld->unit : "-", wdef,
			        fld->def ? fld->def : "required", wrange, range, fld->desc);
		}
	}
}
