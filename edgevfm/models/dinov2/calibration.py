"""DINOv2 calibration feeds: ``pixel_values`` made by the runtime's own preprocessing (the export
resolution's resize + centre crop), so the quantizer calibrates on exactly what the device feeds."""
from __future__ import annotations

import numpy as np

from edgevfm_runtime.preprocess import preprocess


def dinov2_calibration_feeds(images: list[np.ndarray], spec: dict, *, progress=None) -> dict[str, list[dict]]:
    """One ``encoder`` feed per calibration image; ``spec`` is the manifest's preprocess entry."""
    feeds: dict[str, list[dict]] = {"encoder": []}
    for rgb in images:
        feeds["encoder"].append({"pixel_values": preprocess(rgb, spec)})
        if progress:
            progress()
    return feeds
