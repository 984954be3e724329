# labs/lib.sh: helpers the labs' question commands use (sourced by labs/check; bash).
# Every helper runs the shipped programs ($SIMRUN, $TRACEGEN, $SIMSWEEP) and reads their
# reports with awk: no python, no jq. Runs are cached in $LABWORK by their arguments, so
# questions that read the same run share one simulation.
#
#   trace NAME TRACEGEN-ARGS...    make $LABWORK/NAME.trace.gz once; prints its path
#   gemm_trace NAME M N K [k=v...] a one-GEMM trace (weight NxK; extra fields: dtype= sp= q= a=)
#   sim ARCH TRACE [--set P=V]...  run simrun once (JSON + CSV); prints the run's prefix
#   total KEY ARCH TRACE [sets]    a number of the report's "total" block (time_s, energy_j,
#                                  hbm_bytes, macs) or its time_by_bound_s entry (compute...)
#   step_mean KIND ARCH TRACE [..] mean time of the steps of KIND (prefill|decode), seconds
#   csv_sum COL AWKCOND ARCH TRACE [..]  sum of CSV column COL over rows where AWKCOND holds
#   tile_plan ARCH TRACE [..]      the first GEMM's tile plan line of simrun -vv
#   cfg ARCH PATH [sets]           a setting of --print-config in SI units (B, B/s, Hz, s, J, W)
#   weight_bytes TRACE [BITS]      bytes of the trace's declared weights at BITS per value (16)
#   counter BLOCK KEY ARCH TRACE [..]  a counter of the report (hbm scale_read_bytes, l2 hit_bytes)
#   calc EXPR                      awk arithmetic, printed with 6 significant digits

: "${LABWORK:?LABWORK not set}"

# NMSIM_LAB_SET='p=v;p=v': more --set for every simulation (not for cfg: the hand formulas
# read the machine as shipped), to see that a changed simulator changes the verdicts.
_labset() {
  local xs x
  [ -n "${NMSIM_LAB_SET:-}" ] || return 0
  IFS=';' read -ra xs <<<"$NMSIM_LAB_SET"
  for x in "${xs[@]}"; do a+=(--set "$x"); done
}

_key() { printf '%s\n' "$@" | cksum | tr ' ' _; }

trace() {
  local name=$1; shift
  local f="$LABWORK/$name.trace.gz"
  if [ ! -s "$f" ]; then
    "$TRACEGEN" "$@" -o "$f.tmp.gz" >/dev/null || { echo "tracegen $* failed" >&2; return 1; }
    mv -f "$f.tmp.gz" "$f"
  fi
  echo "$f"
}

gemm_trace() {
  local name=$1 m=$2 n=$3 k=$4; shift 4
  local dtype=fp16 sp=dense q="" a=fp16 kv
  for kv in "$@"; do case $kv in
    dtype=*) dtype=${kv#dtype=};; sp=*) sp=${kv#sp=};; q=*) q=" q=${kv#q=}";; a=*) a=${kv#a=};;
    *) echo "gemm_trace: unknown field $kv" >&2; return 1;; esac; done
  local f="$LABWORK/$name.trace"
  printf 'simtrace 1\ntensor id=W role=weight dtype=%s shape=%sx%s sp=%s%s\nop gemm m=%s n=%s k=%s w=W a=%s name=%s\n' \
    "$dtype" "$n" "$k" "$sp" "$q" "$m" "$n" "$k" "$a" "$name" >"$f"
  echo "$f"
}

sim() {
  local arch=$1 tr=$2; shift 2
  local p="$LABWORK/run_$(_key "$arch" "$tr" "$@")"
  if [ ! -s "$p.json" ]; then
    local a=() s
    for s in "$@"; do [ "$s" = --set ] || a+=(--set "$s"); done
    _labset
    "$SIMRUN" -q --arch "$arch" "${a[@]}" --json "$p.json.tmp" --csv "$p.csv" "$tr" >/dev/null 2>"$p.err" ||
      { echo "simrun --arch $arch ${a[*]} $tr failed:" >&2; cat "$p.err" >&2; return 1; }
    mv -f "$p.json.tmp" "$p.json"
  fi
  echo "$p"
}

total() {
  local key=$1; shift
  local p; p=$(sim "$@") || return 1
  awk -v k="\"$key\":" '/^  "total": \{/ { t = 1 } t && $1 == k { v = $2; sub(/,$/, "", v); print v; exit }
    t && /^  \},?$/ { exit }' "$p.json"
}

step_mean() {
  local kind=$1; shift
  local p; p=$(sim "$@") || return 1
  awk -v k="$kind" '/"kind":/ { kd = $2; gsub(/[",]/, "", kd) }
    /"time_s":/ && kd != "" { if (kd == k) { s += $2; n++ } kd = "" }
    END { if (n) printf "%.9g\n", s / n; else { print "no " k " steps" > "/dev/stderr"; exit 1 } }' "$p.json"
}

csv_sum() {
  local col=$1 cond=$2; shift 2
  local p; p=$(sim "$@") || return 1
  awk -F, -v col="$col" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    { index_ = $c["index"]; step = $c["step"]; type = $c["type"]; name = $c["name"]; bound = $c["bound"]
      if ('"$cond"') s += $c[col] } END { printf "%.9g\n", s }' "$p.csv"
}

tile_plan() {
  local arch=$1 tr=$2; shift 2
  local a=() s
  for s in "$@"; do [ "$s" = --set ] || a+=(--set "$s"); done
  _labset
  "$SIMRUN" -vv --arch "$arch" "${a[@]}" --json /dev/null "$tr" 2>&1 >/dev/null | grep -m1 ': gemm .*: tile '
}

cfg() {
  local arch=$1 path=$2; shift 2
  local a=() s
  for s in "$@"; do [ "$s" = --set ] || a+=(--set "$s"); done
  local f="$LABWORK/cfg_$(_key "$arch" "$@")"
  [ -s "$f" ] || { "$SIMRUN" --arch "$arch" "${a[@]}" --print-config >"$f.tmp" && mv -f "$f.tmp" "$f"; } || return 1
  awk -v p="$path" '
    $1 == p { v = $3; u = $4
      m["B"]=1; m["KB"]=1e3; m["MB"]=1e6; m["GB"]=1e9; m["TB"]=1e12
      m["KiB"]=1024; m["MiB"]=1048576; m["GiB"]=1073741824; m["TiB"]=1099511627776
      m["Hz"]=1; m["kHz"]=1e3; m["MHz"]=1e6; m["GHz"]=1e9
      m["ps"]=1e-12; m["ns"]=1e-9; m["us"]=1e-6; m["ms"]=1e-3; m["s"]=1
      m["fJ"]=1e-15; m["pJ"]=1e-12; m["nJ"]=1e-9; m["uJ"]=1e-6; m["mJ"]=1e-3; m["J"]=1
      m["uW"]=1e-6; m["mW"]=1e-3; m["W"]=1; m["kW"]=1e3
      if (u == "") { print v; f = 1; exit }
      sub(/\/s$/, "", u); if (!(u in m)) { print "cfg: unit " $4 > "/dev/stderr"; exit 1 }
      printf "%.9g\n", v * m[u]; f = 1; exit }
    END { if (!f) { print "cfg: no setting " p > "/dev/stderr"; exit 1 } }' "$f"
}

weight_bytes() {
  local bits=${2:-16}
  gzip -cdf "$1" | awk -v b="$bits" '$1 == "tensor" && / role=weight / {
      for (i = 2; i <= NF; i++) if ($i ~ /^shape=/) { split(substr($i, 7), d, "x"); s += d[1] * d[2] } }
    END { printf "%.12g\n", s * b / 8 }'
}

counter() {
  local blk=$1 key=$2; shift 2
  local p; p=$(sim "$@") || return 1
  awk -v b="\"$blk\": {" -v k="\"$key\":" 'index($0, b) { t = 1; next }
    t && $1 == k { v = $2; sub(/,$/, "", v); print v; f = 1; exit } t && /\}/ { t = 0 }
    END { if (!f) { print "no counter " b k > "/dev/stderr"; exit 1 } }' "$p.json"
}

calc() { awk "BEGIN { printf \"%.6g\\n\", $* }"; }
