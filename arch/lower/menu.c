#include "arch/lower/menu.h"

#include <stddef.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Every menu's tile K is at least LOWER_MIN_TILE_K (lower.h): the checks bound K steps by it. */
/* CUTLASS 2.x sm_80 f16/bf16 TensorOp 16816 (generator.py GenerateSM80_TensorOp_16816):
 * threadblock M x N x K / stages, M along C's rows (the tokens of torch's X.W^T). */
static const struct lower_menu_tile cutlass_sm80[] = {
	{ 256, 128, 32, 3 }, { 128, 256, 32, 3 }, { 256, 64, 32, 3 },  { 256, 64, 32, 4 },
	{ 64, 256, 32, 4 },  { 128, 128, 32, 3 }, { 128, 128, 32, 4 }, { 128, 128, 32, 5 },
	{ 128, 64, 32, 6 },  { 64, 128, 32, 6 },  { 64, 64, 32, 10 },  { 256, 128, 64, 3 },
	{ 128, 256, 64, 3 }, { 256, 64, 64, 4 },  { 64, 256, 64, 4 },  { 128, 128, 64, 4 },
	{ 256, 64, 64, 3 },  { 128, 64, 64, 3 },  { 64, 128, 64, 3 },  { 64, 64, 64, 5 },
};

/* CUTLASS sm_80 2:4 sparse f16 16832 (generator.py GenerateSM80_SparseTensorOp_16832); K counts
 * the dense K a tile covers. */
static const struct lower_menu_tile cutlass_sm80_sparse[] = {
	{ 64, 128, 64, 6 },   { 256, 128, 64, 3 }, { 128, 256, 64, 3 }, { 128, 128, 64, 3 },
	{ 256, 64, 64, 3 },   { 64, 256, 64, 4 },  { 128, 64, 64, 3 },  { 64, 64, 64, 4 },
	{ 128, 128, 128, 3 }, { 256, 64, 128, 3 }, { 128, 64, 128, 4 }, { 64, 128, 128, 3 },
	{ 64, 64, 128, 3 },
};

/* CUTLASS 3.x sm_90 (sm90_utils.py, sm90_shapes.py): CTA = WGMMA shape x multiplier, M a
 * multiple of 64 up to 256, N up to 256, K 64 or 128 for 16-bit; stages from the carve-out. */
static const struct lower_menu_tile cutlass_sm90[] = {
	{ 64, 64, 64, 0 },   { 64, 128, 64, 0 },   { 64, 256, 64, 0 },   { 128, 64, 64, 0 },
	{ 128, 128, 64, 0 }, { 128, 256, 64, 0 },  { 256, 64, 64, 0 },   { 256, 128, 64, 0 },
	{ 64, 128, 128, 0 }, { 128, 128, 128, 0 }, { 128, 256, 128, 0 }, { 256, 128, 128, 0 },
};

/* Spatha (VENOM) blockwise kernel: 128 weight rows x 64 tokens x 32 (and the 64/128 variants
 * of its run scripts), 2-4 stages, no split-K (static_assert in blockwise_kernel.h). */
static const struct lower_menu_tile spatha[] = {
	{ 64, 128, 32, 2 }, { 64, 128, 32, 3 }, { 64, 128, 32, 4 },
	{ 64, 64, 32, 3 },  { 128, 64, 32, 3 }, { 128, 128, 32, 3 },
};

/* Marlin (IST-DASLab/marlin): 16..64 tokens per m-block, 128 weight rows x K 128 (batch <= 16)
 * or 256 x 64, 4 stages, striped split over the SMs with an in-L2 reduction. */
static const struct lower_menu_tile marlin[] = {
	{ 16, 128, 128, 4 }, { 16, 256, 64, 4 }, { 32, 256, 64, 4 },
	{ 48, 256, 64, 4 },  { 64, 256, 64, 4 },
};

/* Flash-LLM (csrc/TilingConfig.h): K step 64, 2 stages; 256 weight rows x 8/16/32 tokens,
 * 128 x 64, 128 x 128; split-K with a separate reduction. */
static const struct lower_menu_tile flash_llm[] = {
	{ 8, 256, 64, 2 },  { 16, 256, 64, 2 },  { 32, 256, 64, 2 },
	{ 64, 128, 64, 2 }, { 128, 128, 64, 2 },
};

/* PyTorch's int4 "tinygemm" (aten _weight_int4pack_mm, aten/src/ATen/native/cuda/int4mm.cu;
 * gpt-fast's and torchao's int4 weight-only path): every M runs HANDLE_Q_GROUP(8, 8, ...), a CTA
 * of 8 warps owns 16 tokens x 8 weight rows and loops over all of K, 1024 of it per iteration
 * (8 warps x 8 k-tiles of 16), with no split-K. Each iteration loads its weights from global
 * memory straight into registers (one 16-byte load a thread), dequantizes, then runs its MMAs:
 * nothing is prefetched, hence one stage. The tile stands for what one SM runs at once: 4
 * CTAs, so 32 weight rows [D: the source states no register count; the kernel rebuilt from
 * int4mm.cu with nvcc 13.0 for sm_80 (-Xptxas -v) uses 64 registers a thread, and
 * 65536 / (64 x 256) = 4; the wheels measured were built by an older nvcc, whose count may
 * differ: docs/research/fidelity.md gives how the validation rows move with 2 to 5 CTAs]. */
static const struct lower_menu_tile tinygemm[] = {
	{ 16, 32, 1024, 1 },
};

static const struct lower_menu menus[] = {
	{ "best", "every tile the machine's buffer allows (nmsim's own candidates)", NULL, 0, 16,
	  FORMATS_BITMAP },
	{ "cutlass_sm80", "NVIDIA/cutlass tools/library/scripts/generator.py, SM80 16816",
	  cutlass_sm80, N(cutlass_sm80), 16, FORMATS_BITMAP },
	{ "cutlass_sm80_sparse", "NVIDIA/cutlass generator.py, SM80 sparse 16832",
	  cutlass_sm80_sparse, N(cutlass_sm80_sparse), 16, FORMATS_BITMAP },
	{ "cutlass_sm90", "NVIDIA/cutlass python/cutlass_library sm90_utils.py, sm90_shapes.py",
	  cutlass_sm90, N(cutlass_sm90), 16, FORMATS_BITMAP },
	{ "spatha", "UDC-GAC/venom README, blockwise_kernel.h", spatha, N(spatha), 1,
	  FORMATS_BITMAP },
	{ "marlin", "IST-DASLab/marlin marlin_cuda_kernel.cu", marlin, N(marlin), 8,
	  FORMATS_BITMAP },
	{ "flash_llm", "AlibabaResearch/flash-llm csrc/TilingConfig.h", flash_llm, N(flash_llm), 16,
	  FORMATS_TILED_CSL },
	{ "tinygemm", "pytorch/pytorch aten/src/ATen/native/cuda/int4mm.cu", tinygemm, N(tinygemm),
	  1, FORMATS_BITMAP },
};

const char *const lower_menu_names[] = { "best",         "cutlass_sm80", "cutlass_sm80_sparse",
	                                 "cutlass_sm90", "spatha",       "marlin",
	                                 "flash_llm",    "tinygemm",     NULL };

_Static_assert(N(menus) + 1 == N(lower_menu_names), "one name per menu");

const struct lower_menu *lower_menu_get(int index)
{
	return index >= 0 && (size_t)index < N(menus) ? &menus[index] : &menus[0];
}
