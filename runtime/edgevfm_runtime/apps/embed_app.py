"""`run` for DINOv2 (features + a PCA picture of the patch features) and CLIP (zero-shot table)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..embed import DenseFeatures, ImageEmbedder, classify
from ..errors import InputError
from ..image import load_rgb
from ..placement import session_options
from .overlay import save_png

DEFAULT_LABELS = ("cat", "dog", "person", "car", "cup of coffee", "rocket")


def pca_rgb(features: np.ndarray) -> np.ndarray:
    """First three principal components of (h, w, C) patch features as an RGB uint8 picture."""
    h, w, c = features.shape
    x = features.reshape(-1, c).astype(np.float64)
    x -= x.mean(axis=0)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    proj = x @ vt[:3].T
    lo, hi = np.percentile(proj, 1, axis=0), np.percentile(proj, 99, axis=0)
    proj = np.clip((proj - lo) / np.maximum(hi - lo, 1e-12), 0, 1)
    return (proj.reshape(h, w, 3) * 255).round().astype(np.uint8)


def run_dinov2(bundle, args, *, emit=print) -> dict:
    rgb = load_rgb(args.image)
    feats = DenseFeatures(bundle, **session_options(args))(rgb)
    cls = ImageEmbedder(bundle, **session_options(args))(rgb)
    out = Path(args.output or "features.npy")
    if out.suffix != ".npy":
        raise InputError(f"-o for a DINOv2 bundle is a .npy file for the features, got {out}")
    out.parent.mkdir(parents=True, exist_ok=True)
    np.save(out, feats)
    from PIL import Image

    pca = pca_rgb(feats)
    h, w = rgb.shape[:2]
    picture = np.asarray(Image.fromarray(pca).resize((w, h), Image.NEAREST))
    png = out.with_name(out.stem + "_pca.png")
    save_png(png, np.concatenate([rgb, picture], axis=1))
    np.save(out.with_name(out.stem + "_cls.npy"), cls)
    emit(f"patch features {feats.shape[0]}x{feats.shape[1]}x{feats.shape[2]}, CLS {cls.shape[-1]}-d")
    emit(f"wrote {out} (patch features), {out.with_name(out.stem + '_cls.npy')} (CLS) and {png} (PCA of patch features)")
    return {"features": str(out), "pca": str(png)}


def run_clip(bundle, args, *, emit=print) -> dict:
    labels = list(args.text or DEFAULT_LABELS)
    probs = classify(bundle, args.image, labels, template="{}" if args.text else "a photo of a {}.",
                     **session_options(args))
    width = max(len(l) for l in labels)
    emit(f"{'label'.ljust(width)}  probability")
    for label, p in sorted(probs.items(), key=lambda kv: -kv[1]):
        emit(f"{label.ljust(width)}  {p:8.4f}  {'█' * round(40 * p)}")
    return {"probabilities": probs}
