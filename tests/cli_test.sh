#!/usr/bin/env bash
# cli_test.sh SIMRUN SOURCE_DIR CASE: the command-line contract of docs/cli.md, one case per run.
set -u
simrun=$1; src=$2; case=$3
cd "$src" || exit 1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
arch=configs/test/tiny.cfg; trace=tests/golden/gemm_small.trace
fail() { echo "FAIL: $*"; exit 1; }
run() { "$simrun" "$@" || fail "simrun $* exited $?"; }

case "$case" in
describe)
  run --describe >"$tmp/d" ; for k in name core.count core.freq tensor.fp16 tensor.sparse_modes \
      smem.size l2.bandwidth hbm.bandwidth hbm.efficiency energy.mac_fp16 energy.static_core energy.sparse_select; do
    grep -q "^$k " "$tmp/d" || fail "--describe lacks $k"; done ;;
version_help)
  run --version | grep -q 'simrun (nmsim)' || fail "--version"
  run --help | grep -q -- '--describe' || fail "--help" ;;
json_stdout)
  run --arch $arch --json - $trace >"$tmp/j"
  grep -q '"schema": "nmsim.report.v1"' "$tmp/j" || fail "schema key"
  for k in '"time_s"' '"cycles"' '"energy_j"' '"energy_j_by"' '"hbm_bytes"' '"macs"' '"steps"' '"by_type"'; do
    grep -q "$k" "$tmp/j" || fail "missing $k"; done
  grep -q 'total time' "$tmp/j" && fail "human summary mixed into --json -" ; true ;;
deterministic)
  for i in 1 2; do run --arch $arch --json "$tmp/j$i" --csv "$tmp/c$i" $trace >"$tmp/t$i"; done
  cmp "$tmp/j1" "$tmp/j2" && cmp "$tmp/c1" "$tmp/c2" && cmp "$tmp/t1" "$tmp/t2" || fail "two runs differ" ;;
cache_exact)
  run --ignore-capacity --arch $arch --json "$tmp/a" --csv "$tmp/ca" traces/examples/llama2-7b-2of4.trace.gz >/dev/null
  run --ignore-capacity --arch $arch --no-cache --json "$tmp/b" --csv "$tmp/cb" traces/examples/llama2-7b-2of4.trace.gz >/dev/null
  cmp "$tmp/a" "$tmp/b" && cmp "$tmp/ca" "$tmp/cb" || fail "result cache changes the report" ;;
stdin)
  run --arch $arch --json "$tmp/f" $trace >/dev/null
  run --arch $arch --json "$tmp/s" - <$trace >/dev/null
  gzip -c $trace >"$tmp/t.gz"
  run --arch $arch --json "$tmp/g" - <"$tmp/t.gz" >/dev/null
  sed 's#"file": "-"#"file": "'$trace'"#' "$tmp/s" | cmp - "$tmp/f" || fail "stdin differs from file"
  sed 's#"file": "-"#"file": "'$trace'"#' "$tmp/g" | cmp - "$tmp/f" || fail "gzip stdin differs" ;;
csv)
  run --arch $arch --csv "$tmp/c" $trace >/dev/null
  ops=$(grep -c '^op ' $trace)
  [ "$(head -n 1 "$tmp/c")" = "index,line,step,type,layer,name,time_s,energy_j,bytes,bound,model,kernel_s,gap_s,decode_s,clock_mhz,measured_s,label,shape,format,mem_latency_s" ] || fail "csv header"
  [ "$(($(wc -l <"$tmp/c") - 1))" = "$ops" ] || fail "csv rows != ops ($ops)"
  run --arch $arch --csv - $trace | grep -q '^0,' || fail "--csv -" ;;
set_changes_result)
  run --arch $arch --json "$tmp/a" $trace >/dev/null
  run --arch $arch --set hbm.bandwidth="16 GB/s" --json "$tmp/b" $trace >/dev/null
  ta=$(grep -m1 '"time_s"' "$tmp/a" | tr -dc '0-9.e-'); tb=$(grep -m1 '"time_s"' "$tmp/b" | tr -dc '0-9.e-')
  awk -v a="$ta" -v b="$tb" 'BEGIN { exit !(b > a * 1.2) }' || fail "slower memory did not slow the run ($ta -> $tb)"
  run --arch $arch --set 'tensor.sparse_modes=""' --json "$tmp/c" $trace >/dev/null
  cmp -s "$tmp/a" "$tmp/c" && fail "dense-only --set changed nothing"; true ;;
include)
  printf '@include "tiny.cfg"\n' >configs/test/.include_test.cfg
  run --arch configs/test/.include_test.cfg --json "$tmp/i" $trace >/dev/null; rc=$?
  run --arch $arch --json "$tmp/d" $trace >/dev/null
  rm -f configs/test/.include_test.cfg
  sed 's#configs/test/.include_test.cfg#'$arch'#' "$tmp/i" | cmp - "$tmp/d" || fail "@include differs" ;;
include_override) # a file built on a shipped one, named bare and by absolute path, one key overridden
  mkdir "$tmp/d"
  printf '@include "a100_24.cfg"\nhbm: { bandwidth = "100 GB/s"; };\n' >"$tmp/d/slow.cfg"
  printf '@include "%s"\n' "$src/configs/a100_24.cfg" >"$tmp/base.cfg"
  run --arch "$tmp/d/slow.cfg" --print-config >"$tmp/ps"
  run --arch "$tmp/base.cfg" --print-config >"$tmp/pb"
  run --arch configs/a100_24.cfg --print-config | cmp - "$tmp/pb" || fail "absolute @include differs from its file"
  grep -qx 'hbm.bandwidth = 100 GB/s' "$tmp/ps" || fail "--print-config lacks the override"
  [ "$(diff "$tmp/pb" "$tmp/ps" | grep -c '^>')" = 1 ] || fail "the override changed more than hbm.bandwidth"
  run --arch "$tmp/base.cfg" --json "$tmp/jb" $trace >/dev/null
  run --arch "$tmp/d/slow.cfg" --json "$tmp/js" $trace >/dev/null
  tb=$(grep -m1 '"time_s"' "$tmp/jb" | tr -dc '0-9.e-'); ts=$(grep -m1 '"time_s"' "$tmp/js" | tr -dc '0-9.e-')
  awk -v a="$tb" -v b="$ts" 'BEGIN { exit !(b > a * 1.2) }' || fail "the derived machine is not slower ($tb -> $ts)" ;;
units) # bit rates are an eighth of byte rates; a plain time is refused naming the setting
  run --arch $arch --set 'hbm.bandwidth=512 Gb/s' --print-config | grep -qx 'hbm.bandwidth = 64 GB/s' || fail "512 Gb/s is not 64 GB/s"
  err=$("$simrun" --arch $arch --set core.launch=4 --print-config 2>&1); rc=$?
  [ $rc = 2 ] || fail "plain launch = 4: exit $rc"
  case "$err" in *"core.launch=4: 4 needs a unit"*"(ps, ns, us, ms, s)"*) ;; *) fail "message: $err";; esac
  "$simrun" --describe | grep -q 'Gb/s' || fail "--describe does not list bit rates" ;;
attn_buffer) # attention's tile fits the buffer with smem.stages K/V blocks: 12 KiB takes 2 stages, not 3 (tests/badinput.cmake)
  run --arch $arch --set 'smem.size=12 KiB' --set smem.stages=2 tests/bad/run/attn_buffer.trace >/dev/null ;;
attn_decode_tiles) # decode attention takes flash-attn's split-KV tiles: 256/128/64 keys by head dim, 2 stages
  printf 'simtrace 1\nop attn b=1 hq=32 hkv=8 d=64 sq=1 skv=4096\nop attn b=1 hq=32 hkv=8 d=128 sq=1 skv=4096\nop attn b=1 hq=16 hkv=16 d=256 sq=1 skv=4096\nop attn b=1 hq=32 hkv=32 d=128 sq=2048 skv=2048\n' >"$tmp/a.trace"
  run -vv --arch configs/a100_24.cfg "$tmp/a.trace" 2>"$tmp/log" >/dev/null
  grep -q 'line 2: .*packed GQA, q block 4, kv block 256 x 2 stages' "$tmp/log" || fail "d=64: $(grep 'line 2:' "$tmp/log")"
  grep -q 'line 3: .*packed GQA, q block 4, kv block 128 x 2 stages' "$tmp/log" || fail "d=128: $(grep 'line 3:' "$tmp/log")"
  grep -q 'line 4: .*packed GQA, q block 1, kv block 64 x 2 stages' "$tmp/log" || fail "d=256: $(grep 'line 4:' "$tmp/log")"
  # prefill keeps the GEMM-like pipeline of smem.stages (3 on the A100)
  grep -q 'line 5: .*per head, q block 128, kv block 64 x 3 stages' "$tmp/log" || fail "prefill: $(grep 'line 5:' "$tmp/log")" ;;
toy) # a minimal machine: MAC energies only for the datapaths it has; an int8 GEMM runs (and is priced) on fp16
  printf 'simtrace 1\ntensor id=w role=weight shape=256x256 dtype=int8 q=channel\nop gemm m=64 n=256 k=256 w=w a=int8\n' >"$tmp/i8.trace"
  run --arch configs/test/toy.cfg --json "$tmp/t.json" "$tmp/i8.trace" >/dev/null
  grep -q '"mac": [1-9]' "$tmp/t.json" || fail "no MAC energy on the toy machine"
  err=$("$simrun" --arch configs/test/toy.cfg --set tensor.fp16=0 --set tensor.fp32=0 "$tmp/i8.trace" 2>&1); rc=$?
  [ $rc = 2 ] && case "$err" in *"i8.trace:3: gemm: "*"no datapath"*) true;; *) false;; esac || fail "no datapath at all: exit $rc: $err" ;;
quiet) # -q: only errors on standard error; warnings (an unknown key of the trace) are dropped
  [ -z "$("$simrun" -q --arch $arch $trace 2>&1 >/dev/null)" ] || fail "-q printed on stderr"
  sed '0,/^op gemm/s/^op gemm .*$/& frob=1/' $trace >"$tmp/unk.trace"
  "$simrun" --arch $arch "$tmp/unk.trace" 2>&1 >/dev/null | grep -q "warning: .*unknown key 'frob'" || fail "no warning for an unknown key"
  [ -z "$("$simrun" -q --arch $arch "$tmp/unk.trace" 2>&1 >/dev/null)" ] || fail "-q printed a warning"
  [ -z "$("$simrun" --quiet --arch $arch "$tmp/unk.trace" 2>&1 >/dev/null)" ] || fail "--quiet printed a warning"
  err=$("$simrun" -q --arch $arch --set core.count=0 $trace 2>&1 >/dev/null); [ -n "$err" ] || fail "-q hid an error" ;;
*) fail "unknown case $case" ;;
esac
echo "ok: $case"
