/* tracegen — writes simtrace v1 traces of real LLMs (traces/models/) for simrun.
 *
 *   tracegen --model llama-2-7b --batch 1 --prompt 512 --decode 128 \
 *            [--weights fp16|bf16|fp8e4m3|int8|int4:g128|mxfp4|nvfp4] \
 *            [--sparsity nm:2:4 | --sparsity 'mlp.*=vnm:64:2:8,attn.*=dense'] \
 *            [--kv fp16|fp8e4m3|int8|int4:g64] [--act-sparsity mlp.down=0.4] \
 *            [--attn window:4096|topk:2048|thresh:0.1] [--tp 8] [--moe-dist P,P,...] \
 *            [--act fp16|bf16|fp32|int8] [--ops attn] \
 *            -o out.trace.gz
 *   tracegen --model llama-2-7b --prompt 0 --context 4096 --decode 64 -o decode.trace.gz
 *   tracegen --list-models
 *   tracegen --from-kineto trace.json[.gz] -o out.trace.gz
 *
 * Exit status: 0 written; 2 bad options or model file (message names the file and line).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <limits.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/cliopt.h"
#include "sim/log.h"
#include "sim/paths.h"
#include "sim/outfile.h"
#include "traces/gen.h"
#include "traces/kineto.h"
#include "traces/model.h"

static void usage(FILE *out)
{
	fputs(
	    "usage: tracegen --model NAME|FILE [options] [-o OUT]\n"
	    "       tracegen --list-models\n"
	    "       tracegen --from-kineto TRACE.json[.gz] [-o OUT]\n"
	    "\n"
	    "Writes the simtrace v1 trace of one inference: a prefill step then one decode step "
	    "per\n"
	    "generated token, every layer's ops, the KV cache growing (--prompt 0: decode steps\n"
	    "only, from a KV cache of --context tokens).\n"
	    "\n"
	    "  --model NAME|FILE   a model of traces/models/ (--list-models) or a model file\n"
	    "  --batch N           sequences (default 1)\n"
	    "  --prompt N          prompt tokens per sequence (default 512); 0: no prefill, decode\n"
	    "                      steps only (on a KV cache of --context tokens)\n"
	    "  --context N         tokens already in the KV cache of each sequence before the\n"
	    "                      first step (default 0): decode-only traces of a long context\n"
	    "  --decode N          generated tokens (default 128; 0 for encoders)\n"
	    "  --weights W         fp16 bf16 fp8e4m3 int8 int4[:gG[:zp]] int8:gG mxfp4 mxfp8 "
	    "nvfp4\n"
	    "                      (default fp16; int8 and fp8 quantize activations too)\n"
	    "  --weight-only       int8/fp8 weights keep activations in fp16/bf16 (W8A16)\n"
	    "  --act DTYPE         activation dtype: fp16, bf16, fp32 (a framework's default "
	    "on\n"
	    "                      CPUs and pre-Ampere GPUs) or int8 (8-bit accelerators)\n"
	    "                      (default: bf16 with bf16 weights, else fp16)\n"
	    "  --ops KINDS         write only ops of these kinds, comma-separated (gemm attn vec\n"
	    "                      coll): the part of the model a unit runs, e.g. attn for an\n"
	    "                      attention accelerator\n"
	    "  --sparsity S        sp= of the projections: a spec (nm:2:4, vnm:64:2:8,\n"
	    "                      unstructured:0.5, block:16:16:0.5) or glob=spec,... over\n"
	    "                      attn.qkv attn.o mlp.gate_up mlp.up mlp.down mlp.router lm_head\n"
	    "  --kv K              KV cache: fp16 bf16 fp8e4m3 int8 int4[:gG] (default fp16)\n"
	    "  --act-sparsity R    activation density per GEMM, glob=D,... (e.g. mlp.down=0.4)\n"
	    "  --attn P            attention pattern: window:W topk:K block:B:D thresh:D\n"
	    "  --tp N              tensor-parallel ranks (default 1)\n"
	    "  --moe-dist P,...    share of routed tokens per expert (default uniform)\n"
	    "  -o FILE             output; .gz = gzip; - = standard output (default)\n"
	    "  --models-dir DIR    where model names are looked up\n"
	    "  --check-params      print declared against published parameters, then exit\n"
	    "  --describe-model    print every key a model file can set, then exit\n"
	    "  --from-kineto FILE  import a PyTorch profiler (Kineto) Chrome-trace JSON instead:\n"
	    "                      its GEMM, attention, norm and element-wise ops with their\n"
	    "                      measured device times (dur_ns); a summary and every unmapped\n"
	    "                      op go to standard error (docs/kineto.md)\n"
	    "  -q, --quiet         only errors on standard error (no warnings, no --from-kineto\n"
	    "                      summary); -v, --verbose: more\n"
	    "  --version, --help\n",
	    out);
}

/* traces/models beside the build tree or the install prefix (sim/paths.h), unless --models-dir
 * or NMSIM_MODELS says otherwise. */
static void default_models_dir(char *out, size_t len)
{
	const char *env = getenv("NMSIM_MODELS");
	if (env && *env)
		snprintf(out, len, "%s", env);
	else if (paths_shipped(PATHS_MODELS, out, len))
		snprintf(out, len, "traces/models");
}

static int list_models(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		log_error("%s: %s", dir, strerror(errno));
		return 2;
	}
	for (int i = 0; i < n; i++) {
		size_t len = strlen(names[i]->d_name);
		if (len > 4 && !strcmp(names[i]->d_name + len - 4, ".cfg")) {
			char path[PATH_MAX + 256];
			snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
			struct model_config m;
			if (!model_load(path, &m))
				printf("%-16s %3lld layers  hidden %-6lld heads %3lld/%-3lld ffn "
				       "%-6lld %s\n",
				       m.name, (long long)m.layers, (long long)m.hidden,
				       (long long)m.heads, (long long)m.kv_heads, (long long)m.ffn,
				       m.source);
		}
		free(names[i]);
	}
	free(names);
	return 0;
}

static int parse_u64(const char *opt, const char *s, uint64_t lo, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || !*s || *s == '-' || v < lo || v > (1ULL << 40)) {
		log_error("%s %s: expected an integer from %llu to 2^40", opt, s,
		          (unsigned long long)lo);
		return -1;
	}
	*out = v;
	return 0;
}

/* DTYPE[:gG[:zp]] for weights and KV. */
static int parse_format(const char *opt, const char *s, enum trace_dtype *dt, struct trace_quant *q)
{
	char name[32];
	const char *colon = strchr(s, ':');
	size_t len = colon ? (size_t)(colon - s) : strlen(s);
	if (len >= sizeof name)
		goto bad;
	memcpy(name, s, len);
	name[len] = 0;
	if (trace_dtype_parse(name, dt))
		goto bad;
	memset(q, 0, sizeof *q);
	q->scale_dtype = TRACE_DT_FP16;
	bool block_scaled = trace_dtype_block(*dt) > 0;
	if (colon) {
		/* :gG or :gG:zp, nothing else after the digits */
		uint64_t g;
		char rest[32];
		const char *digits = colon + 2;
		size_t nd = strspn(digits, "0123456789");
		const char *tail = digits + nd;
		if (block_scaled || colon[1] != 'g' || !nd || nd >= sizeof rest ||
		    (*tail && strcmp(tail, ":zp") != 0))
			goto bad;
		memcpy(rest, digits, nd);
		rest[nd] = 0;
		if (parse_u64(opt, rest, 1, &g))
			return -1;
		q->kind = TRACE_Q_GROUP;
		q->group = g;
		q->zero_point = *tail != 0;
	} else if (*dt == TRACE_DT_INT8 || *dt == TRACE_DT_INT4 || *dt == TRACE_DT_INT2) {
		q->kind = TRACE_Q_CHANNEL; /* integer weights carry per-channel scales */
	} else if (*dt == TRACE_DT_FP8E4M3 || *dt == TRACE_DT_FP8E5M2) {
		q->kind = TRACE_Q_TENSOR;
	}
	return 0;
bad:
	log_error("%s %s: expected a dtype (fp16 bf16 fp8e4m3 int8 int4 mxfp4 nvfp4 ...) with an "
	          "optional :gG[:zp] group for integer types",
	          opt, s);
	return -1;
}

/* --ops gemm,attn,...: the op kinds written. */
static int parse_ops(const char *s, unsigned *mask)
{
	char copy[64];
	snprintf(copy, sizeof copy, "%s", s);
	*mask = 0;
	char *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		enum trace_op_type t;
		if (trace_op_type_parse(tok, &t)) {
			log_error("--ops %s: '%s' is not an op kind (gemm attn vec coll)", s, tok);
			return -1;
		}
		*mask |= 1u << t;
	}
	if (!*mask || strlen(s) >= sizeof copy) {
		log_error("--ops %s: expected op kinds like attn or gemm,attn", s);
		return -1;
	}
	return 0;
}

static int check_sparsity(const char *v, char *err, size_t len)
{
	struct trace_sparsity sp;
	return trace_sparsity_parse(v, &sp, err, len);
}

static int check_density(const char *v, char *err, size_t len)
{
	double d;
	if (trace_real_parse(v, &d) || !(d > 0 && d <= 1)) {
		snprintf(err, len, "expected a density in (0,1]");
		return -1;
	}
	return 0;
}

/* --from-kineto: the profile's ops as a trace; the summary on standard error. The profile is
 * read and checked before the output is created. */
static int from_kineto(const char *in, const char *out, bool quiet)
{
	char err[1024], meta[128];
	struct kineto *k = kineto_load(in, err, sizeof err);
	if (!k) {
		log_error("%s", err);
		return EXIT_USER_ERROR;
	}
	bool gz = strlen(out) > 3 && !strcmp(out + strlen(out) - 3, ".gz");
	struct trace_writer *w = trace_writer_open(out, gz, err, sizeof err);
	if (!w) {
		log_error("%s", err);
		kineto_free(k);
		return EXIT_USER_ERROR;
	}
	snprintf(meta, sizeof meta, "generator=tracegen version=%s", NMSIM_VERSION);
	int rc = kineto_write(k, w, meta, err, sizeof err);
	if (rc) {
		log_error("%s", err);
		trace_writer_abort(w); /* no half-written trace: the output keeps what it had */
	} else if (trace_writer_close(w)) {
		rc = -1;
	}
	if (!rc && !quiet)
		kineto_stats_print(stderr, "tracegen: ", in, kineto_stats(k));
	kineto_free(k);
	return rc ? EXIT_USER_ERROR : 0;
}

int main(int argc, char **argv)
{
	log_set_program("tracegen");
	enum {
		O_MODEL = 256,
		O_BATCH,
		O_PROMPT,
		O_CONTEXT,
		O_DECODE,
		O_WEIGHTS,
		O_ACT,
		O_OPS,
		O_SPARSITY,
		O_KV,
		O_ACTSP,
		O_WONLY,
		O_ATTN,
		O_TP,
		O_MOE,
		O_LIST,
		O_DIR,
		O_CHECK,
		O_DESCRIBE,
		O_VERSION,
		O_HELP,
		O_KINETO
	};
	static const struct option opts[] = {
		{ "model", required_argument, NULL, O_MODEL },
		{ "batch", required_argument, NULL, O_BATCH },
		{ "prompt", required_argument, NULL, O_PROMPT },
		{ "context", required_argument, NULL, O_CONTEXT },
		{ "decode", required_argument, NULL, O_DECODE },
		{ "weights", required_argument, NULL, O_WEIGHTS },
		{ "act", required_argument, NULL, O_ACT },
		{ "ops", required_argument, NULL, O_OPS },
		{ "sparsity", required_argument, NULL, O_SPARSITY },
		{ "kv", required_argument, NULL, O_KV },
		{ "act-sparsity", required_argument, NULL, O_ACTSP },
		{ "weight-only", no_argument, NULL, O_WONLY },
		{ "attn", required_argument, NULL, O_ATTN },
		{ "tp", required_argument, NULL, O_TP },
		{ "moe-dist", required_argument, NULL, O_MOE },
		{ "list-models", no_argument, NULL, O_LIST },
		{ "models-dir", required_argument, NULL, O_DIR },
		{ "check-params", no_argument, NULL, O_CHECK },
		{ "describe-model", no_argument, NULL, O_DESCRIBE },
		{ "version", no_argument, NULL, O_VERSION },
		{ "help", no_argument, NULL, O_HELP },
		{ "from-kineto", required_argument, NULL, O_KINETO },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	static struct gen_options o;
	o.batch = 1;
	o.prompt = 512;
	o.decode = 128;
	o.tp = 1;
	o.weight_dtype = TRACE_DT_FP16;
	o.weight_q.scale_dtype = TRACE_DT_FP16;
	o.kv_dtype = TRACE_DT_FP16;
	o.kv_q.scale_dtype = TRACE_DT_FP16;
	const char *model_name = NULL, *out = "-", *act = NULL, *kineto = NULL;
	const char *gen_option = NULL; /* an option that only --model takes */
	char dir[PATH_MAX];
	default_models_dir(dir, sizeof dir);
	bool list = false, check = false, decode_given = false;
	/* The options as given, for the meta record (values hold no spaces). */
	char meta[2048];
	int mlen = snprintf(meta, sizeof meta, "generator=tracegen version=%s", NMSIM_VERSION);
	char err[512];
	int c, verbosity = LOG_WARN;
	opterr = 0;
	int given[CLIOPT_VALUES] = { 0 };
	while ((c = getopt_long(argc, argv, "o:qv", opts, NULL)) != -1) {
		int rc = 0;
		if (cliopt_twice(opts, c, optarg, given)) {
			if (c == O_SPARSITY || c == O_ACTSP)
				log_error("(its rules are one list: glob=value,glob=value)");
			return EXIT_USER_ERROR;
		}
		switch (c) {
		case O_MODEL: model_name = optarg; break;
		case O_BATCH: rc = parse_u64("--batch", optarg, 1, &o.batch); break;
		case O_PROMPT: rc = parse_u64("--prompt", optarg, 0, &o.prompt); break;
		case O_CONTEXT: rc = parse_u64("--context", optarg, 0, &o.context); break;
		case O_DECODE:
			rc = parse_u64("--decode", optarg, 0, &o.decode);
			decode_given = true;
			break;
		case O_WEIGHTS:
			rc = parse_format("--weights", optarg, &o.weight_dtype, &o.weight_q);
			break;
		case O_ACT: act = optarg; break;
		case O_OPS: rc = parse_ops(optarg, &o.op_mask); break;
		case O_WONLY: o.weight_only = true; break;
		case O_KV: rc = parse_format("--kv", optarg, &o.kv_dtype, &o.kv_q); break;
		case O_SPARSITY:
			if (gen_parse_rules(optarg, o.sparsity, &o.nsparsity, true, check_sparsity,
			                    err, sizeof err)) {
				log_error("--sparsity %s", err);
				rc = -1;
			}
			break;
		case O_ACTSP:
			if (gen_parse_rules(optarg, o.act_sparsity, &o.nact_sparsity, false,
			                    check_density, err, sizeof err)) {
				log_error("--act-sparsity %s", err);
				rc = -1;
			}
			break;
		case O_ATTN:
			if (trace_pattern_parse(optarg, &o.pattern, err, sizeof err)) {
				log_error("--attn %s: %s", optarg, err);
				rc = -1;
			}
			o.has_pattern = true;
			break;
		case O_TP: rc = parse_u64("--tp", optarg, 1, &o.tp); break;
		case O_MOE: {
			char *copy = strdup(optarg), *save = NULL;
			double sum = 0;
			if (!copy) {
				log_error("out of memory");
				return EXIT_USER_ERROR;
			}
			for (char *tok = strtok_r(copy, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				double v;
				if (o.nmoe_dist == GEN_MAX_EXPERTS || trace_real_parse(tok, &v)) {
					log_error("--moe-dist %s: expected shares like 0.3,0.2,...",
					          optarg);
					rc = -1;
					break;
				}
				o.moe_dist[o.nmoe_dist++] = v;
				sum += v;
			}
			free(copy);
			if (!rc && (sum < 0.999 || sum > 1.001)) {
				log_error("--moe-dist %s: shares add up to %g, not 1", optarg, sum);
				rc = -1;
			}
			break;
		}
		case 'o': out = optarg; break;
		case 'q': verbosity = LOG_ERROR; break;
		case 'v': verbosity = verbosity < LOG_INFO ? LOG_INFO : LOG_DEBUG; break;
		case O_KINETO: kineto = optarg; break;
		case O_LIST: list = true; break;
		case O_DIR: snprintf(dir, sizeof dir, "%s", optarg); break;
		case O_CHECK: check = true; break;
		case O_DESCRIBE: model_describe(stdout); return 0;
		case O_VERSION: printf("tracegen (nmsim) %s\n", NMSIM_VERSION); return 0;
		case O_HELP: usage(stdout); return 0;
		default:
			log_error("unknown option or missing value: '%s' (see tracegen --help)",
			          argv[optind - 1]);
			return EXIT_USER_ERROR;
		}
		if (rc)
			return EXIT_USER_ERROR;
		if (c == 'q' || c == 'v')
			continue; /* how much is said on standard error: not part of the trace */
		if (c != 'o' && c != O_KINETO && c != O_DIR)
			for (const struct option *p = opts; p->name; p++)
				if (p->val == c)
					gen_option = p->name;
		/* Record every option but the output in the meta line. */
		if (c != 'o' && c != O_DIR && c != O_CHECK && c != O_MODEL &&
		    mlen < (int)sizeof meta - 1) {
			const char *name = NULL;
			for (const struct option *p = opts; p->name; p++)
				if (p->val == c)
					name = p->name;
			if (name) {
				/* meta keys are [a-z][a-z0-9_]*: act-sparsity becomes act_sparsity */
				int start = mlen + 1;
				mlen += snprintf(meta + mlen, sizeof meta - (size_t)mlen, " %s=%s",
				                 name, optarg ? optarg : "1");
				for (int i = start; i < mlen && meta[i] != '='; i++)
					if (meta[i] == '-')
						meta[i] = '_';
			}
		}
	}
	log_set_level((enum log_level)verbosity);
	if (optind != argc) {
		log_error("unexpected argument '%s' (see tracegen --help)", argv[optind]);
		return EXIT_USER_ERROR;
	}
	if (kineto) {
		if (gen_option) {
			log_error("--from-kineto takes only -o (got --%s)", gen_option);
			return EXIT_USER_ERROR;
		}
		if (outfile_is_input(out, kineto)) {
			log_error(
			    "-o %s: is the profile being read (--from-kineto %s); refusing to "
			    "overwrite an input",
			    out, kineto);
			return EXIT_USER_ERROR;
		}
		return from_kineto(kineto, out, verbosity == LOG_ERROR);
	}
	if (list)
		return list_models(dir);
	if (!model_name) {
		log_error("--model is required (see tracegen --list-models)");
		return EXIT_USER_ERROR;
	}
	char path[PATH_MAX];
	if (model_path(dir, model_name, path, sizeof path)) {
		log_error("--model %s: no such model (looked for %s; see tracegen --list-models)",
		          model_name, path);
		return EXIT_USER_ERROR;
	}
	if (!check && outfile_is_input(out, path)) {
		log_error(
		    "-o %s: is the model file being read (%s); refusing to overwrite an input", out,
		    path);
		return EXIT_USER_ERROR;
	}
	static struct model_config m;
	if (model_load(path, &m))
		return EXIT_USER_ERROR;
	o.model = &m;
	if (m.encoder && !decode_given)
		o.decode = 0;
	o.act_dtype = o.weight_dtype == TRACE_DT_BF16 ? TRACE_DT_BF16 : TRACE_DT_FP16;
	if (act && (trace_dtype_parse(act, &o.act_dtype) ||
	            (o.act_dtype != TRACE_DT_FP16 && o.act_dtype != TRACE_DT_BF16 &&
	             o.act_dtype != TRACE_DT_FP32 && o.act_dtype != TRACE_DT_INT8))) {
		log_error("--act %s: expected fp16, bf16, fp32 or int8", act);
		return EXIT_USER_ERROR;
	}
	char model_meta[512];
	snprintf(model_meta, sizeof model_meta, " model=%s source=%s", m.name, m.source);
	for (char *p = model_meta; *p; p++)
		if (*p == ' ' && p != model_meta && strncmp(p, " source=", 8))
			*p = '_'; /* meta values hold no white space */
	strncat(meta, model_meta, sizeof meta - strlen(meta) - 1);
	o.meta = meta;

	bool gz = strlen(out) > 3 && !strcmp(out + strlen(out) - 3, ".gz");
	struct trace_writer *w = trace_writer_open(check ? "/dev/null" : out, gz, err, sizeof err);
	if (!w) {
		log_error("%s", err);
		return EXIT_USER_ERROR;
	}
	uint64_t declared = 0;
	int rc = gen_write(w, &o, &declared, err, sizeof err);
	if (rc) {
		log_error("%s", err);
		trace_writer_abort(w);
	} else if (trace_writer_close(w)) {
		rc = -1;
	}
	if (rc)
		return EXIT_USER_ERROR;
	if (check) {
		printf("%s: declared %llu parameters, published %lld (%+.2f %%)\n", m.name,
		       (unsigned long long)declared, (long long)m.params,
		       100.0 * ((double)declared - (double)m.params) / (double)m.params);
		return 0;
	}
	log_info("%s: %llu parameters declared (published %lld)", m.name,
	         (unsigned long long)declared, (long long)m.params);
	return 0;
}
