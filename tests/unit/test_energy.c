/* Energy sanity on configs/a100_24.cfg, through simrun: a compute-bound fp16 GEMM draws an
 * average power between the board's idle (static) power and its 400 W TDP; a memory-bound
 * decode step draws less than the GEMM; 2:4 saves MAC energy but pays operand selection and
 * metadata bytes; the energy is the sum of its breakdown, by action and by block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "test_simrun.h"

static json_object *run(const char *trace)
{
	return run_json(trace, "");
}

static double sum_of(json_object *o, const char *key)
{
	json_object *total, *by;
	assert_true(json_object_object_get_ex(o, "total", &total));
	assert_true(json_object_object_get_ex(total, key, &by));
	double s = 0;
	json_object_object_foreach(by, k, v)
	{
		(void)k;
		s += json_object_get_double(v);
	}
	return s;
}

static const double a100_static_w = 108 * 0.35 + 6 + 10 + 6.2; /* configs/a100_24.cfg */

static void test_gemm_power_between_idle_and_tdp(void **s)
{
	(void)s;
	json_object *r = run("simtrace 1\ntensor id=w role=weight shape=8192x8192 dtype=fp16\n"
			     "op gemm m=8192 n=8192 k=8192 w=w\n");
	double p = json_get(r, "total.avg_power_w");
	assert_true(p > a100_static_w);
	assert_true(p < 400);
	assert_true(p > 200); /* a busy GEMM is far from idle */
	json_object_put(r);
}

static void test_decode_draws_less_than_gemm(void **s)
{
	(void)s;
	json_object *g = run("simtrace 1\ntensor id=w role=weight shape=8192x8192 dtype=fp16\n"
			     "op gemm m=8192 n=8192 k=8192 w=w\n");
	json_object *d = run("simtrace 1\ntensor id=w role=weight shape=12288x4096 dtype=fp16\n"
			     "step kind=decode tokens=1 batch=1\nop gemm m=1 n=12288 k=4096 w=w\n");
	assert_true(json_get(d, "total.avg_power_w") < json_get(g, "total.avg_power_w"));
	assert_true(json_get(d, "total.avg_power_w") > a100_static_w);
	json_object_put(g);
	json_object_put(d);
}

static void test_two_four_saves_mac_energy_but_pays_selection(void **s)
{
	(void)s;
	json_object *dn = run("simtrace 1\ntensor id=w role=weight shape=8192x8192 dtype=fp16\n"
			      "op gemm m=8192 n=8192 k=8192 w=w\n");
	json_object *sp = run("simtrace 1\ntensor id=w role=weight shape=8192x8192 dtype=fp16 sp=nm:2:4\n"
			      "op gemm m=8192 n=8192 k=8192 w=w\n");
	double mac_dense = json_get(dn, "total.energy_j_by_action.mac");
	double mac_sparse = json_get(sp, "total.energy_j_by_action.mac");
	assert_float_equal(mac_sparse, mac_dense / 2, mac_dense * 1e-6); /* half the MACs */
	assert_true(json_get(sp, "total.energy_j_by_action.sparse_select") > 0);
	assert_float_equal(json_get(dn, "total.energy_j_by_action.sparse_select"), 0, 0);
	assert_true(json_get(sp, "counters.hbm.meta_read_bytes") > 0);
	json_object_put(dn);
	json_object_put(sp);
}

static void test_energy_is_the_sum_of_its_breakdown(void **s)
{
	(void)s;
	json_object *r = run("simtrace 1\ntensor id=w role=weight shape=4096x4096 dtype=fp16 sp=nm:2:4\n"
			     "op gemm m=512 n=4096 k=4096 w=w\nop vec kind=rmsnorm rows=512 cols=4096\n"
			     "op attn b=1 hq=32 hkv=8 d=128 sq=512 skv=512\n"
			     "op coll kind=allreduce bytes=1048576 ranks=8\n");
	double e = json_get(r, "total.energy_j");
	assert_float_equal(sum_of(r, "energy_j_by"), e, e * 1e-9);
	assert_float_equal(sum_of(r, "energy_j_by_action"), e, e * 1e-9);
	assert_true(json_get(r, "total.energy_j_by_action.link_bit") > 0);
	json_object_put(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gemm_power_between_idle_and_tdp),
		cmocka_unit_test(test_decode_draws_less_than_gemm),
		cmocka_unit_test(test_two_four_saves_mac_energy_but_pays_selection),
		cmocka_unit_test(test_energy_is_the_sum_of_its_breakdown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
