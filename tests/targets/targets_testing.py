"""Helpers shared by the target tests."""
from __future__ import annotations

import numpy as np
import torch


def torch_outputs(comp: Component, feed: dict) -> dict:
    with torch.no_grad():
        out = comp.module(*[torch.from_numpy(feed[n]) for n in comp.input_names])
    return {n: o.numpy() for n, o in zip(comp.output_names, out)}


def sqnr(ref: np.ndarray, got: np.ndarray) -> float:
    noise = float(np.sum((ref.astype(np.float64) - got) ** 2))
    return float("inf") if noise == 0 else 10 * np.log10(float(np.sum(ref.astype(np.float64) ** 2)) / noise)
