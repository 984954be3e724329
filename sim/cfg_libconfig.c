/* cfg_libconfig — integer literals as written, the source text of every file a load reads, and
 * reading files through libconfig 1.5: each file on its own, its @include lines resolved here
 * (relative to the including file) and left as markers for cfg.c's walk, errors naming the file
 * on disk and quoting the line. Why each is needed is in cfg_libconfig.h.
 * Not: converting or checking settings (cfg.c). */
#include "sim/cfg_libconfig.h"

#include "sim/cfg_internal.h"
#include "sim/paths.h"

#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- integer literals as written ---- */

bool cfg_lex_is_name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '*';
}

bool cfg_lex_is_name(char c)
{
	return cfg_lex_is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool cfg_lex_is_digit(char c)
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

/* Records an @include of SRC at LINE: the path as written, from T (N bytes); the directive
 * spans [START, END) of the text. */
static int cfg_lex_include(struct cfg_src *src, unsigned line, const char *t, size_t n,
                           size_t start, size_t end)
{
	struct cfg_inc *grown = realloc(src->incs, (src->nincs + 1) * sizeof(*grown));
	char *path = malloc(n + 1);

	if (grown)
		src->incs = grown;
	if (!grown || !path) {
		free(path);
		return -1;
	}
	memcpy(path, t, n);
	path[n] = '\0';
	src->incs[src->nincs++] = (struct cfg_inc){ line, path, start, end, 0, false };
	return 0;
}

/* The first line of SRC longer than CFG_LINE_MAX into src->long_line. */
static void cfg_lex_lines(struct cfg_src *src)
{
	const char *p = src->text, *end = src->text + src->len;

	for (unsigned line = 1; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		if (n > CFG_LINE_MAX) {
			src->long_line = line;
			return;
		}
		p = nl ? nl + 1 : end;
	}
}

/* Whether only blanks stand between the start of P's line and P (libconfig takes an @include
 * only at the start of a line). */
static bool cfg_lex_line_start(const char *text, const char *p)
{
	while (p > text && (p[-1] == ' ' || p[-1] == '\t'))
		p--;
	return p == text || p[-1] == '\n';
}

/* Finds the integer literals of src->text the way libconfig's scanner splits tokens:
 * comments (#, //, C-style) and strings are skipped, names swallow their digits, reals
 * are not integers. Also counts what the bounds of cfg_libconfig.h limit and collects the
 * @include lines. */
static int cfg_lex(struct cfg_src *src)
{
	const char *p = src->text, *end = src->text + src->len;
	unsigned line = 1;

	cfg_lex_lines(src);
	while (p < end) {
		char c = *p;
		if (src->nvalues > CFG_VALUES_MAX || src->nlits > CFG_VALUES_MAX) {
			src->nvalues = CFG_VALUES_MAX + 1; /* too many: cfg_precheck refuses it */
			return 0;
		}
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
			const char *t = p;
			unsigned first = line;
			for (p++; p < end && *p != '"'; p++) {
				if (*p == '\\' && p + 1 < end)
					p++;
				if (*p == '\n')
					line++;
			}
			if ((size_t)(p - t) > CFG_LINE_MAX && !src->long_token)
				src->long_token = first;
			if (p < end)
				p++;
		} else if (c == '@' && (size_t)(end - p) > 8 && strncmp(p, "@include", 8) == 0 &&
		           (p[8] == ' ' || p[8] == '\t') && cfg_lex_line_start(src->text, p)) {
			const char *q = p + 8, *t, *at = p;
			while (q < end && (*q == ' ' || *q == '\t'))
				q++;
			if (q == end || *q != '"') {
				p = q; /* not an include libconfig would take: its syntax error */
				continue;
			}
			for (t = ++q; q < end && *q != '"' && *q != '\n'; q++)
				if (*q == '\\' && q + 1 < end && q[1] != '\n')
					q++;
			if (q == end || *q != '"') {
				p = q; /* no closing quote: libconfig's syntax error */
				continue;
			}
			if (cfg_lex_include(src, line, t, (size_t)(q - t), (size_t)(at - src->text),
			                    (size_t)(q + 1 - src->text)))
				return -1;
			src->nvalues++; /* an include counts as a setting: it is bounded with them */
			p = q < end && *q == '"' ? q + 1 : q;
		} else if (c == '=' || c == ':' || c == ',') {
			src->nvalues++, p++;
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

/* ---- source texts ---- */

/* What kind of file MODE is, for a refusal. */
static const char *cfg_file_kind(mode_t mode)
{
	return S_ISFIFO(mode)   ? "a FIFO or pipe"
	       : S_ISCHR(mode)  ? "a character device"
	       : S_ISBLK(mode)  ? "a block device"
	       : S_ISSOCK(mode) ? "a socket"
	                        : "not a plain file";
}

/* Reads PATH whole: a regular file of at most CFG_FILE_MAX bytes (opened without blocking, so
 * a FIFO is refused, not waited on). Returns NULL with errno set, or with the reason of a
 * refusal in WHY. */
static char *cfg_read_all(const char *path, size_t *len, char *why, size_t whylen)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	char *buf = NULL;
	size_t n = 0;
	struct stat st;
	int err;

	why[0] = '\0';
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st))
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "not a regular file (%s)", cfg_file_kind(st.st_mode));
		goto refused;
	}
	if (st.st_size > (off_t)CFG_FILE_MAX)
		goto too_large;
	buf = malloc((size_t)st.st_size + 2);
	if (!buf) {
		errno = ENOMEM;
		goto fail;
	}
	/* Up to one byte more than fstat said, to see a file that grew. */
	while (n < (size_t)st.st_size + 1) {
		ssize_t got = read(fd, buf + n, (size_t)st.st_size + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			goto fail;
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (n > CFG_FILE_MAX)
		goto too_large;
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
too_large:
	snprintf(why, whylen, "larger than %u MiB (not an architecture or model file?)",
	         CFG_FILE_MAX >> 20);
refused:
	errno = EINVAL;
fail:
	err = errno;
	free(buf);
	close(fd);
	errno = err;
	return NULL;
}

/* The source record for the file at PATH, read and scanned on first use. */
static struct cfg_src *cfg_src_open(struct cfg_checker *c, const char *path)
{
	struct cfg_src *src, *grown;

	for (size_t i = 0; i < c->nsrcs; i++)
		if (strcmp(c->srcs[i].shown, path) == 0)
			return &c->srcs[i];
	grown = realloc(c->srcs, (c->nsrcs + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	c->srcs = grown;
	src = &c->srcs[c->nsrcs];
	memset(src, 0, sizeof(*src));
	src->raw = cfg_strdup(path);
	src->shown = cfg_strdup(path);
	if (!src->raw || !src->shown) {
		free(src->raw);
		free(src->shown);
		return NULL;
	}
	c->nsrcs++;
	src->text = cfg_read_all(path, &src->len, src->why, sizeof(src->why));
	src->err = src->text ? 0 : errno;
	if (src->text && cfg_lex(src)) {
		src->nlits = 0;
		free(src->text);
		src->text = NULL;
		src->err = ENOMEM;
	}
	return src;
}

/* The file @include NAME of the file FROM stands for, into OUT: an absolute NAME as given; else
 * NAME in FROM's folder; else, for a bare name (no '/'), the file --arch would take for it
 * (sim/paths.h); else NAME in FROM's folder (which does not exist: the error names it). */
static void cfg_include_path(const char *from, const char *name, char *out, size_t len)
{
	const char *slash = strrchr(from, '/');
	char found[4096], looked[64];
	struct stat st;

	if (name[0] == '/' || !slash)
		snprintf(out, len, "%s", name);
	else
		snprintf(out, len, "%.*s/%s", (int)(slash - from), from, name);
	if (name[0] == '/' || stat(out, &st) == 0 || strchr(name, '/'))
		return;
	if (paths_find_config(name, found, sizeof(found), looked, sizeof(looked)) == 0)
		snprintf(out, len, "%s", found);
}

void cfg_src_free(struct cfg_src *src)
{
	if (src->has_cfg)
		config_destroy(&src->cfg);
	free(src->raw);
	free(src->shown);
	free(src->text);
	free(src->lits);
	for (size_t i = 0; i < src->nincs; i++)
		free(src->incs[i].path);
	free(src->incs);
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

/* Marks every integer setting under S (parsed from SRC's text) whose literal libconfig misread. */
static void cfg_mark_misread(config_setting_t *s, struct cfg_src *src)
{
	int type = config_setting_type(s);

	if (config_setting_is_aggregate(s)) {
		int n = config_setting_length(s);
		for (int i = 0; i < n; i++)
			cfg_mark_misread(config_setting_get_elem(s, (unsigned)i), src);
		return;
	}
	if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
		return;
	struct cfg_lit *lit = cfg_lex_match(src, s);
	if (lit && lit->bad)
		config_setting_set_hook(s, lit);
}

/* ---- reading through libconfig ---- */

/* Parses TEXT as "v = TEXT;" into CFG and returns the setting, marking misread integers
 * against SRC (which keeps TEXT). NULL if it is not a single scalar. */
config_setting_t *cfg_parse_scalar(config_t *cfg, struct cfg_src *src, const char *text)
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
		cfg_mark_misread(v, src);
	return v;
}

/* The bounds of cfg_libconfig.h on SRC (shown as NAME) and, depth first, on every file it
 * includes, adding to the load's totals. Reports the first problem and returns -1. */
static int cfg_precheck(struct cfg_checker *c, const struct cfg_src *src, unsigned depth,
                        size_t *bytes, size_t *values)
{
	*bytes += src->len;
	*values += src->nvalues;
	if (src->long_line) {
		cfg_error(c,
		          "%s:%u: line longer than %d bytes (not an architecture or model file?)",
		          src->shown, src->long_line, CFG_LINE_MAX);
		return -1;
	}
	if (src->long_token) {
		cfg_error(c, "%s:%u: string longer than %d bytes", src->shown, src->long_token,
		          CFG_LINE_MAX);
		return -1;
	}
	if (*bytes > CFG_FILE_MAX) {
		cfg_error(c, "%s: the files of this configuration hold more than %u MiB together",
		          src->shown, CFG_FILE_MAX >> 20);
		return -1;
	}
	if (*values > CFG_VALUES_MAX) {
		cfg_error(c,
		          "%s: more than %d settings, list elements or numbers (all files "
		          "together); an architecture file has about a hundred",
		          src->shown, CFG_VALUES_MAX);
		return -1;
	}
	for (size_t i = 0; i < src->nincs; i++) {
		const struct cfg_inc *inc = &src->incs[i];
		char shown[80];
		cfg_units_printable(shown, sizeof(shown), inc->path, strlen(inc->path), 60);
		if (!inc->path[0]) {
			cfg_error(c, "%s:%u: @include \"\": empty file name", src->shown,
			          inc->line);
			return -1;
		}
		if (depth + 1 > CFG_INCLUDE_DEPTH) {
			cfg_error(c,
			          "%s:%u: @include \"%s\": includes nested more than %d deep (does "
			          "a file include itself?)",
			          src->shown, inc->line, shown, CFG_INCLUDE_DEPTH);
			return -1;
		}
		/* c->srcs may move: take what is needed of SRC before the next lookup. */
		unsigned line = inc->line;
		size_t srci = (size_t)(src - c->srcs), i_inc = i;
		char path[4096];
		cfg_include_path(src->shown, inc->path, path, sizeof(path));
		struct cfg_src *sub = cfg_src_open(c, path);
		src = &c->srcs[srci];
		const char *from = src->shown;
		if (!sub) {
			cfg_error(c, "%s:%u: out of memory", from, line);
			return -1;
		}
		if (!sub->text && (sub->why[0] || sub->err == EISDIR)) {
			cfg_error(c, "%s:%u: @include \"%s\": %s: %s", from, line, shown,
			          sub->shown, sub->why[0] ? sub->why : strerror(sub->err));
			return -1;
		}
		if (!sub->text) {
			cfg_error(c,
			          "%s:%u: cannot open include file \"%s\": %s: %s (a relative "
			          "@include is looked for beside the file that includes it, a bare "
			          "name also among the shipped configs)",
			          from, line, shown, sub->shown, strerror(sub->err));
			return -1;
		}
		src->incs[i_inc].sub = (size_t)(sub - c->srcs);
		src->incs[i_inc].resolved = true;
		if (cfg_precheck(c, sub, depth + 1, bytes, values))
			return -1;
		src = &c->srcs[srci];
	}
	return 0;
}

/* SRC's text with each @include replaced by its marker setting, for libconfig; NULL when out of
 * memory. Line numbers are kept (a directive holds no newline). */
static char *cfg_marked_text(const struct cfg_src *src)
{
	size_t cap = src->len + 1 + src->nincs * 48, o = 0, from = 0;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	for (size_t i = 0; i < src->nincs; i++) {
		const struct cfg_inc *inc = &src->incs[i];
		memcpy(out + o, src->text + from, inc->start - from);
		o += inc->start - from;
		o += (size_t)snprintf(out + o, cap - o, "%s%zu = true;", CFG_INCLUDE_MARK, i);
		from = inc->end;
	}
	memcpy(out + o, src->text + from, src->len - from);
	o += src->len - from;
	out[o] = '\0';
	return out;
}

/* Parses SRC on its own into src->cfg. Reports a syntax error and returns -1. */
static int cfg_parse_src(struct cfg_checker *c, struct cfg_src *src)
{
	char *text = cfg_marked_text(src);
	char line_text[160];

	if (!text) {
		cfg_error(c, "%s: out of memory", src->shown);
		return -1;
	}
	config_init(&src->cfg);
	src->has_cfg = true;
	if (!config_read_string(&src->cfg, text)) {
		int line = config_error_line(&src->cfg);
		const char *what = config_error_text(&src->cfg);

		free(text);
		cfg_src_line(src, (unsigned)line, line_text, sizeof(line_text));
		if (what && strcmp(what, "duplicate setting name") == 0)
			cfg_error(c,
			          "%s:%d: duplicate setting name (a key may appear once per group "
			          "in one file; the line reads: %s)",
			          src->shown, line, line_text);
		else if (line_text[0])
			cfg_error(c, "%s:%d: %s (the line reads: %s)", src->shown, line,
			          what ? what : "syntax error", line_text);
		else
			cfg_error(c, "%s:%d: %s", src->shown, line, what ? what : "syntax error");
		return -1;
	}
	free(text);
	cfg_mark_misread(config_root_setting(&src->cfg), src);
	return 0;
}

int cfg_parse_file(struct cfg_checker *c, const char *file)
{
	struct cfg_src *top = cfg_src_open(c, file);

	if (!top || !top->text) {
		cfg_error(c, "%s: cannot open: %s", file,
		          top && top->why[0] ? top->why : strerror(top ? top->err : ENOMEM));
		return -1;
	}
	size_t bytes = 0, values = 0;
	if (cfg_precheck(c, top, 0, &bytes, &values))
		return -1;
	/* Every file on its own, in the order they were found (the top file first). */
	for (size_t i = 0; i < c->nsrcs; i++)
		if (cfg_parse_src(c, &c->srcs[i]))
			return -1;
	return 0;
}
