"""Tiny distillation fixtures: a few small photos and a filled teacher cache."""
from __future__ import annotations

import pytest

from distill_testing import fill_cache


@pytest.fixture(scope="session")
def tiny(tmp_path_factory) -> dict:
    import skimage.data as D
    from PIL import Image

    root = tmp_path_factory.mktemp("distill")
    data, held = root / "data", root / "held"
    data.mkdir()
    held.mkdir()
    for n in ("astronaut", "coffee", "rocket", "chelsea"):
        Image.fromarray(getattr(D, n)()).resize((80, 60)).save(data / f"{n}.png")
    Image.fromarray(D.immunohistochemistry()).resize((64, 64)).save(held / "ihc.png")
    fill_cache(root / "cache", data, held)
    return {"data": data, "held": held, "cache": root / "cache", "root": root}

