"""Helpers shared by the DINOv2 tests (imported by name: the tests folder is not a package)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

GOLDEN_FILES = {"vits14": "dinov2_vits14", "vits14-reg": "dinov2_vits14_reg"}
GOLDEN_DEPTH = 2  # the golden checkpoints keep only blocks 0-1 to stay small


def golden_paths(golden_dir: Path, variant: str) -> tuple[Path, Path]:
    stem = GOLDEN_FILES[variant]
    pth, npz = golden_dir / f"{stem}.pth", golden_dir / f"{stem}.npz"
    for p in (pth, npz):
        if not p.is_file():
            pytest.skip(f"golden file {p} not found")
    return pth, npz


def assert_close(actual, expected, *, atol: float = 1e-4, name: str = "") -> float:
    """Max-abs comparison relative to the output scale; returns the error for reporting."""
    actual = np.asarray(actual, dtype=np.float32)
    expected = np.asarray(expected, dtype=np.float32)
    assert actual.shape == expected.shape, f"{name}: shape {actual.shape} != {expected.shape}"
    if expected.size == 0:
        return 0.0
    err = float(np.abs(actual - expected).max())
    scale = max(1.0, float(np.abs(expected).max()))
    assert err <= atol * scale, f"{name}: max abs error {err:.3g} > {atol * scale:.3g}"
    return err
