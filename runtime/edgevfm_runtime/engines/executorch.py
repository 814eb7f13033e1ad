"""ExecuTorch engine: a ``.pte`` program run by ``executorch.runtime`` (its XNNPACK delegate inside).

ExecuTorch's Python runtime imports torch and takes torch tensors, so in the torch-free runtime
(``edgevfm-rt``) this engine is unavailable and says so: run ``.pte`` bundles with the toolkit
(``edgevfm[executorch]``) or ExecuTorch's C++ runtime (cpp/). A ``.pte`` has no tensor names: the
manifest's ``engine_options`` give the positional order (``input_names`` / ``output_names``)."""
from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from ..errors import BundleError, InputError
from .base import Engine, Session, batch_of_ones, register_engine, run_items

NEEDS = ("the executorch engine runs .pte programs through executorch.runtime, which needs torch: use the "
         "edgevfm toolkit (pip install 'edgevfm[executorch]') or ExecuTorch's C++ runtime (cpp/)")


def _probe() -> str | None:
    if importlib.util.find_spec("torch") is None:
        return f"torch is not installed; {NEEDS}"
    if importlib.util.find_spec("executorch") is None:
        return f"executorch is not installed; {NEEDS}"
    return None


class ExecuTorchSession(Session):
    def __init__(self, path: Path, *, input_names: Sequence[str] | None = None,
                 output_names: Sequence[str] | None = None, portable_ops: Sequence[str] = (),
                 threads: int | None = None):
        import importlib.metadata as md

        from executorch.runtime import Runtime, Verification

        if not input_names or not output_names:
            raise BundleError(f"{path.name}: a .pte has no tensor names; the manifest's engine_options must give "
                              "input_names and output_names (re-export the bundle)")
        if threads:
            from executorch.extension.pybindings.portable_lib import _unsafe_reset_threadpool

            _unsafe_reset_threadpool(int(threads))
        self._method = Runtime.get().load_program(Path(path), verification=Verification.Minimal).load_method("forward")
        meta = self._method.metadata
        if meta.num_inputs() != len(input_names) or meta.num_outputs() != len(output_names):
            raise BundleError(f"{path.name} takes {meta.num_inputs()} inputs / returns {meta.num_outputs()} outputs, "
                              f"the manifest names {len(input_names)} / {len(output_names)}: a swapped model file")
        self.input_names, self.output_names = list(input_names), list(output_names)
        sizes = [tuple(meta.input_tensor_meta(i).sizes()) for i in range(meta.num_inputs())]
        self._leading = {n: (s[0] if s else None) for n, s in zip(self.input_names, sizes)}
        self._lock = threading.Lock()  # one execute at a time on a loaded Method
        portable = f", {len(portable_ops)} portable op type(s)" if portable_ops else ""
        self.engine = f"executorch {md.version('executorch')} (XNNPACK{portable})"

    def run(self, feed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        import torch

        batch = batch_of_ones(feed, self._leading)
        if batch:  # programs are exported at batch 1: larger batches run item by item
            return run_items(self, feed, batch)
        missing = [n for n in self.input_names if n not in feed]
        if missing:
            raise InputError(f"missing input(s) {missing} (this program takes {self.input_names})")
        args = [torch.from_numpy(np.ascontiguousarray(feed[n])) for n in self.input_names]
        with self._lock:
            out = self._method.execute(args)
        return {n: np.array(o.numpy() if hasattr(o, "numpy") else o) for n, o in zip(self.output_names, out)}


register_engine(
    Engine(
        name="executorch",
        aliases=("pte",),
        pip="pip install 'edgevfm[executorch]'  (toolkit, with torch; or ExecuTorch's C++ runtime)",
        probe=_probe,
        open=lambda path, **kw: ExecuTorchSession(path, **kw),
    )
)
