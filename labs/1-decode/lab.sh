# Lab 1's measurements (sourced by labs/check after labs/lib.sh and params).
# l1_trace BATCH [PROMPT]: step 5's batches use a 1-token prompt (the weights alone matter).
l1_trace() { trace "l1_b$1_p${2:-$PROMPT}" --model "$MODEL" --prompt "${2:-$PROMPT}" --decode "$DECODE" --batch "$1"; }
# Bytes of every declared weight at fp16: the hand estimate of what one decode step reads.
weights_gb() { calc "$(weight_bytes "$(l1_trace 1)") / 1e9"; }
# Device-memory bytes of the first decode step (step 1), simulated.
step_gb() { calc "$(csv_sum bytes 'step == 1' "$ARCH" "$(l1_trace 1)") / 1e9"; }
# The roofline prediction: the weights over the achievable bandwidth.
predicted_ms() { calc "$(weight_bytes "$(l1_trace 1)") / ($(cfg "$ARCH" hbm.bandwidth) * $(cfg "$ARCH" hbm.efficiency)) * 1e3"; }
tpot_ms() { calc "$(step_mean decode "$ARCH" "$(l1_trace "${1:-1}")") * 1e3"; }
gemm_pct() { local t; t=$(l1_trace 1)
  calc "100 * $(csv_sum time_s 'step == 1 && type == "gemm"' "$ARCH" "$t") / $(csv_sum time_s 'step == 1' "$ARCH" "$t")"; }
# Machine balance: fp16 tensor flop/s over device-memory bytes/s (both at their efficiencies).
ridge_flop_per_byte() {
  calc "2 * $(cfg "$ARCH" tensor.fp16) * $(cfg "$ARCH" core.count) * $(cfg "$ARCH" core.freq) * $(cfg "$ARCH" tensor.efficiency) / ($(cfg "$ARCH" hbm.bandwidth) * $(cfg "$ARCH" hbm.efficiency))"; }
# The first batch of BATCHES whose decode-step GEMMs spend more time compute-bound than memory-bound.
ridge_batch() { local b t c m
  for b in $BATCHES; do t=$(l1_trace "$b" 1)
    c=$(csv_sum time_s 'step == 1 && type == "gemm" && bound == "compute"' "$ARCH" "$t")
    m=$(csv_sum time_s 'step == 1 && type == "gemm" && bound != "compute"' "$ARCH" "$t")
    awk -v c="$c" -v m="$m" 'BEGIN { exit !(c > m) }' && { echo "$b"; return; }
  done; echo "none of BATCHES is compute-bound" >&2; return 1; }
# Tokens per second at BIG_BATCH over tokens per second at batch 1.
tps_gain() { calc "$BIG_BATCH * $(step_mean decode "$ARCH" "$(l1_trace 1 1)") / $(step_mean decode "$ARCH" "$(l1_trace "$BIG_BATCH" 1)")"; }
