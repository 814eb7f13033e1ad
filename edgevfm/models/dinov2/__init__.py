"""DINOv2 ViT-S/14 (model name ``dinov2``; variants ``vits14``, ``vits14-reg``)."""
from . import family as _family  # noqa: F401  (registers the family)
