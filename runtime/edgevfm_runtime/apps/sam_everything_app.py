"""`run --everything` for MobileSAM bundles: every mask of a point grid as a coloured label image
plus the official records (bbox, area, predicted_iou, …) as JSON."""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..image import load_rgb
from ..placement import session_options
from ..sam import SamPredictor
from ..sam.everything import SamMaskGenerator
from .overlay import save_png


def label_image(shape: tuple[int, int], masks: list[np.ndarray], seed: int = 0) -> np.ndarray:
    """RGB image with each mask in its own colour, larger masks painted first (small ones stay visible)."""
    out = np.zeros((*shape, 3), np.uint8)
    colours = np.random.default_rng(seed).integers(40, 256, (len(masks), 3), dtype=np.uint8)
    for i in sorted(range(len(masks)), key=lambda j: -int(masks[j].sum())):
        out[masks[i]] = colours[i]
    return out


def run_everything(bundle, args, *, emit=print) -> dict:
    if args.point or args.box:
        raise InputError("--everything takes no --point/--box: it prompts with a grid of points")
    if args.points_per_side < 1:
        raise InputError(f"--points-per-side must be >= 1, got {args.points_per_side}")
    rgb = load_rgb(args.image)
    gen = SamMaskGenerator(SamPredictor(bundle, **session_options(args)), points_per_side=args.points_per_side)
    t0 = time.perf_counter()
    records = gen.generate(rgb)
    dt = time.perf_counter() - t0
    out = Path(args.output or "masks.png")
    save_png(out, label_image(rgb.shape[:2], [r["segmentation"] for r in records]))
    from ..sam import amg_ops as A

    enc = A.coco_rle if args.rle == "coco" else (lambda r: r)
    rows = [{**r, "segmentation": enc(A.mask_to_rle(r["segmentation"]))} for r in records]
    js = out.with_suffix(".json")
    js.write_text(json.dumps({"image": str(args.image), "size": list(rgb.shape[:2]), "rle": args.rle,
                              "annotations": rows}))
    emit(f"engine: {gen.predictor.engine}")
    emit(f"{len(records)} masks from {args.points_per_side}x{args.points_per_side} points in {dt:.1f} s")
    emit(f"wrote {out} (labels) and {js} (records)")
    return {"labels": str(out), "records": str(js), "masks": len(records), "engine": gen.predictor.engine}
