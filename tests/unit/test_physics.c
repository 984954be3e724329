/* Analytic bounds every run must respect, checked through simrun on configs/a100_24.cfg:
 * achieved MAC rate <= peak; 2:4 at most halves a compute-bound GEMM's time; in memory-bound
 * decode, 2:4 fp16 weights move 56.25 % of the dense bytes and int4 (no scales) 25 %. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_simrun.h"

static const double a100_peak_fp16_macs = 108.0 * 1024 * 1.41e9;

static void test_achieved_throughput_never_exceeds_peak(void **s)
{
	(void)s;
	run_trace("simtrace 1\n"
	          "tensor id=w role=weight shape=8192x8192 dtype=fp16\n"
	          "tensor id=s role=weight shape=8192x8192 dtype=fp16 sp=nm:2:4\n"
	          "op gemm m=8192 n=8192 k=8192 w=w\n"
	          "op gemm m=8192 n=8192 k=8192 w=s\n"
	          "op gemm m=512 n=8192 k=8192 w=w\n",
	          "");
	assert_int_equal(nrows, 3);
	double macs = 8192.0 * 8192 * 8192;
	double rate = macs / rows[0].time_s;
	assert_true(rate <= a100_peak_fp16_macs);
	assert_true(rate >= 0.75 * a100_peak_fp16_macs); /* a big GEMM is compute-bound */
	/* 2:4 performs half the MACs at twice the rate: never faster than 2x the dense peak. */
	assert_true(macs / rows[1].time_s <= 2 * a100_peak_fp16_macs);
	assert_true(8192.0 * 8192 * 512 / rows[2].time_s <= a100_peak_fp16_macs);
}

static void test_two_four_at_most_halves_compute_time(void **s)
{
	(void)s;
	run_trace("simtrace 1\n"
	          "tensor id=w role=weight shape=12288x4096 dtype=fp16\n"
	          "tensor id=s role=weight shape=12288x4096 dtype=fp16 sp=nm:2:4\n"
	          "op gemm m=4096 n=12288 k=4096 w=w\n"
	          "op gemm m=4096 n=12288 k=4096 w=s\n",
	          "");
	assert_true(rows[1].time_s >= rows[0].time_s / 2);
	assert_true(rows[1].time_s < 0.8 * rows[0].time_s);
	/* With the sparse modes switched off the same trace runs dense. */
	run_trace("simtrace 1\n"
	          "tensor id=w role=weight shape=12288x4096 dtype=fp16\n"
	          "tensor id=s role=weight shape=12288x4096 dtype=fp16 sp=nm:2:4\n"
	          "op gemm m=4096 n=12288 k=4096 w=w\n"
	          "op gemm m=4096 n=12288 k=4096 w=s\n",
	          "--set tensor.sparse_modes=\"\"");
	assert_true(rows[1].time_s > 0.95 * rows[0].time_s);
}

static void test_decode_bytes_follow_the_format(void **s)
{
	(void)s;
	const uint64_t n = 12288, k = 4096;
	run_trace("simtrace 1\n"
	          "tensor id=w role=weight shape=12288x4096 dtype=fp16\n"
	          "tensor id=s role=weight shape=12288x4096 dtype=fp16 sp=nm:2:4\n"
	          "tensor id=q role=weight shape=12288x4096 dtype=int4\n"
	          "op gemm m=1 n=12288 k=4096 w=w\n"
	          "op gemm m=1 n=12288 k=4096 w=s\n"
	          "op gemm m=1 n=12288 k=4096 w=q\n",
	          "");
	/* Device-memory bytes = weights + the activation row once + the output row. */
	double act = (double)k * 2 + (double)n * 2;
	double dense_w = rows[0].bytes - act;
	assert_float_equal(dense_w, (double)n * k * 2, (double)n * k * 2 * 1e-3);
	assert_float_equal((rows[1].bytes - act) / dense_w, 0.5625, 1e-3);
	assert_float_equal((rows[2].bytes - act) / dense_w, 0.25, 1e-3);
	/* Memory-bound: time follows bytes. */
	assert_true(rows[1].time_s < 0.7 * rows[0].time_s);
	assert_true(rows[2].time_s < 0.4 * rows[0].time_s);
}

static void test_activation_sparsity_reads_only_needed_columns(void **s)
{
	(void)s;
	const char *trace = "simtrace 1\n"
			    "tensor id=w role=weight shape=4096x11008 dtype=fp16\n"
			    "op gemm m=1 n=4096 k=11008 w=w\n"
			    "op gemm m=1 n=4096 k=11008 w=w asp=0.4\n"
			    "op gemm m=512 n=4096 k=11008 w=w asp=0.4\n"
			    "op gemm m=512 n=4096 k=11008 w=w\n";
	run_trace(trace, "");
	double act = 11008.0 * 2 + 4096.0 * 2;
	/* Decode: 40 % of the weight columns are needed, 40 % of the weight bytes move. */
	assert_float_equal((rows[1].bytes - act) / (rows[0].bytes - act), 0.4, 2e-3);
	assert_true(rows[1].time_s < 0.6 * rows[0].time_s);
	/* 512 tokens need (almost) every column: nothing saved. */
	assert_float_equal(rows[2].time_s, rows[3].time_s, rows[3].time_s * 1e-6);
	/* A machine without sparse-input kernels does not exploit it. */
	run_trace(trace, "--set tensor.skips_zero_activations=false");
	assert_float_equal(rows[1].time_s, rows[0].time_s, rows[0].time_s * 1e-9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_achieved_throughput_never_exceeds_peak),
		cmocka_unit_test(test_two_four_at_most_halves_compute_time),
		cmocka_unit_test(test_decode_bytes_follow_the_format),
		cmocka_unit_test(test_activation_sparsity_reads_only_needed_columns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
