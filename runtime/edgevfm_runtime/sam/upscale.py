"""Host-side SAM mask post-processing for decoders that output only ``low_res_masks`` (the static-shape
decoders of TensorRT, LiteRT and Core ML): bilinear to 1024², crop the padding, bilinear to the
original size — the official ``postprocess_masks`` (``align_corners=False``), in numpy.

Bilinear resizing is linear along each axis, so the whole chain (resize, crop, resize) is one matrix per
axis: ``masks = A · low_res · Bᵀ`` with ``A`` (H×256) and ``B`` (W×256). Each row of ``A`` and ``B`` has
only a few adjacent non-zero weights (3 for SAM's sizes), so the products are applied as that many
weighted row gathers instead of BLAS calls: no BLAS thread pool (whose spinning workers fought the
engine's threads on a 2-core host: 38-140 ms instead of 12 ms for the same product) and fewer flops."""
from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class Banded:
    """A matrix (n_out × n_in) whose row ``i`` is non-zero only in columns ``start[i] … start[i]+taps-1``."""
    start: np.ndarray  # (n_out,) int
    weights: np.ndarray  # (n_out, taps) float32

    @classmethod
    def of(cls, m: np.ndarray) -> "Banded":
        nz = m != 0
        first = nz.argmax(1)
        last = m.shape[1] - 1 - nz[:, ::-1].argmax(1)
        taps = int((last - first).max()) + 1
        start = np.minimum(first, m.shape[1] - taps)  # the window stays inside; extra columns have weight 0
        w = np.take_along_axis(m, start[:, None] + np.arange(taps), 1).astype(np.float32)
        start.flags.writeable = w.flags.writeable = False
        return cls(start, w)

    def apply(self, x: np.ndarray) -> np.ndarray:
        """``self @ x`` along axis -2: (…, n_in, c) → (…, n_out, c)."""
        out = np.take(x, self.start, axis=-2)  # np.take, not x[..., idx, :]: that one is not C-ordered
        out *= self.weights[:, :1]
        for j in range(1, self.weights.shape[1]):
            tap = np.take(x, self.start + j, axis=-2)
            tap *= self.weights[:, j:j + 1]
            out += tap
        return out


def resize_bilinear(x: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(…, H, W) → (…, h, w), matching ``F.interpolate(mode="bilinear", align_corners=False)``."""
    rows = Banded.of(_resize_matrix(x.shape[-2], size[0]))
    cols = Banded.of(_resize_matrix(x.shape[-1], size[1]))
    return _separable(np.asarray(x, np.float32), rows, cols)


@lru_cache(maxsize=16)
def _upscale_matrices(h: int, w: int, n_in: int) -> tuple[np.ndarray, np.ndarray]:
    """The (H×n_in) and (W×n_in) matrices of resize-to-1024 → crop → resize-to-(H, W)."""
    scale = IMG_SIZE / max(h, w)
    ph, pw = int(np.floor(h * scale + 0.5)), int(np.floor(w * scale + 0.5))
    up = _resize_matrix(n_in, IMG_SIZE)
    a = _resize_matrix(ph, h) @ up[:ph]
    b = _resize_matrix(pw, w) @ up[:pw]
    a.flags.writeable = b.flags.writeable = False
    return a, b


@lru_cache(maxsize=16)
def _upscale_bands(h: int, w: int, n_in: int) -> tuple[Banded, Banded]:
    a, b = _upscale_matrices(h, w, n_in)
    return Banded.of(a), Banded.of(b)


def _separable(x: np.ndarray, rows: Banded, cols: Banded) -> np.ndarray:
    """``rows · x · colsᵀ`` for (…, n, m) ``x``: columns first (on the small input), then rows, so the
    result comes out contiguous without a transpose of the large output."""
    xt = np.swapaxes(x, -1, -2)  # (…, m, n): the column pass is a row pass on the transpose
    c = np.ascontiguousarray(np.swapaxes(cols.apply(xt), -1, -2))  # (…, n, W)
    return rows.apply(c)  # (…, H, W)


def upscale_masks(low_res: np.ndarray, orig_im_size) -> np.ndarray:
    """(…, K, 256, 256) logits → (…, K, H, W) logits at the original image size (H, W)."""
    h, w = (int(v) for v in np.asarray(orig_im_size).reshape(-1)[:2])
    low_res = np.asarray(low_res, np.float32)
    rows, cols = _upscale_bands(h, w, low_res.shape[-1])
    return _separable(low_res, rows, cols)


def host_upscaled(decoder):
    """``(engine session, upscale)`` for a decoder whose ``masks`` come from the host op
    ``sam_upscale_masks`` (the caller then upscales only the mask tokens it returns), else
    ``(decoder, None)``."""
    from ..host_outputs import HostOutputsSession

    if isinstance(decoder, HostOutputsSession) and decoder.ops == {"masks": "sam_upscale_masks"}:
        return decoder.inner, upscale_masks
    return decoder, None
