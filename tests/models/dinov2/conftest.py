"""Shared fixtures for the DINOv2 tests: golden models and data."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from edgevfm.models._loading import load_state_dict_strict
from edgevfm.models.dinov2.config import VARIANTS
from edgevfm.models.dinov2.model import DinoV2

from dinov2_testing import GOLDEN_DEPTH, GOLDEN_FILES, golden_paths


@pytest.fixture(scope="session", params=sorted(GOLDEN_FILES))
def golden(request, golden_dir):
    """(variant, model loaded strictly from the golden checkpoint, npz data)."""
    variant = request.param
    pth, npz = golden_paths(golden_dir, variant)
    model = DinoV2(config=dataclasses.replace(VARIANTS[variant], depth=GOLDEN_DEPTH)).eval()
    load_state_dict_strict(model, torch.load(pth, map_location="cpu", weights_only=True), source=str(pth))
    return variant, model, dict(np.load(npz))
