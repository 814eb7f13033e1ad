"""Helpers for the check tests: a small exported DINOv2 bundle and a perturbed, re-signed copy."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np


def export_small_dino(out: Path) -> Path:
    from edgevfm.export.pipeline import export

    return export("dinov2", target="onnx-fp32", weights="random:0", output=out,
                  overrides=["input_size=[112, 112]"], emit=lambda s: None).path


def perturb(src: Path, dst: Path, *, component: str = "encoder", scale: float = 0.05) -> Path:
    """A copy whose model weights carry multiplicative noise, re-signed so the hash check passes
    and only parity can catch it."""
    import onnx
    from onnx import numpy_helper

    from edgevfm_runtime.hashing import sha256_path

    shutil.copytree(src, dst)
    m = json.loads((dst / "manifest.json").read_text())
    path = dst / m["components"][component]["file"]
    model = onnx.load(path)
    rng = np.random.default_rng(0)
    for init in model.graph.initializer:
        w = numpy_helper.to_array(init)
        if w.dtype == np.float32 and w.size > 1:
            init.CopyFrom(numpy_helper.from_array(w * (1 + scale * rng.standard_normal(w.shape, np.float32)), init.name))
    onnx.save(model, path)
    m["components"][component]["sha256"] = sha256_path(path)
    (dst / "manifest.json").write_text(json.dumps(m))
    return dst


def save_photos(folder: Path) -> Path:
    import skimage.data
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(skimage.data.astronaut()).save(folder / "astronaut.jpg")
    Image.fromarray(skimage.data.coffee()).save(folder / "coffee.png")
    return folder
