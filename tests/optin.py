"""The extended tier: tests whose code path the default run already covers on a smaller or golden
model, kept for a full-size check. ``EDGEVFM_FULL_TESTS=1 bash scripts/test.sh`` runs them too."""
import os

import pytest

FULL = os.environ.get("EDGEVFM_FULL_TESTS") == "1"

full_only = pytest.mark.skipif(not FULL, reason="extended tier (default run covers the path on a smaller model): "
                                               "EDGEVFM_FULL_TESTS=1")
