"""OpenVINO engine (CPU). The inference precision is always set explicitly: the CPU plugin
otherwise runs bf16 on CPUs with AVX-512 BF16/AMX, which silently breaks FP32 parity."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Mapping

import numpy as np

from .base import Engine, Session, module_probe, register_engine

DEFAULT_PRECISION = "f32"


_probe = module_probe("openvino", "openvino")


def _name(port) -> str:
    """A port's contract name: IRs converted elsewhere may carry extra internal names ("/Cast_7_output_0")."""
    names = sorted(port.get_names(), key=lambda n: (n.startswith("/") or ":" in n, n))
    return names[0] if names else port.get_any_name()


class OvSession(Session):
    def __init__(self, path: Path | tuple[bytes, bytes], *, threads: int | None = None, device: str = "CPU",
                 INFERENCE_PRECISION_HINT: str | None = DEFAULT_PRECISION, **properties):
        import openvino as ov

        # None: OpenVINO's own default (what a plain user gets; bf16 on AVX-512 BF16/AMX CPUs).
        hint = {} if INFERENCE_PRECISION_HINT is None else {"INFERENCE_PRECISION_HINT": INFERENCE_PRECISION_HINT}
        config = {**hint, "PERFORMANCE_HINT": "LATENCY", **properties}
        if threads:
            config["INFERENCE_NUM_THREADS"] = int(threads)
        core = ov.Core()
        # (model bytes, weights bytes): the bundle's verified files, read from memory
        read = (lambda: core.read_model(*path)) if isinstance(path, tuple) else (lambda: core.read_model(str(path)))
        self._compile = lambda extra: core.compile_model(read(), device, {**config, **extra})
        self._compiled = self._compile({})
        self.inference_precision = self._compiled.get_property("INFERENCE_PRECISION_HINT").to_string()  # what runs
        self.engine = f"openvino {ov.__version__} ({device}, {self.inference_precision})"
        self.input_names = [_name(p) for p in self._compiled.inputs]
        self.output_names = [_name(p) for p in self._compiled.outputs]
        self._local = threading.local()

    def run(self, feed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        # A compiled model is thread-safe, an infer request is not: one request per calling thread.
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self._compiled.create_infer_request()
        res = request.infer({k: np.ascontiguousarray(v) for k, v in feed.items()})
        return {name: np.array(res[port]) for name, port in zip(self.output_names, self._compiled.outputs)}

    def profile(self, feed: Mapping[str, np.ndarray]) -> dict[str, float]:
        """OpenVINO's performance counters (PERF_COUNT) of one run after a warm-up, summed per executed
        layer type and kernel; compiled separately so this session never pays for the counters."""
        compiled = self._compile({"PERF_COUNT": True})
        request = compiled.create_infer_request()
        feed = {k: np.ascontiguousarray(v) for k, v in feed.items()}
        request.infer(feed)  # the first run pays one-off allocations
        request.infer(feed)
        per: dict[str, float] = {}
        for info in request.profiling_info:
            if info.status == info.Status.EXECUTED:
                key = f"{info.node_type} [{info.exec_type}]"
                per[key] = per.get(key, 0.0) + info.real_time.total_seconds() * 1000
        return per


def _from_memory(model, **kw) -> OvSession | None:
    """An IR's .xml with its .bin (the one extra file, named like the .xml), or an extra-free model file."""
    extra = model.extra
    weights = extra.pop(Path(model.main).with_suffix(".bin").as_posix(), b"")
    if model.data is None or extra:
        return None
    return OvSession((model.data, weights), **kw)


register_engine(
    Engine(
        name="openvino",
        aliases=("ov",),
        pip="pip install 'edgevfm-runtime[openvino]'",
        probe=_probe,
        open=lambda path, **kw: OvSession(path, **kw),
        open_bytes=lambda model, **kw: _from_memory(model, **kw),
    )
)
