"""Numpy building blocks of SAM's automatic mask generation: point grids, crop boxes, stability score,
mask boxes, box NMS, uncompressed RLE (COCO's column-major run lengths), small-region removal."""
from __future__ import annotations

import math
from itertools import product

import numpy as np


def point_grid(n_per_side: int) -> np.ndarray:
    """(n², 2) points in [0, 1]² at the centres of an n×n grid, x varying fastest."""
    offset = 1 / (2 * n_per_side)
    side = np.linspace(offset, 1 - offset, n_per_side)
    xs = np.tile(side[None, :], (n_per_side, 1))
    ys = np.tile(side[:, None], (1, n_per_side))
    return np.stack([xs, ys], axis=-1).reshape(-1, 2)


def layer_point_grids(n_per_side: int, n_layers: int, scale_per_layer: int) -> list[np.ndarray]:
    return [point_grid(int(n_per_side / (scale_per_layer ** i))) for i in range(n_layers + 1)]


def crop_boxes(im_size: tuple[int, int], n_layers: int, overlap_ratio: float) -> tuple[list[list[int]], list[int]]:
    """XYXY crops: the whole image (layer 0), then (2^i)² overlapping crops for layer i."""
    h, w = im_size
    boxes, layers = [[0, 0, w, h]], [0]
    for i in range(n_layers):
        n = 2 ** (i + 1)
        overlap = int(overlap_ratio * min(h, w) * (2 / n))
        cw = int(math.ceil((overlap * (n - 1) + w) / n))
        ch = int(math.ceil((overlap * (n - 1) + h) / n))
        for x0, y0 in product([int((cw - overlap) * j) for j in range(n)], [int((ch - overlap) * j) for j in range(n)]):
            boxes.append([x0, y0, min(x0 + cw, w), min(y0 + ch, h)])
            layers.append(i + 1)
    return boxes, layers


def stability_score(logits: np.ndarray, threshold: float, offset: float) -> np.ndarray:
    """IoU of the masks binarised at threshold ± offset, per mask (…, H, W) → (…)."""
    inter = (logits > threshold + offset).sum(axis=(-1, -2), dtype=np.int64)
    union = (logits > threshold - offset).sum(axis=(-1, -2), dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (inter / union).astype(np.float32)


def masks_to_boxes(masks: np.ndarray) -> np.ndarray:
    """(N, H, W) bool → (N, 4) XYXY inclusive pixel boxes; [0, 0, 0, 0] for an empty mask."""
    out = np.zeros((len(masks), 4), np.int64)
    if len(masks) == 0:
        return out
    cols, rows = masks.any(axis=1), masks.any(axis=2)
    w, h = masks.shape[2], masks.shape[1]
    nonempty = cols.any(axis=1)
    out[:, 0] = np.argmax(cols, axis=1)
    out[:, 2] = w - 1 - np.argmax(cols[:, ::-1], axis=1)
    out[:, 1] = np.argmax(rows, axis=1)
    out[:, 3] = h - 1 - np.argmax(rows[:, ::-1], axis=1)
    out[~nonempty] = 0
    return out


def near_crop_edge(boxes: np.ndarray, crop_box, orig_box, atol: float = 20.0) -> np.ndarray:
    """Boxes (crop frame) touching a crop edge that is not also an image edge."""
    crop, orig = np.asarray(crop_box, np.float64), np.asarray(orig_box, np.float64)
    b = boxes.astype(np.float64) + np.array([crop[0], crop[1], crop[0], crop[1]])
    near_crop = np.abs(b - crop[None]) <= atol
    near_image = np.abs(b - orig[None]) <= atol
    return np.any(near_crop & ~near_image, axis=1)


def box_area(boxes: np.ndarray) -> np.ndarray:
    b = boxes.astype(np.float64)
    return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Greedy NMS (torchvision's rule: drop boxes with IoU > threshold to a kept higher-scoring box);
    indices of the kept boxes by decreasing score."""
    b = boxes.astype(np.float64)
    order = np.argsort(-np.asarray(scores, np.float64), kind="stable")
    area = box_area(b)
    keep, suppressed = [], np.zeros(len(b), bool)
    for pos, i in enumerate(order):
        if suppressed[i]:
            continue
        keep.append(i)
        rest = order[pos + 1:]
        xx0, yy0 = np.maximum(b[i, 0], b[rest, 0]), np.maximum(b[i, 1], b[rest, 1])
        xx1, yy1 = np.minimum(b[i, 2], b[rest, 2]), np.minimum(b[i, 3], b[rest, 3])
        inter = np.clip(xx1 - xx0, 0, None) * np.clip(yy1 - yy0, 0, None)
        with np.errstate(divide="ignore", invalid="ignore"):
            iou = inter / (area[i] + area[rest] - inter)
        suppressed[rest[iou > iou_threshold]] = True
    return np.array(keep, np.int64)


def mask_to_rle(mask: np.ndarray) -> dict:
    """Uncompressed COCO RLE: {"size": [h, w], "counts": run lengths in column-major order, zeros first}."""
    h, w = mask.shape
    flat = np.asarray(mask, bool).T.reshape(-1)
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    counts = np.diff(bounds).tolist()
    if flat.size and flat[0]:
        counts = [0] + counts
    return {"size": [int(h), int(w)], "counts": [int(c) for c in counts]}


def rle_to_mask(rle: dict) -> np.ndarray:
    h, w = rle["size"]
    flat = np.zeros(h * w, bool)
    pos, val = 0, False
    for c in rle["counts"]:
        if val:
            flat[pos:pos + c] = True
        pos += c
        val = not val
    return flat.reshape(w, h).T


def rle_area(rle: dict) -> int:
    return int(sum(rle["counts"][1::2]))


def coco_rle(rle: dict) -> dict:
    """COCO's compressed RLE string (the ``counts`` encoding of the COCO API), without pycocotools."""
    out, counts = [], [int(c) for c in rle["counts"]]
    for i, c in enumerate(counts):
        x = c - counts[i - 2] if i > 2 else c  # COCO stores later counts as deltas to the count two back
        more = True
        while more:
            ch = x & 0x1F
            x >>= 5
            more = (x != -1) if (ch & 0x10) else (x != 0)
            if more:
                ch |= 0x20
            out.append(chr(ch + 48))
    return {"size": list(rle["size"]), "counts": "".join(out)}


def remove_small_regions(mask: np.ndarray, area_thresh: float, mode: str) -> tuple[np.ndarray, bool]:
    """Fill holes (mode "holes") or drop islands ("islands") smaller than ``area_thresh`` pixels
    (8-connected components); returns the mask and whether it changed."""
    from .components import label8

    holes = mode == "holes"
    labels, sizes = label8(holes ^ np.asarray(mask, bool))
    n = len(sizes)
    small = [i + 1 for i, s in enumerate(sizes) if s < area_thresh]
    if not small:
        return mask, False
    fill = [0] + small
    if not holes:
        fill = [i for i in range(n + 1) if i not in fill]
        if not fill:
            fill = [int(np.argmax(sizes)) + 1]
    return np.isin(labels, fill), True
