/* paths — the shipped data folders of a build tree and an installed prefix, and the lookup of an
 * architecture file by bare name (paths.h). */
#define _XOPEN_SOURCE 700 /* realpath */
#include "sim/paths.h"

#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Where each kind lies: in the source tree (next to the build folder), then under a prefix. */
static const char *const paths_tree[] = {
	[PATHS_CONFIGS] = "configs", [PATHS_MODELS] = "traces/models"
};
static const char *const paths_share[] = {
	[PATHS_CONFIGS] = "share/nmsim/configs", [PATHS_MODELS] = "share/nmsim/models"
};

static bool paths_is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool paths_is_file(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

int paths_shipped(enum paths_kind kind, char *out, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return -1;
	exe[n] = 0;
	const char *dir = dirname(exe);
	const char *const where[] = { paths_tree[kind], paths_share[kind] };
	for (size_t i = 0; i < 2; i++) {
		int w = snprintf(out, len, "%s/../%s", dir, where[i]);
		if (w > 0 && (size_t)w < len && paths_is_dir(out))
			return 0;
	}
	return -1;
}

/* Appends "SEP TEXT" to the list of places looked at. */
static void paths_note(char *looked, size_t len, const char *text)
{
	size_t used = strlen(looked);
	if (used < len)
		snprintf(looked + used, len - used, "%s%s", used ? ", " : "", text);
}

/* OUT = DIR/NAME if that is a file. */
static bool paths_try(const char *dir, const char *name, char *out, size_t len, char *looked,
                      size_t looked_len)
{
	paths_note(looked, looked_len, dir);
	int w = snprintf(out, len, "%s/%s", dir, name);
	return w > 0 && (size_t)w < len && paths_is_file(out);
}

int paths_find_config(const char *name, char *out, size_t len, char *looked, size_t looked_len)
{
	if (looked_len)
		looked[0] = 0;
	if (strchr(name, '/') || !name[0]) {
		snprintf(out, len, "%s", name);
		return 0;
	}
	paths_note(looked, looked_len, ".");
	if (paths_is_file(name)) {
		snprintf(out, len, "%s", name);
		return 0;
	}
	char dir[PATH_MAX];
	if (!paths_shipped(PATHS_CONFIGS, dir, sizeof dir)) {
		char real[PATH_MAX];
		if (realpath(dir, real))
			snprintf(dir, sizeof dir, "%s", real);
		if (paths_try(dir, name, out, len, looked, looked_len))
			return 0;
	}
	const char *env = getenv("NMSIM_CONFIG_PATH");
	while (env && *env) {
		const char *colon = strchr(env, ':');
		size_t n = colon ? (size_t)(colon - env) : strlen(env);
		if (n && n < sizeof dir) {
			memcpy(dir, env, n);
			dir[n] = 0;
			if (paths_try(dir, name, out, len, looked, looked_len))
				return 0;
		}
		env = colon ? colon + 1 : NULL;
	}
	if (!getenv("NMSIM_CONFIG_PATH"))
		paths_note(looked, looked_len, "NMSIM_CONFIG_PATH (not set)");
	return -1;
}
