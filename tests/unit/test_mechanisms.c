/* The physics of the fidelity mechanisms (issue 11), through simrun on the shipped machines:
 * the decode stage (a decode-bound kernel slows as the core issues fewer instructions per
 * cycle, i.e. as each element costs more of its issue time, and stops being decode-bound with
 * a hardware decompressor); power-limited clocks (the clock falls as GEMMs grow and draw more,
 * never above the maximum, and stays at the maximum with no limit); L2 across ops (a repeated
 * op is faster when its weight stayed in L2, equal when L2 is flushed between ops); kernel
 * tile menus (with autotuning, a library's restricted menu is never faster than best); loaded
 * memory latency (a kernel that prefetches nothing waits it out on every step, a deep
 * pipeline hides it); a row kernel's loads in flight (a norm streams below an element-wise op
 * of the same bytes where the memory needs more bytes in flight than the kernel keeps, at its
 * rate where it needs fewer). */
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

/* Flash-LLM's case: 80 % unstructured sparsity (density 0.2), 16 tokens, a 4096 x 4096
 * weight on A100. The scatter of kept values into dense tiles runs on the issue slots. */
static const char spmm[] = "simtrace 1\n"
                           "tensor id=u role=weight shape=4096x4096 dtype=fp16 "
                           "sp=unstructured:0.2\n"
                           "op gemm m=16 n=4096 k=4096 w=u\n";

static void test_decode_bound_kernel_follows_issue_cost(void **s)
{
	(void)s;
	double t[3];
	const char *issue[3] = { "--set vec.issue_per_cycle=128", "--set vec.issue_per_cycle=64",
		                 "--set vec.issue_per_cycle=32" };
	for (int i = 0; i < 3; i++) {
		run_trace(spmm, issue[i]);
		assert_int_equal(nrows, 1);
		t[i] = rows[0].time_s;
		assert_true(rows[0].decode_s > 0);
	}
	/* Each halving of the issue rate doubles what an element's decode costs in time. */
	assert_true(t[1] > t[0] * 1.2);
	assert_true(t[2] > t[1] * 1.3);
	assert_string_equal(rows[0].bound, "decode");
	/* A hardware decompressor takes the work off the issue slots. */
	run_trace(spmm, "--set vec.issue_per_cycle=32 --set vec.decompress_bytes_per_cycle=64");
	assert_string_not_equal(rows[0].bound, "decode");
	assert_true(rows[0].time_s < t[0]);
}

/* Dense bf16 GEMMs from 1024^3 to 16384x16384x8192 on H100 (700 W, 1980 MHz maximum). */
static const char growing[] = "simtrace 1\n"
                              "op gemm m=1024 n=1024 k=1024 b=bf16\n"
                              "op gemm m=2048 n=2048 k=2048 b=bf16\n"
                              "op gemm m=4096 n=4096 k=4096 b=bf16\n"
                              "op gemm m=8192 n=8192 k=8192 b=bf16\n"
                              "op gemm m=16384 n=16384 k=8192 b=bf16\n";

static void test_power_capped_clock_falls_with_gemm_size(void **s)
{
	(void)s;
	run_trace_on("configs/h100_24.cfg", growing, "");
	assert_int_equal(nrows, 5);
	for (int i = 0; i < nrows; i++) {
		assert_true(rows[i].clock_mhz <= 1980.0 + 1e-6);
		if (i > 0)
			assert_true(rows[i].clock_mhz <= rows[i - 1].clock_mhz + 1e-6);
	}
	assert_true(rows[0].clock_mhz > 1979.0); /* a small GEMM draws little */
	assert_true(rows[4].clock_mhz < 1800.0); /* a big one settles at the cap */
	/* No limit: every op at the maximum clock, and no slower than under the limit. */
	double limited[5];
	for (int i = 0; i < 5; i++)
		limited[i] = rows[i].time_s;
	run_trace_on("configs/h100_24.cfg", growing, "--set power.limit=0");
	for (int i = 0; i < nrows; i++) {
		assert_true(rows[i].clock_mhz > 1979.0);
		assert_true(rows[i].time_s <= limited[i] * (1 + 1e-9));
	}
}

/* A benchmark loop of a W8A8 GEMM whose 16 MiB weight fits in A100's L2. */
static const char loop[] = "simtrace 1\n"
                           "tensor id=w role=weight shape=4096x4096 dtype=int8\n"
                           "op gemm m=16 n=4096 k=4096 a=int8 w=w out=fp16\n"
                           "op gemm m=16 n=4096 k=4096 a=int8 w=w out=fp16\n"
                           "op gemm m=16 n=4096 k=4096 a=int8 w=w out=fp16\n";

static void test_repeated_op_is_faster_with_warm_l2(void **s)
{
	(void)s;
	run_trace(loop, "");
	assert_int_equal(nrows, 3);
	assert_true(rows[1].time_s < 0.8 * rows[0].time_s);
	assert_true(rows[1].bytes < 0.1 * rows[0].bytes); /* the weight came from L2 */
	assert_true(rows[2].time_s == rows[1].time_s);
	double cold = rows[0].time_s;
	run_trace(loop, "--set l2.flush_between_ops=true");
	for (int i = 0; i < nrows; i++)
		assert_true(rows[i].time_s == cold);
}

/* On a machine without an L2 (the lab 6 N:M engine: buffers and 19.2 GB/s memory), every
 * tile load comes from device memory, and the mapper must see it: tiles as tall as M read the
 * weight once. (Its estimate assumed L2 reuse and chose 16-row tiles that read a 2:4 weight
 * eight times, 7x the bytes.) 2:8 stores fewer bits than 2:4, so it is faster here. */
static const char no_l2[] = "simtrace 1\n"
                            "tensor id=w role=weight dtype=int8 shape=768x768 sp=nm:2:8\n"
                            "tensor id=v role=weight dtype=int8 shape=768x768 sp=nm:2:4\n"
                            "op gemm m=128 n=768 k=768 w=w a=int8\n"
                            "op gemm m=128 n=768 k=768 w=v a=int8\n";

static void test_mapper_sees_a_machine_without_l2(void **s)
{
	(void)s;
	run_trace_on("labs/6-design/nm_engine.cfg", no_l2, "");
	assert_int_equal(nrows, 2);
	/* A once (98 KiB) + the weight once (2:4: 5 bits a weight, 369 KB) + C (98 KiB), and
	 * A's rereads across the output columns: well under twice that. */
	double once24 = 128.0 * 768 + 768.0 * 768 * 5 / 8 + 128.0 * 768;
	assert_true(rows[1].bytes < 2 * once24);
	assert_true(rows[0].bytes < rows[1].bytes);
	assert_true(rows[0].time_s < rows[1].time_s);
}

/* Shapes from decode to prefill, dense and 2:4, on A100 and H100: with autotuning, best plays
 * every library menu's pick among its own, so no menu can beat it. */
static const char shapes[] = "simtrace 1\n"
                             "tensor id=w1 role=weight shape=4096x4096 dtype=fp16\n"
                             "tensor id=s1 role=weight shape=4096x4096 dtype=fp16 sp=nm:2:4\n"
                             "tensor id=w2 role=weight shape=12288x4096 dtype=fp16\n"
                             "tensor id=w3 role=weight shape=768x768 dtype=fp16\n"
                             "op gemm m=1 n=4096 k=4096 w=w1\n"
                             "op gemm m=1 n=4096 k=4096 w=s1\n"
                             "op gemm m=128 n=12288 k=4096 w=w2\n"
                             "op gemm m=512 n=4096 k=4096 w=s1\n"
                             "op gemm m=2048 n=768 k=768 w=w3\n"
                             "op gemm m=2048 n=4096 k=4096 w=w1\n";

static void test_restricted_menu_never_faster_than_best(void **s)
{
	(void)s;
	const char *machines[] = { "configs/a100_24.cfg", "configs/h100_24.cfg" };
	const char *menus[] = { "cutlass_sm80", "cutlass_sm80_sparse", "cutlass_sm90", "spatha",
		                "marlin",       "flash_llm",           "tinygemm" };
	for (size_t m = 0; m < 2; m++) {
		run_trace_on(machines[m], shapes,
		             "--set l2.flush_between_ops=true --set mapper.autotune=true");
		assert_int_equal(nrows, 6);
		double best[6];
		for (int i = 0; i < 6; i++)
			best[i] = rows[i].time_s;
		for (size_t k = 0; k < sizeof menus / sizeof *menus; k++) {
			char opt[128];
			snprintf(opt, sizeof opt,
			         "--set l2.flush_between_ops=true --set mapper.menu=%s", menus[k]);
			run_trace_on(machines[m], shapes, opt);
			for (int i = 0; i < 6; i++)
				assert_true(rows[i].time_s >= best[i] * (1 - 1e-9));
		}
	}
}

/* A batch-1 int4 GEMV (Llama-2-70B's gate and up projections) and a compute-bound GEMM on
 * A100, whose hbm.latency is 600 ns. */
static const char gemv[] = "simtrace 1\n"
                           "tensor id=w role=weight shape=57344x8192 dtype=int4 q=group:32\n"
                           "op gemm m=1 n=57344 k=8192 w=w a=bf16\n";
static const char square[] = "simtrace 1\nop gemm m=8192 n=8192 k=8192 b=fp16\n";
static const char gemv_then_gelu[] = "simtrace 1\n"
                                     "op gemm m=1 n=57344 k=8192 b=fp16\n"
                                     "op vec kind=gelu rows=1 cols=8192\n";

static void test_loaded_latency_slows_only_shallow_pipelines(void **s)
{
	(void)s;
	double t[2][2], lat[2][2]; /* [menu: best, tinygemm][loaded latency: off, on] */
	const char *opts[2][2] = {
		{ "--set hbm.loaded_latency=0", "--set hbm.loaded_latency=1us" },
		{ "--set mapper.menu=tinygemm --set hbm.loaded_latency=0",
		  "--set mapper.menu=tinygemm --set hbm.loaded_latency=1us" },
	};
	for (int m = 0; m < 2; m++)
		for (int l = 0; l < 2; l++) {
			run_trace(gemv, opts[m][l]);
			assert_int_equal(nrows, 1);
			t[m][l] = rows[0].time_s;
			lat[m][l] = rows[0].mem_latency_s;
		}
	/* No rise: every op waits the unloaded latency. */
	assert_true(lat[0][0] == 600e-9 && lat[1][0] == 600e-9);
	/* The deep pipeline streams at the memory's rate: its busy share, hence its latency, is
	 * near the top of the line; tinygemm, waiting on every step, keeps memory less busy and
	 * its latency settles lower, strictly inside the line. */
	assert_true(lat[0][1] > 950e-9 && lat[0][1] <= 1e-6);
	assert_true(lat[1][1] > 650e-9 && lat[1][1] < lat[0][1] - 20e-9);
	/* tinygemm loads, then computes, one step at a time: each step waits the latency. */
	assert_true(t[1][1] > t[1][0] * 1.15);
	/* The deepest pipeline the buffer allows keeps enough bytes in flight to cover it: only
	 * the op's first load and its end wait longer. */
	assert_true(t[0][1] < t[0][0] * 1.03);
	assert_true(t[0][1] >= t[0][0]);
	/* A compute-bound GEMM keeps memory idle most of the time: little rise. */
	run_trace(square, "--set hbm.loaded_latency=1us --set power.limit=0");
	assert_true(rows[0].mem_latency_s > 600e-9 && rows[0].mem_latency_s < 700e-9);
	/* Element-wise ops wait the unloaded latency, whatever the GEMM before them waited (a
	 * norm settles at its own: test_row_kernel_streams_by_its_loads_in_flight). */
	run_trace(gemv_then_gelu, "--set hbm.loaded_latency=1us");
	assert_int_equal(nrows, 2);
	assert_true(rows[0].mem_latency_s > 950e-9);
	assert_true(rows[1].mem_latency_s == 600e-9);
	/* A loaded latency equal to the unloaded one is no rise: the same as none. */
	run_trace(gemv, "--set mapper.menu=tinygemm --set hbm.loaded_latency=600ns");
	assert_true(rows[0].time_s == t[1][0]);
}

/* A layer norm and a GELU over the same 1 GiB: each reads and writes every element once. */
static const char norm_and_gelu[] = "simtrace 1\n"
                                    "op vec kind=layernorm rows=131072 cols=4096 dtype=fp16\n"
                                    "op vec kind=gelu rows=131072 cols=4096 dtype=fp16\n";

static void test_row_kernel_streams_by_its_loads_in_flight(void **s)
{
	(void)s;
	/* To stream at its rate the H100 must keep ~11 KiB of reads in flight per SM (1.5 TB/s
	 * of reads beside as many writes, ~1 us): the norm, keeping fewer, is slower than the GELU
	 * by Little's law, and waits a latency inside the rising line. */
	run_trace_on("configs/h100_24.cfg", norm_and_gelu, "");
	assert_int_equal(nrows, 2);
	double norm = rows[0].kernel_s, gelu = rows[1].kernel_s;
	assert_true(norm > gelu * 1.3);
	assert_true(rows[0].mem_latency_s > 700e-9 && rows[0].mem_latency_s < 1065e-9);
	assert_true(rows[1].mem_latency_s == 600e-9);
	/* No rise of the latency under load: 7 KiB per SM over 600 ns covers the rate, and the
	 * norm streams as the GELU does. */
	run_trace_on("configs/h100_24.cfg", norm_and_gelu, "--set hbm.loaded_latency=0");
	assert_true(rows[0].mem_latency_s == 600e-9);
	assert_true(rows[0].kernel_s == rows[1].kernel_s);
	assert_true(rows[1].kernel_s == gelu);
	/* The same op on one row settles near the unloaded latency: memory is busy for a sliver
	 * of its time. */
	run_trace_on("configs/h100_24.cfg",
	             "simtrace 1\nop vec kind=rmsnorm rows=1 cols=4096 dtype=fp16\n", "");
	assert_true(rows[0].mem_latency_s >= 600e-9 && rows[0].mem_latency_s < 610e-9);
	/* The A100 reads ~0.77 TB/s here (1.55 TB/s read + write): the same kernel keeps about
	 * the ~7.3 KiB per SM that needs, and streams within a few per cent of the GELU. */
	run_trace(norm_and_gelu, "");
	assert_true(rows[0].kernel_s >= rows[1].kernel_s);
	assert_true(rows[0].kernel_s < rows[1].kernel_s * 1.06);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_bound_kernel_follows_issue_cost),
		cmocka_unit_test(test_power_capped_clock_falls_with_gemm_size),
		cmocka_unit_test(test_repeated_op_is_faster_with_warm_l2),
		cmocka_unit_test(test_restricted_menu_never_faster_than_best),
		cmocka_unit_test(test_mapper_sees_a_machine_without_l2),
		cmocka_unit_test(test_loaded_latency_slows_only_shallow_pipelines),
		cmocka_unit_test(test_row_kernel_streams_by_its_loads_in_flight),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
