/* bwserver — a first-come first-served bandwidth server: the timing core of every port,
 * memory and link that moves bytes.
 *
 * Models: a resource that moves `bytes` at a fixed rate, one request at a time in arrival
 * order, then delivers after a fixed latency. A request arriving at t on an idle server
 * completes at exactly t + latency + bytes / rate; one arriving while it is busy waits.
 * Contention between requesters is therefore real and costs no event of its own.
 * Not: bank conflicts, read/write turnaround, refresh, reordering schedulers (FR-FCFS).
 * Numbers: the owner's config (rate in bytes per second, latency in picoseconds).
 */
#ifndef NMSIM_BWSERVER_H
#define NMSIM_BWSERVER_H

#include <math.h>
#include <stdint.h>

struct bwserver {
	double ps_per_byte;  /* 1e12 / rate */
	uint64_t latency_ps; /* added after the last byte leaves */
	uint64_t free_at_ps; /* the server is busy until then */
	uint64_t busy_ps;    /* total time spent moving bytes (for utilisation) */
};

static inline void bwserver_init(struct bwserver *s, double bytes_per_s, uint64_t latency_ps)
{
	s->ps_per_byte = 1e12 / bytes_per_s;
	s->latency_ps = latency_ps;
	s->free_at_ps = 0;
	s->busy_ps = 0;
}

/* Time the server needs to move `bytes`, rounded up to a whole picosecond. */
static inline uint64_t bwserver_occupancy_ps(const struct bwserver *s, uint64_t bytes)
{
	return (uint64_t)ceil((double)bytes * s->ps_per_byte);
}

/* Queues a transfer of `bytes` at the server's own rate times `slowdown` (>= 1: a kind of
 * access the server moves more slowly, e.g. DRAM writes); returns when its last byte arrives
 * at the requester (start + occupancy + latency). */
static inline uint64_t bwserver_request_slowed(struct bwserver *s, uint64_t now_ps, uint64_t bytes,
                                               double slowdown)
{
	uint64_t start = s->free_at_ps > now_ps ? s->free_at_ps : now_ps;
	uint64_t occ = (uint64_t)ceil((double)bytes * s->ps_per_byte * slowdown);
	s->free_at_ps = start + occ;
	s->busy_ps += occ;
	return s->free_at_ps + s->latency_ps;
}

/* Queues a transfer of `bytes` arriving at now_ps; returns the time its last byte arrives at
 * the requester (start + occupancy + latency). */
static inline uint64_t bwserver_request(struct bwserver *s, uint64_t now_ps, uint64_t bytes)
{
	return bwserver_request_slowed(s, now_ps, bytes, 1.0);
}

#endif
