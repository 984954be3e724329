/* run — a pool of child processes started with fork and exec (run.h). */
#define _GNU_SOURCE /* strsignal */
#include "sweep/run.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int run_pool_init(struct run_pool *p, size_t max)
{
	p->max = max ? max : 1;
	p->n = 0;
	p->slots = calloc(p->max, sizeof *p->slots);
	return p->slots ? 0 : -1;
}

void run_pool_fini(struct run_pool *p)
{
	run_signal_all(p, SIGKILL);
	for (size_t i = 0; i < p->n; i++)
		waitpid(p->slots[i].pid, NULL, 0);
	free(p->slots);
	memset(p, 0, sizeof *p);
}

bool run_pool_full(const struct run_pool *p)
{
	return p->n >= p->max;
}

/* In the child: FD becomes FILE (for writing, or /dev/null). */
static void run_redirect(int fd, const char *file, int flags)
{
	int f = open(file ? file : "/dev/null", flags, 0644);
	if (f >= 0 && f != fd) {
		dup2(f, fd);
		close(f);
	}
}

int run_start(struct run_pool *p, char *const argv[], const char *out, const char *err, size_t tag,
              char *msg, size_t msglen)
{
	if (run_pool_full(p)) {
		snprintf(msg, msglen, "no free slot");
		return -1;
	}
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(msg, msglen, "cannot start %s: %s", argv[0], strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* Die with the sweep; if it is already gone, do not start. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		run_redirect(STDIN_FILENO, NULL, O_RDONLY);
		run_redirect(STDOUT_FILENO, out, O_WRONLY | O_CREAT | O_TRUNC);
		run_redirect(STDERR_FILENO, err, O_WRONLY | O_CREAT | O_TRUNC);
		execv(argv[0], argv);
		dprintf(STDERR_FILENO, "%s: cannot run: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	p->slots[p->n++] = (struct run_child){ pid, tag };
	return 0;
}

int run_reap(struct run_pool *p, size_t *tag, int *status)
{
	for (size_t i = 0; i < p->n; i++) {
		pid_t r = waitpid(p->slots[i].pid, status, WNOHANG);
		if (r == 0 || (r < 0 && errno == EINTR))
			continue;
		*tag = p->slots[i].tag;
		if (r < 0)
			*status = 127 << 8; /* lost: counts as failed to run */
		p->slots[i] = p->slots[--p->n];
		return 1;
	}
	return 0;
}

void run_signal_all(struct run_pool *p, int sig)
{
	for (size_t i = 0; i < p->n; i++)
		kill(p->slots[i].pid, sig);
}

void run_nap(void)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };
	nanosleep(&ts, NULL);
}

const char *run_status_text(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
		         strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "ended with status %d", status);
	return buf;
}

void run_last_line(const char *file, char *buf, size_t len)
{
	buf[0] = 0;
	FILE *f = file ? fopen(file, "r") : NULL;
	if (!f)
		return;
	char line[2048];
	while (fgets(line, sizeof line, f)) {
		size_t n = strcspn(line, "\r\n");
		line[n] = 0;
		const char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			continue;
		/* "simrun: error: what" -> "what" */
		const char *e = strstr(s, ": error: ");
		if (e && (size_t)(e - s) < 32)
			s = e + 9;
		snprintf(buf, len, "%s", s);
	}
	fclose(f);
	for (char *c = buf; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
}
