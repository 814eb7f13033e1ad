"""TensorRT engine (NVIDIA GPUs, Jetson): builds the bundle's TensorRT-ready ONNX into an engine on
first use and caches it, keyed by TensorRT version + GPU name + the ONNX file's sha256 (engines are
not portable across either, nanosam#18/TensorRT docs). Inference uses TensorRT + cuda-python, never
torch; IO is bound by tensor name. Build settings come from the manifest (``engine_options.build``).

Not yet verified on hardware: ``scripts/gpu_checks.sh`` runs the gated tests on a GPU machine."""
from __future__ import annotations

import hashlib
import importlib
import os
import threading
from pathlib import Path
from typing import Mapping

import numpy as np

from ..errors import EngineUnavailable
from ..hashing import sha256_path
from .base import Engine, Session, register_engine


def _probe() -> str | None:
    for mod in ("tensorrt", "cuda.bindings.runtime"):
        try:
            importlib.import_module(mod)
        except ImportError as exc:
            return f"{mod} is not installed ({exc}); TensorRT needs an NVIDIA GPU"
    return None


def _cuda():
    from cuda.bindings import runtime as cudart

    return cudart


def _ok(res):
    err, *rest = res if isinstance(res, tuple) else (res,)
    if int(err) != 0:
        raise EngineUnavailable(f"CUDA error {err}")
    return rest[0] if len(rest) == 1 else rest


def gpu_name() -> str:
    cudart = _cuda()
    props = _ok(cudart.cudaGetDeviceProperties(0))
    return props.name.decode().strip("\x00") if isinstance(props.name, bytes) else str(props.name)


def cache_dir() -> Path:
    return Path(os.environ.get("EDGEVFM_TRT_CACHE", Path.home() / ".cache" / "edgevfm" / "tensorrt"))


def engine_path(onnx_path: Path) -> Path:
    import tensorrt as trt

    key = hashlib.sha256(f"{trt.__version__}|{gpu_name()}|{sha256_path(onnx_path)}".encode()).hexdigest()[:24]
    return cache_dir() / f"{onnx_path.stem}-{key}.engine"


def build_engine(onnx_path: Path, build: Mapping, *, log=print) -> Path:
    """Build (or reuse) the cached engine for ``onnx_path`` with the manifest's build settings."""
    import tensorrt as trt

    out = engine_path(onnx_path)
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    logger = trt.Logger(trt.Logger.WARNING)
    builder = trt.Builder(logger)
    flags = 1 << int(trt.NetworkDefinitionCreationFlag.STRONGLY_TYPED) if build.get("strongly_typed") else 0
    network = builder.create_network(flags)
    parser = trt.OnnxParser(network, logger)
    if not parser.parse_from_file(str(onnx_path)):
        errors = "; ".join(str(parser.get_error(i)) for i in range(parser.num_errors))
        raise EngineUnavailable(f"TensorRT cannot parse {onnx_path.name}: {errors}")
    config = builder.create_builder_config()
    config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, int(build.get("workspace_mib", 1024)) << 20)
    if not build.get("strongly_typed"):
        for flag in ("int8", "fp16"):
            if build.get(flag):
                config.set_flag(getattr(trt.BuilderFlag, flag.upper()))
        if build.get("fp32_layers"):
            config.set_flag(trt.BuilderFlag.OBEY_PRECISION_CONSTRAINTS)
            keep = set(build["fp32_layers"])
            for i in range(network.num_layers):
                layer = network.get_layer(i)
                if layer.name in keep:
                    layer.precision = trt.float32
    if build.get("profiles"):
        # One profile covering every dynamic input: TensorRT rejects a profile that leaves any of them
        # unset (SAM's decoder has two, point_coords and point_labels, sharing the point count).
        profile = builder.create_optimization_profile()
        for name, shapes in build["profiles"].items():
            profile.set_shape(name, shapes["min"], shapes["opt"], shapes["max"])
        config.add_optimization_profile(profile)
    cache_file = cache_dir() / "timing.cache"
    cache = config.create_timing_cache(cache_file.read_bytes() if cache_file.exists() else b"")
    config.set_timing_cache(cache, ignore_mismatch=False)
    log(f"building TensorRT engine for {onnx_path.name} (TensorRT {trt.__version__}, {gpu_name()}) …")
    blob = builder.build_serialized_network(network, config)
    if blob is None:
        raise EngineUnavailable(f"TensorRT failed to build {onnx_path.name} (see the log above)")
    cache_file.write_bytes(memoryview(config.get_timing_cache().serialize()))
    tmp = out.with_suffix(".tmp")
    tmp.write_bytes(memoryview(blob))
    tmp.replace(out)
    return out


class TrtSession(Session):
    def __init__(self, path: Path, *, build: Mapping | None = None, threads: int | None = None):
        import tensorrt as trt

        self._trt, self._cudart = trt, _cuda()
        plan = build_engine(Path(path), build or {})
        self._engine = trt.Runtime(trt.Logger(trt.Logger.WARNING)).deserialize_cuda_engine(plan.read_bytes())
        self._ctx = self._engine.create_execution_context()
        names = [self._engine.get_tensor_name(i) for i in range(self._engine.num_io_tensors)]
        mode = trt.TensorIOMode.INPUT
        self.input_names = [n for n in names if self._engine.get_tensor_mode(n) == mode]
        self.output_names = [n for n in names if self._engine.get_tensor_mode(n) != mode]
        self._stream = _ok(self._cudart.cudaStreamCreate())
        self._lock = threading.Lock()  # one execution context and stream: calls from many threads take turns
        self.engine = f"tensorrt {trt.__version__} ({gpu_name()})"

    def _dtype(self, name: str):
        return np.dtype(self._trt.nptype(self._engine.get_tensor_dtype(name)))

    def run(self, feed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        with self._lock:
            return self._run(feed)

    def _run(self, feed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        cudart, kind = self._cudart, self._cudart.cudaMemcpyKind
        buffers = []
        try:
            for n in self.input_names:
                x = np.ascontiguousarray(feed[n], dtype=self._dtype(n))
                self._ctx.set_input_shape(n, x.shape)
                ptr = _ok(cudart.cudaMalloc(max(x.nbytes, 1)))
                buffers.append(ptr)
                _ok(cudart.cudaMemcpyAsync(ptr, x.ctypes.data, x.nbytes, kind.cudaMemcpyHostToDevice, self._stream))
                self._ctx.set_tensor_address(n, ptr)
            outs = {}
            for n in self.output_names:
                y = np.empty(tuple(self._ctx.get_tensor_shape(n)), dtype=self._dtype(n))
                ptr = _ok(cudart.cudaMalloc(max(y.nbytes, 1)))
                buffers.append(ptr)
                self._ctx.set_tensor_address(n, ptr)
                outs[n] = (y, ptr)
            if not self._ctx.execute_async_v3(self._stream):
                raise EngineUnavailable("TensorRT execution failed")
            for y, ptr in outs.values():
                _ok(cudart.cudaMemcpyAsync(y.ctypes.data, ptr, y.nbytes, kind.cudaMemcpyDeviceToHost, self._stream))
            _ok(cudart.cudaStreamSynchronize(self._stream))
            return {n: y.astype(np.float32) if y.dtype == np.float16 else y for n, (y, _) in outs.items()}
        finally:
            for ptr in buffers:
                cudart.cudaFree(ptr)


register_engine(
    Engine(
        name="tensorrt",
        aliases=("trt",),
        pip="pip install 'edgevfm-runtime[tensorrt]'  (tensorrt, cuda-python; NVIDIA GPU + driver)",
        probe=_probe,
        open=lambda path, **kw: TrtSession(path, **kw),
    )
)
