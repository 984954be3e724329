/* test_tmpdir — a scratch directory per cmocka group, for tests that write files.
 * Include once per test program; use tmpdir in the tests and the two functions as the group's
 * setup and teardown. */
#ifndef NMSIM_TEST_TMPDIR_H
#define NMSIM_TEST_TMPDIR_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char tmpdir[64];

static int group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/nmsim_test_XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

/* Removes the directory and the files the tests left in it. */
static int group_teardown(void **state)
{
	(void)state;
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	char path[512];
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", tmpdir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(tmpdir);
	return 0;
}

#endif
