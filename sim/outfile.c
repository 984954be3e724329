/* outfile — outputs written to a temporary file and renamed into place. See outfile.h. */
#include "sim/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* realpath is XSI, not in strict POSIX 2008 headers under -std=c11. */
extern char *realpath(const char *restrict path, char *restrict resolved);

/* Temporary files not yet put in place: a signal that ends the program (SIGINT, SIGTERM,
 * SIGHUP) removes them first, so that an interrupted run leaves nothing behind. */
#define OUTFILE_PENDING_MAX 16 /* simrun opens at most 5 (--json, --csv, --roofline,
                                   --timeline, --plot's data); room for other callers */
static char *volatile outfile_pending[OUTFILE_PENDING_MAX];
static int outfile_handlers_set;

static void outfile_on_signal(int sig)
{
	for (int i = 0; i < OUTFILE_PENDING_MAX; i++)
		if (outfile_pending[i])
			unlink(outfile_pending[i]);
	/* The default action, once this handler returns (both calls are async-signal-safe). */
	signal(sig, SIG_DFL);
	raise(sig);
}

static void outfile_pending_add(char *tmp)
{
	if (!outfile_handlers_set) {
		outfile_handlers_set = 1;
		const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
		for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
			struct sigaction old, sa;
			/* A signal the caller ignores (nohup) stays ignored. */
			if (sigaction(sigs[i], NULL, &old) || old.sa_handler != SIG_DFL)
				continue;
			memset(&sa, 0, sizeof sa);
			sa.sa_handler = outfile_on_signal;
			sigemptyset(&sa.sa_mask);
			sigaction(sigs[i], &sa, NULL);
		}
	}
	for (int i = 0; i < OUTFILE_PENDING_MAX; i++)
		if (!outfile_pending[i]) {
			outfile_pending[i] = tmp;
			return;
		}
}

static void outfile_pending_remove(const char *tmp)
{
	for (int i = 0; tmp && i < OUTFILE_PENDING_MAX; i++)
		if (outfile_pending[i] == tmp)
			outfile_pending[i] = NULL;
}

static void outfile_clear(struct outfile *o)
{
	outfile_pending_remove(o->tmp);
	free(o->path);
	free(o->tmp);
	o->path = o->tmp = NULL;
}

static int outfile_fail(struct outfile *o, const char *shown, int e, char *err, size_t errlen)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: cannot open for writing: %s", shown, strerror(e));
	if (o->fd >= 0)
		close(o->fd);
	if (o->tmp)
		unlink(o->tmp);
	o->fd = -1;
	outfile_clear(o);
	return -1;
}

int outfile_open(struct outfile *o, const char *path, char *err, size_t errlen)
{
	struct stat st;
	o->path = o->tmp = NULL;
	o->fd = -1;
	if (strcmp(path, "-") == 0) {
		o->fd = dup(STDOUT_FILENO);
		return o->fd < 0 ? outfile_fail(o, "<stdout>", errno, err, errlen) : 0;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			return outfile_fail(o, path, EISDIR, err, errlen);
		/* A device or a FIFO: written in place (O_NONBLOCK: a FIFO nobody reads fails
		 * at once instead of waiting; the descriptor then blocks as usual). */
		o->fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (o->fd < 0)
			return outfile_fail(o, path, errno, err, errlen);
		int fl = fcntl(o->fd, F_GETFL);
		if (fl < 0 || fcntl(o->fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
			return outfile_fail(o, path, errno, err, errlen);
		return 0;
	}
	/* A link to a file: replace its target. A path that does not exist yet: itself. */
	o->path = realpath(path, NULL);
	if (!o->path && !(o->path = strdup(path)))
		return outfile_fail(o, path, ENOMEM, err, errlen);
	const char *slash = strrchr(o->path, '/');
	size_t dirlen = slash ? (size_t)(slash - o->path) + 1 : 0;
	const char *base = slash ? slash + 1 : o->path;
	size_t n = dirlen + strlen(base) + 32;
	if (!(o->tmp = malloc(n)))
		return outfile_fail(o, path, ENOMEM, err, errlen);
	snprintf(o->tmp, n, "%.*s.%s.tmp-XXXXXX", (int)dirlen, o->path, base);
	o->fd = mkstemp(o->tmp);
	/* close-on-exec: programs the caller starts (simrun, tracegen, gnuplot) do not hold it */
	if (o->fd >= 0)
		(void)fcntl(o->fd, F_SETFD, FD_CLOEXEC);
	if (o->fd < 0) {
		int e = errno;
		free(o->tmp);
		o->tmp = NULL;
		return outfile_fail(o, path, e, err, errlen);
	}
	outfile_pending_add(o->tmp);
	/* mkstemp makes the file private; give it the mode a new file would have. */
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(o->fd, 0666 & ~mask) < 0)
		return outfile_fail(o, path, errno, err, errlen);
	return 0;
}

int outfile_commit(struct outfile *o, char *err, size_t errlen)
{
	int rc = 0;
	/* Still pending until outfile_clear: a signal after the rename unlinks a name that is
	 * gone, harmlessly; one before it removes the file, as for any interrupted run. */
	if (o->tmp && rename(o->tmp, o->path) < 0) {
		if (err && errlen)
			snprintf(err, errlen, "%s: cannot put the file in place: %s", o->path,
			         strerror(errno));
		unlink(o->tmp);
		rc = -1;
	}
	outfile_clear(o);
	return rc;
}

void outfile_abort(struct outfile *o)
{
	if (o->tmp)
		unlink(o->tmp);
	outfile_clear(o);
}

bool outfile_is_input(const char *out, const char *input)
{
	struct stat so, si;
	if (!out || !input || strcmp(out, "-") == 0 || strcmp(input, "-") == 0)
		return false;
	if (stat(out, &so) == 0 && !S_ISREG(so.st_mode))
		return false; /* a device or FIFO is written in place: no file is replaced */
	if (strcmp(out, input) == 0)
		return true;
	return stat(out, &so) == 0 && stat(input, &si) == 0 && so.st_dev == si.st_dev &&
	       so.st_ino == si.st_ino;
}
