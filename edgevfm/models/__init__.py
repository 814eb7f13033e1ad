"""Model families. Importing this package registers every family."""
from .spec import MODELS, Component, ModelFamily, TensorSpec, get_model, register_model

from . import mobilesam as _mobilesam  # noqa: E402,F401

__all__ = ["MODELS", "Component", "ModelFamily", "TensorSpec", "get_model", "register_model"]
