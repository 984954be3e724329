#!/usr/bin/env bash
# Speed of the simulator itself (not a test: prints figures). Usage: bench/run.sh [BUILD_DIR]
# Reports, for a prefill-sized and a decode-sized GEMM simulated without the result cache,
# simulated GEMMs per second and tile events (kernel callbacks) per second, and the wall time
# and peak memory of the shipped example trace with the cache.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
simrun=$build/simrun
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

gen() { # gen FILE M N K COUNT: COUNT distinct GEMMs (distinct k so the cache cannot help)
  { echo "simtrace 1"; i=0; while [ $i -lt "$5" ]; do k=$(($4 + 8 * i));
    echo "tensor id=w$i role=weight shape=$3x$k dtype=fp16 sp=nm:2:4";
    echo "op gemm m=$2 n=$3 k=$k w=w$i"; i=$((i + 1)); done; } >"$1"; }

measure() { # measure LABEL TRACE OPS [simrun args]
  label=$1; trace=$2; ops=$3; shift 3
  /usr/bin/time -f '%e %M' -o "$tmp/time" "$simrun" -v "$@" --arch configs/a100_24.cfg "$trace" \
      >/dev/null 2>"$tmp/err"
  read -r wall rss <"$tmp/time"
  events=$(grep -o '[0-9]* kernel callbacks' "$tmp/err" | cut -d' ' -f1)
  awk -v l="$label" -v w="$wall" -v r="$rss" -v e="$events" -v o="$ops" 'BEGIN {
    w = (w > 0.005 ? w : 0.005);
    printf "%-34s %8.3f s  %10.0f ops/s  %12.0f events/s  %8d events  %7.1f MiB peak\n",
           l, w, o / w, e / w, e, r / 1024 }'
}

gen "$tmp/prefill.trace" 2048 4096 4096 20
gen "$tmp/decode.trace" 1 4096 4096 200
echo "nmsim $(git describe --always --dirty 2>/dev/null || echo '?') on $(nproc) cores"
measure "prefill GEMM 2048x4096x4096 2:4" "$tmp/prefill.trace" 20 --no-cache
measure "decode GEMM 1x4096x4096 2:4" "$tmp/decode.trace" 200 --no-cache
measure "example trace (cache on)" traces/examples/llama2-7b-2of4.trace.gz \
  "$(zcat traces/examples/llama2-7b-2of4.trace.gz | grep -c '^op ')"
measure "example trace (cache off)" traces/examples/llama2-7b-2of4.trace.gz \
  "$(zcat traces/examples/llama2-7b-2of4.trace.gz | grep -c '^op ')" --no-cache
