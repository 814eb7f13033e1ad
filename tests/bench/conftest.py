"""Fixtures for the bench tests: a small DINOv2 bundle (112², random weights) and a perturbed copy."""
from __future__ import annotations


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
    from tamper import perturbed_copy

    dst = perturbed_copy(small_dino, tmp_path_factory.mktemp("bench-bundles") / "perturbed", scale=0.05)
    return dst
