#!/usr/bin/env bash
# run.sh BUILD SECONDS [JOBS] [HARNESS...]: runs each libFuzzer harness of BUILD (a build with
# NMSIM_FUZZ=ON) for SECONDS, JOBS at a time (default 2), and fails on any finding.
#
# Each harness grows its own corpus in BUILD/fuzz/NAME/corpus (kept between runs) from read-only
# seeds in the repository, uses its dictionary, and writes what it finds to BUILD/fuzz/NAME/
# (crash-*, timeout-*, oom-*, leak-*). Its final statistics go to BUILD/fuzz/NAME/stats; a
# summary (executions, coverage: cov = code edges, ft = features) is printed at the end.
set -u
build=$(cd "$1" && pwd); secs=$2; jobs=${3:-2}; shift 3 2>/dev/null || shift $#
src=$(cd "$(dirname "$0")/../.." && pwd)
harnesses=${*:-trace arch kineto model e2e}

seeds() {
	case $1 in
	trace) echo "tests/fuzz/seeds/trace tests/golden tests/bad/trace tests/bad/run traces/examples" ;;
	arch) echo "configs configs/test tests/bad/arch" ;;
	kineto) echo "tests/fuzz/seeds/kineto" ;;
	model) echo "traces/models" ;;
	e2e) echo "tests/fuzz/seeds/trace tests/golden tests/bad/run traces/examples" ;;
	esac
}
dict() {
	case $1 in
	trace | e2e) echo trace.dict ;;
	*) echo "$1.dict" ;;
	esac
}
# Single seed files: the synthetic profile (every form the importer maps). The real profiles of
# tests/data/kineto are left out: a mutation of one decompresses and parses a megabyte before
# its CRC fails, a hundred times slower than the small seeds.
seed_files() { [ "$1" = kineto ] && echo "-seed_inputs=$src/tests/data/kineto/synthetic.json"; }
maxlen() { [ "$1" = kineto ] && echo 32768 || echo 16384; }
# libconfig 1.5 leaks on some syntax errors (lsan.supp): a leak check after every such input
# would run the symbolizer each time. The harnesses that read configuration files check for
# leaks at exit instead (what is left then, suppressions applied).
leaks() { case $1 in arch | model) echo 0 ;; *) echo 1 ;; esac; }

one() {
	local h=$1 out=$build/fuzz/$1 bin=$build/tests/fuzz/fuzz_$1
	mkdir -p "$out/corpus"
	rm -f "$out"/crash-* "$out"/timeout-* "$out"/oom-* "$out"/leak-* "$out"/slow-unit-*
	[ -x "$bin" ] || { echo "$h: no $bin (build with NMSIM_FUZZ=ON)" >"$out/stats"; return 1; }
	local dirs=()
	for d in $(seeds "$h"); do dirs+=("$src/$d"); done
	# -close_fd_mask=3: the programs' own messages (millions of them) stay out of the log;
	# libFuzzer keeps its reports. Each input gets 10 s and 2 GB. lsan.supp: a leak inside
	# libconfig 1.5 itself (see there).
	(cd "$out" && NMSIM_SOURCE_DIR=$src TMPDIR=$tmpdir \
		LSAN_OPTIONS=suppressions=$src/tests/fuzz/lsan.supp:print_suppressions=0 \
		"$bin" -max_total_time="$secs" -timeout=10 \
		-rss_limit_mb=2048 -max_len="$(maxlen "$h")" -dict="$src/tests/fuzz/$(dict "$h")" \
		-detect_leaks="$(leaks "$h")" -close_fd_mask=3 -print_final_stats=1 \
		-artifact_prefix="$out/" $(seed_files "$h") \
		corpus "${dirs[@]}" >"$out/log" 2>&1)
	local rc=$?
	grep -E '^(#[0-9]+[[:space:]]+DONE|stat::)' "$out/log" >"$out/stats"
	return $rc
}

export -f one seeds dict maxlen leaks seed_files
# Inputs and spools go to memory when it can (each execution writes files).
tmpdir=${TMPDIR:-/tmp}
[ -w /dev/shm ] && tmpdir=/dev/shm
export build secs src tmpdir
fail=0
printf '%s\n' $harnesses | xargs -P "$jobs" -I{} bash -c 'one {} || { echo "fuzz_{}: FAILED (see '"$build"'/fuzz/{}/log)"; exit 1; }' || fail=1
echo "harness    executions   exec/s     cov      ft  corpus  findings"
for h in $harnesses; do
	s=$build/fuzz/$h/stats
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$s" 2>/dev/null | tail -1)
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$s" 2>/dev/null | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$s" 2>/dev/null | tail -1 | tr -dc 0-9)
	ft=$(grep -o 'ft: [0-9]*' "$s" 2>/dev/null | tail -1 | tr -dc 0-9)
	n=$(ls "$build/fuzz/$h/corpus" 2>/dev/null | wc -l)
	found=$(ls "$build/fuzz/$h" 2>/dev/null | grep -cE '^(crash|timeout|oom|leak|slow-unit)-')
	printf '%-10s %10s %8s %7s %7s %7s %9s\n' "$h" "${runs:-?}" "${speed:-?}" "${cov:-?}" \
		"${ft:-?}" "$n" "$found"
	[ "$found" = 0 ] || fail=1
done
exit $fail
