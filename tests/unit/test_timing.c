/* Timing tests that pin the model: small machines whose exact tile schedule is worked out by
 * hand in each test's comment, asserting exact picoseconds and counters (in the manner of
 * ChampSim's and Ramulator's component tests). The machine is configs/test/timing.cfg: 1 GHz,
 * 1 B/ps for the core's fill port, L2 and device memory, L2 latency 50 ps, device-memory
 * latency 100 ps, 1024 fp16 MACs per cycle, a 1 ns fixed cost per kernel (L below), and a
 * buffer that fits only 16x32x32 fp16 tiles with two stages. A 16x32x32 step is then 16384
 * MACs = 16000 ps; its A tile is 1024 B, its B tile 2048 B, a fp16 C tile 1024 B.
 *
 * Every path through the tile pipeline has one test here; changing the schedule (a transfer,
 * the overlap of loads with compute, the split-K reduction, L2 reuse, the precision rule)
 * changes a number below. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "test_simrun.h"

#define TIMING_CFG "configs/test/timing.cfg"
enum { L = 1000 }; /* the fixed per-kernel cost: cores start at L */

/* Runs trace on the timing machine (with extra options) and returns its JSON report. */
static json_object *timing_run(const char *trace, const char *extra)
{
	return run_json_on(TIMING_CFG, trace, extra);
}

static uint64_t ps_of(json_object *r)
{
	return (uint64_t)llround(json_get(r, "total.time_s") * 1e12);
}

static uint64_t counter(json_object *r, const char *path)
{
	char full[128];
	snprintf(full, sizeof full, "counters.%s", path);
	return (uint64_t)json_get(r, full);
}

/* One core, a 2x2-tile GEMM (m=32, n=64, k=32: one K step per tile), items in the swizzled
 * order (0,0) (1,0) (0,1) (1,1); a core loads its next item after storing the last.
 *   item 0 (0,0): A0 and B0 miss: memory 3072 B -> L+3072+100 = L+3172 (L2 L+3122, port
 *          L+3072); compute to L+19172; store 1024 B: port L+20196, L2 L+19172+1024+50 =
 *          L+20246 (the write drains to memory behind it, memory free at L+20196).
 *   item 1 (1,0): A1 misses (1024 B from memory, L+21370), B0 hits; the 3072 B through L2 bound
 *          it: L+20246+3072+50 = L+23368; compute L+39368; store L+40442.
 *   item 2 (0,1): A0 hits, B1 misses (2048 B from memory: L+42590); L2 L+43564; ... L+60638.
 *   item 3 (1,1): both hit: L2 bound again, ... L+80834. Every later item is 3122 + 16000 +
 *          1074 = 20196 ps. The last write-back left memory at L+80784 < L+80834.
 * Total L + 20246 + 3 x 20196 = 81834 ps. */
static void test_one_core_four_tiles(void **s)
{
	(void)s;
	json_object *r = timing_run("simtrace 1\n"
	                            "tensor id=w role=weight shape=64x32 dtype=fp16\n"
	                            "op gemm m=32 n=64 k=32 w=w\n",
	                            "");
	assert_int_equal(ps_of(r), 81834);
	assert_int_equal(counter(r, "hbm.read_bytes"), 3072 + 1024 + 2048);
	assert_int_equal(counter(r, "hbm.write_bytes"), 4 * 1024);
	assert_int_equal(counter(r, "l2.miss_bytes"), 6144);
	assert_int_equal(counter(r, "l2.hit_bytes"), 2048 + 1024 + 3072);
	assert_int_equal(counter(r, "core.macs_fp16"), 32 * 64 * 32);
	assert_int_equal(counter(r, "core.tc_busy_ps"), 4 * 16000);
	assert_int_equal(counter(r, "core.items"), 4);
	json_object_put(r);
}

/* Double buffering: one tile, four K steps (k=128), two stages. Both first loads are issued at
 * L and queue in memory: step 0 in at L+3172, step 1 at L+6244. Step 0 computes L+3172 ..
 * L+19172; its buffer refills with step 2 (in at L+22344) while step 1 computes to L+35172;
 * step 3 is in at L+38344, during step 2's compute (to L+51172); step 3 computes to L+67172;
 * the store ends at L+68246. Loads hide behind compute: 3172 + 4 x 16000 + 1074 = 68246, where
 * one buffer would have cost 4 x (3172 + 16000) + 1074. */
static void test_double_buffering_hides_loads(void **s)
{
	(void)s;
	json_object *r = timing_run("simtrace 1\n"
	                            "tensor id=w role=weight shape=32x128 dtype=fp16\n"
	                            "op gemm m=16 n=32 k=128 w=w\n",
	                            "");
	assert_int_equal(ps_of(r), L + 68246);
	assert_int_equal(counter(r, "core.tile_loads"), 4);
	assert_int_equal(counter(r, "hbm.read_bytes"), 4 * 3072);
	json_object_put(r);
}

/* Split-K and its reduction: two cores, one 16x32 tile, k=64 (two steps): the mapper splits K
 * in two (one step per core beats two steps on one core plus the reduction).
 *   core 0, part 0: step 0 misses both tiles: in at L+3172; compute to L+19172; stores its fp32
 *          partial (16x32x4 = 2048 B) into L2 only: L2 is free at L+6144, so L+19172+2048+50 =
 *          L+21270.
 *   core 1, part 1: step 1 waits for memory behind core 0's: L+6144+100 = L+6244; compute to
 *          L+22244; partial into L2 (free at L+21220): L+24342. Both idle.
 *   reduction: both partials (4096 B) read from L2, from L+24342: L+28488; the fp16 output
 *          (1024 B) written to memory: L+25366. The op ends at L+28488. */
static void test_split_k_reduction(void **s)
{
	(void)s;
	json_object *r = timing_run("simtrace 1\n"
	                            "tensor id=w role=weight shape=32x64 dtype=fp16\n"
	                            "op gemm m=16 n=32 k=64 w=w\n",
	                            "--set core.count=2");
	assert_int_equal(ps_of(r), L + 28488);
	assert_int_equal(counter(r, "core.items"), 2);
	assert_int_equal(counter(r, "l2.write_bytes"), 2 * 2048);  /* partials, fp32 */
	assert_int_equal(counter(r, "l2.hit_bytes"), 4096);        /* the reduction reads them */
	assert_int_equal(counter(r, "hbm.write_bytes"), 1024);     /* only the output */
	assert_int_equal(counter(r, "core.vec_ops"), 16 * 32 * 2); /* adds of the reduction */
	json_object_put(r);
}

/* Two cores contend for device memory (L2 made 4x faster so that memory is the bottleneck):
 * tiles (0,0) and (0,1) of m=16, n=64, k=32. Core 0 misses A0 and B0: 3072 B, in at L+3172.
 * Core 1 hits A0 (core 0 just asked for it) and misses B1: its 2048 B queue behind core 0's
 * and arrive at L+3072+2048+100 = L+5220, not L+2148. Core 0 computes to L+19172 and stores
 * (port L+20196; memory takes the tile by L+20196). Core 1 computes to L+21220 and stores
 * (port L+22244; its write waits behind core 0's: L+22244). The op ends at L+22244. */
static void test_two_cores_contend_for_memory(void **s)
{
	(void)s;
	json_object *r = timing_run("simtrace 1\n"
	                            "tensor id=w role=weight shape=64x32 dtype=fp16\n"
	                            "op gemm m=16 n=64 k=32 w=w\n",
	                            "--set core.count=2 --set l2.bandwidth=\"4 TB/s\"");
	assert_int_equal(ps_of(r), L + 22244);
	assert_int_equal(counter(r, "hbm.read_bytes"), 3072 + 2048);
	json_object_put(r);
}

/* An L2 hit against a miss: the GEMM of test_one_core_four_tiles with a 10 ns memory latency.
 * A miss now waits 10 ns for its first byte, a hit does not: item 0 (two misses) loads in
 * 3072 + 10000 = 13072 ps instead of 3172; item 1 (A misses) in 1024 + 10000 = 11024 instead
 * of the L2's 3122; item 2 (B misses) in 2048 + 10000 = 12048; item 3 (two hits) still 3122.
 * Total 81834 + 9900 + 7902 + 8926 = 108562 ps. */
static void test_l2_hit_against_miss(void **s)
{
	(void)s;
	json_object *r = timing_run("simtrace 1\n"
	                            "tensor id=w role=weight shape=64x32 dtype=fp16\n"
	                            "op gemm m=32 n=64 k=32 w=w\n",
	                            "--set hbm.latency=\"10 ns\"");
	assert_int_equal(ps_of(r), 108562);
	json_object_put(r);
}

/* L2 across ops: the GEMM of test_one_core_four_tiles three times, each in its own step.
 * The second finds its 4096 weight bytes in L2 (the first left them: 4096 B of weight, 6144 B
 * of other traffic, in 1 MiB): item 0 now fetches only A0 from memory (L+1124), and the 3072 B
 * through L2 bound it at L+3122, 50 ps earlier; every later item was bound by L2 already, so
 * the op takes 81834 - 50 = 81784 ps and reads 2048 B from memory instead of 6144. Between the
 * second and third a vec op moves 4 MiB (more than L2 holds): the third is cold again. With
 * l2.flush_between_ops every GEMM is cold. */
static long long step_ps(json_object *r, size_t i)
{
	json_object *steps, *t;
	assert_true(json_object_object_get_ex(r, "steps", &steps));
	assert_true(json_object_object_get_ex(json_object_array_get_idx(steps, i), "time_s", &t));
	return llround(json_object_get_double(t) * 1e12);
}

static void test_l2_keeps_weights_between_ops(void **s)
{
	(void)s;
	const char *trace = "simtrace 1\n"
	                    "tensor id=w role=weight shape=64x32 dtype=fp16\n"
	                    "step kind=decode tokens=1 batch=1\n"
	                    "op gemm m=32 n=64 k=32 w=w\n"
	                    "step kind=decode tokens=1 batch=1\n"
	                    "op gemm m=32 n=64 k=32 w=w\n"
	                    "step kind=decode tokens=1 batch=1\n"
	                    "op vec kind=add rows=1024 cols=1024 dtype=fp16 inputs=1\n"
	                    "op gemm m=32 n=64 k=32 w=w\n";
	json_object *r = timing_run(trace, "");
	assert_int_equal(step_ps(r, 0), 81834);
	assert_int_equal(step_ps(r, 1), 81784);
	assert_int_equal(counter(r, "l2.miss_bytes"), 6144 + 2048 + 6144);
	json_object *cold = timing_run(trace, "--set l2.flush_between_ops=true");
	assert_int_equal(step_ps(cold, 1), 81834);
	assert_int_equal(counter(cold, "l2.miss_bytes"), 3 * 6144);
	/* The vec op costs the same either way: the third GEMM is what differs, and it does not. */
	assert_int_equal(step_ps(r, 2),
	                 step_ps(cold, 2));
	json_object_put(r);
	json_object_put(cold);
}

/* The mixed-precision rule: mixed operands run at the wider class (W4A16: fp16 math after
 * dequantization; an int8 activation with a fp16 weight stays fp16), same-class operands at
 * their own (W8A8: int8 at twice the fp16 rate: 8000 ps per step). One 16x32x32 tile each. */

static void test_mixed_precision_rule(void **s)
{
	(void)s;
	json_object *r = timing_run("simtrace 1\n"
	                            "tensor id=w role=weight shape=32x32 dtype=int8\n"
	                            "op gemm m=16 n=32 k=32 w=w a=int8\n",
	                            "");
	assert_int_equal(counter(r, "core.macs_int8"), 16 * 32 * 32);
	assert_int_equal(counter(r, "core.macs_fp16"), 0);
	assert_int_equal(counter(r, "core.tc_busy_ps"), 8000);
	json_object_put(r);

	r = timing_run("simtrace 1\n"
	               "tensor id=w role=weight shape=32x32 dtype=fp16\n"
	               "op gemm m=16 n=32 k=32 w=w a=int8\n",
	               "");
	assert_int_equal(counter(r, "core.macs_fp16"), 16 * 32 * 32);
	assert_int_equal(counter(r, "core.macs_int8"), 0);
	json_object_put(r);

	r = timing_run("simtrace 1\n"
	               "tensor id=w role=weight shape=32x32 dtype=int4 q=group:32\n"
	               "op gemm m=16 n=32 k=32 w=w\n",
	               "");
	assert_int_equal(counter(r, "core.macs_fp16"), 16 * 32 * 32);
	assert_int_equal(counter(r, "core.macs_int4"), 0);
	/* The decode stage: Marlin's int4 -> fp16 unpack (1.125 instructions per weight) and its
	 * group scale (0.75) for each of the 32 x 32 weights: 1920 instructions, 15000 ps at 128
	 * per cycle, hidden behind the 16000 ps of MMA. */
	assert_int_equal(counter(r, "core.vec_ops"), 1920);
	assert_int_equal(counter(r, "core.decode_busy_ps"), 15000);
	assert_int_equal(counter(r, "core.tc_busy_ps"), 16000);
	json_object_put(r);
}

/* Attention block skipping: decode of one query over 1024 keys, d=64, fp16 KV, with a 64 KiB
 * buffer: KV blocks of 64 keys (the largest whose two stages of K and V fit beside the 128 B
 * query), 16 blocks of 2 x 64 x 64 x 2 = 16384 B. Dense streams all 16; block:64:0.25 keeps a
 * quarter: 4 blocks. Either way the query (128 B) is read once. */
static void test_attention_block_skipping(void **s)
{
	(void)s;
	const char *fmt = "simtrace 1\nop attn b=1 hq=1 hkv=1 d=64 sq=1 skv=1024%s\n";
	char trace[256];
	snprintf(trace, sizeof trace, fmt, "");
	json_object *r = timing_run(trace, "--set smem.size=\"64 KiB\"");
	assert_int_equal(counter(r, "hbm.read_bytes"), 16 * 16384 + 128);
	json_object_put(r);
	snprintf(trace, sizeof trace, fmt, " pat=block:64:0.25");
	r = timing_run(trace, "--set smem.size=\"64 KiB\"");
	assert_int_equal(counter(r, "hbm.read_bytes"), 4 * 16384 + 128);
	json_object_put(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_core_four_tiles),
		cmocka_unit_test(test_double_buffering_hides_loads),
		cmocka_unit_test(test_split_k_reduction),
		cmocka_unit_test(test_two_cores_contend_for_memory),
		cmocka_unit_test(test_l2_hit_against_miss),
		cmocka_unit_test(test_l2_keeps_weights_between_ops),
		cmocka_unit_test(test_mixed_precision_rule),
		cmocka_unit_test(test_attention_block_skipping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
