"""Shared fixtures for the CLIP tests: the golden model and data, the tokenizer."""
from __future__ import annotations


import numpy as np
import pytest


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
