#!/usr/bin/env bash
# kineto_test.sh BUILD SOURCE CASE: tracegen --from-kineto end to end (label kineto).
#
# The expected numbers were observed, then checked independently with python's json module
# (python is not used at test time). This script, run on each fixture, prints the written op
# types in time order with their dur_ns; its output equals the importer's, line for line:
#
#   import json, gzip, sys, collections
#   from decimal import Decimal
#   ev = json.load(gzip.open(sys.argv[1]), parse_float=Decimal)['traceEvents']
#   GEMM = {'aten::linear', 'aten::mm', 'aten::addmm', 'aten::bmm', 'aten::baddbmm', 'aten::matmul'}
#   ATTN = {'aten::scaled_dot_product_attention', 'aten::_scaled_dot_product_flash_attention',
#           'aten::_flash_attention_forward'}
#   VEC = {'aten::layer_norm': 'layernorm', 'aten::native_layer_norm': 'layernorm',
#          'aten::gelu': 'gelu', 'aten::silu': 'silu', 'aten::add': 'add', 'aten::add_': 'add',
#          'aten::mul': 'mul', 'aten::neg': 'mul', 'aten::pow': 'mul', 'aten::rsqrt': 'mul',
#          'aten::cos': 'mul', 'aten::sin': 'mul', 'aten::embedding': 'embed',
#          'aten::copy_': 'copy', 'aten::cat': 'copy'}
#   ns = lambda x: int((Decimal(x) * 1000).to_integral_value())
#   ops = [(i, e) for i, e in enumerate(ev) if e.get('cat') == 'cpu_op' and e.get('ph') == 'X']
#   ops.sort(key=lambda p: (str(p[1]['pid']), str(p[1]['tid']), ns(p[1]['ts']),
#                           -(ns(p[1]['ts']) + ns(p[1]['dur'])), p[0]))
#   kern = collections.defaultdict(int)
#   for e in ev:
#       if e.get('cat') in ('kernel', 'gpu_memcpy', 'gpu_memset') and 'External id' in e['args']:
#           kern[e['args']['External id']] += ns(e['dur'])
#   stack, written = [], []       # open ops: (thread, start, end, index of the written owner)
#   for i, e in ops:
#       s, t = ns(e['ts']), ns(e['ts']) + ns(e['dur'])
#       while stack and not (stack[-1][0] == (e['pid'], e['tid']) and stack[-1][1] <= s
#                            and t <= stack[-1][2]):
#           stack.pop()
#       n = e['name']
#       kind = ('gemm' if n in GEMM else 'attn' if n in ATTN else
#               'vec/' + VEC[n] if n in VEC else None)
#       owner = stack[-1][3] if stack else None
#       if owner is None and kind:
#           owner = len(written); written.append([s, i, kind, 0])
#       if owner is not None:
#           written[owner][3] += kern.get(e['args'].get('External id'), 0)
#       stack.append(((e['pid'], e['tid']), s, t, owner))
#   written.sort()
#   print(collections.Counter(w[2] for w in written), sum(w[3] for w in written))
#   for w in written: print(w[2], w[3])
#
# It gives:
#   bert: gemm 26, attn 4, vec 28 (embed 3, add 10, layernorm 10, gelu 5); dur_ns sum 301789
#   qwen: gemm 169, attn 24, vec 784 (mul 368, copy 246, add 145, silu 24, embed 1);
#         dur_ns sum 29113944
set -u
build=$1; src=$2; case=$3
cd "$src" || exit 1
tg=$build/tracegen; sr=$build/simrun
data=tests/data/kineto
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# import FIXTURE: writes $tmp/FIXTURE.trace and $tmp/FIXTURE.err
import() {
	"$tg" --from-kineto "$data/$1" -o "$tmp/$1.trace" 2>"$tmp/$1.err" || {
		cat "$tmp/$1.err"; fail "tracegen --from-kineto $1"; }
}
# count TRACE PATTERN: records matching an extended regex
count() { grep -cE "$2" "$1"; }
expect() { # expect WHAT GOT WANT
	[ "$2" = "$3" ] || fail "$1: got $2, want $3"
}
# the op types and vec kinds of a trace, one "type[/kind] count" per line, sorted
by_kind() {
	awk '$1 == "op" { t = $2; if (t == "vec") { split($3, a, "="); t = t "/" a[2] } n[t]++ }
	     END { for (k in n) print k, n[k] }' "$1" | sort
}
dur_sum() { grep -o ' dur_ns=[0-9]*' "$1" | awk -F= '{ s += $2 } END { print s + 0 }'; }
# the unmapped= list of the meta record
unmapped() { sed -n 's/^meta unmapped=//p' "$1"; }

bert=bert-small-uncased.h100.json.gz
qwen=qwen1.5-0.5b-chat.mi300.json.gz

case "$case" in
counts) # op counts by type and vec kind, steps, tensors: the numbers checked above
	import $bert
	expect "bert ops by kind" "$(by_kind "$tmp/$bert.trace" | tr '\n' ' ')" \
		"attn 4 gemm 26 vec/add 10 vec/embed 3 vec/gelu 5 vec/layernorm 10 "
	expect "bert steps" "$(count "$tmp/$bert.trace" '^step ')" 1
	grep -q '^step kind=prefill$' "$tmp/$bert.trace" || fail "bert: no prefill step"
	expect "bert weights" "$(count "$tmp/$bert.trace" '^tensor .*role=weight')" 4
	grep -q '^op gemm m=141 n=2048 k=512 w=w.2048x512.bf16 a=bf16 name=aten::linear ' \
		"$tmp/$bert.trace" || fail "bert: FFN up projection"
	grep -q '^op attn b=1 hq=8 hkv=8 d=64 sq=141 skv=141 causal=0 kv=kv.bf16 q=bf16 ' \
		"$tmp/$bert.trace" || fail "bert: encoder attention (is_causal=False)"
	grep -q '^meta .*ignored=65 unmapped_ops=3 ' "$tmp/$bert.trace" || fail "bert: class counts"
	import $qwen
	expect "qwen ops by kind" "$(by_kind "$tmp/$qwen.trace" | tr '\n' ' ')" \
		"attn 24 gemm 169 vec/add 145 vec/copy 246 vec/embed 1 vec/mul 368 vec/silu 24 "
	expect "qwen weights" "$(count "$tmp/$qwen.trace" '^tensor .*role=weight')" 3
	expect "qwen down projections" \
		"$(count "$tmp/$qwen.trace" '^op gemm m=8944 n=1024 k=2816 w=w.1024x2816.bf16 ')" 24
	expect "qwen causal attention" \
		"$(count "$tmp/$qwen.trace" '^op attn b=16 hq=16 hkv=16 d=64 sq=559 skv=559 kv=kv.bf16 q=bf16 ')" 24
	grep -q '^op gemm m=32 n=559 k=1 b=fp32 a=fp32 name=aten::matmul ' "$tmp/$qwen.trace" ||
		fail "qwen: rotary frequencies matmul"
	grep -q '^meta .*ignored=1308 unmapped_ops=53 ' "$tmp/$qwen.trace" || fail "qwen: class counts" ;;
durations) # dur_ns: every written op of the fixtures has one, and they add up as counted above
	import $bert; import $qwen
	for f in $bert $qwen; do
		ops=$(count "$tmp/$f.trace" '^op ')
		expect "$f ops with dur_ns" "$(count "$tmp/$f.trace" '^op .* dur_ns=[0-9]+')" "$ops"
	done
	expect "bert dur_ns sum" "$(dur_sum "$tmp/$bert.trace")" 301789
	expect "qwen dur_ns sum" "$(dur_sum "$tmp/$qwen.trace")" 29113944
	# a linear's dur_ns is its nested addmm's kernel (bert traceEvents: addmm External id 25,
	# one cutlass kernel of 5.824 us)
	grep -q '^op gemm m=141 n=512 k=512 .* dur_ns=5824$' "$tmp/$bert.trace" || fail "bert: first linear" ;;
unmapped) # no GEMM or attention op unmapped; the rest listed in meta and on stderr
	import $bert; import $qwen
	expect "bert unmapped" "$(unmapped "$tmp/$bert.trace")" "aten::all:1,aten::eq:1,aten::is_nonzero:1"
	expect "qwen unmapped" "$(unmapped "$tmp/$qwen.trace")" \
		"aten::mean:49,aten::all:1,aten::arange:1,aten::eq:1,aten::is_nonzero:1"
	for f in $bert $qwen; do
		unmapped "$tmp/$f.trace" | grep -Eq 'linear|mm|matmul|attention|attn' &&
			fail "$f: a GEMM or attention op is unmapped"
		grep -q "unmapped (name count (device time)): aten::" "$tmp/$f.err" || fail "$f: no unmapped list on stderr"
		grep -q "ignored (no device work): aten::" "$tmp/$f.err" || fail "$f: no ignored list on stderr"
		head -2 "$tmp/$f.trace" | grep -q "^meta source=kineto file=$f " || fail "$f: meta source first"
	done
	grep -q 'aten::mean 49 (' "$tmp/$qwen.err" || fail "qwen: aten::mean count on stderr" ;;
deterministic) # byte-identical output across runs, gzip included
	for f in $bert $qwen; do
		"$tg" --from-kineto "$data/$f" -o "$tmp/a.trace.gz" 2>/dev/null || fail "run 1 $f"
		"$tg" --from-kineto "$data/$f" -o "$tmp/b.trace.gz" 2>/dev/null || fail "run 2 $f"
		cmp "$tmp/a.trace.gz" "$tmp/b.trace.gz" || fail "$f: two runs differ"
		gzip -dc "$data/$f" >"$tmp/plain.json" # plain JSON reads the same as gzip
		"$tg" --from-kineto "$tmp/plain.json" -o "$tmp/c.trace.gz" 2>/dev/null || fail "plain $f"
		gzip -dc "$tmp/a.trace.gz" | sed 1,2d >"$tmp/a.txt"
		gzip -dc "$tmp/c.trace.gz" | sed 1,2d >"$tmp/c.txt"
		cmp "$tmp/a.txt" "$tmp/c.txt" || fail "$f: plain and gzip input differ"
	done ;;
replay) # simrun replays both, and reports measured against simulated per op type
	import $bert; import $qwen
	for f in $bert $qwen; do
		"$sr" -q --arch configs/h100_24.cfg --json "$tmp/r.json" "$tmp/$f.trace" >/dev/null ||
			fail "simrun $f"
		for t in gemm attn vec; do
			tr -d ' \n' <"$tmp/r.json" | grep -q "\"$t\":{[^}]*\"measured_ops\":[1-9]" ||
				fail "$f: no measured_ops for $t"
		done
	done
	# The text report: each type's kernel time with and without the fixed per-kernel cost
	# (BERT's 58 kernels: 4 us each on the H100), and no token count the profile does not give.
	"$sr" --arch configs/h100_24.cfg "$tmp/$bert.trace" >"$tmp/r.txt" 2>&1 || fail "simrun text"
	grep -q '^  all  *58 ops  measured .* with the fixed cost  *310.28 us' "$tmp/r.txt" ||
		fail "$bert: no 'with the fixed cost' total: $(grep -A6 '^measured' "$tmp/r.txt")"
	grep -q '^time to first token (prefill) .*(1 step; the trace gives no token count)$' \
		"$tmp/r.txt" || fail "$bert: $(grep 'time to first' "$tmp/r.txt")" ;;
synthetic) # every GEMM and attention form, correlation-only links, steps, unmapped dtypes
	f=synthetic.json
	import $f
	t=$tmp/$f.trace
	expect "synthetic ops by kind" "$(by_kind "$t" | tr '\n' ' ')" \
		"attn 4 gemm 9 vec/gelu 1 vec/relu 1 vec/rmsnorm 1 vec/softmax 1 "
	while read -r want; do
		grep -qxF -- "$want" "$t" || fail "synthetic: no line '$want'"
	done <<'LINES'
tensor id=w.512x256.fp16.2of4 role=weight dtype=fp16 shape=512x256 sp=nm:2:4
step kind=prefill
op gemm m=32 n=128 k=64 w=w.128x64.bf16 a=bf16 name=aten::linear dur_ns=5500
op gemm m=32 n=512 k=256 w=w.512x256.fp16.2of4 name=aten::linear dur_ns=3000
op gemm m=32 n=512 k=256 w=w.512x256.fp16.2of4 name=aten::_cslt_sparse_mm dur_ns=2250
op gemm m=16 n=32 k=64 b=fp8e4m3 a=fp8e4m3 out=bf16 name=aten::_scaled_mm dur_ns=1125
op gemm m=32 n=16 k=64 b=int8 a=int8 out=fp32 name=aten::_int_mm dur_ns=1000
op gemm m=8 n=8 k=16 b=fp32 a=fp32 count=4 name=aten::bmm dur_ns=1000
op gemm m=8 n=8 k=16 b=fp16 count=4 name=aten::baddbmm dur_ns=1000
op gemm m=8 n=4 k=16 b=bf16 a=bf16 count=6 name=aten::matmul dur_ns=1000
op attn b=2 hq=32 hkv=8 d=64 sq=128 skv=128 kv=kv.bf16 q=bf16 name=aten::_scaled_dot_product_efficient_attention dur_ns=4000
op attn b=3 hq=16 hkv=4 d=128 sq=100 skv=100 causal=0 kv=kv.fp16 name=flash_attn::_flash_attn_varlen_forward dur_ns=4000
op attn b=1 hq=8 hkv=8 d=128 sq=64 skv=64 kv=kv.fp8e5m2 q=fp8e5m2 name=flash_attn::_flash_attn_forward dur_ns=2000
op vec kind=gelu rows=8 cols=64 dtype=bf16 name=aten::gelu dur_ns=1000
step kind=decode
op gemm m=1 n=128 k=64 w=w.128x64.bf16 a=bf16 name=aten::linear dur_ns=1500
op attn b=1 hq=8 hkv=8 d=64 sq=1 skv=33 causal=0 kv=kv.bf16 q=bf16 name=aten::scaled_dot_product_attention dur_ns=2000
LINES
	expect "synthetic unmapped" "$(unmapped "$t")" "aten::frobnicate:1,aten::mm[double]:1"
	grep -q ' composite=1 ' "$t" || fail "synthetic: the wrapper around gelu is composite"
	"$sr" -q --arch configs/h100_24.cfg "$t" >/dev/null || fail "simrun synthetic" ;;
bad) # bad inputs: exit 2 with a message naming the file (and the event for a bad shape)
	head -c 20000 "$data/$bert" >"$tmp/truncated.json.gz"
	echo 'this is not json' >"$tmp/text.json"
	echo '{"schemaVersion": 1, "events": []}' >"$tmp/noevents.json"
	: >"$tmp/empty.json"
	printf '{"traceEvents": [' >"$tmp/cut.json"
	printf '{"traceEvents": [{"ph": "X", "cat": "cpu_op", "name": "aten::mm", "pid": 1, "tid": 1, "ts": 1, "dur": 2, "args": {"Input Dims": [[4, 8], [9, 4]], "Input type": ["float", "float"]}}]}' >"$tmp/badgemm.json"
	printf '{"traceEvents": [{"ph": "X", "cat": "cpu_op", "name": "aten::linear", "pid": 1, "tid": 1, "ts": 1, "dur": 2, "args": {}}]}' >"$tmp/noshapes.json"
	printf '{"traceEvents": [{"ph": "X", "cat": "cpu_op", "name": "aten::scaled_dot_product_attention", "pid": 1, "tid": 1, "ts": 1, "dur": 2, "args": {"Input Dims": [[1, 6, 4, 64], [1, 4, 4, 64], [1, 4, 4, 64]], "Input type": ["c10::Half", "c10::Half", "c10::Half"]}}]}' >"$tmp/badgqa.json"
	while IFS='|' read -r file want; do
		rm -f "$tmp/out.trace"
		err=$("$tg" --from-kineto "$tmp/$file" -o "$tmp/out.trace" 2>&1); rc=$?
		[ $rc = 2 ] || fail "exit $rc for $file: $err"
		case "$err" in *"$tmp/$file: $want"*) ;; *) fail "message for $file lacks '$file: $want': $err";; esac
		[ -e "$tmp/out.trace" ] && fail "$file: an output was left behind"
	done <<'BAD'
truncated.json.gz|truncated gzip data
text.json|not a Chrome-trace JSON: 
noevents.json|not a Chrome-trace JSON: no traceEvents array
empty.json|not a Chrome-trace JSON: empty file
cut.json|not a Chrome-trace JSON: the document ends early
badgemm.json|traceEvents[0] aten::mm: A is 4x8 but B is 9x4
noshapes.json|traceEvents[0] aten::linear: no tensor shapes
badgqa.json|traceEvents[0] aten::scaled_dot_product_attention: Q (b=1 h=6 d=64) and K (b=1 h=4 d=64) do not fit
nosuchfile.json|cannot open
BAD
	err=$("$tg" --from-kineto "$data/$bert" --model llama-2-7b 2>&1); rc=$?
	[ $rc = 2 ] && case "$err" in *"--from-kineto takes only -o"*) ;; *) false;; esac ||
		fail "--from-kineto with --model: $err" ;;
threads) # two threads whose ops interleave in time, events in reverse file order, kernels
	# linked by correlation only: records come out in time order across threads (the sort of
	# the records), each with its own kernel's time (the sweep over launches in time order)
	import threads.json
	got=$(grep '^op ' "$tmp/threads.json.trace" | sed 's/ w=[^ ]*//; s/ name=[^ ]*//')
	want='op gemm m=1 n=128 k=64 dur_ns=5000
op gemm m=2 n=256 k=64 dur_ns=6000
op gemm m=3 n=384 k=64 dur_ns=7000
op gemm m=4 n=512 k=64 dur_ns=8000'
	[ "$got" = "$want" ] || fail "threads: got
$got" ;;
*) fail "unknown case $case" ;;
esac
echo "ok: $case"
