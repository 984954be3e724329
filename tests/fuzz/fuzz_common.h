/* fuzz_common — what every libFuzzer harness of tests/fuzz shares: the input as a file (the
 * readers take paths), a quiet logger, and an invariant check that stops the fuzzer.
 *
 * Each harness defines LLVMFuzzerTestOneInput and calls fuzz_init from LLVMFuzzerInitialize.
 * A finding is a sanitizer report (AddressSanitizer, UndefinedBehaviorSanitizer with
 * float-cast-overflow and clang's integer checks), an exit (an internal error, SIM_ASSERT), a
 * timeout, or FUZZ_CHECK: a property the program promises that the input broke.
 */
#ifndef NMSIM_FUZZ_COMMON_H
#define NMSIM_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* Makes this process's scratch directory (removed at exit) and quiets the logger. */
void fuzz_init(void);
/* Writes data to NAME inside the scratch directory (replacing it); returns its path. */
const char *fuzz_file(const char *name, const uint8_t *data, size_t size);
/* A path in the scratch directory, for outputs. */
const char *fuzz_path(const char *name);
/* The repository root (for the shipped configurations). */
const char *fuzz_source_dir(void);

/* Stops the fuzzer with a message when cond is false: a broken promise, not bad input. */
#define FUZZ_CHECK(cond, ...)                                                \
	do {                                                                 \
		if (!(cond))                                                 \
			fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__); \
	} while (0)
_Noreturn void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
