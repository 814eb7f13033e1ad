"""Parity metrics between a reference output and a candidate, each explained in one line. The task
metrics of a model family are added by the family (``RuntimeFamily.task_metric_info``)."""
from __future__ import annotations

import numpy as np

EXPLAIN = {
    "max_abs": "largest absolute difference of any element",
    "mean_abs": "mean absolute difference over all elements",
    "cosine": "cosine similarity of the flattened outputs (1 = same direction)",
    "sqnr_db": "signal-to-quantisation-noise ratio, 10·log10(Σref² / Σ(ref−out)²); higher is better",
    "mask_iou": "worst intersection-over-union of the thresholded masks (a *_bits output)",
}

# For each metric: does a larger value mean better parity?
HIGHER_IS_BETTER = {"max_abs": False, "mean_abs": False, "cosine": True, "sqnr_db": True, "mask_iou": True}


def add_metric(name: str, higher_is_better: bool, explain: str) -> None:
    """Make a task metric known to thresholds and reports (a family's ``task_metric_info``)."""
    known = HIGHER_IS_BETTER.get(name)
    if known is not None and known != higher_is_better:
        raise ValueError(f"metric {name!r} is registered with both directions")
    HIGHER_IS_BETTER[name] = higher_is_better
    EXPLAIN.setdefault(name, explain)


def tensor_metrics(ref: np.ndarray, out: np.ndarray) -> dict[str, float]:
    ref = np.asarray(ref, dtype=np.float64)
    out = np.asarray(out, dtype=np.float64)
    if ref.shape != out.shape:
        raise ValueError(f"shape mismatch: reference {ref.shape} vs output {out.shape}")
    diff = ref - out
    noise = float(np.sum(diff * diff))
    signal = float(np.sum(ref * ref))
    denom = float(np.linalg.norm(ref) * np.linalg.norm(out))
    return {
        "max_abs": float(np.max(np.abs(diff))) if diff.size else 0.0,
        "mean_abs": float(np.mean(np.abs(diff))) if diff.size else 0.0,
        "cosine": float(np.sum(ref * out) / denom) if denom > 0 else float(noise == 0),
        "sqnr_db": float(10 * np.log10(signal / noise)) if noise > 0 else float("inf"),
    }


def mask_iou(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    union = np.logical_or(a, b).sum()
    return 1.0 if union == 0 else float(np.logical_and(a, b).sum() / union)


def failures(metrics: dict[str, float], thresholds: dict[str, float]) -> list[str]:
    """Human-readable list of the thresholds a metrics dict violates."""
    bad = []
    for name, limit in thresholds.items():
        if name not in metrics:
            continue
        value = metrics[name]
        ok = value >= limit if HIGHER_IS_BETTER[name] else value <= limit
        if not ok:
            op = ">=" if HIGHER_IS_BETTER[name] else "<="
            bad.append(f"{name} = {value:.6g} (needs {op} {limit:g})")
    return bad


from . import families as _families  # noqa: E402,F401 - registers the built-in families' task metrics
