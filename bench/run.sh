#!/usr/bin/env bash
# Speed of the simulator itself (a benchmark, not a test: it prints figures beside their floor).
# Usage: bench/run.sh [BUILD_DIR]
#
#   trace replay   a 1.07 M-op Llama-2-7B 2:4 decode trace (tracegen --prompt 128 --decode 3000):
#                  ops/s, and the ratio to the floor `zcat TRACE | wc -l` measured in the same run
#                  (each the best of three, taken in turn); peak memory
#   single ops     the GEMMs of the speed issue and a 2048-token Llama-3-70B prefill: wall time
#                  with steady-state skipping, the op alone (less the process's start, which
#                  loads SystemC), and with --exact for the GEMMs
#   accuracy       the largest difference between skipping and --exact over >= 200 shapes
#                  (tests/steady_shapes.sh)
#   validation     wall time of the whole validation run (nmvalidate), and the largest
#                  difference between skipping and --exact over its rows (BENCH_EXACT=0: not)
#   simsweep       sweeps/decode-1000.cfg (1,000 Llama-2-7B decode points) with -j 2 and, when
#                  simsweep has MPI, under mpirun -n 2: wall time and points/s (target: under
#                  5 minutes on 2 cores); SWEEP_BENCH=0 leaves it out
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
simrun=$build/simrun
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# wall SECONDS (to the millisecond) of a command, into $wall
wall_of() {
  a=$(date +%s.%N)
  "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
  b=$(date +%s.%N)
  wall=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.4f", b - a }')
}

# wall SECONDS and peak KB of a command, into $wall and $rss
timed() {
  /usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
  read -r wall rss <"$tmp/time"
}

echo "nmsim $(git describe --always --dirty 2>/dev/null || echo '?') on $(nproc) cores, $(date -u +%F)"
echo

trace=$tmp/decode3000.trace.gz
"$build/tracegen" --model llama-2-7b --prompt 128 --decode 3000 --sparsity nm:2:4 -o "$trace"
ops=$(zcat "$trace" | grep -c '^op ')
# The floor and the replay, each the best of three taken in turn (a shared machine's load comes
# and goes; the best of each is what the code costs), and the largest peak memory seen.
floor= best= peak=0
for _ in 1 2 3; do
  start=$(date +%s.%N); zcat "$trace" | wc -l >/dev/null; end=$(date +%s.%N)
  floor=$(awk -v a="$start" -v b="$end" -v f="${floor:-1e9}" 'BEGIN { d = b - a; printf "%.3f", (d < f ? d : f) }')
  timed "$simrun" -q --arch configs/a100_24.cfg "$trace"
  best=$(awk -v w="$wall" -v b="${best:-1e9}" 'BEGIN { print (w + 0 < b + 0 ? w : b) }')
  peak=$(awk -v r="$rss" -v p="$peak" 'BEGIN { print (r + 0 > p + 0 ? r : p) }')
done
awk -v o="$ops" -v w="$best" -v f="$floor" -v r="$peak" 'BEGIN {
  printf "trace replay   %d ops in %.2f s: %.2f M ops/s; floor (zcat | wc -l) %.3f s: %.1fx the floor; peak %.1f MiB (best of 3 each)\n",
         o, w, o / (w > 0 ? w : 0.01) / 1e6, f, w / (f > 0 ? f : 0.001), r / 1024 }'

gemm() { # gemm M N K: a trace of one fp16 GEMM
  printf 'simtrace 1\ntensor id=w role=weight shape=%sx%s dtype=fp16\nop gemm m=%s n=%s k=%s w=w\n' \
    "$2" "$3" "$1" "$2" "$3" >"$tmp/g.trace"
}
echo
# The process's own start (loading SystemC and its static pools, reading the machine): the
# same trace without its op, best of three; the op's time is the rest.
start_s() {
  grep -v '^op ' "$tmp/g.trace" >"$tmp/noop.trace"
  best=
  for _ in 1 2 3; do
    wall_of "$simrun" -q --arch configs/a100_24.cfg "$tmp/noop.trace"
    best=$(awk -v a="$wall" -v b="${best:-1e9}" 'BEGIN { print (a + 0 < b + 0 ? a : b) }')
  done
  echo "$best"
}
printf "%-34s %10s %10s %10s %8s\n" "single op (A100)" "skipping" "op alone" "--exact" "events"
for shape in "8192 8192 8192" "16384 9216 12288" "32768 12288 12288"; do
  set -- $shape
  gemm "$1" "$2" "$3"
  start=$(start_s)
  wall_of "$simrun" -v --arch configs/a100_24.cfg "$tmp/g.trace"
  fast=$wall
  events=$(grep -o '[0-9]* kernel callbacks' "$tmp/err" | cut -d' ' -f1)
  wall_of "$simrun" -q --exact --arch configs/a100_24.cfg "$tmp/g.trace"
  alone=$(awk -v a="$fast" -v s="$start" 'BEGIN { d = a - s; printf "%.3f", (d > 0 ? d : 0) }')
  printf "%-34s %8.3f s %8.3f s %8.3f s %8s\n" "gemm ${1}x${2}x${3}" "$fast" "$alone" "$wall" "$events"
done
start=$(start_s)
echo "(op alone: wall time less the process's start, $start s: the same trace without its op)"
"$build/tracegen" --model llama-3-70b --prompt 2048 --decode 0 -o "$tmp/p70.trace.gz" 2>/dev/null ||
  "$build/tracegen" --model llama-3-70b --prompt 2048 --decode 1 -o "$tmp/p70.trace.gz"
timed "$simrun" -q --no-cache --ignore-capacity --arch configs/a100_24.cfg "$tmp/p70.trace.gz"
p70=$wall
n70=$(zcat "$tmp/p70.trace.gz" | grep -c '^op ')
timed "$simrun" -q --ignore-capacity --arch configs/a100_24.cfg "$tmp/p70.trace.gz"
printf "%-34s %8.3f s (cache off), %.3f s (cache on), %d ops\n" "Llama-3-70B prefill 2048" "$p70" "$wall" "$n70"

echo
tests/steady_shapes.sh "$simrun" "$build/tests/json_diff" . "$tmp/steady" >/dev/null || true
cat "$tmp/steady"

echo
start=$(date +%s.%N)
"$build/nmvalidate" --root . --results "$tmp/val.csv" >/dev/null 2>&1 && verdict=pass || verdict=FAIL
end=$(date +%s.%N)
awk -v a="$start" -v b="$end" -v v="$verdict" 'BEGIN { printf "validation     %.1f s (%s)\n", b - a, v }'
# The same rows with every op played whole (--exact, through a simrun that adds it): the
# largest difference skipping makes on real inputs. BENCH_EXACT=0 leaves it out (80 s).
if [ "${BENCH_EXACT:-1}" != 0 ]; then
  mkdir "$tmp/exact"
  printf '#!/bin/sh\nexec "%s" --exact "$@"\n' "$(cd "$build" && pwd)/simrun" >"$tmp/exact/simrun"
  chmod +x "$tmp/exact/simrun"
  ln -s "$(cd "$build" && pwd)/tracegen" "$tmp/exact/tracegen"
  "$build/nmvalidate" --root . --bindir "$tmp/exact" --results "$tmp/valx.csv" >/dev/null 2>&1 ||
    echo "validation with --exact: FAIL (its rows still compared)"
  # Rows matched by id and metric, the simulated value found by the header's name; a row of
  # either file without its twin is counted and shown.
  awk -F, 'FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    { key = $col["id"] " " $col["metric"]; v = $col["simulated"] }
    NR == FNR { x[key] = v; next }
    !(key in x) { lone++; next }
    { seen[key] = 1 }
    v != "" && x[key] + 0 > 0 { d = v - x[key]; if (d < 0) d = -d; d = 100 * d / x[key]
      n++; if (d > worst) { worst = d; what = key } }
    END { for (k in x) if (!(k in seen)) lone++
      printf "validation rows, skipping vs --exact: largest difference %.4f %% over %d rows (%s)%s\n",
             worst, n, what, lone ? sprintf("; %d rows without a twin", lone) : "" }' \
    "$tmp/valx.csv" "$tmp/val.csv"
fi

if [ "${SWEEP_BENCH:-1}" != 0 ]; then
  echo
  sweep_run() { # LABEL COMMAND...: a fresh decode-1000 run, its wall time and points/s
    label=$1; shift
    rm -rf "$tmp/decode.csv" "$tmp/decode.csv.d"
    start=$(date +%s.%N)
    "$@" sweeps/decode-1000.cfg -o "$tmp/decode.csv" -q || { echo "$label: FAILED"; return; }
    end=$(date +%s.%N)
    rows=$(($(wc -l <"$tmp/decode.csv") - 1))
    awk -v l="$label" -v a="$start" -v b="$end" -v n="$rows" 'BEGIN {
      printf "%-34s %d points in %.1f s: %.2f points/s%s\n", l, n, b - a, n / (b - a),
             b - a < 300 ? "" : "  (over the 5-minute target)" }'
  }
  sweep_run "simsweep decode-1000 -j 2" "$build/simsweep" -j 2
  if command -v mpirun >/dev/null && ! "$build/simsweep" --version | grep -q 'not built with MPI'; then
    sweep_run "simsweep decode-1000 mpirun -n 2" mpirun --oversubscribe --allow-run-as-root -n 2 "$build/simsweep"
  fi
fi
