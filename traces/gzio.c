#include "traces/gzio.h"

#include <string.h>

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
