"""Image pre-processing by the manifest's ``preprocess.kind``: one implementation, used by the
runtime, by the toolkit's golden data and by calibration, so all three see the same tensors."""
from __future__ import annotations

from typing import Callable

import numpy as np

from .errors import BundleError

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
    return preprocess_classification(rgb, resize=int(spec.get("resize", 256) * h / 224), crop=h)


@register_preprocessor("dinov2:dense")
def _dinov2_dense(rgb, spec):
    from .models.dinov2_preprocess import preprocess_dense

    return preprocess_dense(rgb, size=tuple(spec["input_size"]))


@register_preprocessor("clip")
def _clip(rgb, spec):
    from .models.clip_preprocess import preprocess as clip_preprocess

    return clip_preprocess(rgb, size=int(spec["input_size"][0]))
