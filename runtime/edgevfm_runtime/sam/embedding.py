"""ImageEmbedding: what SAM's encoder made of one image, as an immutable value that many threads can
share and any number of ``predict`` calls can reuse."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ImageEmbedding:
    """The encoder output of one image plus the sizes the decoder needs to map prompts and masks.

    ``features``: (1, 256, 64, 64) float32, read-only. ``original_size``: (H, W) of the image as given.
    ``input_size``: (h, w) of the image after resizing its longest side to 1024 (before padding)."""

    features: np.ndarray
    original_size: tuple[int, int]
    input_size: tuple[int, int]

    def __post_init__(self):
        feats = np.asarray(self.features)
        if feats.flags.writeable:  # own a private read-only copy: no caller can change it under a predict
            feats = feats.copy()
            feats.flags.writeable = False
        object.__setattr__(self, "features", feats)
        object.__setattr__(self, "original_size", tuple(int(v) for v in self.original_size))
        object.__setattr__(self, "input_size", tuple(int(v) for v in self.input_size))
