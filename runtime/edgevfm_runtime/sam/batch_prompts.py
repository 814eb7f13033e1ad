"""Batched SAM prompts: K prompt sets packed into one decoder feed (the decoder's dim 0, ``prompts``).

Every prompt set in a batch has the same number of points (as in the official ``predict_torch``):
``points`` (K, N, 2) with ``labels`` (K, N), and/or ``box`` (K, 4); ``mask_input`` (K, 1, 256, 256)
or None. Coordinates are pixels of the original image, as in ``SamPredictor.predict``."""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from .prompts import LOW_RES, _as_float_array
from .transforms import apply_coords


def _shape(x) -> tuple[int, ...]:
    try:
        return np.shape(x)
    except ValueError:  # ragged nested lists: the single-prompt checks name the problem
        return ()


def is_batched(points, box) -> bool:
    """A batch: a (K, 4) box array or (K, N, 2) points; a single prompt set otherwise (a 2x2 box is
    its two corners, as single prompts have always accepted)."""
    box_shape = _shape(box) if box is not None else ()
    return (len(box_shape) == 2 and box_shape[1] == 4) or (points is not None and len(_shape(points)) == 3)


def _check_points(points, labels, image_size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    h, w = image_size
    pts = _as_float_array(points, "points")
    if pts.ndim != 3 or pts.shape[-1] != 2 or 0 in pts.shape:
        raise InputError(f"batched points must have shape (K, N, 2) as (x, y) pixels, got {pts.shape}")
    if labels is None:
        raise InputError("labels are required with points: shape (K, N), 1 = foreground, 0 = background")
    lab = np.asarray(labels)
    if lab.dtype.kind not in "biuf" or lab.shape != pts.shape[:2]:
        raise InputError(f"batched labels must be numbers of shape {pts.shape[:2]} (K, N), got {lab.shape}")
    if not np.isin(lab, (0, 1)).all():
        raise InputError("labels must be 0 (background) or 1 (foreground) exactly")
    out = (pts[..., 0] < 0) | (pts[..., 0] > w) | (pts[..., 1] < 0) | (pts[..., 1] > h)
    if out.any():
        k, n = np.argwhere(out)[0]
        x, y = pts[k, n]
        raise InputError(f"point ({x:g}, {y:g}) of prompt {k} lies outside the {w}x{h} image")
    return pts, lab.astype(np.float32)


def _check_boxes(box, image_size: tuple[int, int]) -> np.ndarray:
    h, w = image_size
    b = _as_float_array(box, "box")
    if b.ndim != 2 or b.shape[1] != 4 or len(b) == 0:
        raise InputError(f"batched boxes must have shape (K, 4) as x0, y0, x1, y1, got {b.shape}")
    bad = (b[:, 2] < b[:, 0]) | (b[:, 3] < b[:, 1])
    if bad.any():
        raise InputError(f"box {int(np.argmax(bad))} must satisfy x0 <= x1 and y0 <= y1")
    out = (b[:, :2].min(axis=1) < 0) | (b[:, 2] > w) | (b[:, 3] > h)
    if out.any():
        raise InputError(f"box {int(np.argmax(out))} extends outside the {w}x{h} image")
    return b


def _check_masks(mask_input, k: int) -> np.ndarray:
    m = np.asarray(mask_input)
    if m.dtype.kind not in "fiu" or m.shape not in ((k, 1, LOW_RES, LOW_RES), (k, LOW_RES, LOW_RES)):
        raise InputError(f"batched mask_input must be ({k}, 1, 256, 256) low-res logits, got {m.shape} {m.dtype}")
    m = m.astype(np.float32).reshape(k, 1, LOW_RES, LOW_RES)
    if not np.isfinite(m).all():
        raise InputError("mask_input contains NaN or infinite values")
    return m


def batched_feed(*, points, labels, box, mask_input, image_size: tuple[int, int]) -> dict[str, np.ndarray]:
    """The decoder inputs (image_embeddings excluded) for K prompt sets, same packing as ``decoder_feed``."""
    if points is None and box is None:
        raise InputError("give at least one prompt: points (with labels) or a box")
    coords, labs, ks = [], [], set()
    if points is not None:
        pts, lab = _check_points(points, labels, image_size)
        coords.append(apply_coords(pts, image_size))
        labs.append(lab)
        ks.add(len(pts))
    elif labels is not None:
        raise InputError("labels were given without points")
    if box is not None:
        b = _check_boxes(box, image_size)
        coords.append(apply_coords(b.reshape(-1, 2, 2), image_size))
        labs.append(np.tile(np.array([[2, 3]], np.float32), (len(b), 1)))
        ks.add(len(b))
    if len(ks) != 1:
        raise InputError(f"points and boxes must give the same number of prompts K, got {sorted(ks)}")
    k = ks.pop()
    if box is None:  # the official padding point (0, 0) labelled -1 on every prompt set
        coords.append(np.zeros((k, 1, 2)))
        labs.append(np.full((k, 1), -1, np.float32))
    if mask_input is None:
        mask, has_mask = np.zeros((k, 1, LOW_RES, LOW_RES), np.float32), np.zeros(k, np.float32)
    else:
        mask, has_mask = _check_masks(mask_input, k), np.ones(k, np.float32)
    return {
        "point_coords": np.concatenate(coords, axis=1).astype(np.float32),
        "point_labels": np.concatenate(labs, axis=1).astype(np.float32),
        "mask_input": mask,
        "has_mask_input": has_mask,
        "orig_im_size": np.array(image_size, dtype=np.float32),
    }
