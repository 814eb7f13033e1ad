"""Real photos for parity and calibration: scikit-image's samples by name, or the user's folder."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from edgevfm_runtime.errors import InputError
from edgevfm_runtime.image import load_rgb

from .registry import did_you_mean

# RGB photographs shipped with scikit-image (grey or synthetic samples are left out).
SAMPLE_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "immunohistochemistry", "retina", "hubble_deep_field")


def sample_photo(name: str) -> np.ndarray:
    import skimage.data

    if name not in SAMPLE_PHOTOS:
        raise InputError(f"unknown sample photo {name!r}{did_you_mean(name, SAMPLE_PHOTOS)} "
                         f"(known: {', '.join(SAMPLE_PHOTOS)})")
    return load_rgb(getattr(skimage.data, name)())


def load_images(specs: list[str]) -> list[np.ndarray]:
    """Each entry is a scikit-image sample name or an image path."""
    return [load_rgb(Path(s)) if ("/" in s or Path(s).suffix) else sample_photo(s) for s in specs]
