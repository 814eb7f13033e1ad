"""In a fresh virtual environment with only edgevfm-runtime[onnx] installed (no torch), a bundle
opens and SamPredictor reproduces the official masks."""
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


@pytest.mark.slow
def test_runtime_alone_in_fresh_venv(tmp_path, sam_golden_bundle, golden_dir):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    pip = [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    constraints = ["-c", str(REPO / "constraints.txt")]
    proc = subprocess.run([*pip, *constraints, f"{REPO / 'runtime'}[onnx]"], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"pip install edgevfm-runtime[onnx] failed:\n{proc.stderr[-2000:]}")
    listed = subprocess.run([str(py), "-m", "pip", "list", "--format=json"], capture_output=True, text=True, check=True)
    names = {p["name"].lower() for p in json.loads(listed.stdout)}
    assert "torch" not in names and "onnxruntime" in names and "edgevfm-runtime" in names
    out = subprocess.run([str(py), str(HERE / "golden_sam_check.py"), str(sam_golden_bundle),
                          str(golden_dir / "mobilesam_chelsea.npz")], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["torch_imported"] is False
    assert res["mask_iou"] >= 0.99 and res["iou_abs"] < 1e-3, res
    # The device-side CLI works there too.
    rt = env_dir / "bin" / "edgevfm-rt"
    img = golden_dir / "mobilesam_chelsea.npz"
    import numpy as np
    from PIL import Image

    Image.fromarray(np.load(img)["image"]).save(tmp_path / "chelsea.png")
    cli = subprocess.run([str(rt), "run", str(sam_golden_bundle), str(tmp_path / "chelsea.png"), "--point", "250,135",
                          "-o", str(tmp_path / "m.png")], capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    assert (tmp_path / "m.png").exists() and (tmp_path / "m_overlay.png").exists()


def readme_device_block(readme: Path, anchor: str = "") -> str:
    """The first ```bash block after ``anchor`` in a README: the instructions a user copies."""
    text = readme.read_text()
    start = text.index("```bash", text.index(anchor))
    return text[start + len("```bash"):text.index("```", start + 3)].strip()


@pytest.mark.slow
def test_readme_device_instructions_verbatim(tmp_path, sam_bundle):
    """README.md's device block, run as written in a folder holding what it names: the wheel from
    scripts/build_wheels.sh, the bundle, a photo. Its venv is created by the block itself (no system
    site packages), so nothing from this environment leaks in."""
    import shutil

    import numpy as np
    from PIL import Image

    dist = tmp_path / "dist"
    built = subprocess.run(["bash", str(REPO / "scripts" / "build_wheels.sh"), str(dist)], capture_output=True,
                           text=True, env={**os.environ, "PYTHON": sys.executable})
    assert built.returncode == 0, built.stderr[-2000:]
    device = tmp_path / "device"
    device.mkdir()
    shutil.copy(next(dist.glob("edgevfm_runtime-*.whl")), device)
    shutil.copytree(sam_bundle, device / "sam-vit_t-onnx-fp32")
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (300, 400, 3), dtype=np.uint8)).save(device / "photo.jpg")
    block = readme_device_block(REPO / "README.md", "On the device")
    assert "edgevfm_runtime-*.whl" in block and "sam-vit_t-onnx-fp32/" in block
    # as on a fresh machine: no PYTHONPATH or active venv from this test run leaking into the new one
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if not Path(p, "activate").exists())
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=device, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert (device / "mask.png").exists() and (device / "mask_overlay.png").exists()
    # the runtime README names the same bundle folder the export writes
    assert "sam-vit_t-onnx-fp32/" in readme_device_block(REPO / "runtime" / "README.md")
