"""Family -> distillation task (a plugin the one training loop drives), imported lazily.

A task owns everything family-specific: the frozen teacher and its cached *target* for an image
view, the student and how it turns an image into its input, the loss on (student output, target),
the held-out metrics and the exportable student checkpoint. The loop (``loop.py``) owns the rest:
data, cache, DDP, checkpoints, logs.
"""
from __future__ import annotations

import importlib

from ..registry import did_you_mean
from . import DistillError

# family -> "module:Class" under edgevfm.distill
TASKS = {"sam": "sam:SamTask", "dinov2": "dinov2:DinoV2Task", "clip": "clip:ClipTask"}


def get_task(family: str):
    if family not in TASKS:
        raise DistillError(f"distilling {family!r} is not available (implemented: {', '.join(TASKS)})"
                           + did_you_mean(family, TASKS))
    module, cls = TASKS[family].split(":")
    return getattr(importlib.import_module(f"{__package__}.{module}"), cls)
