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
  [ "$(head -n 1 "$tmp/c")" = "index,line,step,type,layer,name,time_s,energy_j,bytes,bound,model,kernel_s,gap_s,decode_s,clock_mhz,measured_s,label,shape,format" ] || fail "csv header"
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
quiet)
  [ -z "$("$simrun" -q --arch $arch $trace 2>&1 >/dev/null)" ] || fail "-q printed on stderr" ;;
*) fail "unknown case $case" ;;
esac
echo "ok: $case"
