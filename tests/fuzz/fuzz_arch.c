/* fuzz_arch — the architecture-file loader (sim/cfg*.c, every block's table and check, the
 * sparse modes) with --set overrides, on any bytes.
 *
 * Input: zero or more --set arguments, one per line, then a NUL byte, then the file; an input
 * without a NUL is the file alone. The file lies in a scratch directory that also holds
 * inc.cfg (two settings) for @include to find. A load either fails with its messages or gives
 * a configuration whose every value is in its table's range (checked here on the values the
 * model divides by).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "arch/arch.h"
#include "fuzz_common.h"

#define FUZZ_SETS 8

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	static const char inc[] = "name = \"included\";\ncore = { count = 4; freq = \"1 GHz\"; };\n";
	fuzz_file("inc.cfg", (const uint8_t *)inc, sizeof inc - 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[1 << 16];
	static struct arch_config cfg;
	const uint8_t *nul = memchr(data, 0, size);
	const char *sets[FUZZ_SETS];
	size_t nsets = 0;
	const uint8_t *file = data;
	size_t fsize = size;
	if (nul && (size_t)(nul - data) < sizeof buf) {
		size_t n = (size_t)(nul - data);
		memcpy(buf, data, n);
		buf[n] = '\0';
		for (char *p = buf; *p && nsets < FUZZ_SETS;) {
			char *nl = strchr(p, '\n');
			if (nl)
				*nl = '\0';
			sets[nsets++] = p;
			if (!nl)
				break;
			p = nl + 1;
		}
		file = nul + 1;
		fsize = size - n - 1;
	}
	const char *path = fuzz_file("arch.cfg", file, fsize);
	if (arch_load_config(path, sets, nsets, &cfg))
		return 0;
	/* What the model divides by, and multiplies large counts with, is in range. */
	FUZZ_CHECK(cfg.core.count >= 1 && cfg.core.freq >= 1e6, "core");
	FUZZ_CHECK(cfg.l2.bandwidth >= 1e6 && cfg.hbm.bandwidth >= 1e6, "bandwidth");
	FUZZ_CHECK(cfg.link.bandwidth == 0 || cfg.link.bandwidth >= 1e6, "link.bandwidth %g",
	           cfg.link.bandwidth);
	for (int p = 0; p < TENSOR_PREC_COUNT; p++)
		FUZZ_CHECK(cfg.tensor.macs_per_cycle[p] == 0 || cfg.tensor.macs_per_cycle[p] >= 1,
		           "tensor rate %g", cfg.tensor.macs_per_cycle[p]);
	for (int i = 0; i < cfg.tensor.nmodes; i++)
		FUZZ_CHECK(cfg.tensor.modes[i].n >= 1 && cfg.tensor.modes[i].n < cfg.tensor.modes[i].m &&
		               cfg.tensor.modes[i].m <= 256,
		           "sparse mode %u:%u", cfg.tensor.modes[i].n, cfg.tensor.modes[i].m);
	FUZZ_CHECK(isfinite(cfg.hbm.latency) && cfg.smem.size >= 1024, "hbm, smem");
	return 0;
}
