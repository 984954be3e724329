#!/usr/bin/env bash
# golden_check.sh SIMRUN SOURCE_DIR NAME: replays tests/golden/NAME.trace on
# configs/test/tiny.cfg and diffs the JSON report with tests/golden/NAME.json.
# With UPDATE=1 it rewrites the golden file instead (tools/update_goldens.sh); read the diff.
set -u
simrun=$1; src=$2; name=$3
cd "$src" || exit 1
out=$(mktemp); trap 'rm -f "$out"' EXIT
"$simrun" --arch configs/test/tiny.cfg --json "$out" "tests/golden/$name.trace" >/dev/null || exit 1
if [ "${UPDATE:-0}" = 1 ]; then cp "$out" "tests/golden/$name.json"; echo "updated tests/golden/$name.json"; exit 0; fi
diff -u "tests/golden/$name.json" "$out" && echo "ok: report matches tests/golden/$name.json"
