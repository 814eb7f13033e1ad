"""Shared by the embedding families (DINOv2, CLIP): per-row cosine metrics."""
from __future__ import annotations

import numpy as np


def row_cosine(ref: np.ndarray, got: np.ndarray) -> np.ndarray:
    """Cosine per vector along the last axis (one per token / embedding row)."""
    ref = np.asarray(ref, np.float64).reshape(-1, ref.shape[-1])
    got = np.asarray(got, np.float64).reshape(-1, got.shape[-1])
    denom = np.linalg.norm(ref, axis=1) * np.linalg.norm(got, axis=1)
    return np.sum(ref * got, axis=1) / np.maximum(denom, 1e-30)


def worst_row_cosine(ctx, comp: str, output: str, reduce=np.min) -> float | None:
    """Worst case (over the component's cases) of ``reduce`` over the per-row cosines of ``output``."""
    vals = [float(reduce(row_cosine(io["out"][output], ctx.outputs[(comp, case)][output])))
            for case, io in ctx.cases.get(comp, {}).items()
            if output in io["out"] and (comp, case) in ctx.outputs]
    return min(vals) if vals else None
