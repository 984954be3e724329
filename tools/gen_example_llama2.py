#!/usr/bin/env python3
"""Writes traces/examples/llama2-7b-2of4.trace.gz: Llama-2-7B (shapes from its Hugging Face
config.json: hidden 4096, 32 layers, 32 heads, FFN 11008, vocab 32000) with every linear
layer pruned 2:4 (SparseGPT/Wanda-style, fp16), a 128-token prompt and 4 decoded tokens.
Kept until tracegen (issue 4) writes the same; run from the repository root."""
import gzip

H, L, HEADS, KV, FFN, VOCAB, D = 4096, 32, 32, 32, 11008, 32000, 128
PROMPT, DECODE = 128, 4

out = ["simtrace 1",
       "meta model=llama-2-7b source=hf:meta-llama/Llama-2-7b-hf sparsity=nm:2:4 "
       f"batch=1 prompt={PROMPT} decode={DECODE} generator=tools/gen_example_llama2.py"]
for l in range(L):
    out.append(f"tensor id=L{l}.qkv role=weight shape={H + 2 * KV * D}x{H} dtype=fp16 sp=nm:2:4")
    out.append(f"tensor id=L{l}.o role=weight shape={H}x{H} dtype=fp16 sp=nm:2:4")
    out.append(f"tensor id=L{l}.gate_up role=weight shape={2 * FFN}x{H} dtype=fp16 sp=nm:2:4")
    out.append(f"tensor id=L{l}.down role=weight shape={H}x{FFN} dtype=fp16 sp=nm:2:4")
out.append(f"tensor id=lm_head role=weight shape={VOCAB}x{H} dtype=fp16")
out.append("tensor id=kv role=kv dtype=fp16")


def layer(l, t, kvlen, sq):
    return [
        f"op vec kind=rmsnorm rows={t} cols={H} layer={l}",
        f"op gemm m={t} n={H + 2 * KV * D} k={H} w=L{l}.qkv layer={l} name=qkv",
        f"op vec kind=rope rows={t} cols={(HEADS + KV) * D} layer={l}",
        f"op attn b=1 hq={HEADS} hkv={KV} d={D} sq={sq} skv={kvlen} kv=kv layer={l}",
        f"op gemm m={t} n={H} k={H} w=L{l}.o layer={l} name=o",
        f"op vec kind=add rows={t} cols={H} layer={l}",
        f"op vec kind=rmsnorm rows={t} cols={H} layer={l}",
        f"op gemm m={t} n={2 * FFN} k={H} w=L{l}.gate_up layer={l} name=gate_up",
        f"op vec kind=swiglu rows={t} cols={FFN} layer={l}",
        f"op gemm m={t} n={H} k={FFN} w=L{l}.down layer={l} name=down",
        f"op vec kind=add rows={t} cols={H} layer={l}",
    ]


out.append(f"step kind=prefill tokens={PROMPT} batch=1")
out.append(f"op vec kind=embed rows={PROMPT} cols={H}")
for l in range(L):
    out += layer(l, PROMPT, PROMPT, PROMPT)
out.append(f"op vec kind=rmsnorm rows=1 cols={H}")
out.append(f"op gemm m=1 n={VOCAB} k={H} w=lm_head name=lm_head")
for s in range(DECODE):
    kvlen = PROMPT + s + 1
    out.append("step kind=decode tokens=1 batch=1")
    out.append(f"op vec kind=embed rows=1 cols={H}")
    for l in range(L):
        out += layer(l, 1, kvlen, 1)
    out.append(f"op vec kind=rmsnorm rows=1 cols={H}")
    out.append(f"op gemm m=1 n={VOCAB} k={H} w=lm_head name=lm_head")

with gzip.GzipFile("traces/examples/llama2-7b-2of4.trace.gz", "wb", mtime=0) as f:
    f.write(("\n".join(out) + "\n").encode())
