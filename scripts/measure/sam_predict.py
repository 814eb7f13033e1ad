"""SAM ``predict`` alone (decoder + post-processing, host upscaling included), bundles side by side,
interleaved: one ``set_image`` per bundle, then rounds of one ``predict`` per contender in alternating
order. ``--old-upscale`` adds, per host-upscaled bundle, a row with the previous host upscaling (one
BLAS product chain ``A @ low_res @ Bᵀ`` over all four tokens) for a ratio from the same run.

    python scripts/measure/sam_predict.py BUNDLE... [--rounds 20] [--threads 2] [--old-upscale] [--md OUT.md]
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np


def _old_upscale_predictor(p):
    """``p`` with the pre-change path: the session's host op upscales all four tokens by BLAS."""
    from edgevfm_runtime.sam import predictor as pred
    from edgevfm_runtime.sam import upscale as up

    a_b = {}

    def old(low_res, orig_im_size):
        h, w = (int(v) for v in np.asarray(orig_im_size).reshape(-1)[:2])
        if (h, w) not in a_b:
            a, b = up._upscale_matrices(h, w, low_res.shape[-1])
            a_b[(h, w)] = (a.astype(np.float32), b.astype(np.float32))
        a, b = a_b[(h, w)]
        return a @ np.asarray(low_res, np.float32) @ b.T

    class Old:
        def __init__(self, inner):
            self.inner, self.input_names = inner.inner, inner.input_names

        def run(self, feed):
            out = self.inner.run({k: feed[k] for k in self.inner.input_names})
            out["masks"] = old(out["low_res_masks"], feed["orig_im_size"])
            return out

    clone = pred.SamPredictor.__new__(pred.SamPredictor)
    clone.__dict__.update(p.__dict__)
    clone.decoder = Old(p.decoder)
    return clone


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("bundles", nargs="+")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--old-upscale", action="store_true")
    ap.add_argument("--md")
    args = ap.parse_args(argv)

    import edgevfm_runtime as rt
    from edgevfm_runtime.bench.image import bench_image
    from edgevfm_runtime.host_outputs import HostOutputsSession
    from edgevfm_runtime.parity import mask_iou
    from edgevfm_runtime.sam import SamPredictor
    from edgevfm_runtime.sam.prompt_set import prompt_set

    rows, image = {}, None
    for path in args.bundles:
        b = rt.open(path)
        p = SamPredictor(b, threads=args.threads)
        image = bench_image(b) if image is None else image
        p.set_image(image)
        name = os.path.basename(os.path.normpath(path))
        rows[name] = p
        if args.old_upscale and isinstance(p.decoder, HostOutputsSession):
            rows[name + " (old BLAS upscale, 4 tokens)"] = _old_upscale_predictor(p)
    click = prompt_set(*image.shape[:2])["point"]
    call = {n: (lambda p=p: p.predict(points=click["points"], labels=click["labels"], multimask=True))
            for n, p in rows.items()}
    masks = {n: f()[0] for n, f in call.items()}
    ref = masks[next(iter(masks))]
    for _ in range(args.warmup):
        for f in call.values():
            f()
    times = {n: [] for n in call}
    order = list(call)
    for r in range(args.rounds):
        for n in (order if r % 2 == 0 else order[::-1]):
            t = time.perf_counter()
            call[n]()
            times[n].append((time.perf_counter() - t) * 1e3)
    base = next(iter(times))
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor())
    lines = [f"Command: `python scripts/measure/sam_predict.py {' '.join(argv or sys.argv[1:])}`", "",
             f"Host: {cpu}, {os.cpu_count()} logical CPUs; load average at end {os.getloadavg()}; "
             f"threads {args.threads}; image {image.shape[1]}x{image.shape[0]}; multimask click; "
             f"{args.warmup} warm-up + {args.rounds} rounds, interleaved (order alternates per round).", "",
             f"| contender | predict p50 ms | p10 | p90 | speed-up vs {base} (p50) | mask IoU vs {base} |",
             "|---|---:|---:|---:|---:|---:|"]
    for n, v in times.items():
        iou = min(mask_iou(a, b) for a, b in zip(ref, masks[n]))
        lines.append(f"| {n} | {np.median(v):.1f} | {np.percentile(v, 10):.1f} | {np.percentile(v, 90):.1f} | "
                     f"{np.median(times[base]) / np.median(v):.2f}x | {iou:.5f} |")
    text = "\n".join(lines)
    print(text)
    if args.md:
        with open(args.md, "w") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
