/* The attention model against what its mechanics must give, through simrun on a100_24.cfg:
 * decode reads the KV cache once, shared by the query heads of a group (GQA); a window, a
 * top-k selection and a cheaper KV format shrink what is read; causal prefill skips the
 * blocks above the diagonal; block-sparse keeps its share of the work; threshold pruning
 * reads every key unless the memory prunes in place, which then counts in-memory MACs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_simrun.h"

/* Bytes of a fp16 KV cache: K and V, kv heads x keys x head dim x 2 bytes. */
static double kv_bytes(double hkv, double skv)
{
	return 2 * hkv * skv * 128 * 2;
}

static void test_decode_reads_the_kv_cache_once_shared_by_gqa(void **s)
{
	(void)s;
	run_trace("simtrace 1\n"
		  "op attn b=1 hq=32 hkv=32 d=128 sq=1 skv=8192\n"
		  "op attn b=1 hq=32 hkv=8 d=128 sq=1 skv=8192\n",
		  "");
	/* Device-memory bytes: the cache plus q and o (32 x 128 x 2 each). */
	double qo = 2.0 * 32 * 128 * 2;
	assert_float_equal(rows[0].bytes, kv_bytes(32, 8192) + qo, kv_bytes(32, 8192) * 1e-3);
	assert_float_equal(rows[1].bytes, kv_bytes(8, 8192) + qo, kv_bytes(8, 8192) * 1e-3);
	assert_true(rows[1].time_s < 0.4 * rows[0].time_s); /* memory-bound: a quarter the bytes */
}

static void test_patterns_and_formats_shrink_decode_reads(void **s)
{
	(void)s;
	run_trace("simtrace 1\n"
		  "tensor id=kv8 role=kv dtype=fp8e4m3 q=tensor\n"
		  "op attn b=1 hq=32 hkv=32 d=128 sq=1 skv=8192\n"
		  "op attn b=1 hq=32 hkv=32 d=128 sq=1 skv=8192 pat=window:1024\n"
		  "op attn b=1 hq=32 hkv=32 d=128 sq=1 skv=8192 kv=kv8\n"
		  "op attn b=1 hq=32 hkv=32 d=128 sq=1 skv=8192 pat=topk:512\n",
		  "");
	double dense = rows[0].bytes;
	assert_float_equal(rows[1].bytes / dense, 1024.0 / 8192, 0.01);
	assert_float_equal(rows[2].bytes / dense, 0.5, 0.01);
	/* top-k: 512 of 8192 keys plus the selection pass over 16-key page summaries (min and
	 * max per channel: 1/8 of K) = 1/16 + 1/16 of the cache. */
	assert_float_equal(rows[3].bytes / dense, 0.125, 0.01);
	assert_true(rows[3].time_s < rows[0].time_s);
}

static void test_causal_and_block_sparse_prefill_skip_work(void **s)
{
	(void)s;
	run_trace("simtrace 1\n"
		  "op attn b=1 hq=32 hkv=32 d=128 sq=4096 skv=4096 causal=0\n"
		  "op attn b=1 hq=32 hkv=32 d=128 sq=4096 skv=4096\n"
		  "op attn b=1 hq=32 hkv=32 d=128 sq=4096 skv=4096 causal=0 pat=block:128:0.25\n",
		  "");
	/* Causal: blocks above the diagonal skipped, diagonal blocks computed in full. */
	assert_true(rows[1].time_s < 0.6 * rows[0].time_s);
	assert_true(rows[1].time_s > 0.45 * rows[0].time_s);
	assert_true(rows[2].time_s < 0.35 * rows[0].time_s);
	assert_true(rows[2].time_s > 0.2 * rows[0].time_s);
	/* Softmax overlapped with the MMAs (asynchronous MMA) hides its SFU time: faster, but
	 * never faster than the MMAs alone at the GEMM rate. */
	double serial = rows[0].time_s;
	run_trace("simtrace 1\nop attn b=1 hq=32 hkv=32 d=128 sq=4096 skv=4096 causal=0\n",
		  "--set tensor.overlaps_softmax=true");
	assert_true(rows[0].time_s < 0.9 * serial);
	double macs = 2.0 * 32 * 4096 * 4096 * 128;
	assert_true(macs / rows[0].time_s < 108.0 * 1024 * 1.41e9 * 0.95);
}

static void test_threshold_pruning_in_memory_fetches_only_survivors(void **s)
{
	(void)s;
	const char *trace = "simtrace 1\n"
			    "op attn b=1 hq=32 hkv=32 d=128 sq=1 skv=8192\n"
			    "op attn b=1 hq=32 hkv=32 d=128 sq=1 skv=8192 pat=thresh:0.1\n";
	run_trace(trace, "");
	double dense = rows[0].bytes;
	/* Without in-memory pruning every key is read to be scored, 10 % of the values. */
	assert_float_equal(rows[1].bytes / dense, 0.55, 0.01);
	run_trace(trace, "--set hbm.prune_in_memory=true");
	assert_float_equal(rows[1].bytes / dense, 0.1, 0.01);
	json_object *r = run_json(trace, "--set hbm.prune_in_memory=true");
	/* The memory scored all 8192 keys of all 32 heads. */
	assert_float_equal(json_get(r, "counters.hbm.inmem_macs"), 32.0 * 8192 * 128, 1);
	json_object_put(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_reads_the_kv_cache_once_shared_by_gqa),
		cmocka_unit_test(test_patterns_and_formats_shrink_decode_reads),
		cmocka_unit_test(test_causal_and_block_sparse_prefill_skip_work),
		cmocka_unit_test(test_threshold_pruning_in_memory_fetches_only_survivors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
