"""Shared fixtures for the CLIP tests: golden/design folders, the golden model and data, the tokenizer."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[3]


def _folder(env: str, sub: str, needed: tuple[str, ...]) -> Path:
    path = Path(os.environ.get(env, REPO.parent / "shared" / sub))
    missing = [n for n in needed if not (path / n).exists()]
    if missing:
        pytest.skip(f"{sub} folder {path} lacks {', '.join(missing)} (set {env})")
    return path


@pytest.fixture(scope="session")
def golden_dir() -> Path:
    return _folder("EDGEVFM_GOLDEN_DIR", "golden", ("clip.pt", "clip.npz"))


@pytest.fixture(scope="session")
def design_dir() -> Path:
    return _folder("EDGEVFM_DESIGN_DIR", "design", ("keys/clip_vitb32_keys.txt",))


@pytest.fixture(scope="session")
def golden(golden_dir) -> dict[str, np.ndarray]:
    with np.load(golden_dir / "clip.npz") as data:
        return dict(data)


@pytest.fixture(scope="session")
def golden_model(golden_dir):
    from edgevfm.models.clip.checkpoint import load_clip

    model, layout = load_clip(golden_dir / "clip.pt", activation="quick_gelu")
    return model, layout


@pytest.fixture(scope="session")
def tokenizer():
    pytest.importorskip("ftfy", reason="the CLIP tokenizer needs the [clip] extra (ftfy, regex)")
    pytest.importorskip("regex", reason="the CLIP tokenizer needs the [clip] extra (ftfy, regex)")
    from edgevfm_runtime.models.clip_tokenizer import ClipTokenizer

    return ClipTokenizer()
