#define _GNU_SOURCE /* posix_spawn_file_actions_addchdir_np (glibc 2.29) */
#include "sim/gnuplot.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* The last non-empty line of file PATH into msg ("" if none). */
static void last_line(const char *path, char *msg, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[512];
	msg[0] = 0;
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		if (line[0])
			snprintf(msg, len, "%s", line);
	}
	fclose(f);
}

bool gnuplot_found(void)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		char exe[4096];
		if (n && n < sizeof exe - 16) {
			snprintf(exe, sizeof exe, "%.*s/gnuplot", (int)n, path);
			if (!access(exe, X_OK))
				return true;
		}
		path += n + (path[n] == ':');
	}
	return false;
}

int gnuplot_run(const char *dir, const char *script, const char *errfile, char *msg, size_t len)
{
	posix_spawn_file_actions_t fa;
	if (posix_spawn_file_actions_init(&fa)) {
		snprintf(msg, len, "out of memory");
		return -1;
	}
	if (dir)
		posix_spawn_file_actions_addchdir_np(&fa, dir);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, errfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	char *argv[] = { "gnuplot", (char *)script, NULL };
	pid_t pid;
	int rc = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		snprintf(msg, len, "cannot run gnuplot (%s): Debian: apt-get install gnuplot-nox",
		         strerror(rc));
		return -1;
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			snprintf(msg, len, "waitpid: %s", strerror(errno));
			return -1;
		}
	char path[4096];
	if (dir)
		snprintf(path, sizeof path, "%s/%s", dir, errfile);
	else
		snprintf(path, sizeof path, "%s", errfile);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		last_line(path, msg, len);
		if (!msg[0])
			snprintf(msg, len, "gnuplot failed (status %d)", status);
		return -1;
	}
	unlink(path);
	return 0;
}

void gnuplot_quote(FILE *f, const char *text)
{
	fputc('\'', f);
	for (const char *s = text; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

void gnuplot_outputs(FILE *script, const char *path, const char *plot_cmd, int w, int h)
{
	size_t n = strlen(path) + 8;
	char *file = malloc(n);
	if (!file)
		return;
	fprintf(script, "set terminal pngcairo size %d,%d noenhanced\nset output ", w, h);
	snprintf(file, n, "%s.png", path);
	gnuplot_quote(script, file);
	fprintf(script, "\n%s\nset terminal svg size %d,%d noenhanced dynamic\nset output ",
	        plot_cmd, w, h);
	snprintf(file, n, "%s.svg", path);
	gnuplot_quote(script, file);
	fprintf(script, "\nreplot\nunset output\n\n");
	free(file);
}
