"""`edgevfm device setup`: push the locally built runtime wheel, make a venv on the device, install the
wheel with one engine extra there (pip on the device fetches the engine), and record the device's facts."""
from __future__ import annotations

import json
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

from . import ssh
from .registry import Device, DeviceError, update_device

ENGINE_EXTRAS = ("onnx", "openvino", "tflite", "none")  # none: the engine comes with the OS (JetPack's TensorRT)
REPO = Path(__file__).resolve().parents[2]


def build_runtime_wheel(out_dir: Path) -> Path:
    """The edgevfm-runtime wheel from this checkout (what scripts/build_wheels.sh builds), without an index."""
    src = REPO / "runtime"
    if not (src / "pyproject.toml").exists():
        raise DeviceError(f"no runtime sources at {src}: build the wheel with scripts/build_wheels.sh and pass --wheel")
    try:
        import setuptools  # noqa: F401 - present: build without isolation, so nothing is downloaded
        iso = ["--no-build-isolation"]
    except ImportError:
        iso = []
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check", "--no-deps",
                           *iso, "-w", str(out_dir), str(src)], capture_output=True, text=True)
    wheels = sorted(out_dir.glob("edgevfm_runtime-*.whl"))
    if proc.returncode != 0 or not wheels:
        raise DeviceError(f"building the runtime wheel failed: {(proc.stderr.strip().splitlines() or ['?'])[-1]}")
    return wheels[-1]


def remote_rt(device: Device) -> str:
    return f"{device.root}/venv/bin/edgevfm-rt"


def setup_device(device: Device, *, engine: str = "onnx", wheel: str | Path | None = None,
                 system_site_packages: bool = False, emit=print) -> dict:
    if engine not in ENGINE_EXTRAS:
        raise DeviceError(f"unknown engine {engine!r} for a device (choose: {', '.join(ENGINE_EXTRAS)})")
    with tempfile.TemporaryDirectory(prefix="edgevfm-wheel-") as tmp:
        whl = Path(wheel) if wheel else build_runtime_wheel(Path(tmp))
        if not whl.is_file():
            raise DeviceError(f"wheel {whl} not found")
        root = device.root
        remote_whl = f"{root}/wheels/{whl.name}"
        emit(f"{device.name}: copying {whl.name}")
        ssh.put_file(device, whl, remote_whl, what="copying the runtime wheel")
    q, w = shlex.quote, shlex.quote(remote_whl)
    pip = f"{q(root)}/venv/bin/python -m pip -q --disable-pip-version-check"
    emit(f"{device.name}: venv {root}/venv, pip install {whl.name}[{engine}]")
    venv = "python3 -m venv " + ("--system-site-packages " if system_site_packages else "") + f"{q(root)}/venv"
    spec = remote_whl if engine == "none" else f"{remote_whl}[{engine}]"
    ssh.run(device, f"set -e; cd; (test -x {q(root)}/venv/bin/python || {venv}); "
                    f"{pip} install {q(spec)}; {pip} install --force-reinstall --no-deps {w}",
            what=f"installing edgevfm-runtime[{engine}]", timeout=1800)
    proc = ssh.run(device, f"{q(remote_rt(device))} facts --json", what="reading the device's facts", timeout=120)
    try:
        facts = json.loads(proc.stdout)
    except ValueError:
        raise DeviceError(f"device {device.name!r} answered `edgevfm-rt facts` with no JSON: {proc.stdout[-200:]!r}") from None
    device.facts, device.engine = facts, engine
    update_device(device)
    return facts


def require_setup(device: Device) -> str:
    rt = remote_rt(device)
    proc = ssh.run(device, f"test -x {shlex.quote(rt)}", what="looking for the runtime", ok=(0, 1))
    if proc.returncode != 0:
        raise DeviceError(f"device {device.name!r} has no runtime at {rt}: run `edgevfm device setup {device.name}`")
    return rt
