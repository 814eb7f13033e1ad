"""Host-side SAM mask post-processing for decoders that output only ``low_res_masks`` (the static-shape
decoders of TensorRT, LiteRT and Core ML): bilinear to 1024², crop the padding, bilinear to the
original size — the official ``postprocess_masks`` (``align_corners=False``), in numpy.

Bilinear resizing is linear along each axis, so the whole chain (resize, crop, resize) is one matrix per
axis: ``masks = A · low_res · Bᵀ`` with ``A`` (H×256) and ``B`` (W×256). Two BLAS matrix products instead
of gathers over a 1024² intermediate: ~10× faster per ``predict`` on a 2-core x86 host."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

IMG_SIZE = 1024


@lru_cache(maxsize=64)
def _resize_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in): torch's bilinear resize along one axis (align_corners=False) as a matrix."""
    src = np.maximum((np.arange(n_out, dtype=np.float64) + 0.5) * (n_in / n_out) - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    frac = src - i0
    m = np.zeros((n_out, n_in), np.float64)
    rows = np.arange(n_out)
    np.add.at(m, (rows, i0), 1.0 - frac)
    np.add.at(m, (rows, i1), frac)
    m.flags.writeable = False
    return m


def resize_bilinear(x: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(…, H, W) → (…, h, w), matching ``F.interpolate(mode="bilinear", align_corners=False)``."""
    rows = _resize_matrix(x.shape[-2], size[0]).astype(np.float32)
    cols = _resize_matrix(x.shape[-1], size[1]).astype(np.float32)
    return rows @ np.asarray(x, np.float32) @ cols.T


@lru_cache(maxsize=16)
def _upscale_matrices(h: int, w: int, n_in: int) -> tuple[np.ndarray, np.ndarray]:
    """The (H×n_in) and (W×n_in) matrices of resize-to-1024 → crop → resize-to-(H, W)."""
    scale = IMG_SIZE / max(h, w)
    ph, pw = int(np.floor(h * scale + 0.5)), int(np.floor(w * scale + 0.5))
    up = _resize_matrix(n_in, IMG_SIZE)
    a = (_resize_matrix(ph, h) @ up[:ph]).astype(np.float32)
    b = (_resize_matrix(pw, w) @ up[:pw]).astype(np.float32)
    a.flags.writeable = b.flags.writeable = False
    return a, b


def upscale_masks(low_res: np.ndarray, orig_im_size) -> np.ndarray:
    """(…, K, 256, 256) logits → (…, K, H, W) logits at the original image size (H, W)."""
    h, w = (int(v) for v in np.asarray(orig_im_size).reshape(-1)[:2])
    low_res = np.asarray(low_res, np.float32)
    a, b = _upscale_matrices(h, w, low_res.shape[-1])
    return a @ low_res @ b.T
