# Lab 5's measurements (sourced by labs/check after labs/lib.sh and params).
big() { gemm_trace l5_big "$M" "$N" "$K"; }
# plan FIELD [TRACE] [--set ...]: a number of the -vv tile plan (tile_m tile_n tile_k stages items steps).
plan() { local f=$1 t=${2:-$(big)}; shift; [ $# -gt 0 ] && shift
  tile_plan "$ARCH" "$t" "$@" | sed 's/.*: tile //' | awk -v f="$f" '{ split($1, d, "x"); v["tile_m"] = d[1]; v["tile_n"] = d[2]
    v["tile_k"] = d[3]; v["stages"] = $2; v["items"] = $6; v["steps"] = $9; print v[f] }'; }
waves() { calc "$(plan items) / $(cfg "$ARCH" core.count)"; }
ideal_us() { calc "$M * $N * $K / ($(cfg "$ARCH" tensor.fp16) * $(cfg "$ARCH" core.count) * $(cfg "$ARCH" core.freq) * $(cfg "$ARCH" tensor.efficiency)) * 1e6"; }
sim_us() { calc "$(total time_s "$ARCH" "$(big)") * 1e6"; }
l2_hit_pct() { local h m; h=$(counter l2 hit_bytes "$ARCH" "$(big)"); m=$(counter l2 miss_bytes "$ARCH" "$(big)"); calc "100 * $h / ($h + $m)"; }
small_l2_bytes() { calc "$(total hbm_bytes "$ARCH" "$(big)" --set "l2.size=$SMALL_L2") / $(total hbm_bytes "$ARCH" "$(big)")"; }
small_smem_slowdown() { calc "$(total time_s "$ARCH" "$(big)" --set "smem.size=$SMALL_SMEM") / $(total time_s "$ARCH" "$(big)")"; }
wide() { gemm_trace "l5_w$1" "$WAVE_M" "$1" "$K"; }
wave_slowdown() { calc "$(total time_s "$ARCH" "$(wide "$WAVE_N2")") / $(total time_s "$ARCH" "$(wide "$WAVE_N1")")"; }
