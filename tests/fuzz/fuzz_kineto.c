/* fuzz_kineto — the PyTorch-profiler importer (traces/kineto*.c: the streaming JSON reader,
 * nesting, linking, mapping) on any bytes, plain or gzip; an import that succeeds is written,
 * and the written trace must read back (the importer checks every record before writing).
 */
#include <stdint.h>

#include "fuzz_common.h"
#include "traces/kineto.h"
#include "traces/trace.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[1024];
	const char *path = fuzz_file("profile.json", data, size);
	struct kineto *k = kineto_load(path, err, sizeof err);
	if (!k) {
		FUZZ_CHECK(err[0], "a refusal without a message");
		return 0;
	}
	struct trace_writer *w = trace_writer_open(fuzz_path("out.trace"), false, err, sizeof err);
	FUZZ_CHECK(w != NULL, "%s", err);
	int rc = kineto_write(k, w, "generator=fuzz_kineto", err, sizeof err);
	FUZZ_CHECK(rc == 0, "a checked import failed to write: %s", err);
	FUZZ_CHECK(trace_writer_close(w) == 0, "closing the trace");
	kineto_free(k);
	struct trace_reader *r = trace_open(fuzz_path("out.trace"), err, sizeof err);
	FUZZ_CHECK(r != NULL, "%s", err);
	struct trace_record rec;
	while ((rc = trace_next(r, &rec)) == 1)
		;
	FUZZ_CHECK(rc == 0, "the imported trace does not read: %s", trace_error(r));
	trace_close(r);
	return 0;
}
