"""MobileSAM / SAM pre- and post-processing and the predictor."""
from .predictor import SamPredictor

__all__ = ["SamPredictor"]
