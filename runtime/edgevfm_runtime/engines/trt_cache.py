"""Where TensorRT engines and timing caches live on the device, and what keys them.

An engine is valid only for the TensorRT version, GPU, ONNX file *and* build settings it was built
with, so all four go into its file name: a session opened with other settings (profiles, workspace,
typing) builds its own engine instead of silently reusing a stale one. A timing cache is valid for
one TensorRT version + GPU: one file per pair. Builds and timing-cache writes take a file lock, so
concurrent processes neither build the same engine twice nor lose each other's timings."""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Mapping


def cache_dir() -> Path:
    return Path(os.environ.get("EDGEVFM_TRT_CACHE", Path.home() / ".cache" / "edgevfm" / "tensorrt"))


def settings_digest(build: Mapping) -> str:
    """A stable hash of the build settings (key order does not matter)."""
    return hashlib.sha256(json.dumps(build, sort_keys=True, default=str).encode()).hexdigest()


def engine_key(*, trt_version: str, gpu: str, onnx_sha256: str, build: Mapping) -> str:
    material = json.dumps({"tensorrt": trt_version, "gpu": gpu, "onnx": onnx_sha256, "build": settings_digest(build)},
                          sort_keys=True)
    return hashlib.sha256(material.encode()).hexdigest()[:24]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-") or "gpu"


def timing_cache_path(trt_version: str, gpu: str) -> Path:
    return cache_dir() / f"timing-trt{_slug(trt_version)}-{_slug(gpu)}.cache"


@contextlib.contextmanager
def file_lock(path: Path):
    """An exclusive advisory lock on ``path`` + '.lock', held for the ``with`` block (blocks until free)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(str(path) + ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if os.name == "nt":  # pragma: no cover - TensorRT on Windows
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def write_atomic(path: Path, data) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(memoryview(data))
    tmp.replace(path)
