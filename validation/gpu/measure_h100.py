#!/usr/bin/env python3
"""Ground-truth kernel timings on an NVIDIA GPU (written for the H100) for nmsim.

Measures, through the PyTorch installed on the machine:
  * GEMMs of real LLM layers (QKV, O, gate+up, down) at M = 1..8192 tokens, the
    LLMCompass K=N=12288 M-sweep and M=8192 square sweep, and the VENOM BERT shapes,
    in these variants:
      dense bf16 / fp16           F.linear(x, W)                       (cuBLAS)
      2:4 bf16 / fp16 / int8 / fp8 torch._cslt_sparse_mm               (cuSPARSELt)
      2:4 bf16 / fp16              F.linear(x, to_sparse_semi_structured(W)) with
                                   SparseSemiStructuredTensor._FORCE_CUTLASS = True (CUTLASS;
                                   torch 2.11 raises "compute capability 8.x only" on an H100,
                                   so the variant fails its check there and is skipped)
      fp8 e4m3 dense               torch._scaled_mm (per-tensor scales, bf16 out)
      int8 dense                   torch._int_mm (int32 out)
  * scaled_dot_product_attention prefill / decode (flash, efficient, cudnn and default backends)
  * device-to-device copy and element-wise ops (achieved HBM bandwidth)

Output: a CSV in nmsim's validation row format
  id,machine,m,n,k,a,w_dtype,sp,metric,value,unit,source,note
(GEMM convention: C[m x n] = A[m x k] . W^T with W the [n x k] weight), written and flushed
row by row, plus an env file with versions, clocks and power limit.

Usage:
  python3 validation/gpu/measure_h100.py --out h100.csv            # full run (~6.5 min on an H100)
  python3 validation/gpu/measure_h100.py --out h100.csv --quick    # a few shapes of each kind
  python3 validation/gpu/measure_h100.py --dry-run                 # plan + time estimate, no GPU
  python3 validation/gpu/measure_h100.py --probe --out probe.csv   # API / correctness probe
See validation/gpu/README.md.
"""
import argparse
import csv
import datetime
import math
import os
import statistics
import subprocess
import sys
import time

# --------------------------------------------------------------------------------------------
# Shapes (no torch needed)
# --------------------------------------------------------------------------------------------
HEAD_DIM = 128
# name: hidden, heads, kv_heads, ffn, gated   (docs/reference/models.md, from the HF config.json files)
MODELS = {
    "llama2-7b": (4096, 32, 32, 11008, True),
    "llama2-13b": (5120, 40, 40, 13824, True),
    "llama2-70b": (8192, 64, 8, 28672, True),
    "llama3-8b": (4096, 32, 8, 14336, True),
    "mixtral-8x7b": (4096, 32, 8, 14336, True),  # per expert
    "opt-66b": (9216, 72, 72, 36864, False),
}
LLM_M = [1, 8, 32, 128, 512, 2048, 8192]


def llm_gemm_shapes():
    """Unique (n, k) weights in model order, each with the (model, layer) list that uses it."""
    out = {}
    order = []
    for model, (h, hq, hkv, ffn, gated) in MODELS.items():
        layers = [
            ("qkv", h + 2 * hkv * HEAD_DIM, h),
            ("o", h, h),
            ("gateup" if gated else "up", (2 * ffn) if gated else ffn, h),
            ("down", h, ffn),
        ]
        for layer, n, k in layers:
            key = (n, k)
            if key not in out:
                out[key] = []
                order.append(key)
            out[key].append((model, layer))
    return [(n, k, out[(n, k)]) for (n, k) in order]


LLMC_MSWEEP = [64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768]  # K = N = 12288
LLMC_SQUARE = [64, 512, 1024, 2048, 4096, 8192, 16384, 32768]  # M = 8192, N = K
# VENOM BERT shapes (venom-calibration.csv dense rows: m, n, k)
VENOM_SHAPES = [(4096, 768, 768), (4096, 768, 3072), (4096, 1024, 1024),
                (4096, 1024, 4096), (4096, 3072, 768), (4096, 4096, 1024)]

ATTN_MODELS = {  # name: hq, hkv
    "llama2-7b": (32, 32),
    "llama3-8b": (32, 8),
    "llama2-70b": (64, 8),
}
ATTN_PREFILL_S = [512, 2048, 4096]
ATTN_PREFILL_B = [1, 8]
ATTN_DECODE_L = [512, 2048, 8192]
ATTN_DECODE_B = [1, 8, 32]
ATTN_BACKENDS = ["default", "flash", "efficient", "cudnn"]

COPY_MIB = [1, 8, 64, 256, 1024, 4096]
VEC_SHAPES = [(4096, 4096), (32768, 4096), (131072, 4096)]
VEC_KINDS = ["add", "mul", "gelu", "silu", "layernorm", "rmsnorm", "softmax"]

# variant: (a dtype, w dtype, sp, kernel)
GEMM_VARIANTS = {  # run in this order per weight shape
    "dense-bf16": ("bf16", "bf16", "dense", "F.linear"),
    "dense-fp16": ("fp16", "fp16", "dense", "F.linear"),
    "cslt24-bf16": ("bf16", "bf16", "nm:2:4", "cslt"),
    "scaledmm-fp8": ("fp8e4m3", "fp8e4m3", "dense", "_scaled_mm"),
    "cslt24-fp8": ("fp8e4m3", "fp8e4m3", "nm:2:4", "cslt"),
    "intmm-int8": ("int8", "int8", "dense", "_int_mm"),
    "cslt24-int8": ("int8", "int8", "nm:2:4", "cslt"),
    "cslt24-fp16": ("fp16", "fp16", "nm:2:4", "cslt"),
    # CUTLASS semi-structured kernels (PyTorch's sm80 path; raise on sm90 in torch 2.11)
    "cutlass24-bf16": ("bf16", "bf16", "nm:2:4", "cutlass"),
    "cutlass24-fp16": ("fp16", "fp16", "nm:2:4", "cutlass"),
}
SLOW_HOST_MS = 20.0  # a call whose host side takes longer than this is a "slow" variant
SLOW_M = [8, 512, 8192]  # M values kept for slow variants
BYTES = {"bf16": 2, "fp16": 2, "fp8e4m3": 1, "int8": 1}
L2_BYTES = 50 * 2**20
ROTATE_BYTES = 160 * 2**20  # rotate input sets until the working set is >= 3x L2
MAX_ROT = 24


def fmt4(v):
    """4 significant digits, never scientific notation."""
    if v is None or (isinstance(v, float) and (math.isnan(v) or math.isinf(v))):
        return ""
    if v == 0:
        return "0"
    d = 4 - int(math.floor(math.log10(abs(v)))) - 1
    r = round(v, d)
    if d <= 0:
        return str(int(r))
    return f"{r:.{d}f}"


# --------------------------------------------------------------------------------------------
# Plan (items) and a dry-run time model
# --------------------------------------------------------------------------------------------
def plan(quick=False, sections=None, llm_from=0, variants=None):
    """Return a list of work items: dicts with 'section' and parameters."""
    items = []
    secs = sections or ["bw", "llm", "attn", "llmc", "venom"]
    var_all = list(GEMM_VARIANTS) if not variants else [v for v in GEMM_VARIANTS if v in variants]
    for sec in secs:
        if sec == "bw":
            for mib in (COPY_MIB if not quick else [64, 1024]):
                items.append(dict(section="bw", op="copy", mib=mib))
            for (r, c) in (VEC_SHAPES if not quick else [(32768, 4096)]):
                for kind in VEC_KINDS:
                    items.append(dict(section="bw", op="vec", kind=kind, rows=r, cols=c))
        elif sec == "llm":
            shapes = llm_gemm_shapes()[llm_from:]
            if quick:
                shapes = shapes[:2]
            for (n, k, users) in shapes:
                ms = LLM_M if not quick else [1, 128, 2048]
                items.append(dict(section="llm", n=n, k=k, users=users, ms=ms, variants=var_all,
                                  tag=None))
        elif sec == "llmc":
            ms = LLMC_MSWEEP if not quick else [64, 2048]
            items.append(dict(section="llmc", n=12288, k=12288, users=[("llmcompass", "msweep")],
                              ms=ms, variants=var_all, tag="llmcompass"))
            for nk in (LLMC_SQUARE if not quick else [1024]):
                items.append(dict(section="llmc", n=nk, k=nk, users=[("llmcompass", "square")],
                                  ms=[8192], variants=var_all, tag="llmcompass"))
        elif sec == "venom":
            for (m, n, k) in (VENOM_SHAPES if not quick else VENOM_SHAPES[:1]):
                items.append(dict(section="venom", n=n, k=k, users=[("bert", "venom")], ms=[m],
                                  variants=var_all, tag="venom"))
        elif sec == "attn":
            for model, (hq, hkv) in ATTN_MODELS.items():
                for b in ATTN_PREFILL_B:
                    for s in (ATTN_PREFILL_S if not quick else [2048]):
                        items.append(dict(section="attn", model=model, hq=hq, hkv=hkv, b=b, sq=s,
                                          skv=s, causal=1))
                for b in ATTN_DECODE_B:
                    for L in (ATTN_DECODE_L if not quick else [2048]):
                        items.append(dict(section="attn", model=model, hq=hq, hkv=hkv, b=b, sq=1,
                                          skv=L, causal=0))
        else:
            raise SystemExit(f"unknown section {sec}")
    return items


PEAK = {"bf16": 700e12, "fp16": 700e12, "fp8e4m3": 1300e12, "int8": 1300e12}
BW = 3.0e12
LAUNCH = 6e-6


def model_time(kind, **kw):
    """Crude roofline time in seconds of one kernel call (for the dry-run budget only)."""
    if kind == "gemm":
        m, n, k, var = kw["m"], kw["n"], kw["k"], kw["var"]
        a, w, sp, _ = GEMM_VARIANTS[var]
        peak = PEAK[a] * (1.4 if sp != "dense" else 1.0)
        wb = n * k * BYTES[w] * (0.56 if sp != "dense" else 1.0)
        byt = wb + m * k * BYTES[a] + m * n * 2
        return max(2.0 * m * n * k / peak, byt / BW) + LAUNCH
    if kind == "attn":
        b, hq, hkv, sq, skv = kw["b"], kw["hq"], kw["hkv"], kw["sq"], kw["skv"]
        fl = 4.0 * b * hq * sq * skv * HEAD_DIM * (0.5 if kw["causal"] else 1.0)
        byt = 2 * (b * hq * sq * HEAD_DIM * 2 + 2 * b * hkv * skv * HEAD_DIM)
        return max(fl / 400e12, byt / BW) + LAUNCH
    if kind == "bytes":
        return kw["bytes"] / BW + LAUNCH
    raise ValueError(kind)


def measurement_cost(t, target_ms):
    """GPU + host seconds one measurement costs under the adaptive scheme of Bench.time."""
    target = target_ms / 1000.0
    if t >= 5e-4:
        reps = min(200, max(5, math.ceil(target / t)))
        return (reps + 4) * t + 0.01
    n_inner = min(200, max(2, math.ceil(1e-3 / t)))
    trials = min(200, max(10, math.ceil(target / (n_inner * t))))
    graph = (trials + 3) * n_inner * t
    eager = max(5, trials // 2) * n_inner * max(t, 12e-6)
    return graph + eager + 0.03


def dry_run(items, target_ms):
    tot = {}
    count = {}
    for it in items:
        sec = it["section"]
        if sec in ("llm", "llmc", "venom"):
            for m in it["ms"]:
                for var in it["variants"]:
                    if var == "intmm-int8" and m < 17:
                        pass
                    t = model_time("gemm", m=m, n=it["n"], k=it["k"], var=var)
                    tot[sec] = tot.get(sec, 0) + measurement_cost(t, target_ms)
                    count[sec] = count.get(sec, 0) + 1
            tot[sec] += 0.3  # weight generation / compression per shape
        elif sec == "attn":
            t = model_time("attn", **it)
            tot[sec] = tot.get(sec, 0) + len(ATTN_BACKENDS) * measurement_cost(t, target_ms) + 0.1
            count[sec] = count.get(sec, 0) + len(ATTN_BACKENDS)
        elif sec == "bw":
            if it["op"] == "copy":
                byt = 2 * it["mib"] * 2**20
            else:
                el = it["rows"] * it["cols"]
                byt = el * 2 * (3 if it["kind"] in ("add", "mul") else 2)
            tot[sec] = tot.get(sec, 0) + measurement_cost(model_time("bytes", bytes=byt), target_ms)
            count[sec] = count.get(sec, 0) + 1
    print(f"{'section':8s} {'measurements':>12s} {'est. s':>8s}")
    for sec in tot:
        print(f"{sec:8s} {count[sec]:12d} {tot[sec]:8.1f}")
    print(f"{'total':8s} {sum(count.values()):12d} {sum(tot.values()):8.1f}  (+ ~20 s start-up)")
    return sum(tot.values())


# --------------------------------------------------------------------------------------------
# GPU part
# --------------------------------------------------------------------------------------------
class Runner:
    def __init__(self, args):
        import torch
        import torch.nn.functional as F
        self.torch = torch
        self.F = F
        self.args = args
        self.dev = torch.device("cuda")
        self.t_start = time.time()
        self.deadline = self.t_start + args.budget_s
        self.target_ms = args.target_ms
        self.rows = 0
        self.ids = set()
        self.log_lines = []
        self.broken = {}  # variant -> reason
        self.notes = {}  # variant -> extra note (e.g. out dtype)
        self.speed = []  # (class, variant, m, n, k, t)
        self.slow_vars = set()
        self.slow_m = (set(SLOW_M) if args.slow_m is None else
                       set(LLM_M + LLMC_MSWEEP + [4096]) if args.slow_m == "all" else
                       set(int(x) for x in args.slow_m.split(",")))
        self.var_time = {}
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.manual_seed(1234)
        self.dt = {"bf16": torch.bfloat16, "fp16": torch.float16,
                   "fp8e4m3": getattr(torch, "float8_e4m3fn", None), "int8": torch.int8}
        props = torch.cuda.get_device_properties(0)
        self.gpu_name = props.name
        self.machine = self.machine_name(props.name)
        self.date = datetime.date.today().isoformat()
        self.source = f"measured: validation/gpu/measure_h100.py on {self.gpu_name}, {self.date}"
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        self.fh = open(args.out, "w", newline="")
        self.w = csv.writer(self.fh)
        self.w.writerow(["id", "machine", "m", "n", "k", "a", "w_dtype", "sp", "metric", "value",
                         "unit", "source", "note"])
        self.fh.flush()
        self.logf = open(args.log, "w") if args.log else None

    @staticmethod
    def machine_name(name):
        n = name.lower()
        if "h100" in n:
            if "pcie" in n:
                return "h100_pcie"
            if "nvl" in n:
                return "h100_nvl"
            return "h100_sxm5"  # "NVIDIA H100 80GB HBM3" is the SXM5 part
        if "h200" in n:
            return "h200"
        return n.replace("nvidia", "").strip().replace(" ", "_")

    def log(self, msg):
        line = f"[{time.time() - self.t_start:7.1f}s] {msg}"
        print(line, flush=True)
        if self.logf:
            self.logf.write(line + "\n")
            self.logf.flush()

    def left(self):
        return self.deadline - time.time()

    def row(self, id_, m, n, k, a, w, sp, metric, value, unit, note):
        if value is None:
            return
        base = id_
        i = 2
        while id_ in self.ids:
            id_ = f"{base}-{i}"
            i += 1
        self.ids.add(id_)
        self.w.writerow([id_, self.machine, "" if m is None else m, "" if n is None else n,
                         "" if k is None else k, a, w, sp, metric, fmt4(value), unit, self.source,
                         note.replace(",", ";")])
        self.fh.flush()
        self.rows += 1

    # ---------------- timing ----------------
    def _events(self):
        t = self.torch
        return t.cuda.Event(enable_timing=True), t.cuda.Event(enable_timing=True)

    def _graph(self, fns, n):
        torch = self.torch
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g):
            for i in range(n):
                fns[i % len(fns)]()
        return g

    def _time_graph(self, g, trials):
        torch = self.torch
        evs = [self._events() for _ in range(trials)]
        for i in range(trials):
            evs[i][0].record()
            g.replay()
            evs[i][1].record()
        torch.cuda.synchronize()
        return [a.elapsed_time(b) for a, b in evs]

    def time_fns(self, fns, allow_graph=True, want_eager=True):
        """Time a kernel call. fns: callables over rotating input sets (same shapes).
        Primary: CUDA-graph replay of n_inner back-to-back calls, CUDA events around each
        replay, median over trials, divided by n_inner. Eager (extra): n back-to-back plain
        calls between two events, median over trials. Returns dict with t_ms, timing,
        eager_ms, reps, n_inner, spread, host_ms (host wall time of one synchronous call)."""
        torch = self.torch
        nf = len(fns)
        target = self.target_ms
        fns[0]()
        torch.cuda.synchronize()
        t = time.perf_counter()
        fns[1 % nf]()
        torch.cuda.synchronize()
        host_ms = (time.perf_counter() - t) * 1e3
        slow = host_ms > SLOW_HOST_MS
        if not slow:
            for i in range(2, max(3, min(nf, 8))):
                fns[i % nf]()
        torch.cuda.synchronize()
        res = dict(eager_ms=None, host_ms=host_ms, slow=slow)
        g = None
        if allow_graph:
            try:
                st = torch.cuda.Stream()
                st.wait_stream(torch.cuda.current_stream())
                with torch.cuda.stream(st):
                    fns[0]()
                torch.cuda.current_stream().wait_stream(st)
                torch.cuda.synchronize()
                n_cap = 1 if slow else min(nf, 4)
                g = self._graph(fns, n_cap)
                g.replay()
                torch.cuda.synchronize()
                ts = self._time_graph(g, 2)
                t_gpu = max(min(ts) / n_cap, 1e-4)
                n_inner = n_cap
                if not slow:
                    n_inner = min(200, max(1, math.ceil(1.0 / t_gpu)))
                    if nf * t_gpu < 5.0:
                        n_inner = max(n_inner, nf)
                    if n_inner != n_cap:
                        del g
                        g = None
                        g = self._graph(fns, n_inner)
                        g.replay()
                        torch.cuda.synchronize()
                trials = min(200, max(5 if not slow else 3, math.ceil(target / (n_inner * t_gpu))))
                ts = [x / n_inner for x in self._time_graph(g, trials)]
                med = statistics.median(ts)
                res.update(t_ms=med, timing="graph", reps=trials * n_inner, n_inner=n_inner,
                           spread=(max(ts) - min(ts)) / med)
            except Exception as ex:  # capture failed: eager only
                self.log(f"    graph capture failed ({type(ex).__name__}: {str(ex)[:120]}); eager")
                try:
                    torch.cuda.synchronize()
                except Exception:
                    pass
            finally:
                del g
        if want_eager or "t_ms" not in res:
            if slow:
                s_, e_ = self._events()
                s_.record()
                fns[0]()
                e_.record()
                torch.cuda.synchronize()
                em, ne, te, sp = s_.elapsed_time(e_), 1, 1, 0.0
            else:
                s_, e_ = self._events()
                s_.record()
                for i in range(3):
                    fns[i % nf]()
                e_.record()
                torch.cuda.synchronize()
                tc = max(s_.elapsed_time(e_) / 3.0, 1e-3)
                ne = min(100, max(1, math.ceil(2.0 / tc)))
                te = min(30, max(3, math.ceil(30.0 / (ne * tc))))
                evs = [self._events() for _ in range(te)]
                for i in range(te):
                    evs[i][0].record()
                    for j in range(ne):
                        fns[j % nf]()
                    evs[i][1].record()
                torch.cuda.synchronize()
                ts = [a.elapsed_time(b) / ne for a, b in evs]
                em = statistics.median(ts)
                sp = (max(ts) - min(ts)) / em
            if "t_ms" not in res:
                res.update(t_ms=em, timing="eager", reps=ne * te, n_inner=ne, spread=sp)
            else:
                res["eager_ms"] = em
                res["eager_n"] = ne
        return res

    # ---------------- environment ----------------
    def smi_query(self):
        fields = ("name,driver_version,pstate,clocks.sm,clocks.mem,clocks.max.sm,clocks.max.mem,"
                  "clocks.applications.graphics,clocks.applications.memory,power.draw,power.limit,"
                  "power.default_limit,power.max_limit,enforced.power.limit,temperature.gpu,"
                  "persistence_mode,mig.mode.current,compute_mode,clocks_event_reasons.active")
        for f in (fields, fields.rsplit(",", 1)[0]):
            try:
                r = subprocess.run(["nvidia-smi", f"--query-gpu={f}", "--format=csv"],
                                   capture_output=True, text=True, timeout=30)
                if r.returncode == 0:
                    return r.stdout.strip()
            except Exception as ex:
                return f"nvidia-smi failed: {ex}"
        return "nvidia-smi query failed"

    def env_report(self, when):
        torch = self.torch
        lines = [f"## {when} ({datetime.datetime.now().isoformat(timespec='seconds')})"]
        if when == "before":
            props = torch.cuda.get_device_properties(0)
            try:
                cslt = torch.backends.cusparselt.version()
            except Exception as ex:
                cslt = f"n/a ({ex})"
            lines += [
                f"gpu: {props.name}; SMs {props.multi_processor_count}; "
                f"memory {props.total_memory / 2**30:.1f} GiB; "
                f"L2 {getattr(props, 'L2_cache_size', 0) / 2**20:.0f} MiB; cc {props.major}.{props.minor}",
                f"machine (csv): {self.machine}",
                f"torch: {torch.__version__}; CUDA (torch build): {torch.version.cuda}; "
                f"cuDNN: {torch.backends.cudnn.version()}; cuSPARSELt: {cslt}",
                f"python: {sys.version.split()[0]}",
                f"allow_tf32={torch.backends.cuda.matmul.allow_tf32} "
                f"allow_bf16_reduced_precision_reduction="
                f"{torch.backends.cuda.matmul.allow_bf16_reduced_precision_reduction} "
                f"allow_fp16_reduced_precision_reduction="
                f"{torch.backends.cuda.matmul.allow_fp16_reduced_precision_reduction}",
                f"command: {' '.join(sys.argv)}",
            ]
            try:
                import triton
                lines.append(f"triton: {triton.__version__}")
            except Exception:
                pass
        lines.append("nvidia-smi:")
        lines.append(self.smi_query())
        txt = "\n".join(lines) + "\n"
        print(txt, flush=True)
        with open(self.args.env_out, "a") as f:
            f.write(txt)

    # ---------------- GEMM ----------------
    def rand_mask24(self, n, k):
        torch = self.torch
        pats = torch.tensor([[1, 1, 0, 0], [1, 0, 1, 0], [1, 0, 0, 1], [0, 1, 1, 0], [0, 1, 0, 1],
                             [0, 0, 1, 1]], dtype=torch.bool, device=self.dev)
        idx = torch.randint(0, 6, (n, k // 4), device=self.dev)
        return pats[idx].reshape(n, k)

    def make_weight(self, var, n, k):
        """Return (weight object, effective dense weight for checks)."""
        torch = self.torch
        a, w, sp, kern = GEMM_VARIANTS[var]
        base = torch.randn(n, k, device=self.dev, dtype=torch.float32)
        if sp != "dense":
            base = base * self.rand_mask24(n, k)
        if w in ("bf16", "fp16"):
            W = base.to(self.dt[w])
        elif w == "fp8e4m3":
            W = base.to(self.dt[w])
        elif w == "int8":
            W = (base * 40).round().clamp(-127, 127).to(torch.int8)
        del base
        if kern == "cslt":
            obj = torch._cslt_compress(W)
        elif kern == "cutlass":
            from torch.sparse import SparseSemiStructuredTensor, to_sparse_semi_structured
            SparseSemiStructuredTensor._FORCE_CUTLASS = True
            obj = to_sparse_semi_structured(W)
            SparseSemiStructuredTensor._FORCE_CUTLASS = False
        else:
            obj = W
        return obj, W

    def make_input(self, var, m, k):
        torch = self.torch
        a = GEMM_VARIANTS[var][0]
        if a == "int8":
            return torch.randint(-127, 128, (m, k), device=self.dev, dtype=torch.int8)
        x = torch.randn(m, k, device=self.dev, dtype=torch.float32)
        return x.to(self.dt[a])

    def gemm_fn(self, var, wobj, x, alg_id=0, search=False):
        torch, F = self.torch, self.F
        a, w, sp, kern = GEMM_VARIANTS[var]
        if kern == "F.linear" or kern == "cutlass":
            return lambda: F.linear(x, wobj)
        if kern == "_scaled_mm":
            one = self._one
            fa = self.args.fp8_fast_accum
            return lambda: torch._scaled_mm(x, wobj.t(), scale_a=one, scale_b=one,
                                            out_dtype=torch.bfloat16, use_fast_accum=fa)
        if kern == "_int_mm":
            return lambda: torch._int_mm(x, wobj.t())
        if kern == "cslt":
            layout, tr, od = self.cslt_cfg.get(var, ("t", True, None))
            kw = dict(transpose_result=tr)
            if od is not None:
                kw["out_dtype"] = od
            xb = x.t() if layout == "t" else x.t().contiguous()  # [K, M]; contiguous copy is made
            if search:                                              # outside the timed call
                return torch._cslt_sparse_mm_search(wobj, xb, **kw)
            if alg_id:
                kw["alg_id"] = alg_id
            return lambda: torch._cslt_sparse_mm(wobj, xb, **kw)
        raise ValueError(kern)

    def cslt_out_mn(self, var, out):
        """cslt output as [M, N] (transpose_result=False gives [N, M])."""
        cfg = self.cslt_cfg.get(var)
        if GEMM_VARIANTS[var][3] == "cslt" and cfg is not None and not cfg[1]:
            return out.t()
        return out

    def check_variant(self, var, n=1024, k=2048, m=128):
        """Relative error vs a float64 reference; returns (ok, relerr, note)."""
        torch = self.torch
        try:
            wobj, W = self.make_weight(var, n, k)
            x = self.make_input(var, m, k)
            out = self.cslt_out_mn(var, self.gemm_fn(var, wobj, x)())
            torch.cuda.synchronize()
            if tuple(out.shape) != (m, n):
                return False, float("nan"), f"shape {tuple(out.shape)} != {(m, n)}"
            ref = x.double() @ W.double().t()
            err = ((out.double() - ref).norm() / ref.norm()).item()
            a = GEMM_VARIANTS[var][0]
            tol = {"bf16": 2e-2, "fp16": 5e-3, "fp8e4m3": 2e-2, "int8": 1e-2}[a]
            if out.dtype == torch.int32:
                tol = 1e-9
            ok = (err == err) and err < tol
            return ok, err, f"out={str(out.dtype).replace('torch.', '')}"
        except Exception as ex:
            return False, float("nan"), f"{type(ex).__name__}: {str(ex)[:200]}"

    def setup_gemm(self):
        torch = self.torch
        self._one = torch.tensor(1.0, device=self.dev, dtype=torch.float32)
        self.cslt_cfg = {}
        results = []
        for var in GEMM_VARIANTS:
            a, w, sp, kern = GEMM_VARIANTS[var]
            if kern == "cslt":
                ods = {"int8": [torch.int32, torch.bfloat16, None],
                       "fp8e4m3": [torch.bfloat16, None]}.get(a, [None])
                cands = [(lay, tr, od) for od in ods for tr in (True, False) for lay in ("t", "contig")]
                first_running = None
                ok = False
                for cfg in cands:
                    self.cslt_cfg[var] = cfg
                    ok, err, note = self.check_variant(var)
                    self.log(f"  cslt cfg {var} layout={cfg[0]} transpose_result={cfg[1]} "
                             f"out_dtype={cfg[2]}: ok={ok} relerr={err:.3g} {note}")
                    if ok:
                        break
                    if first_running is None and err == err:
                        first_running = (cfg, err, note)
                if not ok and first_running is not None:
                    # runs but misses the tolerance (e.g. int8 output saturates): timing only
                    self.cslt_cfg[var] = first_running[0]
                    ok, err, note = True, first_running[1], first_running[2] + " (relerr over tol: timing only)"
                cfg = self.cslt_cfg[var]
                note += f" layout={'x.t()' if cfg[0] == 't' else 'x.t().contiguous()'} transpose_result={int(cfg[1])}"
            else:
                ok, err, note = self.check_variant(var)
            if not ok:
                self.broken[var] = f"check failed: relerr={err} {note}"
            self.notes[var] = note
            results.append((var, ok, err, note))
            self.log(f"check {var:16s} ok={ok} relerr={err:.3g} {note}")
        with open(self.args.env_out, "a") as f:
            f.write("## correctness checks (m=128 n=1024 k=2048, relerr vs float64 reference)\n")
            for var, ok, err, note in results:
                f.write(f"{var}: ok={ok} relerr={err:.3g} {note}\n")
        self.check_attn()
        torch.cuda.empty_cache()

    def check_attn(self):
        torch, F = self.torch, self.F
        from torch.nn.attention import SDPBackend, sdpa_kernel
        bmap = {"flash": SDPBackend.FLASH_ATTENTION, "efficient": SDPBackend.EFFICIENT_ATTENTION,
                "cudnn": SDPBackend.CUDNN_ATTENTION}
        lines = ["## attention checks (b=2 hq=32 hkv=8 d=128; relerr vs float32 math on expanded KV)"]
        for sq, skv, causal in ((256, 256, True), (1, 1024, False)):
            q = torch.randn(2, 32, sq, HEAD_DIM, device=self.dev, dtype=torch.bfloat16)
            k = torch.randn(2, 8, skv, HEAD_DIM, device=self.dev, dtype=torch.bfloat16)
            v = torch.randn(2, 8, skv, HEAD_DIM, device=self.dev, dtype=torch.bfloat16)
            ke, ve = k.repeat_interleave(4, 1), v.repeat_interleave(4, 1)
            with sdpa_kernel([SDPBackend.MATH]):
                ref = F.scaled_dot_product_attention(q.float(), ke.float(), ve.float(), is_causal=causal)
            for be in ATTN_BACKENDS:
                for gq in ("enable_gqa", "expanded"):
                    try:
                        kk, vv = (k, v) if gq == "enable_gqa" else (ke, ve)
                        kw = dict(is_causal=causal)
                        if gq == "enable_gqa":
                            kw["enable_gqa"] = True
                        if be == "default":
                            o = F.scaled_dot_product_attention(q, kk, vv, **kw)
                        else:
                            with sdpa_kernel([bmap[be]]):
                                o = F.scaled_dot_product_attention(q, kk, vv, **kw)
                        err = ((o.float() - ref).norm() / ref.norm()).item()
                        lines.append(f"sq={sq} skv={skv} causal={int(causal)} {be} {gq}: relerr={err:.3g}")
                    except Exception as ex:
                        lines.append(f"sq={sq} skv={skv} causal={int(causal)} {be} {gq}: "
                                     f"not available ({type(ex).__name__}: {str(ex).splitlines()[0][:100] if str(ex) else ''})")
        for l in lines:
            self.log(l)
        with open(self.args.env_out, "a") as f:
            f.write("\n".join(lines) + "\n")

    def run_gemm_item(self, it):
        torch = self.torch
        n, k, users, ms, variants = it["n"], it["k"], it["users"], it["ms"], it["variants"]
        model0, layer0 = users[0]
        also = ",".join(f"{u}/{l}" for u, l in users[1:])
        tag = it["tag"]
        for var in variants:
            if var in self.broken:
                continue
            if var in self.slow_vars and (self.var_time.get(var, 0) > self.args.slow_cap_s
                                          or not any(m in self.slow_m for m in ms)):
                continue
            if self.left() < self.args.reserve_s and it["section"] == "llm":
                self.log(f"  time budget: skipping rest of {n}x{k}")
                return
            if self.left() < 5:
                return
            a, w, sp, kern = GEMM_VARIANTS[var]
            wbytes = n * k * BYTES[w] * (0.5625 if (sp != "dense" and BYTES[w] == 2) else
                                         (0.625 if sp != "dense" else 1.0))
            nrot = min(MAX_ROT, max(1, math.ceil(ROTATE_BYTES / wbytes)))
            t_w = time.time()
            try:
                wobjs = []
                for r in range(nrot):
                    wobjs.append(self.make_weight(var, n, k)[0])
                torch.cuda.synchronize()
            except Exception as ex:
                self.log(f"  {var} {n}x{k}: weight prep failed: {type(ex).__name__}: {str(ex)[:150]}")
                wobjs = None
                torch.cuda.empty_cache()
                continue
            t_w = time.time() - t_w
            for m in ms:
                if self.left() < 3:
                    break
                if var in self.slow_vars and m not in self.slow_m:
                    continue
                if var in self.slow_vars and self.var_time.get(var, 0) > self.args.slow_cap_s:
                    self.log(f"  {var}: slow variant over its {self.args.slow_cap_s} s cap; skipped")
                    break
                t_var = time.time()
                ws = wbytes + m * k * BYTES[a] + m * n * 2
                nr = min(nrot, max(1, math.ceil(ROTATE_BYTES / ws)))
                m_run = m
                res = res0 = None
                alg = 0
                search_s = None
                err_s = ""
                cands = [m] + [p for p in (16, 32, 64) if p > m]
                if kern == "_int_mm" and m <= 16:
                    cands = [32]
                for mr in cands:
                    try:
                        xs = [self.make_input(var, mr, k) for _ in range(nr)]
                        fa = self.args.cslt_alg if (kern == "cslt" and self.args.cslt_alg) else 0
                        fns = [self.gemm_fn(var, wobjs[i], xs[i], alg_id=fa) for i in range(nr)]
                        out = self.cslt_out_mn(var, fns[0]())
                        torch.cuda.synchronize()
                        if out.shape[0] != mr or out.shape[-1] != n:
                            raise RuntimeError(f"bad out shape {tuple(out.shape)}")
                        del out
                        m_run = mr
                        break
                    except Exception as ex:
                        err_s = f"{type(ex).__name__}: {str(ex)[:160]}"
                        xs = fns = None
                        try:
                            torch.cuda.synchronize()
                        except Exception:
                            pass
                if fns is None:
                    self.log(f"  {var} m={m} n={n} k={k}: FAILED {err_s}")
                    continue
                try:
                    res0 = self.time_fns(fns, want_eager=True)
                    res = res0
                    if (res0.get("slow") and res0["host_ms"] > 3.0 * res0["t_ms"]
                            and var not in self.slow_vars):
                        self.slow_vars.add(var)
                        self.log(f"  {var}: host time {res0['host_ms']:.0f} ms per call: slow variant, "
                                 f"M limited to {self.slow_m}, alg search {self.args.slow_search}, cap {self.args.slow_cap_s} s")
                    if kern == "cslt" and not self.args.no_cslt_search and not self.args.cslt_alg and (
                            var not in self.slow_vars or self.args.slow_search):
                        t = time.perf_counter()
                        try:
                            alg = int(self.gemm_fn(var, wobjs[0], xs[0], search=True))
                        except Exception as ex:
                            self.log(f"    cslt search failed: {str(ex)[:120]}")
                            alg = 0
                        search_s = time.perf_counter() - t
                        if alg != 0:
                            fns_s = [self.gemm_fn(var, wobjs[i], xs[i], alg_id=alg) for i in range(nr)]
                            res_s = self.time_fns(fns_s, want_eager=True)
                            if res_s["t_ms"] < res0["t_ms"]:
                                res = res_s
                            fns_s = None
                except Exception as ex:
                    self.log(f"  {var} m={m} n={n} k={k}: timing FAILED {type(ex).__name__}: {str(ex)[:160]}")
                    xs = fns = None
                    continue
                if tag is None:
                    id_ = f"h100-{var}-{model0}-{layer0}-m{m}"
                    note = f"kernel={kern} timing={res['timing']} model={model0} layer={layer0}"
                    if also:
                        note += f" same_shape={also}"
                else:
                    id_ = f"h100-{var}-{tag}-{m}x{n}x{k}"
                    note = f"kernel={kern} timing={res['timing']} shape_set={tag}"
                if m_run != m:
                    note += f" m_run={m_run} (input padded to {m_run} rows; time of the padded call)"
                extra = []
                used_alg = alg if res is not res0 else (self.args.cslt_alg or 0)
                if kern == "cslt" and self.args.cslt_alg:
                    id_ += f"-alg{self.args.cslt_alg}"
                    note += f" forced_alg={self.args.cslt_alg}"
                if kern == "cslt":
                    cfg = self.cslt_cfg[var]
                    extra.append(f"alg_id={used_alg} searched_alg={alg if search_s is not None else 'none'} "
                                 f"transpose_result={int(cfg[1])} "
                                 f"dense_operand={'x.t()' if cfg[0] == 't' else 'x.t().contiguous()'}")
                    if cfg[2] is not None:
                        extra.append(f"out={str(cfg[2]).replace('torch.', '')}")
                if kern == "cutlass":
                    extra.append("via=to_sparse_semi_structured(_FORCE_CUTLASS)")
                if kern == "_scaled_mm":
                    extra.append(f"scales=tensorwise out=bf16 fast_accum={int(self.args.fp8_fast_accum)}")
                if kern == "_int_mm":
                    extra.append("out=int32")
                extra.append(f"reps={res['reps']} n_inner={res.get('n_inner')} rot={nr}")
                note += " " + " ".join(e for e in extra if e)
                self.row(id_, m, n, k, a, w, sp, "time_ms", res["t_ms"], "ms", note)
                if kern == "cslt" and res is not res0:
                    note0 = note.replace(f"alg_id={used_alg} ", "alg_id=0 ")
                    note0 = note0.replace(f"timing={res['timing']}", f"timing={res0['timing']}")
                    self.row(id_ + "-alg0", m, n, k, a, w, sp, "time_ms_alg0", res0["t_ms"], "ms",
                             note0 + " (default algorithm; time_ms row is the searched algorithm)")
                em = res.get("eager_ms")
                if em is not None and (res["t_ms"] < 1.0 or em > 1.1 * res["t_ms"]):
                    note_e = note.replace(f"timing={res['timing']}", "timing=eager")
                    note_e += (f" (eager: {res.get('eager_n')} back-to-back calls per event pair; "
                               f"host wall of one synchronous call {res['host_ms']:.3f} ms)")
                    self.row(id_ + "-eager", m, n, k, a, w, sp, "eager_time_ms", em, "ms", note_e)
                tflops = 2.0 * m * n * k / (res["t_ms"] * 1e-3) / 1e12
                self.speed.append((it["section"], var, m, n, k, res["t_ms"]))
                self.var_time[var] = self.var_time.get(var, 0) + time.time() - t_var
                self.log(f"  {var:13s} m={m:5d} n={n:5d} k={k:5d} {res['t_ms']:.4f} ms {res['timing']}"
                         f" eager {em or 0:.4f} {tflops:6.1f} T/s"
                         f"{'' if m_run == m else f' m_run={m_run}'} sp={res['spread']:.2f}"
                         + (f" alg0 {res0['t_ms']:.4f} alg{alg}{'*' if res is not res0 else ''}"
                            f" search {search_s:.2f}s" if search_s is not None else ""))
                xs = fns = None
            del wobjs
            torch.cuda.empty_cache()

    # ---------------- attention ----------------
    def run_attn_item(self, it):
        torch, F = self.torch, self.F
        from torch.nn.attention import SDPBackend, sdpa_kernel
        bmap = {"flash": SDPBackend.FLASH_ATTENTION, "efficient": SDPBackend.EFFICIENT_ATTENTION,
                "cudnn": SDPBackend.CUDNN_ATTENTION}
        b, hq, hkv, sq, skv, causal = it["b"], it["hq"], it["hkv"], it["sq"], it["skv"], it["causal"]
        d = HEAD_DIM
        byts = 2 * (b * hq * sq * d * 2 + 2 * b * hkv * skv * d)
        nr = min(MAX_ROT, max(1, math.ceil(ROTATE_BYTES / byts)))
        qs = [torch.randn(b, hq, sq, d, device=self.dev, dtype=torch.bfloat16) for _ in range(nr)]
        ks = [torch.randn(b, hkv, skv, d, device=self.dev, dtype=torch.bfloat16) for _ in range(nr)]
        vs = [torch.randn(b, hkv, skv, d, device=self.dev, dtype=torch.bfloat16) for _ in range(nr)]
        gqa = hq != hkv
        phase = "prefill" if sq > 1 else "decode"
        for be in ATTN_BACKENDS:
            if self.left() < 5:
                return
            gmode = "native" if gqa else "none"

            def mk(i, gmode_):
                q, k_, v_ = qs[i], ks[i], vs[i]
                kw = dict(is_causal=bool(causal))
                if gmode_ == "native":
                    kw["enable_gqa"] = True
                elif gmode_ == "expand":
                    rep = hq // hkv
                    k_ = k_.repeat_interleave(rep, dim=1)
                    v_ = v_.repeat_interleave(rep, dim=1)
                if be == "default":
                    return lambda: F.scaled_dot_product_attention(q, k_, v_, **kw)
                bk = bmap[be]

                def f():
                    with sdpa_kernel([bk]):
                        return F.scaled_dot_product_attention(q, k_, v_, **kw)
                return f
            res = None
            err_s = ""
            for gm in ([gmode, "expand"] if gqa else [gmode]):
                try:
                    fns = [mk(i, gm) for i in range(nr)]
                    fns[0]()
                    torch.cuda.synchronize()
                    res = self.time_fns(fns, want_eager=(be == "default"))
                    gmode = gm
                    break
                except Exception as ex:
                    err_s = f"{type(ex).__name__}: {str(ex).splitlines()[0][:150] if str(ex) else ''}"
                    try:
                        torch.cuda.synchronize()
                    except Exception:
                        pass
            if res is None:
                self.log(f"  attn {phase} {it['model']} b={b} sq={sq} skv={skv} {be}: FAILED {err_s}")
                continue
            ran = be
            if be == "default":
                ran = self.which_backend(mk(0, gmode))
            note = (f"op=attn b={b} hq={hq} hkv={hkv} d={d} sq={sq} skv={skv} causal={causal} "
                    f"backend={ran} timing={res['timing']} model={it['model']} phase={phase}")
            if be == "default":
                note += " requested=default"
            if gqa:
                note += f" gqa={'enable_gqa' if gmode == 'native' else 'kv_expanded_outside_timing'}"
            note += f" reps={res['reps']} rot={nr}"
            id_ = f"h100-attn-{phase}-{it['model']}-b{b}-sq{sq}-skv{skv}-{be}"
            self.row(id_, None, None, None, "bf16", "", "dense", "time_ms", res["t_ms"], "ms", note)
            if res.get("eager_ms") is not None:
                self.row(id_ + "-eager", None, None, None, "bf16", "", "dense", "eager_time_ms",
                         res["eager_ms"], "ms",
                         note.replace(f"timing={res['timing']}", "timing=eager"))
            fl = 4.0 * b * hq * sq * skv * d * (0.5 if causal else 1.0)
            self.log(f"  attn {phase:7s} {it['model']:10s} b={b:2d} sq={sq:5d} skv={skv:5d} "
                     f"{be:9s}->{ran:9s} {res['t_ms']:.4f} ms  {fl / res['t_ms'] / 1e9:7.1f} T/s "
                     f"{byts / res['t_ms'] / 1e6:7.0f} GB/s gqa={gmode}")
        del qs, ks, vs
        torch.cuda.empty_cache()

    def which_backend(self, f):
        try:
            from torch.profiler import profile, ProfilerActivity
            with profile(activities=[ProfilerActivity.CUDA]) as prof:
                f()
                self.torch.cuda.synchronize()
            names = " ".join(ev.key.lower() for ev in prof.key_averages())
            if "cudnn" in names or "sdpa_sm90" in names or "fmha_sm90" in names:
                return "cudnn"
            if "flash" in names:
                return "flash"
            if "fmha" in names or "mem_eff" in names or "cutlass" in names or "efficient" in names:
                return "efficient"
            if "bmm" in names or "gemm" in names or "softmax" in names:
                return "math"
            return "unknown"
        except Exception as ex:
            self.log(f"    profiler failed: {ex}")
            return "unknown"

    # ---------------- bandwidth ----------------
    def run_bw_item(self, it):
        torch, F = self.torch, self.F
        if it["op"] == "copy":
            nbytes = it["mib"] * 2**20
            nel = nbytes // 2
            moved = 2 * nbytes
            nr = min(MAX_ROT, max(1, math.ceil(ROTATE_BYTES / moved)))
            srcs = [torch.randn(nel, device=self.dev, dtype=torch.float32).to(torch.float16)
                    for _ in range(nr)]
            dsts = [torch.empty_like(s) for s in srcs]
            fns = [(lambda s=s, d=d: d.copy_(s)) for s, d in zip(srcs, dsts)]
            res = self.time_fns(fns, want_eager=True)
            gbs = moved / (res["t_ms"] * 1e-3) / 1e9
            note = (f"op=copy bytes={nbytes} kernel=Tensor.copy_ timing={res['timing']} "
                    f"bytes_counted=read+write reps={res['reps']} rot={nr}")
            id_ = f"h100-copy-{it['mib']}mib"
            self.row(id_ + "-time", None, None, None, "fp16", "", "", "time_ms", res["t_ms"], "ms", note)
            self.row(id_ + "-bw", None, None, None, "fp16", "", "", "bandwidth_gb_s", gbs, "GB/s", note)
            if res.get("eager_ms"):
                note_e = note.replace(f"timing={res['timing']}", "timing=eager")
                self.row(id_ + "-eager", None, None, None, "fp16", "", "", "eager_time_ms",
                         res["eager_ms"], "ms", note_e)
                # a D2D copy captured in a CUDA graph becomes a memcpy node, which ran slower than
                # the eager copy (2.43 vs 3.0 TB/s at >= 1 GiB on the H100): record both
                self.row(id_ + "-bw-eager", None, None, None, "fp16", "", "", "bandwidth_gb_s",
                         moved / (res["eager_ms"] * 1e-3) / 1e9, "GB/s", note_e + " (from eager_time_ms)")
            self.log(f"  copy {it['mib']:5d} MiB  {res['t_ms']:.4f} ms  {gbs:7.0f} GB/s ({res['timing']})")
            del srcs, dsts, fns
            torch.cuda.empty_cache()
            return
        kind, r, c = it["kind"], it["rows"], it["cols"]
        nel = r * c
        nin = 2 if kind in ("add", "mul") else 1
        moved = (nin + 1) * nel * 2
        nr = min(MAX_ROT, max(1, math.ceil(ROTATE_BYTES / moved)))
        xs = [torch.randn(r, c, device=self.dev, dtype=torch.float16) for _ in range(nr)]
        ys = [torch.randn(r, c, device=self.dev, dtype=torch.float16) for _ in range(nr)] if nin == 2 else None
        wln = torch.randn(c, device=self.dev, dtype=torch.float16)
        bln = torch.randn(c, device=self.dev, dtype=torch.float16)

        def mk(i):
            x = xs[i]
            if kind == "add":
                y = ys[i]
                return lambda: torch.add(x, y)
            if kind == "mul":
                y = ys[i]
                return lambda: torch.mul(x, y)
            if kind == "gelu":
                return lambda: F.gelu(x)
            if kind == "silu":
                return lambda: F.silu(x)
            if kind == "layernorm":
                return lambda: F.layer_norm(x, (c,), wln, bln)
            if kind == "rmsnorm":
                return lambda: F.rms_norm(x, (c,), wln)
            if kind == "softmax":
                return lambda: torch.softmax(x, dim=-1)
        try:
            fns = [mk(i) for i in range(nr)]
            res = self.time_fns(fns, want_eager=True)
        except Exception as ex:
            self.log(f"  vec {kind} {r}x{c}: FAILED {type(ex).__name__}: {str(ex)[:150]}")
            return
        gbs = moved / (res["t_ms"] * 1e-3) / 1e9
        gel = nel / (res["t_ms"] * 1e-3) / 1e9
        note = (f"op=vec kind={kind} rows={r} cols={c} dtype=fp16 bytes_counted={moved} (read+write) "
                f"timing={res['timing']} reps={res['reps']} rot={nr}")
        id_ = f"h100-vec-{kind}-{r}x{c}-fp16"
        self.row(id_ + "-time", None, None, None, "fp16", "", "", "time_ms", res["t_ms"], "ms", note)
        self.row(id_ + "-bw", None, None, None, "fp16", "", "", "bandwidth_gb_s", gbs, "GB/s", note)
        self.row(id_ + "-gelem", None, None, None, "fp16", "", "", "throughput_gelem_s", gel, "Gelem/s", note)
        if res.get("eager_ms"):
            self.row(id_ + "-eager", None, None, None, "fp16", "", "", "eager_time_ms", res["eager_ms"],
                     "ms", note.replace(f"timing={res['timing']}", "timing=eager"))
        self.log(f"  vec {kind:9s} {r:6d}x{c}  {res['t_ms']:.4f} ms  {gbs:7.0f} GB/s ({res['timing']})")
        del xs, ys, fns
        torch.cuda.empty_cache()

    # ---------------- probe ----------------
    def probe(self):
        torch = self.torch
        self.log("probe: cslt alg search vs alg 0; fp8 fast accum; F.linear(x, cslt-sparse W)")
        from torch.sparse import SparseSemiStructuredTensor, to_sparse_semi_structured
        for (m, n, k) in [(8, 4096, 4096), (2048, 8192, 8192), (8192, 28672, 4096)]:
            for dt in (torch.bfloat16,):
                W = (torch.randn(n, k, device=self.dev) * self.rand_mask24(n, k)).to(dt)
                x = torch.randn(m, k, device=self.dev).to(dt)
                Wc = torch._cslt_compress(W)
                try:
                    alg = torch._cslt_sparse_mm_search(Wc, x.t(), transpose_result=True)
                except Exception as ex:
                    alg = f"search failed {ex}"
                r0 = self.time_fns([lambda: torch._cslt_sparse_mm(Wc, x.t(), transpose_result=True)],
                                   want_eager=False)
                ra = None
                if isinstance(alg, int):
                    ra = self.time_fns([lambda: torch._cslt_sparse_mm(Wc, x.t(), transpose_result=True,
                                                                      alg_id=alg)], want_eager=False)
                SparseSemiStructuredTensor._FORCE_CUTLASS = False
                Ws = to_sparse_semi_structured(W)
                rl = self.time_fns([lambda: self.F.linear(x, Ws)], want_eager=True)
                rd = self.time_fns([lambda: self.F.linear(x, W)], want_eager=True)
                self.log(f"  m={m} n={n} k={k}: cslt alg0 {r0['t_ms']:.4f} searched alg={alg} "
                         f"{ra['t_ms'] if ra else float('nan'):.4f}; F.linear(sparse cslt) "
                         f"{rl['t_ms']:.4f} (eager {rl['eager_ms']}) type={type(Ws).__name__}; "
                         f"dense {rd['t_ms']:.4f} (eager {rd['eager_ms']})")
                del W, Wc, Ws, x
        f8 = self.dt["fp8e4m3"]
        for (m, n, k) in [(8192, 8192, 8192), (16, 8192, 8192), (1, 8192, 8192)]:
            x = torch.randn(m, k, device=self.dev).to(f8)
            W = torch.randn(n, k, device=self.dev).to(f8)
            for fa in (False, True):
                try:
                    r = self.time_fns([lambda: torch._scaled_mm(x, W.t(), scale_a=self._one,
                                                                scale_b=self._one,
                                                                out_dtype=torch.bfloat16,
                                                                use_fast_accum=fa)], want_eager=False)
                    self.log(f"  _scaled_mm m={m} n={n} k={k} fast_accum={fa}: {r['t_ms']:.4f} ms "
                             f"{2 * m * n * k / r['t_ms'] / 1e9:.0f} T/s")
                except Exception as ex:
                    self.log(f"  _scaled_mm m={m} fast_accum={fa}: FAILED {str(ex)[:150]}")
        # M=1 / M=8 on each variant (relerr against float64)
        for var in GEMM_VARIANTS:
            for m in (1, 8):
                ok, err, note = self.check_variant(var, n=4096, k=4096, m=m)
                self.log(f"  {var} m={m}: ok={ok} relerr={err:.3g} {note}")
        # weight-preparation cost of the big matrices
        for var in ("cutlass24-bf16", "cslt24-bf16", "cslt24-fp8"):
            t = time.time()
            try:
                self.make_weight(var, 28672, 4096)
                torch.cuda.synchronize()
                self.log(f"  make_weight {var} 28672x4096: {time.time() - t:.2f} s")
            except Exception as ex:
                self.log(f"  make_weight {var}: FAILED {ex}")
        torch.cuda.empty_cache()

    # ---------------- main ----------------
    def summary(self):
        # 2:4 over dense speed-ups by class (same dtype dense baseline)
        base = {}
        for sec, var, m, n, k, t in self.speed:
            base[(var, m, n, k)] = t
        cls = lambda m: "decode(M<=32)" if m <= 32 else ("mid(128-512)" if m <= 512 else "prefill(M>=2048)")
        pairs = {"cslt24-bf16": "dense-bf16", "cslt24-fp16": "dense-fp16",
                 "cutlass24-bf16": "dense-bf16", "cutlass24-fp16": "dense-fp16",
                 "cslt24-fp8": "scaledmm-fp8", "cslt24-int8": "intmm-int8",
                 "scaledmm-fp8": "dense-bf16", "intmm-int8": "dense-bf16"}
        agg = {}
        for (var, m, n, k), t in base.items():
            if var in pairs and (pairs[var], m, n, k) in base:
                s = base[(pairs[var], m, n, k)] / t
                agg.setdefault((var, cls(m)), []).append(s)
        print("\nspeed-up over baseline (geomean [min..max], n):")
        for (var, c), v in sorted(agg.items()):
            g = math.exp(sum(math.log(x) for x in v) / len(v))
            print(f"  {var:15s} vs {pairs[var]:13s} {c:17s} {g:5.2f} [{min(v):.2f}..{max(v):.2f}] n={len(v)}")
        best = max(((2.0 * m * n * k / t / 1e9, m, n, k) for s, var, m, n, k, t in self.speed
                    if var == "dense-bf16"), default=None)
        if best:
            print(f"dense bf16 peak: {best[0]:.0f} TFLOP/s at m={best[1]} n={best[2]} k={best[3]}")

    def main(self):
        torch = self.torch
        self.env_report("before")
        smi = None
        if self.args.smi_log:
            try:
                smi = subprocess.Popen(
                    ["nvidia-smi", "--query-gpu=timestamp,clocks.sm,clocks.mem,power.draw,"
                     "temperature.gpu,utilization.gpu", "--format=csv", "-lms", "2000",
                     "-f", self.args.smi_log])
            except Exception as ex:
                self.log(f"smi logger failed: {ex}")
        try:
            self.setup_gemm()
            if self.args.probe:
                self.probe()
                items = plan(quick=True, sections=self.args.sections)
            else:
                items = plan(self.args.quick, self.args.sections, self.args.llm_from,
                             self.args.variants)
            for it in items:
                if self.left() < 3:
                    self.log("time budget exhausted")
                    break
                sec = it["section"]
                try:
                    if sec == "bw":
                        self.run_bw_item(it)
                    elif sec == "attn":
                        self.run_attn_item(it)
                    else:
                        self.log(f"gemm {sec} n={it['n']} k={it['k']} {it['users']}")
                        self.run_gemm_item(it)
                except Exception as ex:
                    self.log(f"item {it} FAILED: {type(ex).__name__}: {str(ex)[:200]}")
                    try:
                        torch.cuda.synchronize()
                        torch.cuda.empty_cache()
                    except Exception:
                        pass
        finally:
            if smi is not None:
                smi.terminate()
                try:
                    smi.wait(timeout=5)
                except Exception:
                    smi.kill()
            self.env_report("after")
            self.fh.close()
            self.log(f"wrote {self.rows} rows to {self.args.out}; broken variants: {self.broken}")
            self.summary()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="h100-measured.csv")
    ap.add_argument("--env-out", default=None, help="env/provenance text file (default: <out>.env.txt)")
    ap.add_argument("--log", default=None, help="progress log file")
    ap.add_argument("--smi-log", default=None, help="nvidia-smi clock/power log (every 2 s)")
    ap.add_argument("--quick", action="store_true", help="a few shapes of each kind")
    ap.add_argument("--probe", action="store_true", help="API probe: checks + a few timings")
    ap.add_argument("--dry-run", action="store_true", help="list the plan and estimate its time")
    ap.add_argument("--sections", default="bw,llm,attn,llmc,venom",
                    help="comma list of bw,llm,attn,llmc,venom (run in this order)")
    ap.add_argument("--budget-s", type=float, default=520.0, help="stop starting work after this")
    ap.add_argument("--reserve-s", type=float, default=0.0,
                    help="stop the llm section when less than this is left (for later sections)")
    ap.add_argument("--target-ms", type=float, default=60.0, help="GPU time per measurement")
    ap.add_argument("--no-cslt-search", action="store_true",
                    help="time cuSPARSELt with alg_id 0 only (default: also the searched algorithm)")
    ap.add_argument("--slow-cap-s", type=float, default=60.0,
                    help="seconds allowed per variant whose calls take > 20 ms on the host")
    ap.add_argument("--variants", default=None, help="comma list of GEMM variants (default: all)")
    ap.add_argument("--slow-search", action="store_true", help="also search cuSPARSELt algs for slow variants (fp16 search crashed the CUDA "
                         "context on the H100 with cuSPARSELt 0.8.0: use with care)")
    ap.add_argument("--slow-m", default=None, help="M values kept for slow variants: comma list or 'all'")
    ap.add_argument("--cslt-alg", type=int, default=0,
                    help="force this cuSPARSELt alg_id (no search); ids get an -algN suffix")
    ap.add_argument("--llm-from", type=int, default=0, help="skip the first N llm weight shapes")
    ap.add_argument("--fp8-fast-accum", action="store_true", help="_scaled_mm use_fast_accum=True")
    args = ap.parse_args()
    args.sections = [s for s in args.sections.split(",") if s]
    if args.variants:
        args.variants = [v for v in args.variants.split(",") if v]
        bad = [v for v in args.variants if v not in GEMM_VARIANTS]
        if bad:
            raise SystemExit(f"unknown variants {bad}; known: {list(GEMM_VARIANTS)}")
    if args.env_out is None:
        args.env_out = os.path.splitext(args.out)[0] + ".env.txt"
    if args.dry_run:
        items = plan(args.quick, args.sections, args.llm_from, args.variants)
        for it in items:
            if it["section"] in ("llm", "llmc", "venom"):
                print(f"gemm {it['section']:5s} n={it['n']:6d} k={it['k']:6d} M={it['ms']} {it['users']}")
            elif it["section"] == "attn":
                print(f"attn {it['model']} b={it['b']} sq={it['sq']} skv={it['skv']} causal={it['causal']}")
            else:
                print(f"bw {it}")
        dry_run(items, args.target_ms)
        return
    if os.path.exists(args.env_out):
        os.remove(args.env_out)
    Runner(args).main()


if __name__ == "__main__":
    main()
