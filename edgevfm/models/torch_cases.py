"""The toolkit's torch FP32 reference, recorded through the runtime family's own case set
(``edgevfm_runtime.families``), so the golden cases a bundle is checked on are written once."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from edgevfm_runtime.families import get_family

from .spec import Component


@dataclass
class TorchSource:
    """What a runtime family reads off a bundle while recording, taken from the components instead."""

    preprocess: dict
    components: dict = field(default_factory=dict)  # name -> {"inputs": [...]} as in the manifest


def torch_run(components: list[Component]):
    """``run(component, feed) -> outputs`` calling the components' torch modules."""
    by_name = {c.name: c for c in components}

    @torch.no_grad()
    def run(name: str, feed: dict) -> dict[str, np.ndarray]:
        comp = by_name[name]
        res = comp.module(*[torch.from_numpy(np.asarray(feed[n])) for n in comp.input_names])
        res = (res,) if isinstance(res, torch.Tensor) else res
        return {t.name: r.numpy() for t, r in zip(comp.outputs, res)}

    return run


def record_with_torch(family: str, components: list[Component], spec: dict, images: list[np.ndarray],
                      base: dict | None = None) -> dict[str, np.ndarray]:
    """The runtime family's golden cases on ``images`` with outputs from the torch modules."""
    source = TorchSource(spec, {c.name: {"inputs": [t.manifest() for t in c.inputs]} for c in components})
    return get_family(family).record(source, images, torch_run(components), base or {})
