"""ONNX Runtime engine (CPU by default; other providers only when asked for)."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from ..errors import BundleError, EngineUnavailable
from .base import Engine, Session, module_probe, register_engine


_probe = module_probe("onnxruntime", "onnxruntime")
OPTIMIZATION = {"none": "ORT_DISABLE_ALL", "basic": "ORT_ENABLE_BASIC", "extended": "ORT_ENABLE_EXTENDED",
                "all": "ORT_ENABLE_ALL"}


def _session_options(threads: int | None, optimization: str):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    if threads:
        opts.intra_op_num_threads = int(threads)
        opts.inter_op_num_threads = 1
    opts.graph_optimization_level = getattr(ort.GraphOptimizationLevel, OPTIMIZATION[optimization])
    return opts


class OrtSession(Session):
    def __init__(
        self,
        path: Path | bytes,
        *,
        threads: int | None = None,
        providers: Sequence[str] = ("CPUExecutionProvider",),
        allow_fallback: bool = False,
        optimization: str = "all",
    ):
        import onnxruntime as ort

        if optimization not in OPTIMIZATION:
            raise BundleError(f"onnxruntime optimization {optimization!r} is not one of {', '.join(OPTIMIZATION)}")
        opts = _session_options(threads, optimization)
        available = ort.get_available_providers()
        wanted = [p for p in providers if p in available]
        if not wanted:
            raise EngineUnavailable(
                f"none of the ONNX Runtime providers {list(providers)} is available here (have {available})"
            )
        model = path if isinstance(path, bytes) else str(path)  # bytes: the bundle's verified file
        self._sess = ort.InferenceSession(model, sess_options=opts, providers=wanted)
        self._path, self._settings, self._providers = model, (threads, optimization), wanted
        ran = self._sess.get_providers()
        # ORT silently drops a provider it cannot initialise; a quiet fallback is an error unless allowed.
        if ran[0] != providers[0] and not allow_fallback:
            raise EngineUnavailable(
                f"ONNX Runtime fell back from {providers[0]} to {ran[0]}; pass allow_fallback=True to accept"
            )
        self.engine = f"onnxruntime {ort.__version__} ({ran[0]})"
        self.input_names = [i.name for i in self._sess.get_inputs()]
        self.output_names = [o.name for o in self._sess.get_outputs()]

    def run(self, feed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        outs = self._sess.run(None, dict(feed))
        return dict(zip(self.output_names, outs))

    def profile(self, feed: Mapping[str, np.ndarray]) -> dict[str, float]:
        """ONNX Runtime's profiler on a second session with this one's options: kernel time per op type
        (after graph optimisation) of one run after a warm-up."""
        import json
        import tempfile

        with tempfile.TemporaryDirectory(prefix="edgevfm-ort-profile-") as tmp:
            import onnxruntime as ort

            opts = _session_options(*self._settings)
            opts.enable_profiling = True
            opts.profile_file_prefix = str(Path(tmp) / "ort")
            sess = ort.InferenceSession(self._path, sess_options=opts, providers=self._providers)
            sess.run(None, dict(feed))  # the first run pays one-off allocations
            sess.run(None, dict(feed))
            events = json.loads(Path(sess.end_profiling()).read_text())
        runs = [e["ts"] for e in events if e.get("cat") == "Session" and e.get("name") == "model_run"]
        start = max(runs) if runs else 0
        per: dict[str, float] = {}
        for e in events:
            if e.get("cat") == "Node" and e.get("name", "").endswith("_kernel_time") and e["ts"] >= start:
                op = e.get("args", {}).get("op_name", "?")
                per[op] = per.get(op, 0.0) + e["dur"] / 1000
        return per


register_engine(
    Engine(
        name="onnxruntime",
        aliases=("ort", "onnx"),
        pip="pip install 'edgevfm-runtime[onnx]'",
        probe=_probe,
        open=lambda path, **kw: OrtSession(path, **kw),
        # From memory unless the model keeps weights in external data files (found by path only).
        open_bytes=lambda model, **kw: None if model.extra or model.data is None else OrtSession(model.data, **kw),
        # TensorRT's Q/DQ graphs run here as written (DequantizeLinear → float op): the integer maths is
        # then exact, as in TensorRT. Fused, ORT would pick the host's int8 kernels, which on CPUs without
        # VNNI saturate int16 pair sums (measured: CLIP text tower 17 dB fused vs 32 dB unfused, AVX2 host).
        stand_in={"tensorrt": {"optimization": "basic"}},
    )
)
