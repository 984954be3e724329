/* gzio — reading a file that may be gzip-compressed, and what a zlib stream's failure means, in
 * one place for every reader and writer of traces and profiles.
 *
 * Models: RFC 1952: a gzip file is one or more members, each a header, deflate data and a
 * CRC-32 and length trailer; `cat a.gz b.gz` is a valid gzip file whose contents are a's then
 * b's (what zcat prints). A file is gzip when it starts with the magic bytes 1f 8b, plain
 * otherwise (copied as it is). Anything after the last member that is not another member is an
 * error: zlib's gzread ignores it silently, which would drop the rest of a damaged trace.
 * Not: writing (the writers keep zlib's gzwrite; gzio_status words its failures). */
#ifndef NMSIM_GZIO_H
#define NMSIM_GZIO_H

#include <stddef.h>
#include <sys/types.h>
#include <zlib.h>

enum gzio_status {
	GZIO_OK,        /* no error */
	GZIO_ERRNO,     /* the file system failed: errno tells why */
	GZIO_TRUNCATED, /* the gzip stream was cut short */
	GZIO_CORRUPT,   /* the gzip data is damaged */
	GZIO_TRAILING,  /* bytes after the last gzip member that start no other member */
	GZIO_NOMEM,     /* out of memory */
};

/* The state of gz after a gzread/gzwrite, with its message: zlib's own, without the "<fd:N>: "
 * prefix it puts on streams opened from a descriptor, or strerror(saved_errno) for GZIO_ERRNO
 * (pass errno as it was right after the call). The message lives until the next zlib call. */
enum gzio_status gzio_status(gzFile gz, int saved_errno, const char **msg);

/* ---- Reading ---- */

struct gzio_reader;

/* A reader of descriptor fd (which it owns from now on, even on failure); NULL when out of
 * memory. */
struct gzio_reader *gzio_open(int fd);
/* Up to n bytes of the decompressed (or plain) contents into buf: how many (> 0), 0 at the end,
 * -1 on error (see gzio_error). After 0 or -1, every call returns the same. */
ssize_t gzio_read(struct gzio_reader *g, void *buf, size_t n);
/* The error of the last -1, with its message ("incorrect data check", "unexpected end of
 * file", strerror...); GZIO_OK and "" while there is none. */
enum gzio_status gzio_error(const struct gzio_reader *g, const char **msg);
/* Whether the input is gzip (known after the first gzio_read). */
int gzio_is_gzip(const struct gzio_reader *g);
/* Closes the descriptor and frees; NULL allowed. */
void gzio_close(struct gzio_reader *g);

#endif
