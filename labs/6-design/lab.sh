# Lab 6's measurements (sourced by labs/check after labs/lib.sh and params).
wl() { trace "l6_${1//:/_}" --model "$MODEL" --prompt "$PROMPT" --decode 0 --weights int8 --act int8 --kv int8 \
         --attn thresh:0.25 --sparsity "$1"; }
# gain_sparse SPARSITY: dense over SPARSITY time on ENGINES engines.
gain_sparse() { calc "$(total time_s "$ARCH" "$(wl dense)" --set "core.count=$ENGINES") / $(total time_s "$ARCH" "$(wl "$1")" --set "core.count=$ENGINES")"; }
# gain_prune KEY: time_s or energy_j without in-memory pruning over with it (2:8 weights).
gain_prune() { local t; t=$(wl nm:2:8)
  calc "$(total "$1" "$ARCH" "$t" --set "core.count=$ENGINES" --set hbm.prune_in_memory=false) / $(total "$1" "$ARCH" "$t" --set "core.count=$ENGINES")"; }
# The sweep, run once, with its Pareto front marked.
swept() { local f="$LABWORK/design.csv"
  if [ ! -s "$f.done" ]; then
    "$SIMSWEEP" -q "$SWEEP" -o "$f" -j 2 >/dev/null 2>"$LABWORK/sweep.err" &&
    "$SIMSWEEP" report "$f" --pareto time_s,energy_j >/dev/null 2>>"$LABWORK/sweep.err" && touch "$f.done" ||
      { cat "$LABWORK/sweep.err" >&2; return 1; }
  fi; echo "$f"; }
# sweep_col AWK-EXPR-OVER-ROWS: over the sweep's ok rows, e.g. 'min time_s'.
sweep_stat() { awk -F, -v what="$1" -v col="$2" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    $c["status"] != "ok" { next }
    { v = $c[col] + 0; n++; if (what == "count" && v == 1) s++
      if (n == 1 || v < mn) mn = v }
    END { if (what == "count") print s + 0; else printf "%.9g\n", mn }' "$(swept)"; }
