"""Export targets. Importing this package registers every target and preset."""
from .base import PRESETS, TARGETS, Converted, Preset, Target, recipe_for, register_preset, register_target

from . import onnx as _onnx  # noqa: E402,F401
from . import openvino as _openvino  # noqa: E402,F401
from . import arm as _arm  # noqa: E402,F401
from . import tflite as _tflite  # noqa: E402,F401
from . import tensorrt as _tensorrt  # noqa: E402,F401
from . import coreml as _coreml  # noqa: E402,F401
from . import executorch as _executorch  # noqa: E402,F401

__all__ = ["PRESETS", "TARGETS", "Converted", "Preset", "Target", "register_preset", "register_target"]
