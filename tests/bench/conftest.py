"""Fixtures for the bench tests: a small DINOv2 bundle (112², random weights) and a perturbed copy."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest


@pytest.fixture(scope="session")
def small_dino(tmp_path_factory):
    from edgevfm.export.pipeline import export

    return export("dinov2", target="onnx-fp32", weights="random:0",
                  output=tmp_path_factory.mktemp("bench-bundles") / "dinov2-vits14-onnx-fp32",
                  overrides=["input_size=[112, 112]"], emit=lambda s: None).path


@pytest.fixture(scope="session")
def small_dino_perturbed(small_dino, tmp_path_factory):
    """Weights with 5 % noise, re-signed so only parity can tell."""
    import onnx
    from onnx import numpy_helper

    from edgevfm_runtime.hashing import sha256_path

    dst = tmp_path_factory.mktemp("bench-bundles") / "perturbed"
    shutil.copytree(small_dino, dst)
    model = onnx.load(dst / "encoder.onnx")
    rng = np.random.default_rng(0)
    for init in model.graph.initializer:
        w = numpy_helper.to_array(init)
        if w.dtype == np.float32 and w.size > 1:
            init.CopyFrom(numpy_helper.from_array(w * (1 + 0.05 * rng.standard_normal(w.shape, np.float32)), init.name))
    onnx.save(model, dst / "encoder.onnx")
    m = json.loads((dst / "manifest.json").read_text())
    m["components"]["encoder"]["sha256"] = sha256_path(dst / "encoder.onnx")
    (dst / "manifest.json").write_text(json.dumps(m))
    return dst
