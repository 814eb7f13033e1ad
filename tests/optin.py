"""The extended tier: tests that the default run (what CI runs, kept well under 30 min on 2 cores) leaves out
because the same code path is already covered there on a smaller or golden model, or that are whole-toolchain
checks better run before a release than on every change (clang-tidy). One switch runs
them all: ``EDGEVFM_FULL_TESTS=1 bash scripts/test.sh``. The older per-area switches
(``EDGEVFM_EXECUTORCH_SAM_TEST``, ``EDGEVFM_DISTILL_EXPORT_TEST``) still select their own part."""
import os

import pytest

FULL = os.environ.get("EDGEVFM_FULL_TESTS") == "1"


def opted_in(legacy: str | None = None) -> bool:
    return FULL or (legacy is not None and os.environ.get(legacy) == "1")


def full_only_because(why: str, legacy: str | None = None):
    """A skip marker naming what the test costs and the switch that runs it."""
    switch = "EDGEVFM_FULL_TESTS=1" + (f" (or {legacy}=1)" if legacy else "")
    return pytest.mark.skipif(not opted_in(legacy), reason=f"extended tier ({why}): {switch}")


full_only = full_only_because("default run covers the path on a smaller model")
