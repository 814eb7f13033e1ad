"""What is timed per model family: the user-facing calls of the runtime API, pre-processing included
(each family's ``workload`` in ``families/`` builds one)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass
class Workload:
    steps: dict[str, Callable[[], object]]  # run in this order once per iteration
    headline: str  # the step ratios and the plot use
    engine: str  # what actually ran (engine + provider / precision)
    pipeline: tuple[str, ...] = ()  # steps whose per-iteration sum is reported as "pipeline"


def build_workload(source, image: np.ndarray, **options) -> Workload:
    """The family's workload (``RuntimeFamily.workload``) for ``source``."""
    from ..families import family_of

    return family_of(source).workload(source, image, **options)
