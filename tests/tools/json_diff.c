/* json_diff — compares a JSON report with its golden file, for the golden tests.
 *
 *   json_diff GOLDEN ACTUAL
 *   json_diff --max-rel REFERENCE OTHER
 *
 * Objects must have the same keys in the same order, arrays the same length, strings, booleans
 * and integers the same values; doubles agree to a relative 1e-9 (the golden's stated
 * precision: far below any modelled effect, far above the rounding that a reordered sum of the
 * same terms gives). Prints every difference as "path: golden X, actual Y"; exit 0 when they
 * agree, 1 when they differ, 2 when a file cannot be read.
 * With --max-rel it prints only the largest relative difference of any number (in %) and
 * where, as "PCT PATH", and exits 0: the caller judges it. */
#include <json-c/json.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define REL_TOL 1e-9

static int differences;
static bool max_mode;
static double max_rel;
static char max_path[1024] = "-";

/* --max-rel: keeps the largest relative difference of two numbers. */
static void track(const char *path, double x, double y)
{
	double scale = fabs(x) > fabs(y) ? fabs(x) : fabs(y);
	double d = scale > 0 ? fabs(x - y) / scale : 0;
	if (d > max_rel) {
		max_rel = d;
		snprintf(max_path, sizeof max_path, "%s", path);
	}
}

static void report(const char *path, json_object *g, json_object *a)
{
	printf("%s: golden %s, actual %s\n", path[0] ? path : "(root)",
	       g ? json_object_to_json_string(g) : "(missing)",
	       a ? json_object_to_json_string(a) : "(missing)");
	differences++;
}

static void compare(const char *path, json_object *g, json_object *a)
{
	enum json_type tg = json_object_get_type(g), ta = json_object_get_type(a);
	bool gnum = tg == json_type_double || tg == json_type_int;
	bool anum = ta == json_type_double || ta == json_type_int;
	if (max_mode && gnum && anum) {
		track(path, json_object_get_double(g), json_object_get_double(a));
		return;
	}
	if (gnum && anum && (tg == json_type_double || ta == json_type_double)) {
		double x = json_object_get_double(g), y = json_object_get_double(a);
		double scale = fabs(x) > fabs(y) ? fabs(x) : fabs(y);
		if (fabs(x - y) > REL_TOL * scale)
			report(path, g, a);
		return;
	}
	if (tg != ta) {
		report(path, g, a);
		return;
	}
	char sub[1024];
	switch (tg) {
	case json_type_object: {
		struct json_object_iterator gi = json_object_iter_begin(g),
		                            ge = json_object_iter_end(g);
		struct json_object_iterator ai = json_object_iter_begin(a),
		                            ae = json_object_iter_end(a);
		while (!json_object_iter_equal(&gi, &ge) || !json_object_iter_equal(&ai, &ae)) {
			const char *gk = json_object_iter_equal(&gi, &ge)
			                     ? NULL
			                     : json_object_iter_peek_name(&gi);
			const char *ak = json_object_iter_equal(&ai, &ae)
			                     ? NULL
			                     : json_object_iter_peek_name(&ai);
			if (!gk || !ak || strcmp(gk, ak)) {
				snprintf(sub, sizeof sub, "%s.{key %s vs %s}", path,
				         gk ? gk : "(none)", ak ? ak : "(none)");
				report(sub, NULL, NULL);
				return;
			}
			snprintf(sub, sizeof sub, "%s%s%s", path, path[0] ? "." : "", gk);
			compare(sub, json_object_iter_peek_value(&gi),
			        json_object_iter_peek_value(&ai));
			json_object_iter_next(&gi);
			json_object_iter_next(&ai);
		}
		return;
	}
	case json_type_array: {
		size_t n = json_object_array_length(g);
		if (n != json_object_array_length(a)) {
			report(path, g, a);
			return;
		}
		for (size_t i = 0; i < n; i++) {
			snprintf(sub, sizeof sub, "%s[%zu]", path, i);
			compare(sub, json_object_array_get_idx(g, i),
			        json_object_array_get_idx(a, i));
		}
		return;
	}
	case json_type_int:
		if (json_object_get_int64(g) != json_object_get_int64(a))
			report(path, g, a);
		return;
	case json_type_string:
		if (strcmp(json_object_get_string(g), json_object_get_string(a)))
			report(path, g, a);
		return;
	case json_type_boolean:
		if (json_object_get_boolean(g) != json_object_get_boolean(a))
			report(path, g, a);
		return;
	case json_type_null:
	case json_type_double: return;
	}
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--max-rel")) {
		max_mode = true;
		argv++;
		argc--;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: json_diff [--max-rel] GOLDEN ACTUAL\n");
		return 2;
	}
	json_object *g = json_object_from_file(argv[1]), *a = json_object_from_file(argv[2]);
	if (!g || !a) {
		fprintf(stderr, "json_diff: cannot read %s\n", !g ? argv[1] : argv[2]);
		return 2;
	}
	compare("", g, a);
	json_object_put(g);
	json_object_put(a);
	if (max_mode) {
		printf("%.6f %s\n", 100 * max_rel, max_path);
		return 0;
	}
	if (differences)
		printf("%d difference(s) beyond a relative %g\n", differences, REL_TOL);
	return differences ? 1 : 0;
}
