"""Soak test: many SamPredictor calls on one opened bundle, resident memory sampled as it goes.

    python bench/soak.py [BUNDLE] [--predicts 10000] [--set-images 1000] [--every 100]

Without BUNDLE an onnx-fp32 MobileSAM bundle is exported from random:0 weights (needs the toolkit).
Calls alternate between the two API forms: ``set_image`` + ``predict(points=…)`` and
``embed`` + ``predict(embedding, …)``, over images of four sizes and five prompt kinds (including
``mask_input`` fed back from the previous call). The first ``--warmup`` share of the run settles the
engine's arenas; growth is measured from the RSS at its end to the RSS at the end of the run.
Writes bench/results/soak.json and soak.md."""
from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
SIZES = [(480, 640), (300, 451), (1024, 768), (333, 1000)]


def rss_bytes() -> int:
    try:
        import psutil

        return psutil.Process().memory_info().rss
    except ImportError:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def host() -> dict:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "loadavg_start": list(os.getloadavg())}


def prompts(h: int, w: int, i: int, low_res) -> dict:
    """Five prompt kinds in turn; the fifth feeds the previous call's best low-res logits back."""
    x, y = (0.3 + 0.4 * ((i * 37) % 11) / 10) * w, (0.3 + 0.4 * ((i * 17) % 7) / 6) * h
    box = [0.1 * w, 0.1 * h, 0.9 * w, 0.8 * h]
    kind = i % 5
    if kind == 0:
        return {"points": [[x, y]], "labels": [1]}
    if kind == 1:
        return {"points": [[x, y], [0.1 * w, 0.9 * h]], "labels": [1, 0]}
    if kind == 2:
        return {"box": box, "multimask": False}
    if kind == 3:
        return {"points": [[0.5 * w, 0.5 * h]], "labels": [1], "box": box}
    return {"points": [[x, y]], "labels": [1], "mask_input": low_res[None], "multimask": False}


def export_random(workdir: Path) -> Path:
    from edgevfm.export.pipeline import export

    out = workdir / "sam-random-onnx-fp32"
    export("sam", target="onnx-fp32", weights="random:0", output=out, emit=lambda s: None)
    return out


def _weights_id(bundle: Path) -> str:
    try:
        return json.loads((bundle / "manifest.json").read_text())["model"]["weights"]["id"]
    except (OSError, KeyError, TypeError, ValueError):
        return "weights unknown"


def soak(bundle_path: Path, *, predicts: int, set_images: int, every: int, warmup: float, threads: int | None,
         checkpoint=lambda result: None) -> dict:
    """Run the soak; ``checkpoint`` gets the summary so far after every RSS sample past the warm-up."""
    import edgevfm_runtime as rt

    predictor = rt.SamPredictor(rt.open(bundle_path), threads=threads)
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for h, w in SIZES]
    per_image = max(1, predicts // max(set_images, 1))
    warm_images = max(1, int(round(warmup * set_images)))
    samples, calls, n_pred, n_enc = [], 0, 0, 0
    rss_warm = None
    t0 = time.perf_counter()

    def summary(complete: bool) -> dict:
        rss_end = samples[-1]["rss"]
        return {
            "complete": complete, "bundle": str(bundle_path), "engine": predictor.engine, "threads": threads,
            "target_predicts": predicts, "target_set_images": set_images,
            "predicts": n_pred, "set_images": n_enc, "image_sizes": SIZES, "sample_every": every,
            "warmup_images": warm_images, "rss_start": samples[0]["rss"], "rss_after_warmup": rss_warm,
            "rss_end": rss_end, "rss_max_after_warmup": max(s["rss"] for s in samples if s["encodes"] >= warm_images),
            "growth_percent": round(100.0 * (rss_end - rss_warm) / rss_warm, 3),
            "seconds": round(time.perf_counter() - t0, 1), "samples": samples,
        }

    def sample():
        gc.collect()
        samples.append({"calls": calls, "predicts": n_pred, "encodes": n_enc, "rss": rss_bytes(),
                        "seconds": round(time.perf_counter() - t0, 1)})
        if rss_warm is not None:
            checkpoint(summary(False))

    sample()
    low_res = np.zeros((256, 256), np.float32)
    for k in range(set_images):
        img = images[k % len(images)]
        h, w = img.shape[:2]
        stateful = k % 2 == 0
        if stateful:
            predictor.set_image(img)
            emb = None
        else:
            emb = predictor.embed(img)
        n_enc += 1
        calls += 1
        for j in range(per_image):
            if n_pred >= predicts:
                break
            p = prompts(h, w, n_pred, low_res)
            masks, scores, lows = predictor.predict(**p) if stateful else predictor.predict(emb, **p)
            low_res = lows[int(np.argmax(scores))]
            n_pred += 1
            calls += 1
            if calls % every == 0:
                sample()
        if k + 1 == warm_images:
            sample()
            rss_warm = samples[-1]["rss"]
        print(f"{n_enc}/{set_images} images, {n_pred}/{predicts} predicts, rss {rss_bytes() / 2**20:.0f} MiB",
              file=sys.stderr, flush=True)
    sample()
    return summary(True)


def write(result: dict, out_json: Path) -> None:
    out_json.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_json.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=1) + "\n")
    tmp.replace(out_json)
    mib = lambda b: f"{b / 2**20:.1f} MiB"  # noqa: E731
    h = result["host"]
    md = [
        "# Soak: one SamPredictor, many calls",
        "",
        f"Command: `{result['command']}`",
        "",
        f"Host: {h['cpu']}, {h['cores']} cores, {h['platform']}, Python {h['python']}; "
        f"load average at start {', '.join(f'{v:.2f}' for v in h['loadavg_start'])} (shared machine).",
        f"Engine: {result['engine']}. Bundle: onnx-fp32 MobileSAM ({result['weights']}).",
        "",
        *([] if result["complete"] else [
            f"**Incomplete**: stopped after {result['predicts']} of {result['target_predicts']} predicts and "
            f"{result['set_images']} of {result['target_set_images']} images (the last checkpoint written).", ""]),
        "| predicts | set_image + embed | RSS start | RSS after warm-up | RSS max after warm-up | RSS end | growth after warm-up | wall |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {result['predicts']} | {result['set_images']} | {mib(result['rss_start'])} | {mib(result['rss_after_warmup'])} "
        f"| {mib(result['rss_max_after_warmup'])} | {mib(result['rss_end'])} | {result['growth_percent']:+.2f} % "
        f"| {result['seconds']:.0f} s |",
        "",
        f"Warm-up: the first {result['warmup_images']} images (and their predicts). Half the images go through "
        "`set_image` + `predict(points=…)`, half through `embed` + `predict(embedding, …)`; prompts cycle through "
        "point, two points, box, box + point and point + `mask_input`. RSS sampled (after `gc.collect()`) every "
        f"{result['sample_every']} calls; all samples are in soak.json.",
        "",
    ]
    out_json.with_suffix(".md").write_text("\n".join(md))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bundle", nargs="?", help="onnx-fp32 MobileSAM bundle (default: export random:0 to a temp folder)")
    ap.add_argument("--predicts", type=int, default=10_000)
    ap.add_argument("--set-images", type=int, default=1_000, help="images encoded (half set_image, half embed)")
    ap.add_argument("--every", type=int, default=100, help="sample RSS every N calls")
    ap.add_argument("--warmup", type=float, default=0.1, help="share of the images counted as warm-up")
    ap.add_argument("--threads", type=int, default=None, help="engine threads")
    ap.add_argument("-o", "--output", default=str(RESULTS / "soak.json"))
    args = ap.parse_args(argv)
    if args.predicts < 1 or args.set_images < 1 or args.every < 1 or not 0 < args.warmup < 1:
        ap.error("--predicts, --set-images and --every must be >= 1 and --warmup in (0, 1)")
    info = host()
    with tempfile.TemporaryDirectory(prefix="edgevfm-soak-") as tmp:
        bundle = Path(args.bundle) if args.bundle else export_random(Path(tmp))
        extra = {"host": info, "weights": _weights_id(bundle),
                 "command": "python bench/soak.py " + " ".join(argv if argv is not None else sys.argv[1:])}
        result = soak(bundle, predicts=args.predicts, set_images=args.set_images, every=args.every,
                      warmup=args.warmup, threads=args.threads,
                      checkpoint=lambda r: write({**r, **extra}, Path(args.output)))
    result.update(extra)
    write(result, Path(args.output))
    print(f"growth after warm-up {result['growth_percent']:+.2f} % "
          f"({result['rss_after_warmup'] / 2**20:.1f} → {result['rss_end'] / 2**20:.1f} MiB); wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
