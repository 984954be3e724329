/* fuzz_model — the model-file reader (traces/model.c through sim/cfg) on any bytes, and, for a
 * model that loads and is small enough to generate quickly, tracegen's generator
 * (traces/gen.c): whatever it writes must be a trace the reader accepts.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"
#include "traces/gen.h"
#include "traces/model.h"
#include "traces/trace.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct model_config m;
	static struct gen_options o;
	const char *path = fuzz_file("model.cfg", data, size);
	if (model_load(path, &m))
		return 0;
	FUZZ_CHECK(m.heads >= 1 && m.kv_heads >= 1 && m.heads % m.kv_heads == 0,
	           "heads %lld kv_heads %lld", (long long)m.heads, (long long)m.kv_heads);
	/* Generation walks every layer and expert: only small models, to keep inputs fast. */
	if (m.layers > 4 || m.experts > 8 || m.hidden > 1 << 20)
		return 0;
	memset(&o, 0, sizeof o);
	o.model = &m;
	o.batch = 1 + (size & 1);
	o.prompt = 4;
	o.decode = 2;
	o.tp = 1 + (size & 2) / 2;
	o.weight_dtype = (size & 4) ? TRACE_DT_INT4 : TRACE_DT_FP16;
	o.weight_q.kind = (size & 4) ? TRACE_Q_GROUP : TRACE_Q_NONE;
	o.weight_q.group = 128;
	o.weight_q.scale_dtype = TRACE_DT_FP16;
	o.act_dtype = TRACE_DT_FP16;
	o.kv_dtype = TRACE_DT_FP16;
	o.kv_q.scale_dtype = TRACE_DT_FP16;
	o.meta = "generator=fuzz_model";
	char err[1024];
	struct trace_writer *w = trace_writer_open(fuzz_path("gen.trace"), false, err, sizeof err);
	FUZZ_CHECK(w != NULL, "%s", err);
	uint64_t declared;
	if (gen_write(w, &o, &declared, err, sizeof err)) {
		trace_writer_abort(w); /* an option the model cannot take: refused, fine */
		return 0;
	}
	FUZZ_CHECK(trace_writer_close(w) == 0, "closing the trace");
	struct trace_reader *r = trace_open(fuzz_path("gen.trace"), err, sizeof err);
	FUZZ_CHECK(r != NULL, "%s", err);
	struct trace_record rec;
	int rc;
	while ((rc = trace_next(r, &rec)) == 1)
		;
	FUZZ_CHECK(rc == 0, "the generated trace does not read: %s", trace_error(r));
	trace_close(r);
	return 0;
}
