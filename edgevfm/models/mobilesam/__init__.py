"""MobileSAM (model name ``sam``, alias ``mobilesam``)."""
from . import family as _family  # noqa: F401  (registers the family)
