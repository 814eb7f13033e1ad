"""Teacher embeddings computed once and kept on disk, one memory-mapped ``.npy`` per image view.

Layout: ``CACHE/<teacher id[:16]>/<view scheme>[/<task tag>]/<sha256[:2]>/<sha256>-v<view>.npy`` (float16): a
different teacher or view scheme never reuses an entry, the same image under another name always
does. Entries are written to a temporary file and renamed, so an interrupted fill leaves only whole
entries and a rerun computes just the missing ones.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from .data import VIEW_SCHEME


class EmbeddingCache:
    def __init__(self, root: str | Path, *, teacher_id: str, tag: str = "") -> None:
        """``tag``: what else the teacher's output depends on (e.g. its input size), a sub-folder."""
        self.dir = Path(root) / teacher_id.replace(":", "-")[:16] / VIEW_SCHEME
        if tag:
            self.dir = self.dir / tag

    def path(self, sha256: str, view: int) -> Path:
        return self.dir / sha256[:2] / f"{sha256}-v{view}.npy"

    def has(self, sha256: str, view: int) -> bool:
        return self.path(sha256, view).exists()

    def get(self, sha256: str, view: int) -> np.ndarray:
        return np.load(self.path(sha256, view), mmap_mode="r")

    def put(self, sha256: str, view: int, emb: np.ndarray) -> None:
        dest = self.path(sha256, view)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, suffix=".npy.part")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.save(fh, np.asarray(emb, np.float16))
            os.replace(tmp, dest)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def fill(self, keys: Iterable[tuple[str, int]], compute: Callable[[str, int], np.ndarray],
             *, progress: Callable[[], None] | None = None) -> tuple[int, int]:
        """Compute the missing entries; return (computed, reused)."""
        computed = reused = 0
        for sha, v in keys:
            if self.has(sha, v):
                reused += 1
            else:
                self.put(sha, v, compute(sha, v))
                computed += 1
            if progress:
                progress()
        return computed, reused
