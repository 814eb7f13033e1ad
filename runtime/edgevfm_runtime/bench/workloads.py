"""What is timed per model family: the user-facing calls of the runtime API, pre-processing included
(each family's ``workload`` in ``families/`` builds one)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np


@dataclass
class Workload:
    steps: dict[str, Callable[[], object]]  # run in this order once per iteration
    headline: str  # the step ratios and the plot use
    engine: str  # what actually ran (engine + provider / precision)
    pipeline: tuple[str, ...] = ()  # steps whose per-iteration sum is reported as "pipeline"
    # name -> (slow step, fast step): ratios within one row, both steps timed in the same iterations
    # (SAM: K single prompts vs the same K prompts in one call)
    ratios: dict[str, tuple[str, str]] = field(default_factory=dict)


def build_workload(source, image: np.ndarray, *, kind: str | None = None, **options) -> Workload:
    """The family's workload (``RuntimeFamily.workload``) for ``source``; ``kind`` names another of the
    family's workloads (``RuntimeFamily.workload_kinds``, e.g. SAM ``batch``)."""
    from ..families import family_of

    family = family_of(source)
    if kind is None:
        return family.workload(source, image, **options)
    kinds = getattr(family, "workload_kinds", {})
    if kind not in kinds:
        raise ValueError(f"the {family.name} family has no {kind!r} workload (known: {', '.join(kinds) or 'none'})")
    return getattr(family, kinds[kind])(source, image, **options)
