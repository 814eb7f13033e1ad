"""Strict state-dict loading with errors that name the offending keys."""
from __future__ import annotations

from typing import Mapping

import torch
from torch import nn

from edgevfm_runtime.errors import EdgeVFMError


class CheckpointError(EdgeVFMError, ValueError):
    """A checkpoint does not match the model it is loaded into."""


def _preview(keys, limit: int = 8) -> str:
    keys = sorted(keys)
    shown = ", ".join(keys[:limit])
    return shown + (f", … (+{len(keys) - limit} more)" if len(keys) > limit else "")


def load_state_dict_strict(module: nn.Module, state_dict: Mapping[str, torch.Tensor], *, source: str) -> None:
    """Load ``state_dict`` into ``module`` strictly; raise CheckpointError naming missing,
    unexpected and wrongly shaped keys (torch's own message buries them)."""
    expected = module.state_dict()
    missing = set(expected) - set(state_dict)
    unexpected = set(state_dict) - set(expected)
    bad_shape = [
        f"{k}: checkpoint {tuple(state_dict[k].shape)} vs model {tuple(expected[k].shape)}"
        for k in expected
        if k in state_dict and tuple(state_dict[k].shape) != tuple(expected[k].shape)
    ]
    problems = []
    if missing:
        problems.append(f"{len(missing)} missing key(s): {_preview(missing)}")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected key(s): {_preview(unexpected)}")
    if bad_shape:
        problems.append(f"{len(bad_shape)} shape mismatch(es): {'; '.join(bad_shape[:5])}")
    if problems:
        raise CheckpointError(f"checkpoint {source} does not match {type(module).__name__}: " + " | ".join(problems))
    module.load_state_dict(state_dict, strict=True)
