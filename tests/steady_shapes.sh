#!/usr/bin/env bash
# steady_shapes.sh SIMRUN JSON_DIFF SOURCE_DIR [OUT]: steady-state skipping against the full
# play (--exact) on >= 200 shapes: GEMMs of every storage format and sparse mode the machines
# run (dense, 2:4, N:M compressed, V:N:M, unstructured, block; fp16/bf16/fp8/int8, int4 groups,
# MX and NVFP4), split-K and batched ones, and attention (prefill, decode, GQA, causal and not,
# window, top-k, block-sparse, threshold), on the A100, H100 and RTX 3090 configs. Every op's
# time, energy and bytes, and every counter of the run, must agree within 0.5 %. Prints the
# largest difference seen (make bench shows it); OUT, if given, receives that line.
# Also: the skipped periods' L2 walk, cut short and shifted (arch/core/steady.c, walk_l2), must
# give the same reports byte for byte as the whole walk (NMSIM_STEADY_FULL_WALK=1), and must
# have been cut short somewhere on every machine.
set -u
simrun=$1; jdiff=$2; src=$3; out=${4:-}
cd "$src" || exit 1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
{
  echo "simtrace 1"
  echo "meta model=steady-shapes source=tests/steady_shapes.sh"
  i=0
  for fmt in "dtype=fp16" "dtype=fp16 sp=nm:2:4" "dtype=bf16 sp=nm:1:4" "dtype=fp16 sp=vnm:64:2:8" \
             "dtype=fp16 sp=unstructured:0.3" "dtype=fp16 sp=block:32:32:0.5" \
             "dtype=int4 q=group:128" "dtype=int8" "dtype=fp8e4m3" "dtype=mxfp4" "dtype=nvfp4" \
             "dtype=int4 sp=nm:2:4 q=group:128"; do
    for shape in "1 4096 4096" "16 4096 11008" "128 11008 4096" "512 4096 4096" "2048 4096 4096" \
                 "4096 5120 5120" "8192 2048 8192" "300 1000 3000" "1 8192 28672" \
                 "64 14336 4096" "2048 128 8192" "4096 4096 512" "2048 11008 4096" \
                 "16384 1024 1024"; do
      set -- $shape
      echo "tensor id=w$i role=weight shape=${2}x${3} $fmt"
      a=fp16; case "$fmt" in *int8*) a=int8;; *fp8*) a=fp8e4m3;; esac
      echo "op gemm m=$1 n=$2 k=$3 w=w$i a=$a name=g$i"
      i=$((i + 1))
    done
  done
  echo "op gemm m=1024 n=1024 k=128 count=32 b=fp16 name=batched"
  echo "op gemm m=4096 n=4096 k=128 count=8 b=fp16 name=batched2"
  # Swizzle groups of 576 items on 108 cores: waves repeat exactly only every 16 (the A100's
  # long windows, measured in halves of one window).
  echo "op gemm m=16384 n=9216 k=12288 b=fp16 name=long_windows"
  # A decode GEMM of 768 steps an item whose last few cores, left alone at the end, eat their
  # full buffers faster than their ports refill them: not periodic until the buffers run dry.
  echo "op gemm m=32 n=12288 k=49152 b=fp16 name=draining_tail"
  # Eight query heads to a KV head, one query block each: L2's pattern repeats per KV head.
  echo "op attn b=2 hq=256 hkv=32 d=128 sq=512 skv=1024 causal=0 name=gqa_period"
  # Memory-bound waves whose work in flight grows at a steady rate: two halves agree while
  # both fall behind the items they hand out.
  echo "tensor id=wdrift role=weight shape=28672x98304 dtype=int8"
  echo "op gemm m=32 n=28672 k=98304 w=wdrift a=int8 name=drifting_waves"
  # A wave skip's marking of the skipped items in L2 (two waves of them, 36 MB) pushed out
  # what the items in flight had loaded, and their partners (the other row tile of the same
  # columns) missed: the next wave lost 0.8 us on the H100.
  echo "tensor id=wpart role=weight shape=101888x8192 dtype=int4 q=group:128"
  echo "op gemm m=32 n=101888 k=8192 w=wpart name=partners_in_flight"
  # Compute-bound cores whose loads leave at staggered times through the period, and a sliding
  # window that L2 keeps for about as long as the next query block takes to come for it (RTX
  # 3090): the skipped periods' loads must pass through L2 in the order they would leave, or
  # tiles the play lost hit (2.3 % of the bytes).
  echo "op attn b=1 hq=8 hkv=8 d=256 sq=2048 skv=8192 pat=window:1024 name=issue_order"
  for a in "b=1 hq=32 hkv=32 d=128 sq=2048 skv=2048" "b=1 hq=64 hkv=8 d=128 sq=4096 skv=4096" \
           "b=4 hq=32 hkv=8 d=128 sq=1 skv=8192" "b=1 hq=32 hkv=32 d=128 sq=1 skv=32768" \
           "b=8 hq=32 hkv=8 d=128 sq=512 skv=1024" "b=1 hq=16 hkv=16 d=64 sq=8192 skv=8192" \
           "b=64 hq=32 hkv=8 d=128 sq=1 skv=2048"; do
    for pat in "" "causal=0" "pat=window:1024" "pat=topk:512" "pat=block:64:0.25" "pat=thresh:0.2"; do
      echo "op attn $a $pat name=a$i"
      i=$((i + 1))
    done
  done
} >"$tmp/shapes.trace"
n=$(grep -c '^op ' "$tmp/shapes.trace")
# csv_worst SKIPPING.csv EXACT.csv LABEL: the largest relative difference of any op's time_s,
# energy_j or bytes (columns found by the header's names), in %, and where; or "FAIL: ..."
csv_worst() {
  paste -d, "$1" "$2" | awk -F, -v label="$3" 'NR == 1 {
      nf = NF / 2
      for (k = 1; k <= nf; k++) col[$k] = k
      if (!col["time_s"] || !col["energy_j"] || !col["bytes"]) { print "FAIL: CSV header"; exit 1 }
      split("time_s energy_j bytes", want, " ")
    }
    NR > 1 {
      for (c = 1; c <= 3; c++) {
        x = $(col[want[c]]); y = $(nf + col[want[c]])
        d = (x > y ? x - y : y - x) / (y > 0 ? y : 1)
        if (d > worst) { worst = d; what = label " op " $1 " column " want[c] }
      } }
      END { printf "%.6f %s\n", 100 * worst, what }'
}
worst="0 -"
for arch in configs/a100_24.cfg configs/h100_24.cfg configs/rtx3090_24.cfg; do
  # The skipping run's debug lines say whether a skip shifted L2 (-vv changes no report).
  "$simrun" -vv --arch "$arch" --json "$tmp/f.json" --csv "$tmp/f.csv" "$tmp/shapes.trace" \
    >/dev/null 2>"$tmp/debug" ||
    { rc=$?; grep -v ': debug: ' "$tmp/debug"; echo "FAIL: $arch: simrun -vv exited $rc"; exit 1; }
  grep -q 'L2 shifted over [1-9]' "$tmp/debug" || { echo "FAIL: $arch: no skip shifted L2"; exit 1; }
  "$simrun" -q --exact --arch "$arch" --json "$tmp/e.json" --csv "$tmp/e.csv" "$tmp/shapes.trace" >/dev/null || exit 1
  NMSIM_STEADY_FULL_WALK=1 "$simrun" -q --arch "$arch" --json "$tmp/w.json" --csv "$tmp/w.csv" \
    "$tmp/shapes.trace" >/dev/null || exit 1
  cmp -s "$tmp/f.json" "$tmp/w.json" && cmp -s "$tmp/f.csv" "$tmp/w.csv" ||
    { echo "FAIL: $arch: shifting L2 changed the report against the whole walk"; exit 1; }
  w=$(csv_worst "$tmp/f.csv" "$tmp/e.csv" "$arch")
  case "$w" in FAIL*) echo "$w"; exit 1 ;; esac
  c=$("$jdiff" --max-rel "$tmp/e.json" "$tmp/f.json" | tail -1)
  for cand in "$w" "$c ($arch)"; do
    set -- $cand
    awk -v a="$1" -v b="${worst%% *}" 'BEGIN { exit !(a > b) }' && worst="$cand"
  done
done
line="steady-state skipping vs --exact on $n ops x 3 machines: largest difference ${worst%% *} % (${worst#* })"
echo "$line"
[ -n "$out" ] && echo "$line" >"$out"
awk -v a="${worst%% *}" 'BEGIN { exit !(a <= 0.5) }' || { echo "FAIL: more than 0.5 %"; exit 1; }
# A Llama-2-70B int4 g32 decode GEMM (gpt-fast's validation row) on the A100: some walked period
# hits and misses in L2 otherwise than the measured one, and the skip must end there. Without
# that cut it is 0.07 % off --exact; with it 0.013 %.
{ echo "simtrace 1"; echo "tensor id=wd role=weight dtype=int4 shape=8192x28672 q=group:32"
  echo "op gemm m=5 n=8192 k=28672 w=wd a=bf16 name=cut"; } >"$tmp/cut.trace"
"$simrun" -q --arch configs/a100_24.cfg --csv "$tmp/f.csv" "$tmp/cut.trace" >/dev/null || exit 1
"$simrun" -q --exact --arch configs/a100_24.cfg --csv "$tmp/e.csv" "$tmp/cut.trace" >/dev/null || exit 1
cut=$(csv_worst "$tmp/f.csv" "$tmp/e.csv" cut)
awk -v a="${cut%% *}" 'BEGIN { exit !(a <= 0.03) }' ||
  { echo "FAIL: the cut decode GEMM is ${cut%% *} % off --exact (at most 0.03)"; exit 1; }
