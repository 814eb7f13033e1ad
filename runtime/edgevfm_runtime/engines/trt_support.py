"""Which TensorRT this runtime supports, and whether this machine can run it at all (an NVIDIA GPU
seen through cuda-python). The TensorRT engine's probe: a missing package, an unsupported version
or a machine without a CUDA device each give one reason naming the fix."""
from __future__ import annotations

import importlib
import re

# TensorRT 10.x: strongly typed networks, explicit Q/DQ quantization, name-based IO (execute_async_v3).
# 8.6 (JetPack 6.0) has no STRONGLY_TYPED flag; 11.x is not supported on JetPack and not yet verified here.
SUPPORTED = ((10, 0), (11, 0))  # [min, max)
SUPPORTED_TEXT = "TensorRT 10.x (>=10.0,<11; JetPack 6.1/6.2 ship 10.3)"
CUDA_PYTHON = "cuda-python>=12.6.1,<13"  # cuda.bindings first appears in 12.6.1; 13.x needs a newer driver than JetPack 6


def version_tuple(version: str) -> tuple[int, int]:
    m = re.match(r"\s*(\d+)\.(\d+)", str(version))
    if not m:
        raise ValueError(f"unrecognised TensorRT version {version!r}")
    return int(m.group(1)), int(m.group(2))


def unsupported_version(version: str) -> str | None:
    """None when ``version`` is supported, else the refusal naming what is."""
    try:
        v = version_tuple(version)
    except ValueError as exc:
        return f"TensorRT {version!r} is not supported ({exc}): edgevfm supports {SUPPORTED_TEXT}"
    lo, hi = SUPPORTED
    if lo <= v < hi:
        return None
    hint = ("on a Jetson, upgrade to JetPack 6.1 or newer" if v < lo
            else "install `pip install 'tensorrt>=10,<11'` (or use JetPack 6's system TensorRT)")
    return f"TensorRT {version} is not supported: edgevfm supports {SUPPORTED_TEXT}; {hint}"


def cuda_device_count(cudart) -> tuple[int, str | None]:
    """(devices, None) or (0, why) from cuda-python's runtime bindings."""
    res = cudart.cudaGetDeviceCount()
    err, count = res if isinstance(res, tuple) else (res, 0)
    if int(err) != 0:
        return 0, f"CUDA reports {err!s} (no usable NVIDIA GPU/driver for {CUDA_PYTHON})"
    if int(count) < 1:
        return 0, "CUDA sees no GPU"
    return int(count), None


def probe() -> str | None:
    """None when TensorRT can build and run engines here, else why not."""
    try:
        trt = importlib.import_module("tensorrt")
    except ImportError as exc:
        return f"tensorrt is not installed ({exc}); TensorRT needs an NVIDIA GPU"
    bad = unsupported_version(getattr(trt, "__version__", "?"))
    if bad:
        return bad
    try:
        cudart = importlib.import_module("cuda.bindings.runtime")
    except ImportError as exc:
        return f"cuda.bindings is not installed ({exc}); install `{CUDA_PYTHON}`"
    try:
        _, why = cuda_device_count(cudart)
    except Exception as exc:  # noqa: BLE001 - a broken driver stack is a reason, not a crash
        return f"CUDA is not usable here ({type(exc).__name__}: {exc})"
    return why
