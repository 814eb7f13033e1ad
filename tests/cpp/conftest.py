"""Builds cpp/ once per session (cached under build/cpp-tests, or EDGEVFM_CPP_BUILD; incremental) and
exports the bundles the C++ runtime is compared on. Skips only where no C++ compiler or CMake is installed.

Build cost: one Ninja build of the library, CLI and example (engines on) shared by every test here; the
GoogleTest units are built once, in the ASan/UBSan build (test_units_under_asan_ubsan: no engines, -O1,
line tables only), not a second time here. Both start in the background as soon as the run is collected
(tests/background.py), so they overlap with the tests before these."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

import background

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("EDGEVFM_CPP_BUILD", REPO / "build" / "cpp-tests"))
JOBS = str(max(os.cpu_count() or 1, 1))


def build_commands(build: Path, options: list[str], target: str | None = None) -> list[list[str]]:
    """cmake configure (Ninja when installed and the folder is new) and build."""
    args = ["cmake", "-S", str(REPO / "cpp"), "-B", str(build), *options]
    if shutil.which("ninja") and not (build / "CMakeCache.txt").exists():
        args += ["-G", "Ninja"]
    return [args, ["cmake", "--build", str(build), "-j", JOBS] + (["--target", target] if target else [])]


def assert_built(results: list[subprocess.CompletedProcess]) -> None:
    """Fail with the tail of the log of the first command that failed."""
    for proc in results:
        assert proc.returncode == 0, f"{' '.join(proc.args)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"


def configure_and_build(build: Path, options: list[str], target: str | None = None) -> None:
    results = []
    for cmd in build_commands(build, options, target):
        results.append(subprocess.run(cmd, capture_output=True, text=True))
        if results[-1].returncode != 0:
            break
    assert_built(results)


def _openvino_cmake_dir() -> str | None:
    try:
        import openvino
    except ImportError:
        return None
    d = Path(openvino.__file__).parent / "cmake"
    return str(d) if (d / "OpenVINOConfig.cmake").exists() else None


def _executorch_cmake_dir() -> str | None:
    import importlib.util

    spec = importlib.util.find_spec("executorch")
    if spec is None or not spec.submodule_search_locations:
        return None
    d = Path(list(spec.submodule_search_locations)[0]) / "share" / "cmake"
    return str(d) if (d / "executorch-config.cmake").exists() else None


def built_engines() -> set[str]:
    """The engines the harness builds into the library: those whose SDK is installed here."""
    return {e for e, found in (("openvino", _openvino_cmake_dir()), ("executorch", _executorch_cmake_dir())) if found}


def have_toolchain() -> bool:
    return shutil.which("cmake") is not None and any(shutil.which(c) for c in ("c++", "g++", "clang++"))


def release_options() -> list[str]:
    """The library, CLI and example with every engine whose SDK is installed."""
    ov, et = _openvino_cmake_dir(), _executorch_cmake_dir()
    options = ["-DBUILD_SHARED_LIBS=ON", "-DCMAKE_BUILD_TYPE=Release", "-DEDGEVFM_BUILD_TESTS=OFF", "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON",
               f"-DEDGEVFM_WITH_OPENVINO={'ON' if ov else 'OFF'}",
               f"-DEDGEVFM_WITH_EXECUTORCH={'ON' if et else 'OFF'}"]
    options += [f"-DOpenVINO_DIR={ov}"] if ov else []
    options += [f"-Dexecutorch_DIR={et}"] if et else []
    return options


# The GoogleTest units with AddressSanitizer + UndefinedBehaviorSanitizer (no engine: the engines' own
# libraries are not instrumented): only the test target, static, at -O1 with line tables (enough for the
# sanitizers' stack traces).
ASAN_BUILD = Path(os.environ.get("EDGEVFM_CPP_ASAN_BUILD", BUILD.parent / (BUILD.name + "-asan")))
ASAN_OPTIONS = ["-DEDGEVFM_SANITIZE=ON", "-DEDGEVFM_WITH_OPENVINO=OFF", "-DEDGEVFM_WITH_EXECUTORCH=OFF",
                "-DEDGEVFM_BUILD_TOOLS=OFF", "-DBUILD_SHARED_LIBS=OFF", "-DCMAKE_BUILD_TYPE=Debug",
                "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1"]
ASAN_TARGET = "edgevfm_tests"


def pytest_collection_finish(session):
    """Start the builds in the background (tests/background.py) when a selected test needs them."""
    if not have_toolchain():
        return
    if background.uses(session, "cpp_build"):
        background.start("cpp", build_commands(BUILD, release_options()))
    if background.uses(session, "cpp_asan_build"):
        background.start("cpp-asan", build_commands(ASAN_BUILD, ASAN_OPTIONS, ASAN_TARGET), after="cpp")


def _built(name: str, build: Path, options: list[str], target: str | None = None) -> Path:
    if not have_toolchain():
        pytest.skip("the C++ runtime needs CMake and a C++17 compiler (scripts/setup.sh installs them as root)")
    results = background.wait(name)
    if results is None:
        configure_and_build(build, options, target)
    else:
        assert_built(results)
    return build


@pytest.fixture(scope="session")
def cpp_build() -> Path:
    return _built("cpp", BUILD, release_options())


@pytest.fixture(scope="session")
def cpp_asan_build() -> Path:
    return _built("cpp-asan", ASAN_BUILD, ASAN_OPTIONS, ASAN_TARGET)


@pytest.fixture(scope="session")
def cpp_lib(cpp_build):
    """The C ABI (edgevfm_c.h) through ctypes."""
    from .capi import load

    return load(cpp_build / "libedgevfm.so")


def _export(tmp_path_factory, model: str, target: str, weights: Path) -> Path:
    from edgevfm.export.pipeline import export

    out = tmp_path_factory.mktemp("cpp-bundles") / f"{model}-{target}"
    # These bundles test the C++ runtime, not the accuracy budget: an INT8 miss (SAM x86-int8 on the generated
    # checkpoint, 20 dB) goes straight to the full-fallback rung instead of searching.
    overrides = ["quantize.sensitivity.max_seconds=0"] if target.endswith("int8") else []
    export(model, target=target, weights=str(weights), output=out, emit=lambda s: None, overrides=overrides)
    return out


GOLDEN_WEIGHTS = {"sam": "mobilesam.pt", "dinov2": "dinov2_vits14.pth", "clip": "clip.pt"}


@pytest.fixture(scope="session")
def cpp_bundle(tmp_path_factory, golden_dir, request):
    """bundle(model, target) -> path, exported once per session from the golden checkpoint (SAM x86-int8:
    the suite's shared seeded bundle, the slowest export there is)."""
    cache: dict[tuple[str, str], Path] = {}

    reuse = os.environ.get("EDGEVFM_CPP_BUNDLES")  # a folder of {model}-{target} bundles exported earlier

    def get(model: str, target: str) -> Path:
        from edgevfm.targets import PRESETS

        if target not in PRESETS:
            pytest.skip(f"the toolkit in this tree has no {target} preset")
        if reuse and (Path(reuse) / f"{model}-{target}" / "manifest.json").exists():
            return Path(reuse) / f"{model}-{target}"
        if (model, target) == ("sam", "x86-int8"):
            return request.getfixturevalue("sam_x86_int8_bundle")
        if (model, target) not in cache:
            cache[(model, target)] = _export(tmp_path_factory, model, target, golden_dir / GOLDEN_WEIGHTS[model])
        return cache[(model, target)]

    return get
