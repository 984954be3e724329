/* Unit tests of the hardware blocks, driven without the event kernel: exact transfer times
 * (an unloaded transfer takes latency + size / bandwidth, not a picosecond less or more),
 * FIFO contention, the L2 tile directory, storage formats, sparse-mode coverage, precisions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arch/core/tensor.h"
#include "arch/formats/formats.h"
#include "arch/hbm/hbm.h"
#include "arch/l2/l2.h"
#include "arch/lower/lower.h"
#include "arch/lower/menu.h"
#include "arch/link/link.h"
#include "sim/bwserver.h"

static void test_unloaded_transfer_is_latency_plus_size_over_bandwidth(void **s)
{
	(void)s;
	struct bwserver b;
	bwserver_init(&b, 1e12 /* 1 B/ps */, 500);
	/* 4096 B at 1 B/ps = 4096 ps, + 500 ps latency, starting at 1000. */
	assert_int_equal(bwserver_request(&b, 1000, 4096), 1000 + 4096 + 500);
	/* Tight: the server is free exactly at 5096, not before. */
	assert_int_equal(b.free_at_ps, 5096);
	assert_int_equal(bwserver_request(&b, 5096, 1), 5096 + 1 + 500);
}

static void test_contention_queues_in_arrival_order(void **s)
{
	(void)s;
	struct bwserver b;
	bwserver_init(&b, 2e12 /* 2 B/ps */, 100);
	uint64_t t1 = bwserver_request(&b, 0, 1000);  /* busy 0..500 */
	uint64_t t2 = bwserver_request(&b, 10, 1000); /* waits: 500..1000 */
	uint64_t t3 = bwserver_request(&b, 2000, 2);  /* idle again: 2000..2001 */
	assert_int_equal(t1, 600);
	assert_int_equal(t2, 1100);
	assert_int_equal(t3, 2101);
	assert_int_equal(b.busy_ps, 1001);
}

static void test_hbm_efficiency_and_write_latency(void **s)
{
	(void)s;
	struct hbm_config cfg = { .size = 1ULL << 30,
		                  .bandwidth = 2e12,
		                  .efficiency = 0.5,
		                  .write_efficiency = 0.25,
		                  .latency = 600000 };
	struct hbm h;
	hbm_init(&h, &cfg);
	/* Effective 1e12 B/s = 1 B/ps: a 1 MB read takes 1e6 ps + 600 ns. */
	assert_int_equal(hbm_read(&h, 0, 1000000), 1000000 + 600000);
	/* A write completes when memory took it: no load-to-use latency, and at the write
	 * efficiency (half the read one here: 2 ps per byte). */
	assert_int_equal(hbm_write(&h, 1000000, 1000), 1002000);
	assert_int_equal(h.stats.read_bytes, 1000000);
	assert_int_equal(h.stats.write_bytes, 1000);
	assert_int_equal(h.stats.busy_ps, 1002000);
}

/* The loaded-latency line: idle at `latency`, flat out at `loaded_latency`, linear between,
 * never beyond either end; none set: no rise. */
static void test_hbm_latency_rises_with_load(void **s)
{
	(void)s;
	struct hbm_config cfg = { .latency = 600000, .loaded_latency = 1000000 };
	assert_true(hbm_latency_at(&cfg, 0) == 600000);
	assert_true(hbm_latency_at(&cfg, 0.5) == 800000);
	assert_true(hbm_latency_at(&cfg, 1) == 1000000);
	assert_true(hbm_latency_at(&cfg, 3) == 1000000);
	assert_true(hbm_latency_at(&cfg, -1) == 600000);
	cfg.loaded_latency = 0;
	assert_true(hbm_latency_at(&cfg, 0.9) == 600000);
}

static void test_l2_directory_hits_and_evicts_lru(void **s)
{
	(void)s;
	struct l2_config cfg = { 1000, 1.0, 1e12, 0, false };
	struct l2 l;
	l2_init(&l, &cfg);
	assert_int_equal(l2_reset(&l, 16), 0);
	assert_false(l2_access(&l, 1, 400));
	assert_false(l2_access(&l, 2, 400));
	assert_true(l2_access(&l, 1, 400));  /* 1 is now most recent */
	assert_false(l2_access(&l, 3, 400)); /* evicts 2, the least recent */
	assert_true(l2_access(&l, 1, 400));
	assert_true(l2_access(&l, 3, 400));
	assert_false(l2_access(&l, 2, 400));
	assert_false(l2_access(&l, 4, 2000)); /* larger than the cache: never resident */
	assert_false(l2_access(&l, 4, 2000));
	assert_true(l.resident_bytes <= 1000);
	/* Reset forgets everything. */
	assert_int_equal(l2_reset(&l, 16), 0);
	assert_false(l2_access(&l, 1, 400));
	l2_fini(&l);
}

static void test_l2_many_tiles_stay_consistent(void **s)
{
	(void)s;
	struct l2_config cfg = { 64 * 100, 1.0, 1e12, 0, false };
	struct l2 l;
	l2_init(&l, &cfg);
	assert_int_equal(l2_reset(&l, 1000), 0);
	for (uint64_t k = 0; k < 1000; k++)
		assert_false(l2_access(&l, k * 7919, 64));
	/* The last 100 are resident, the ones before evicted. */
	for (uint64_t k = 900; k < 1000; k++)
		assert_true(l2_access(&l, k * 7919, 64));
	assert_false(l2_access(&l, 0, 64));
	l2_fini(&l);
}

/* A periodic walk: three cores, two sharing row 0 three steps apart, one alone on row 1; a
 * tile's key is its row and step, its tag the core that touched it. */
static const uint64_t shift_row[4] = { 0, 0, 0, 1 }, shift_k0[4] = { 0, 5, 2, 0 };

static uint64_t shift_key(void *ctx, uint64_t tag, uint64_t step)
{
	(void)ctx;
	return shift_row[tag] * 1000 + step;
}

static unsigned shift_period(struct l2 *l, uint64_t j)
{
	unsigned hits = 0;
	for (uint64_t c = 1; c <= 3; c++) {
		uint64_t step = shift_k0[c] + j;
		hits = 2 * hits + l2_access_tagged(l, shift_key(NULL, c, step), 100, c, step);
	}
	return hits;
}

static void test_l2_shift_equals_walking_on(void **s)
{
	(void)s;
	struct l2_config cfg = { 1000, 1.0, 1e12, 0, false };
	struct l2 walked, shifted;
	l2_init(&walked, &cfg);
	l2_init(&shifted, &cfg);
	assert_int_equal(l2_reset(&walked, 64), 0);
	assert_int_equal(l2_reset(&shifted, 64), 0);
	assert_false(l2_access(&walked, 99999, 100)); /* played before the walk: untagged */
	assert_false(l2_access(&shifted, 99999, 100));
	assert_int_equal(shifted.untagged, 1);
	for (uint64_t j = 0; j < 20; j++)
		assert_int_equal(shift_period(&walked, j), shift_period(&shifted, j));
	assert_int_equal(shifted.untagged, 0); /* turned over: 200 bytes in per period */
	for (uint64_t j = 20; j < 60; j++)
		shift_period(&walked, j);
	l2_shift(&shifted, 40, shift_key, NULL);
	/* Both go on alike: core 2 hits what core 1 loaded three periods before, core 3 misses. */
	for (uint64_t j = 60; j < 70; j++) {
		unsigned w = shift_period(&walked, j);
		assert_int_equal(w, 2); /* binary 010: core 2 hits */
		assert_int_equal(shift_period(&shifted, j), w);
	}
	assert_int_equal(walked.resident_bytes, shifted.resident_bytes);
	/* Tiles of the shifted-over steps are gone, the shifted ones found. */
	assert_false(l2_access(&shifted, shift_key(NULL, 1, 5 + 19), 100));
	assert_true(l2_access(&shifted, shift_key(NULL, 1, 5 + 69), 100));
	l2_fini(&walked);
	l2_fini(&shifted);
}

/* The gemm check bounds an item's K steps with LOWER_MIN_TILE_K: no menu may offer a smaller
 * tile K (a menu that did would let a checked op through with more steps than the model plays). */
static void test_no_menu_tile_k_below_the_checked_minimum(void **s)
{
	(void)s;
	size_t menus = 0, tiles = 0;
	for (int i = 0; lower_menu_names[i]; i++, menus++) {
		const struct lower_menu *m = lower_menu_get(i);
		assert_string_equal(m->name, lower_menu_names[i]);
		for (size_t t = 0; t < m->ntiles; t++, tiles++)
			assert_true(m->tiles[t].k >= LOWER_MIN_TILE_K);
	}
	assert_true(menus >= 7);
	assert_true(tiles > 50);
}

/* What L2 keeps between ops: named tensors, least recent out first, other traffic evicting. */
static void test_l2_keep_lru_across_ops(void **s)
{
	(void)s;
	enum { w1 = 1, w2 = 2, w3 = 3 };
	struct l2_keep k;
	l2_keep_init(&k, 1000);
	assert_int_equal(l2_keep_after_op(&k, w1, 400, 0), 0);
	assert_int_equal(l2_keep_resident(&k, w1), 400);
	assert_int_equal(l2_keep_after_op(&k, w2, 400, 100), 0); /* fits beside w1 */
	assert_int_equal(l2_keep_resident(&k, w1), 400);
	/* 300 more bytes: 200 find free room, 100 come out of w1, the least recent. */
	assert_int_equal(l2_keep_after_op(&k, 0, 0, 300), 0);
	assert_int_equal(l2_keep_resident(&k, w1), 300);
	assert_int_equal(l2_keep_resident(&k, w2), 400);
	/* Reading w1 again makes it the most recent and whole; w3 then takes its room from w2,
	 * the least recent (300 of its 400 bytes). */
	assert_int_equal(l2_keep_after_op(&k, w1, 400, 0), 0);
	assert_int_equal(l2_keep_after_op(&k, w3, 500, 0), 0);
	assert_int_equal(l2_keep_resident(&k, w2), 100);
	assert_int_equal(l2_keep_resident(&k, w1), 400);
	assert_int_equal(l2_keep_resident(&k, w3), 500);
	assert_true(k.resident <= k.capacity);
	/* Larger than the capacity: streams through, keeps nothing, evicts everything. */
	assert_int_equal(l2_keep_after_op(&k, w2, 2000, 2000), 0);
	assert_int_equal(l2_keep_resident(&k, w2), 0);
	assert_int_equal(k.resident, 0);
	assert_int_equal(l2_keep_after_op(&k, w1, 400, 0), 0);
	l2_keep_flush(&k);
	assert_int_equal(l2_keep_resident(&k, w1), 0);
	l2_keep_fini(&k);
}

static struct tensor_config a100_like(void)
{
	struct tensor_config tc;
	memset(&tc, 0, sizeof tc);
	tc.macs_per_cycle[TENSOR_FP32] = 64;
	tc.macs_per_cycle[TENSOR_FP16] = 1024;
	tc.macs_per_cycle[TENSOR_BF16] = 1024;
	tc.macs_per_cycle[TENSOR_INT8] = 2048;
	tc.macs_per_cycle[TENSOR_INT4] = 4096;
	tc.macs_per_cycle[TENSOR_TF32] = 512;
	strcpy(tc.sparse_modes, "2:4:fp16,bf16,int8,int4 1:2:tf32");
	char err[128];
	assert_int_equal(tensor_parse_modes(&tc, err, sizeof err), 0);
	return tc;
}

static struct trace_tensor weight(enum trace_dtype dt, enum trace_sp_kind sp, uint64_t n,
                                  uint64_t m)
{
	struct trace_tensor t;
	memset(&t, 0, sizeof t);
	t.id = "w";
	t.dtype = dt;
	t.rows = 4096;
	t.cols = 4096;
	t.sp.kind = sp;
	t.sp.n = n;
	t.sp.m = m;
	t.sp.density = sp == TRACE_SP_DENSE ? 1 : (double)n / m;
	return t;
}

static void test_formats_bits_per_element(void **s)
{
	(void)s;
	struct tensor_config tc = a100_like();
	struct formats_operand f;
	struct trace_tensor w = weight(TRACE_DT_FP16, TRACE_SP_NM, 2, 4);
	formats_weight(&tc, TENSOR_FP16, &w, FORMATS_BITMAP, &f);
	assert_true(f.native_sparse);
	assert_float_equal(formats_bits(&f), 9.0, 1e-12); /* 2:4 fp16: 8 + 1 bits (56.25 %) */
	assert_float_equal(f.math_speedup, 2.0, 1e-12);
	w = weight(TRACE_DT_INT8, TRACE_SP_NM, 2, 4);
	formats_weight(&tc, TENSOR_INT8, &w, FORMATS_BITMAP, &f);
	assert_float_equal(formats_bits(&f), 5.0, 1e-12); /* 2:4 int8: 62.5 % */
	w = weight(TRACE_DT_INT4, TRACE_SP_DENSE, 0, 0);
	w.q.kind = TRACE_Q_GROUP;
	w.q.group = 128;
	w.q.scale_dtype = TRACE_DT_FP16;
	formats_weight(&tc, TENSOR_FP16, &w, FORMATS_BITMAP, &f);
	assert_float_equal(formats_bits(&f), 4.125, 1e-12); /* int4 g128 fp16 scales */
	w = weight(TRACE_DT_INT4, TRACE_SP_DENSE, 0, 0);
	formats_weight(&tc, TENSOR_FP16, &w, FORMATS_BITMAP, &f);
	assert_float_equal(formats_bits(&f), 4.0, 1e-12); /* int4, no scales: 25 % of fp16 */
	formats_dense(TRACE_DT_MXFP4, &f);
	assert_float_equal(formats_bits(&f), 4.25, 1e-12); /* 4 + 8/32 */
	formats_dense(TRACE_DT_NVFP4, &f);
	assert_float_equal(formats_bits(&f), 4.5, 1e-12); /* 4 + 8/16 */
}

static void test_patterns_the_machine_cannot_run_are_dense_compute(void **s)
{
	(void)s;
	struct tensor_config tc = a100_like();
	struct formats_operand f;
	/* 4:8 does not fit 2:4 (a group of 4 may hold 4 non-zeros): dense math, compressed bytes. */
	struct trace_tensor w = weight(TRACE_DT_FP16, TRACE_SP_NM, 4, 8);
	formats_weight(&tc, TENSOR_FP16, &w, FORMATS_BITMAP, &f);
	assert_false(f.native_sparse);
	assert_float_equal(f.math_speedup, 1.0, 1e-12);
	assert_float_equal(formats_bits(&f), 8 + 1.5, 1e-12);
	/* Its kept values are scattered by their index (3 instructions each, a zero fill per 8
	 * elements), not placed by a bitmap's popcount, though its index bits pass one a value. */
	struct formats_decode dc;
	formats_decode_cost(&f, TRACE_DT_FP16, NULL, &w.sp, TENSOR_FP16, false, &dc);
	assert_float_equal(dc.per_elem, 3 * 0.5 + 0.125, 1e-12);
	/* 1:4 and 2:8 fit 2:4 and run at its rate, stored in its layout. */
	w = weight(TRACE_DT_FP16, TRACE_SP_NM, 1, 4);
	formats_weight(&tc, TENSOR_FP16, &w, FORMATS_BITMAP, &f);
	assert_true(f.native_sparse);
	assert_float_equal(formats_bits(&f), 9.0, 1e-12);
	w = weight(TRACE_DT_FP16, TRACE_SP_NM, 2, 8);
	formats_weight(&tc, TENSOR_FP16, &w, FORMATS_BITMAP, &f);
	assert_true(f.native_sparse);
	/* Dense-only machine: nothing native. */
	tc.sparse_modes[0] = 0;
	char err[64];
	assert_int_equal(tensor_parse_modes(&tc, err, sizeof err), 0);
	w = weight(TRACE_DT_FP16, TRACE_SP_NM, 2, 4);
	formats_weight(&tc, TENSOR_FP16, &w, FORMATS_BITMAP, &f);
	assert_false(f.native_sparse);
	assert_float_equal(f.math_speedup, 1.0, 1e-12);
}

static void test_math_precision_choice(void **s)
{
	(void)s;
	struct tensor_config tc = a100_like();
	assert_int_equal(tensor_math_prec(&tc, TRACE_DT_FP16, TRACE_DT_INT4),
	                 TENSOR_FP16); /* W4A16 */
	assert_int_equal(tensor_math_prec(&tc, TRACE_DT_INT8, TRACE_DT_INT8),
	                 TENSOR_INT8); /* W8A8 */
	/* No fp8 path on an A100: promoted to fp16. */
	assert_int_equal(tensor_math_prec(&tc, TRACE_DT_FP8E4M3, TRACE_DT_FP8E4M3), TENSOR_FP16);
	assert_int_equal(tensor_math_prec(&tc, TRACE_DT_BF16, TRACE_DT_BF16), TENSOR_BF16);
}

static void test_sparse_modes_syntax(void **s)
{
	(void)s;
	struct tensor_config tc;
	memset(&tc, 0, sizeof tc);
	char err[128];
	strcpy(tc.sparse_modes, "2:4:fp16 4:8:int8,fp8");
	assert_int_equal(tensor_parse_modes(&tc, err, sizeof err), 0);
	assert_int_equal(tc.nmodes, 2);
	assert_int_equal(tc.modes[1].m, 8);
	strcpy(tc.sparse_modes, "4:2:fp16");
	assert_int_equal(tensor_parse_modes(&tc, err, sizeof err), -1);
	strcpy(tc.sparse_modes, "2:4:fp17");
	assert_int_equal(tensor_parse_modes(&tc, err, sizeof err), -1);
	assert_non_null(strstr(err, "fp17"));
	strcpy(tc.sparse_modes, "2:4");
	assert_int_equal(tensor_parse_modes(&tc, err, sizeof err), -1);
}

/* A pattern runs in the sparsest mode that holds it, whatever the order the modes are listed
 * in (2:8 was run as 2:4 when 2:4 came first: the labs found it). */
static void test_sparsest_mode_wins(void **s)
{
	(void)s;
	struct tensor_config tc;
	memset(&tc, 0, sizeof tc);
	char err[128];
	const char *orders[] = { "1:4:int8 2:4:int8 2:8:int8", "2:8:int8 2:4:int8 1:4:int8" };
	for (int o = 0; o < 2; o++) {
		strcpy(tc.sparse_modes, orders[o]);
		assert_int_equal(tensor_parse_modes(&tc, err, sizeof err), 0);
		const struct tensor_sparse_mode *m = tensor_native_mode(&tc, TENSOR_INT8, 2, 8);
		assert_non_null(m);
		assert_int_equal(m->n, 2);
		assert_int_equal(m->m, 8);
		/* 2:4 holds only in 2:4 (1:4 is too sparse for it); 1:8 is held by 1:4 and 2:8,
		 * both 4x: the first listed. */
		m = tensor_native_mode(&tc, TENSOR_INT8, 2, 4);
		assert_true(m && m->n == 2 && m->m == 4);
		m = tensor_native_mode(&tc, TENSOR_INT8, 1, 8);
		assert_true(m && (uint64_t)m->m / m->n == 4);
		assert_int_equal(m->m, o == 0 ? 4 : 8);
	}
}

static void test_link_collectives_follow_nccl_costs(void **s)
{
	(void)s;
	/* 100 GB/s per direction at full efficiency = 100 B/ns; 1 us per step. */
	struct link_config ring = { 100e9, 1.0, 1e6, LINK_RING };
	uint64_t sent;
	/* Ring all-reduce of 8 MB over 8 ranks: 2*7/8*8 MB = 14 MB sent in 14 steps. */
	double t = link_collective_ps(&ring, TRACE_COLL_ALLREDUCE, 8000000, 8, &sent);
	assert_int_equal(sent, 14000000);
	assert_float_equal(t, 14000000 / 100e9 * 1e12 + 14 * 1e6, 1);
	/* On a switch the latency follows a tree: 2 log2(8) = 6 steps. */
	struct link_config sw = ring;
	sw.topology = LINK_SWITCH;
	t = link_collective_ps(&sw, TRACE_COLL_ALLREDUCE, 8000000, 8, &sent);
	assert_float_equal(t, 14000000 / 100e9 * 1e12 + 6 * 1e6, 1);
	/* All-gather: every rank receives the other 7 buffers. */
	link_collective_ps(&ring, TRACE_COLL_ALLGATHER, 1000, 8, &sent);
	assert_int_equal(sent, 7000);
	/* One rank, or no link model: nothing to do. */
	assert_float_equal(link_collective_ps(&ring, TRACE_COLL_ALLREDUCE, 1000, 1, &sent), 0, 0);
	struct link_config none = { 0, 1, 0, LINK_RING };
	assert_float_equal(link_collective_ps(&none, TRACE_COLL_ALLREDUCE, 1000, 8, &sent), 0, 0);
}

static void test_vnm_unstructured_and_block_storage(void **s)
{
	(void)s;
	struct tensor_config tc = a100_like();
	struct formats_operand f;
	/* VENOM 128:2:8 on 2:4: 2/8 of the values, 2-bit indices per kept value, and four 8-bit
	 * column indices per 128 x 8 block; the tensor cores iterate over 4/8 of K at 2x. */
	struct trace_tensor w = weight(TRACE_DT_FP16, TRACE_SP_VNM, 2, 8);
	w.sp.v = 128;
	formats_weight(&tc, TENSOR_FP16, &w, FORMATS_BITMAP, &f);
	assert_true(f.native_sparse);
	assert_float_equal(f.value_bits, 16 * 0.25, 1e-12);
	assert_float_equal(f.meta_bits, 0.25 * 2 + 32.0 / (128 * 8), 1e-12);
	assert_float_equal(f.k_fraction, 0.5, 1e-12);
	assert_float_equal(f.math_speedup, 2, 1e-12);
	/* Unstructured 30 %: a bitmap and the packed non-zeros, dense math. */
	w = weight(TRACE_DT_FP16, TRACE_SP_UNSTRUCTURED, 0, 0);
	w.sp.density = 0.3;
	formats_weight(&tc, TENSOR_FP16, &w, FORMATS_BITMAP, &f);
	assert_false(f.native_sparse);
	assert_float_equal(formats_bits(&f), 16 * 0.3 + 1, 1e-12);
	/* 97 % dense: the bitmap would cost more than dense storage, so it is stored dense. */
	w.sp.density = 0.97;
	formats_weight(&tc, TENSOR_FP16, &w, FORMATS_BITMAP, &f);
	assert_float_equal(formats_bits(&f), 16, 1e-12);
	/* Flash-LLM's Tiled-CSL: 32 bits per non-zero (value and 16-bit position), so it beats
	 * the bitmap only past 15/16 sparsity; dense storage wins from half dense on. Its values
	 * are scattered by position (3 instructions each and a zero fill per 8 elements), the
	 * bitmap's placed by popcount (5.5 per dense element). */
	struct formats_decode dc, bitmap_dc;
	w.sp.density = 0.1;
	formats_weight(&tc, TENSOR_FP16, &w, FORMATS_BITMAP, &f);
	formats_decode_cost(&f, TRACE_DT_FP16, NULL, &w.sp, TENSOR_FP16, false, &bitmap_dc);
	assert_float_equal(bitmap_dc.per_elem, 5.5, 1e-12);
	formats_weight(&tc, TENSOR_FP16, &w, FORMATS_TILED_CSL, &f);
	assert_float_equal(f.value_bits, 1.6, 1e-12);
	assert_float_equal(f.meta_bits, 1.6, 1e-12);
	formats_decode_cost(&f, TRACE_DT_FP16, NULL, &w.sp, TENSOR_FP16, false, &dc);
	assert_float_equal(dc.per_elem, 3 * 0.1 + 0.125, 1e-12);
	w.sp.density = 0.03;
	formats_weight(&tc, TENSOR_FP16, &w, FORMATS_TILED_CSL, &f);
	assert_float_equal(formats_bits(&f), 32 * 0.03, 1e-12);
	formats_weight(&tc, TENSOR_FP16, &w, FORMATS_BITMAP, &f);
	assert_float_equal(formats_bits(&f), 16 * 0.03 + 1, 1e-12);
	w.sp.density = 0.6;
	formats_weight(&tc, TENSOR_FP16, &w, FORMATS_TILED_CSL, &f);
	assert_float_equal(formats_bits(&f), 16, 1e-12);
	/* Block 32x32 at 25 %: kept blocks plus one 32-bit index per kept block. */
	w = weight(TRACE_DT_FP16, TRACE_SP_BLOCK, 0, 0);
	w.sp.r = w.sp.c = 32;
	w.sp.density = 0.25;
	formats_weight(&tc, TENSOR_FP16, &w, FORMATS_BITMAP, &f);
	assert_float_equal(formats_bits(&f), 16 * 0.25 + 0.25 * 32 / 1024, 1e-12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unloaded_transfer_is_latency_plus_size_over_bandwidth),
		cmocka_unit_test(test_contention_queues_in_arrival_order),
		cmocka_unit_test(test_hbm_efficiency_and_write_latency),
		cmocka_unit_test(test_hbm_latency_rises_with_load),
		cmocka_unit_test(test_l2_directory_hits_and_evicts_lru),
		cmocka_unit_test(test_l2_shift_equals_walking_on),
		cmocka_unit_test(test_l2_keep_lru_across_ops),
		cmocka_unit_test(test_l2_many_tiles_stay_consistent),
		cmocka_unit_test(test_formats_bits_per_element),
		cmocka_unit_test(test_patterns_the_machine_cannot_run_are_dense_compute),
		cmocka_unit_test(test_math_precision_choice),
		cmocka_unit_test(test_sparse_modes_syntax),
		cmocka_unit_test(test_no_menu_tile_k_below_the_checked_minimum),
		cmocka_unit_test(test_sparsest_mode_wins),
		cmocka_unit_test(test_link_collectives_follow_nccl_costs),
		cmocka_unit_test(test_vnm_unstructured_and_block_storage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
