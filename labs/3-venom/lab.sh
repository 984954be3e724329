# Lab 3's measurements (sourced by labs/check after labs/lib.sh and params).
g() { gemm_trace "l3_$1_$2" "$2" "$N" "$K" sp="$1"; }           # g SPARSITY M
vnm() { echo "vnm:$V:2:$1"; }
# speedup M: dense over V:2:M time of the M_TOK-token GEMM (M = 4: plain 2:4).
speedup() { local sp; sp=$(vnm "$1"); [ "$1" = 4 ] && sp=nm:2:4
  calc "$(total time_s "$ARCH" "$(g dense "$M_TOK")") / $(total time_s "$ARCH" "$(g "$sp" "$M_TOK")")"; }
of_ideal() { calc "100 * $(speedup "$1") / ($1 / 2)"; }
# Stored bits per weight at m = 1, simulated (device-memory bytes / weights).
bits() { calc "8 * $(total hbm_bytes "$ARCH" "$(g "$(vnm "$1")" 1)") / ($N * $K)"; }
# The column indices' share of those bits, by hand: 4 indices of 8 bits per V x M block.
index_pct() { calc "100 * (32 / ($V * $1)) / (16 * 2 / $1 + 2 * 2 / $1 + 32 / ($V * $1))"; }
