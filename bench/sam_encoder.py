"""MobileSAM encoder latency: the bundle's ONNX encoder in ONNX Runtime vs PyTorch eager FP32,
measured side by side (interleaved rounds, same threads) so host drift hits both alike.

    python bench/sam_encoder.py --bundle out/sam-vit_t-onnx-fp32 --runs 10 --threads 2 \
        --json bench/results/sam_encoder_x86.json
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch

import edgevfm_runtime as rt
from edgevfm.export.manifest import tool_versions
from edgevfm.images import sample_photo
from edgevfm.models import get_model
from edgevfm.weights import resolve
from edgevfm_runtime.sam.transforms import encoder_input


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--weights", help="weights of the torch baseline (default: the bundle's if random, else official)")
    ap.add_argument("--json", help="write results here")
    ap.add_argument("--md", help="write a Markdown table here")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    bundle = rt.open(args.bundle)
    wid = bundle.manifest["model"]["weights"]["id"]
    family = get_model("sam")
    weights = resolve(args.weights or (wid if wid.startswith("random") else "official"),
                      family.weight_source("vit_t"), model="mobilesam")
    model = family.load("vit_t", weights)
    sess = bundle.session("encoder", threads=args.threads)
    x, _ = encoder_input(sample_photo("chelsea"))
    xt = torch.from_numpy(x)

    def run_torch():
        with torch.inference_mode():
            return model.image_encoder(xt).numpy()

    def run_ort():
        return sess.run({"images": x})["image_embeddings"]

    contenders = {"pytorch eager fp32": run_torch, f"bundle onnx ({sess.engine})": run_ort}
    ref, got = run_torch(), run_ort()
    for fn in contenders.values():
        for _ in range(args.warmup):
            fn()
    times = {k: [] for k in contenders}
    for _ in range(args.runs):  # interleaved: one run of each per round
        for name, fn in contenders.items():
            t = time.perf_counter()
            fn()
            times[name].append(1000 * (time.perf_counter() - t))
    base = statistics.median(times["pytorch eager fp32"])
    rows = []
    for name, ts in times.items():
        med = statistics.median(ts)
        rows.append({"name": name, "median_ms": med, "min_ms": min(ts), "max_ms": max(ts),
                     "speedup_vs_eager": base / med, "runs": len(ts)})
    result = {
        "schema_version": 1, "bench": "sam_encoder", "threads": args.threads, "runs": args.runs,
        "warmup": args.warmup, "weights": weights.id, "max_abs_diff": float(np.abs(ref - got).max()),
        "host": {"cpu": cpu_name(), "cores": __import__("os").cpu_count(), "machine": platform.machine(),
                 "python": platform.python_version()},
        "tools": tool_versions(), "rows": rows,
        "command": "python bench/sam_encoder.py --bundle BUNDLE --runs %d --threads %d" % (args.runs, args.threads),
    }
    lines = ["| encoder | median ms | min | max | speed-up vs eager |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {r['name']} | {r['median_ms']:.0f} | {r['min_ms']:.0f} | {r['max_ms']:.0f} | "
              f"{r['speedup_vs_eager']:.2f}× |" for r in rows]
    print(f"MobileSAM encoder 1024², {args.threads} threads, {args.runs} interleaved runs on {cpu_name()}")
    print("\n".join(lines))
    print(f"max |onnx - torch| on the embedding: {result['max_abs_diff']:.2e}")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    if args.md:
        Path(args.md).parent.mkdir(parents=True, exist_ok=True)
        Path(args.md).write_text(f"MobileSAM encoder, {args.threads} threads, {cpu_name()}\n\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
