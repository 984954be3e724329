/* paths — where a program finds the data shipped with it (architecture files, model files) and
 * the architecture file a bare name stands for.
 * Models: nothing; knows two layouts, a build tree and an installed prefix:
 *   build tree  <src>/build/simrun    ->  <src>/configs, <src>/traces/models
 *   installed   <prefix>/bin/simrun   ->  <prefix>/share/nmsim/configs, .../share/nmsim/models
 * Not: environment variables of one program (tracegen's NMSIM_MODELS stays tracegen's), any
 * search for a name that holds a '/' (a path is used as given).
 */
#ifndef NMSIM_PATHS_H
#define NMSIM_PATHS_H

#include <stddef.h>

enum paths_kind { PATHS_CONFIGS, PATHS_MODELS };

/* The folder of KIND beside the running program (/proc/self/exe): the build tree's, else the
 * install prefix's. 0 with the folder in OUT, or -1 when neither exists. */
int paths_shipped(enum paths_kind kind, char *out, size_t len);

/* The architecture file NAME stands for. A name holding a '/' is a path: OUT = NAME. A bare name
 * is looked up in the current directory, then in the shipped configs folder, then in each
 * folder of the colon-separated NMSIM_CONFIG_PATH; OUT = the first that exists. Returns 0, or
 * -1 with the places looked at in LOOKED ("., /usr/share/nmsim/configs, ..."). */
int paths_find_config(const char *name, char *out, size_t len, char *looked, size_t looked_len);

#endif
