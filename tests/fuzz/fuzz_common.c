/* fuzz_common — see fuzz_common.h. */
#include "fuzz_common.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/log.h"

/* mkdtemp is XSI, not in strict POSIX 2008 headers under -std=c11. */
extern char *mkdtemp(char *tmpl);

static char fuzz_dir[256];
static char fuzz_buf[512];

static void fuzz_cleanup(void)
{
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", fuzz_dir);
	if (fuzz_dir[0] && system(cmd) != 0)
		fprintf(stderr, "fuzz: could not remove %s\n", fuzz_dir);
}

void fuzz_init(void)
{
	if (fuzz_dir[0])
		return;
	/* Every input is written to a file: in memory (/dev/shm) unless TMPDIR says otherwise
	 * (a disk-backed /tmp makes each execution wait on the file system). */
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(fuzz_dir, sizeof fuzz_dir, "%s/nmsim-fuzz-XXXXXX", tmp);
	if (!mkdtemp(fuzz_dir)) {
		perror("fuzz: mkdtemp");
		abort();
	}
	atexit(fuzz_cleanup);
	/* Errors still print (run with -close_fd_mask=2, as make fuzz does, to keep them out of
	 * the log; libFuzzer keeps its own reports). */
	log_set_level(LOG_QUIET);
}

const char *fuzz_path(const char *name)
{
	snprintf(fuzz_buf, sizeof fuzz_buf, "%s/%s", fuzz_dir, name);
	return fuzz_buf;
}

const char *fuzz_file(const char *name, const uint8_t *data, size_t size)
{
	const char *path = fuzz_path(name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror("fuzz: open");
		abort();
	}
	for (size_t done = 0; done < size;) {
		ssize_t n = write(fd, data + done, size - done);
		if (n <= 0) {
			perror("fuzz: write");
			abort();
		}
		done += (size_t)n;
	}
	close(fd);
	return path;
}

const char *fuzz_source_dir(void)
{
	const char *env = getenv("NMSIM_SOURCE_DIR");
	return env && *env ? env : NMSIM_FUZZ_SOURCE_DIR;
}

void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s: ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort(); /* libFuzzer reports the deadly signal with the stack, and saves the input */
}
