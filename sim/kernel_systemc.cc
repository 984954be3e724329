// kernel_systemc — the SystemC side of sim/kernel.h; the project's only C++ file.
//
// Timed callbacks (kernel_call_at) live in a binary heap ordered by (time, sequence number)
// and one SystemC method process sleeps on one sc_event notified at the earliest due time.
// That keeps a single pending SystemC notification whatever the number of outstanding tile
// actions, and makes simultaneous callbacks run in issue order.

#define SC_INCLUDE_DYNAMIC_PROCESSES
#include <systemc>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

extern "C" {
#include "sim/kernel.h"
#include "sim/log.h"
}

namespace
{

// A timed call's order is (due time, issue number), packed in one 128-bit key: the heap's
// sift loops then compare once.
struct timed_call {
	unsigned __int128 order; // due_ps << 64 | sequence number
	kernel_fn fn;
	void *ctx;
	uint64_t due_ps() const
	{
		return (uint64_t)(order >> 64);
	}
};

// Min-heap on the order; a function object, so that the heap's sift loops inline it.
struct call_later {
	bool operator()(const timed_call &a, const timed_call &b) const
	{
		return a.order > b.order;
	}
};

struct kernel_state {
	std::vector<timed_call> heap;
	uint64_t next_seq = 0;
	uint64_t current_seq = 0; // of the callback being delivered
	uint64_t delivered = 0;
	sc_core::sc_event *wake = nullptr;
	uint64_t wake_at = UINT64_MAX; // time of the pending notification of wake, if any
	bool ran = false;
	bool delivering = false; // inside deliver_due: the wake is re-armed on return
	uint64_t now = 0;        // the time, while delivering (SystemC's does not move then)
};

kernel_state *state;

uint64_t now_ps()
{
	if (state && state->delivering)
		return state->now;
	return (uint64_t)sc_core::sc_time_stamp().value();
}

void arm_wake()
{
	if (state->heap.empty())
		return;
	uint64_t due = state->heap.front().due_ps();
	if (due == state->wake_at)
		return;
	uint64_t now = now_ps();
	if (state->wake_at != UINT64_MAX)
		state->wake->cancel();
	// The time resolution is 1 ps, so a time value is a count of picoseconds.
	state->wake->notify(sc_core::sc_time::from_value(due - now));
	state->wake_at = due;
}

void deliver_due()
{
	uint64_t now = now_ps();
	state->wake_at = UINT64_MAX;
	state->now = now;
	state->delivering = true;
	while (!state->heap.empty() && state->heap.front().due_ps() <= now) {
		std::pop_heap(state->heap.begin(), state->heap.end(), call_later());
		timed_call c = state->heap.back();
		state->heap.pop_back();
		state->delivered++;
		state->current_seq = (uint64_t)c.order;
		c.fn(c.ctx); // may push new calls, including some due now
	}
	state->delivering = false;
	state->current_seq = 0;
	arm_wake();
}

// SystemC reports go through the project's logger; errors also stop the simulation.
void report_handler(const sc_core::sc_report &rep, const sc_core::sc_actions &actions)
{
	if (rep.get_severity() == sc_core::SC_INFO)
		log_debug("systemc: %s", rep.get_msg());
	else if (rep.get_severity() == sc_core::SC_WARNING)
		log_warn("systemc: %s: %s", rep.get_msg_type(), rep.get_msg());
	else
		log_error("systemc: %s: %s", rep.get_msg_type(), rep.get_msg());
	if (actions & (sc_core::SC_THROW | sc_core::SC_ABORT | sc_core::SC_STOP))
		throw std::runtime_error(rep.get_msg());
}

} // namespace

// libsystemc brings its own main() that calls sc_main; nmsim's programs have their own main
// and drive the kernel through this API, so this one only satisfies the link.
int sc_main(int, char *[])
{
	log_error("sc_main is not an entry point of nmsim");
	return 1;
}

extern "C" int kernel_init(void)
{
	if (state) {
		log_error("kernel_init called twice (one SystemC kernel per process)");
		return -1;
	}
	try {
		setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
		sc_core::sc_report_handler::set_handler(report_handler);
		sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
		state = new kernel_state;
		state->wake = new sc_core::sc_event("kernel_wake");
		sc_core::sc_spawn_options opts;
		opts.spawn_method();
		opts.set_sensitivity(state->wake);
		opts.dont_initialize();
		sc_core::sc_spawn(&deliver_due, "kernel_timed_calls", &opts);
	} catch (const std::exception &e) {
		log_error("kernel_init: %s", e.what());
		return -1;
	}
	return 0;
}

extern "C" uint64_t kernel_now_ps(void)
{
	return now_ps();
}

extern "C" uint64_t kernel_reserve_seq(void)
{
	return state->next_seq++;
}

extern "C" uint64_t kernel_current_seq(void)
{
	return state->current_seq;
}

extern "C" void kernel_call_at(uint64_t delay_ps, kernel_fn fn, void *ctx)
{
	kernel_call_at_seq(delay_ps, state->next_seq++, fn, ctx);
}

extern "C" void kernel_call_at_seq(uint64_t delay_ps, uint64_t seq, kernel_fn fn, void *ctx)
{
	uint64_t due = now_ps() + delay_ps;
	state->heap.push_back(timed_call{ (unsigned __int128)due << 64 | seq, fn, ctx });
	std::push_heap(state->heap.begin(), state->heap.end(), call_later());
	// Inside deliver_due the wake is re-armed on return; elsewhere arm it now.
	if (!state->delivering && due < state->wake_at)
		arm_wake();
}

extern "C" int kernel_run(void)
{
	if (state->ran) {
		log_error("kernel_run called twice (SystemC cannot restart; fork per simulation)");
		return -1;
	}
	state->ran = true;
	try {
		sc_core::sc_start();
	} catch (const std::exception &e) {
		log_error("simulation stopped: %s", e.what());
		return -1;
	} catch (...) {
		log_error("simulation stopped by an unknown SystemC error");
		return -1;
	}
	return 0;
}

extern "C" uint64_t kernel_callbacks_run(void)
{
	return state ? state->delivered : 0;
}
