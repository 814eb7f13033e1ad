"""Shared fixtures for the DINOv2 tests: golden/design folders, golden models and data."""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from edgevfm.models._loading import load_state_dict_strict
from edgevfm.models.dinov2.config import VARIANTS
from edgevfm.models.dinov2.model import DinoV2

from dinov2_testing import GOLDEN_DEPTH, GOLDEN_FILES, golden_paths

REPO = Path(__file__).resolve().parents[3]


def _folder(env: str, default: Path, what: str) -> Path:
    path = Path(os.environ.get(env, default))
    if not path.is_dir():
        pytest.skip(f"{what} folder {path} not found (set {env})")
    return path


@pytest.fixture(scope="session")
def golden_dir() -> Path:
    return _folder("EDGEVFM_GOLDEN_DIR", REPO.parent / "shared" / "golden", "golden data")


@pytest.fixture(scope="session")
def design_dir() -> Path:
    return _folder("EDGEVFM_DESIGN_DIR", REPO.parent / "shared" / "design", "design")


@pytest.fixture(scope="session", params=sorted(GOLDEN_FILES))
def golden(request, golden_dir):
    """(variant, model loaded strictly from the golden checkpoint, npz data)."""
    variant = request.param
    pth, npz = golden_paths(golden_dir, variant)
    model = DinoV2(config=dataclasses.replace(VARIANTS[variant], depth=GOLDEN_DEPTH)).eval()
    load_state_dict_strict(model, torch.load(pth, map_location="cpu", weights_only=True), source=str(pth))
    return variant, model, dict(np.load(npz))
