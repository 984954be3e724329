/* test_cfg — sim/cfg against a small fake machine: every type and unit, defaults, required,
 * unknown keys with suggestions, wrong types, ranges, @include, --set, the libconfig 32-bit
 * wrap, check callbacks, --describe. Error output is captured from fd 2 and counted line by line. */
#include "sim/cfg.h"
#include "sim/log.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

/* ---- the fake machine ---- */

struct test_top {
	char name[CFG_STRING_MAX];
	int64_t year;
};

struct test_hbm {
	uint64_t capacity;
	double bandwidth;
	double latency;
	int64_t channels;
	bool ecc;
	double static_power;
};

struct test_tensor {
	int64_t rate;
	int mode;
	double mac_energy;
	int64_t big;
};

struct test_core {
	int64_t count;
	double clock;
	uint64_t buffer;
	double efficiency;
};

struct test_root {
	struct test_top top;
	struct test_hbm hbm;
	struct test_core core;
	struct test_tensor tensor;
};

static const char *const test_modes[] = { "dense", "2:4", "1:4", NULL };

static const struct cfg_field test_top_fields[] = {
	CFG_FIELD(test_top, name, CFG_STRING, "", 0, 0, NULL, "chip name"),
	CFG_FIELD(test_top, year, CFG_INT, "", 1970, 2100, "2020", "year of the part"),
};

static const struct cfg_field test_hbm_fields[] = {
	CFG_FIELD(test_hbm, capacity, CFG_BYTES, "B", 1048576.0, 1099511627776.0, NULL,
	          "capacity of all stacks"),
	CFG_FIELD(test_hbm, bandwidth, CFG_RATE, "B/s", 1e9, 1e14, "\"1 TB/s\"", "peak bandwidth"),
	CFG_FIELD(test_hbm, latency, CFG_TIME, "ps", 0, 1e9, "\"100 ns\"", "unloaded latency"),
	CFG_FIELD(test_hbm, channels, CFG_INT, "", 1, 1024, "8", "independent channels"),
	CFG_FIELD(test_hbm, ecc, CFG_BOOL, "", 0, 0, "true", "ECC enabled"),
	CFG_FIELD(test_hbm, static_power, CFG_POWER, "W", 0, 1000, "\"5 W\"", "static power"),
};

static const struct cfg_field test_core_fields[] = {
	CFG_FIELD(test_core, count, CFG_INT, "", 1, 4096, NULL, "number of cores"),
	CFG_FIELD(test_core, clock, CFG_FREQ, "Hz", 1e6, 1e10, "\"1 GHz\"", "core clock"),
	CFG_FIELD(test_core, buffer, CFG_BYTES, "B", 0, 1073741824.0, "\"256 KiB\"",
	          "on-chip buffer per core"),
	CFG_FIELD(test_core, efficiency, CFG_REAL, "", 0, 1, "0.8", "achievable fraction of peak"),
};

static const struct cfg_field test_tensor_fields[] = {
	CFG_FIELD(test_tensor, rate, CFG_INT, "MAC/cycle", 1, 65536, "1024",
	          "dense MACs per cycle"),
	CFG_ENUM_FIELD(test_tensor, mode, test_modes, "\"dense\"", "sparse mode"),
	CFG_FIELD(test_tensor, mac_energy, CFG_ENERGY, "pJ", 0, 1000, "\"0.3 pJ\"",
	          "energy per MAC"),
	CFG_FIELD(test_tensor, big, CFG_INT, "", -1e19, 1e19, "0", "a 64-bit integer"),
};

/* Channels must split the capacity evenly: exercises cfg_report. */
static int test_hbm_check(const void *block, struct cfg_checker *chk)
{
	const struct test_hbm *hbm = block;

	if (hbm->capacity % (uint64_t)hbm->channels) {
		cfg_report(chk, "channels", "%lld channels do not divide the capacity %llu B",
		           (long long)hbm->channels, (unsigned long long)hbm->capacity);
		return -1;
	}
	return 0;
}

#define TEST_N(a) (sizeof(a) / sizeof((a)[0]))

static const struct cfg_block test_blocks[] = {
	{ "", test_top_fields, TEST_N(test_top_fields), offsetof(struct test_root, top),
	  "the chip as a whole", NULL },
	{ "hbm", test_hbm_fields, TEST_N(test_hbm_fields), offsetof(struct test_root, hbm),
	  "high-bandwidth memory", test_hbm_check },
	{ "core", test_core_fields, TEST_N(test_core_fields), offsetof(struct test_root, core),
	  "one core", NULL },
	{ "core.tensor", test_tensor_fields, TEST_N(test_tensor_fields),
	  offsetof(struct test_root, tensor), "the tensor core of a core", NULL },
};

/* ---- helpers ---- */

static char test_src[4096]; /* PATH_MAX: realpath writes it */

static const char *test_path(const char *name)
{
	static char buf[4][sizeof(test_src) + 64];
	static int next;
	char *b = buf[next++ % 4];
	snprintf(b, sizeof(buf[0]), "%s/configs/test/%s", test_src, name);
	return b;
}

/* Output of fd 2 while a load runs. */
struct test_capture {
	int saved;
	char file[64];
	char *text;
};

static void capture_begin(struct test_capture *c)
{
	int fd;
	snprintf(c->file, sizeof(c->file), "/tmp/test_cfg_XXXXXX");
	fd = mkstemp(c->file);
	assert_true(fd >= 0);
	fflush(stderr);
	c->saved = dup(2);
	assert_true(c->saved >= 0);
	assert_true(dup2(fd, 2) == 2);
	close(fd);
	c->text = NULL;
}

static const char *capture_end(struct test_capture *c)
{
	FILE *f;
	long n;

	fflush(stderr);
	dup2(c->saved, 2);
	close(c->saved);
	f = fopen(c->file, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	c->text = calloc((size_t)n + 1, 1);
	assert_non_null(c->text);
	assert_int_equal(fread(c->text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	unlink(c->file);
	return c->text;
}

static int count_lines(const char *text)
{
	int n = 0;
	for (; *text; text++)
		n += *text == '\n';
	return n;
}

/* Asserts TEXT contains NEEDLE, printing TEXT when not. */
#define assert_has(text, needle)                                               \
	do {                                                                   \
		if (!strstr((text), (needle)))                                 \
			fail_msg("expected \"%s\" in:\n%s", (needle), (text)); \
	} while (0)

struct test_run {
	int rc;
	int lines;
	struct test_capture cap;
	struct test_root root;
};

static void run_load(struct test_run *r, const char *file, const char *const *sets, size_t nsets)
{
	memset(&r->root, 0x5a, sizeof(r->root));
	capture_begin(&r->cap);
	if (file)
		r->rc = cfg_load(file, test_blocks, TEST_N(test_blocks), sets, nsets, &r->root);
	else
		r->rc = cfg_load_defaults(test_blocks, TEST_N(test_blocks), sets, nsets, &r->root);
	capture_end(&r->cap);
	r->lines = count_lines(r->cap.text);
}

static void run_free(struct test_run *r)
{
	free(r->cap.text);
}

/* ---- units ---- */

static double parse_ok(enum cfg_type type, const char *text)
{
	char err[256];
	double v = -1;
	if (cfg_units_parse(type, text, &v, err, sizeof(err)))
		fail_msg("%s: %s", text, err);
	return v;
}

static const char *parse_err(enum cfg_type type, const char *text)
{
	static char err[256];
	double v;
	if (cfg_units_parse(type, text, &v, err, sizeof(err)) == 0)
		fail_msg("%s parsed as %g", text, v);
	return err;
}

static void test_units_each(void **state)
{
	(void)state;
	/* rates */
	assert_true(parse_ok(CFG_RATE, "128 B/s") == 128.0);
	assert_true(parse_ok(CFG_RATE, "2 KB/s") == 2e3);
	assert_true(parse_ok(CFG_RATE, "3 MB/s") == 3e6);
	assert_true(parse_ok(CFG_RATE, "2039 GB/s") == 2039e9);
	assert_true(parse_ok(CFG_RATE, "1.5 TB/s") == 1.5e12);
	assert_true(parse_ok(CFG_RATE, "1 KiB/s") == 1024.0);
	assert_true(parse_ok(CFG_RATE, "1 MiB/s") == 1048576.0);
	assert_true(parse_ok(CFG_RATE, "900 GiB/s") == 900.0 * 1073741824.0);
	assert_true(parse_ok(CFG_RATE, "2 TiB/s") == 2.0 * 1099511627776.0);
	/* Bit rates are an eighth of the byte rate of the same number. */
	assert_true(parse_ok(CFG_RATE, "8 b/s") == 1.0);
	assert_true(parse_ok(CFG_RATE, "8 kb/s") == 1e3);
	assert_true(parse_ok(CFG_RATE, "8 Mb/s") == 1e6);
	assert_true(parse_ok(CFG_RATE, "3200 Gb/s") == 400e9);
	assert_true(parse_ok(CFG_RATE, "1 Tb/s") == 125e9);
	assert_true(parse_ok(CFG_RATE, "42") == 42.0);
	/* frequencies */
	assert_true(parse_ok(CFG_FREQ, "7 Hz") == 7.0);
	assert_true(parse_ok(CFG_FREQ, "100 kHz") == 1e5);
	assert_true(parse_ok(CFG_FREQ, "1410 MHz") == 1410e6);
	assert_true(parse_ok(CFG_FREQ, "1.41 GHz") == 1.41e9);
	/* times */
	assert_true(parse_ok(CFG_TIME, "500 ps") == 500.0);
	assert_true(parse_ok(CFG_TIME, "5 ns") == 5e3);
	assert_true(parse_ok(CFG_TIME, "30 us") == 30e6);
	assert_true(parse_ok(CFG_TIME, "1.2 ms") == 1.2e9);
	assert_true(parse_ok(CFG_TIME, "2 s") == 2e12);
	/* energies */
	assert_true(parse_ok(CFG_ENERGY, "50 fJ") == 50e-3);
	assert_true(parse_ok(CFG_ENERGY, "0.3 pJ") == 0.3);
	assert_true(parse_ok(CFG_ENERGY, "1.2 nJ") == 1.2e3);
	assert_true(parse_ok(CFG_ENERGY, "4 uJ") == 4e6);
	assert_true(parse_ok(CFG_ENERGY, "5 mJ") == 5e9);
	assert_true(parse_ok(CFG_ENERGY, "1 J") == 1e12);
	/* powers */
	assert_true(parse_ok(CFG_POWER, "50 W") == 50.0);
	assert_true(parse_ok(CFG_POWER, "300 mW") == 0.3);
	assert_true(parse_ok(CFG_POWER, "20 uW") == 20e-6);
	assert_true(parse_ok(CFG_POWER, "1.5 kW") == 1500.0);
	/* spacing, signs, exponents */
	assert_true(parse_ok(CFG_RATE, "3TB/s") == 3e12);
	assert_true(parse_ok(CFG_RATE, "  3 \t TB/s  ") == 3e12);
	assert_true(parse_ok(CFG_TIME, "-5 ns") == -5e3);
	assert_true(parse_ok(CFG_TIME, "1e3 ns") == 1e6);
	assert_true(parse_ok(CFG_TIME, ".5 ns") == 500.0);
	assert_true(parse_ok(CFG_TIME, "+2 ps") == 2.0);
}

static void test_units_bytes(void **state)
{
	char err[256];
	uint64_t b;
	struct {
		const char *text;
		uint64_t bytes;
	} ok[] = {
		{ "0", 0 },
		{ "1 B", 1 },
		{ "2 KB", 2000 },
		{ "3 MB", 3000000 },
		{ "80 GB", 80000000000ull },
		{ "4 TB", 4000000000000ull },
		{ "164 KiB", 164 * 1024 },
		{ "40 MiB", 40ull << 20 },
		{ "40MiB", 40ull << 20 },
		{ "16 GiB", 16ull << 30 },
		{ "16777215 TiB", 16777215ull << 40 },
		{ "18446744073709551615", UINT64_MAX },
		{ "18446744073709551615 B", UINT64_MAX },
		{ "1.5 KiB", 1536 },
		{ "1.1 KB", 1100 },
		{ "2.5e9", 2500000000ull },
	};
	const char *bad[][2] = {
		{ "18446744073709551616", "does not fit" },
		{ "16777216 TiB", "does not fit" },
		{ "1e30 B", "does not fit" },
		{ "-5 B", "cannot be negative" },
		{ "1.3 B", "not a whole number" },
		{ "40 Mb", "did you mean MB?" },
		{ "40 mib", "did you mean MiB?" },
		{ "40 GB/s", "GB/s is a rate unit" },
		{ "40 parsecs", "unknown unit \"parsecs\"" },
		{ "", "expected a size" },
		{ "MiB", "expected a size" },
		{ "0x10 MiB", "unknown unit" },
		{ "1.5.3 GB", "unknown unit" },
		{ "inf", "expected a size" },
		{ "nan B", "expected a size" },
	};
	(void)state;
	for (size_t i = 0; i < TEST_N(ok); i++) {
		if (cfg_units_parse_bytes(ok[i].text, &b, err, sizeof(err)))
			fail_msg("%s: %s", ok[i].text, err);
		if (b != ok[i].bytes)
			fail_msg("%s: got %llu", ok[i].text, (unsigned long long)b);
	}
	for (size_t i = 0; i < TEST_N(bad); i++) {
		if (cfg_units_parse_bytes(bad[i][0], &b, err, sizeof(err)) == 0)
			fail_msg("%s parsed as %llu", bad[i][0], (unsigned long long)b);
		assert_has(err, bad[i][1]);
	}
}

static void test_units_errors(void **state)
{
	(void)state;
	assert_has(parse_err(CFG_RATE, "3 TBps"), "unknown unit \"TBps\"");
	assert_has(parse_err(CFG_RATE, "3 tb/s"), "did you mean TB/s or Tb/s?");
	assert_has(parse_err(CFG_RATE, "3 Kb/s"), "did you mean KB/s or kb/s?");
	assert_has(parse_err(CFG_RATE, "3 GB"), "GB is a size unit");
	assert_has(parse_err(CFG_FREQ, "1 mhz"), "did you mean MHz?");
	assert_has(parse_err(CFG_FREQ, "fast"), "expected a frequency");
	assert_has(parse_err(CFG_TIME, "3 hours"), "unknown unit");
	assert_has(parse_err(CFG_TIME, "1e400 s"), "not a finite number");
	assert_has(parse_err(CFG_TIME, "1e300 s"), "not a finite number");
	assert_has(parse_err(CFG_ENERGY, "1 kJ"), "unknown unit");
	assert_has(parse_err(CFG_POWER, "infinity W"), "expected a power");
	assert_has(parse_err(CFG_POWER, "50 W W"), "unknown unit");
	assert_has(parse_err(CFG_POWER, "5\x01 W"), "unknown unit \"? W\"");
}

static void test_units_format(void **state)
{
	char buf[64], err[128];
	double v;
	static const struct {
		enum cfg_type type;
		double v;
		const char *text;
	} cases[] = {
		{ CFG_RATE, 2.039e12, "2039 GB/s" },
		{ CFG_RATE, 1.5e12, "1.5 TB/s" },
		{ CFG_RATE, 0, "0 B/s" },
		{ CFG_BYTES, 41943040, "40 MiB" },
		{ CFG_BYTES, 80e9, "80 GB" },
		{ CFG_BYTES, 1024, "1 KiB" },
		{ CFG_BYTES, 1000, "1 KB" },
		{ CFG_BYTES, 3, "3 B" },
		{ CFG_FREQ, 1.41e9, "1410 MHz" },
		{ CFG_FREQ, 1e9, "1 GHz" },
		{ CFG_TIME, 30e6, "30 us" },
		{ CFG_TIME, 500, "500 ps" },
		{ CFG_ENERGY, 0.3, "300 fJ" },
		{ CFG_ENERGY, 1.2e3, "1.2 nJ" },
		{ CFG_POWER, 0.3, "300 mW" },
		{ CFG_POWER, 50, "50 W" },
		{ CFG_INT, 1024, "1024" },
		{ CFG_REAL, 0.8, "0.8" },
	};
	(void)state;
	for (size_t i = 0; i < TEST_N(cases); i++)
		assert_string_equal(cfg_units_format(buf, sizeof(buf), cases[i].type, cases[i].v),
		                    cases[i].text);
	/* Whatever it picks reads back exactly. */
	for (int i = 0; i < 2000; i++) {
		enum cfg_type t = (enum cfg_type)(CFG_RATE + i % 5);
		double x =
		    ldexp((double)((unsigned)i * 2654435761u % 1000003u) + 0.37 * i, i % 60 - 20);
		cfg_units_format(buf, sizeof(buf), t, x);
		if (cfg_units_parse(t, buf, &v, err, sizeof(err)) || v != x)
			fail_msg("%.17g formatted as %s reads back as %.17g", x, buf, v);
	}
}

/* ---- loading ---- */

static void test_good_file(void **state)
{
	struct test_run r;
	char buf[64];
	(void)state;
	run_load(&r, test_path("cfg_good.cfg"), NULL, 0);
	if (r.rc != 0)
		fail_msg("%s", r.cap.text);
	assert_int_equal(r.lines, 0);
	assert_string_equal(r.root.top.name, "test-chip");
	assert_int_equal(r.root.top.year, 2022);
	assert_true(r.root.hbm.capacity == 80000000000ull);
	assert_true(r.root.hbm.bandwidth == 2039e9);
	assert_true(r.root.hbm.latency == 120e3);
	assert_int_equal(r.root.hbm.channels, 10);
	assert_false(r.root.hbm.ecc);
	assert_true(r.root.hbm.static_power == 0.3);
	assert_int_equal(r.root.core.count, 108);
	assert_true(r.root.core.clock == 1410e6);
	assert_true(r.root.core.buffer == 164 * 1024);
	assert_true(r.root.core.efficiency == 0.75);
	assert_int_equal(r.root.tensor.rate, 512);
	assert_int_equal(r.root.tensor.mode, 1);
	assert_true(r.root.tensor.mac_energy == 0.05);
	assert_true(r.root.tensor.big == 5000000000ll);
	assert_string_equal(cfg_format_field(buf, sizeof(buf), &test_hbm_fields[1], &r.root.hbm),
	                    "2039 GB/s");
	assert_string_equal(
	    cfg_format_field(buf, sizeof(buf), &test_tensor_fields[1], &r.root.tensor), "2:4");
	assert_string_equal(cfg_format_field(buf, sizeof(buf), &test_hbm_fields[4], &r.root.hbm),
	                    "false");
	assert_string_equal(cfg_format_field(buf, sizeof(buf), &test_core_fields[2], &r.root.core),
	                    "164 KiB");
	run_free(&r);
}

static void test_defaults(void **state)
{
	struct test_run r;
	const char *sets[] = { "name=A100", "hbm.capacity=40MiB", "core.count=2" };
	(void)state;
	run_load(&r, NULL, sets, TEST_N(sets));
	if (r.rc != 0)
		fail_msg("%s", r.cap.text);
	assert_string_equal(r.root.top.name, "A100");
	assert_int_equal(r.root.top.year, 2020);
	assert_true(r.root.hbm.capacity == 40ull << 20);
	assert_true(r.root.hbm.bandwidth == 1e12);
	assert_true(r.root.hbm.latency == 100e3);
	assert_int_equal(r.root.hbm.channels, 8);
	assert_true(r.root.hbm.ecc);
	assert_true(r.root.hbm.static_power == 5.0);
	assert_true(r.root.core.clock == 1e9);
	assert_true(r.root.core.buffer == 256 * 1024);
	assert_true(r.root.core.efficiency == 0.8);
	assert_int_equal(r.root.tensor.rate, 1024);
	assert_int_equal(r.root.tensor.mode, 0);
	assert_true(r.root.tensor.mac_energy == 0.3);
	assert_int_equal(r.root.tensor.big, 0);
	run_free(&r);
}

static void test_required_missing(void **state)
{
	struct test_run r;
	(void)state;
	run_load(&r, NULL, NULL, 0);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.lines, 3);
	assert_has(r.cap.text, "error: defaults: name: required setting missing\n");
	assert_has(r.cap.text, "error: defaults: hbm.capacity: required setting missing\n");
	assert_has(r.cap.text, "error: defaults: core.count: required setting missing\n");
	/* A missing required field is zeroed, never left as garbage. */
	assert_int_equal(r.root.core.count, 0);
	assert_string_equal(r.root.top.name, "");
	run_free(&r);

	/* In a file: an absent group takes defaults and its required keys are missing. */
	run_load(&r, test_path("bad_cfg_shape.cfg"), NULL, 0);
	assert_int_equal(r.rc, -1);
	assert_has(r.cap.text, "bad_cfg_shape.cfg:2: hbm: expected a group { ... }\n");
	assert_has(r.cap.text, "bad_cfg_shape.cfg:3: core.tensor: expected a group { ... }\n");
	assert_has(r.cap.text, "bad_cfg_shape.cfg: hbm.capacity: required setting missing\n");
	assert_int_equal(r.lines, 3);
	run_free(&r);
}

static void test_unknown_keys(void **state)
{
	struct test_run r;
	(void)state;
	run_load(&r, test_path("bad_cfg_unknown.cfg"), NULL, 0);
	assert_int_equal(r.rc, -1);
	assert_has(r.cap.text,
	           "bad_cfg_unknown.cfg:2: nmae: unknown setting (did you mean name?)\n");
	assert_has(r.cap.text, "bad_cfg_unknown.cfg:5: hbm.bandwith: unknown setting (did you mean "
	                       "hbm.bandwidth?)\n");
	assert_has(r.cap.text,
	           "bad_cfg_unknown.cfg:7: hbmm: unknown setting (did you mean hbm?)\n");
	assert_has(r.cap.text,
	           "bad_cfg_unknown.cfg:8: core.tensor.rat: unknown setting (did you mean "
	           "core.tensor.rate?)\n");
	assert_has(r.cap.text, "bad_cfg_unknown.cfg:9: channels: unknown setting (did you mean "
	                       "hbm.channels?)\n");
	assert_int_equal(r.lines, 5);
	/* The known settings around them still load. */
	assert_true(r.root.hbm.capacity == 1ull << 30);
	run_free(&r);
}

static void test_wrong_types(void **state)
{
	struct test_run r;
	(void)state;
	run_load(&r, test_path("bad_cfg_types.cfg"), NULL, 0);
	assert_int_equal(r.rc, -1);
	assert_has(r.cap.text, "bad_cfg_types.cfg:1: name: expected a string, got 5\n");
	assert_has(r.cap.text,
	           "bad_cfg_types.cfg:3: hbm.capacity: unknown unit \"Mb\" in \"40 Mb\" "
	           "(did you mean MB?)\n");
	assert_has(r.cap.text,
	           "bad_cfg_types.cfg:4: hbm.bandwidth: expected a rate like \"2039 GB/s\", "
	           "got true\n");
	assert_has(r.cap.text,
	           "bad_cfg_types.cfg:5: hbm.channels: expected an integer, got \"8\"\n");
	assert_has(r.cap.text, "bad_cfg_types.cfg:6: hbm.ecc: expected true or false, got 1\n");
	assert_has(r.cap.text,
	           "bad_cfg_types.cfg:7: hbm.latency: \"30 GB\": GB is a size unit, this "
	           "setting is a time");
	assert_has(r.cap.text, "bad_cfg_types.cfg:10: core.count: expected an integer, got 4.0\n");
	assert_has(r.cap.text,
	           "bad_cfg_types.cfg:11: core.efficiency: expected a number, got \"high\"\n");
	assert_has(r.cap.text, "bad_cfg_types.cfg:12: core.tensor.mode: expected one of \"dense\", "
	                       "\"2:4\", \"1:4\", got \"4:8\"\n");
	assert_has(r.cap.text, "bad_cfg_types.cfg:12: core.tensor.big: expected an integer, got an "
	                       "array\n");
	assert_int_equal(r.lines, 10);
	run_free(&r);
}

static void test_out_of_range(void **state)
{
	struct test_run r;
	(void)state;
	run_load(&r, test_path("bad_cfg_range.cfg"), NULL, 0);
	assert_int_equal(r.rc, -1);
	assert_has(r.cap.text,
	           "bad_cfg_range.cfg:2: hbm.capacity: 2 TiB is outside [1 MiB, 1 TiB]\n");
	assert_has(r.cap.text, "bad_cfg_range.cfg:2: hbm.bandwidth: 200 TB/s is outside [1 GB/s, "
	                       "100 TB/s]\n");
	assert_has(r.cap.text, "bad_cfg_range.cfg:2: hbm.channels: 0 is outside [1, 1024]\n");
	assert_has(r.cap.text, "bad_cfg_range.cfg:2: hbm.latency: -5 ns is outside [0 ps, 1 ms]\n");
	assert_has(r.cap.text, "bad_cfg_range.cfg:3: core.count: 5000 is outside [1, 4096]\n");
	assert_has(r.cap.text, "bad_cfg_range.cfg:3: core.efficiency: 1.5 is outside [0, 1]\n");
	assert_has(r.cap.text, "bad_cfg_range.cfg:3: core.clock: inf is not a finite number\n");
	assert_int_equal(r.lines, 7);
	run_free(&r);
}

static void test_three_errors(void **state)
{
	struct test_run r;
	(void)state;
	run_load(&r, test_path("bad_cfg_three.cfg"), NULL, 0);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.lines, 3);
	assert_has(r.cap.text, "bad_cfg_three.cfg:3: hbm.chanels: unknown setting (did you mean "
	                       "hbm.channels?)");
	assert_has(r.cap.text, "bad_cfg_three.cfg:5: core.count: expected an integer");
	assert_has(r.cap.text,
	           "bad_cfg_three.cfg:6: core.clock: 20 GHz is outside [1 MHz, 10 GHz]");
	run_free(&r);
}

static void test_syntax_errors(void **state)
{
	struct test_run r;
	(void)state;
	run_load(&r, test_path("bad_cfg_syntax.cfg"), NULL, 0);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.lines, 1);
	assert_has(
	    r.cap.text,
	    "bad_cfg_syntax.cfg:3: syntax error (the line reads: capacity = = \"16 GiB\";)\n");
	run_free(&r);

	run_load(&r, test_path("bad_cfg_duplicate.cfg"), NULL, 0);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.lines, 1);
	assert_has(
	    r.cap.text,
	    "bad_cfg_duplicate.cfg:3: duplicate setting name (a key may appear once per group in "
	    "one file; "
	    "the line reads: hbm = { capacity = \"1 GiB\"; capacity = \"2 GiB\"; };)\n");
	run_free(&r);

	run_load(&r, test_path("no_such_file.cfg"), NULL, 0);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.lines, 1);
	assert_has(r.cap.text, "no_such_file.cfg: cannot open: No such file or directory\n");
	run_free(&r);

	run_load(&r, test_src, NULL, 0);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.lines, 1);
	assert_has(r.cap.text, ": cannot open: Is a directory\n");
	run_free(&r);

	/* Only regular files are read: a device or a FIFO is refused, not read until it ends. */
	run_load(&r, "/dev/null", NULL, 0);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.lines, 1);
	assert_has(r.cap.text, "/dev/null: cannot open: not a regular file (a character device)\n");
	run_free(&r);

	/* An empty file is valid syntax: only the required settings are missing. */
	char empty[] = "/tmp/nmsim-test-cfg-XXXXXX";
	int fd = mkstemp(empty);
	assert_true(fd >= 0);
	close(fd);
	run_load(&r, empty, NULL, 0);
	unlink(empty);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.lines, 3);
	assert_has(r.cap.text, ": core.count: required setting missing\n");
	run_free(&r);
}

/* A time, rate, frequency, energy or power needs its unit: a plain number would be in the
 * stored unit (launch = 4 is 4 ps). 0 is the same in every unit. */
static void test_plain_numbers(void **state)
{
	struct test_run r;
	const char *bad[] = { "hbm.latency=4", "hbm.bandwidth=2039", "core.clock=1410",
		              "hbm.static_power=5", "core.tensor.mac_energy=0.5" };
	const char *zero[] = { "hbm.latency=0", "hbm.static_power=0.0" };
	(void)state;
	for (size_t i = 0; i < TEST_N(bad); i++) {
		run_load(&r, test_path("cfg_good.cfg"), &bad[i], 1);
		assert_int_equal(r.rc, -1);
		assert_int_equal(r.lines, 1);
		assert_has(r.cap.text, "needs a unit: expected a");
		run_free(&r);
	}
	run_load(&r, test_path("cfg_good.cfg"), zero, TEST_N(zero));
	if (r.rc != 0)
		fail_msg("%s", r.cap.text);
	assert_true(r.root.hbm.latency == 0);
	run_free(&r);
	/* Bit rates are read but never written: 125 B/s is not "1 kb/s". */
	char buf[64];
	assert_string_equal(cfg_units_format(buf, sizeof(buf), CFG_RATE, 125.0), "125 B/s");
	assert_string_equal(cfg_units_format(buf, sizeof(buf), CFG_RATE, 400e9), "400 GB/s");
}

static void test_include(void **state)
{
	struct test_run r;
	char cwd[2048], inc[sizeof(test_src) + 200];
	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));

	/* From an unrelated directory, by absolute path. */
	assert_int_equal(chdir("/"), 0);
	run_load(&r, test_path("cfg_include.cfg"), NULL, 0);
	if (r.rc != 0)
		fail_msg("%s", r.cap.text);
	assert_string_equal(r.root.top.name, "included");
	assert_true(r.root.hbm.capacity == 16ull << 30);
	assert_int_equal(r.root.core.count, 4);
	run_free(&r);

	/* By a relative path from the source tree. */
	assert_int_equal(chdir(test_src), 0);
	run_load(&r, "configs/test/cfg_include.cfg", NULL, 0);
	if (r.rc != 0)
		fail_msg("%s", r.cap.text);
	assert_true(r.root.hbm.capacity == 16ull << 30);
	run_free(&r);

	/* An error in the included file names that file. */
	assert_int_equal(chdir("/"), 0);
	run_load(&r, test_path("bad_cfg_include.cfg"), NULL, 0);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.lines, 1);
	snprintf(inc, sizeof(inc),
	         "%s:3: hbm.bandwith: unknown setting (did you mean hbm.bandwidth?)",
	         test_path("bad_cfg_include_part.cfg"));
	assert_has(r.cap.text, inc);
	run_free(&r);

	run_load(&r, test_path("bad_cfg_include_syntax.cfg"), NULL, 0);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.lines, 1);
	snprintf(inc, sizeof(inc), "%s:3: syntax error", test_path("bad_cfg_syntax.cfg"));
	assert_has(r.cap.text, inc);
	run_free(&r);

	run_load(&r, test_path("bad_cfg_include_missing.cfg"), NULL, 0);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.lines, 1);
	snprintf(inc, sizeof(inc), "%s:2: cannot open include file",
	         test_path("bad_cfg_include_missing.cfg"));
	assert_has(r.cap.text, inc);
	run_free(&r);

	assert_int_equal(chdir(cwd), 0);
}

/* A file builds on another: later settings override earlier ones, one key at a time. */
static void test_include_override(void **state)
{
	struct test_run r;
	char abs[sizeof(test_src) + 200], path[] = "/tmp/nmsim-test-cfg-XXXXXX";
	(void)state;
	run_load(&r, test_path("cfg_override.cfg"), NULL, 0);
	if (r.rc != 0)
		fail_msg("%s", r.cap.text);
	assert_string_equal(r.root.top.name, "derived");
	assert_true(r.root.hbm.bandwidth == 3e12);        /* overridden */
	assert_true(r.root.hbm.capacity == 80000000000ull); /* kept from the included file */
	assert_true(r.root.hbm.latency == 120e3);
	assert_int_equal(r.root.tensor.rate, 1024);
	assert_int_equal(r.root.core.count, 108);
	run_free(&r);

	/* Two levels, an @include inside a group, and an overridden bad value (latency = 7 would
	 * need a unit) that is never checked. */
	run_load(&r, test_path("cfg_override_nested.cfg"), NULL, 0);
	if (r.rc != 0)
		fail_msg("%s", r.cap.text);
	assert_true(r.root.hbm.latency == 90e3);
	assert_int_equal(r.root.hbm.channels, 16);
	assert_true(r.root.hbm.bandwidth == 3e12);
	run_free(&r);

	/* An absolute @include, from a file elsewhere; its errors name the file and line. */
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	snprintf(abs, sizeof(abs), "@include \"%s\"\nhbm = { latency = 4; };\n",
	         test_path("cfg_override.cfg"));
	assert_true(write(fd, abs, strlen(abs)) == (ssize_t)strlen(abs));
	close(fd);
	run_load(&r, path, NULL, 0);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.lines, 1);
	snprintf(abs, sizeof(abs), "%s:2: hbm.latency: 4 needs a unit", path);
	assert_has(r.cap.text, abs);
	run_free(&r);
	unlink(path);
}

static void test_set_override(void **state)
{
	struct test_run r;
	const char *sets[] = {
		"hbm.bandwidth=3TB/s",
		"core.count=64",
		"core.tensor.mode=1:4",
		"name=A100",
		"hbm.ecc=true",
		"core.clock=\"1.41 GHz\"",
		"hbm.capacity=5000000000",
		"core.tensor.big=-9223372036854775808",
		" core.efficiency = 0.5 ",
		"hbm.latency=3 us",
		"year=2024",
		"core.buffer=1 MiB",
		"hbm.static_power=300 mW",
		"core.tensor.mac_energy=1e-1 pJ",
	};
	(void)state;
	run_load(&r, test_path("cfg_good.cfg"), sets, TEST_N(sets));
	if (r.rc != 0)
		fail_msg("%s", r.cap.text);
	assert_true(r.root.hbm.bandwidth == 3e12);
	assert_int_equal(r.root.core.count, 64);
	assert_int_equal(r.root.tensor.mode, 2);
	assert_string_equal(r.root.top.name, "A100");
	assert_true(r.root.hbm.ecc);
	assert_true(r.root.core.clock == 1.41e9);
	assert_true(r.root.hbm.capacity == 5000000000ull);
	assert_true(r.root.tensor.big == INT64_MIN);
	assert_true(r.root.core.efficiency == 0.5);
	assert_true(r.root.hbm.latency == 3e6);
	assert_int_equal(r.root.top.year, 2024);
	assert_true(r.root.core.buffer == 1ull << 20);
	assert_true(r.root.hbm.static_power == 0.3);
	assert_true(r.root.tensor.mac_energy == 0.1);
	/* Untouched keys keep the file's values. */
	assert_int_equal(r.root.tensor.rate, 512);
	run_free(&r);

	/* A --set replaces a bad file value (which is then not checked), and the last one wins. */
	const char *fix[] = { "core.count=9", "core.clock=2 GHz", "hbm.chanels=8", "core.count=3" };
	run_load(&r, test_path("bad_cfg_three.cfg"), fix, 2);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.lines, 1); /* the unknown key is still there */
	assert_has(r.cap.text, "hbm.chanels: unknown setting");
	assert_int_equal(r.root.core.count, 9);
	assert_true(r.root.core.clock == 2e9);
	run_free(&r);
	run_load(&r, test_path("bad_cfg_three.cfg"), fix, TEST_N(fix));
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.lines, 2);
	assert_int_equal(r.root.core.count, 3);
	run_free(&r);
}

static void test_set_errors(void **state)
{
	struct test_run r;
	const char *sets[] = {
		"hbm.bandwith=3TB/s",   "core.count",
		"core.count=lots",      "hbm=5",
		"hbm.channels=5000",    "core.count=99999999999999999999",
		"core.tensor.mode=4:8", "hbm.ecc=yes",
		"name=x; year = 5",     "bogus.key=1",
	};
	(void)state;
	run_load(&r, test_path("cfg_good.cfg"), sets, TEST_N(sets));
	assert_int_equal(r.rc, -1);
	assert_has(r.cap.text,
	           "--set hbm.bandwith=3TB/s: unknown setting (did you mean hbm.bandwidth?)\n");
	assert_has(r.cap.text, "--set core.count: expected PATH=VALUE");
	assert_has(r.cap.text, "--set core.count=lots: expected an integer, got \"lots\"\n");
	assert_has(r.cap.text, "--set hbm=5: is a group, not a setting");
	assert_has(r.cap.text, "--set hbm.channels=5000: 5000 is outside [1, 1024]\n");
	assert_has(r.cap.text,
	           "--set core.count=99999999999999999999: 99999999999999999999 does not "
	           "fit in 64 bits\n");
	assert_has(r.cap.text, "--set core.tensor.mode=4:8: expected one of");
	assert_has(r.cap.text, "--set hbm.ecc=yes: expected true or false, got \"yes\"\n");
	assert_has(r.cap.text, "--set bogus.key=1: unknown setting\n");
	/* Not a scalar: taken as the string it is. */
	assert_string_equal(r.root.top.name, "x; year = 5");
	assert_int_equal(r.lines, 9);
	run_free(&r);
}

static void test_wrap_guard(void **state)
{
	struct test_run r;
	(void)state;
	run_load(&r, test_path("bad_cfg_wrap.cfg"), NULL, 0);
	assert_int_equal(r.rc, -1);
	assert_has(r.cap.text,
	           "bad_cfg_wrap.cfg:3: hbm.capacity: 3000000000 does not fit in 32 bits, "
	           "and libconfig would read it as -1294967296: write 3000000000L or a "
	           "string with a unit\n");
	/* Would wrap to 8, which is in range: the dangerous case. */
	assert_has(r.cap.text,
	           "bad_cfg_wrap.cfg:3: hbm.channels: 4294967304 does not fit in 32 bits, "
	           "and libconfig would read it as 8: write 4294967304L\n");
	assert_has(r.cap.text, "bad_cfg_wrap.cfg:4: core.tensor.big: 0xFFFFFFFF does not fit in 32 "
	                       "bits, and libconfig would read it as -1: write 0xFFFFFFFFL\n");
	assert_int_equal(r.lines, 3);
	assert_int_equal(r.root.tensor.rate, 16);
	assert_string_equal(r.root.top.name, "wrap 9999999999");
	run_free(&r);

	run_load(&r, test_path("bad_cfg_wrap64.cfg"), NULL, 0);
	assert_int_equal(r.rc, -1);
	assert_has(r.cap.text,
	           "bad_cfg_wrap64.cfg:4: core.tensor.big: 99999999999999999999 does not "
	           "fit in 64 bits\n");
	assert_int_equal(r.lines, 1);
	assert_true(r.root.hbm.capacity == 3000000000ull);
	run_free(&r);

	/* Through --set a wide integer needs no L. */
	const char *sets[] = { "core.tensor.big=3000000000", "hbm.capacity=3000000000" };
	run_load(&r, test_path("cfg_good.cfg"), sets, TEST_N(sets));
	if (r.rc != 0)
		fail_msg("%s", r.cap.text);
	assert_true(r.root.tensor.big == 3000000000ll);
	assert_true(r.root.hbm.capacity == 3000000000ull);
	run_free(&r);
	/* ... but a quoted libconfig literal through --set follows the same rule as the file. */
	const char *hex[] = { "core.tensor.big=0x100000000" };
	run_load(&r, test_path("cfg_good.cfg"), hex, 1);
	assert_int_equal(r.rc, -1);
	assert_has(r.cap.text,
	           "--set core.tensor.big=0x100000000: 0x100000000 does not fit in 32 bits");
	run_free(&r);
}

static void test_check_callback(void **state)
{
	struct test_run r;
	(void)state;
	run_load(&r, test_path("bad_cfg_check.cfg"), NULL, 0);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.lines, 1);
	assert_has(r.cap.text, "bad_cfg_check.cfg:4: hbm.channels: 5 channels do not divide the "
	                       "capacity 3145728 B\n");
	run_free(&r);

	const char *set[] = { "hbm.channels=7" };
	run_load(&r, test_path("cfg_good.cfg"), set, 1);
	assert_int_equal(r.rc, -1);
	assert_has(r.cap.text, "--set hbm.channels=7: 7 channels do not divide");
	run_free(&r);

	const char *dflt[] = { "name=x", "core.count=1", "hbm.capacity=1000000001" };
	run_load(&r, NULL, dflt, TEST_N(dflt));
	assert_int_equal(r.rc, -1);
	assert_has(r.cap.text, "defaults: hbm.channels: 8 channels do not divide the capacity "
	                       "1000000001 B (from the default 8)\n");
	run_free(&r);

	/* A block with a bad field is not checked (its check would see a half-loaded struct). */
	const char *badfield[] = { "hbm.channels=5", "hbm.capacity=3 MiB", "hbm.latency=x" };
	run_load(&r, test_path("cfg_good.cfg"), badfield, TEST_N(badfield));
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.lines, 1);
	assert_has(r.cap.text, "--set hbm.latency=x:");
	run_free(&r);
}

static void test_strings_and_enums(void **state)
{
	struct test_run r;
	char longname[300];
	const char *sets[2];
	char set0[400];
	(void)state;
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	snprintf(set0, sizeof(set0), "name=%s", longname);
	sets[0] = set0;
	sets[1] = "core.tensor.mode=\"2:4\"";
	run_load(&r, test_path("cfg_good.cfg"), sets, 2);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.lines, 1);
	assert_has(r.cap.text, "string of 299 bytes is too long (at most 127)");
	assert_int_equal(r.root.tensor.mode, 1);
	run_free(&r);

	/* 127 bytes fit. */
	longname[CFG_STRING_MAX - 1] = '\0';
	snprintf(set0, sizeof(set0), "name=%s", longname);
	run_load(&r, test_path("cfg_good.cfg"), sets, 1);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.root.top.name, longname);
	run_free(&r);

	/* Strings and enum values given as numbers through --set are text. */
	const char *num[] = { "name=123", "core.tensor.mode=dense" };
	run_load(&r, test_path("cfg_good.cfg"), num, 2);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.root.top.name, "123");
	assert_int_equal(r.root.tensor.mode, 0);
	run_free(&r);
}

static void test_describe(void **state)
{
	char *text = NULL, path[256];
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	(void)state;
	assert_non_null(out);
	cfg_describe(out, test_blocks, TEST_N(test_blocks));
	fclose(out);
	for (size_t b = 0; b < TEST_N(test_blocks); b++) {
		assert_has(text, test_blocks[b].desc);
		for (size_t f = 0; f < test_blocks[b].nfields; f++) {
			const struct cfg_field *fld = &test_blocks[b].fields[f];
			if (test_blocks[b].path[0])
				snprintf(path, sizeof(path), "\n%s.%s ", test_blocks[b].path,
				         fld->key);
			else
				snprintf(path, sizeof(path), "\n%s ", fld->key);
			assert_has(text, path);
			assert_has(text, fld->desc);
			if (fld->def)
				assert_has(text, fld->def);
		}
	}
	assert_has(text, "required");
	assert_has(text, "[1 GB/s, 100 TB/s]");
	assert_has(text, "dense|2:4|1:4");
	assert_has(text, "MAC/cycle");
	assert_has(text, "KiB, MiB, GiB, TiB");
	/* Deterministic: the same twice. */
	char *again = NULL;
	size_t len2 = 0;
	out = open_memstream(&again, &len2);
	cfg_describe(out, test_blocks, TEST_N(test_blocks));
	fclose(out);
	assert_string_equal(text, again);
	free(text);
	free(again);
}

static void test_check_tables(void **state)
{
	struct test_capture cap;
	static const char *const no_names[] = { NULL };
	static const struct cfg_field bad_fields[] = {
		{ "a", CFG_INT, 0, "", 5, 1, "3", "min above max", NULL },
		{ "b", CFG_RATE, 0, "B/s", 0, 10, "\"3 TB/s\"", "default out of range", NULL },
		{ "c", CFG_BYTES, 0, "B", 0, 1e9, "\"3 parsecs\"", "default unparsable", NULL },
		{ "a", CFG_BOOL, 0, "", 0, 0, "true", "duplicate key", NULL },
		{ "d", CFG_ENUM, 0, "", 0, 0, "\"x\"", "enum without names", no_names },
		{ "e", CFG_INT, 0, "", 0, 1e10, "3000000000", "default wraps", NULL },
		{ "f g", CFG_INT, 0, "", 0, 1, "0", "bad key", NULL },
	};
	static const struct cfg_block bad_blocks[] = {
		{ "x", bad_fields, TEST_N(bad_fields), 0, "bad", NULL },
		{ "x", NULL, 0, 0, "twice", NULL },
		{ "y..z", NULL, 0, 0, "bad path", NULL },
	};
	const char *text;
	(void)state;
	assert_int_equal(cfg_check_tables(test_blocks, TEST_N(test_blocks)), 0);
	capture_begin(&cap);
	assert_int_equal(cfg_check_tables(bad_blocks, TEST_N(bad_blocks)), -1);
	text = capture_end(&cap);
	assert_has(text, "x.a: bad range");
	assert_has(text, "x.b: default \"3 TB/s\": 3 TB/s is outside");
	assert_has(text, "x.c: default");
	assert_has(text, "x.a listed twice");
	assert_has(text, "x.d: an enum without names");
	assert_has(text, "x.e: default 3000000000: 3000000000 does not fit in 32 bits");
	assert_has(text, "bad key \"f g\"");
	assert_has(text, "block \"x\" listed twice");
	assert_has(text, "bad path \"y..z\"");
	free(cap.text);
}

int main(void)
{
	const char *env = getenv("NMSIM_SOURCE_DIR");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units_each),       cmocka_unit_test(test_units_bytes),
		cmocka_unit_test(test_units_errors),     cmocka_unit_test(test_units_format),
		cmocka_unit_test(test_good_file),        cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_required_missing), cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_wrong_types),      cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_three_errors),     cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_include), cmocka_unit_test(test_plain_numbers), cmocka_unit_test(test_include_override),          cmocka_unit_test(test_set_override),
		cmocka_unit_test(test_set_errors),       cmocka_unit_test(test_wrap_guard),
		cmocka_unit_test(test_check_callback),   cmocka_unit_test(test_strings_and_enums),
		cmocka_unit_test(test_describe),         cmocka_unit_test(test_check_tables),
	};

	char src[2048];

	if (env && env[0]) {
		snprintf(src, sizeof(src), "%.2000s", env);
	} else {
		/* This file is <src>/tests/unit/test_cfg.c. */
		const char *me = __FILE__, *cut = strstr(me, "/tests/unit/");
		snprintf(src, sizeof(src), "%.*s", cut ? (int)(cut - me) : 1, cut ? me : ".");
	}
	/* The include tests change directory: make it absolute. */
	if (src[0] == '/') {
		snprintf(test_src, sizeof(test_src), "%s", src);
	} else {
		char cwd[2048];
		if (!getcwd(cwd, sizeof(cwd))) {
			fprintf(stderr, "test_cfg: getcwd: %s\n", strerror(errno));
			return 1;
		}
		snprintf(test_src, sizeof(test_src), "%.2000s/%.2000s", cwd, src);
	}
	log_set_program("test_cfg");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
