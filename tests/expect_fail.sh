#!/usr/bin/env bash
# expect_fail.sh EXPECT_FILE NAME_IN_MESSAGE -- COMMAND...
# Runs COMMAND and passes when it exits with status 2 (bad input), was not killed by a signal,
# and its standard error contains both the text of EXPECT_FILE (one line) and NAME_IN_MESSAGE
# (the file the message must name).
set -u
expect_file=$1; name=$2; shift 3
want=$(head -n 1 "$expect_file")
err=$("$@" 2>&1 >/dev/null); rc=$?
fail() { echo "FAIL: $*"; echo "command: $*"; echo "stderr was:"; echo "$err"; exit 1; }
[ "$rc" -ge 128 ] && fail "killed by signal $((rc - 128))"
[ "$rc" -eq 2 ] || fail "exit status $rc, expected 2"
case "$err" in *"$want"*) ;; *) fail "message lacks: $want" ;; esac
case "$err" in *"$name"*) ;; *) fail "message does not name $name" ;; esac
echo "ok: exit 2: $(echo "$err" | head -n 1)"
