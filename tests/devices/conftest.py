"""Fixtures for the device tests: one small DINOv2 bundle (112², random weights)."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def small_bundle(tmp_path_factory):
    from edgevfm.export.pipeline import export

    return export("dinov2", target="onnx-fp32", weights="random:0",
                  output=tmp_path_factory.mktemp("device-bundles") / "dinov2-vits14-onnx-fp32",
                  overrides=["input_size=[112, 112]"], emit=lambda s: None).path
