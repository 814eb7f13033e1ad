"""Shared fixtures: golden/design folders and one exported MobileSAM bundle per session."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _shared(env: str, sub: str) -> Path:
    return Path(os.environ.get(env, REPO.parent / "shared" / sub))


@pytest.fixture(scope="session")
def golden_dir() -> Path:
    d = _shared("EDGEVFM_GOLDEN_DIR", "golden")
    if not (d / "mobilesam.pt").exists():
        pytest.skip(f"golden data not found in {d} (set EDGEVFM_GOLDEN_DIR)")
    return d


@pytest.fixture(scope="session")
def sam_bundle(tmp_path_factory) -> Path:
    """An onnx-fp32 MobileSAM bundle exported from seeded random weights (the pipeline under test)."""
    from edgevfm.export.pipeline import export

    out = tmp_path_factory.mktemp("bundles") / "sam-vit_t-onnx-fp32"
    export("sam", target="onnx-fp32", weights="random:0", output=out, emit=lambda s: None)
    return out


@pytest.fixture(scope="session")
def sam_golden_bundle(tmp_path_factory, golden_dir) -> Path:
    """An onnx-fp32 MobileSAM bundle exported from the golden (official-format) checkpoint."""
    from edgevfm.export.pipeline import export

    out = tmp_path_factory.mktemp("bundles") / "sam-golden-onnx-fp32"
    export("sam", target="onnx-fp32", weights=str(golden_dir / "mobilesam.pt"), output=out, emit=lambda s: None)
    return out
