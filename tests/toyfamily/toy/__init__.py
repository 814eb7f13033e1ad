"""A toy model family kept entirely in the tests: the toolkit side (``model.py``, ``family.py``, ``recipes/``)
and the runtime side (``runtime_family.py``). Importing it registers both through the public
registries; nothing in edgevfm or edgevfm_runtime names it (tests/toyfamily/test_toy_family.py)."""
from edgevfm.models import MODELS
from edgevfm_runtime.families import FAMILIES

if "toy" not in FAMILIES:
    from . import runtime_family  # noqa: F401
if "toy" not in MODELS:
    from . import family  # noqa: F401
