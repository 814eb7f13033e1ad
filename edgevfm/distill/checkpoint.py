"""Atomic training checkpoints (``--resume``) and the exportable student checkpoint."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import torch

from . import DistillError


def _atomic(dest: Path, write) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=dest.name + ".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)  # a kill -9 leaves the previous file or the new one, never half of one
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def save_state(path: Path, state: dict) -> None:
    _atomic(path, lambda fh: torch.save(state, fh))


def load_state(path: Path) -> dict:
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise DistillError(f"--resume: {path} is not a readable checkpoint ({type(exc).__name__}: "
                           f"{str(exc).splitlines()[0][:160]}); delete it to start over") from None
    if not isinstance(state, dict) or not {"step", "encoder", "optimizer", "config"} <= set(state):
        raise DistillError(f"--resume: {path} is not an edgevfm distill checkpoint; delete it to start over")
    return state


def save_student(path: Path, state_dict: dict, meta: dict) -> None:
    """``student.pt``: a flat state dict the family loads strictly as the student variant (for SAM:
    the student image encoder with the teacher's prompt encoder and mask decoder), plus
    ``student.json`` saying how it was made."""
    _atomic(path, lambda fh: torch.save({k: v.detach().cpu().contiguous() for k, v in state_dict.items()}, fh))
    _atomic(path.with_suffix(".json"), lambda fh: fh.write(json.dumps(meta, indent=2).encode()))
