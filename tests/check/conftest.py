"""Fixtures for the check tests: a small DINOv2 bundle (112², random weights) and a perturbed copy."""
from __future__ import annotations

import pytest

from check_testing import export_small_dino, perturb, save_photos


@pytest.fixture(scope="session")
def dino_bundle(tmp_path_factory):
    return export_small_dino(tmp_path_factory.mktemp("check-bundles") / "dinov2-vits14-onnx-fp32")


@pytest.fixture(scope="session")
def dino_perturbed(dino_bundle, tmp_path_factory):
    return perturb(dino_bundle, tmp_path_factory.mktemp("check-bundles") / "perturbed")


@pytest.fixture(scope="session")
def photos(tmp_path_factory):
    return save_photos(tmp_path_factory.mktemp("photos"))
