/* cfg — architecture files: one table of fields per block, read into plain structs.
 * Models: nothing in hardware; turns a libconfig file (plus --set overrides) into the
 *   blocks' const config structs, or names every problem as FILE:LINE and fails.
 * Not: a general libconfig wrapper (no lists, no arrays, no writing files back).
 * Numbers: defaults and ranges live in each block's table; units are SI / IEC as written
 *   below (KB = 1e3 B, KiB = 2^10 B), case-sensitive.
 *
 * A block describes one group of the file (path "hbm" is `hbm = { ... }`, path "core.tensor"
 * is `tensor = { ... }` inside `core = { ... }`, path "" is the top level) with a table of
 * fields; each field is one setting and one member of the block's struct. cfg_load fills every
 * field: from --set if given, else from the file, else from its default. Everything else in the
 * file (a group no block names, a key no field names) is an error, never silently ignored.
 */
#ifndef NMSIM_CFG_H
#define NMSIM_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Longest string setting, terminating NUL included. */
#define CFG_STRING_MAX 128

/* What a field holds, and what the file may write for it. "Unit string" means a string holding
 * a number, optional spaces, then one of the listed units. A plain number is bytes for a size;
 * for a rate, frequency, time, energy or power it is refused unless it is 0 (launch = 4 would
 * be 4 ps: "FILE:LINE: core.launch: 4 needs a unit: expected a time like ...").
 * Every number must be finite; integers wider than 32 bits need libconfig's L suffix or a unit
 * string (a plain 3000000000 is rejected, not wrapped). */
enum cfg_type {
	CFG_BOOL,   /* bool; true / false */
	CFG_INT,    /* int64_t; an integer literal (with or without L); no reals, no strings */
	CFG_REAL,   /* double; an integer or real literal */
	CFG_BYTES,  /* uint64_t bytes; an integer, a whole real, or a unit string:
		       B, KB, MB, GB, TB (powers of 1000), KiB, MiB, GiB, TiB (powers of 1024) */
	CFG_RATE,   /* double bytes per second; B/s, KB/s, MB/s, GB/s, TB/s, KiB/s .. TiB/s, and
		       bits: b/s, kb/s, Mb/s, Gb/s, Tb/s (an eighth: "3200 Gb/s" = 400 GB/s) */
	CFG_FREQ,   /* double Hz; Hz, kHz, MHz, GHz */
	CFG_TIME,   /* double picoseconds; ps, ns, us, ms, s */
	CFG_ENERGY, /* double picojoules; fJ, pJ, nJ, uJ, mJ, J */
	CFG_POWER,  /* double watts; uW, mW, W, kW */
	CFG_STRING, /* char[CFG_STRING_MAX], NUL-terminated; longer is an error */
	CFG_ENUM,   /* int: index into field.names (a string in the file; --set may omit quotes) */
};

/* One setting of a block: one row of the table, one member of the block's struct. */
struct cfg_field {
	const char *key; /* setting name inside its block, e.g. "bandwidth" */
	enum cfg_type type;
	size_t offset;    /* offsetof() of the member in the block's struct */
	const char *unit; /* for --describe: "B", "B/s", "Hz", "ps", "pJ", "W", "MAC/cycle", "" */
	double min, max;  /* allowed range, inclusive, in the stored unit; +-INFINITY for none;
				     ignored for bool, string, enum */
	const char *def;  /* default as config text ("\"1 MiB\"", "0.8", "true"); NULL = required */
	const char *desc; /* one line, for --describe and the docs */
	const char *const *names; /* CFG_ENUM only: the values' names, NULL-terminated */
};

struct cfg_checker;

/* One group of the file and the struct it fills. */
struct cfg_block {
	const char *path; /* dotted group path, e.g. "hbm", "core.tensor"; "" = top level */
	const struct cfg_field *fields;
	size_t nfields;
	size_t offset;    /* offsetof() of the block's struct inside the root passed to cfg_load */
	const char *desc; /* one line */
	/* Optional cross-field check, run after every field of this block loaded cleanly (so it sees
	 * only in-range values). Reports with cfg_report(); returns 0 ok, -1 if it reported. NULL = none. */
	int (*check)(const void *block_struct, struct cfg_checker *chk);
};

/* Table rows with the member's C type checked at compile time (bool, int64_t, double, uint64_t,
 * char[CFG_STRING_MAX], int or an enum type must match TYPE; a mismatch does not compile).
 * STYPE is the struct tag without `struct`. */
#define CFG_FIELD(stype, member, type, unit, min, max, def, desc)                            \
	{                                                                                    \
#member, (type),                                                             \
		    offsetof(struct stype, member) + CFG_MEMBER_CHECK_(stype, member, type), \
		    (unit), (min), (max), (def), (desc), NULL                                \
	}
#define CFG_ENUM_FIELD(stype, member, names, def, desc)                                          \
	{                                                                                        \
#member, CFG_ENUM,                                                               \
		    offsetof(struct stype, member) + CFG_MEMBER_CHECK_(stype, member, CFG_ENUM), \
		    "", 0, 0, (def), (desc), (names)                                             \
	}
#define CFG_MEMBER_OK_(stype, member, type) \
	_Generic((((struct stype *)0)->member),                                                     \
		bool: (type) == CFG_BOOL,                                                           \
		int64_t: (type) == CFG_INT,                                                         \
		uint64_t: (type) == CFG_BYTES,                                                      \
		double: (type) == CFG_REAL || ((type) >= CFG_RATE && (type) <= CFG_POWER),          \
		int: (type) == CFG_ENUM,                                                            \
		unsigned int: (type) == CFG_ENUM,                                                   \
		char *: (type) == CFG_STRING &&                                                     \
			sizeof(((struct stype *)0)->member) == CFG_STRING_MAX,                      \
		default: 0)
#define CFG_MEMBER_CHECK_(stype, member, type) \
	(0 * sizeof(char[CFG_MEMBER_OK_(stype, member, type) ? 1 : -1]))

/* Loads FILE into ROOT (a struct embedding every block's struct at block.offset).
 * SETS are --set arguments, "path.key=value": the value is read as a libconfig scalar
 * (64, 1.5, true, "3 TB/s"); text that is not one is taken as a string (3TB/s, dense), and a
 * plain integer of any width up to 64 bits is taken as written. A --set replaces the file's
 * value (which is then not checked); of several for one key the last wins.
 * Every field is written: --set, else file, else default; a missing required field is zeroed.
 * An unknown group is one error (its contents are not looked at). After a syntax error nothing
 * more of the file is checked (libconfig stops at the first), but the --sets still are.
 * Reports EVERY problem (each with log_error, one line each) and returns -1 if there was any:
 *   FILE:LINE: hbm.bandwith: unknown setting (did you mean hbm.bandwidth?)
 *   FILE:LINE: hbm.bandwidth: expected a rate like "2039 GB/s", got true
 *   FILE:LINE: core.count: 5000 is outside [1, 1024]
 *   FILE: core.count: required setting missing
 *   --set hbm.bandwidth=fast: expected a rate like "2039 GB/s", got "fast"
 *   FILE:LINE: syntax error (the line reads: x = = 3;)   (libconfig's message; it stops there)
 *   FILE: cannot open: No such file or directory
 * Errors inside an @include'd file name that file and its line. A file may build on another:
 * the included file's settings apply where the @include stands (inside a group: under that
 * group), and a key set again later, by the including file or a later include, overrides the
 * earlier value (which is then not checked); within one file a key may appear once per group.
 * An @include path is relative to the including file's folder, an absolute one is used as
 * given, and a bare name not found there is looked up as --arch looks one up (sim/paths.h);
 * @include must start its line.
 * Returns 0 or -1 (the caller exits 2). FILE NULL = defaults and SETS only. A broken table
 * (see cfg_check_tables) is an internal error: it is reported and the program exits 1. */
int cfg_load(const char *file, const struct cfg_block *blocks, size_t nblocks,
             const char *const *sets, size_t nsets, void *root);
/* cfg_load(NULL, ...): defaults plus SETS; a required field without a --set is an error. */
int cfg_load_defaults(const struct cfg_block *blocks, size_t nblocks, const char *const *sets,
                      size_t nsets, void *root);

/* Checks the tables themselves: valid unique paths and keys, a known type, min <= max, enum
 * names, every default parses and is in range. Reports each problem; returns 0 or -1.
 * Every block's unit test should call it. */
int cfg_check_tables(const struct cfg_block *blocks, size_t nblocks);

/* Prints every parameter, grouped per block in table order, one line each:
 * path.key, type, unit, default (or "required"), range, description. Deterministic. */
void cfg_describe(FILE *out, const struct cfg_block *blocks, size_t nblocks);
/* The same under the heading TITLE (one line; NULL = an architecture file's), for other files
 * read through cfg (tracegen's model files). The units legend only when a field takes units. */
void cfg_describe_as(FILE *out, const char *title, const struct cfg_block *blocks,
                     size_t nblocks);

/* Writes every field's value in ROOT (as loaded), one "path.key = value" line each, in table
 * order; values as cfg_format_field writes them. The resolved configuration as text: two roots
 * that write the same text hold the same settings. */
void cfg_write_values(FILE *out, const struct cfg_block *blocks, size_t nblocks, const void *root);

/* For check callbacks: reports a problem with setting KEY of the block being checked, located
 * where its value came from ("FILE:LINE: path.key: what", "--set path.key=v: what", or
 * "FILE: path.key: what (from the default 8)"). KEY NULL = the block as a whole. Counts as an
 * error. */
void cfg_report(struct cfg_checker *chk, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* For check callbacks: whether setting KEY of the block being checked was given (by the file or
 * a --set), not taken from its default. */
bool cfg_given(const struct cfg_checker *chk, const char *key);
/* For check callbacks: reports that KEY of the block being checked, which has a default, is
 * needed here all the same ("FILE: path.key: required setting missing (WHY)"). Counts as an
 * error. */
void cfg_report_missing(struct cfg_checker *chk, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* For check callbacks that compare blocks: the ROOT passed to cfg_load. */
const void *cfg_checker_root(const struct cfg_checker *chk);

/* Formats FIELD's stored value in BLOCK_STRUCT as text ("2039 GB/s", "40 MiB", "true",
 * "dense"); exact enough to read back. Returns buf. */
const char *cfg_format_field(char *buf, size_t len, const struct cfg_field *field,
                             const void *block_struct);

/* Units (cfg_units.c). */

/* Parses TEXT (a number, optional spaces, an optional unit of TYPE) into the stored unit of a
 * CFG_RATE .. CFG_POWER or CFG_BYTES (as a double) field. Returns 0, or -1 with the reason. */
int cfg_units_parse(enum cfg_type type, const char *text, double *value, char *err, size_t errlen);
/* The same for sizes, exact to the byte over the whole uint64_t range. */
int cfg_units_parse_bytes(const char *text, uint64_t *bytes, char *err, size_t errlen);
/* Formats VALUE (stored unit of TYPE) with the unit that reads best: 2.039e12 B/s -> "2039 GB/s",
 * 41943040 B -> "40 MiB", 1.41e9 Hz -> "1410 MHz". Plain numbers for the other types. Reads back
 * to VALUE. Returns buf. */
const char *cfg_units_format(char *buf, size_t len, enum cfg_type type, double value);
/* The units TYPE accepts, as a comma-separated list ("" when it takes none). */
const char *cfg_units_accepted(enum cfg_type type);
/* Copies up to N bytes of TEXT (stopping at a NUL, or after MAX bytes, then "...") into BUF for
 * a message: control bytes and invalid UTF-8 become '?'. Returns the length written. */
size_t cfg_units_printable(char *buf, size_t len, const char *text, size_t n, size_t max);
/* 0 if TEXT is UTF-8 text without control bytes (what reports and JSON can carry as it is),
 * else 1 + the offset of the first byte that is not. */
size_t cfg_units_bad_text(const char *text);
/* A short name for TYPE: "bool", "int", "real", "size", "rate", ... */
const char *cfg_units_type_name(enum cfg_type type);
/* "expected a size like \"40 MiB\"" and so on: what the file should write for TYPE. */
const char *cfg_units_expected(enum cfg_type type);

#endif
