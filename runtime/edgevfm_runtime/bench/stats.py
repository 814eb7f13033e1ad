"""Latency statistics and the noise of a ratio (paired bootstrap over rounds)."""
from __future__ import annotations

import numpy as np


def summarize(ms: list[float]) -> dict[str, float]:
    a = np.asarray(ms, dtype=np.float64)
    p25, p50, p75, p90, p99 = np.percentile(a, [25, 50, 75, 90, 99])
    mean = float(a.mean())
    return {"n": int(a.size), "p50": float(p50), "p90": float(p90), "p99": float(p99), "mean": mean,
            "min": float(a.min()), "max": float(a.max()), "std": float(a.std(ddof=1)) if a.size > 1 else 0.0,
            "iqr_rel": float((p75 - p25) / p50) if p50 > 0 else 0.0,
            "throughput_per_s": 1000.0 / mean if mean > 0 else 0.0}


def speedup(base_ms: list[float], ms: list[float], *, n_boot: int = 2000, seed: int = 0) -> dict:
    """median(base) / median(this) (> 1: faster than the baseline) with two noise figures:

    * ``ci95``: a 95 % CI from resampling the rounds jointly (both were timed in the same rounds, so
      drift shared by a round cancels): how well *this* run pins the ratio down;
    * ``band``: the 10th–90th percentile of the per-round ratios: how much the ratio moves from round
      to round on this host. A second run under different load lands in the band, not in the CI, so
      the band is the noise two runs are compared with (``edgevfm bench --compare``)."""
    b, x = np.asarray(base_ms, np.float64), np.asarray(ms, np.float64)
    n = min(b.size, x.size)
    b, x = b[:n], x[:n]
    point = float(np.median(b) / np.median(x))
    if n < 2:
        return {"speedup": point, "ci95": [point, point], "band": [point, point]}
    idx = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    boots = np.median(b[idx], axis=1) / np.median(x[idx], axis=1)
    lo, hi = np.percentile(boots, [2.5, 97.5])
    blo, bhi = np.percentile(b / x, [10, 90])
    return {"speedup": point, "ci95": [float(lo), float(hi)],
            "band": [float(min(blo, point)), float(max(bhi, point))]}
