"""MobileSAM encoder across quantized presets, side by side: PyTorch eager FP32 and every bundle
given, interleaved round by round on the same threads (host drift hits all alike), with the
encoder SQNR vs torch FP32 on a held-out photo and the acceptance bar of the INT8 issue.

    python bench/sam_quant.py --bundles OUT/sam-vit_t-onnx-fp32 OUT/sam-vit_t-x86-int8 ... \
        --runs 10 --threads 2 --out bench/results/sam_quant_x86
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch

import edgevfm_runtime as rt
from edgevfm.export.manifest import tool_versions
from edgevfm.images import sample_photo
from edgevfm.models import get_model
from edgevfm.weights import resolve
from edgevfm_runtime.parity import tensor_metrics
from edgevfm_runtime.sam.transforms import encoder_input

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sam_encoder import cpu_name  # noqa: E402

# The bar for x86-int8: ≥2× onnx-fp32, ≥3× eager, under 254 ms (plain NNCF INT8), ≥30 dB.
BAR = {"vs_onnx_fp32": 2.0, "vs_eager": 3.0, "max_ms": 254.0, "min_sqnr_db": 30.0}


def ov_profile(bundle, x: np.ndarray, threads: int, top: int = 12) -> list[dict]:
    """Where an OpenVINO encoder spends its time: summed real time per executed layer type."""
    sess = bundle.session("encoder", threads=threads, PERF_COUNT=True)
    sess.run({"images": x})
    per = defaultdict(float)
    for info in sess._request.get_profiling_info():
        per[f"{info.node_type} [{info.exec_type}]"] += info.real_time.total_seconds() * 1000
    total = sum(per.values())
    return [{"op": k, "ms": round(v, 1), "share": round(v / total, 3)}
            for k, v in sorted(per.items(), key=lambda kv: -kv[1])[:top]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bundles", nargs="+", required=True)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--image", default="chelsea", help="held-out photo (a parity image, never a calibration one)")
    ap.add_argument("--out", default="bench/results/sam_quant_x86", help="writes OUT.json and OUT.md")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    bundles = [rt.open(b) for b in args.bundles]
    wid = bundles[0].manifest["model"]["weights"]["id"]
    family = get_model("sam")
    model = family.load("vit_t", resolve(wid if wid.startswith("random") else "official",
                                         family.weight_source("vit_t"), model="mobilesam"))
    x, _ = encoder_input(sample_photo(args.image))
    xt = torch.from_numpy(x)

    def eager():
        with torch.inference_mode():
            return model.image_encoder(xt).numpy()

    contenders = {"pytorch-eager-fp32": (eager, "torch " + torch.__version__)}
    for b in bundles:
        s = b.session("encoder", threads=args.threads)
        contenders[b.preset] = ((lambda s=s: s.run({"images": x})["image_embeddings"]), s.engine)
    ref = eager()
    quality = {n: tensor_metrics(ref, fn()) for n, (fn, _) in contenders.items()}
    for fn, _ in contenders.values():
        for _ in range(args.warmup):
            fn()
    times = {n: [] for n in contenders}
    for _ in range(args.runs):  # interleaved: one run of each per round
        for n, (fn, _) in contenders.items():
            t = time.perf_counter()
            fn()
            times[n].append(1000 * (time.perf_counter() - t))
    med = {n: statistics.median(ts) for n, ts in times.items()}
    by = {b.preset: b for b in bundles}
    rows = []
    for n, ts in times.items():
        kept = by[n].components["encoder"].get("float_kept", []) if n in by else []
        rows.append({"name": n, "engine": contenders[n][1], "median_ms": med[n], "min_ms": min(ts), "max_ms": max(ts),
                     "speedup_vs_eager": med["pytorch-eager-fp32"] / med[n],
                     "speedup_vs_onnx_fp32": med["onnx-fp32"] / med[n] if "onnx-fp32" in med else None,
                     "sqnr_db": quality[n]["sqnr_db"], "cosine": quality[n]["cosine"],
                     "mask_iou_vs_fp32": by[n].manifest["parity"].get("task", {}).get("mask_iou") if n in by else None,
                     "float_kept_nodes": len(kept)})
    verdict, profile = None, None
    if "x86-int8" in med and "onnx-fp32" in med:
        r = next(r for r in rows if r["name"] == "x86-int8")
        verdict = {"vs_onnx_fp32": r["speedup_vs_onnx_fp32"] >= BAR["vs_onnx_fp32"],
                   "vs_eager": r["speedup_vs_eager"] >= BAR["vs_eager"], "max_ms": r["median_ms"] < BAR["max_ms"],
                   "min_sqnr_db": r["sqnr_db"] >= BAR["min_sqnr_db"]}
        profile = ov_profile(by["x86-int8"], x, args.threads)
    result = {
        "schema_version": 1, "bench": "sam_quant", "image": args.image, "threads": args.threads, "runs": args.runs,
        "warmup": args.warmup, "weights": wid, "bar": BAR, "passed": verdict,
        "host": {"cpu": cpu_name(), "cores": os.cpu_count(), "machine": platform.machine(),
                 "load_avg_1m": os.getloadavg()[0], "python": platform.python_version()},
        "tools": tool_versions(), "rows": rows, "x86_int8_profile": profile,
        "command": f"python bench/sam_quant.py --bundles {' '.join(args.bundles)} --runs {args.runs} "
                   f"--threads {args.threads}",
    }
    lines = ["| encoder | engine | median ms | min | max | × eager | × onnx-fp32 | SQNR dB | task mask IoU |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        vs = f"{r['speedup_vs_onnx_fp32']:.2f}×" if r["speedup_vs_onnx_fp32"] else "–"
        iou = f"{r['mask_iou_vs_fp32']:.4f}" if r["mask_iou_vs_fp32"] is not None else "–"
        lines.append(f"| {r['name']} | {r['engine']} | {r['median_ms']:.0f} | {r['min_ms']:.0f} | {r['max_ms']:.0f} | "
                     f"{r['speedup_vs_eager']:.2f}× | {vs} | {r['sqnr_db']:.1f} | {iou} |")
    head = (f"MobileSAM encoder 1024², photo `{args.image}` (held out), {args.threads} threads, {args.runs} interleaved "
            f"runs, {cpu_name()} ({os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}), weights {wid}")
    text = [head, "", *lines]
    if verdict:
        text += ["", "x86-int8 bar: " + ", ".join(f"{k} {'PASS' if v else 'FAIL'}" for k, v in verdict.items())]
        text += ["", "x86-int8 encoder profile (OpenVINO PERF_COUNT, one run):", "",
                 "| layer type [kernel] | ms | share |", "|---|---:|---:|"]
        text += [f"| {p['op']} | {p['ms']} | {100 * p['share']:.0f}% |" for p in profile]
    print("\n".join(text))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    out.with_suffix(".md").write_text("\n".join(text) + "\n")


if __name__ == "__main__":
    main()
