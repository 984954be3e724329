/* arch_config — the whole architecture file as one struct: one member per block, each
 * filled from that block's field table by sim/cfg. Read-only after load. */
#ifndef NMSIM_ARCH_CONFIG_H
#define NMSIM_ARCH_CONFIG_H

#include <stdint.h>

#include "arch/core/tensor.h"
#include "arch/energy/energy.h"
#include "arch/hbm/hbm.h"
#include "arch/l2/l2.h"
#include "arch/link/link.h"
#include "arch/power/power.h"

/* How the mapper picks tiles (arch/lower): from every candidate the buffer allows, or from a
 * library's menu (arch/lower/menu.c). */
/* One tile choice: shape (activation rows x weight rows x K step), stages, split-K, and the
 * estimate that ranked it. */
struct lower_choice {
	bool valid;
	uint64_t m, n, k, stages, split;
	double est;    /* ps */
	double flight; /* buffer bytes: stages x a step's tiles */
};
/* Most tile choices an autotuned GEMM plays: the own grid's and each library menu's pick. */
#define LOWER_MAX_CHOICES 8
struct mapper_config {
	int menu;      /* index into lower_menu_names */
	bool autotune; /* simulate every menu's pick and keep the fastest */
	/* Not a setting: the netlist sets it to have one choice played (autotuning). */
	struct lower_choice force;
};
extern const struct cfg_block mapper_cfg_block;
#include "arch/smem/smem.h"
#include "arch/vec/vec.h"
#include "sim/cfg.h"

/* Top-level settings of a file. */
struct arch_top {
	char name[CFG_STRING_MAX];
};

/* The cores (SMs) and what every kernel launch costs. */
struct core_config {
	int64_t count;
	double freq;   /* Hz: the maximum clock (the power governor may run an op slower) */
	double launch; /* ps: fixed device-side cost per kernel (launch, setup, teardown) */
	double
	    host_overhead; /* ps: host time per kernel the device waits for (0: graphs, streams) */
};

struct arch_config {
	struct arch_top top;
	struct core_config core;
	struct tensor_config tensor;
	struct vec_config vec;
	struct smem_config smem;
	struct l2_config l2;
	struct hbm_config hbm;
	struct link_config link;
	struct energy_config energy;
	struct power_config power;
	struct mapper_config mapper;
};

/* Picoseconds per core clock cycle. */
static inline double arch_cycle_ps(const struct arch_config *c)
{
	return 1e12 / c->core.freq;
}

#endif
