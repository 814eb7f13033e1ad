"""Model families. Importing this package registers every family."""
from .spec import MODELS, Component, ModelFamily, TensorSpec, get_model, register_model

from . import clip as _clip  # noqa: E402,F401
from . import dinov2 as _dinov2  # noqa: E402,F401
from . import mobilesam as _mobilesam  # noqa: E402,F401

__all__ = ["MODELS", "Component", "ModelFamily", "TensorSpec", "get_model", "register_model"]
