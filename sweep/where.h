/* where — the filters of a sweep file: a boolean expression over the axes' values, kept points
 * being those for which it holds.
 *
 *   batch <= 16 && (format != "2:4+int4" || arch == "a100_24.cfg")
 *   smem.size >= "64 KiB" || !(smem.stages > 2)
 *
 * Models: nothing; a small parser (precedence: ! over && over ||) and an evaluator. An operand
 * is an axis name, a number or a quoted string. Two operands that both read as numbers (plain,
 * or with a unit of sim/cfg.h: "2 TB/s", "64 KiB", "1410 MHz") compare as numbers in the
 * stored unit, once their units agree; anything else compares as text, with == and != only.
 * Not: arithmetic, functions, membership tests.
 */
#ifndef NMSIM_WHERE_H
#define NMSIM_WHERE_H

#include <stddef.h>

struct where;

/* Parses TEXT against the axis names NAMES[0..NNAMES-1] (operand i of the tree refers to
 * NAMES by index). NULL on a syntax error or an unknown name, with the reason in ERR ("at
 * column 7: unknown axis 'bath' (axes: arch, batch, ...)"). */
struct where *where_parse(const char *text, const char *const *names, size_t nnames, char *err,
                          size_t errlen);
/* Evaluates W with VALUES[i] the text of axis i at one point: 1 keep, 0 skip, -1 when two
 * operands cannot be compared (reason in ERR). */
int where_eval(const struct where *w, const char *const *values, char *err, size_t errlen);
void where_free(struct where *w);

/* Reads TEXT as a number: a plain real, or a number with a unit of sim/cfg.h, converted to the
 * stored unit. Returns 0 with *value and *unit (-1 plain, else the enum cfg_type of the unit),
 * or -1 if it is not one. Shared with the plots, which place numeric axes by value. */
int where_number(const char *text, double *value, int *unit);

#endif
