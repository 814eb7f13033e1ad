"""The install paths: ``edgevfm-runtime[tensorrt]`` cannot resolve to TensorRT 11 or CUDA 13 bindings
(which the code does not support), and the Jetson set-up refuses, with the fix, a Python that cannot
see JetPack's TensorRT."""
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from edgevfm_runtime.engines.trt_support import SUPPORTED, unsupported_version

ROOT = Path(__file__).resolve().parents[2]


def _extra(name):
    meta = tomllib.loads((ROOT / "runtime" / "pyproject.toml").read_text())
    return {r.name: r.specifier for r in map(Requirement, meta["project"]["optional-dependencies"][name])}


@pytest.mark.parametrize("version, ok", [("10.0.1", True), ("10.3.0", True), ("10.16.0", True), ("11.0.0", False),
                                         ("11.1.0", False), ("8.6.2", False)])
def test_tensorrt_extra_matches_the_supported_versions(version, ok):
    assert _extra("tensorrt")["tensorrt"].contains(version) is ok
    assert (unsupported_version(version) is None) is ok
    assert SUPPORTED == ((10, 0), (11, 0))


@pytest.mark.parametrize("version, ok", [("12.6.0", False), ("12.6.1", True), ("12.9.2", True), ("13.0.0", False)])
def test_cuda_python_pin(version, ok):
    assert _extra("tensorrt")["cuda-python"].contains(version) is ok


def test_jetson_setup_refuses_a_python_without_system_tensorrt(tmp_path):
    probe = subprocess.run([sys.executable, "-c", "import tensorrt"], capture_output=True)
    if probe.returncode == 0:
        pytest.skip("this Python has tensorrt")
    res = subprocess.run(["bash", str(ROOT / "scripts" / "setup.sh")], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "EDGEVFM_JETSON": "1", "PYTHON": sys.executable})
    assert res.returncode == 2 and "python3-libnvinfer" in res.stderr
    assert not (ROOT / ".venv" / ".edgevfm-setup-jetson").exists()
