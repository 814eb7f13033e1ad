"""Core ML engine (macOS/iOS only): ``coremltools.models.MLModel`` prediction, IO by name."""
from __future__ import annotations

import platform
import threading
from pathlib import Path
from typing import Mapping

import numpy as np

from .base import Engine, Session, batch_of_ones, module_probe, register_engine, run_items


def _probe() -> str | None:
    if platform.system() != "Darwin":
        return f"Core ML prediction needs macOS (this host: {platform.system()})"
    return module_probe("coremltools", "coremltools")()


class CoreMlSession(Session):
    def __init__(self, path: Path, *, compute_units: str = "ALL", threads: int | None = None):
        import coremltools as ct

        self._model = ct.models.MLModel(str(path), compute_units=getattr(ct.ComputeUnit, compute_units))
        spec = self._model.get_spec()
        self.input_names = [i.name for i in spec.description.input]
        self.output_names = [o.name for o in spec.description.output]
        self._leading = {i.name: (int(i.type.multiArrayType.shape[0]) if i.type.multiArrayType.shape else None)
                         for i in spec.description.input}
        self._lock = threading.Lock()  # coremltools documents no thread safety for predict: take turns
        self.engine = f"coreml (coremltools {ct.__version__}, {compute_units})"

    def run(self, feed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        batch = batch_of_ones(feed, self._leading)
        if batch:  # packages are converted at batch 1 (e.g. CLIP's text tower): larger batches item by item
            return run_items(self, feed, batch)
        with self._lock:
            out = self._model.predict({k: np.asarray(feed[k]) for k in self.input_names})
        return {k: np.asarray(out[k], dtype=np.float32) for k in self.output_names}


register_engine(
    Engine(
        name="coreml",
        pip="pip install coremltools  (macOS)",
        probe=_probe,
        open=lambda path, **kw: CoreMlSession(path, **kw),
    )
)
