"""`edgevfm check`: the bundle's parity against a reference rebuilt here (torch FP32 with the
bundle's weights) or any reference the runtime can use (golden.npz, saved outputs, another bundle)."""
from .reference import toolkit_reference
from .torch_model import TorchModel, load_torch_model

__all__ = ["toolkit_reference", "TorchModel", "load_torch_model"]
