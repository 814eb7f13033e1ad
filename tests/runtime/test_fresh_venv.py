"""In a fresh virtual environment with only edgevfm-runtime[onnx] installed (no torch), a bundle
opens and SamPredictor reproduces the official masks."""
import json
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
