"""DINOv2 and CLIP image towers across quantized presets, side by side: every bundle given, grouped
by model, interleaved round by round on the same threads in one process (host drift hits all rows
alike), with each tower's SQNR vs torch FP32 on the recipe's held-out photo and the issue's bar: the
best INT8 preset at least 2× onnx-fp32. A row that misses it gets a profile (OpenVINO PERF_COUNT or
ONNX Runtime's profiler, time per op type) saying what dominates.

The SQNR reference is the torch FP32 output stored in each bundle's golden.npz, so by default this
process never imports torch: the runtime alone, as on a device. ``--eager`` adds a timed PyTorch
eager row (torch's OpenMP workers are set passive so they do not spin into the next row's time).

ONNX Runtime bundles run with the runtime's session settings except that the intra-op workers do not
spin after a run (``session.intra_op.allow_spinning=0``; ``--ort-spinning`` restores ORT's default).
Interleaved on a 2-CPU host, a spinning ORT worker keeps a core busy into the *next* row and taxes
short rows most: measured back to back, CLIP ViT-B/32 image tower vs onnx-fp32, arm-int8 2.17×/2.31×
with spinning and 2.87×/3.00× without, x86-int8 (OpenVINO, after ORT rows) 1.88×/2.75× vs 2.91×/3.00×,
while the onnx-fp32 row itself did not get slower without spinning.

    python bench/embed_quant.py --bundles OUT/dinov2-vits14-onnx-fp32 OUT/dinov2-vits14-onnx-int8 ... \
        OUT/clip-vit-b-32-onnx-fp32 ... --runs 20 --threads 2 --out bench/results/embed_quant_x86
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

import edgevfm_runtime as rt
from edgevfm_runtime import golden as G
from edgevfm_runtime.bench.host import host_facts
from edgevfm_runtime.parity import tensor_metrics
from edgevfm_runtime.preprocess import preprocess
from edgevfm_runtime.versions import tool_versions

BAR_VS_ONNX_FP32 = 2.0  # the issue: the best INT8 preset ≥ 2× onnx-fp32 on the image towers
INT8 = ("onnx-int8", "x86-int8", "arm-int8")


def ov_profile(bundle, feed: dict, threads: int, top: int = 10) -> list[dict]:
    """Summed real time per executed OpenVINO layer type [kernel], one run."""
    sess = bundle.session("encoder", threads=threads, PERF_COUNT=True)
    sess.run(feed)
    per = defaultdict(float)
    for info in sess._request.get_profiling_info():  # the request holds the counters
        per[f"{info.node_type} [{info.exec_type}]"] += info.real_time.total_seconds() * 1000
    return _top(per, top)


def ort_profile(bundle, feed: dict, threads: int, top: int = 10) -> list[dict]:
    """Summed kernel time per ONNX Runtime op type (after graph optimisation), one run."""
    prefix = str(Path(tempfile.mkdtemp(prefix="edgevfm-prof-")) / "ort")
    sess = _ort_session(bundle, threads, spinning=False, profile_prefix=prefix)
    sess.run(None, feed)  # the first run pays one-off allocations: profile the second
    sess.run(None, feed)
    events = json.loads(Path(sess.end_profiling()).read_text())
    runs = [e for e in events if e.get("cat") == "Session" and e.get("name") == "model_run"]
    start = runs[-1]["ts"] if runs else 0
    per = defaultdict(float)
    for e in events:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time") and e["ts"] >= start:
            per[e["args"].get("op_name", "?")] += e["dur"] / 1000
    return _top(per, top)


def _top(per: dict, top: int) -> list[dict]:
    total = sum(per.values()) or 1.0
    return [{"op": k, "ms": round(v, 2), "share": round(v / total, 3)}
            for k, v in sorted(per.items(), key=lambda kv: -kv[1])[:top]]


def eager_contender(bundle, x: np.ndarray, threads: int):
    """PyTorch eager FP32 of the bundle's image tower (``--eager``; imports torch, see above)."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch loads libgomp: no spinning workers
    import torch

    from edgevfm.check.torch_model import load_torch_model

    torch.set_num_threads(threads)
    ref = load_torch_model(bundle.manifest)
    comp = next(c for c in ref.family.components(ref.model, ref.variant, ref.recipe) if c.name == "encoder")
    xt = torch.from_numpy(x)

    def run():
        with torch.inference_mode():
            out = comp.module(xt)
        return dict(zip(comp.output_names, (o.numpy() for o in (out if isinstance(out, tuple) else (out,)))))

    return run, f"torch {torch.__version__}"


class OrtNoSpin:
    """A bundle's ONNX Runtime component with the runtime's settings, workers not spinning."""

    def __init__(self, bundle, threads: int):
        import onnxruntime

        self._sess = _ort_session(bundle, threads, spinning=False)
        self._outputs = [o.name for o in self._sess.get_outputs()]
        self.engine = f"onnxruntime {onnxruntime.__version__} (CPU, workers not spinning)"

    def run(self, feed: dict) -> dict:
        return dict(zip(self._outputs, self._sess.run(None, feed)))


def session(bundle, threads: int, spinning: bool):
    """The bundle's image tower as the runtime opens it; ONNX Runtime without spinning workers (see above)."""
    if bundle.engine_name == "onnxruntime" and not spinning:
        return OrtNoSpin(bundle, threads)
    return bundle.session("encoder", threads=threads)


def _ort_session(bundle, threads: int, *, spinning: bool, profile_prefix: str | None = None):
    """The runtime's ORT settings (intra-op threads, one inter-op, ORT_ENABLE_ALL, CPU provider)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads, opts.inter_op_num_threads = threads, 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    if profile_prefix:
        opts.enable_profiling = True
        opts.profile_file_prefix = profile_prefix
    return ort.InferenceSession(str(bundle.component_path("encoder")), opts, providers=["CPUExecutionProvider"])


def group_bench(bundles: list, *, runs: int, warmup: int, threads: int, eager_timed: bool = False,
                spinning: bool = False) -> dict:
    """One model: every bundle's image tower, interleaved; SQNR vs the torch FP32 outputs in golden.npz."""
    first = bundles[0]
    case = G.parse(first.golden)["encoder"]["0"]  # the first parity photo, held out from calibration
    image_name = first.manifest["provenance"]["recipe"].get("parity", {}).get("images", ["?"])[0]
    x = preprocess(case["src"]["image"], first.preprocess)
    reference = case["out"]
    name_in = first.components["encoder"]["inputs"][0]["name"]
    contenders = {"pytorch-eager-fp32": eager_contender(first, x, threads)} if eager_timed else {}
    for b in bundles:
        s = session(b, threads, spinning)
        contenders[b.preset] = ((lambda s=s: s.run({name_in: x})), s.engine)
    quality = {}
    for n, (fn, _) in contenders.items():
        got = fn()
        per = {o: tensor_metrics(reference[o], got[o]) for o in reference}
        quality[n] = {"sqnr_db": min(m["sqnr_db"] for m in per.values()), "cosine": min(m["cosine"] for m in per.values()),
                      "per_output_sqnr_db": {o: round(m["sqnr_db"], 2) for o, m in per.items()}}
    for fn, _ in contenders.values():
        for _ in range(warmup):
            fn()
    times = {n: [] for n in contenders}
    names = list(contenders)
    for r in range(runs):  # interleaved, rotating the order so no row always runs first
        for n in names[r % len(names):] + names[: r % len(names)]:
            t = time.perf_counter()
            contenders[n][0]()
            times[n].append(1000 * (time.perf_counter() - t))
    med = {n: statistics.median(ts) for n, ts in times.items()}
    by = {b.preset: b for b in bundles}
    rows = []
    for n, ts in times.items():
        b = by.get(n)
        rows.append({
            "name": n, "engine": contenders[n][1], "median_ms": round(med[n], 2),
            "p25_ms": round(float(np.percentile(ts, 25)), 2), "p75_ms": round(float(np.percentile(ts, 75)), 2),
            "speedup_vs_onnx_fp32": round(med["onnx-fp32"] / med[n], 3) if "onnx-fp32" in med else None,
            "speedup_vs_eager": round(med["pytorch-eager-fp32"] / med[n], 3) if eager_timed else None,
            **{k: (round(v, 6) if isinstance(v, float) else v) for k, v in quality[n].items()},
            "task": b.manifest["parity"].get("task", {}) if b else {},
            "float_kept": b.components["encoder"].get("float_kept", []) if b else [],
        })
    int8 = [r for r in rows if r["name"] in INT8 and r["speedup_vs_onnx_fp32"]]
    best = max(int8, key=lambda r: r["speedup_vs_onnx_fp32"]) if int8 else None
    profiles = {}
    for r in int8:
        if r["speedup_vs_onnx_fp32"] < BAR_VS_ONNX_FP32 or r is best:
            b = by[r["name"]]
            prof = ov_profile if b.engine_name == "openvino" else ort_profile
            profiles[r["name"]] = prof(b, {name_in: x}, threads)
    if "onnx-fp32" in by and best and best["speedup_vs_onnx_fp32"] < BAR_VS_ONNX_FP32:
        profiles["onnx-fp32"] = ort_profile(by["onnx-fp32"], {name_in: x}, threads)
    return {"model": first.model, "variant": first.variant, "input": list(x.shape), "image": image_name,
            "weights": first.manifest["model"]["weights"]["id"], "rows": rows,
            "best_int8": best["name"] if best else None,
            "passed": bool(best and best["speedup_vs_onnx_fp32"] >= BAR_VS_ONNX_FP32), "profiles": profiles}


def markdown(result: dict) -> str:
    h = result["host"]
    load = result["load_avg_1m"]
    head = (f"DINOv2 / CLIP image towers across presets: {result['threads']} threads, {result['runs']} interleaved runs "
            f"(+{result['warmup']} warm-up), one process; {h['cpu']} ({h['usable_cpus']} usable CPUs), 1-min load "
            f"{load['start']:.1f} at start, {load['end']:.1f} at end. Only the ratios within one group are meaningful "
            "(shared, noisy host). SQNR: vs the torch FP32 outputs in golden.npz, same photo. ONNX Runtime "
            + ("workers spinning (ORT's default)." if result["ort_spinning"]
               else "workers not spinning between runs (see the script's docstring; --ort-spinning restores it)."))
    out = [head, "", f"`{result['command']}`", ""]
    for g in result["groups"]:
        title = (f"**{g['model']}/{g['variant']}** input {'×'.join(map(str, g['input']))}, photo `{g['image']}` "
                 f"(held out from calibration), weights {g['weights']}")
        out += [title, "",
                "| preset | engine | median ms | p25–p75 | × onnx-fp32 | × eager | SQNR dB (worst output) | cosine | float-kept |",
                "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
        for r in g["rows"]:
            vs = f"{r['speedup_vs_onnx_fp32']:.2f}×" if r["speedup_vs_onnx_fp32"] else "–"
            ve = f"{r['speedup_vs_eager']:.2f}×" if r["speedup_vs_eager"] else "–"
            sq = "inf" if r["sqnr_db"] == float("inf") else f"{r['sqnr_db']:.1f}"
            out.append(f"| {r['name']} | {r['engine']} | {r['median_ms']:.1f} | {r['p25_ms']:.0f}–{r['p75_ms']:.0f} | {vs} | "
                       f"{ve} | {sq} | {r['cosine']:.5f} | {len(r['float_kept'])} |")
        verdict = "PASS" if g["passed"] else "FAIL"
        out += ["", f"Bar (best INT8 ≥ {BAR_VS_ONNX_FP32:g}× onnx-fp32): **{verdict}** (best: {g['best_int8']})", ""]
        for name, prof in g["profiles"].items():
            out += [f"{name} profile (one run, time per op type):", "", "| op [kernel] | ms | share |", "|---|---:|---:|"]
            out += [f"| {p['op']} | {p['ms']} | {100 * p['share']:.0f}% |" for p in prof] + [""]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bundles", nargs="+", required=True, help="bundles of one or more models (grouped by model)")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default="bench/results/embed_quant_x86", help="writes OUT.json and OUT.md")
    ap.add_argument("--eager", action="store_true", help="also time PyTorch eager FP32 in the interleaved rounds")
    ap.add_argument("--ort-spinning", action="store_true", help="keep ONNX Runtime's spinning workers (see above)")
    args = ap.parse_args()

    load_start = os.getloadavg()[0]
    groups: dict[tuple, list] = defaultdict(list)
    for p in args.bundles:
        b = rt.open(p)
        groups[(b.model, b.variant)].append(b)
    results = [group_bench(bs, runs=args.runs, warmup=args.warmup, threads=args.threads, eager_timed=args.eager,
                           spinning=args.ort_spinning) for bs in groups.values()]
    result = {
        "schema_version": 1, "bench": "embed_quant", "threads": args.threads, "runs": args.runs, "warmup": args.warmup,
        "bar_vs_onnx_fp32": BAR_VS_ONNX_FP32, "ort_spinning": args.ort_spinning,
        "host": host_facts(), "tools": tool_versions(),
        "load_avg_1m": {"start": load_start, "end": os.getloadavg()[0]},
        "command": "python bench/embed_quant.py " + " ".join(sys.argv[1:]), "groups": results,
    }
    text = markdown(result)
    print(text)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    out.with_suffix(".md").write_text(text + "\n")


if __name__ == "__main__":
    main()
