"""Calibration feeds as the readers quantizers want, and the error of a model on held-back feeds."""
from __future__ import annotations

import time

import numpy as np


class FeedReader:
    """ONNX Runtime ``CalibrationDataReader`` protocol over a list of feed dicts."""

    def __init__(self, feeds: list[dict], input_names: list[str]):
        self._feeds, self._names = feeds, input_names
        self._it = iter(self._feeds)

    def get_next(self):
        feed = next(self._it, None)
        return None if feed is None else {k: feed[k] for k in self._names}

    def rewind(self):
        self._it = iter(self._feeds)


def sqnr_db(ref: np.ndarray, out: np.ndarray) -> float:
    ref, out = np.asarray(ref, np.float64), np.asarray(out, np.float64)
    noise = float(np.sum((ref - out) ** 2))
    return float("inf") if noise == 0 else float(10 * np.log10(np.sum(ref * ref) / noise))


def worst_sqnr(run, feeds: list[dict], reference: list[dict]) -> float:
    """The lowest SQNR over every output and feed (run: feed → {name: array})."""
    worst = float("inf")
    for feed, ref in zip(feeds, reference):
        got = run(feed)
        for name, r in ref.items():
            worst = min(worst, sqnr_db(r, got[name]))
    return worst


def median_ms(run, feed: dict, repeats: int = 2) -> float:
    run(feed)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        run(feed)
        times.append(1000 * (time.perf_counter() - t))
    return float(np.median(times))
