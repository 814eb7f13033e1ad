"""What `run` does for each model family, keyed by the manifest's ``model.family``."""
from __future__ import annotations

from typing import Callable

RUNNERS: dict[str, Callable] = {}


def register_runner(family: str):
    def deco(fn):
        RUNNERS[family] = fn
        return fn
    return deco


from . import embed_app as _embed_app  # noqa: E402,F401
from . import sam_app as _sam_app  # noqa: E402,F401
