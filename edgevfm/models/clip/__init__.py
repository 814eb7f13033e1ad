"""CLIP (model name ``clip``; variants ``vit-b-32``, ``vit-b-32-laion2b``, ``tinyclip-8m16``, ``tinyclip-40m32``)."""
from . import family as _family  # noqa: F401  (registers the family)
