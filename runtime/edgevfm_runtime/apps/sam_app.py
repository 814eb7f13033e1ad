"""`run` for MobileSAM bundles: segment from clicks/boxes, write the mask and an overlay."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..image import load_rgb
from ..placement import session_options
from ..sam import SamPredictor
from ..sam.prompts import decoder_feed
from ..sam.transforms import check_image_size
from .overlay import overlay, save_png


POINT_SYNTAX = "X,Y[,LABEL] (pixels; LABEL 1 = foreground, the default, or 0 = background)"


def _numbers(text: str) -> list[float] | None:
    try:
        vals = [float(p) for p in text.split(",")]
    except ValueError:
        return None
    return vals if all(np.isfinite(vals)) else None


def parse_point(text: str) -> tuple[tuple[float, float], int]:
    """``X,Y[,LABEL]``: a click in image pixels; LABEL must be exactly 0 or 1."""
    vals = _numbers(text)
    if vals is None or len(vals) not in (2, 3):
        raise InputError(f"--point expects {POINT_SYNTAX}, got {text!r}")
    if len(vals) == 3 and vals[2] not in (0.0, 1.0):
        raise InputError(f"--point {text!r}: LABEL must be 0 (background) or 1 (foreground), got {text.split(',')[2]}")
    label = int(vals[2]) if len(vals) == 3 else 1
    return (vals[0], vals[1]), label


def parse_box(text: str) -> list[float]:
    """``X0,Y0,X1,Y1``: a box in image pixels."""
    vals = _numbers(text)
    if vals is None or len(vals) != 4:
        raise InputError(f"--box expects X0,Y0,X1,Y1 (four finite numbers, pixels), got {text!r}")
    return vals


def run_sam(bundle, args, *, emit=print) -> dict:
    if getattr(args, "everything", False):
        from .sam_everything_app import run_everything

        return run_everything(bundle, args, emit=emit)
    rgb = load_rgb(args.image)
    h, w = rgb.shape[:2]
    pts = [parse_point(p) for p in args.point or []]
    box = parse_box(args.box) if args.box else None
    if not pts and box is None:
        pts = [((w / 2, h / 2), 1)]
        emit(f"no prompt given: using one foreground click at the image centre ({w / 2:g}, {h / 2:g})")
    prompts = {"points": [p for p, _ in pts] or None, "labels": [l for _, l in pts] or None, "box": box}
    check_image_size(h, w)
    decoder_feed(**prompts, mask_input=None, image_size=(h, w))  # bad prompts fail before the encoder runs
    predictor = SamPredictor(bundle, **session_options(args))
    t0 = time.perf_counter()
    predictor.set_image(rgb)
    t1 = time.perf_counter()
    masks, scores, _ = predictor.predict(**prompts, multimask=not args.single)
    t2 = time.perf_counter()
    best = int(np.argmax(scores))
    mask = masks[best]
    out = Path(args.output or "mask.png")
    overlay_path = out.with_name(out.stem + "_overlay.png")
    save_png(out, (mask * 255).astype(np.uint8))
    save_png(overlay_path, overlay(rgb, mask, points=pts, box=box))
    emit(f"engine: {predictor.engine}")
    emit(f"encoder {1000 * (t1 - t0):.0f} ms, decoder {1000 * (t2 - t1):.0f} ms")
    emit("scores: " + ", ".join(f"{s:.3f}" for s in scores) + f" (best: mask {best}, {int(mask.sum())} px)")
    emit(f"wrote {out} (mask) and {overlay_path} (overlay)")
    return {"mask": str(out), "overlay": str(overlay_path), "scores": scores.tolist(), "engine": predictor.engine}
