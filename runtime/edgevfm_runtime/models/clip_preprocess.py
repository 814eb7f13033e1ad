"""CLIP image pre-processing (OpenAI ``_transform``), numpy + Pillow only."""
from __future__ import annotations

import numpy as np

from ..errors import InputError

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


def resize_shorter_side(height: int, width: int, size: int) -> tuple[int, int]:
    """(h, w) after torchvision ``Resize(size)``: the short side becomes ``size``, the long side
    ``int(size * long / short)`` (truncated, not rounded)."""
    short, long = (height, width) if height <= width else (width, height)
    new_long = int(size * long / short)
    return (size, new_long) if height <= width else (new_long, size)


def preprocess(rgb_uint8_hwc: np.ndarray, size: int = 224) -> np.ndarray:
    """RGB uint8 (H, W, 3) → (1, 3, size, size) float32: bicubic resize of the shorter side,
    centre crop, /255, CLIP mean/std."""
    from PIL import Image

    img = np.asarray(rgb_uint8_hwc)
    if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
        raise InputError(f"expected an RGB uint8 (H, W, 3) image, got {img.dtype} {img.shape}")
    h, w = resize_shorter_side(img.shape[0], img.shape[1], size)
    resized = np.asarray(Image.fromarray(img).resize((w, h), Image.BICUBIC))
    # torchvision CenterCrop: offsets int(round((dim - size) / 2)), Python's round-half-even.
    top, left = int(round((h - size) / 2.0)), int(round((w - size) / 2.0))
    crop = resized[top : top + size, left : left + size]
    x = crop.astype(np.float32) / np.float32(255.0)
    x = (x - np.asarray(CLIP_MEAN, np.float32)) / np.asarray(CLIP_STD, np.float32)
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None])
