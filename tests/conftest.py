"""Shared fixtures: golden/design folders, one exported MobileSAM bundle per session, and the schema
check of every manifest the suite writes."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import background
from export_log import pytest_configure, pytest_terminal_summary  # noqa: F401 (hooks)

REPO = Path(__file__).resolve().parent.parent


def _shared(env: str, sub: str) -> Path:
    return Path(os.environ.get(env, REPO.parent / "shared" / sub))


def _shared_or_generated(env: str, sub: str, probe: str) -> Path:
    """``../shared/<sub>`` (or ``$env``) where it exists, else the folder generated from the official
    code on PyPI (tests/reference, built once per machine)."""
    d = _shared(env, sub)
    if (d / probe).exists():
        return d
    from reference.cache import generated_dir

    return generated_dir() / sub


def pytest_sessionfinish(session):
    background.stop_all()


@pytest.fixture(scope="session", autouse=True)
def bounded_fallback_search():
    """INT8 exports whose all-INT8 model misses its target (e.g. SAM on the generated reference checkpoint,
    or a host whose int8 kernels round differently) search for at most 300 s, then keep the component in
    float, instead of the 600 s a user gets; tests of the search itself set ``max_seconds`` in the recipe."""
    from edgevfm.quantize.sensitivity import SECONDS_ENV

    saved = os.environ.get(SECONDS_ENV)
    os.environ.setdefault(SECONDS_ENV, "300")
    yield
    if saved is None:
        os.environ.pop(SECONDS_ENV, None)


@pytest.fixture(scope="session", autouse=True)
def manifests_follow_the_schema():
    """Every manifest the suite's exports write, in this process or a subprocess, is checked against
    the published manifest.schema.json (a violation fails the export)."""
    from edgevfm_runtime.manifest_schema import ENV

    saved = os.environ.get(ENV)
    os.environ[ENV] = "1"
    yield
    if saved is None:
        os.environ.pop(ENV, None)
    else:
        os.environ[ENV] = saved


@pytest.fixture(scope="session")
def golden_dir() -> Path:
    return _shared_or_generated("EDGEVFM_GOLDEN_DIR", "golden", "mobilesam.pt")


@pytest.fixture(scope="session")
def design_dir() -> Path:
    return _shared_or_generated("EDGEVFM_DESIGN_DIR", "design", "keys/mobilesam_keys.txt")


@pytest.fixture(scope="session")
def sam_bundle(tmp_path_factory) -> Path:
    """An onnx-fp32 MobileSAM bundle exported from seeded random weights (the pipeline under test)."""
    from edgevfm.export.pipeline import export

    out = tmp_path_factory.mktemp("bundles") / "sam-vit_t-onnx-fp32"
    export("sam", target="onnx-fp32", weights="random:0", output=out, emit=lambda s: None)
    return out


@pytest.fixture(scope="session")
def sam_x86_int8_bundle(tmp_path_factory) -> Path:
    """A MobileSAM x86-int8 bundle from seeded random weights with the default recipe (its accuracy budget
    on): the slowest export of the suite (NNCF on the full-size encoder, ~2 min), so made once and shared by
    the quantization tests and the C++ runtime's."""
    from edgevfm.export.pipeline import export

    out = tmp_path_factory.mktemp("bundles") / "sam-vit_t-x86-int8"
    export("sam", target="x86-int8", weights="random:0", output=out, emit=lambda s: None)
    return out


@pytest.fixture(scope="session")
def sam_golden_bundle(tmp_path_factory, golden_dir) -> Path:
    """An onnx-fp32 MobileSAM bundle exported from the golden (official-format) checkpoint."""
    from edgevfm.export.pipeline import export

    out = tmp_path_factory.mktemp("bundles") / "sam-golden-onnx-fp32"
    export("sam", target="onnx-fp32", weights=str(golden_dir / "mobilesam.pt"), output=out, emit=lambda s: None)
    return out
