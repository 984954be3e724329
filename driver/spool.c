#include "driver/spool.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A record on disk: its header, then the op or step, then the op's name bytes. */
struct spool_head {
	uint32_t kind;
	uint32_t name_len;
};

struct spool {
	int fd;
	char name[TRACE_LINE_MAX + 1];
	char err[256];
	/* Records are gathered here and moved with one system call per buffer. */
	unsigned char buf[1 << 20];
	size_t pos, len;
	bool reading;
};

static int spool_fail(struct spool *s, const char *what)
{
	snprintf(s->err, sizeof s->err, "temporary file: %s: %s", what, strerror(errno));
	return -1;
}

struct spool *spool_new(char *err, size_t errlen)
{
	struct spool *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	const char *dir = getenv("TMPDIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/nmsim-spool-XXXXXX", dir && *dir ? dir : "/tmp");
	s->fd = mkstemp(path);
	if (s->fd < 0 || unlink(path)) {
		snprintf(err, errlen, "%s: cannot create a temporary file: %s", path,
		         strerror(errno));
		if (s->fd >= 0)
			close(s->fd);
		free(s);
		return NULL;
	}
	return s;
}

void spool_free(struct spool *s)
{
	if (!s)
		return;
	close(s->fd);
	free(s);
}

static int spool_flush(struct spool *s)
{
	for (size_t done = 0; done < s->pos;) {
		ssize_t n = write(s->fd, s->buf + done, s->pos - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return spool_fail(s, "write");
		done += (size_t)n;
	}
	s->pos = 0;
	return 0;
}

static int spool_write(struct spool *s, const void *p, size_t n)
{
	if (s->pos + n > sizeof s->buf && spool_flush(s))
		return -1;
	memcpy(s->buf + s->pos, p, n);
	s->pos += n;
	return 0;
}

int spool_put_op(struct spool *s, const struct trace_op *op)
{
	size_t n = op->name ? strlen(op->name) : 0;
	struct spool_head h = { SPOOL_OP, (uint32_t)n };
	return spool_write(s, &h, sizeof h) || spool_write(s, op, sizeof *op) ||
	               (n && spool_write(s, op->name, n))
	           ? -1
	           : 0;
}

int spool_put_step(struct spool *s, const struct trace_step *step)
{
	struct spool_head h = { SPOOL_STEP, 0 };
	return spool_write(s, &h, sizeof h) || spool_write(s, step, sizeof *step) ? -1 : 0;
}

int spool_rewind(struct spool *s)
{
	if (spool_flush(s) || lseek(s->fd, 0, SEEK_SET) < 0)
		return spool_fail(s, "rewind");
	s->reading = true;
	s->pos = s->len = 0;
	return 0;
}

/* Copies n bytes of the stream into p: 1, 0 at a clean end (nothing read), -1 on error or a
 * record cut short. */
static int spool_read(struct spool *s, void *p, size_t n)
{
	unsigned char *out = p;
	size_t got = 0;
	while (got < n) {
		if (s->pos == s->len) {
			ssize_t r = read(s->fd, s->buf, sizeof s->buf);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return spool_fail(s, "read");
			if (r == 0) {
				if (got == 0)
					return 0;
				errno = EIO;
				return spool_fail(s, "read (record cut short)");
			}
			s->pos = 0;
			s->len = (size_t)r;
		}
		size_t take = s->len - s->pos < n - got ? s->len - s->pos : n - got;
		memcpy(out + got, s->buf + s->pos, take);
		s->pos += take;
		got += take;
	}
	return 1;
}

int spool_next(struct spool *s, struct spool_rec *out)
{
	struct spool_head h;
	int rc = spool_read(s, &h, sizeof h);
	if (rc <= 0)
		return rc;
	out->kind = (enum spool_kind)h.kind;
	if (h.kind == SPOOL_STEP)
		return spool_read(s, &out->step, sizeof out->step) == 1 ? 1 : -1;
	if (h.name_len > TRACE_LINE_MAX || spool_read(s, &out->op, sizeof out->op) != 1 ||
	    (h.name_len && spool_read(s, s->name, h.name_len) != 1))
		return s->err[0] ? -1 : spool_fail(s, "read");
	s->name[h.name_len] = '\0';
	out->op.name = s->name;
	return 1;
}

const char *spool_error(const struct spool *s)
{
	return s->err;
}
