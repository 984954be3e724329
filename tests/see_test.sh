#!/usr/bin/env bash
# see_test.sh SIMRUN TRACEGEN TIMELINE_CHECK SOURCE_DIR CASE: what simrun shows of a run — the
# timeline, the plots, the report's derived fields, device-memory capacity, "not exploited"
# notes, the CSV's columns, profile comparisons (docs/cli.md, docs/report-schema.md).
set -u
simrun=$1; tracegen=$2; check=$3; src=$4; case=$5
cd "$src" || exit 1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
run() { "$simrun" "$@" || fail "simrun $* exited $?"; }
gen() { "$tracegen" "$@" 2>/dev/null || fail "tracegen $* exited $?"; }
# A JSON number at a key path, read with the checker's own parser would be nicer; the report
# is pretty-printed one key per line, so the first match of a unique key is enough here.
num() { grep -m1 "\"$1\":" "$2" | sed 's/.*: *//; s/,$//'; }

case "$case" in
timeline)
  gen --model llama-2-7b --prompt 32 --decode 4 -o "$tmp/t.gz"
  run --arch a100_24.cfg --timeline "$tmp/tl.json" --timeline-ops '2,mlp.down' \
      --json "$tmp/a.json" "$tmp/t.gz" >/dev/null
  "$check" "$tmp/tl.json" "$tmp/a.json" --tiles || fail "timeline structure"
  # Recording tiles changes no result.
  run --arch a100_24.cfg --json "$tmp/b.json" "$tmp/t.gz" >/dev/null
  cmp -s "$tmp/a.json" "$tmp/b.json" || fail "--timeline changed the report"
  grep -q '"name":"compute","pid":2' "$tmp/tl.json" || fail "no compute tile events"
  grep -q '"name":"load","pid":2' "$tmp/tl.json" || fail "no load tile events"
  grep -q '"shape":"32x12288x4096"' "$tmp/tl.json" || fail "op args lack the shape"
  # The memory latency each op waited: a decode GEMM's above the unloaded 0.6 us, a norm's at it.
  grep -o '"shape":"1x12288x4096"[^}]*"mem_latency_us":[0-9.e-]*' "$tmp/tl.json" | head -n 1 |
    awk -F'"mem_latency_us":' '{ exit !($2 > 0.6 && $2 <= 1.05) }' || fail "gemm mem_latency_us"
  grep -o '"shape":"1x4096"[^}]*"mem_latency_us":[0-9.e-]*' "$tmp/tl.json" | head -n 1 |
    grep -q '"mem_latency_us":0.600000$' || fail "vec mem_latency_us"
  # A selection naming nothing records no tiles; a malformed one is a usage error.
  run --arch a100_24.cfg --timeline "$tmp/n.json" --timeline-ops 'no.such.op' --json "$tmp/c.json" "$tmp/t.gz" >/dev/null
  "$check" "$tmp/n.json" "$tmp/c.json" >/dev/null || fail "timeline without tiles"
  grep -q '"pid":2,"tid":[0-9]*,"ts"' "$tmp/n.json" && fail "tiles recorded for a selection matching nothing"
  "$simrun" --arch a100_24.cfg --timeline "$tmp/x.json" --timeline-ops '9-3' "$tmp/t.gz" >/dev/null 2>"$tmp/err"
  [ $? = 2 ] && grep -q -- "--timeline-ops: '9-3'" "$tmp/err" || fail "bad --timeline-ops: $(cat "$tmp/err")"
  [ -e "$tmp/x.json" ] && fail "a refused run left a timeline"
  "$simrun" --arch a100_24.cfg --timeline-ops 2 "$tmp/t.gz" >/dev/null 2>&1
  [ $? = 2 ] || fail "--timeline-ops without --timeline accepted" ;;
timeline_bounded)
  # 53,605 ops: the file keeps 20,000 op slices and every step, about 15 MB.
  gen --model llama-2-7b --prompt 16 --decode 150 -o "$tmp/t.gz"
  run --arch a100_24.cfg --timeline "$tmp/tl.json" --json "$tmp/a.json" "$tmp/t.gz" >/dev/null 2>"$tmp/err"
  "$check" "$tmp/tl.json" "$tmp/a.json" || fail "timeline structure"
  grep -q '"ops":53605,"ops_written":20000' "$tmp/tl.json" || fail "op bound not kept"
  # What a bound leaves out is said on stderr too.
  grep -q 'warning: --timeline: ops past the first 20000 have no slices of their own, only their steps (33605 of 53605 ops)' "$tmp/err" ||
    fail "no warning of the op bound: $(cat "$tmp/err")"
  grep -q 'tile events' "$tmp/err" && fail "tile events warned of without a selection"
  size=$(stat -c %s "$tmp/tl.json"); [ "$size" -lt 20000000 ] || fail "timeline of $size bytes"
  # Selecting ops by name keeps the bounds too: tiles stop at 250,000, op slices at 20,000.
  run --arch a100_24.cfg --timeline "$tmp/ts.json" --timeline-ops 'mlp.*' --json "$tmp/b.json" "$tmp/t.gz" >/dev/null 2>"$tmp/err"
  "$check" "$tmp/ts.json" "$tmp/b.json" --tiles || fail "timeline structure with tiles"
  grep -q 'warning: --timeline: [0-9]* tile events were left out (the file holds at most 250000' "$tmp/err" ||
    fail "no warning of the tile bound: $(cat "$tmp/err")"
  grep -q '"ops":53605,"ops_written":20000,"steps":151,"steps_written":151,"tile_events":250000' "$tmp/ts.json" ||
    fail "bounds with a selection: $(grep -o '"name":"nmsim".*' "$tmp/ts.json")"
  size=$(stat -c %s "$tmp/ts.json"); [ "$size" -lt 40000000 ] || fail "timeline of $size bytes with tiles" ;;
plots)
  run --arch a100_24.cfg --plot "$tmp/p/q" traces/examples/llama2-7b-2of4.trace.gz >/dev/null
  for f in roofline time_by_op step_latency; do
    for e in png svg; do [ -s "$tmp/p/q/$f.$e" ] || fail "no $f.$e"; done
    [ "$(head -c 4 "$tmp/p/q/$f.png" | od -An -c | tr -d ' ')" = '211PNG' ] || fail "$f.png is not a PNG"
  done
  # Each figure holds the series it promises.
  # The roofs of the precision the trace uses (fp16), dense and 2:4; none it does not use.
  for s in 'fp16 dense peak' 'fp16 2:4 sparse peak' \
           'device memory 2039 GB/s' 'ops (name and shape)' 'mlp.gate_up'; do
    grep -qF "$s" "$tmp/p/q/roofline.svg" || fail "roofline.svg lacks '$s'"; done
  grep -qF 'int8 dense peak' "$tmp/p/q/roofline.svg" && fail "int8 roof on an fp16 trace"
  # 312 TFLOP/s dense fp16 on A100: 2 x 1024 MAC x 108 SMs x 1410 MHz.
  grep -q '3.118[0-9]*e+14 ? x \* bw' "$tmp/p/q/roofline.gp" || fail "fp16 dense roof value"
  "$tracegen" --model llama-2-7b --prompt 16 --decode 1 --weights int8 -o "$tmp/i8.gz" 2>/dev/null
  run --arch a100_24.cfg --plot "$tmp/i8" "$tmp/i8.gz" >/dev/null
  grep -qF 'int8 2:4 sparse peak' "$tmp/i8/roofline.svg" || fail "int8 roofs of a W8A8 trace"
  # Nothing to draw: a trace without ops gives no figures, a warning, exit 0.
  printf 'simtrace 1\n' >"$tmp/e.trace"
  run --arch a100_24.cfg --plot "$tmp/e" --json "$tmp/e.json" "$tmp/e.trace" 2>"$tmp/err" >/dev/null
  [ -s "$tmp/e.json" ] && grep -q 'no ops: no time_by_op figure' "$tmp/err" || fail "empty trace plots"
  [ -e "$tmp/e/time_by_op.png" ] && fail "a figure of nothing"
  # A figure never replaces the trace; the scripts rerun inside the folder.
  mkdir -p "$tmp/pd"; cp traces/examples/llama2-7b-2of4.trace.gz "$tmp/pd/roofline.dat"
  "$simrun" --arch a100_24.cfg --plot "$tmp/pd" "$tmp/pd/roofline.dat" >/dev/null 2>"$tmp/err"
  [ $? = 2 ] && grep -q 'refusing to overwrite' "$tmp/err" || fail "--plot over the trace"
  cmp -s "$tmp/pd/roofline.dat" traces/examples/llama2-7b-2of4.trace.gz || fail "trace overwritten"
  (cd "$tmp/p/q" && rm roofline.svg && gnuplot roofline.gp 2>/dev/null && [ -s roofline.svg ]) || fail "rerun roofline.gp" 
  for s in 'time [ms]' 'energy [mJ]' 'mlp.gate_up' 'vec.rmsnorm'; do
    grep -qF "$s" "$tmp/p/q/time_by_op.svg" || fail "time_by_op.svg lacks '$s'"; done
  for s in prefill decode; do grep -qF "$s" "$tmp/p/q/step_latency.svg" || fail "step_latency.svg lacks $s"; done
  [ "$(grep -vc '^#' "$tmp/p/q/step_latency.dat")" = 5 ] || fail "step_latency.dat: not 5 steps"
  # One point per op name and shape: attn.qkv in prefill (128 rows) and in decode (1 row).
  [ "$(grep -c '^"attn.qkv"' "$tmp/p/q/roofline.dat")" = 2 ] || fail "roofline.dat: attn.qkv shapes"
  "$simrun" --arch a100_24.cfg --plot /proc/none traces/examples/llama2-7b-2of4.trace.gz >/dev/null 2>"$tmp/err"
  [ $? = 2 ] && grep -q -- '--plot /proc/none' "$tmp/err" || fail "unusable --plot folder: $(cat "$tmp/err")" ;;
latency)
  run --arch a100_24.cfg --json "$tmp/a.json" traces/examples/llama2-7b-2of4.trace.gz >"$tmp/text"
  [ "$(num decode_steps "$tmp/a.json")" = 4 ] || fail "decode_steps"
  awk -v o="$(num output_tokens "$tmp/a.json")" -v p="$(num prefill_tokens "$tmp/a.json")" \
      'BEGIN { exit !(o == 4 && p == 128) }' || fail "output_tokens and prefill_tokens"
  # TTFT is step 0; TPOT's mean is the mean of steps 1-4; tokens/s is 4 over their sum.
  steps=$(grep -A3 '"kind": "' "$tmp/a.json" | grep '"time_s"' | sed 's/.*: *//; s/,$//' | tr '\n' ' ')
  awk -v s="$steps" -v ttft="$(num ttft_s "$tmp/a.json")" -v mean="$(num tpot_mean_s "$tmp/a.json")" \
      -v p50="$(num tpot_p50_s "$tmp/a.json")" -v p99="$(num tpot_p99_s "$tmp/a.json")" \
      -v tps="$(num output_tokens_per_s "$tmp/a.json")" 'BEGIN {
    n = split(s, t, " "); if (n != 5) exit 1
    d = t[2] + t[3] + t[4] + t[5]
    if (ttft != t[1] || (mean - d / 4) ^ 2 > (1e-9 * mean) ^ 2 || p50 > p99 || p50 < t[2] && p50 < t[5]) exit 1
    if ((tps - 4 / d) ^ 2 > (1e-6 * tps) ^ 2) exit 1 }' || fail "latency figures: $steps"
  grep -q 'p50.*p99' "$tmp/text" || fail "text lacks TPOT percentiles"
  # A decode-only trace has no time to first token: no line, null in the JSON.
  gen --model llama-2-7b --prompt 0 --context 64 --decode 2 -o "$tmp/d.gz"
  run --arch a100_24.cfg --json "$tmp/d.json" "$tmp/d.gz" >"$tmp/dtext"
  grep -q 'time to first token' "$tmp/dtext" && fail "TTFT of a decode-only trace"
  grep -q '"ttft_s": null' "$tmp/d.json" || fail "ttft_s not null"
  grep -q '^output tokens per second' "$tmp/text" || fail "text lacks tokens/s"
  # Ops per step count the steps an op runs in: 32 layers a step; lm_head once a step; the
  # final rmsnorm makes 65 a step (5 steps, 325 ops).
  grep -Eq '^  mlp.gate_up +160 +x32 ' "$tmp/text" && grep -Eq '^  lm_head +5 +x1 ' "$tmp/text" &&
    grep -Eq '^  vec.rmsnorm +325 +x65 ' "$tmp/text" || fail "ops per step"
  # An op of the prefill only is counted per the step it runs in, not per all the trace's steps.
  printf 'simtrace 1\nstep kind=prefill\nop gemm m=64 n=64 k=64 b=fp16 name=pre\nop gemm m=64 n=64 k=64 b=fp16 name=pre\nstep kind=decode\nop gemm m=1 n=64 k=64 b=fp16 name=dec\n' >"$tmp/ps.trace"
  run --arch a100_24.cfg "$tmp/ps.trace" >"$tmp/pstext"
  grep -Eq '^  pre +2 +x2 ' "$tmp/pstext" && grep -Eq '^  dec +1 +x1 ' "$tmp/pstext" ||
    fail "ops per step of a prefill-only op: $(grep -E '^  (pre|dec) ' "$tmp/pstext")"
  # Time by bound in the text, largest first, as the JSON's time_by_bound_s.
  grep -q '^time by bound  memory [0-9.]* %, launch [0-9.]* %$' "$tmp/text" || fail "text lacks time by bound"
  # The resolved machine: every --set applied, its hash that of --print-config's text.
  run --arch a100_24.cfg --set 'hbm.bandwidth=1 TB/s' --json "$tmp/s.json" traces/examples/llama2-7b-2of4.trace.gz >/dev/null
  grep -q '"hbm.bandwidth": "1e+12"\|"hbm.bandwidth": "1000000000000"' "$tmp/s.json" || \
    grep -q '"hbm.bandwidth": "1 TB/s"' "$tmp/s.json" || fail "settings lack the --set value"
  grep -A1 '"sets": \[' "$tmp/s.json" | grep -q '"hbm.bandwidth=1 TB/s"' || fail "sets not listed"
  [ "$(num hash "$tmp/a.json")" != "$(num hash "$tmp/s.json")" ] || fail "hash ignores --set"
  grep -q '"sparsity": "nm:2:4"' "$tmp/a.json" || fail "trace meta not reported" ;;
capacity)
  gen --model llama-3-70b --prompt 16 --decode 1 -o "$tmp/l70.gz"
  "$simrun" --arch a100_24.cfg --json "$tmp/r.json" "$tmp/l70.gz" >/dev/null 2>"$tmp/err"
  [ $? = 2 ] || fail "a 141 GB model ran on an 80 GB A100"
  grep -q "l70.gz:[0-9]*: the trace does not fit in device memory: weights 141.1[0-9] GB" "$tmp/err" &&
    grep -q 'tensor-parallel degree of 2' "$tmp/err" || fail "capacity message: $(cat "$tmp/err")"
  [ -e "$tmp/r.json" ] && fail "a refused run wrote a report"
  "$simrun" --arch a100_24.cfg --ignore-capacity "$tmp/l70.gz" >/dev/null 2>"$tmp/err" || fail "--ignore-capacity"
  grep -q 'simulated anyway' "$tmp/err" || fail "--ignore-capacity warns"
  gen --model llama-3-70b --prompt 16 --decode 1 --tp 2 -o "$tmp/tp2.gz"
  run --arch a100_24.cfg "$tmp/tp2.gz" >/dev/null
  # The 2:4 7B model stores 9 bits a weight (about 7.6 GB): it fits in 8 GiB, not in 6.
  run --arch a100_24.cfg --set 'hbm.size=8 GiB' traces/examples/llama2-7b-2of4.trace.gz >/dev/null
  "$simrun" --arch a100_24.cfg --set 'hbm.size=6 GiB' traces/examples/llama2-7b-2of4.trace.gz >/dev/null 2>&1
  [ $? = 2 ] || fail "2:4 7B in 6 GiB" ;;
notes)
  gen --model llama-2-7b --prompt 16 --decode 2 --sparsity nm:2:4 -o "$tmp/sp.gz"
  run --arch a100_24.cfg --set 'tensor.sparse_modes=""' "$tmp/sp.gz" >"$tmp/o"
  grep -q 'cannot run sparse: stored compressed (fewer bytes), dense math: 384 ops' "$tmp/o" || fail "2:4 on a dense machine"
  run --arch a100_24.cfg "$tmp/sp.gz" >"$tmp/o"
  grep -q 'cannot run sparse' "$tmp/o" && fail "2:4 on A100 said not exploited"
  gen --model llama-2-7b --prompt 16 --decode 2 --weights fp8e4m3 -o "$tmp/f8.gz"
  run --arch a100_24.cfg "$tmp/f8.gz" >"$tmp/o"
  grep -q 'no datapath for: promoted to a wider math: 384 ops' "$tmp/o" || fail "fp8 on A100"
  run --arch h100_24.cfg "$tmp/f8.gz" >"$tmp/o"
  grep -q 'promoted' "$tmp/o" && fail "fp8 on H100 said promoted"
  gen --model llama-2-7b --prompt 16 --decode 2 --kv int8 -o "$tmp/kv.gz"
  run --arch a100_24.cfg --json "$tmp/kv.json" "$tmp/kv.gz" >"$tmp/o"
  grep -q 'decoded in the cores on the fly: 96 ops' "$tmp/o" || fail "int8 KV decode"
  # Not modelled: only what the run met. A GEMM-only trace meets no vec op, no collective.
  printf 'simtrace 1\nop gemm m=64 n=64 k=64 b=fp16\n' >"$tmp/g.trace"
  run --arch a100_24.cfg "$tmp/g.trace" >"$tmp/o"
  grep -q 'vec ops use a roofline' "$tmp/o" && fail "vec limit listed without vec ops"
  grep -q 'energy of links' "$tmp/o" && fail "link limit listed without collectives"
  grep -q 'activation-sparsity' "$tmp/o" && fail "asp limit listed without asp"
  grep -q 'dirty write-backs' "$tmp/o" || fail "a tiled op's limits missing"; true ;;
csv_columns)
  run --arch a100_24.cfg --csv "$tmp/c.csv" traces/examples/llama2-7b-2of4.trace.gz >/dev/null
  head -n1 "$tmp/c.csv" | grep -q ',measured_s,label,shape,format,mem_latency_s$' || fail "csv header: $(head -n1 "$tmp/c.csv")"
  awk -F, 'NR > 1 && ($17 == "" || $18 == "" || $19 == "") { bad++ } END { exit bad > 0 }' "$tmp/c.csv" ||
    fail "a row without label, shape or format"
  grep -q ',vec.rmsnorm,128x4096,fp16,8.900240e-07$' "$tmp/c.csv" || fail "vec row label/shape"
  grep -q ',mlp.down,1x4096x11008,fp16 nm:2:4,[0-9.e+-]*$' "$tmp/c.csv" || fail "gemm row label/shape/format"
  # The memory latency a GEMM's loads waited: above the unloaded 600 ns under its own stream.
  awk -F, 'NR > 1 && $6 == "mlp.down" && $20 > 6e-7 { n++ } END { exit n == 0 }' "$tmp/c.csv" ||
    fail "no decode GEMM waited a loaded latency" ;;
profile)
  gen --from-kineto tests/data/kineto/qwen1.5-0.5b-chat.mi300.json.gz -o "$tmp/q.trace"
  run --arch h100_24.cfg --json "$tmp/q.json" "$tmp/q.trace" >"$tmp/o"
  grep -q "warning: the profile was recorded on 'AMD_Instinct_MI300X_VF'" "$tmp/o" || fail "no device warning"
  grep -q '"device_warning"' "$tmp/q.json" || fail "JSON lacks the device warning"
  grep -q '^  gemm .* ops  median .*MAPE' "$tmp/o" || fail "no per-op errors"
  # The per-op figures are of the ops themselves: 977 mapped ops, a median between the extremes.
  grep -q '^  all  *977 ops  median' "$tmp/o" || fail "per-op count"
  gen --from-kineto tests/data/kineto/bert-small-uncased.h100.json.gz -o "$tmp/b.trace"
  run --arch h100_24.cfg "$tmp/b.trace" >"$tmp/o"
  grep -q 'warning: the profile' "$tmp/o" && fail "H100 profile on H100 warned"
  grep -q 'median' "$tmp/o" || fail "bert per-op errors"; true ;;
*) fail "unknown case $case" ;;
esac
echo "ok: $case"
