"""What is timed per model family: the user-facing calls of the runtime API, pre-processing included."""
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


# family -> factory(source, image, **session_options) -> Workload
WORKLOADS: dict[str, Callable[..., Workload]] = {}


def register_workload(family: str):
    def deco(fn):
        WORKLOADS[family] = fn
        return fn
    return deco


def build_workload(source, image: np.ndarray, **options) -> Workload:
    family = source.manifest["model"]["family"]
    if family not in WORKLOADS:
        raise KeyError(f"no bench workload for model family {family!r} (knows: {', '.join(WORKLOADS)})")
    return WORKLOADS[family](source, image, **options)


@register_workload("mobilesam")
def _sam(source, image, **options) -> Workload:
    from ..sam import SamPredictor
    from ..sam.prompt_set import prompt_set

    p = SamPredictor(source, **options)
    click = prompt_set(*image.shape[:2])["point"]
    steps = {"set_image": lambda: p.set_image(image),
             "predict": lambda: p.predict(points=click["points"], labels=click["labels"], multimask=True)}
    return Workload(steps, headline="pipeline", engine=p.engine, pipeline=("set_image", "predict"))


@register_workload("clip")
def _clip(source, image, **options) -> Workload:
    from ..embed import ImageEmbedder, TextEmbedder

    img, txt = ImageEmbedder(source, **options), TextEmbedder(source, **options)
    steps = {"image": lambda: img(image), "text": lambda: txt(["a photo of a cat"])}
    return Workload(steps, headline="image", engine=img.engine)


@register_workload("dinov2")
def _dinov2(source, image, **options) -> Workload:
    from ..embed import DenseFeatures

    f = DenseFeatures(source, **options)
    return Workload({"features": lambda: f(image)}, headline="features", engine=f.session.engine)
