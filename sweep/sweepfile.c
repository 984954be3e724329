/* sweepfile — reading a sweep file (sweepfile.h): its keys, its axes and ranges, its filters,
 * and the enumeration of its points. Every problem is reported with log_error as FILE:LINE and
 * counted; loading goes on to find the others, and fails at the end if there was any. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "sweep/sweepfile.h"

#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/cfg.h"
#include "sim/log.h"
#include "sim/num.h"
#include "sim/paths.h"
#include "sweep/where.h"
#include "traces/trace.h"

/* Points a sweep may enumerate before its filters, and keep after them. */
#define SWEEPFILE_MAX_ENUMERATED 10000000ULL
#define SWEEPFILE_MAX_POINTS     1000000ULL
/* Values one range may generate. */
#define SWEEPFILE_MAX_RANGE 100000

/* ---- the tracegen options ---------------------------------------------------------------- */

enum sweepfile_gen_type { GEN_TEXT, GEN_COUNT1, GEN_COUNT0, GEN_FLAG };

static const struct {
	const char *key, *option;
	enum sweepfile_gen_type type;
} sweepfile_gens[SWEEPFILE_GEN_COUNT] = {
	[SWEEPFILE_GEN_MODEL] = { "model", "--model", GEN_TEXT },
	[SWEEPFILE_GEN_BATCH] = { "batch", "--batch", GEN_COUNT1 },
	[SWEEPFILE_GEN_PROMPT] = { "prompt", "--prompt", GEN_COUNT1 },
	[SWEEPFILE_GEN_DECODE] = { "decode", "--decode", GEN_COUNT0 },
	[SWEEPFILE_GEN_WEIGHTS] = { "weights", "--weights", GEN_TEXT },
	[SWEEPFILE_GEN_WEIGHT_ONLY] = { "weight_only", "--weight-only", GEN_FLAG },
	[SWEEPFILE_GEN_ACT] = { "act", "--act", GEN_TEXT },
	[SWEEPFILE_GEN_SPARSITY] = { "sparsity", "--sparsity", GEN_TEXT },
	[SWEEPFILE_GEN_KV] = { "kv", "--kv", GEN_TEXT },
	[SWEEPFILE_GEN_ACT_SPARSITY] = { "act_sparsity", "--act-sparsity", GEN_TEXT },
	[SWEEPFILE_GEN_ATTN] = { "attn", "--attn", GEN_TEXT },
	[SWEEPFILE_GEN_TP] = { "tp", "--tp", GEN_COUNT1 },
	[SWEEPFILE_GEN_MOE_DIST] = { "moe_dist", "--moe-dist", GEN_TEXT },
};

const char *sweepfile_gen_key(enum sweepfile_gen g)
{
	return sweepfile_gens[g].key;
}

const char *sweepfile_gen_option(enum sweepfile_gen g)
{
	return sweepfile_gens[g].option;
}

static int sweepfile_gen_find(const char *key)
{
	for (int g = 0; g < SWEEPFILE_GEN_COUNT; g++)
		if (!strcmp(sweepfile_gens[g].key, key))
			return g;
	return -1;
}

/* ---- reporting --------------------------------------------------------------------------- */

struct sf_ctx {
	struct sweepfile *sw;
	config_t cfg;
	int errors;
	size_t cap_axes;
};

static void sf_error(struct sf_ctx *c, const config_setting_t *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void sf_error(struct sf_ctx *c, const config_setting_t *s, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	const char *file = s ? config_setting_source_file(s) : NULL;
	unsigned line = s ? config_setting_source_line(s) : 0;
	if (!file)
		file = c->sw->file;
	if (line)
		log_error("%s:%u: %s", file, line, msg);
	else
		log_error("%s: %s", file, msg);
	c->errors++;
}

static void *sf_alloc(struct sf_ctx *c, size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		sf_error(c, NULL, "out of memory");
	return p;
}

static char *sf_strdup(struct sf_ctx *c, const char *s)
{
	char *d = strdup(s);
	if (!d)
		sf_error(c, NULL, "out of memory");
	return d;
}

/* Every key of group G must be one of KEYS (NULL-terminated). */
static void sf_known_keys(struct sf_ctx *c, const config_setting_t *g, const char *what,
                          const char *const *keys)
{
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(s);
		bool known = false;
		for (const char *const *k = keys; *k && !known; k++)
			known = !strcmp(*k, name);
		if (known)
			continue;
		char list[512] = "";
		for (const char *const *k = keys; *k; k++) {
			size_t used = strlen(list);
			snprintf(list + used, sizeof list - used, "%s%s", k == keys ? "" : ", ",
			         *k);
		}
		sf_error(c, s, "%s: unknown key '%s' (expected %s)", what, name, list);
	}
}

/* ---- values ------------------------------------------------------------------------------ */

/* A scalar setting as text: integers as written, reals shortest, strings as they are. NULL
 * after reporting when S is not a scalar. */
static char *sf_scalar_text(struct sf_ctx *c, const config_setting_t *s, const char *what,
                            bool *quoted)
{
	char buf[64];
	*quoted = false;
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT: snprintf(buf, sizeof buf, "%d", config_setting_get_int(s)); break;
	case CONFIG_TYPE_INT64:
		snprintf(buf, sizeof buf, "%lld", config_setting_get_int64(s));
		break;
	case CONFIG_TYPE_FLOAT:
		if (num_shortest(config_setting_get_float(s), 6, buf, sizeof buf)) {
			sf_error(c, s, "%s: not a finite number", what);
			return NULL;
		}
		break;
	case CONFIG_TYPE_BOOL:
		snprintf(buf, sizeof buf, "%s", config_setting_get_bool(s) ? "true" : "false");
		break;
	case CONFIG_TYPE_STRING: *quoted = true; return sf_strdup(c, config_setting_get_string(s));
	default: sf_error(c, s, "%s: expected a number, a string or true/false", what); return NULL;
	}
	return sf_strdup(c, buf);
}

/* Checks a value of tracegen option G (text, from setting S) where the sweep file can. */
static void sf_check_gen(struct sf_ctx *c, const config_setting_t *s, enum sweepfile_gen g,
                         const char *text, bool quoted)
{
	const char *key = sweepfile_gens[g].key;
	switch (sweepfile_gens[g].type) {
	case GEN_COUNT1:
	case GEN_COUNT0: {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(text, &end, 10);
		unsigned long long lo = sweepfile_gens[g].type == GEN_COUNT1 ? 1 : 0;
		if (quoted || !isdigit((unsigned char)text[0]) || *end || errno || v < lo)
			sf_error(c, s, "%s: expected an integer >= %llu, got %s%s%s", key, lo,
			         quoted ? "\"" : "", text, quoted ? "\"" : "");
		break;
	}
	case GEN_FLAG:
		if (quoted || (strcmp(text, "true") && strcmp(text, "false")))
			sf_error(c, s, "%s: expected true or false", key);
		break;
	case GEN_TEXT:
		if (!quoted || !text[0])
			sf_error(c, s, "%s: expected a non-empty string", key);
		break;
	}
}

/* ---- paths ------------------------------------------------------------------------------- */

/* TEXT (a path in the sweep file) relative to the sweep file's folder, unless absolute. */
static char *sf_relative(struct sf_ctx *c, const char *text)
{
	if (text[0] == '/')
		return sf_strdup(c, text);
	size_t n = strlen(c->sw->dir) + strlen(text) + 2;
	char *p = sf_alloc(c, n, 1);
	if (p)
		snprintf(p, n, "%s/%s", c->sw->dir, text);
	return p;
}

static bool sf_is_file(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The file an arch value stands for: a path relative to the sweep file; a bare name beside the
 * sweep file, else as simrun's --arch finds it. Absolute, so that any folder can run it. */
static char *sf_find_arch(struct sf_ctx *c, const config_setting_t *s, const char *text)
{
	char found[PATH_MAX], looked[2048], real[PATH_MAX];
	char *beside = sf_relative(c, text);
	if (!beside)
		return NULL;
	if (strchr(text, '/') || sf_is_file(beside)) {
		snprintf(found, sizeof found, "%s", beside);
	} else if (paths_find_config(text, found, sizeof found, looked, sizeof looked)) {
		sf_error(c, s, "arch: %s: no such architecture file (looked in %s, %s)", text,
		         c->sw->dir, looked);
		free(beside);
		return NULL;
	}
	free(beside);
	if (!realpath(found, real)) {
		sf_error(c, s, "arch: %s: %s", found, strerror(errno));
		return NULL;
	}
	return sf_strdup(c, real);
}

/* ---- axes -------------------------------------------------------------------------------- */

static struct sweepfile_axis *sf_new_axis(struct sf_ctx *c, const char *name,
                                          enum sweepfile_kind kind, size_t group, unsigned line)
{
	struct sweepfile *sw = c->sw;
	if (sw->naxes == c->cap_axes) {
		size_t cap = c->cap_axes ? 2 * c->cap_axes : 8;
		struct sweepfile_axis *a = realloc(sw->axes, cap * sizeof *a);
		if (!a) {
			sf_error(c, NULL, "out of memory");
			return NULL;
		}
		sw->axes = a;
		c->cap_axes = cap;
	}
	struct sweepfile_axis *a = &sw->axes[sw->naxes++];
	memset(a, 0, sizeof *a);
	a->name = sf_strdup(c, name);
	a->kind = kind;
	a->group = group;
	a->line = line;
	return a;
}

static int sf_axis_values(struct sf_ctx *c, struct sweepfile_axis *a, size_t n)
{
	a->values = sf_alloc(c, n, sizeof *a->values);
	a->quoted = sf_alloc(c, n, sizeof *a->quoted);
	a->nvalues = n;
	return a->values && a->quoted ? 0 : -1;
}

/* One end or step of a range: its number in the stored unit, its unit, whether an integer. */
struct sf_num {
	double v;
	int unit;
	bool integer;
};

static int sf_range_num(struct sf_ctx *c, const config_setting_t *r, const char *key,
                        struct sf_num *out)
{
	const config_setting_t *s = config_setting_get_member(r, key);
	if (!s)
		return 1; /* absent */
	bool quoted;
	char *text = sf_scalar_text(c, s, key, &quoted);
	if (!text)
		return -1;
	int t = config_setting_type(s);
	out->integer = t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
	int rc = 0;
	if (t == CONFIG_TYPE_BOOL || where_number(text, &out->v, &out->unit)) {
		sf_error(c, s,
		         "range.%s: expected a number, or a string holding a number and a unit "
		         "(\"2 TB/s\", \"64 KiB\"), got %s%s%s",
		         key, quoted ? "\"" : "", text, quoted ? "\"" : "");
		rc = -1;
	}
	free(text);
	return rc;
}

/* The values of `range = { from = ..; to = ..; step | factor | steps = ..; scale = ..; }`. */
static int sf_range(struct sf_ctx *c, struct sweepfile_axis *a, const config_setting_t *r)
{
	static const char *const keys[] = {
		"from", "to", "step", "factor", "steps", "scale", NULL
	};
	if (!config_setting_is_group(r)) {
		sf_error(c, r, "range: expected a group { from = ..; to = ..; step = ..; }");
		return -1;
	}
	int before = c->errors;
	sf_known_keys(c, r, "range", keys);
	struct sf_num from, to, step = { 0, -1, true }, factor = { 0, -1, false };
	int rf = sf_range_num(c, r, "from", &from), rt = sf_range_num(c, r, "to", &to);
	int rs = sf_range_num(c, r, "step", &step), rx = sf_range_num(c, r, "factor", &factor);
	const config_setting_t *steps_s = config_setting_get_member(r, "steps");
	const config_setting_t *scale_s = config_setting_get_member(r, "scale");
	if (rf == 1 || rt == 1)
		sf_error(c, r, "range: needs from and to");
	if ((rs == 0) + (rx == 0) + (steps_s != NULL) != 1)
		sf_error(c, r,
		         "range: needs exactly one of step (linear), factor (geometric) "
		         "or steps (a count)");
	if (c->errors > before)
		return -1;
	if (from.unit != to.unit && from.unit >= 0 && to.unit >= 0) {
		sf_error(c, r, "range: from and to have different units");
		return -1;
	}
	int unit = from.unit >= 0 ? from.unit : to.unit;
	bool geometric = rx == 0, integer = from.integer && to.integer && unit < 0;
	long long count = 0;
	if (steps_s) {
		if (config_setting_type(steps_s) != CONFIG_TYPE_INT ||
		    config_setting_get_int(steps_s) < 1 ||
		    config_setting_get_int(steps_s) > SWEEPFILE_MAX_RANGE) {
			sf_error(c, steps_s, "range.steps: expected an integer in [1, %d]",
			         SWEEPFILE_MAX_RANGE);
			return -1;
		}
		count = config_setting_get_int(steps_s);
		if (scale_s) {
			const char *scale = config_setting_get_string(scale_s);
			if (scale && !strcmp(scale, "geometric"))
				geometric = true;
			else if (!scale || strcmp(scale, "linear")) {
				sf_error(c, scale_s,
				         "range.scale: expected \"linear\" or \"geometric\"");
				return -1;
			}
		}
	} else if (scale_s) {
		sf_error(c, scale_s,
		         "range.scale: only with steps (step is linear, factor "
		         "geometric)");
		return -1;
	}
	if (from.v > to.v) {
		sf_error(c, r, "range: from is above to");
		return -1;
	}
	if (geometric && from.v <= 0) {
		sf_error(c, r, "range: a geometric range needs from > 0");
		return -1;
	}
	if (rs == 0) {
		if (!(step.v > 0) || (step.unit >= 0 && step.unit != unit)) {
			sf_error(c, config_setting_get_member(r, "step"),
			         "range.step: expected a number above 0%s",
			         unit >= 0 ? " in the unit of from and to" : "");
			return -1;
		}
		integer = integer && step.integer;
		double n = floor((to.v - from.v) / step.v * (1 + 1e-12) + 1e-9) + 1;
		count = n > SWEEPFILE_MAX_RANGE ? SWEEPFILE_MAX_RANGE + 1 : (long long)n;
	} else if (rx == 0) {
		if (!(factor.v > 1) || factor.unit >= 0) {
			sf_error(c, config_setting_get_member(r, "factor"),
			         "range.factor: expected a plain number above 1");
			return -1;
		}
		double n = floor(log(to.v / from.v) / log(factor.v) * (1 + 1e-12) + 1e-9) + 1;
		count = n > SWEEPFILE_MAX_RANGE ? SWEEPFILE_MAX_RANGE + 1 : (long long)n;
	}
	if (count > SWEEPFILE_MAX_RANGE) {
		sf_error(c, r, "range: more than %d values", SWEEPFILE_MAX_RANGE);
		return -1;
	}
	if (sf_axis_values(c, a, (size_t)count))
		return -1;
	size_t kept = 0;
	for (long long i = 0; i < count; i++) {
		double v;
		if (rs == 0)
			v = from.v + (double)i * step.v;
		else if (rx == 0)
			v = from.v * pow(factor.v, (double)i);
		else if (count == 1)
			v = from.v;
		else if (geometric)
			v = from.v * pow(to.v / from.v, (double)i / (double)(count - 1));
		else
			v = from.v + (to.v - from.v) * (double)i / (double)(count - 1);
		char buf[64];
		if (integer)
			snprintf(buf, sizeof buf, "%lld", llround(v));
		else if (unit >= 0)
			cfg_units_format(buf, sizeof buf, (enum cfg_type)unit, v);
		else
			num_shortest(v, 6, buf, sizeof buf);
		/* Rounding to integers can repeat a value: keep the first. */
		if (kept && !strcmp(a->values[kept - 1], buf))
			continue;
		a->values[kept] = sf_strdup(c, buf);
		a->quoted[kept] = unit >= 0;
		kept++;
	}
	a->nvalues = kept;
	return 0;
}

static int sf_values(struct sf_ctx *c, struct sweepfile_axis *a, const config_setting_t *v)
{
	if (!config_setting_is_aggregate(v) || config_setting_length(v) == 0) {
		sf_error(c, v, "values: expected a non-empty list [v1, v2, ...]");
		return -1;
	}
	int n = config_setting_length(v);
	if (sf_axis_values(c, a, (size_t)n))
		return -1;
	int rc = 0;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(v, (unsigned)i);
		a->values[i] = sf_scalar_text(c, e, "values", &a->quoted[i]);
		if (!a->values[i])
			rc = -1;
		else if (a->kind == SWEEPFILE_GEN)
			sf_check_gen(c, e, a->gen, a->values[i], a->quoted[i]);
	}
	return rc;
}

static bool sf_name_ok(const char *s)
{
	if (!isalpha((unsigned char)s[0]) && s[0] != '_')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.')
			return false;
	return true;
}

/* A plain axis (set or gen, with values or a range) in GROUP. */
static int sf_plain_axis(struct sf_ctx *c, const config_setting_t *g, size_t group,
                         const char *what)
{
	static const char *const keys[] = { "name", "set", "gen", "values", "range", NULL };
	int before = c->errors;
	sf_known_keys(c, g, what, keys);
	const char *set = NULL, *gen = NULL, *name = NULL;
	const config_setting_t *s_set = config_setting_get_member(g, "set");
	const config_setting_t *s_gen = config_setting_get_member(g, "gen");
	const config_setting_t *s_name = config_setting_get_member(g, "name");
	if (s_set && !(set = config_setting_get_string(s_set)))
		sf_error(c, s_set, "%s: set: expected a dotted setting path (\"hbm.bandwidth\")",
		         what);
	if (s_gen && !(gen = config_setting_get_string(s_gen)))
		sf_error(c, s_gen, "%s: gen: expected a tracegen option (\"batch\")", what);
	if (s_name && !(name = config_setting_get_string(s_name)))
		sf_error(c, s_name, "%s: name: expected a string", what);
	if (!!s_set + !!s_gen != 1)
		sf_error(c, g, "%s: needs exactly one of set = \"PATH\" or gen = \"OPTION\"", what);
	int gi = -1;
	if (gen && (gi = sweepfile_gen_find(gen)) < 0) {
		char list[512] = "";
		for (int k = 0; k < SWEEPFILE_GEN_COUNT; k++) {
			size_t used = strlen(list);
			snprintf(list + used, sizeof list - used, "%s%s", k ? ", " : "",
			         sweepfile_gens[k].key);
		}
		sf_error(c, s_gen, "%s: gen: unknown tracegen option '%s' (expected %s)", what, gen,
		         list);
	}
	if (set && (!set[0] || strchr(set, '=') || strchr(set, ' ')))
		sf_error(c, s_set, "%s: set: expected a dotted setting path, got \"%s\"", what,
		         set);
	const config_setting_t *s_values = config_setting_get_member(g, "values");
	const config_setting_t *s_range = config_setting_get_member(g, "range");
	if (!!s_values + !!s_range != 1)
		sf_error(c, g, "%s: needs exactly one of values = [..] or range = { .. }", what);
	if (!name)
		name = set ? set : gen;
	if (name && !sf_name_ok(name))
		sf_error(
		    c, s_name ? s_name : g,
		    "%s: name '%s': expected letters, digits, '_' and '.', not starting with a "
		    "digit",
		    what, name);
	if (c->errors > before)
		return -1;
	struct sweepfile_axis *a = sf_new_axis(c, name, set ? SWEEPFILE_SET : SWEEPFILE_GEN, group,
	                                       config_setting_source_line(g));
	if (!a)
		return -1;
	if (set)
		a->target = sf_strdup(c, set);
	else
		a->gen = (enum sweepfile_gen)gi;
	if (s_values)
		return sf_values(c, a, s_values);
	if (sf_range(c, a, s_range))
		return -1;
	if (a->kind == SWEEPFILE_GEN)
		for (size_t i = 0; i < a->nvalues; i++)
			sf_check_gen(c, s_range, a->gen, a->values[i], false);
	return 0;
}

/* A zip group: its axes move together; optional labels name each step. */
static int sf_zip(struct sf_ctx *c, const config_setting_t *g, size_t group, const char *what)
{
	static const char *const keys[] = { "name", "zip", "labels", NULL };
	int before = c->errors;
	sf_known_keys(c, g, what, keys);
	const config_setting_t *zip = config_setting_get_member(g, "zip");
	const config_setting_t *labels = config_setting_get_member(g, "labels");
	const config_setting_t *s_name = config_setting_get_member(g, "name");
	const char *name = s_name ? config_setting_get_string(s_name) : NULL;
	if (!config_setting_is_list(zip) || config_setting_length(zip) == 0) {
		sf_error(c, zip, "%s: zip: expected a list of axes ( { .. }, { .. } )", what);
		return -1;
	}
	if (s_name && (!name || !sf_name_ok(name)))
		sf_error(c, s_name, "%s: name: expected letters, digits, '_' and '.'", what);
	if (labels && !name)
		sf_error(c, labels, "%s: labels need a name for their column", what);
	if (c->errors > before)
		return -1;
	size_t label_axis = c->sw->naxes;
	if (labels) {
		struct sweepfile_axis *a =
		    sf_new_axis(c, name, SWEEPFILE_LABEL, group, config_setting_source_line(g));
		if (!a || sf_values(c, a, labels))
			return -1;
	}
	size_t first = c->sw->naxes;
	for (int i = 0; i < config_setting_length(zip); i++) {
		const config_setting_t *m = config_setting_get_elem(zip, (unsigned)i);
		char mwhat[64];
		snprintf(mwhat, sizeof mwhat, "%s.zip[%d]", what, i);
		if (!config_setting_is_group(m)) {
			sf_error(c, m, "%s: expected an axis { set = ..; values = [..]; }", mwhat);
			continue;
		}
		if (config_setting_get_member(m, "zip")) {
			sf_error(c, m, "%s: a zip inside a zip", mwhat);
			continue;
		}
		sf_plain_axis(c, m, group, mwhat);
	}
	if (c->errors > before)
		return -1;
	size_t n = c->sw->axes[first].nvalues;
	for (size_t a = labels ? label_axis : first; a < c->sw->naxes; a++)
		if (c->sw->axes[a].nvalues != n) {
			log_error(
			    "%s:%u: %s: '%s' has %zu values, '%s' has %zu: a zip moves its axes "
			    "together, so they need as many each",
			    c->sw->file, c->sw->axes[a].line, what, c->sw->axes[a].name,
			    c->sw->axes[a].nvalues, c->sw->axes[first].name, n);
			c->errors++;
			return -1;
		}
	return 0;
}

/* ---- workloads --------------------------------------------------------------------------- */

static void sf_workload(struct sf_ctx *c, const config_setting_t *g, struct sweepfile_workload *w,
                        const char *what)
{
	const char *keys[SWEEPFILE_GEN_COUNT + 3] = { "name", "trace" };
	for (int k = 0; k < SWEEPFILE_GEN_COUNT; k++)
		keys[2 + k] = sweepfile_gens[k].key;
	w->line = config_setting_source_line(g);
	if (!config_setting_is_group(g)) {
		sf_error(c, g, "%s: expected a group { model = \"..\"; .. } or { trace = \"..\"; }",
		         what);
		return;
	}
	sf_known_keys(c, g, what, keys);
	const config_setting_t *s_trace = config_setting_get_member(g, "trace");
	const config_setting_t *s_name = config_setting_get_member(g, "name");
	for (int k = 0; k < SWEEPFILE_GEN_COUNT; k++) {
		const config_setting_t *s = config_setting_get_member(g, sweepfile_gens[k].key);
		bool quoted;
		if (s && (w->gen[k] = sf_scalar_text(c, s, sweepfile_gens[k].key, &quoted)))
			sf_check_gen(c, s, (enum sweepfile_gen)k, w->gen[k], quoted);
	}
	if (s_trace) {
		const char *t = config_setting_get_string(s_trace);
		bool any = false;
		for (int k = 0; k < SWEEPFILE_GEN_COUNT; k++)
			any = any || w->gen[k];
		if (!t || !t[0])
			sf_error(c, s_trace, "%s: trace: expected a file name", what);
		else if (any)
			sf_error(c, s_trace, "%s: a trace file takes no tracegen options", what);
		else if ((w->trace = sf_relative(c, t)) && !sf_is_file(w->trace))
			sf_error(c, s_trace, "%s: trace: %s: no such file", what, w->trace);

	} else if (!w->gen[SWEEPFILE_GEN_MODEL]) {
		sf_error(c, g, "%s: needs model = \"NAME\" (a tracegen recipe) or trace = \"FILE\"",
		         what);
	}
	const char *name = s_name ? config_setting_get_string(s_name) : NULL;
	if (s_name && (!name || !name[0]))
		sf_error(c, s_name, "%s: name: expected a string", what);
	if (name) {
		w->name = sf_strdup(c, name);
	} else if (s_trace || w->gen[SWEEPFILE_GEN_MODEL]) {
		/* The file's stem or the model's name. */
		const char *src =
		    s_trace ? config_setting_get_string(s_trace) : w->gen[SWEEPFILE_GEN_MODEL];
		const char *base = src && strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
		w->name = sf_strdup(c, base ? base : "workload");
		char *dot = w->name ? strstr(w->name, ".trace") : NULL;
		if (!dot && w->name)
			dot = strstr(w->name, ".cfg");
		if (dot && dot != w->name)
			*dot = 0;
	}
}

/* ---- the top level ----------------------------------------------------------------------- */

static void sf_arch(struct sf_ctx *c, const config_setting_t *root)
{
	struct sweepfile *sw = c->sw;
	const config_setting_t *s = config_setting_get_member(root, "arch");
	struct sweepfile_axis *a = sf_new_axis(c, "arch", SWEEPFILE_ARCH, 0, 0);
	if (!a)
		return;
	if (!s) {
		sf_error(c, NULL, "arch: required (an architecture file, or a list of them)");
		return;
	}
	a->line = config_setting_source_line(s);
	const config_setting_t *list = config_setting_is_aggregate(s) ? s : NULL;
	int n = list ? config_setting_length(list) : 1;
	if (n == 0) {
		sf_error(c, s, "arch: an empty list");
		return;
	}
	if (sf_axis_values(c, a, (size_t)n) ||
	    !(sw->archs = sf_alloc(c, (size_t)n, sizeof(char *))))
		return;
	sw->narchs = (size_t)n;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = list ? config_setting_get_elem(list, (unsigned)i) : s;
		const char *t = config_setting_get_string(e);
		if (!t || !t[0]) {
			sf_error(c, e, "arch: expected an architecture file name");
			continue;
		}
		a->values[i] = sf_strdup(c, t);
		a->quoted[i] = true;
		sw->archs[i] = sf_find_arch(c, e, t);
		for (int k = 0; k < i; k++)
			if (a->values[k] && !strcmp(a->values[k], t))
				sf_error(c, e, "arch: %s is listed twice", t);
	}
}

static void sf_sets(struct sf_ctx *c, const config_setting_t *root)
{
	struct sweepfile *sw = c->sw;
	const config_setting_t *s = config_setting_get_member(root, "set");
	if (!s)
		return;
	sw->sets_line = config_setting_source_line(s);
	if (!config_setting_is_aggregate(s)) {
		sf_error(c, s, "set: expected a list of \"path=value\" strings");
		return;
	}
	int n = config_setting_length(s);
	if (!(sw->sets = sf_alloc(c, (size_t)n, sizeof(char *))))
		return;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *t = config_setting_get_string(e);
		if (!t || !strchr(t, '=') || t[0] == '=') {
			sf_error(c, e, "set: expected \"path=value\"");
			continue;
		}
		sw->sets[sw->nsets++] = sf_strdup(c, t);
	}
}

static void sf_workloads(struct sf_ctx *c, const config_setting_t *root)
{
	struct sweepfile *sw = c->sw;
	const config_setting_t *one = config_setting_get_member(root, "workload");
	const config_setting_t *many = config_setting_get_member(root, "workloads");
	struct sweepfile_axis *a = sf_new_axis(c, "workload", SWEEPFILE_WORKLOAD, 1, 0);
	if (!a)
		return;
	if (!!one + !!many != 1) {
		sf_error(c, one ? one : many,
		         "needs exactly one of workload = { .. } or workloads = ( { .. }, .. )");
		return;
	}
	if (many && (!config_setting_is_list(many) || config_setting_length(many) == 0)) {
		sf_error(c, many, "workloads: expected a list of groups ( { .. }, { .. } )");
		return;
	}
	size_t n = many ? (size_t)config_setting_length(many) : 1;
	a->line = config_setting_source_line(many ? many : one);
	if (!(sw->workloads = sf_alloc(c, n, sizeof *sw->workloads)) || sf_axis_values(c, a, n))
		return;
	sw->nworkloads = n;
	for (size_t i = 0; i < n; i++) {
		const config_setting_t *g = many ? config_setting_get_elem(many, (unsigned)i) : one;
		char what[32];
		snprintf(what, sizeof what, many ? "workloads[%zu]" : "workload", i);
		sf_workload(c, g, &sw->workloads[i], what);
		const char *name = sw->workloads[i].name ? sw->workloads[i].name : "?";
		a->values[i] = sf_strdup(c, name);
		a->quoted[i] = true;
		for (size_t k = 0; k < i; k++)
			if (sw->workloads[k].name && !strcmp(sw->workloads[k].name, name))
				sf_error(c, g, "%s: two workloads named '%s': give each a name",
				         what, name);
	}
}

static void sf_axes(struct sf_ctx *c, const config_setting_t *root)
{
	const config_setting_t *axes = config_setting_get_member(root, "axes");
	size_t group = 2;
	if (axes && !config_setting_is_list(axes)) {
		sf_error(c, axes, "axes: expected a list of groups ( { .. }, { .. } )");
		return;
	}
	for (int i = 0; axes && i < config_setting_length(axes); i++) {
		const config_setting_t *g = config_setting_get_elem(axes, (unsigned)i);
		char what[32];
		snprintf(what, sizeof what, "axes[%d]", i);
		if (!config_setting_is_group(g))
			sf_error(c, g, "%s: expected an axis { set = ..; values = [..]; }", what);
		else if (config_setting_get_member(g, "zip"))
			sf_zip(c, g, group++, what);
		else
			sf_plain_axis(c, g, group++, what);
	}
	c->sw->ngroups = group;
	/* Names are columns and `where` operands: one axis each. */
	for (size_t a = 0; a < c->sw->naxes; a++)
		for (size_t b = 0; b < a; b++)
			if (c->sw->axes[a].name && c->sw->axes[b].name &&
			    !strcmp(c->sw->axes[a].name, c->sw->axes[b].name)) {
				log_error("%s:%u: two axes named '%s' (line %u): give one a name = "
				          "\"..\"",
				          c->sw->file, c->sw->axes[a].line, c->sw->axes[a].name,
				          c->sw->axes[b].line);
				c->errors++;
			}
}

/* Whether the digit at P starts a number (not the tail of a name like "l2_x1", not after a
 * dot), a minus sign in front of it included. */
static bool sf_literal_start(const char *text, const char *p)
{
	if (p > text && p[-1] == '-')
		p--;
	return p == text ||
	       !(isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '.' || p[-1] == '-');
}

/* libconfig 1.5 reads an integer literal above 2^31-1 without an L suffix as a wrapped value,
 * silently: every such literal of the file (outside comments and strings) is an error. */
static void sf_check_wrapped(struct sf_ctx *c, const char *text)
{
	unsigned line = 1;
	for (const char *p = text; *p;) {
		if (*p == '\n') {
			line++;
			p++;
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			while (*p && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			for (p += 2; *p && !(p[0] == '*' && p[1] == '/'); p++)
				line += *p == '\n';
			p += *p ? 2 : 0;
		} else if (*p == '"') {
			for (p++; *p && *p != '"'; p++)
				p += p[0] == '\\' && p[1];
			p += *p ? 1 : 0;
		} else if (isdigit((unsigned char)*p) && sf_literal_start(text, p)) {
			const char *start = p;
			bool hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
			p += hex ? 2 : 0;
			while (isxdigit((unsigned char)*p) && (hex || isdigit((unsigned char)*p)))
				p++;
			if (*p == '.' || *p == 'e' || *p == 'E' || *p == 'L') {
				while (isalnum((unsigned char)*p) || *p == '.' || *p == '+' ||
				       *p == '-')
					p++;
				continue; /* a real, or a 64-bit literal */
			}
			errno = 0;
			unsigned long long v = strtoull(start, NULL, hex ? 16 : 10);
			bool negative = start > text && start[-1] == '-';
			if (errno ||
			    v > (negative ? (unsigned long long)INT32_MAX + 1 : INT32_MAX)) {
				log_error(
				    "%s:%u: %.*s: libconfig reads an integer above 2^31-1 wrapped: "
				    "write it with an L suffix (%.*sL) or as a string with a unit",
				    c->sw->file, line, (int)(p - start), start, (int)(p - start),
				    start);
				c->errors++;
			}
		} else {
			p++;
		}
	}
}

static char *sf_read_text(const char *file)
{
	FILE *f = fopen(file, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	char chunk[8192];
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (len + n + 1 > cap) {
			cap = 2 * (len + n + 1);
			char *b = realloc(buf, cap);
			if (!b) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = b;
		}
		memcpy(buf + len, chunk, n);
		len += n;
	}
	fclose(f);
	if (!buf)
		buf = calloc(1, 1);
	else
		buf[len] = 0;
	return buf;
}

/* ---- points ------------------------------------------------------------------------------ */

size_t sweepfile_value(const struct sweepfile *sw, size_t p, size_t a)
{
	return sw->points[p * sw->ngroups + sw->axes[a].group];
}

const char *sweepfile_text(const struct sweepfile *sw, size_t p, size_t a)
{
	return sw->axes[a].values[sweepfile_value(sw, p, a)];
}

const char *sweepfile_describe(const struct sweepfile *sw, size_t p, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = 0;
	for (size_t a = 0; a < sw->naxes && used < len; a++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s=%s", a ? ", " : "",
		                         sw->axes[a].name, sweepfile_text(sw, p, a));
	return buf;
}

/* The `where` filters: a string, or a list of strings that must all hold. */
static int sf_where(struct sf_ctx *c, const config_setting_t *root, struct where ***out,
                    const config_setting_t ***lines, size_t *n)
{
	const config_setting_t *s = config_setting_get_member(root, "where");
	*n = 0;
	if (!s)
		return 0;
	int count = config_setting_is_aggregate(s) ? config_setting_length(s) : 1;
	const char **names = sf_alloc(c, c->sw->naxes, sizeof *names);
	*out = sf_alloc(c, (size_t)count, sizeof **out);
	*lines = sf_alloc(c, (size_t)count, sizeof **lines);
	if (!names || !*out || !*lines) {
		free(names);
		return -1;
	}
	for (size_t a = 0; a < c->sw->naxes; a++)
		names[a] = c->sw->axes[a].name;
	for (int i = 0; i < count; i++) {
		const config_setting_t *e =
		    config_setting_is_aggregate(s) ? config_setting_get_elem(s, (unsigned)i) : s;
		const char *text = config_setting_get_string(e);
		char err[1024];
		if (!text) {
			sf_error(c, e,
			         "where: expected a string (\"batch <= 16 && arch != ..\") or a "
			         "list of them");
			continue;
		}
		struct where *w = where_parse(text, names, c->sw->naxes, err, sizeof err);
		if (!w) {
			sf_error(c, e, "where: \"%s\": %s", text, err);
			continue;
		}
		(*lines)[*n] = e;
		(*out)[(*n)++] = w;
	}
	free(names);
	return 0;
}

static void sf_enumerate(struct sf_ctx *c, const config_setting_t *root)
{
	struct sweepfile *sw = c->sw;
	if (!(sw->group_size = sf_alloc(c, sw->ngroups, sizeof *sw->group_size)))
		return;
	for (size_t a = 0; a < sw->naxes; a++)
		sw->group_size[sw->axes[a].group] = sw->axes[a].nvalues;
	unsigned long long total = 1;
	for (size_t g = 0; g < sw->ngroups; g++) {
		total *= sw->group_size[g];
		if (total > SWEEPFILE_MAX_ENUMERATED) {
			sf_error(c, NULL, "the axes make more than %llu points",
			         SWEEPFILE_MAX_ENUMERATED);
			return;
		}
	}
	struct where **wh = NULL;
	const config_setting_t **wl = NULL;
	size_t nwhere = 0, cap = 0;
	const char **values = sf_alloc(c, sw->naxes, sizeof *values);
	size_t *digit = sf_alloc(c, sw->ngroups, sizeof *digit);
	if (!values || !digit || sf_where(c, root, &wh, &wl, &nwhere) || c->errors)
		goto out;
	for (unsigned long long i = 0; i < total; i++) {
		unsigned long long rest = i;
		for (size_t g = sw->ngroups; g-- > 0;) {
			digit[g] = (size_t)(rest % sw->group_size[g]);
			rest /= sw->group_size[g];
		}
		for (size_t a = 0; a < sw->naxes; a++)
			values[a] = sw->axes[a].values[digit[sw->axes[a].group]];
		int keep = 1;
		for (size_t w = 0; w < nwhere && keep == 1; w++) {
			char err[1024];
			keep = where_eval(wh[w], values, err, sizeof err);
			if (keep < 0) {
				sf_error(c, wl[w], "where: \"%s\": %s",
				         config_setting_get_string(wl[w]), err);
				goto out;
			}
		}
		if (!keep)
			continue;
		if (sw->npoints == SWEEPFILE_MAX_POINTS) {
			sf_error(c, NULL, "more than %llu points pass the filters",
			         SWEEPFILE_MAX_POINTS);
			goto out;
		}
		if (sw->npoints == cap) {
			cap = cap ? 2 * cap : 64;
			size_t *p = realloc(sw->points, cap * sw->ngroups * sizeof *p);
			if (!p) {
				sf_error(c, NULL, "out of memory");
				goto out;
			}
			sw->points = p;
		}
		memcpy(&sw->points[sw->npoints * sw->ngroups], digit, sw->ngroups * sizeof *digit);
		sw->npoints++;
	}
	if (!sw->npoints)
		sf_error(c, config_setting_get_member(root, "where"),
		         "no point passes the filters (where)");
out:
	for (size_t w = 0; w < nwhere; w++)
		where_free(wh[w]);
	free(wh);
	free(wl);
	free(values);
	free(digit);
}

int sweepfile_load(const char *file, struct sweepfile *sw)
{
	static const char *const keys[] = { "name",      "arch", "set",   "workload",
		                            "workloads", "axes", "where", NULL };
	memset(sw, 0, sizeof *sw);
	struct sf_ctx c = { sw, { 0 }, 0, 0 };
	char *text = NULL;
	config_init(&c.cfg);
	if (!(sw->file = strdup(file)))
		goto oom;
	const char *slash = strrchr(file, '/');
	sw->dir = slash ? strndup(file, (size_t)(slash - file + (slash == file))) : strdup(".");
	if (!sw->dir)
		goto oom;
	if (!(text = sf_read_text(file))) {
		log_error("%s: cannot open: %s", file, strerror(errno));
		goto fail;
	}
	config_set_include_dir(&c.cfg, sw->dir);
	if (!config_read_string(&c.cfg, text)) {
		log_error("%s:%d: syntax error: %s",
		          config_error_file(&c.cfg) ? config_error_file(&c.cfg) : file,
		          config_error_line(&c.cfg), config_error_text(&c.cfg));
		goto fail;
	}
	sf_check_wrapped(&c, text);
	const config_setting_t *root = config_root_setting(&c.cfg);
	sf_known_keys(&c, root, "sweep file", keys);
	const config_setting_t *s_name = config_setting_get_member(root, "name");
	const char *name = s_name ? config_setting_get_string(s_name) : NULL;
	if (s_name && !name)
		sf_error(&c, s_name, "name: expected a string");
	if (!name) {
		name = slash ? slash + 1 : file;
	}
	if (!(sw->name = strdup(name)))
		goto oom;
	char *dot = strrchr(sw->name, '.');
	if (!s_name && dot && dot != sw->name)
		*dot = 0;
	sf_arch(&c, root);
	sf_sets(&c, root);
	sf_workloads(&c, root);
	sf_axes(&c, root);
	if (!c.errors)
		sf_enumerate(&c, root);
	if (c.errors)
		goto fail;
	config_destroy(&c.cfg);
	free(text);
	return 0;
oom:
	log_error("%s: out of memory", file);
fail:
	config_destroy(&c.cfg);
	free(text);
	sweepfile_free(sw);
	return -1;
}

void sweepfile_free(struct sweepfile *sw)
{
	for (size_t a = 0; a < sw->naxes; a++) {
		struct sweepfile_axis *ax = &sw->axes[a];
		for (size_t i = 0; ax->values && i < ax->nvalues; i++)
			free(ax->values[i]);
		free(ax->values);
		free(ax->quoted);
		free(ax->name);
		free(ax->target);
	}
	free(sw->axes);
	for (size_t i = 0; sw->archs && i < sw->narchs; i++)
		free(sw->archs[i]);
	free(sw->archs);
	for (size_t i = 0; i < sw->nworkloads; i++) {
		free(sw->workloads[i].name);
		free(sw->workloads[i].trace);
		for (int k = 0; k < SWEEPFILE_GEN_COUNT; k++)
			free(sw->workloads[i].gen[k]);
	}
	free(sw->workloads);
	for (size_t i = 0; i < sw->nsets; i++)
		free(sw->sets[i]);
	free(sw->sets);
	free(sw->group_size);
	free(sw->points);
	free(sw->file);
	free(sw->dir);
	free(sw->name);
	memset(sw, 0, sizeof *sw);
}

/* Whether the trace at path is not one (read through, as simrun's check will: a file that is
 * not a trace fails every point later); the reader's "FILE:LINE: what" in err. */
static int sf_trace_bad(const char *path, char *err, size_t n)
{
	struct trace_reader *r = trace_open(path, err, n);
	if (!r)
		return -1;
	struct trace_record rec;
	int rc;
	while ((rc = trace_next(r, &rec)) > 0)
		;
	if (rc < 0)
		snprintf(err, n, "%s", trace_error(r));
	trace_close(r);
	return rc < 0 ? -1 : 0;
}

int sweepfile_check_traces(const struct sweepfile *sw)
{
	int bad = 0;
	for (size_t i = 0; i < sw->nworkloads; i++) {
		const struct sweepfile_workload *w = &sw->workloads[i];
		bool seen = false; /* a file two workloads name is read once */
		for (size_t j = 0; j < i && w->trace && !seen; j++)
			seen = sw->workloads[j].trace && !strcmp(sw->workloads[j].trace, w->trace);
		char err[1024];
		if (w->trace && !seen && sf_trace_bad(w->trace, err, sizeof err)) {
			log_error("%s:%u: workload: trace: %s", sw->file, w->line, err);
			bad = -1;
		}
	}
	return bad;
}
