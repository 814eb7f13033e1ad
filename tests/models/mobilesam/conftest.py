"""Shared fixtures for the MobileSAM tests: golden data, the golden model, embeddings, exports."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from edgevfm.models._loading import load_state_dict_strict
from edgevfm.models.mobilesam.export import (DECODER_IO, ENCODER_IO, SamEncoderExport, SamOnnxDecoder,
                                             example_decoder_inputs)
from edgevfm.models.mobilesam.model import build_mobilesam
from edgevfm.targets.onnx import export_module

from mobilesam_testing import IMAGES, encoder_input, ort_session


def _file(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"golden file {path} not found")
    return path


@pytest.fixture(scope="session")
def golden_state_dict(golden_dir) -> dict[str, torch.Tensor]:
    return torch.load(_file(golden_dir / "mobilesam.pt"), map_location="cpu", weights_only=True)


@pytest.fixture(scope="session")
def sam(golden_dir, golden_state_dict):
    """MobileSAM loaded strictly from the golden (official-format) checkpoint."""
    model = build_mobilesam()
    load_state_dict_strict(model, golden_state_dict, source=str(golden_dir / "mobilesam.pt"))
    return model.eval()


@pytest.fixture(scope="session", params=IMAGES)
def image_name(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def golden_data(golden_dir) -> dict[str, dict[str, np.ndarray]]:
    return {name: dict(np.load(_file(golden_dir / f"mobilesam_{name}.npz"))) for name in IMAGES}


@pytest.fixture(scope="session")
def encoder_inputs(golden_data) -> dict[str, torch.Tensor]:
    return {name: encoder_input(data["resized"]) for name, data in golden_data.items()}


@pytest.fixture(scope="session")
def embeddings(sam, encoder_inputs) -> dict[str, torch.Tensor]:
    """Our encoder's embeddings of both golden images (computed once)."""
    with torch.no_grad():
        return {name: sam.image_encoder(x) for name, x in encoder_inputs.items()}


@pytest.fixture(scope="session")
def encoder_onnx(sam, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("mobilesam_onnx") / "encoder.onnx"
    return export_module(SamEncoderExport(sam), (torch.zeros(1, 3, 1024, 1024),), path, **ENCODER_IO)


@pytest.fixture(scope="session")
def decoder_exports(sam, tmp_path_factory):
    """Lazily exported SamOnnxDecoder files (the fast order bundles ship) keyed by return_single_mask."""
    folder = tmp_path_factory.mktemp("mobilesam_decoder")
    cache: dict[bool, Path] = {}

    def get(single: bool) -> Path:
        if single not in cache:
            path = folder / f"decoder_{'single' if single else 'multi'}.onnx"
            cache[single] = export_module(SamOnnxDecoder(sam, return_single_mask=single, fast=True),
                                          example_decoder_inputs(), path, **DECODER_IO)
        return cache[single]

    return get


@pytest.fixture(scope="session")
def decoder_sessions(decoder_exports):
    """onnxruntime sessions of the exported decoders, keyed by return_single_mask."""
    cache: dict = {}

    def get(single: bool):
        if single not in cache:
            cache[single] = ort_session(decoder_exports(single))
        return cache[single]

    return get
