# Lab 4's measurements (sourced by labs/check after labs/lib.sh and params).
mt() { trace "l4_${1//[:]/_}_$2_$3" --model "$MODEL" --prompt "$2" --decode 2 --batch "$3" --weights $1; }   # mt 'WEIGHTS' PROMPT BATCH
scale_bits() { calc "8 * $(counter hbm scale_read_bytes "$ARCH" "$(gemm_trace l4_g 1 "$N" "$K" dtype=int4 q=group:"$GROUP")") / ($N * $K)"; }
int4_bits() { calc "8 * $(total hbm_bytes "$ARCH" "$(gemm_trace l4_g 1 "$N" "$K" dtype=int4 q=group:"$GROUP")") / ($N * $K)"; }
# gain KIND ARCH 'WEIGHTS': fp16 step time over WEIGHTS's (KIND prefill = TTFT, decode = TPOT).
gain() { calc "$(step_mean "$1" "$2" "$(mt fp16 "$PROMPT" 1)") / $(step_mean "$1" "$2" "$(mt "$3" "$PROMPT" 1)")"; }
# Share of W4A16 prefill time the cores spend dequantizing (CSV decode_s over step 0's time).
dequant_pct() { local t; t=$(mt "int4:g$GROUP" "$PROMPT" 1)
  calc "100 * $(csv_sum decode_s 'step == 0' "$ARCH" "$t") / $(csv_sum time_s 'step == 0' "$ARCH" "$t")"; }
# The first batch of BATCHES where W8A8 decodes at least as fast as W4A16.
w8a8_wins() { local b
  for b in $BATCHES; do
    awk -v a="$(step_mean decode "$ARCH" "$(mt int8 1 "$b")")" -v b="$(step_mean decode "$ARCH" "$(mt "int4:g$GROUP" 1 "$b")")" \
      'BEGIN { exit !(a <= b) }' && { echo "$b"; return; }
  done; echo "W4A16 wins at every batch" >&2; return 1; }
