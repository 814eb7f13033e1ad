"""Where SAM's batched decoder spends its time, per prompt: ONNX Runtime's per-node profile of one
decoder call with K box prompts (K = 1 and K = 32 by default), grouped into the decoder's stages.

    python scripts/profile_sam_decoder.py BUNDLE [--k 1 32] [--threads 2] [--runs 3] [-o profile.md]

The bundle's own ONNX decoder and session options; the node names carry the torch module path, so the
stages are the module prefixes (graph optimisation keeps them on fused nodes)."""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

# (stage, node-name prefix or op type): first match wins
STAGES = (
    ("mask input downscaling (convs)", "/mask_downscaling/"),
    ("transformer layer 0: token→image attn", "/transformer/layers.0/cross_attn_token_to_image/"),
    ("transformer layer 0: image→token attn", "/transformer/layers.0/cross_attn_image_to_token/"),
    ("transformer layer 0: rest", "/transformer/layers.0/"),
    ("transformer layer 1: token→image attn", "/transformer/layers.1/cross_attn_token_to_image/"),
    ("transformer layer 1: image→token attn", "/transformer/layers.1/cross_attn_image_to_token/"),
    ("transformer layer 1: rest", "/transformer/layers.1/"),
    ("transformer final attn + norm", "/transformer/"),
    ("output upscaling (2 transposed convs)", "/output_upscaling/"),
    ("hypernetwork + iou MLPs", "/output_hypernetworks_mlps"),
    ("hypernetwork + iou MLPs", "/iou_prediction_head/"),
    ("masks to the photo size (Resize)", "Resize"),
)


def stage_of(name: str, op: str) -> str:
    for stage, key in STAGES:
        if name.startswith(key) or op == key:
            return stage
    return "other (prompt embedding, mask product, slices, casts)"


def profile(bundle, k: int, threads: int, runs: int) -> dict[str, float]:
    """ms per stage of one K-prompt decoder call (median over ``runs`` profiled calls after a warm-up)."""
    import onnxruntime as ort

    from edgevfm_runtime import open as open_bundle
    from edgevfm_runtime.sam.bench_batch import bench_boxes
    from edgevfm_runtime.sam.batch_prompts import batched_feed

    b = open_bundle(bundle)
    h, w = 480, 640
    feed = batched_feed(points=None, labels=None, box=bench_boxes(k, h, w), mask_input=None, image_size=(h, w))
    feed["image_embeddings"] = np.random.default_rng(0).standard_normal((1, 256, 64, 64)).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.enable_profiling = True
        opts.profile_file_prefix = str(Path(tmp) / "ort")
        sess = ort.InferenceSession(str(Path(bundle) / b.components["decoder"]["file"]), sess_options=opts,
                                    providers=["CPUExecutionProvider"])
        names = [i.name for i in sess.get_inputs()]
        sess.run(None, {n: feed[n] for n in names})
        for _ in range(runs):
            sess.run(None, {n: feed[n] for n in names})
        events = json.loads(Path(sess.end_profiling()).read_text())
    starts = sorted(e["ts"] for e in events if e.get("cat") == "Session" and e.get("name") == "model_run")[1:]
    per_run = []
    for i, t0 in enumerate(starts):
        t1 = starts[i + 1] if i + 1 < len(starts) else float("inf")
        stages: dict[str, float] = {}
        for e in events:
            if e.get("cat") == "Node" and e.get("name", "").endswith("_kernel_time") and t0 <= e["ts"] < t1:
                s = stage_of(e["name"][: -len("_kernel_time")], e.get("args", {}).get("op_name", ""))
                stages[s] = stages.get(s, 0.0) + e["dur"] / 1000
        per_run.append(stages)
    keys = list(dict.fromkeys(k for r in per_run for k in r))
    return {s: float(np.median([r.get(s, 0.0) for r in per_run])) for s in keys}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bundle")
    ap.add_argument("--k", type=int, nargs="+", default=[1, 32])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("-o", "--output")
    a = ap.parse_args(argv)
    prof = {k: profile(a.bundle, k, a.threads, a.runs) for k in a.k}
    stages = list(dict.fromkeys(s for p in prof.values() for s in sorted(p, key=lambda s: -p[s])))
    head = "| stage | " + " | ".join(f"K={k}: ms/call | ms/prompt | share" for k in a.k) + " |"
    lines = [head, "|---|" + "|".join("---:|---:|---:" for _ in a.k) + "|"]
    for s in stages:
        cells = []
        for k in a.k:
            ms, tot = prof[k].get(s, 0.0), sum(prof[k].values()) or 1.0
            cells.append(f"{ms:.2f} | {ms / k:.2f} | {100 * ms / tot:.0f}%")
        lines.append(f"| {s} | " + " | ".join(cells) + " |")
    lines.append("| **total (kernel time)** | " + " | ".join(
        f"{sum(prof[k].values()):.1f} | {sum(prof[k].values()) / k:.2f} | 100%" for k in a.k) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    if a.output:
        Path(a.output).write_text(text)


if __name__ == "__main__":
    main()
