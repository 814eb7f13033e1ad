"""Helpers shared by the DINOv2 tests (imported by name: the tests folder is not a package)."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pytest
import torch

from edgevfm.models.dinov2.export import DinoV2Export
from edgevfm.targets.onnx import export_module
from numerics import assert_close  # noqa: F401 - re-exported for the DINOv2 tests

GOLDEN_FILES = {"vits14": "dinov2_vits14", "vits14-reg": "dinov2_vits14_reg"}
GOLDEN_DEPTH = 2  # the golden checkpoints keep only blocks 0-1 to stay small


def golden_paths(golden_dir: Path, variant: str) -> tuple[Path, Path]:
    stem = GOLDEN_FILES[variant]
    pth, npz = golden_dir / f"{stem}.pth", golden_dir / f"{stem}.npz"
    for p in (pth, npz):
        if not p.is_file():
            pytest.skip(f"golden file {p} not found")
    return pth, npz


def export_dinov2_onnx(model, path, *, image_size: tuple[int, int], intermediate_layers: Sequence[int] = (),
                       fold_layerscale: bool = False) -> tuple[str, ...]:
    """``DinoV2Export`` of ``model`` at a fixed (H, W) through the toolkit's ONNX export; the output names."""
    wrapper = DinoV2Export(model, intermediate_layers=intermediate_layers, fold_layerscale=fold_layerscale)
    wrapper.set_export_resolution(*image_size)
    export_module(wrapper, (torch.zeros(1, 3, *image_size),), path, input_names=["pixel_values"],
                  output_names=wrapper.output_names)
    return wrapper.output_names
