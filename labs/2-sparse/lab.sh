# Lab 2's measurements (sourced by labs/check after labs/lib.sh and params).
g() { gemm_trace "l2_$1_$2" "$2" "$N" "$K" ${3:+sp=$3}; }       # g NAME M [SPARSITY]
# Stored bits per weight of the 2:4 GEMM at m = 1 (device-memory bytes / weights).
bits_24() { calc "8 * $(total hbm_bytes "$ARCH" "$(g s 1 nm:2:4)") / ($N * $K)"; }
ideal_decode() { calc "16 / $(bits_24)"; }
# speedup ARCH M [COLUMN]: dense over 2:4 time of one GEMM (time_s or kernel_s).
speedup() { local a=$1 m=$2 c=${3:-time_s}
  calc "$(csv_sum "$c" 1 "$a" "$(g d "$m")") / $(csv_sum "$c" 1 "$a" "$(g s "$m" nm:2:4)")"; }
ideal_prefill() { calc "2 * $(cfg "$ARCH" tensor.sparse_efficiency)"; }
# Tokens per GEMM where compute time = weight-streaming time, for BITS stored bits per weight
# and SPEEDUP times the dense math rate.
ridge_m() { calc "$(cfg "$ARCH" tensor.fp16) * $(cfg "$ARCH" core.count) * $(cfg "$ARCH" core.freq) * $(cfg "$ARCH" tensor.efficiency) * $2 * $1 / 8 / ($(cfg "$ARCH" hbm.bandwidth) * $(cfg "$ARCH" hbm.efficiency))"; }
model_speedup() { local d s
  d=$(trace l2_dense --model "$MODEL" --prompt "$PROMPT" --decode 2)
  s=$(trace l2_24 --model "$MODEL" --prompt "$PROMPT" --decode 2 --sparsity nm:2:4)
  calc "$(step_mean "$1" "$ARCH2" "$d") / $(step_mean "$1" "$ARCH2" "$s")"; }
