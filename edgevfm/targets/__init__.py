"""Export targets. Importing this package registers every target and preset."""
from .base import PRESETS, TARGETS, Preset, Target, register_preset, register_target

from . import onnx as _onnx  # noqa: E402,F401

__all__ = ["PRESETS", "TARGETS", "Preset", "Target", "register_preset", "register_target"]
