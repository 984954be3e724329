#include "traces/gzio.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum gzio_status gzio_status(gzFile gz, int saved_errno, const char **msg)
{
	int errnum = Z_OK;
	const char *m = gzerror(gz, &errnum);
	const char *colon = strstr(m, ": ");
	if (strncmp(m, "<fd:", 4) == 0 && colon)
		m = colon + 2;
	*msg = m;
	switch (errnum) {
	case Z_OK:
	case Z_STREAM_END: return GZIO_OK;
	case Z_ERRNO: *msg = strerror(saved_errno); return GZIO_ERRNO;
	case Z_BUF_ERROR: return GZIO_TRUNCATED;
	default: return GZIO_CORRUPT;
	}
}

/* ---- Reading ---- */

#define GZIO_IN_SIZE (64 * 1024)

enum gzio_mode { GZIO_UNKNOWN, GZIO_PLAIN, GZIO_GZIP, GZIO_END, GZIO_FAILED };

struct gzio_reader {
	int fd;
	enum gzio_mode mode;
	bool fd_eof;
	bool in_member; /* a member started and has not reached its trailer */
	z_stream z;
	bool z_init;
	enum gzio_status err;
	char msg[128];
	unsigned char in[GZIO_IN_SIZE];
};

struct gzio_reader *gzio_open(int fd)
{
	struct gzio_reader *g = calloc(1, sizeof *g);
	if (!g) {
		close(fd);
		return NULL;
	}
	g->fd = fd;
	return g;
}

void gzio_close(struct gzio_reader *g)
{
	if (!g)
		return;
	if (g->z_init)
		inflateEnd(&g->z);
	close(g->fd);
	free(g);
}

static ssize_t gzio_fail(struct gzio_reader *g, enum gzio_status st, const char *msg)
{
	g->mode = GZIO_FAILED;
	g->err = st;
	snprintf(g->msg, sizeof g->msg, "%s", msg);
	return -1;
}

/* Moves the unread input to the front and reads more after it: 0, or -1 (errno). At the end
 * of the file fd_eof is set. */
static int gzio_fill(struct gzio_reader *g)
{
	if (g->z.avail_in && g->z.next_in != g->in)
		memmove(g->in, g->z.next_in, g->z.avail_in);
	g->z.next_in = g->in;
	for (;;) {
		ssize_t n = read(g->fd, g->in + g->z.avail_in, sizeof g->in - g->z.avail_in);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			g->fd_eof = true;
		g->z.avail_in += (uInt)n;
		return 0;
	}
}

/* Input held: at least `want` bytes unless the file ends first. 0, or -1 on a read error. */
static int gzio_need(struct gzio_reader *g, size_t want)
{
	while (g->z.avail_in < want && !g->fd_eof)
		if (gzio_fill(g))
			return -1;
	return 0;
}

static bool gzio_magic(const struct gzio_reader *g)
{
	return g->z.avail_in >= 2 && g->z.next_in[0] == 0x1f && g->z.next_in[1] == 0x8b;
}

static ssize_t gzio_read_plain(struct gzio_reader *g, unsigned char *out, size_t n)
{
	if (!g->z.avail_in) {
		if (g->fd_eof) {
			g->mode = GZIO_END;
			return 0;
		}
		if (gzio_fill(g))
			return gzio_fail(g, GZIO_ERRNO, strerror(errno));
		if (!g->z.avail_in) {
			g->mode = GZIO_END;
			return 0;
		}
	}
	size_t take = g->z.avail_in < n ? g->z.avail_in : n;
	memcpy(out, g->z.next_in, take);
	g->z.next_in += take;
	g->z.avail_in -= (uInt)take;
	return (ssize_t)take;
}

/* After a member's trailer: the end of the file, another member, or an error. */
static ssize_t gzio_next_member(struct gzio_reader *g)
{
	if (gzio_need(g, 2))
		return gzio_fail(g, GZIO_ERRNO, strerror(errno));
	if (!g->z.avail_in) {
		g->mode = GZIO_END;
		return 0;
	}
	if (!gzio_magic(g))
		return gzio_fail(g, GZIO_TRAILING,
		                 "data after the end of the gzip stream (not another gzip member)");
	if (inflateReset(&g->z) != Z_OK)
		return gzio_fail(g, GZIO_CORRUPT, "cannot restart inflate");
	g->in_member = true;
	return 1;
}

/* A failure after `out` was partly filled: what came before it is delivered first, the failure
 * with the next call. */
static ssize_t gzio_fail_after(struct gzio_reader *g, const unsigned char *out, enum gzio_status st,
                               const char *msg)
{
	ssize_t done = (ssize_t)(g->z.next_out - out);
	gzio_fail(g, st, msg);
	return done > 0 ? done : -1;
}

static ssize_t gzio_read_gzip(struct gzio_reader *g, unsigned char *out, size_t n)
{
	g->z.next_out = out;
	g->z.avail_out = n > UINT32_MAX ? UINT32_MAX : (uInt)n;
	while (g->z.avail_out) {
		if (!g->in_member) {
			ssize_t rc = gzio_next_member(g);
			if (rc < 0) /* failed already: deliver what came before */
				return g->z.next_out != out ? (ssize_t)(g->z.next_out - out) : -1;
			if (rc == 0)
				break;
		}
		if (!g->z.avail_in && !g->fd_eof && gzio_fill(g))
			return gzio_fail_after(g, out, GZIO_ERRNO, strerror(errno));
		int zr = inflate(&g->z, Z_NO_FLUSH);
		if (zr == Z_STREAM_END) {
			g->in_member = false;
			continue;
		}
		if (zr == Z_MEM_ERROR)
			return gzio_fail_after(g, out, GZIO_NOMEM, "out of memory");
		if (zr != Z_OK && zr != Z_BUF_ERROR)
			return gzio_fail_after(g, out, GZIO_CORRUPT,
			                       g->z.msg ? g->z.msg : "invalid data");
		if (zr == Z_BUF_ERROR && !g->z.avail_in && g->fd_eof)
			return gzio_fail_after(g, out, GZIO_TRUNCATED, "unexpected end of file");
		if (zr == Z_BUF_ERROR && g->z.avail_in)
			return gzio_fail_after(g, out, GZIO_CORRUPT, "inflate made no progress");
	}
	return (ssize_t)(g->z.next_out - out);
}

ssize_t gzio_read(struct gzio_reader *g, void *buf, size_t n)
{
	switch (g->mode) {
	case GZIO_END: return 0;
	case GZIO_FAILED: return -1;
	case GZIO_UNKNOWN:
		if (gzio_need(g, 2))
			return gzio_fail(g, GZIO_ERRNO, strerror(errno));
		if (!gzio_magic(g)) {
			g->mode = GZIO_PLAIN;
			break;
		}
		if (inflateInit2(&g->z, 15 + 16) != Z_OK)
			return gzio_fail(g, GZIO_NOMEM, "out of memory");
		g->z_init = true;
		g->mode = GZIO_GZIP;
		g->in_member = true;
		break;
	case GZIO_PLAIN:
	case GZIO_GZIP: break;
	}
	if (!n)
		return 0;
	if (g->mode == GZIO_PLAIN)
		return gzio_read_plain(g, buf, n);
	return gzio_read_gzip(g, buf, n);
}

enum gzio_status gzio_error(const struct gzio_reader *g, const char **msg)
{
	*msg = g->mode == GZIO_FAILED ? g->msg : "";
	return g->mode == GZIO_FAILED ? g->err : GZIO_OK;
}

int gzio_is_gzip(const struct gzio_reader *g)
{
	return g->z_init;
}
