"""Outputs a runtime computes on the host after the engine, declared per component in the manifest
(``"host_outputs": {"masks": "sam_upscale_masks"}``): static-shape engines (TensorRT, LiteRT,
Core ML) cannot output tensors whose shape depends on input values, so those are finished here.
The ops are declared by the model families (``RuntimeFamily.host_ops``)."""
from __future__ import annotations

from typing import Mapping

import numpy as np

from .engines.base import Session
from .errors import BundleError
from .families import host_ops


class HostOutputsSession(Session):
    """An engine session plus host-computed outputs; takes the extra inputs those need."""

    def __init__(self, inner: Session, ops: Mapping[str, str]):
        self.inner, self.ops = inner, dict(ops)
        self.engine = inner.engine
        known = host_ops()
        self._fns = {name: known[op].fn for name, op in self.ops.items()}
        extra = [i for op in self.ops.values() for i in known[op].feed_inputs if i not in inner.input_names]
        self.input_names = list(inner.input_names) + list(dict.fromkeys(extra))
        self.output_names = list(inner.output_names) + list(self.ops)

    def run(self, feed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        out = self.inner.run({k: feed[k] for k in self.inner.input_names})
        for name, fn in self._fns.items():
            out[name] = fn(out, feed)
        return out

    def __getattr__(self, item):  # engine-specific extras (e.g. OpenVINO's inference_precision)
        return getattr(self.inner, item)


def with_host_outputs(session: Session, ops: Mapping[str, str], *, where: str = "host_outputs") -> Session:
    known = host_ops()
    for name, op in dict(ops).items():
        if op not in known:
            raise BundleError(f"{where}.host_outputs.{name}: unknown host op {op!r} (known: {', '.join(known)}); "
                              "the bundle needs a newer edgevfm-runtime or was edited")
        missing = [o for o in known[op].engine_outputs if o not in session.output_names]
        if missing:
            raise BundleError(f"{where}.host_outputs.{name}: op {op!r} needs model output(s) {missing}, "
                              f"which the model does not have (has {session.output_names})")
    return HostOutputsSession(session, ops) if ops else session
