"""Installed versions of the tools that shape a bundle or a measurement (recorded in manifests and bench results)."""
from __future__ import annotations

import importlib.metadata as md

TOOLS = ("edgevfm", "edgevfm-runtime", "numpy", "torch", "onnx", "onnxruntime", "openvino", "nncf", "coremltools",
         "ai-edge-litert", "litert-torch", "ai-edge-quantizer", "tensorrt")


def tool_versions() -> dict[str, str]:
    out = {}
    for name in TOOLS:
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            pass
    return out
