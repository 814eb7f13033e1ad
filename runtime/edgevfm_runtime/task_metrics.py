"""Task-level parity, measured the way a user sees the model (e.g. SAM masks from the engine's own
image embedding), next to the per-output tensor metrics of ``check``; each family's metrics live
in its file under ``families/``."""
from __future__ import annotations

from dataclasses import dataclass

from .families import get_family


@dataclass
class TaskContext:
    bundle: object
    cases: dict  # golden.parse(reference)
    sessions: dict  # component -> Session
    outputs: dict  # (component, case) -> the engine's outputs with reference upstream inputs


def task_metrics(family: str, ctx: TaskContext) -> dict[str, float]:
    return get_family(family).task_metrics(ctx)
