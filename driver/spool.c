#include "driver/spool.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A record on disk: its header, then the step, or the op, its tags and its name's bytes. */
struct spool_head {
	uint32_t kind;
	uint32_t name_len;
};

/* Records move through the file a buffer at a time (one system call each). */
#define SPOOL_BUF     (1u << 20)
#define SPOOL_ERR_MAX 256

struct spool {
	int fd;
	/* The writer's side: its buffer and where it goes in the file. */
	unsigned char wbuf[SPOOL_BUF];
	size_t wpos;
	uint64_t written;
	char werr[SPOOL_ERR_MAX];
	/* Shared: how far the file is readable, and whether more will come. */
	pthread_mutex_t lock;
	pthread_cond_t more;
	uint64_t published;
	atomic_bool ended, abandoned; /* set under the lock; the reader may also look without it */
	/* The reader's side. */
	unsigned char rbuf[SPOOL_BUF];
	size_t rpos, rlen;
	uint64_t read_at;
	char name[TRACE_LINE_MAX + 1];
	char rerr[SPOOL_ERR_MAX];
};

static int spool_fail(char *err, const char *what)
{
	snprintf(err, SPOOL_ERR_MAX, "temporary file: %s: %s", what, strerror(errno));
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
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->more, NULL);
	atomic_init(&s->ended, false);
	atomic_init(&s->abandoned, false);
	return s;
}

void spool_free(struct spool *s)
{
	if (!s)
		return;
	close(s->fd);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->more);
	free(s);
}

/* Moves the writer's buffer to the file and makes it readable. */
static int spool_flush(struct spool *s)
{
	for (size_t done = 0; done < s->wpos;) {
		ssize_t n =
		    pwrite(s->fd, s->wbuf + done, s->wpos - done, (off_t)(s->written + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return spool_fail(s->werr, "write");
		done += (size_t)n;
	}
	s->written += s->wpos;
	s->wpos = 0;
	pthread_mutex_lock(&s->lock);
	s->published = s->written;
	pthread_cond_signal(&s->more);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static int spool_write(struct spool *s, const void *p, size_t n)
{
	if (s->wpos + n > sizeof s->wbuf && spool_flush(s))
		return -1;
	memcpy(s->wbuf + s->wpos, p, n);
	s->wpos += n;
	return 0;
}

int spool_put_op(struct spool *s, const struct trace_op *op, const struct spool_tags *tags)
{
	size_t n = op->name ? strlen(op->name) : 0;
	struct spool_head h = { SPOOL_OP, (uint32_t)n };
	struct spool_tags none = { 0, { NULL, NULL } };
	return spool_write(s, &h, sizeof h) || spool_write(s, op, sizeof *op) ||
	               spool_write(s, tags ? tags : &none, sizeof *tags) ||
	               (n && spool_write(s, op->name, n))
	           ? -1
	           : 0;
}

int spool_put_step(struct spool *s, const struct trace_step *step)
{
	struct spool_head h = { SPOOL_STEP, 0 };
	return spool_write(s, &h, sizeof h) || spool_write(s, step, sizeof *step) ? -1 : 0;
}

/* The writer's last word: ended (the reader may reach the end) or abandoned. */
static void spool_close_writing(struct spool *s, bool ended)
{
	pthread_mutex_lock(&s->lock);
	atomic_store(ended ? &s->ended : &s->abandoned, true);
	pthread_cond_signal(&s->more);
	pthread_mutex_unlock(&s->lock);
}

int spool_end_writing(struct spool *s)
{
	int rc = spool_flush(s);
	spool_close_writing(s, rc == 0);
	return rc;
}

void spool_abandon(struct spool *s)
{
	spool_close_writing(s, false);
}

bool spool_writer_ended(const struct spool *s)
{
	return atomic_load(&s->ended);
}

/* Refills the reader's buffer from what the writer published, waiting for it if it is
 * behind: 1, 0 at the end, -1 on a read error, SPOOL_ABANDONED. */
static int spool_refill(struct spool *s)
{
	pthread_mutex_lock(&s->lock);
	while (s->published == s->read_at && !s->ended && !s->abandoned)
		pthread_cond_wait(&s->more, &s->lock);
	uint64_t avail = s->published - s->read_at;
	bool abandoned = s->abandoned;
	pthread_mutex_unlock(&s->lock);
	if (abandoned)
		return SPOOL_ABANDONED;
	if (!avail)
		return 0;
	size_t want = avail < sizeof s->rbuf ? (size_t)avail : sizeof s->rbuf;
	for (;;) {
		ssize_t r = pread(s->fd, s->rbuf, want, (off_t)s->read_at);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			return spool_fail(s->rerr, "read");
		}
		s->rpos = 0;
		s->rlen = (size_t)r;
		s->read_at += (uint64_t)r;
		return 1;
	}
}

/* Copies n bytes of the stream into p: 1, 0 at a clean end (nothing read), -1 on error or a
 * record cut short, SPOOL_ABANDONED. */
static int spool_read(struct spool *s, void *p, size_t n)
{
	unsigned char *out = p;
	size_t got = 0;
	while (got < n) {
		if (s->rpos == s->rlen) {
			int rc = spool_refill(s);
			if (rc == SPOOL_ABANDONED || rc < 0)
				return rc;
			if (rc == 0) {
				if (got == 0)
					return 0;
				errno = EIO;
				return spool_fail(s->rerr, "read (record cut short)");
			}
		}
		size_t take = s->rlen - s->rpos < n - got ? s->rlen - s->rpos : n - got;
		memcpy(out + got, s->rbuf + s->rpos, take);
		s->rpos += take;
		got += take;
	}
	return 1;
}

int spool_next(struct spool *s, struct spool_rec *out)
{
	/* A writer that gave up stops the reader at once, not after what it has buffered. */
	if (atomic_load_explicit(&s->abandoned, memory_order_relaxed))
		return SPOOL_ABANDONED;
	struct spool_head h;
	int rc = spool_read(s, &h, sizeof h);
	if (rc <= 0)
		return rc;
	out->kind = (enum spool_kind)h.kind;
	if (h.kind == SPOOL_STEP)
		rc = spool_read(s, &out->step, sizeof out->step);
	else if (h.name_len > TRACE_LINE_MAX) {
		errno = EIO;
		return spool_fail(s->rerr, "read (a record's name longer than a trace line)");
	} else if ((rc = spool_read(s, &out->op, sizeof out->op)) == 1 &&
	           (rc = spool_read(s, &out->tags, sizeof out->tags)) == 1 && h.name_len)
		rc = spool_read(s, s->name, h.name_len);
	if (rc == SPOOL_ABANDONED)
		return rc;
	if (rc != 1)
		return s->rerr[0] ? -1 : spool_fail(s->rerr, "read (record cut short)");
	if (h.kind != SPOOL_STEP) {
		s->name[h.name_len] = '\0';
		out->op.name = s->name;
	}
	return 1;
}

const char *spool_write_error(const struct spool *s)
{
	return s->werr;
}

const char *spool_read_error(const struct spool *s)
{
	return s->rerr;
}
