#!/usr/bin/env bash
# golden_check.sh SIMRUN JSON_DIFF SOURCE_DIR NAME: replays tests/golden/NAME.trace with the
# options in tests/golden/NAME.args (default: --arch configs/test/tiny.cfg) and compares the
# JSON report with tests/golden/NAME.json (json_diff: doubles to a relative 1e-9, all else
# exact), with the result cache and without it (--no-cache): both must match. With UPDATE=1 it rewrites the golden file instead (tools/update_goldens.sh): read the
# diff, and say in the commit why every number changed.
set -u
simrun=$1; jdiff=$2; src=$3; name=$4
cd "$src" || exit 1
out=$(mktemp); out2=$(mktemp); trap 'rm -f "$out" "$out2"' EXIT
args="--arch configs/test/tiny.cfg"
[ -f "tests/golden/$name.args" ] && args=$(grep -v '^#' "tests/golden/$name.args")
# shellcheck disable=SC2086
eval "\"$simrun\" $args --json \"$out\" \"tests/golden/$name.trace\"" >/dev/null || exit 1
if [ "${UPDATE:-0}" = 1 ]; then cp "$out" "tests/golden/$name.json"; echo "updated tests/golden/$name.json"; exit 0; fi
eval "\"$simrun\" $args --no-cache --json \"$out2\" \"tests/golden/$name.trace\"" >/dev/null || exit 1
"$jdiff" "tests/golden/$name.json" "$out" || exit 1
echo "--no-cache:"
"$jdiff" "tests/golden/$name.json" "$out2" || exit 1
echo "ok: report matches tests/golden/$name.json, with and without the result cache"
