"""Image pre-processing by the manifest's ``preprocess.kind``: one implementation, used by the
runtime, by the toolkit's golden data and by calibration, so all three see the same tensors."""
from __future__ import annotations

from typing import Callable

import numpy as np

from .errors import BundleError, InputError

# Shorter-side resizes (DINOv2's eval transform, CLIP) scale the long side by S/short: a 1x5000 strip
# would become a 256x1,280,000 intermediate. Any image of at least 1x1 within this ratio works.
MAX_ASPECT_RATIO = 1024

PREPROCESSORS: dict[str, Callable[[np.ndarray, dict], np.ndarray]] = {}


def register_preprocessor(kind: str):
    def deco(fn):
        PREPROCESSORS[kind] = fn
        return fn
    return deco


def preprocess(rgb: np.ndarray, spec: dict, *, dense: bool = False) -> np.ndarray:
    """NCHW float32 model input for an RGB uint8 image, following ``spec`` (the manifest's preprocess)."""
    kind = spec.get("kind")
    fn = PREPROCESSORS.get(f"{kind}:dense" if dense else kind) or PREPROCESSORS.get(kind)
    if fn is None:
        raise BundleError(f"unknown preprocess kind {kind!r} in the manifest (known: {', '.join(PREPROCESSORS)})")
    return fn(rgb, spec)


def check_aspect(rgb: np.ndarray, short_side: int, what: str) -> None:
    h, w = rgb.shape[:2]
    if max(h, w) > MAX_ASPECT_RATIO * min(h, w):
        raise InputError(
            f"image {w}x{h} is too thin for {what}: its short side is resized to {short_side} px, which would "
            f"make the long side {short_side * max(h, w) // max(min(h, w), 1):,} px; the aspect ratio must be at "
            f"most {MAX_ASPECT_RATIO}:1 (here a short side of at least {-(-max(h, w) // MAX_ASPECT_RATIO)} px)"
        )


@register_preprocessor("sam")  # schema 2 names the family
@register_preprocessor("sam_resize_longest")
def _sam(rgb, spec):
    from .sam.transforms import encoder_input

    return encoder_input(rgb)[0]


@register_preprocessor("dinov2")
def _dinov2(rgb, spec):
    """Square export size S: the official eval transform (resize shorter side to S·256/224, centre crop S).
    Non-square: resize straight to (H, W)."""
    from .models.dinov2_preprocess import preprocess_classification, preprocess_dense

    h, w = spec["input_size"]
    if h != w:
        return preprocess_dense(rgb, size=(h, w))
    resize = int(spec.get("resize", 256) * h / 224)
    check_aspect(rgb, resize, "the DINOv2 resize")
    return preprocess_classification(rgb, resize=resize, crop=h)


@register_preprocessor("dinov2:dense")
def _dinov2_dense(rgb, spec):
    from .models.dinov2_preprocess import preprocess_dense

    return preprocess_dense(rgb, size=tuple(spec["input_size"]))


@register_preprocessor("clip")
def _clip(rgb, spec):
    from .models.clip_preprocess import preprocess as clip_preprocess

    size = int(spec["input_size"][0])
    check_aspect(rgb, size, "the CLIP resize")
    return clip_preprocess(rgb, size=size)
