"""Host-side SAM mask post-processing for decoders that output only ``low_res_masks`` (the static-shape
decoders of TensorRT, LiteRT and Core ML): bilinear to 1024², crop the padding, bilinear to the
original size — the official ``postprocess_masks`` (``align_corners=False``), in numpy."""
from __future__ import annotations

import numpy as np

IMG_SIZE = 1024


def _axis_taps(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Source indices and weights of torch's bilinear resize along one axis (align_corners=False)."""
    src = (np.arange(n_out, dtype=np.float64) + 0.5) * (n_in / n_out) - 0.5
    src = np.maximum(src, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    return i0, i1, (src - i0).astype(np.float32)


def resize_bilinear(x: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(…, H, W) → (…, h, w), matching ``F.interpolate(mode="bilinear", align_corners=False)``."""
    h0, h1, lh = _axis_taps(x.shape[-2], size[0])
    w0, w1, lw = _axis_taps(x.shape[-1], size[1])
    rows = x[..., h0, :] * (1 - lh)[:, None] + x[..., h1, :] * lh[:, None]
    return (rows[..., w0] * (1 - lw) + rows[..., w1] * lw).astype(np.float32)


def upscale_masks(low_res: np.ndarray, orig_im_size) -> np.ndarray:
    """(1, K, 256, 256) logits → (1, K, H, W) logits at the original image size (H, W)."""
    h, w = (int(v) for v in np.asarray(orig_im_size).reshape(-1)[:2])
    scale = IMG_SIZE / max(h, w)
    ph, pw = int(np.floor(h * scale + 0.5)), int(np.floor(w * scale + 0.5))
    masks = resize_bilinear(np.asarray(low_res, np.float32), (IMG_SIZE, IMG_SIZE))[..., :ph, :pw]
    return resize_bilinear(masks, (h, w))


def with_host_masks(outputs: dict, feed: dict) -> dict:
    """Add ``masks`` from ``low_res_masks`` when the decoder does not output it."""
    if "masks" in outputs or "low_res_masks" not in outputs or "orig_im_size" not in feed:
        return outputs
    return {**outputs, "masks": upscale_masks(outputs["low_res_masks"], feed["orig_im_size"])}
