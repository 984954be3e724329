#include "arch/fabric.h"

#include <math.h>

#include "sim/arith.h"
#include "sim/kernel.h"

uint64_t fabric_tile_key(uint64_t operand, uint64_t batch, uint64_t block, uint64_t step)
{
	/* Distinct fields mixed into one key; a collision would only mis-count one hit. */
	uint64_t k = operand * 0x9e3779b97f4a7c15ULL;
	k ^= (batch + 1) * 0xc2b2ae3d27d4eb4fULL;
	k ^= (block + 1) * 0x165667b19e3779f9ULL;
	k ^= (step + 1) * 0x27d4eb2f165667c5ULL;
	return k ^ (k >> 29);
}

/* A transfer through core c's fill port, its busy time booked. */
static uint64_t port_request(struct fabric *f, struct core *c, uint64_t now, uint64_t bytes)
{
	uint64_t busy0 = c->port.busy_ps;
	uint64_t done = bwserver_request(&c->port, now, bytes);
	f->smem->port_busy_ps += c->port.busy_ps - busy0;
	return done;
}

uint64_t fabric_load(struct fabric *f, struct core *c, const struct tile_load *ld)
{
	uint64_t now = kernel_now_ps();
	bool a_hit = !ld->bytes_a || l2_access(f->l2, ld->key_a, ld->bytes_a);
	bool b_hit = !ld->bytes_b || l2_access(f->l2, ld->key_b, ld->bytes_b) ||
	             l2_warm_hit(f->l2, ld->bytes_b);
	uint64_t total = ld->bytes_a + ld->bytes_b;
	uint64_t miss = (a_hit ? 0 : ld->bytes_a) + (b_hit ? 0 : ld->bytes_b);
	f->l2->stats.hit_bytes += total - miss;
	f->l2->stats.miss_bytes += miss;
	uint64_t done = l2_transfer(f->l2, now, total);
	f->l2->stats.meta_bytes += ld->meta_b;
	f->l2->stats.scale_bytes += ld->scale_a + ld->scale_b;
	f->smem->meta_fill_bytes += ld->meta_b;
	f->smem->scale_fill_bytes += ld->scale_a + ld->scale_b;
	if (miss) {
		done = max_u64(done, hbm_read(f->hbm, now, miss));
		if (!b_hit) {
			f->hbm->stats.meta_read_bytes += ld->meta_b;
			f->hbm->stats.scale_read_bytes += ld->scale_b;
		}
		if (!a_hit)
			f->hbm->stats.scale_read_bytes += ld->scale_a;
	}
	done = max_u64(done, port_request(f, c, now, total));
	f->smem->fill_bytes += total;
	f->core->tile_loads++;
	return done;
}

void fabric_touch(struct fabric *f, const struct tile_load *ld, bool count, uint64_t tag,
                  uint64_t step)
{
	uint64_t ta = tag ? 2 * tag : 0, tb = tag ? 2 * tag + 1 : 0;
	bool a_hit = !ld->bytes_a || l2_access_tagged(f->l2, ld->key_a, ld->bytes_a, ta, step);
	bool b_hit = !ld->bytes_b || l2_access_tagged(f->l2, ld->key_b, ld->bytes_b, tb, step) ||
	             l2_warm_hit(f->l2, ld->bytes_b);
	if (!count)
		return;
	uint64_t total = ld->bytes_a + ld->bytes_b;
	uint64_t miss = (a_hit ? 0 : ld->bytes_a) + (b_hit ? 0 : ld->bytes_b);
	f->l2->stats.hit_bytes += total - miss;
	f->l2->stats.miss_bytes += miss;
	if (!miss)
		return;
	f->hbm->stats.read_bytes += miss;
	f->hbm->stats.busy_ps += bwserver_occupancy_ps(&f->hbm->port, miss);
	if (!b_hit) {
		f->hbm->stats.meta_read_bytes += ld->meta_b;
		f->hbm->stats.scale_read_bytes += ld->scale_b;
	}
	if (!a_hit)
		f->hbm->stats.scale_read_bytes += ld->scale_a;
}

uint64_t fabric_store(struct fabric *f, struct core *c, uint64_t bytes, bool to_memory)
{
	uint64_t now = kernel_now_ps();
	uint64_t done = port_request(f, c, now, bytes);
	done = max_u64(done, l2_transfer(f->l2, now, bytes));
	f->l2->stats.write_bytes += bytes;
	if (to_memory)
		hbm_write(f->hbm, now, bytes); /* write-back drains behind the core */
	return done;
}

uint64_t fabric_compute(struct fabric *f, const struct fabric_compute *w)
{
	if (w->sparse)
		f->core->macs_sparse += w->macs;
	double t =
	    w->serial ? w->mma_ps + w->vec_ps : (w->mma_ps > w->vec_ps ? w->mma_ps : w->vec_ps);
	uint64_t core_ps = (uint64_t)ceil(t);
	if (w->decode_ps > t)
		t = w->decode_ps; /* decode-bound: the stage before the MMAs sets the pace */
	uint64_t ps = (uint64_t)ceil(t);
	if (ps == 0)
		ps = 1;
	*core_stats_macs(f->core, w->prec) += w->macs;
	f->core->vec_ops += w->vec_ops;
	f->smem->read_bytes += w->smem_bytes;
	f->core->tc_busy_ps += core_ps ? core_ps : 1;
	f->core->decode_busy_ps += (uint64_t)ceil(w->decode_ps);
	f->core->tile_computes++;
	return ps;
}

uint64_t fabric_reduce(struct fabric *f, uint64_t l2_bytes, uint64_t out_bytes, uint64_t vec_ops)
{
	uint64_t now = kernel_now_ps();
	uint64_t end = max_u64(now, l2_transfer(f->l2, now, l2_bytes));
	f->l2->stats.hit_bytes += l2_bytes;
	end = max_u64(end, hbm_write(f->hbm, now, out_bytes));
	f->core->vec_ops += vec_ops;
	return end;
}

uint64_t fabric_stream_read(struct fabric *f, uint64_t at_ps, uint64_t bytes)
{
	return hbm_read(f->hbm, at_ps, bytes);
}

void fabric_book_stream(struct fabric *f, uint64_t read, uint64_t write, uint64_t vec_ops)
{
	f->core->vec_ops += vec_ops;
	f->hbm->stats.read_bytes += read;
	f->hbm->stats.write_bytes += write;
	/* Busy time at the same read and write rates the op is timed with. */
	f->hbm->stats.busy_ps +=
	    (uint64_t)ceil(hbm_stream_ps(f->hbm->cfg, (double)read, (double)write));
}

void fabric_book_macs(struct fabric *f, enum tensor_prec prec, uint64_t macs, uint64_t vec_ops)
{
	*core_stats_macs(f->core, prec) += macs;
	f->core->vec_ops += vec_ops;
}

void fabric_book_inmem(struct fabric *f, uint64_t macs)
{
	f->hbm->stats.inmem_macs += macs;
}

void fabric_book_link(struct fabric *f, uint64_t bytes)
{
	*f->link_bytes += bytes;
}
