"""Validating SAM prompts and packing them into the official ONNX decoder's inputs."""
from __future__ import annotations

import numpy as np

from ..errors import InputError
from .transforms import apply_coords

LOW_RES = 256


def _as_float_array(value, name: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be numeric, got {value!r}") from None
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name} contains NaN or infinity")
    return arr


def check_flag(value, name: str) -> bool:
    """A yes/no option: only True/False (numpy bools too), so that a stray string or array is not truthy."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise InputError(f"{name} must be True or False, got {value!r}")


def check_points(points, labels, image_size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    h, w = image_size
    pts = _as_float_array(points, "points")
    if pts.size == 0:
        raise InputError("points is empty: give at least one (x, y) click, or leave points=None and give a box")
    if pts.ndim == 1 and pts.shape == (2,):
        pts = pts[None]
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) == 0:
        raise InputError(f"points must have shape (N, 2) as (x, y) pixels, got {pts.shape}")
    if labels is None:
        raise InputError("labels are required with points: 1 = foreground, 0 = background, one per point")
    lab = np.asarray(labels).reshape(-1)
    if lab.dtype.kind not in "biuf":
        raise InputError(f"labels must be numbers 0 (background) or 1 (foreground), got {labels!r}")
    if lab.shape[0] != pts.shape[0]:
        raise InputError(f"got {pts.shape[0]} point(s) but {lab.shape[0]} label(s)")
    if not np.isin(lab, (0, 1)).all():
        bad = sorted({float(v) for v in lab if v not in (0, 1)}, key=str)
        raise InputError(f"labels must be 0 (background) or 1 (foreground) exactly, got {bad}")
    for x, y in pts:
        if not (0 <= x <= w and 0 <= y <= h):
            raise InputError(f"point ({x:g}, {y:g}) lies outside the {w}x{h} image (x in [0, {w}], y in [0, {h}])")
    return pts, lab.astype(np.float32)


def check_box(box, image_size: tuple[int, int]) -> np.ndarray:
    h, w = image_size
    b = _as_float_array(box, "box").reshape(-1)
    if b.shape != (4,):
        raise InputError(f"box must be 4 numbers x0, y0, x1, y1, got shape {np.shape(box)}")
    x0, y0, x1, y1 = b
    if x1 < x0 or y1 < y0:
        raise InputError(f"box ({x0:g}, {y0:g}, {x1:g}, {y1:g}) must satisfy x0 <= x1 and y0 <= y1")
    if min(x0, y0) < 0 or x1 > w or y1 > h:
        raise InputError(f"box ({x0:g}, {y0:g}, {x1:g}, {y1:g}) extends outside the {w}x{h} image")
    return b


def check_mask_input(mask_input) -> np.ndarray:
    m = np.asarray(mask_input)
    if m.dtype.kind not in "fiu":
        raise InputError(f"mask_input must be float low-res logits, got dtype {m.dtype}")
    if m.shape not in ((LOW_RES, LOW_RES), (1, LOW_RES, LOW_RES), (1, 1, LOW_RES, LOW_RES)):
        hint = ("; pass one of them, e.g. low_res[scores.argmax()][None]"
                if m.ndim == 3 and m.shape[1:] == (LOW_RES, LOW_RES) else "")
        raise InputError(
            f"mask_input must be the 1x256x256 low-res logits returned by predict(), got shape {m.shape}{hint}"
        )
    m = m.astype(np.float32)
    if not np.isfinite(m).all():
        raise InputError(f"mask_input contains {int((~np.isfinite(m)).sum())} NaN or infinite value(s); "
                         "pass the finite low-res logits returned by predict()")
    return m.reshape(1, 1, LOW_RES, LOW_RES)


def decoder_feed(
    *, points, labels, box, mask_input, image_size: tuple[int, int]
) -> dict[str, np.ndarray]:
    """Inputs of the official SAM ONNX decoder (image_embeddings excluded): box corners travel as
    points labelled 2/3; without a box a padding point (0, 0) labelled -1 is appended."""
    if points is None and box is None:
        raise InputError("give at least one prompt: points (with labels) or a box")
    coords, labs = [], []
    if points is not None:
        pts, lab = check_points(points, labels, image_size)
        coords.append(apply_coords(pts, image_size))
        labs.append(lab)
    elif labels is not None:
        raise InputError("labels were given without points")
    if box is not None:
        b = check_box(box, image_size)
        coords.append(apply_coords(b.reshape(2, 2), image_size))
        labs.append(np.array([2, 3], dtype=np.float32))
    else:
        coords.append(np.zeros((1, 2)))
        labs.append(np.array([-1], dtype=np.float32))
    if mask_input is None:
        mask, has_mask = np.zeros((1, 1, LOW_RES, LOW_RES), np.float32), np.zeros(1, np.float32)
    else:
        mask, has_mask = check_mask_input(mask_input), np.ones(1, np.float32)
    return {
        "point_coords": np.concatenate(coords)[None].astype(np.float32),
        "point_labels": np.concatenate(labs)[None].astype(np.float32),
        "mask_input": mask,
        "has_mask_input": has_mask,
        "orig_im_size": np.array(image_size, dtype=np.float32),
    }
