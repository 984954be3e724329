/* Unit tests of sim/kernel: exact firing times, deterministic order of simultaneous
 * callbacks, a place in that order reserved for a callback issued later. SystemC allows one
 * run per process, so the group setup runs one simulation that records what happened and each
 * test checks it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sim/kernel.h"

#define LOG_MAX 64
struct entry {
	char tag;
	uint64_t t_ps;
};
static struct entry rec[LOG_MAX];
static int nrec;

static void record(char tag)
{
	if (nrec < LOG_MAX)
		rec[nrec++] = (struct entry){ tag, kernel_now_ps() };
}

static void cb_tag(void *ctx)
{
	record(*(const char *)ctx);
}

/* At 3000 ps: reserves a place, issues A now, then B at the reserved place: B runs first,
 * and sees its own place as the current one. */
static uint64_t reserved, seq_in_b;
static void cb_b(void *ctx)
{
	(void)ctx;
	seq_in_b = kernel_current_seq();
	record('B');
}

static void reserve_then_issue(void *ctx)
{
	(void)ctx;
	record('R');
	reserved = kernel_reserve_seq();
	static const char a = 'A';
	kernel_call_at(0, cb_tag, (void *)&a);
	kernel_call_at_seq(0, reserved, cb_b, NULL);
}

static void chain(void *ctx)
{
	/* A callback issuing another callback due at the same time runs it after the ones
	 * already queued for that time. */
	(void)ctx;
	record('X');
	static const char y = 'Y';
	kernel_call_at(0, cb_tag, (void *)&y);
}

static const char tags[] = "0123456789";

static int run_once(void **state)
{
	(void)state;
	if (kernel_init())
		return -1;
	/* Timed callbacks: exact times and same-time order. */
	kernel_call_at(1000, cb_tag, (void *)&tags[1]);
	kernel_call_at(500, cb_tag, (void *)&tags[0]);
	for (int i = 2; i < 8; i++) /* six at 2000 ps, issued in order 2..7 */
		kernel_call_at(2000, cb_tag, (void *)&tags[i]);
	kernel_call_at(2000, chain, NULL);
	kernel_call_at(2000, cb_tag, (void *)&tags[8]);
	kernel_call_at(3000, reserve_then_issue, NULL);
	return kernel_run();
}

static const struct entry *find(char tag, int nth)
{
	for (int i = 0; i < nrec; i++)
		if (rec[i].tag == tag && nth-- == 0)
			return &rec[i];
	return NULL;
}

static void test_callback_fires_exactly_at_its_time(void **s)
{
	(void)s;
	assert_non_null(find('0', 0));
	assert_int_equal(find('0', 0)->t_ps, 500);
	assert_int_equal(find('1', 0)->t_ps, 1000);
	assert_int_equal(find('7', 0)->t_ps, 2000);
}

static void test_simultaneous_callbacks_run_in_issue_order(void **s)
{
	(void)s;
	/* Expected order of records at 2000 ps: 2 3 4 5 6 7 X 8 Y */
	const char want[] = "234567X8Y";
	int first = -1;
	for (int i = 0; i < nrec; i++)
		if (rec[i].t_ps == 2000) {
			first = i;
			break;
		}
	assert_true(first >= 0);
	for (size_t j = 0; j < strlen(want); j++) {
		assert_int_equal(rec[first + j].tag, want[j]);
		assert_int_equal(rec[first + j].t_ps, 2000);
	}
}

static void test_reserved_place_runs_before_later_issues(void **s)
{
	(void)s;
	/* At 3000 ps: R, then B (issued last, at the place reserved before A), then A. */
	const struct entry *r = find('R', 0), *b = find('B', 0), *a = find('A', 0);
	assert_non_null(r);
	assert_non_null(b);
	assert_non_null(a);
	assert_int_equal(b->t_ps, 3000);
	assert_int_equal(a->t_ps, 3000);
	assert_true(r < b && b < a);
	assert_int_equal(seq_in_b, reserved);
	assert_int_equal(kernel_current_seq(), 0); /* outside callbacks */
}

static void test_time_and_counts_at_end(void **s)
{
	(void)s;
	assert_int_equal(kernel_now_ps(), 3000);
	assert_int_equal(kernel_callbacks_run(), 14);
	/* A second run is refused, never undefined. */
	assert_int_equal(kernel_run(), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_callback_fires_exactly_at_its_time),
		cmocka_unit_test(test_simultaneous_callbacks_run_in_issue_order),
		cmocka_unit_test(test_reserved_place_runs_before_later_issues),
		cmocka_unit_test(test_time_and_counts_at_end),
	};
	return cmocka_run_group_tests(tests, run_once, NULL);
}
