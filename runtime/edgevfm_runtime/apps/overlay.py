"""Writing a mask PNG and a colour overlay PNG for people to look at."""
from __future__ import annotations

from pathlib import Path

import numpy as np

COLOR = np.array([30, 144, 255], dtype=np.float32)


def overlay(rgb: np.ndarray, mask: np.ndarray, *, alpha: float = 0.5, points=None, box=None) -> np.ndarray:
    out = rgb.astype(np.float32)
    out[mask] = out[mask] * (1 - alpha) + COLOR * alpha
    out = out.round().astype(np.uint8)
    from PIL import Image, ImageDraw

    im = Image.fromarray(out)
    draw = ImageDraw.Draw(im)
    r = max(3, round(max(rgb.shape[:2]) / 150))
    for (x, y), lab in points or []:
        fill = (0, 220, 0) if lab == 1 else (230, 0, 0)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=fill, outline=(255, 255, 255))
    if box is not None:
        draw.rectangle(list(map(float, box)), outline=(0, 220, 0), width=max(2, r // 2))
    return np.asarray(im)


def save_png(path: Path, arr: np.ndarray) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr).save(path)
