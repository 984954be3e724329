/* Unit tests of sim/kernel: exact firing times, deterministic order of simultaneous
 * callbacks, a process sensitive to several events. SystemC allows one run per process, so
 * the group setup runs one simulation that records what happened and each test checks it. */
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

static struct kernel_event *ev_a, *ev_b, *ev_c;
static int multi_runs;
static void multi_proc(void *ctx)
{
	(void)ctx;
	multi_runs++;
	record('M');
}

static int dyn_runs;
static void dyn_proc(void *ctx)
{
	(void)ctx;
	dyn_runs++;
	record('D');
	/* After its first activation (on a), wait for c only. */
	struct kernel_event *next[] = { ev_c };
	kernel_process_wait_any(next, 1);
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
	/* Processes on events. */
	ev_a = kernel_event_create("a");
	ev_b = kernel_event_create("b");
	ev_c = kernel_event_create("c");
	struct kernel_event *ab[] = { ev_a, ev_b };
	if (kernel_process_create("multi", multi_proc, NULL, ab, 2))
		return -1;
	struct kernel_event *a_only[] = { ev_a };
	if (kernel_process_create("dyn", dyn_proc, NULL, a_only, 1))
		return -1;
	kernel_event_notify(ev_a, 3000);
	kernel_event_notify(ev_b, 4000);
	kernel_event_notify(ev_c, 5000);
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

static void test_process_waits_on_several_events(void **s)
{
	(void)s;
	assert_int_equal(multi_runs, 2);
	assert_int_equal(find('M', 0)->t_ps, 3000);
	assert_int_equal(find('M', 1)->t_ps, 4000);
}

static void test_dynamic_sensitivity_replaces_static(void **s)
{
	(void)s;
	/* Runs on a (3000), then only on c (5000): not on b (4000). */
	assert_int_equal(dyn_runs, 2);
	assert_int_equal(find('D', 0)->t_ps, 3000);
	assert_int_equal(find('D', 1)->t_ps, 5000);
}

static void test_time_and_counts_at_end(void **s)
{
	(void)s;
	assert_int_equal(kernel_now_ps(), 5000);
	assert_int_equal(kernel_callbacks_run(), 11);
	/* A second run is refused, never undefined. */
	assert_int_equal(kernel_run(), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_callback_fires_exactly_at_its_time),
		cmocka_unit_test(test_simultaneous_callbacks_run_in_issue_order),
		cmocka_unit_test(test_process_waits_on_several_events),
		cmocka_unit_test(test_dynamic_sensitivity_replaces_static),
		cmocka_unit_test(test_time_and_counts_at_end),
	};
	return cmocka_run_group_tests(tests, run_once, NULL);
}
