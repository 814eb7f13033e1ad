"""8-connected component labelling in numpy (the runtime stays numpy/Pillow only): row runs joined
across neighbouring rows. Components are numbered as OpenCV's block-based labelling (the official
small-region removal) numbers them: by the first 2x2 block (row pairs, then column pairs) holding one
of their pixels. The number matters: when every island is small, the official code keeps the largest,
and among equal sizes the first by number."""
from __future__ import annotations

import numpy as np


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, first col, end col exclusive) of every horizontal run of True, in raster order."""
    h, w = mask.shape
    padded = np.zeros((h, w + 2), np.int8)
    padded[:, 1:-1] = mask
    d = np.diff(padded, axis=1)
    rows, starts = np.nonzero(d == 1)
    _, ends = np.nonzero(d == -1)  # row-major like the starts, so the i-th end closes the i-th start
    return rows, starts, ends


def _touching(rows: np.ndarray, starts: np.ndarray, ends: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (a, b) of runs, a in the row above b, that touch 8-connectedly: start(b) <= end(a) and
    start(a) <= end(b) (ends exclusive). Runs of one row are disjoint and sorted, so each b touches a
    contiguous range of the row above, found by two binary searches on row-major keys."""
    stride = width + 2
    start_key, end_key = rows * stride + starts, rows * stride + ends
    above = (rows - 1) * stride
    lo = np.searchsorted(end_key, above + starts, side="left")
    hi = np.searchsorted(start_key, above + ends, side="right")
    count = np.maximum(hi - lo, 0)
    b = np.repeat(np.arange(len(rows)), count)
    a = np.repeat(lo, count) + (np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count))
    return a, b


def _roots(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Each run's component as its smallest run index (vectorised union by minimum + pointer jumping)."""
    parent = np.arange(n)
    while True:
        pa, pb = parent[a], parent[b]
        if np.array_equal(pa, pb):
            return parent
        np.minimum.at(parent, np.maximum(pa, pb), np.minimum(pa, pb))
        while True:
            nxt = parent[parent]
            if np.array_equal(nxt, parent):
                break
            parent = nxt


def label8(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(labels int32 HxW, 0 = background, 1..n in OpenCV's order; sizes (n,) in pixels)."""
    mask = np.asarray(mask, bool)
    h, w = mask.shape
    rows, starts, ends = _runs(mask)
    if not len(rows):
        return np.zeros((h, w), np.int32), np.zeros(0, np.int64)
    roots = _roots(len(rows), *_touching(rows, starts, ends, w))
    _, comp = np.unique(roots, return_inverse=True)
    comp = comp.reshape(-1)
    # a component's first 2x2 block; a block's pixels are all 8-adjacent, so no two components share one
    block = np.full(comp.max() + 1, np.iinfo(np.int64).max)
    np.minimum.at(block, comp, (rows // 2) * (w + 1) + starts // 2)
    rank = np.empty_like(block)
    rank[np.argsort(block)] = np.arange(len(block))
    run_label = rank[comp] + 1
    sizes = np.bincount(run_label - 1, weights=ends - starts, minlength=len(block)).astype(np.int64)
    delta = np.zeros(h * w + 1, np.int64)
    np.add.at(delta, rows * w + starts, run_label)
    np.add.at(delta, rows * w + ends, -run_label)
    return np.cumsum(delta[:-1]).reshape(h, w).astype(np.int32), sizes
