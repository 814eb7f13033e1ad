"""Helpers for the check tests: a small exported DINOv2 bundle and a perturbed, re-signed copy."""
from __future__ import annotations

from pathlib import Path


def export_small_dino(out: Path) -> Path:
    from edgevfm.export.pipeline import export

    return export("dinov2", target="onnx-fp32", weights="random:0", output=out,
                  overrides=["input_size=[112, 112]"], emit=lambda s: None).path


def perturb(src: Path, dst: Path, *, component: str = "encoder", scale: float = 0.05) -> Path:
    """A copy whose model weights carry multiplicative noise, re-signed so the hash check passes
    and only parity can catch it."""
    from tamper import perturbed_copy

    return perturbed_copy(src, dst, component=component, scale=scale)


def save_photos(folder: Path) -> Path:
    import skimage.data
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(skimage.data.astronaut()).save(folder / "astronaut.jpg")
    Image.fromarray(skimage.data.coffee()).save(folder / "coffee.png")
    return folder
