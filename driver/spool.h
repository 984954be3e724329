/* spool — a checked trace kept as a compact binary stream, so that it is parsed once.
 *
 * Models: nothing; pass 1 reads the trace text (every rule checked, every op checked against
 * the machine) and appends each op and step to the spool; pass 2 replays the spool. The spool
 * lives in an unlinked temporary file, so memory stays flat however long the trace; ops keep
 * their tensor pointers, so the trace reader must stay open until the spool is done with, and
 * their tags point at statistics groups, so the run's opstats must outlive it too.
 *
 * One writer and one reader may work at once, in two threads (simrun checks the trace in one
 * while it replays in the other): the reader sees records a buffer (1 MiB) at a time, once the
 * writer has moved them to the file, and waits while the writer is ahead of nothing. A writer
 * that ends (spool_end_writing) lets the reader reach the end; one that gives up
 * (spool_abandon) makes the reader's next spool_next return SPOOL_ABANDONED, whatever it has
 * buffered. Used from one thread, the writer ends before the reader starts and no call waits.
 * Not: a file format (it is only ever read back by the process that wrote it).
 */
#ifndef NMSIM_SPOOL_H
#define NMSIM_SPOOL_H

#include <stdbool.h>
#include <stdint.h>

#include "driver/opstats.h"
#include "traces/trace.h"

enum spool_kind { SPOOL_OP, SPOOL_STEP };

/* What pass 1 worked out about an op, so that the replay need not work it out again: its
 * signature's id in the checked set (driver/cache.h; 0: none) and its groups in the run's
 * statistics (driver/opstats.h; NULL: not resolved). */
struct spool_tags {
	uint32_t sig;
	struct opstats_ref stats;
};

struct spool_rec {
	enum spool_kind kind;
	union {
		struct trace_op op; /* its name lives until the next spool_next */
		struct trace_step step;
	};
	struct spool_tags tags; /* of an op */
};

struct spool;

/* A new, empty spool in $TMPDIR (or /tmp); NULL with the reason in err. */
struct spool *spool_new(char *err, size_t errlen);
void spool_free(struct spool *s);
/* Appends a record (tags NULL: none); 0, or -1 (write error: see spool_write_error). */
int spool_put_op(struct spool *s, const struct trace_op *op, const struct spool_tags *tags);
int spool_put_step(struct spool *s, const struct trace_step *step);
/* The writer's last call: every record appended is readable and the reader may reach the end;
 * 0, or -1 (write error; the spool is then abandoned). */
int spool_end_writing(struct spool *s);
/* The writer's last call when it gives up: the reader's next spool_next returns
 * SPOOL_ABANDONED. */
void spool_abandon(struct spool *s);
/* Whether the writer has ended (every record is written; the reader may ask at any time). */
bool spool_writer_ended(const struct spool *s);

#define SPOOL_ABANDONED (-2)
/* The next record, waiting for the writer if it is behind: 1, 0 at the end, -1 on a read
 * error, SPOOL_ABANDONED when the writer gave up (it said why). */
int spool_next(struct spool *s, struct spool_rec *out);
/* What failed, for a message: on the writer's side, on the reader's. */
const char *spool_write_error(const struct spool *s);
const char *spool_read_error(const struct spool *s);

#endif
