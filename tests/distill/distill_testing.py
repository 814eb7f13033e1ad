"""Helpers for the distillation tests: the options they share, subprocess command lines, a teacher
cache filled with seeded embeddings (the teacher is MobileSAM at 1024 px, too slow to run for every
test; the one test that needs it runs it)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
# small enough to be quick, big enough for the ResNet's stride-64 stage
DEFAULTS = {"teacher-weights": "random:0", "image-size": "64", "views": "2", "batch-size": "4", "lr": "1e-3",
            "threads": "1", "log-every": "1", "seed": "3"}


def opts(**overrides) -> list[str]:
    """The tests' distill options; ``opts(views=1)`` overrides one."""
    d = {**DEFAULTS, **{k.replace("_", "-"): str(v) for k, v in overrides.items()}}
    return [x for k, v in d.items() for x in (f"--{k}", v)]


ARGS = opts()


def env() -> dict:
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "runtime"), e.get("PYTHONPATH", "")])
    e["OMP_NUM_THREADS"] = "1"
    return e


def cli(*args) -> list[str]:
    return [sys.executable, "-m", "edgevfm.cli.main", "distill", "sam", "--student", "resnet18", *args]


def fill_cache(cache: Path, data: Path, holdout: Path | None = None, *, views: int = 2) -> None:
    from edgevfm.distill.cache import EmbeddingCache
    from edgevfm.distill.data import scan_images

    c = EmbeddingCache(cache, teacher_id="random:0")
    recs = scan_images(data) + (scan_images(holdout) if holdout else [])
    for r in recs:
        for v in range(views):
            g = np.random.default_rng([int(r.sha256[:8], 16), v])
            c.put(r.sha256, v, g.standard_normal((256, 64, 64)).astype(np.float32) * 0.5)




def student_weights(run: Path) -> dict:
    import torch

    sd = torch.load(run / "student.pt", weights_only=True)
    return {k: v for k, v in sd.items() if k.startswith("image_encoder.")}
