#!/usr/bin/env bash
# install_test.sh BUILD_DIR SOURCE_DIR CASE: a machine named without a path (simrun --arch
# a100_24.cfg) is found from any folder, and an installed prefix works on its own.
set -u
build=$1; src=$2; case=$3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
trace=$src/tests/golden/gemm_small.trace
fail() { echo "FAIL: $*"; exit 1; }
archfile() { grep -o '"file": "[^"]*"' "$1" | head -n 1 | cut -d'"' -f4; }

case "$case" in
lookup)
  cd "$tmp" || exit 1
  "$build/simrun" --arch a100_24.cfg --json r.json "$trace" >/dev/null || fail "a shipped name from $tmp"
  [ "$(archfile r.json)" -ef "$src/configs/a100_24.cfg" ] || fail "loaded $(archfile r.json), not the shipped a100_24.cfg"
  # --print-config: the resolved machine, a --set included.
  "$build/simrun" --arch a100_24.cfg --set 'hbm.bandwidth=3 TB/s' --print-config >p.txt ||
    fail "--print-config"
  grep -qx 'hbm.bandwidth = 3 TB/s' p.txt && grep -qx 'core.count = 108' p.txt ||
    fail "--print-config lacks the resolved settings"
  # NMSIM_CONFIG_PATH: folders separated by ':', searched in order after the shipped ones.
  mkdir -p a b && cp "$src/configs/test/tiny.cfg" b/mine.cfg
  NMSIM_CONFIG_PATH="$tmp/a:$tmp/b" "$build/simrun" --arch mine.cfg --json m.json "$trace" >/dev/null ||
    fail "mine.cfg on NMSIM_CONFIG_PATH"
  [ "$(archfile m.json)" = "$tmp/b/mine.cfg" ] || fail "NMSIM_CONFIG_PATH gave $(archfile m.json)"
  # A file of that name in the current folder comes first; a path is never searched.
  sed 's/tiny test machine/a local machine/' "$src/configs/test/tiny.cfg" >a100_24.cfg
  "$build/simrun" --arch a100_24.cfg --json l.json "$trace" >/dev/null || fail "local file"
  grep -q '"name": "a local machine"' l.json || fail "the current folder's a100_24.cfg did not win"
  err=$("$build/simrun" --arch nosuch.cfg "$trace" 2>&1 >/dev/null); rc=$?
  [ $rc = 2 ] || fail "unknown name: exit $rc, expected 2"
  case "$err" in *"nosuch.cfg"*"no such architecture file"*configs*NMSIM_CONFIG_PATH*) ;;
    *) fail "unknown name: message '$err' does not say where it looked" ;; esac
  "$build/simrun" --arch sub/a100_24.cfg "$trace" >/dev/null 2>&1 && fail "a path was searched"
  ;;
prefix)
  cmake --install "$build" --prefix "$tmp/p" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; fail "cmake --install"; }
  p=$tmp/p
  for f in bin/simrun bin/tracegen bin/simsweep share/nmsim/configs/a100_24.cfg \
           share/nmsim/models/llama-2-7b.cfg share/nmsim/examples/llama2-7b-2of4.trace.gz \
           share/nmsim/sweeps/2of4-payoff.cfg share/nmsim/sweeps/slurm-array.sh; do
    [ -e "$p/$f" ] || fail "not installed: $f"; done
  [ -e "$p/share/nmsim/configs/test" ] && fail "test configs installed"
  [ ! -d "$src/labs" ] || [ -d "$p/share/nmsim/labs" ] || fail "labs/ not installed"
  mkdir "$tmp/elsewhere" && cd "$tmp/elsewhere" || exit 1
  "$p/bin/simrun" --arch h100_24.cfg --json r.json "$p/share/nmsim/examples/llama2-7b-2of4.trace.gz" >/dev/null ||
    fail "installed simrun --arch h100_24.cfg"
  [ "$(archfile r.json)" -ef "$p/share/nmsim/configs/h100_24.cfg" ] || fail "installed simrun loaded $(archfile r.json)"
  "$p/bin/tracegen" --list-models | grep -q llama-2-7b || fail "installed tracegen finds no models"
  "$p/bin/tracegen" --model llama-2-7b --prompt 8 --decode 1 -o t.trace.gz || fail "installed tracegen"
  "$p/bin/simsweep" --check "$p/share/nmsim/sweeps/2of4-payoff.cfg" >/dev/null || fail "installed simsweep --check"
  ;;
*) fail "unknown case $case" ;;
esac
echo "ok: $case"
