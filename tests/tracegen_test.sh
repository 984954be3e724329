#!/usr/bin/env bash
# tracegen_test.sh BUILD SOURCE CASE: tracegen end to end (label tracegen).
set -u
build=$1; src=$2; case=$3
cd "$src" || exit 1
tg=$build/tracegen; sr=$build/simrun
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
models=$(ls traces/models/*.cfg | xargs -n1 basename | sed 's/\.cfg$//')

case "$case" in
params) # declared weights add up to the published parameter count (exact, or within 0.5 % of a nominal one)
  for m in $models; do
    line=$("$tg" --model "$m" --check-params) || fail "$m: tracegen failed"
    pct=$(echo "$line" | sed -n 's/.*(\([-+][0-9.]*\) %)$/\1/p')
    [ -n "$pct" ] || fail "$m: no percentage in: $line"
    awk -v p="$pct" 'BEGIN { exit !(p < 0.5 && p > -0.5) }' || fail "$line"
    echo "$line"
  done ;;
every_model) # every model, short prompt, replayed on every shipped machine
  for m in $models; do
    d=2; grep -Eq '^encoder *= *true *;' "traces/models/$m.cfg" && d=0 # encoders have no decode steps
    "$tg" --model "$m" --prompt 32 --decode $d --batch 2 -o "$tmp/$m.trace.gz" || fail "$m"
    for a in configs/a100_24.cfg configs/h100_24.cfg; do
      "$sr" -q --ignore-capacity --arch $a --json "$tmp/r.json" "$tmp/$m.trace.gz" >/dev/null || fail "simrun $m on $a"
    done
    grep -q "\"model\": \"$m\"" "$tmp/r.json" || fail "meta model lost for $m"
  done ;;
options) # every option value of the issue, each replayed, each changing the trace as it says
  # ARGS|PATTERN: PATTERN (grep -E) must match a record of the trace written with ARGS, and not
  # one of the trace written without options (unless ARGS keeps a default: PATTERN starts '=').
  "$tg" --model llama-3-8b --prompt 32 --decode 2 -o "$tmp/base.trace" || fail "tracegen base"
  grep -v '^meta' "$tmp/base.trace" >"$tmp/base.body"
  while IFS='|' read -r args pat; do
    "$tg" --model llama-3-8b --prompt 32 --decode 2 $args -o "$tmp/t.trace" || fail "tracegen $args"
    "$sr" -q --arch configs/h100_24.cfg "$tmp/t.trace" >/dev/null || fail "simrun on tracegen $args"
    for a in $args; do case "$a" in --*) k=${a#--}; grep -q "^meta .*${k//-/_}=" "$tmp/t.trace" || fail "meta lacks $k";; esac; done
    default=0; case "$pat" in =*) default=1; pat=${pat#=};; esac
    grep -v '^meta' "$tmp/t.trace" | grep -Eq "$pat" || fail "tracegen $args: no record matches $pat"
    [ $default = 1 ] || ! grep -Eq "$pat" "$tmp/base.body" || fail "tracegen $args: $pat matches without the option"
  done <<'ARGS'
--weights fp16|=^tensor id=L0\.mlp\.down role=weight dtype=fp16 shape=4096x14336$
--weights bf16|^tensor id=L0\.mlp\.down role=weight dtype=bf16 shape=4096x14336$
--weights fp8e4m3|^tensor id=L0\.mlp\.down role=weight dtype=fp8e4m3 
--weights int8|^tensor id=L0\.mlp\.down role=weight dtype=int8 
--weights int4:g128|^tensor id=L0\.mlp\.down role=weight dtype=int4 shape=4096x14336 q=group:128$
--weights int4:g32:zp|^tensor id=L0\.mlp\.down role=weight dtype=int4 shape=4096x14336 q=group:32:zp$
--weights mxfp4|^tensor id=L0\.mlp\.down role=weight dtype=mxfp4 
--weights nvfp4|^tensor id=L0\.mlp\.down role=weight dtype=nvfp4 
--sparsity nm:2:4|^tensor id=L0\.attn\.qkv .* sp=nm:2:4$
--sparsity mlp.*=vnm:64:2:8,attn.*=dense|^tensor id=L0\.mlp\.down .* sp=vnm:64:2:8$
--sparsity unstructured:0.5|^tensor id=L0\.mlp\.down .* sp=unstructured:0\.5$
--kv fp16|=^op attn b=1 hq=32 hkv=8 d=128 sq=32 skv=32( |$)
--kv fp8e4m3|^tensor id=kv role=kv dtype=fp8e4m3
--kv int8|^tensor id=kv role=kv dtype=int8
--kv int4:g64|^tensor id=kv role=kv dtype=int4 q=group:64$
--act-sparsity mlp.down=0.4|^op gemm m=32 n=4096 k=14336 w=L0\.mlp\.down asp=0\.4 
--attn window:4096|^op attn .* pat=window:4096
--attn topk:2048|^op attn .* pat=topk:2048
--attn thresh:0.1|^op attn .* pat=thresh:0\.1
--tp 8|^op coll kind=allreduce .* ranks=8
--batch 16|^step kind=prefill tokens=32 batch=16$
--act fp32|^op attn .* q=fp32
--act int8|^op attn .* q=int8
--ops attn,vec|=^op attn 
--weights int4:g128 --sparsity nm:2:4 --kv fp8e4m3 --attn window:1024 --tp 2|^tensor id=L0\.mlp\.down role=weight dtype=int4 shape=4096x7168 sp=nm:2:4 q=group:128$
ARGS
  # --ops keeps only the kinds named: every attention, nothing else
  "$tg" --model llama-3-8b --prompt 32 --decode 2 --ops attn -o "$tmp/a.trace" || fail "tracegen --ops attn"
  [ "$(grep -c '^op attn ' "$tmp/a.trace")" = $((32 * 3)) ] || fail "--ops attn lost attention ops"
  ! grep -Eq '^op (gemm|vec|coll) ' "$tmp/a.trace" || fail "--ops attn kept other ops"
  "$tg" --model mixtral-8x7b --prompt 16 --decode 1 --moe-dist 0.3,0.2,0.1,0.1,0.1,0.1,0.05,0.05 -o "$tmp/m.trace" || fail moe-dist
  "$sr" -q --ignore-capacity --arch configs/a100_24.cfg "$tmp/m.trace" >/dev/null || fail "simrun moe-dist" ;;
shape) # the op sequence of a decode step follows the model
  "$tg" --model llama-2-7b --prompt 8 --decode 3 -o "$tmp/t.trace" || fail tracegen
  [ "$(grep -c '^step kind=decode' "$tmp/t.trace")" = 3 ] || fail "decode steps"
  [ "$(grep -c '^step kind=prefill' "$tmp/t.trace")" = 1 ] || fail "prefill step"
  [ "$(grep -c 'op attn' "$tmp/t.trace")" = $((32 * 4)) ] || fail "one attention per layer per step"
  grep -q 'op attn b=1 hq=32 hkv=32 d=128 sq=1 skv=11 ' "$tmp/t.trace" || fail "KV length grows (8 + 3)"
  [ "$(grep -c 'name=lm_head' "$tmp/t.trace")" = 4 ] || fail "lm_head once per step"
  grep -q 'op gemm m=1 n=32000 k=4096 w=lm_head' "$tmp/t.trace" || fail "lm_head on the last token"
  "$tg" --model llama-2-70b --prompt 8 --decode 1 --tp 8 -o "$tmp/tp.trace" || fail tp
  grep -q 'op attn b=1 hq=8 hkv=1 ' "$tmp/tp.trace" || fail "tp splits heads"
  [ "$(grep -c 'op coll kind=allreduce' "$tmp/tp.trace")" = $((80 * 2 * 2)) ] || fail "two all-reduces per layer per step"
  # ALBERT: one set of layer weights read by all 24 layers; a 128-wide embedding projected to 2048
  "$tg" --model albert-xlarge --prompt 8 -o "$tmp/al.trace" || fail albert
  [ "$(grep -c '^tensor id=L[0-9]*\.attn\.qkv ' "$tmp/al.trace")" = 1 ] || fail "shared layers declare one qkv"
  [ "$(grep -c '^op gemm .* w=L0\.attn\.qkv layer=' "$tmp/al.trace")" = 24 ] || fail "every layer reads the shared qkv"
  grep -q '^op attn .* layer=23$' "$tmp/al.trace" || fail "24 layers of attention"
  grep -q '^tensor id=embed role=weight dtype=fp16 shape=30000x128$' "$tmp/al.trace" || fail "narrow embedding table"
  grep -q '^op gemm m=8 n=2048 k=128 w=embed_proj ' "$tmp/al.trace" || fail "embedding projection GEMM"
  grep -q '^op vec kind=layernorm rows=8 cols=128' "$tmp/al.trace" || fail "embedding norm over 128"
  # Decode only: no prefill, the KV cache starts at --context and grows by one per step
  "$tg" --model llama-2-7b --prompt 0 --context 1024 --decode 3 -o "$tmp/d.trace" || fail "--prompt 0"
  ! grep -q '^step kind=prefill' "$tmp/d.trace" || fail "--prompt 0 wrote a prefill step"
  [ "$(grep -c '^step kind=decode tokens=1 batch=1$' "$tmp/d.trace")" = 3 ] || fail "--prompt 0: decode steps"
  for kv in 1025 1026 1027; do
    [ "$(grep -c "^op attn b=1 hq=32 hkv=32 d=128 sq=1 skv=$kv " "$tmp/d.trace")" = 32 ] || fail "--context 1024: no step at skv=$kv"
  done
  "$sr" -q --arch configs/a100_24.cfg --json "$tmp/d.json" "$tmp/d.trace" >/dev/null || fail "simrun on a decode-only trace"
  grep -q '"kind": "prefill"' "$tmp/d.json" && fail "a prefill step in the report of a decode-only trace"
  # --context under a prompt: the prefill attends to the cached prefix as well
  "$tg" --model llama-2-7b --prompt 8 --context 100 --decode 1 -o "$tmp/c.trace" || fail "--context with a prompt"
  grep -q '^op attn b=1 hq=32 hkv=32 d=128 sq=8 skv=108 ' "$tmp/c.trace" && grep -q 'sq=1 skv=109 ' "$tmp/c.trace" || fail "--context with a prompt: KV lengths"
  # --describe-model describes model files, not architecture files
  "$tg" --describe-model >"$tmp/dm" || fail "--describe-model"
  head -n 1 "$tmp/dm" | grep -q 'model file' || fail "--describe-model heading: $(head -n 1 "$tmp/dm")"
  grep -q 'architecture' "$tmp/dm" && fail "--describe-model speaks of architecture files"
  grep -q '^kv_heads ' "$tmp/dm" || fail "--describe-model lacks kv_heads" ;;
machines) # every shipped machine replays an attention-only int8 trace (every machine has a path for it)
  "$tg" --model bert-base --prompt 64 --ops attn --act int8 --kv int8 --attn thresh:0.1 -o "$tmp/a.trace" || fail tracegen
  for a in configs/*.cfg; do
    "$sr" -q --arch "$a" "$tmp/a.trace" >/dev/null || fail "simrun on $a"
  done
  # the machines built from the papers' public descriptions tag every number: a source or [ASSUMED: why]
  for a in configs/sta.cfg configs/i9_9900x.cfg configs/rtx2080ti.cfg configs/sprint_*.cfg; do
    untagged=$(grep -nE '^\s*[a-z_0-9]+\s*=\s*("?[0-9.]|true|false|"[0-9:])' "$a" | grep -v '\[')
    [ -z "$untagged" ] || fail "$a: settings without a source tag: $untagged"
  done ;;
deterministic)
  "$tg" --model llama-3-8b --prompt 16 --decode 2 -o "$tmp/a.trace.gz"
  "$tg" --model llama-3-8b --prompt 16 --decode 2 -o "$tmp/b.trace.gz"
  cmp "$tmp/a.trace.gz" "$tmp/b.trace.gz" || fail "two runs differ" ;;
quiet) # -q: only errors on standard error (no Kineto summary, no warnings); the trace is the same
  "$tg" --from-kineto tests/data/kineto/synthetic.json -o "$tmp/k.trace" 2>"$tmp/k.err" || fail "from-kineto"
  [ -s "$tmp/k.err" ] || fail "no summary without -q"
  "$tg" -q --from-kineto tests/data/kineto/synthetic.json -o "$tmp/kq.trace" 2>"$tmp/kq.err" || fail "from-kineto -q"
  [ ! -s "$tmp/kq.err" ] || fail "-q printed: $(cat "$tmp/kq.err")"
  cmp "$tmp/k.trace" "$tmp/kq.trace" || fail "-q changed the Kineto trace"
  "$tg" --model llama-2-7b --prompt 8 --decode 1 -o "$tmp/a.trace" && "$tg" -q --model llama-2-7b --prompt 8 --decode 1 -o "$tmp/b.trace" || fail tracegen
  cmp "$tmp/a.trace" "$tmp/b.trace" || fail "-q changed the trace (meta)"
  err=$("$tg" -q --model nosuchmodel 2>&1); [ -n "$err" ] || fail "-q hid an error" ;;
bad) # bad options: exit 2 with a message naming the option
  while IFS='|' read -r want args; do
    err=$("$tg" $args -o "$tmp/x.trace" 2>&1); rc=$?
    [ $rc = 2 ] || fail "exit $rc for: $args"
    case "$err" in *"$want"*) ;; *) fail "message for '$args' lacks '$want': $err";; esac
  done <<'BAD'
no such model|--model nosuchmodel
--weights int3|--model llama-2-7b --weights int3
--sparsity|--model llama-2-7b --sparsity nm:5:4
--act-sparsity|--model llama-2-7b --act-sparsity mlp.down=1.5
does not divide|--model llama-2-7b --tp 3
no decode steps|--model bert-large --decode 4
no decode steps|--model bert-large --prompt 0 --decode 1
decode steps only: give --decode N|--model llama-2-7b --prompt 0 --decode 0
'mpl.*' matches no weight of llama-2-7b (its weights: attn.qkv attn.o mlp.gate_up mlp.down lm_head)|--model llama-2-7b --sparsity mpl.*=nm:2:4
--sparsity: 'lm_head' matches no weight|--model gpt2-large --sparsity lm_head=nm:2:4
--act-sparsity: 'mlp.up' matches no GEMM|--model llama-2-7b --act-sparsity mlp.up=0.5
--context|--model llama-2-7b --context x
--batch|--model llama-2-7b --batch 0
--moe-dist|--model mixtral-8x7b --moe-dist 0.5,0.6
--attn|--model llama-2-7b --attn window:0
--ops|--model llama-2-7b --ops softmax
--act|--model llama-2-7b --act int4
unknown option|--model llama-2-7b --frobnicate
BAD
  printf 'name = "x";\nsource = "t";\nhidden = 64;\nlayres = 2;\n' >"$tmp/bad.cfg"
  err=$("$tg" --model "$tmp/bad.cfg" 2>&1); rc=$?
  [ $rc = 2 ] && case "$err" in *"bad.cfg:4: layres: unknown setting"*) ;; *) false;; esac || fail "bad model file: $err" ;;
*) fail "unknown case $case" ;;
esac
echo "ok: $case"
