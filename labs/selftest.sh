#!/usr/bin/env bash
# labs/selftest.sh BUILD LAB: a lab's reference answers pass labs/check, its blank template
# and a deliberately wrong answer fail with exit 1 (label labs; make labs).
set -u
build=$1; lab=$2
here=$(cd "$(dirname "$0")" && pwd)
export NMSIM_BIN=$build NMSIM_LAB_WORK
NMSIM_LAB_WORK=$(mktemp -d); trap 'rm -rf "$NMSIM_LAB_WORK"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$here/check" "$lab" "$here/$lab/solution/answers.txt" || fail "$lab: the reference answers do not pass"
out=$("$here/check" "$lab" "$here/$lab/answers.txt"); rc=$?
[ $rc = 1 ] || fail "$lab: the blank template exits $rc, not 1"
echo "$out" | grep -q '^PASS' && fail "$lab: the blank template passes a question"
# Every numeric answer moved by 50 %: each must be a miss naming its step.
awk -F' = ' '!/^#/ && NF == 2 && $2 ~ /^[-+0-9.]/ { $2 = $2 * 1.5 + 1 } { print }' OFS=' = ' \
  "$here/$lab/solution/answers.txt" >"$NMSIM_LAB_WORK/wrong.txt"
out=$("$here/check" "$lab" "$NMSIM_LAB_WORK/wrong.txt"); rc=$?
[ $rc = 1 ] || fail "$lab: wrong answers exit $rc, not 1"
for id in $(grep -v '^#' "$here/$lab/questions.tsv" | awk -F'\t' '$2 == "numeric" { print $1 }'); do
  echo "$out" | grep -Eq "^MISS +$id .*revisit step" || fail "$lab: a wrong $id is not reported as a miss"
done
echo "$lab: reference passes, blank and wrong answers fail"
