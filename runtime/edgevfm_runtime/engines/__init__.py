"""Inference engines, by name. Each engine module registers itself; heavy imports happen only
when a session is created, so a missing engine is reported, never a crash at import."""
from __future__ import annotations

from .base import ENGINES, Engine, Session, get_engine, register_engine

# Importing the modules registers them; they import nothing heavy at module level.
from . import onnxruntime as _onnxruntime  # noqa: F401,E402
from . import openvino as _openvino  # noqa: F401,E402
from . import litert as _litert  # noqa: F401,E402
from . import tensorrt as _tensorrt  # noqa: F401,E402
from . import coreml as _coreml  # noqa: F401,E402
from . import executorch as _executorch  # noqa: F401,E402

__all__ = ["ENGINES", "Engine", "Session", "get_engine", "register_engine"]
