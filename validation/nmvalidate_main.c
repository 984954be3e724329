/* nmvalidate — compares the simulator with published and measured kernel timings.
 *
 *   nmvalidate [--root DIR] [--bindir DIR] [--machine NAME] [--results FILE] [-j N] [-v]
 *
 * Reads the rows of DIR/validation/data/ CSV files with their setup, split and groups (vrow.h),
 * simulates them with the simrun and tracegen programs of --bindir (default: the directory of
 * this program), several processes at a time (-j, default: the processors online), and prints
 * expected, simulated and % error per row, then the mean absolute percentage error (MAPE) per
 * group with its verdict. Exit status: 0 when every toleranced group is within its tolerance;
 * 1 when one is not, or a simulation failed; 2 for bad usage (an unknown --machine, a --bindir
 * without simrun and tracegen, a --results that cannot be written), malformed validation
 * data, or a write that failed (standard output, --results: then no results file is left).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/outfile.h"
#include "validation/vroof.h"
#include "validation/vrow.h"
#include "validation/vrun.h"
#include "validation/vtable.h"

static void usage(FILE *out)
{
	fputs("usage: nmvalidate [--root DIR] [--bindir DIR] [--machine NAME] [--results FILE] "
	      "[-j N] [-v]\n",
	      out);
}

/* The directory this program runs from (where simrun and tracegen are built or installed). */
static char *own_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	if (n <= 0)
		return vx_strdup(".");
	buf[n] = 0;
	char *slash = strrchr(buf, '/');
	if (slash)
		*slash = 0;
	return vx_strdup(buf);
}

int main(int argc, char **argv)
{
	const char *root = ".", *results_path = NULL;
	const char *bindir_arg = NULL;
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	struct vrun_opts o = { NULL, NULL, online > 0 ? (int)online : 1, true };
	bool verbose = false;
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "bindir", required_argument, NULL, 'b' },
		{ "machine", required_argument, NULL, 'm' },
		{ "results", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "j:v", opts, NULL)) != -1) {
		switch (c) {
		case 'r': root = optarg; break;
		case 'b': bindir_arg = optarg; break;
		case 'm': o.only = optarg; break;
		case 'o': results_path = optarg; break;
		case 'v': verbose = true; break;
		case 'j': {
			char *end;
			long j = strtol(optarg, &end, 10);
			if (*end || j < 1 || j > 1024) {
				fprintf(stderr, "nmvalidate: -j %s: expected 1 to 1024\n", optarg);
				return 2;
			}
			o.jobs = (int)j;
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	char *bindir = bindir_arg ? vx_strdup(bindir_arg) : own_dir();
	char abs[PATH_MAX];
	bool resolved = realpath(bindir, abs) != NULL;
	if (!resolved)
		fprintf(stderr, "nmvalidate: %s: %s\n", bindir, strerror(errno));
	free(bindir); /* abs holds it from here */
	if (!resolved)
		return 2;
	o.bindir = abs;
	/* The programs it runs, there before anything runs. */
	for (int i = 0; i < 2; i++) {
		char prog[PATH_MAX + 16];
		snprintf(prog, sizeof prog, "%s/%s", abs, i ? "tracegen" : "simrun");
		if (access(prog, X_OK)) {
			fprintf(stderr, "nmvalidate: --bindir %s: no %s there (%s)\n", abs,
			        i ? "tracegen" : "simrun", strerror(errno));
			return 2;
		}
	}
	/* The results file, named from where nmvalidate was started, opened before the
	 * simulations (as a temporary file put in place at the end: a failed run leaves what
	 * was there). */
	struct outfile res_out = { 0 };
	FILE *res = NULL;
	if (results_path) {
		char cwd[PATH_MAX], err[PATH_MAX + 128];
		if (!strcmp(results_path, "-")) {
			fprintf(stderr, "nmvalidate: --results -: a file is needed (the table goes "
			                "to standard output)\n");
			return 2;
		}
		if (results_path[0] != '/' && !getcwd(cwd, sizeof cwd)) {
			fprintf(stderr, "nmvalidate: --results %s: cannot tell the current folder: %s\n",
			        results_path, strerror(errno));
			return 2;
		}
		char *path = results_path[0] == '/' ? vx_strdup(results_path)
		                                    : vx_printf("%s/%s", cwd, results_path);
		int bad = outfile_open(&res_out, path, err, sizeof err);
		free(path);
		if (bad || !(res = fdopen(res_out.fd, "w"))) {
			if (bad)
				fprintf(stderr, "nmvalidate: --results %s\n", err);
			else
				fprintf(stderr, "nmvalidate: --results %s: %s\n", results_path,
				        strerror(errno));
			if (!bad) {
				close(res_out.fd);
				outfile_abort(&res_out);
			}
			return 2;
		}
	}
	int rc = 0;
	bool wrote = false; /* the table, and the results file with it */
	struct vdata d;
	/* Config paths in machines.csv and model names are relative to the source tree. */
	if (chdir(root)) {
		fprintf(stderr, "nmvalidate: --root %s: %s\n", root, strerror(errno));
		rc = 2;
	} else if (vdata_load(&d, ".")) {
		vdata_free(&d);
		rc = 2;
	} else {
		bool known = !o.only;
		for (size_t m = 0; m < d.nmachines && !known; m++)
			known = !strcmp(d.machines[m].name, o.only);
		if (!known) {
			fprintf(stderr, "nmvalidate: --machine %s: no such machine (", o.only);
			for (size_t m = 0; m < d.nmachines; m++)
				fprintf(stderr, "%s%s", m ? ", " : "", d.machines[m].name);
			fprintf(stderr, ")\n");
			rc = 2;
		} else {
			rc = vrun_all(&d, &o) ? 1 : 0;
			if (!rc) {
				vroof_fit(&d);
				rc = vtable_print(&d, o.only, verbose, stdout, res) ? 1 : 0;
				wrote = true;
				if (fflush(stdout) || ferror(stdout)) {
					fprintf(stderr, "nmvalidate: standard output: write failed: %s\n",
					        strerror(errno));
					rc = 2;
				}
			}
		}
		vdata_free(&d);
	}
	if (res) {
		char err[PATH_MAX + 128];
		/* A table whose verdict failed (rc 1) still leaves its rows. */
		bool whole = wrote && rc != 2;
		if (fclose(res) && whole) {
			fprintf(stderr, "nmvalidate: --results %s: write failed\n", results_path);
			whole = false;
			rc = 2;
		}
		if (!whole)
			outfile_abort(&res_out);
		else if (outfile_commit(&res_out, err, sizeof err)) {
			fprintf(stderr, "nmvalidate: --results %s\n", err);
			rc = 2;
		}
	}
	return rc;
}
