"""Batched SAM prompts: K boxes in one ``predict`` call vs K single calls, side by side in one run.

    python bench/sam_batch.py BUNDLE [BUNDLE ...] [--k 1 8 32] [--repeats 3] [-o bench/results/sam_batch.md]

For each bundle and K: the median over ``--repeats`` of (K single ``predict(box=…)`` calls) and of (one
``predict(box=(K,4))`` call), interleaved so both see the same machine load; reports the ratio only."""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import time
from pathlib import Path

import numpy as np

import edgevfm_runtime as rt


def _host() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        name = next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name"))
    except (OSError, StopIteration):
        name = platform.processor() or "?"
    import os

    return f"{name}, {os.cpu_count()} logical CPUs, {platform.system()}"


def boxes(k: int, h: int, w: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x0, y0 = rng.uniform(0, w / 2, k), rng.uniform(0, h / 2, k)
    return np.stack([x0, y0, x0 + rng.uniform(8, w / 2, k), y0 + rng.uniform(8, h / 2, k)], 1)


def bench_bundle(path: str, ks: list[int], repeats: int) -> list[dict]:
    pred = rt.SamPredictor(rt.open(path))
    img = np.random.default_rng(0).integers(0, 255, (480, 640, 3), dtype=np.uint8)
    emb = pred.embed(img)
    rows = []
    for k in ks:
        b = boxes(k, *emb.original_size)
        pred.predict(emb, box=b)  # warm-up
        singles, batched = [], []
        for _ in range(repeats):
            t = time.perf_counter()
            for box in b:
                pred.predict(emb, box=box)
            singles.append(time.perf_counter() - t)
            t = time.perf_counter()
            pred.predict(emb, box=b)
            batched.append(time.perf_counter() - t)
        s, bt = statistics.median(singles), statistics.median(batched)
        rows.append({"bundle": Path(path).name, "preset": pred.bundle.preset, "engine": pred.engine, "k": k,
                     "singles_over_batched": round(s / bt, 2), "repeats": repeats,
                     "plan": str(pred.batch_plan(2))})
    return rows


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bundles", nargs="+")
    ap.add_argument("--k", type=int, nargs="+", default=[1, 8, 32])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("-o", "--output", default=None, help="write .md (and .json next to it)")
    a = ap.parse_args(argv)
    rows = [r for p in a.bundles for r in bench_bundle(p, a.k, a.repeats)]
    host = _host()
    lines = ["# SAM batched prompts: K boxes in one call vs K single calls", "",
             f"Host: {host}. Command: `python bench/sam_batch.py {' '.join(a.bundles)} --k {' '.join(map(str, a.k))} "
             f"--repeats {a.repeats}`. 480x640 image, multimask output; ratio = median time of K single "
             "`predict(box=…)` calls / median time of one `predict(box=(K,4))` call, measured interleaved.", "",
             "| preset | K | singles / batched | decoder batch plan |", "|---|---|---|---|"]
    lines += [f"| {r['preset']} | {r['k']} | {r['singles_over_batched']}x | {r['plan']} |" for r in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    if a.output:
        out = Path(a.output)
        out.write_text(text)
        out.with_suffix(".json").write_text(json.dumps({"host": host, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
