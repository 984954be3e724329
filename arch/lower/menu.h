/* menu — kernel tile menus: the tile shapes, pipeline depths and split-K a library offers, so
 * that the mapper can be held to what the measured library would run.
 *
 * Models: a named list of (tokens x weight rows x K step, stages) tiles, in the mapper's
 * convention (tile_m along the activation rows, tile_n along the weight rows), and the largest
 * split-K the library uses; "best" is every candidate the machine's buffer allows, at the
 * deepest pipeline that fits, and every library tile too (the best kernel the machine allows:
 * the default; so a library's menu never gives a better estimate than it).
 * Not: a library's own selection heuristic (the mapper still picks, by its estimate, among the
 * menu's tiles), epilogue variants, CTA clusters, stream-K beyond split-K.
 * Numbers: each menu cites the library source it was read from (docs/research/fidelity.md §3).
 */
#ifndef NMSIM_MENU_H
#define NMSIM_MENU_H

#include <stddef.h>
#include <stdint.h>

#include "arch/formats/formats.h"

struct lower_menu_tile {
	uint16_t m, n, k; /* activation rows, weight rows, K step */
	uint8_t stages;   /* 0: the machine's smem.stages */
};

struct lower_menu {
	const char *name;
	const char *source;
	const struct lower_menu_tile *tiles; /* NULL: every candidate of the mapper */
	size_t ntiles;
	uint64_t max_split;         /* largest split-K (1: none) */
	enum formats_layout layout; /* how the library stores unstructured sparse weights */
};

/* The menus, in mapper.menu's enum order; NULL-terminated names for the config table. */
extern const char *const lower_menu_names[];
const struct lower_menu *lower_menu_get(int index);

#endif
