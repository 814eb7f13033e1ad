"""The labeling tools' venvs (scripts/labeling_tools_env.sh: two pip installs, ~1.5–2 min on a fresh machine,
mostly network) start installing in the background as soon as the run is collected (tests/background.py)."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

import background

ROOT = Path(__file__).resolve().parents[2]
VENVS = Path(os.environ.get("EDGEVFM_LABELING_VENVS", ROOT / ".venv-labeling"))
INSTALL = ["bash", str(ROOT / "scripts" / "labeling_tools_env.sh"), str(VENVS)]


def pytest_collection_finish(session):
    if background.uses(session, "venvs"):
        background.start("labeling", [INSTALL], timeout=1800)


@pytest.fixture(scope="module")
def venvs() -> Path:
    results = background.wait("labeling")
    proc = results[-1] if results else subprocess.run(INSTALL, capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        why = f"the labeling tools could not be installed: {(proc.stderr or proc.stdout)[-800:]}"
        if os.environ.get("CI"):
            pytest.fail(why)  # they are on PyPI: in CI they must install
        pytest.skip(why)
    return VENVS
