#!/usr/bin/env bash
# labs/make-figures.sh [BUILD]: remake every lab's figures (figure-*.svg) with simsweep and
# gnuplot, as the students' steps do. Run from anywhere; takes a few minutes on 2 cores.
set -eu
here=$(cd "$(dirname "$0")" && pwd); b=$(cd "${1:-$here/../build}" && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fig() { # fig LAB SWEEP FIGURE REPORT-ARGS...
  local lab=$1 sw=$2 out=$3; shift 3
  (cd "$here/$lab" && "$b/simsweep" -q "$sw" -o "$tmp/$lab.csv" -j 2 &&
   "$b/simsweep" report "$tmp/$lab.csv" --plot "$tmp/$lab-plots" "$@" >/dev/null)
  ls "$tmp/$lab-plots"/*.svg
  for f in "$tmp/$lab-plots"/*.svg; do n=$(basename "$f" .svg); cp "$f" "$here/$lab/figure-$n.svg"; done
}
fig 1-decode batch.cfg x --metric tokens_per_s --x batch
fig 2-sparse payoff.cfg x --metric tpot_s --x batch --series sparsity
fig 3-venom venom.cfg x --metric ttft_s --x M --series arch
fig 4-quant formats.cfg x --metric tpot_s --x batch --series format
fig 5-memory buffer.cfg x --metric ttft_s --x smem.size --series l2.size
fig 6-design design.cfg x --pareto time_s,energy_j --metric time_s --x core.count --series sparsity
