"""MobileSAM / SAM pre- and post-processing and the predictor."""
from .embedding import ImageEmbedding
from .predictor import SamPredictor

__all__ = ["ImageEmbedding", "SamPredictor"]
