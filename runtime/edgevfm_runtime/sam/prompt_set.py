"""The fixed SAM prompt set used for parity and benchmarks, relative to the image size."""
from __future__ import annotations


def prompt_set(h: int, w: int) -> dict[str, dict]:
    """Clicks and boxes in original-image pixels: {name: {points, labels, box}}."""
    click = [0.55 * w, 0.45 * h]
    box = [0.2 * w, 0.15 * h, 0.8 * w, 0.9 * h]
    return {
        "point": {"points": [click], "labels": [1], "box": None},
        "two_points": {"points": [click, [0.2 * w, 0.8 * h]], "labels": [1, 0], "box": None},
        "box": {"points": None, "labels": None, "box": box},
        "box_point": {"points": [[0.5 * w, 0.5 * h]], "labels": [1], "box": box},
    }
