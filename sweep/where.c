/* where — parser and evaluator of a sweep file's filters (where.h). The expression becomes a
 * small tree in one array; literals keep their text, axis names their index. */
#include "sweep/where.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cfg.h"

enum where_op {
	WHERE_OR,
	WHERE_AND,
	WHERE_NOT,
	WHERE_EQ,
	WHERE_NE,
	WHERE_LT,
	WHERE_LE,
	WHERE_GT,
	WHERE_GE
};

static const char *const where_op_text[] = { "||", "&&", "!", "==", "!=", "<", "<=", ">", ">=" };

/* One side of a comparison: an axis (by index) or a literal. */
struct where_operand {
	long axis; /* -1: a literal */
	char *text;
};

struct where_node {
	enum where_op op;
	int a, b;                  /* children (logic) */
	struct where_operand l, r; /* operands (comparisons) */
};

struct where {
	struct where_node *nodes;
	size_t n, cap;
	int root;
};

/* The parser's state. */
struct where_parser {
	const char *text, *p;
	const char *const *names;
	size_t nnames;
	struct where *w;
	char *err;
	size_t errlen;
	bool failed;
};

static void where_fail(struct where_parser *ps, const char *fmt, const char *what)
{
	if (ps->failed)
		return;
	ps->failed = true;
	char msg[1024];
	snprintf(msg, sizeof msg, fmt, what);
	snprintf(ps->err, ps->errlen, "at column %d: %s", (int)(ps->p - ps->text) + 1, msg);
}

static void where_skip_space(struct where_parser *ps)
{
	while (isspace((unsigned char)*ps->p))
		ps->p++;
}

static bool where_accept(struct where_parser *ps, const char *tok)
{
	where_skip_space(ps);
	size_t n = strlen(tok);
	if (strncmp(ps->p, tok, n))
		return false;
	/* "!" must not take the "!=" of a comparison, nor "<" the "<=". */
	if (n == 1 && (tok[0] == '!' || tok[0] == '<' || tok[0] == '>') && ps->p[1] == '=')
		return false;
	ps->p += n;
	return true;
}

static int where_node_new(struct where_parser *ps, enum where_op op)
{
	struct where *w = ps->w;
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 8;
		struct where_node *nodes = realloc(w->nodes, cap * sizeof *nodes);
		if (!nodes) {
			where_fail(ps, "%s", "out of memory");
			return -1;
		}
		w->nodes = nodes;
		w->cap = cap;
	}
	w->nodes[w->n] = (struct where_node){ op, -1, -1, { -1, NULL }, { -1, NULL } };
	return (int)w->n++;
}

static bool where_name_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static bool where_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.';
}

/* An operand: "string", 'string', a number (with an optional unit only inside quotes), or an
 * axis name. */
static struct where_operand where_operand(struct where_parser *ps)
{
	struct where_operand o = { -1, NULL };
	where_skip_space(ps);
	const char *start = ps->p;
	if (*ps->p == '"' || *ps->p == '\'') {
		char quote = *ps->p++;
		const char *end = strchr(ps->p, quote);
		if (!end) {
			where_fail(ps, "%s", "unterminated string");
			return o;
		}
		o.text = strndup(ps->p, (size_t)(end - ps->p));
		ps->p = end + 1;
	} else if (where_name_start(*ps->p)) {
		while (where_name_char(*ps->p))
			ps->p++;
		size_t n = (size_t)(ps->p - start);
		for (size_t i = 0; i < ps->nnames; i++)
			if (strlen(ps->names[i]) == n && !strncmp(ps->names[i], start, n)) {
				o.axis = (long)i;
				return o;
			}
		char list[512] = "";
		for (size_t i = 0; i < ps->nnames; i++) {
			size_t used = strlen(list);
			snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
			         ps->names[i]);
		}
		char what[128];
		snprintf(what, sizeof what, "%.*s", (int)(n < 100 ? n : 100), start);
		ps->p = start;
		char msg[800];
		snprintf(msg, sizeof msg, "unknown axis '%s' (axes: %s)", what, list);
		where_fail(ps, "%s", msg);
		return o;
	} else {
		char *end;
		strtod(ps->p, &end);
		if (end == ps->p) {
			where_fail(ps, "%s",
			           *ps->p ? "expected an axis name, a number or a string"
			                  : "expected an axis name, a number or a string, "
			                    "found the end");
			return o;
		}
		o.text = strndup(start, (size_t)(end - start));
		ps->p = end;
	}
	if (!o.text)
		where_fail(ps, "%s", "out of memory");
	return o;
}

static int where_or(struct where_parser *ps);

static int where_primary(struct where_parser *ps)
{
	if (where_accept(ps, "!")) {
		int n = where_node_new(ps, WHERE_NOT);
		int a = where_primary(ps);
		if (n >= 0)
			ps->w->nodes[n].a = a;
		return n;
	}
	if (where_accept(ps, "(")) {
		int n = where_or(ps);
		if (!where_accept(ps, ")"))
			where_fail(ps, "%s", "expected ')'");
		return n;
	}
	struct where_operand l = where_operand(ps);
	if (ps->failed) {
		free(l.text);
		return -1;
	}
	static const enum where_op ops[] = { WHERE_EQ, WHERE_NE, WHERE_LE,
		                             WHERE_GE, WHERE_LT, WHERE_GT };
	for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
		if (where_accept(ps, where_op_text[ops[i]])) {
			struct where_operand r = where_operand(ps);
			int n = ps->failed ? -1 : where_node_new(ps, ops[i]);
			if (n < 0) {
				free(l.text);
				free(r.text);
				return -1;
			}
			ps->w->nodes[n].l = l;
			ps->w->nodes[n].r = r;
			return n;
		}
	free(l.text);
	where_fail(ps, "%s", "expected a comparison (== != < <= > >=)");
	return -1;
}

static int where_chain(struct where_parser *ps, enum where_op op)
{
	int left = op == WHERE_OR ? where_chain(ps, WHERE_AND) : where_primary(ps);
	while (!ps->failed && where_accept(ps, where_op_text[op])) {
		int right = op == WHERE_OR ? where_chain(ps, WHERE_AND) : where_primary(ps);
		int n = where_node_new(ps, op);
		if (n < 0)
			return -1;
		ps->w->nodes[n].a = left;
		ps->w->nodes[n].b = right;
		left = n;
	}
	return left;
}

static int where_or(struct where_parser *ps)
{
	return where_chain(ps, WHERE_OR);
}

struct where *where_parse(const char *text, const char *const *names, size_t nnames, char *err,
                          size_t errlen)
{
	struct where *w = calloc(1, sizeof *w);
	if (!w) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	struct where_parser ps = { text, text, names, nnames, w, err, errlen, false };
	w->root = where_or(&ps);
	where_skip_space(&ps);
	if (!ps.failed && *ps.p)
		where_fail(&ps, "%s", "expected && or || or the end");
	if (ps.failed) {
		where_free(w);
		return NULL;
	}
	return w;
}

void where_free(struct where *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++) {
		free(w->nodes[i].l.text);
		free(w->nodes[i].r.text);
	}
	free(w->nodes);
	free(w);
}

int where_number(const char *text, double *value, int *unit)
{
	static const enum cfg_type types[] = { CFG_BYTES, CFG_RATE,   CFG_FREQ,
		                               CFG_TIME,  CFG_ENERGY, CFG_POWER };
	char *end;
	double v = strtod(text, &end);
	if (end != text && !*end && isfinite(v)) {
		*value = v;
		*unit = -1;
		return 0;
	}
	char err[128];
	for (size_t i = 0; i < sizeof types / sizeof *types; i++)
		if (!cfg_units_parse(types[i], text, value, err, sizeof err)) {
			*unit = (int)types[i];
			return 0;
		}
	return -1;
}

static int where_compare(const struct where_node *n, const char *l, const char *r, char *err,
                         size_t errlen)
{
	double x, y;
	int ux, uy;
	if (!where_number(l, &x, &ux) && !where_number(r, &y, &uy)) {
		if (ux >= 0 && uy >= 0 && ux != uy) {
			snprintf(err, errlen, "cannot compare \"%s\" (a %s) with \"%s\" (a %s)", l,
			         cfg_units_type_name((enum cfg_type)ux), r,
			         cfg_units_type_name((enum cfg_type)uy));
			return -1;
		}
		switch (n->op) {
		case WHERE_EQ: return x == y;
		case WHERE_NE: return x != y;
		case WHERE_LT: return x < y;
		case WHERE_LE: return x <= y;
		case WHERE_GT: return x > y;
		case WHERE_GE: return x >= y;
		default: break;
		}
	}
	if (n->op == WHERE_EQ)
		return !strcmp(l, r);
	if (n->op == WHERE_NE)
		return strcmp(l, r) != 0;
	snprintf(err, errlen,
	         "cannot order \"%s\" and \"%s\" with %s (only numbers can be ordered)", l, r,
	         where_op_text[n->op]);
	return -1;
}

static int where_node_eval(const struct where *w, int i, const char *const *values, char *err,
                           size_t errlen)
{
	const struct where_node *n = &w->nodes[i];
	int a, b;
	switch (n->op) {
	case WHERE_OR:
	case WHERE_AND:
		a = where_node_eval(w, n->a, values, err, errlen);
		if (a < 0 || (n->op == WHERE_OR ? a : !a))
			return a;
		return where_node_eval(w, n->b, values, err, errlen);
	case WHERE_NOT: b = where_node_eval(w, n->a, values, err, errlen); return b < 0 ? -1 : !b;
	default:
		return where_compare(n, n->l.axis >= 0 ? values[n->l.axis] : n->l.text,
		                     n->r.axis >= 0 ? values[n->r.axis] : n->r.text, err, errlen);
	}
}

int where_eval(const struct where *w, const char *const *values, char *err, size_t errlen)
{
	return where_node_eval(w, w->root, values, err, errlen);
}
