/* gzio — what a zlib stream's failure means, in one place for every reader and writer of
 * traces and profiles (plain files pass through zlib's transparent mode).
 * Not: reading or writing itself (each caller keeps its own buffering). */
#ifndef NMSIM_GZIO_H
#define NMSIM_GZIO_H

#include <zlib.h>

enum gzio_status {
	GZIO_OK,        /* no error */
	GZIO_ERRNO,     /* the file system failed: errno tells why */
	GZIO_TRUNCATED, /* the gzip stream was cut short */
	GZIO_CORRUPT,   /* the gzip data is damaged */
};

/* The state of gz after a gzread/gzwrite, with its message: zlib's own, without the "<fd:N>: "
 * prefix it puts on streams opened from a descriptor, or strerror(saved_errno) for GZIO_ERRNO
 * (pass errno as it was right after the call). The message lives until the next zlib call. */
enum gzio_status gzio_status(gzFile gz, int saved_errno, const char **msg);

#endif
