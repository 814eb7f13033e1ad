"""edgevfm-runtime: open an edgevfm bundle and run it with numpy + Pillow + one engine (never torch)."""
from .bundle import Bundle, open
from .embed import DenseFeatures, ImageEmbedder, TextEmbedder, classify
from .errors import BundleError, EdgeVFMError, EngineUnavailable, InputError, SignatureError
from .image import load_rgb
from .sam import ImageEmbedding, SamPredictor

__version__ = "0.1.0"

__all__ = [
    "Bundle", "open", "SamPredictor", "ImageEmbedding", "ImageEmbedder", "TextEmbedder", "DenseFeatures", "classify",
    "load_rgb", "BundleError", "EdgeVFMError", "EngineUnavailable", "InputError", "SignatureError", "__version__",
]
