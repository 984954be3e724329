#!/usr/bin/env bash
# Rewrites every golden report from the current build. Deliberate: run it, then read
# `git diff tests/golden` and explain every changed number in the commit message.
set -eu
cd "$(dirname "$0")/.."
make build >/dev/null
for t in tests/golden/*.trace; do
  UPDATE=1 SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 tests/golden_check.sh "$PWD/build/simrun" "$PWD/build/tests/json_diff" "$PWD" "$(basename "$t" .trace)"
done
git --no-pager diff --stat tests/golden || true
