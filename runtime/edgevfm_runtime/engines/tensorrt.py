"""TensorRT engine (NVIDIA GPUs, Jetson): builds the bundle's TensorRT-ready ONNX into an engine on
first use and caches it, keyed by TensorRT version + GPU + the ONNX file's sha256 + the build
settings (engines are not portable across any of them, nanosam#18/TensorRT docs). Inference uses
TensorRT + cuda-python, never torch; IO is bound by tensor name. Build settings come from the
manifest (``engine_options.build``).

Networks are always built strongly typed without precision flags: every tensor keeps the type the
ONNX graph gives it (FP16 graphs for jetson-fp16; INT8 where the graph has Q/DQ for jetson-int8).
That is TensorRT's guidance for explicit quantization, and the only mode TensorRT 11 has left.

Not yet verified on hardware: ``scripts/gpu_checks.sh`` runs the gated tests on a GPU machine."""
from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Mapping

import numpy as np

from ..errors import EngineUnavailable, InputError
from ..hashing import sha256_path
from .base import Engine, Session, register_engine
from .trt_cache import cache_dir, engine_key, file_lock, timing_cache_path, write_atomic
from .trt_support import probe, unsupported_version

__all__ = ["build_engine", "cache_dir", "engine_path", "TrtSession"]


def _cuda():
    from cuda.bindings import runtime as cudart

    return cudart


def _ok(res):
    err, *rest = res if isinstance(res, tuple) else (res,)
    if int(err) != 0:
        raise EngineUnavailable(f"CUDA error {err}")
    return rest[0] if len(rest) == 1 else rest


def gpu_name() -> str:
    """The GPU's name and compute capability (device 0), e.g. 'Orin (nvgpu) sm87'."""
    props = _ok(_cuda().cudaGetDeviceProperties(0))
    name = props.name.decode(errors="replace") if isinstance(props.name, bytes) else str(props.name)
    return f"{name.strip(chr(0)).strip()} sm{props.major}{props.minor}"


def _trt():
    import tensorrt as trt

    bad = unsupported_version(trt.__version__)
    if bad:
        raise EngineUnavailable(bad)
    return trt


def engine_path(onnx_path: Path, build: Mapping, *, trt_version: str, gpu: str) -> Path:
    key = engine_key(trt_version=trt_version, gpu=gpu, onnx_sha256=sha256_path(onnx_path), build=build)
    return cache_dir() / f"{onnx_path.stem}-{key}.engine"


def _attach_timing_cache(config, path: Path, log) -> None:
    """Load the timing cache for this TensorRT + GPU if there is a usable one, else start empty.
    A missing, unreadable or rejected cache only costs build time, never the build."""
    data = b""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        pass
    except OSError as exc:
        log(f"warning: cannot read the timing cache {path} ({exc}); starting an empty one")
    for blob in ((data, b"") if data else (b"",)):
        try:
            cache = config.create_timing_cache(blob)
        except Exception as exc:  # noqa: BLE001 - a corrupt cache file is skipped, as Polygraphy does
            log(f"warning: ignoring the timing cache {path} ({type(exc).__name__}: {exc})")
            continue
        if cache is not None and config.set_timing_cache(cache, ignore_mismatch=False):
            return
        if blob:
            log(f"warning: TensorRT rejected the timing cache {path}; starting an empty one")
    log("warning: building without a timing cache")


def _save_timing_cache(config, path: Path, log) -> None:
    """Merge this build's timings with what another build may have written meanwhile, under a lock."""
    cache = config.get_timing_cache()
    if cache is None:
        return
    with file_lock(path):
        prev = None
        try:
            prev = config.create_timing_cache(path.read_bytes())
        except FileNotFoundError:
            pass
        except Exception as exc:  # noqa: BLE001
            log(f"warning: not merging the unreadable timing cache {path} ({type(exc).__name__}: {exc})")
        if prev is not None and not cache.combine(prev, ignore_mismatch=True):
            log(f"warning: could not merge the timing cache {path} into this build's")
        write_atomic(path, cache.serialize())


def _network_flags(trt) -> int:
    flag = getattr(trt.NetworkDefinitionCreationFlag, "STRONGLY_TYPED", None)  # accepted and implied on 11.x
    return 0 if flag is None else 1 << int(flag)


def _serialize(trt, onnx_path: Path, build: Mapping, gpu: str, log):
    logger = trt.Logger(trt.Logger.WARNING)
    builder = trt.Builder(logger)
    network = builder.create_network(_network_flags(trt))
    parser = trt.OnnxParser(network, logger)
    if not parser.parse_from_file(str(onnx_path)):
        errors = "; ".join(str(parser.get_error(i)) for i in range(parser.num_errors))
        raise EngineUnavailable(f"TensorRT cannot parse {onnx_path.name}: {errors}")
    config = builder.create_builder_config()
    config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, int(build.get("workspace_mib", 1024)) << 20)
    if build.get("profiles"):
        # One profile covering every dynamic input: TensorRT rejects a profile that leaves any of them
        # unset (SAM's decoder has two, point_coords and point_labels, sharing the point count).
        profile = builder.create_optimization_profile()
        for name, shapes in build["profiles"].items():
            profile.set_shape(name, shapes["min"], shapes["opt"], shapes["max"])
        if config.add_optimization_profile(profile) < 0:
            raise EngineUnavailable(f"TensorRT rejected the optimization profile of {onnx_path.name}: "
                                    f"{dict(build['profiles'])}")
    timing = timing_cache_path(trt.__version__, gpu) if build.get("timing_cache", True) else None
    if timing is not None:
        _attach_timing_cache(config, timing, log)
    log(f"building TensorRT engine for {onnx_path.name} (TensorRT {trt.__version__}, {gpu}, strongly typed) …")
    blob = builder.build_serialized_network(network, config)
    if blob is None:
        raise EngineUnavailable(f"TensorRT failed to build {onnx_path.name} (see the log above)")
    return blob, (lambda: _save_timing_cache(config, timing, log)) if timing is not None else (lambda: None)


def build_engine(onnx_path: Path, build: Mapping, *, log=print) -> Path:
    """Build (or reuse) the cached engine for ``onnx_path`` with the manifest's build settings."""
    trt = _trt()
    onnx_path = Path(onnx_path)
    gpu = gpu_name()
    out = engine_path(onnx_path, build, trt_version=trt.__version__, gpu=gpu)
    if out.exists():
        return out
    with file_lock(out):
        if out.exists():  # another process built it while this one waited
            return out
        blob, save_timings = _serialize(trt, onnx_path, build, gpu, log)
        write_atomic(out, blob)
        save_timings()  # only after a successful build
        out.with_suffix(".json").write_text(json.dumps(
            {"onnx": onnx_path.name, "tensorrt": trt.__version__, "gpu": gpu, "build": build}, indent=1,
            sort_keys=True, default=str))
    return out


class TrtSession(Session):
    def __init__(self, path: Path, *, build: Mapping | None = None, threads: int | None = None):
        trt = _trt()
        self._trt, self._cudart = trt, _cuda()
        plan = build_engine(Path(path), build or {})
        self._runtime = trt.Runtime(trt.Logger(trt.Logger.WARNING))
        self._engine = self._runtime.deserialize_cuda_engine(plan.read_bytes())
        if self._engine is None:
            raise EngineUnavailable(f"TensorRT could not load the cached engine {plan} (corrupt or from another "
                                    "TensorRT/GPU): delete it and run `edgevfm-rt build BUNDLE` again")
        self._ctx = self._engine.create_execution_context()
        if self._ctx is None:
            raise EngineUnavailable(f"TensorRT could not create an execution context for {plan} (GPU memory?)")
        names = [self._engine.get_tensor_name(i) for i in range(self._engine.num_io_tensors)]
        mode = trt.TensorIOMode.INPUT
        self.input_names = [n for n in names if self._engine.get_tensor_mode(n) == mode]
        self.output_names = [n for n in names if self._engine.get_tensor_mode(n) != mode]
        self._bounds = {}  # dynamic inputs: (min, max) of profile 0
        for n in self.input_names:
            if any(int(d) < 0 for d in self._engine.get_tensor_shape(n)):
                lo, _, hi = self._engine.get_tensor_profile_shape(n, 0)
                self._bounds[n] = (tuple(int(d) for d in lo), tuple(int(d) for d in hi))
        self._stream = _ok(self._cudart.cudaStreamCreate())
        self._lock = threading.Lock()  # one execution context and stream: calls from many threads take turns
        self.engine = f"tensorrt {trt.__version__} ({gpu_name()})"

    def _dtype(self, name: str):
        return np.dtype(self._trt.nptype(self._engine.get_tensor_dtype(name)))

    def _check_shape(self, name: str, shape: tuple) -> None:
        if name not in self._bounds:
            return
        lo, hi = self._bounds[name]
        if len(shape) != len(lo) or any(not a <= s <= b for s, a, b in zip(shape, lo, hi)):
            raise InputError(f"input {name!r} has shape {shape}, outside this TensorRT engine's optimization profile "
                             f"(min {lo}, max {hi}; set by the bundle's engine_options.build.profiles)")

    def run(self, feed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        with self._lock:
            return self._run(feed)

    def _run(self, feed: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        missing = [n for n in self.input_names if n not in feed]
        if missing:
            raise InputError(f"missing input(s) {missing} (the engine takes {self.input_names})")
        cudart, kind = self._cudart, self._cudart.cudaMemcpyKind
        buffers = []
        try:
            for n in self.input_names:
                x = np.ascontiguousarray(feed[n], dtype=self._dtype(n))
                self._check_shape(n, x.shape)
                if not self._ctx.set_input_shape(n, x.shape):
                    raise InputError(f"TensorRT refused shape {x.shape} for input {n!r} "
                                     f"(engine shape {tuple(self._engine.get_tensor_shape(n))})")
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
        pip="pip install 'edgevfm-runtime[tensorrt]'  (tensorrt>=10,<11 + cuda-python 12.x; NVIDIA GPU + driver; "
            "on a Jetson: EDGEVFM_JETSON=1 bash scripts/setup.sh, JetPack's own TensorRT)",
        probe=probe,
        open=lambda path, **kw: TrtSession(path, **kw),
    )
)
