/* spool — a checked trace kept as a compact binary stream, so that it is parsed once.
 *
 * Models: nothing; pass 1 reads the trace text (every rule checked, every op checked against
 * the machine) and appends each op and step to the spool; pass 2 replays the spool. The spool
 * lives in an unlinked temporary file, so memory stays flat however long the trace; ops keep
 * their tensor pointers, so the trace reader must stay open until the spool is done with.
 * Not: a file format (it is only ever read back by the process that wrote it).
 */
#ifndef NMSIM_SPOOL_H
#define NMSIM_SPOOL_H

#include <stdbool.h>
#include <stdint.h>

#include "traces/trace.h"

enum spool_kind { SPOOL_OP, SPOOL_STEP };

struct spool_rec {
	enum spool_kind kind;
	union {
		struct trace_op op; /* its name lives until the next spool_next */
		struct trace_step step;
	};
};

struct spool;

/* A new, empty spool in $TMPDIR (or /tmp); NULL with the reason in err. */
struct spool *spool_new(char *err, size_t errlen);
void spool_free(struct spool *s);
/* Appends a record; 0, or -1 (write error: see spool_error). */
int spool_put_op(struct spool *s, const struct trace_op *op);
int spool_put_step(struct spool *s, const struct trace_step *step);
/* Ends writing and goes back to the first record; 0 / -1. */
int spool_rewind(struct spool *s);
/* The next record: 1, 0 at the end, -1 on a read error. */
int spool_next(struct spool *s, struct spool_rec *out);
/* What failed, for a message. */
const char *spool_error(const struct spool *s);

#endif
