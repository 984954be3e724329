/* cfg_libconfig — works around libconfig 1.5, which reads cfg's files (internal to sim/cfg*.c).
 *
 * Integers: libconfig 1.5 reads an integer literal above 2^31-1 without an L suffix as a
 *   silently wrapped 32-bit value (3000000000 arrives as -1294967296), and an L literal beyond
 *   2^63-1 as a saturated one, without complaint; a size or a count would be wrong with no
 *   error. So every file that holds an integer setting is read again as text and scanned the
 *   way libconfig's scanner splits tokens (cfg_lex_*); each integer setting is paired, in
 *   document order, with the literal it came from, and a setting whose literal did not survive
 *   is marked: its hook points at the struct cfg_lit, and any field reading it reports the
 *   literal as written. --set values and the tables' defaults go through the same check, each
 *   parsed as a one-line document "v = TEXT;".
 * @include: libconfig 1.5 has one include directory, cannot open an absolute path once one is
 *   set, names an included file as its @include wrote it, and refuses a key that appears twice
 *   in a group even when one comes from an included file (so a file could not build on another
 *   and change one of its settings). So libconfig never sees an @include: each file is parsed
 *   on its own, its @include lines replaced by a marker setting (CFG_INCLUDE_MARK and the
 *   include's index, on the same line, so line numbers hold), and cfg.c walks an included file
 *   where its marker stands, under the marker's group. Later settings override earlier ones.
 *   An @include path is resolved against the including file's folder; an absolute one is used
 *   as given; a bare name not beside the including file is looked up as --arch looks up a
 *   bare name (sim/paths.h: the shipped configs, then NMSIM_CONFIG_PATH). Messages name the
 *   file as it lies on disk.
 * Errors: libconfig gives a syntax error's line number only; the message quotes the line.
 * Hostile files: libconfig's scanner rescans a token from its start each time its buffer grows
 *   (a 10 MB comment line takes 40 s), its parser checks every new setting against all of its
 *   group (quadratic in settings), a list element costs ~170 bytes, it reads a FIFO or
 *   /dev/zero until it blocks or runs out of memory, and an @include of a directory ("." or
 *   "") ends the program through flex's exit(). So every file a load reads, included ones
 *   too, is read here first and checked before libconfig sees it: a regular file of at most
 *   CFG_FILE_MAX bytes (all files of a load together), no line longer than CFG_LINE_MAX, no
 *   string longer than CFG_LINE_MAX, at most CFG_VALUES_MAX settings and list elements, every
 *   @include naming a regular file, nested at most CFG_INCLUDE_DEPTH deep.
 * Not: a lexer of the whole grammar (integer literals, names, strings and comments are all it
 *   tells apart); checking settings against the tables (cfg.c).
 * Numbers: what libconfig 1.5 stores for a literal: atoi / strtoul for a plain one, atoll /
 *   strtoull for an L one.
 */
#ifndef NMSIM_CFG_LIBCONFIG_H
#define NMSIM_CFG_LIBCONFIG_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

struct cfg_checker;

/* Bounds on what one load reads (see "Hostile files" above). Real architecture and model files
 * are a few KB with lines under 200 bytes and about a hundred settings. */
#define CFG_FILE_MAX      (16u << 20) /* bytes, every file of the load together */
#define CFG_LINE_MAX      16384       /* bytes of a line, and of a string literal */
#define CFG_VALUES_MAX    4096        /* settings and list elements, all files together */
#define CFG_INCLUDE_DEPTH 10          /* @include inside @include ... */

/* An @include of a source text: its line, the path as written and where the directive lies in
 * the text ([start, end): from '@' to the closing quote). */
struct cfg_inc {
	unsigned line;
	char *path;
	size_t start, end;
	size_t sub; /* index of the included file in the checker's srcs, once resolved */
	bool resolved;
};

/* The setting an @include becomes in the text libconfig parses: CFG_INCLUDE_MARK "<index>". */
#define CFG_INCLUDE_MARK "nmsim-include-"

/* One integer literal of a source text. A setting libconfig misread has a hook
 * (config_setting_get_hook) pointing at its literal, which then has bad set. */
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
	int err;       /* errno when text could not be read */
	char why[160]; /* or why it was refused ("not a regular file..."); "" otherwise */
	struct cfg_lit *lits;
	size_t nlits, cap, cursor;
	/* What the pre-check found (cfg_lex): */
	size_t nvalues; /* '=', ':', ',' and @include outside strings and comments */
	unsigned long_line, long_token; /* first line / string over CFG_LINE_MAX; 0 = none */
	struct cfg_inc *incs;           /* its @include lines, in order */
	size_t nincs;
	config_t cfg; /* a file: its settings, parsed on their own (has_cfg) */
	bool has_cfg;
};

/* libconfig's character classes: what may start a name, continue one, and a decimal digit. */
bool cfg_lex_is_name_start(char c);
bool cfg_lex_is_name(char c);
bool cfg_lex_is_digit(char c);

/* Reads FILE and every file it includes (c->srcs[0] is FILE), each parsed on its own into its
 * src's cfg, and marks the integer settings libconfig misread. Reports why (as FILE:LINE: what,
 * quoting the line) and returns -1 when a file could not be read or parsed; 0 otherwise. */
int cfg_parse_file(struct cfg_checker *c, const char *file);
/* Parses TEXT as "v = TEXT;" into CFG and returns the setting, marking misread integers
 * against SRC (which keeps TEXT; free it with cfg_src_free). NULL if it is not a single scalar. */
config_setting_t *cfg_parse_scalar(config_t *cfg, struct cfg_src *src, const char *text);
/* Frees what SRC owns (not SRC itself). */
void cfg_src_free(struct cfg_src *src);

#endif
