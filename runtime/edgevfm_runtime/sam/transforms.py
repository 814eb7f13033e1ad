"""SAM's official pre-processing (resize longest side, normalise, pad) and coordinate transform."""
from __future__ import annotations

import numpy as np

from ..errors import InputError

IMG_SIZE = 1024
PIXEL_MEAN = np.array([123.675, 116.28, 103.53], dtype=np.float32)
PIXEL_STD = np.array([58.395, 57.12, 57.375], dtype=np.float32)


def preprocess_shape(h: int, w: int, long_side: int = IMG_SIZE) -> tuple[int, int]:
    """(newh, neww) after scaling the longest side to ``long_side`` (official rounding)."""
    scale = long_side * 1.0 / max(h, w)
    return int(h * scale + 0.5), int(w * scale + 0.5)


def check_image_size(h: int, w: int, long_side: int = IMG_SIZE) -> None:
    """SAM scales the longest side to ``long_side`` and rounds the other: it stays >= 1 px only while
    short * long_side / long >= 0.5, i.e. the aspect ratio is at most 2 * long_side (2048:1)."""
    if min(h, w) < 1:
        raise InputError(f"image is empty ({w}x{h} pixels); SAM needs at least 1x1")
    newh, neww = preprocess_shape(h, w, long_side)
    if min(newh, neww) < 1:
        need = -(-max(h, w) // (2 * long_side))  # ceil(long / 2048)
        raise InputError(
            f"image {w}x{h} is too thin for SAM: its short side would become 0 px when the long side is "
            f"resized to {long_side}; the short side must be at least long/{2 * long_side} (here >= {need} px)"
        )


def resize_longest(rgb: np.ndarray, long_side: int = IMG_SIZE) -> np.ndarray:
    """PIL bilinear resize (antialiased when downscaling), kept uint8, as the official predictor does."""
    from PIL import Image

    newh, neww = preprocess_shape(*rgb.shape[:2], long_side)
    return np.asarray(Image.fromarray(rgb).resize((neww, newh), Image.BILINEAR))


def normalize_pad(resized: np.ndarray, size: int = IMG_SIZE) -> np.ndarray:
    """(x - mean) / std, then zero-pad bottom/right to size x size; returns 1x3xSxS float32."""
    x = (resized.astype(np.float32) - PIXEL_MEAN) / PIXEL_STD
    out = np.zeros((1, 3, size, size), dtype=np.float32)
    h, w = x.shape[:2]
    out[0, :, :h, :w] = x.transpose(2, 0, 1)
    return out


def encoder_input(rgb: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    """Encoder input and the resized (h, w) for an RGB uint8 image."""
    check_image_size(*rgb.shape[:2])
    resized = resize_longest(rgb)
    return normalize_pad(resized), resized.shape[:2]


def apply_coords(coords: np.ndarray, original_size: tuple[int, int], long_side: int = IMG_SIZE) -> np.ndarray:
    """Map (x, y) pixel coordinates of the original image into the 1024 frame (per-axis ratios)."""
    h, w = original_size
    newh, neww = preprocess_shape(h, w, long_side)
    out = np.array(coords, dtype=np.float64, copy=True)
    out[..., 0] = out[..., 0] * (neww / w)
    out[..., 1] = out[..., 1] * (newh / h)
    return out
