"""Quantization methods by the name recipes use (``quantize.method``); each is
``fn(src_onnx, dst_onnx, *, feeds, q, emit) -> info`` and imports its engine lazily."""
from __future__ import annotations

from typing import Callable

from ..registry import Registry

ONNX_METHODS: Registry[Callable] = Registry("quantize method")
CALIBRATED = {"ort-static", "nncf"}


def _lazy(module: str, fn: str) -> Callable:
    def run(*args, **kwargs):
        import importlib

        return getattr(importlib.import_module(f"edgevfm.quantize.{module}"), fn)(*args, **kwargs)

    return run


ONNX_METHODS.register("ort-static", _lazy("ort_static", "quantize_static_qdq"))
ONNX_METHODS.register("ort-dynamic", _lazy("ort_dynamic", "quantize_dynamic_int8"))
ONNX_METHODS.register("fp16", _lazy("fp16", "convert_fp16"))
