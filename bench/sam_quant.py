"""MobileSAM encoder across quantized presets, side by side: PyTorch eager FP32, what a savvy user
builds today (plain export + OpenVINO defaults, + NNCF INT8 on 3 photos, + ONNX Runtime) and every
bundle given, interleaved round by round on the same threads (host drift hits all alike), with the
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
from edgevfm.check.torch_model import load_torch_model
from edgevfm_runtime.parity import tensor_metrics
from edgevfm_runtime.sam.transforms import encoder_input

from edgevfm.bench.baselines import baseline_specs
from edgevfm_runtime.bench.contenders import open_contender
from edgevfm_runtime.bench.host import host_facts
from edgevfm_runtime.bench.timing import COOL_DOWN_S, balanced_orders

# The bar for x86-int8: ≥2× onnx-fp32, ≥3× eager, faster than a plain NNCF INT8 (254 ms on the
# host TOOLCHAIN.md measured; here it is measured side by side), ≥30 dB.
BAR = {"vs_onnx_fp32": 2.0, "vs_eager": 3.0, "vs_plain_nncf_int8": 1.0, "min_sqnr_db": 30.0}
SAVVY = ["plain-onnx-fp32", "plain-openvino-default", "plain-nncf-int8"]


def official_rows(src: str, model, x, work: Path, threads: int) -> dict:
    """The issue's savvy-user rows: the official TinyViT exported the plain way, run by ONNX Runtime, by
    OpenVINO with its defaults, and quantized by NNCF (transformer preset, 3 photos)."""
    from edgevfm.bench.baselines import PLAIN_NNCF_PHOTOS, plain_export, savvy_nncf_int8
    from edgevfm.quantize.calibration import default_set
    from edgevfm_runtime.engines import get_engine
    from official_sam import official_component

    work.mkdir(parents=True, exist_ok=True)
    onnx_path = work / "encoder.onnx"
    plain_export(official_component(src, model), onnx_path)
    photos = default_set(eval_specs=["chelsea"], minimum=1, limit=PLAIN_NNCF_PHOTOS)
    xml = savvy_nncf_int8(onnx_path, work / "encoder-nncf-int8.xml", [encoder_input(im)[0] for im in photos.images])
    ort, ov = get_engine("onnxruntime"), get_engine("openvino")
    sessions = {"official-plain-onnx-fp32": ort.session(onnx_path, threads=threads),
                "official-plain-openvino-default": ov.session(onnx_path, threads=threads, INFERENCE_PRECISION_HINT=None),
                "official-plain-nncf-int8": ov.session(xml, threads=threads, INFERENCE_PRECISION_HINT=None)}
    return {n: ((lambda s=s: s.run({"images": x})["image_embeddings"]), s.engine) for n, s in sessions.items()}


def row_name(bundle, taken) -> str:
    """The preset, or the bundle's folder name when two bundles share a preset (e.g. recipe variants)."""
    return bundle.preset if bundle.preset not in taken else bundle.root.name


def cpu_name() -> str:
    return host_facts().get("cpu", "unknown CPU")


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
    ap.add_argument("--baselines", nargs="*", default=SAVVY, help="baseline rows built from the first bundle")
    ap.add_argument("--work", default="bench/work/baselines", help="where the baseline files are written")
    ap.add_argument("--weights", help="the checkpoint the bundles were exported from (default: their random seed)")
    ap.add_argument("--official-src", metavar="DIR", help="a MobileSAM clone: adds the savvy-user rows on a plain "
                    "export of the official encoder (see bench/official_sam.py)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    bundles = [rt.open(b) for b in args.bundles]
    w = bundles[0].manifest["model"]["weights"]
    wid = w["id"] if w["random"] else f"{w.get('file', 'checkpoint')} (sha256 {w['id'][:12]})"
    model = load_torch_model(bundles[0].manifest, weights=args.weights).model  # checks it is the bundles' checkpoint
    x, _ = encoder_input(sample_photo(args.image))
    xt = torch.from_numpy(x)

    def eager():
        with torch.inference_mode():
            return model.image_encoder(xt).numpy()

    contenders = {"pytorch-eager-fp32": (eager, "torch " + torch.__version__)}
    for spec in baseline_specs(args.bundles[0], args.baselines, Path(args.work), weights=args.weights):
        s = open_contender(spec).source.session("encoder", threads=args.threads)
        contenders[spec.name.replace(" ", "-")] = ((lambda s=s: s.run({"images": x})["image_embeddings"]), s.engine)
    if args.official_src:
        contenders.update(official_rows(args.official_src, model, x, Path(args.work) / "official-mobilesam", args.threads))
    for b in bundles:
        s = b.session("encoder", threads=args.threads)
        contenders[row_name(b, contenders)] = ((lambda s=s: s.run({"images": x})["image_embeddings"]), s.engine)
    ref = eager()
    quality = {n: tensor_metrics(ref, fn()) for n, (fn, _) in contenders.items()}
    for fn, _ in contenders.values():
        for _ in range(args.warmup):
            fn()
    times = {n: [] for n in contenders}
    names = list(contenders)
    orders = balanced_orders(len(names))  # each contender runs after each other one equally often
    for r in range(args.runs):  # interleaved: one run of each per round
        for n in (names[i] for i in orders[r % len(orders)]):
            time.sleep(COOL_DOWN_S)  # the previous contender's worker threads stop spinning first
            t = time.perf_counter()
            contenders[n][0]()
            times[n].append(1000 * (time.perf_counter() - t))
    med = {n: statistics.median(ts) for n, ts in times.items()}
    by = {n: b for n, b in zip(list(contenders)[-len(bundles):], bundles)}
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
                   "vs_eager": r["speedup_vs_eager"] >= BAR["vs_eager"],
                   "vs_plain_nncf_int8": ("plain-nncf-int8" in med and med["plain-nncf-int8"] / med["x86-int8"]
                                          > BAR["vs_plain_nncf_int8"]),
                   "min_sqnr_db": r["sqnr_db"] >= BAR["min_sqnr_db"]}
        profile = ov_profile(by["x86-int8"], x, args.threads)
    result = {
        "schema_version": 1, "bench": "sam_quant", "image": args.image, "threads": args.threads, "runs": args.runs,
        "warmup": args.warmup, "weights": wid, "bar": BAR, "passed": verdict,
        "host": {"cpu": cpu_name(), "cores": os.cpu_count(), "machine": platform.machine(),
                 "load_avg_1m": os.getloadavg()[0], "python": platform.python_version()},
        "tools": tool_versions(), "rows": rows, "x86_int8_profile": profile,
        "command": f"python bench/sam_quant.py --bundles {' '.join(args.bundles)} --runs {args.runs} "
                   f"--threads {args.threads} --baselines {' '.join(args.baselines)}"
                   + (f" --weights {args.weights}" if args.weights else "")
                   + (f" --official-src {args.official_src}" if args.official_src else ""),
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
