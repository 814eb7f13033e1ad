"""Builds cpp/ once per session (cached under build/cpp-tests, incremental) and exports the bundles
the C++ runtime is compared on. Skips only where no C++ compiler or CMake is installed."""
from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("EDGEVFM_CPP_BUILD", REPO / "build" / "cpp-tests"))


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


@pytest.fixture(scope="session")
def cpp_build() -> Path:
    if shutil.which("cmake") is None or not (shutil.which("c++") or shutil.which("g++") or shutil.which("clang++")):
        pytest.skip("the C++ runtime needs CMake and a C++17 compiler (scripts/setup.sh installs them as root)")
    ov = _openvino_cmake_dir()
    args = ["cmake", "-S", str(REPO / "cpp"), "-B", str(BUILD), "-DBUILD_SHARED_LIBS=ON", "-DCMAKE_BUILD_TYPE=Release",
            f"-DEDGEVFM_WITH_OPENVINO={'ON' if ov else 'OFF'}"]
    if ov:
        args.append(f"-DOpenVINO_DIR={ov}")
    et = _executorch_cmake_dir()
    args.append(f"-DEDGEVFM_WITH_EXECUTORCH={'ON' if et else 'OFF'}")
    if et:
        args.append(f"-Dexecutorch_DIR={et}")
    if shutil.which("ninja") and not (BUILD / "CMakeCache.txt").exists():
        args += ["-G", "Ninja"]
    for cmd in (args, ["cmake", "--build", str(BUILD), "-j", "2"]):
        proc = subprocess.run(cmd, capture_output=True, text=True)
        assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return BUILD


@pytest.fixture(scope="session")
def cpp_lib(cpp_build):
    """The C ABI (edgevfm_c.h) through ctypes."""
    from .capi import load

    return load(cpp_build / "libedgevfm.so")


def _export(tmp_path_factory, model: str, target: str, weights: Path) -> Path:
    from edgevfm.export.pipeline import export

    out = tmp_path_factory.mktemp("cpp-bundles") / f"{model}-{target}"
    export(model, target=target, weights=str(weights), output=out, emit=lambda s: None)
    return out


GOLDEN_WEIGHTS = {"sam": "mobilesam.pt", "dinov2": "dinov2_vits14.pth", "clip": "clip.pt"}


@pytest.fixture(scope="session")
def cpp_bundle(tmp_path_factory, golden_dir):
    """bundle(model, target) -> path, exported once per session from the golden checkpoint."""
    cache: dict[tuple[str, str], Path] = {}

    reuse = os.environ.get("EDGEVFM_CPP_BUNDLES")  # a folder of {model}-{target} bundles exported earlier

    def get(model: str, target: str) -> Path:
        from edgevfm.targets import PRESETS

        if target not in PRESETS:
            pytest.skip(f"the toolkit in this tree has no {target} preset")
        if reuse and (Path(reuse) / f"{model}-{target}" / "manifest.json").exists():
            return Path(reuse) / f"{model}-{target}"
        if (model, target) not in cache:
            cache[(model, target)] = _export(tmp_path_factory, model, target, golden_dir / GOLDEN_WEIGHTS[model])
        return cache[(model, target)]

    return get
