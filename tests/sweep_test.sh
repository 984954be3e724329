#!/usr/bin/env bash
# sweep_test.sh BUILD_DIR SOURCE_DIR CASE [NAME]: simsweep end to end on tests/sweep/small.cfg
# (a toy model on the tiny machine: 24 points, a second or two). Results are compared as rows
# sorted by point, every column but `report` (the reports' folder differs from run to run).
set -u
build=$1; src=$2; case=$3; name=${4:-}
simsweep=$build/simsweep
sweep=$src/tests/sweep/small.cfg
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
# The rows of a results file without the report column, sorted by point.
rows() { awk -F, 'NR > 1 { $NF = ""; print }' OFS=, "$1" | sort -t, -k2,2n; }
# A results file's rows are whole (as many fields as the header), and each point once.
whole() {
  awk -F, 'NR == 1 { n = NF; next } NF != n { print "row " NR " has " NF " fields"; bad = 1 }
           END { exit bad }' "$1" || fail "$1 has torn rows"
  [ -z "$(tail -c 1 "$1")" ] || fail "$1 does not end with a newline"
  dup=$(awk -F, 'NR > 1 { print $2 }' "$1" | sort | uniq -d)
  [ -z "$dup" ] || fail "$1 has points twice: $dup"
}
same() { rows "$1" >"$tmp/a.rows"; rows "$2" >"$tmp/b.rows"; cmp -s "$tmp/a.rows" "$tmp/b.rows" ||
  { diff "$tmp/a.rows" "$tmp/b.rows" | head -n 6; fail "$2 differs from $1"; }; }
reference() { "$simsweep" "$sweep" -o "$tmp/ref.csv" -j 2 -q || fail "reference run exited $?";
  [ "$(($(wc -l <"$tmp/ref.csv") - 1))" = 24 ] || fail "the reference has $(($(wc -l <"$tmp/ref.csv") - 1)) rows, not 24"; }
mpi_ok() { command -v mpirun >/dev/null || { echo "skipped: no mpirun"; exit 77; }
  "$simsweep" --version | grep -qv 'not built with MPI' || { echo "skipped: simsweep built without MPI"; exit 77; }; }

case "$case" in
bad)
  # A broken sweep file: exit 2, never a signal, FILE:LINE and the reason on standard error.
  cd "$src/tests/bad/sweep" || exit 1
  want_at=$(sed -n 1p "$name.expect"); want=$(sed -n 2p "$name.expect")
  err=$("$simsweep" --check -o "$tmp/r.csv" "$name.cfg" 2>&1 >/dev/null); rc=$?
  [ $rc -ge 128 ] && fail "killed by signal $((rc - 128))"
  [ $rc = 2 ] || { echo "$err"; fail "exit $rc, expected 2"; }
  case "$err" in *"$want_at"*) ;; *) echo "$err"; fail "the message does not say $want_at" ;; esac
  case "$err" in *"$want"*) ;; *) echo "$err"; fail "the message lacks: $want" ;; esac
  [ -e "$tmp/r.csv" ] && fail "a results file was written"
  echo "ok: $(echo "$err" | head -n 1)" ;;
jobs)
  "$simsweep" "$sweep" -o "$tmp/j1.csv" -j 1 -q --jsonl "$tmp/j1.jsonl" || fail "-j 1 exited $?"
  "$simsweep" "$sweep" -o "$tmp/j3.csv" -j 3 -q || fail "-j 3 exited $?"
  whole "$tmp/j1.csv"; whole "$tmp/j3.csv"; same "$tmp/j1.csv" "$tmp/j3.csv"
  [ "$(wc -l <"$tmp/j1.jsonl")" = 24 ] || fail "the JSON lines are not one per row"
  grep -q '"point_id":"[0-9a-f]\{16\}"' "$tmp/j1.jsonl" && grep -q '"tpot_s":[0-9]' "$tmp/j1.jsonl" ||
    fail "the JSON lines lack point_id or a numeric tpot_s"
  grep -q ',failed,' "$tmp/j1.csv" && fail "a point failed"
  # Every metric is there, time by bound adds up to the time.
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    { s = 0; for (k in c) if (k ~ /^time_.*_s$/ && k != "time_s") s += $c[k]
      if (s < $c["time_s"] * (1 - 1e-9) || s > $c["time_s"] * (1 + 1e-9)) { print "point " $2 ": bounds " s " vs " $c["time_s"]; bad = 1 }
      if ($c["tokens_per_s"] == "" || $c["j_per_token"] == "" || $c["hbm_bytes"] !~ /^[0-9]+$/) { print "point " $2 ": missing metrics"; bad = 1 } }
    END { exit bad }' "$tmp/j1.csv" || fail "metrics"
  # A second run has nothing to do and changes nothing.
  cp "$tmp/j1.csv" "$tmp/before.csv"
  out=$("$simsweep" "$sweep" -o "$tmp/j1.csv" -j 2 -v 2>&1) || fail "rerun exited $?"
  case "$out" in *"0 to run"*) ;; *) echo "$out"; fail "the rerun ran points again" ;; esac
  cmp -s "$tmp/before.csv" "$tmp/j1.csv" || fail "the rerun changed the file"
  # --force runs everything again, keeping the old file.
  "$simsweep" "$sweep" -o "$tmp/j1.csv" -j 2 -q --force || fail "--force exited $?"
  [ -f "$tmp/j1.csv.prev" ] || fail "--force did not keep the old results"
  same "$tmp/before.csv" "$tmp/j1.csv" ;;
resume)
  reference
  # SIGKILL at several moments: while the traces are made, then once 2, 6, 11, 17 and 21 of
  # the 24 rows are in; each time started again. Then once more, to the end.
  out=$tmp/k.csv
  nrows() { [ -f "$out" ] && echo $(($(wc -l <"$out") - 1)) || echo 0; }
  for at in traces 2 6 11 17 21; do
    "$simsweep" "$sweep" -o "$out" -j 2 -q &
    pid=$!
    if [ "$at" = traces ]; then
      while kill -0 "$pid" 2>/dev/null && ! ls "$out.d/traces" 2>/dev/null | grep -q tmp; do sleep 0.005; done
    else
      while kill -0 "$pid" 2>/dev/null && [ "$(nrows)" -lt "$at" ]; do sleep 0.005; done
    fi
    kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    [ -f "$out" ] && whole "$out"
    echo "killed at $at: $(nrows) rows"
  done
  sleep 0.2
  pgrep -f "$tmp/k.csv.d" >/dev/null && fail "children outlived the killed sweep"
  "$simsweep" "$sweep" -o "$out" -j 2 -q || fail "the last run exited $?"
  whole "$out"; same "$tmp/ref.csv" "$out"
  ls "$out.d/points" | grep -q '\.tmp$' && fail "temporary files left"
  # A torn last row (an older crash) is dropped with a warning; its point runs again.
  head -n 10 "$out" >"$tmp/t.csv"; sed -n 11p "$out" | head -c 40 >>"$tmp/t.csv"
  cp -r "$out.d" "$tmp/t.csv.d"
  err=$("$simsweep" "$sweep" -o "$tmp/t.csv" -j 2 2>&1) || fail "after a torn row: exit $?"
  case "$err" in *"t.csv:11: a torn last row"*) ;; *) echo "$err"; fail "no warning naming the torn row" ;; esac
  whole "$tmp/t.csv"; same "$tmp/ref.csv" "$tmp/t.csv"
  # A broken row in the middle is an error (FILE:LINE, exit 2) and the file is left as it is.
  sed '5s/,ok,/,ok,"/' "$out" >"$tmp/b.csv"; cp "$tmp/b.csv" "$tmp/b0.csv"
  err=$("$simsweep" "$sweep" -o "$tmp/b.csv" -j 2 -q 2>&1); rc=$?
  [ $rc = 2 ] || fail "a broken row: exit $rc"
  case "$err" in *"b.csv:5:"*) ;; *) echo "$err"; fail "the message does not name b.csv:5" ;; esac
  cmp -s "$tmp/b.csv" "$tmp/b0.csv" || fail "a broken file was changed"
  echo "ok: 6 kills, results equal to an uninterrupted run, no torn or duplicate row" ;;
failed)
  # A point that cannot run (no tile fits a 1 KiB buffer) is recorded as failed, the others
  # go on; the exit status counts the failures; a rerun tries the failed point again.
  cat >"$tmp/f.cfg" <<EOF2
arch = "$src/configs/test/tiny.cfg";
workload = { model = "$src/tests/sweep/tiny-model.cfg"; prompt = 8; decode = 1; };
axes = ( { set = "smem.size"; values = ["1 KiB", "64 KiB", "2 KiB"]; } );
EOF2
  "$simsweep" "$tmp/f.cfg" -o "$tmp/f.csv" -q; rc=$?
  [ $rc = 12 ] || fail "exit $rc, expected 12 (10 + 2 failed points)"
  [ "$(grep -c ',failed,2,' "$tmp/f.csv")" = 2 ] || fail "the failed points are not recorded with exit 2"
  grep -q 'no tile of fp16 operands fits' "$tmp/f.csv" || fail "the failure's message is not recorded"
  [ -f "$tmp/f.csv.d/points/$(awk -F, '/,failed,/ { print $1; exit }' "$tmp/f.csv").err" ] || fail "no .err kept"
  out=$("$simsweep" "$tmp/f.cfg" -o "$tmp/f.csv" -v 2>&1); rc=$?
  [ $rc = 12 ] || fail "rerun: exit $rc"
  case "$out" in *"2 to run"*) ;; *) echo "$out"; fail "the rerun did not retry the failed points" ;; esac
  whole "$tmp/f.csv"; [ "$(($(wc -l <"$tmp/f.csv") - 1))" = 3 ] || fail "rows after the retry" ;;
shard)
  reference
  for i in 0 1 2; do "$simsweep" "$sweep" -o "$tmp/part-$i.csv" --shard "$i/3" -j 2 -q || fail "shard $i exited $?"; done
  [ "$(($(wc -l <"$tmp/part-0.csv") - 1))" = 8 ] || fail "shard 0 of 3 has not 8 of 24 points"
  "$simsweep" merge "$tmp/all.csv" "$tmp"/part-*.csv || fail "merge exited $?"
  whole "$tmp/all.csv"; same "$tmp/ref.csv" "$tmp/all.csv"
  # Every report path of the merged file leads to a report.
  (cd "$tmp" && awk -F, 'NR > 1 { print $NF }' all.csv | while read -r p; do [ -f "$p" ] || echo "$p"; done) | grep -q . &&
    fail "a merged report path leads nowhere"
  # Merging again, or a shard twice, adds nothing.
  "$simsweep" merge "$tmp/all.csv" "$tmp/part-1.csv" "$tmp/part-1.csv" >/dev/null || fail "merge again"
  whole "$tmp/all.csv"; same "$tmp/ref.csv" "$tmp/all.csv"
  "$simsweep" "$sweep" -o "$tmp/x.csv" --shard 3/3 2>/dev/null; [ $? = 2 ] || fail "--shard 3/3 accepted" ;;
report)
  reference
  out=$("$simsweep" report "$tmp/ref.csv" --sort tpot_s --pareto tpot_s,energy_j --plot "$tmp/plots" \
        --metric tpot_s --x hbm.bandwidth --series format --top 0) || fail "report exited $?"
  # The table is sorted by tpot_s.
  echo "$out" | awk '/^  *point/ { for (i = 1; i <= NF; i++) if ($i == "tpot_s") c = i; next }
    c && NF > 5 { v = $(c + ($1 == "*")); if (v + 0 < prev) bad = 1; prev = v + 0 } /^$/ && c { exit } END { exit bad }' ||
    { echo "$out"; fail "the table is not sorted by tpot_s"; }
  front=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "pareto") c = i; next } $c == 1' "$tmp/ref.csv" | wc -l)
  [ "$front" -ge 1 ] || fail "no point marked on the Pareto front"
  echo "$out" | grep -q "Pareto front over tpot_s (min), energy_j (min): $front of 24 points" || { echo "$out"; fail "front size"; }
  # One figure per batch (the facet), each with the two formats as series, as PNG and SVG.
  for b in 1 4 8; do
    f=$tmp/plots/tpot_s-vs-hbm.bandwidth-by-format-batch_$b
    [ -s "$f.png" ] && [ -s "$f.svg" ] && [ -s "$f.dat" ] || fail "no figure for batch $b"
    [ "$(grep -c '^# ' "$f.dat")" = 2 ] && grep -q '^# dense' "$f.dat" && grep -q '^# 2:4' "$f.dat" ||
      fail "$f.dat does not hold the series dense and 2:4"
    [ "$(grep -c '"16 GB/s"' "$f.dat")" = 2 ] || fail "$f.dat lacks the 16 GB/s points"
    grep -q '>dense<' "$f.svg" && grep -q '>2:4<' "$f.svg" || fail "$f.svg lacks the series titles"
  done
  [ -s "$tmp/plots/pareto-tpot_s-energy_j.png" ] && [ -s "$tmp/plots/pareto-tpot_s-energy_j.svg" ] || fail "no Pareto figure"
  [ "$(awk '/Pareto front/ { on = 1; next } on && NF' "$tmp/plots/pareto-tpot_s-energy_j.dat" | wc -l)" = "$front" ] ||
    fail "the Pareto figure's front is not the marked one"
  "$simsweep" report "$tmp/ref.csv" --sort nosuch >/dev/null 2>&1; [ $? = 2 ] || fail "--sort nosuch"
  # -q: only errors on standard error (a torn last row is a warning)
  cp "$tmp/ref.csv" "$tmp/torn.csv"; printf 'torn' >>"$tmp/torn.csv"
  "$simsweep" report "$tmp/torn.csv" 2>&1 >/dev/null | grep -q 'warning: .*torn last row' || fail "no warning for a torn row"
  [ -z "$("$simsweep" report -q "$tmp/torn.csv" 2>&1 >/dev/null)" ] || fail "report -q printed on stderr"
  [ -z "$("$simsweep" merge -q "$tmp/m.csv" "$tmp/torn.csv" 2>&1 >/dev/null)" ] || fail "merge -q printed on stderr" ;;
mpi2|mpi4)
  mpi_ok
  n=${case#mpi}
  # A sanitizer build: OpenMPI's components keep allocations until exit and are unloaded
  # before LeakSanitizer looks (their frames cannot even be named, so not suppressed one by
  # one): no leak check for the ranks. simsweep's own code is leak-checked by the other cases.
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
  reference
  mpirun --oversubscribe --allow-run-as-root -n "$n" "$simsweep" "$sweep" -o "$tmp/m.csv" -q ||
    fail "mpirun -n $n exited $?"
  whole "$tmp/m.csv"; same "$tmp/ref.csv" "$tmp/m.csv"
  echo "ok: $n ranks give the rows of a -j 2 run" ;;
*) fail "unknown case $case" ;;
esac
echo "ok: $case"
