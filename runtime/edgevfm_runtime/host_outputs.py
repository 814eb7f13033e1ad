"""Outputs a runtime computes on the host after the engine, declared per component in the manifest
(``"host_outputs": {"masks": "sam_upscale_masks"}``): static-shape engines (TensorRT, LiteRT,
Core ML) cannot output tensors whose shape depends on input values, so those are finished here."""
from __future__ import annotations

from typing import Callable, Mapping

import numpy as np

from .engines.base import Session
from .errors import BundleError
from .sam.upscale import upscale_masks

# name -> (extra inputs it reads from the feed, fn(outputs, feed) -> array)
HOST_OPS: dict[str, tuple[tuple[str, ...], Callable[[dict, Mapping], np.ndarray]]] = {
    "sam_upscale_masks": (("orig_im_size",), lambda out, feed: upscale_masks(out["low_res_masks"], feed["orig_im_size"])),
}
# name -> the engine outputs it reads
HOST_OP_OUTPUTS: dict[str, tuple[str, ...]] = {"sam_upscale_masks": ("low_res_masks",)}


class HostOutputsSession(Session):
    """An engine session plus host-computed outputs; takes the extra inputs those need."""

    def __init__(self, inner: Session, ops: Mapping[str, str]):
        self.inner, self.ops = inner, dict(ops)
        self.engine = inner.engine
        extra = [i for op in self.ops.values() for i in HOST_OPS[op][0] if i not in inner.input_names]
        self.input_names = list(inner.input_names) + list(dict.fromkeys(extra))
        self.output_names = list(inner.output_names) + list(self.ops)

    def run(self, feed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        out = self.inner.run({k: feed[k] for k in self.inner.input_names})
        for name, op in self.ops.items():
            out[name] = HOST_OPS[op][1](out, feed)
        return out

    def __getattr__(self, item):  # engine-specific extras (e.g. OpenVINO's inference_precision)
        return getattr(self.inner, item)


def with_host_outputs(session: Session, ops: Mapping[str, str], *, where: str = "host_outputs") -> Session:
    for name, op in dict(ops).items():
        if op not in HOST_OPS:
            raise BundleError(f"{where}.host_outputs.{name}: unknown host op {op!r} (known: {', '.join(HOST_OPS)}); "
                              "the bundle needs a newer edgevfm-runtime or was edited")
        missing = [o for o in HOST_OP_OUTPUTS.get(op, ()) if o not in session.output_names]
        if missing:
            raise BundleError(f"{where}.host_outputs.{name}: op {op!r} needs model output(s) {missing}, "
                              f"which the model does not have (has {session.output_names})")
    return HostOutputsSession(session, ops) if ops else session
