"""The `edgevfm` and `edgevfm-rt` command lines."""
import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from edgevfm.cli.main import main


def test_list_json(capsys):
    assert main(["list", "models", "--json"]) == 0
    models = json.loads(capsys.readouterr().out)["models"]
    sam = next(m for m in models if m["name"] == "sam")
    assert sam["aliases"] == ["mobilesam"] and sam["family"] == "mobilesam"
    assert main(["list", "targets", "--json"]) == 0
    targets = {t["name"]: t for t in json.loads(capsys.readouterr().out)["targets"]}
    assert targets["onnx-fp32"]["engine"] == "onnxruntime" and targets["onnx-fp32"]["available"] == "yes"


def test_unknown_target_error(capsys):
    assert main(["export", "sam", "--target", "onnx-fp33", "--weights", "random:0"]) == 2
    assert "did you mean 'onnx-fp32'" in capsys.readouterr().err


@pytest.fixture(scope="module")
def photo(tmp_path_factory):
    import skimage.data

    p = tmp_path_factory.mktemp("img") / "chelsea.jpg"
    Image.fromarray(skimage.data.chelsea()).save(p)
    return p


def test_run_writes_mask_and_overlay(sam_bundle, photo, tmp_path, capsys):
    out = tmp_path / "mask.png"
    assert main(["run", str(sam_bundle), str(photo), "--point", "250,135", "--point", "90,240,0",
                 "--box", "90,45,360,270", "-o", str(out)]) == 0
    text = capsys.readouterr()
    assert "RANDOM weights" in text.err and "CPUExecutionProvider" in text.out
    mask = np.asarray(Image.open(out))
    assert mask.shape == (300, 451) and set(np.unique(mask)) <= {0, 255}
    overlay = np.asarray(Image.open(tmp_path / "mask_overlay.png"))
    assert overlay.shape == (300, 451, 3)


def test_run_bad_prompt_is_a_clear_error(sam_bundle, photo, capsys):
    assert main(["run", str(sam_bundle), str(photo), "--point", "9999,1"]) == 2
    assert "lies outside the 451x300 image" in capsys.readouterr().err
    assert main(["run", str(sam_bundle), str(photo), "--point", "a,b"]) == 2
    assert "--point expects X,Y" in capsys.readouterr().err


def test_check_exit_code(sam_bundle, capsys):
    assert main(["check", str(sam_bundle)]) == 0
    assert "PASSED" in capsys.readouterr().out


def test_runtime_cli_in_torch_free_process(sam_bundle, photo, tmp_path):
    code = ("import sys; sys.modules['torch'] = None\n"
            "from edgevfm_runtime.cli import main\n"
            f"rc = main(['run', {str(sam_bundle)!r}, {str(photo)!r}, '--point', '250,135', '-o', {str(tmp_path / 'm.png')!r}])\n"
            "assert sys.modules.get('torch') is None\n"
            "sys.exit(rc)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "m.png").exists() and (tmp_path / "m_overlay.png").exists()
    info = subprocess.run([sys.executable, "-m", "edgevfm_runtime.cli", "info", str(sam_bundle)],
                          capture_output=True, text=True)
    assert info.returncode == 0 and "encoder: encoder.onnx" in info.stdout


def test_run_dinov2_and_clip(tmp_path, photo, capsys):
    from edgevfm.export.pipeline import export

    dino = export("dinov2", target="onnx-fp32", weights="random:0", output=tmp_path / "d",
                  overrides=["input_size=[112, 112]"], emit=lambda s: None).path
    assert main(["run", str(dino), str(photo), "-o", str(tmp_path / "f.npy")]) == 0
    assert np.load(tmp_path / "f.npy").shape == (8, 8, 384)
    pca = np.asarray(Image.open(tmp_path / "f_pca.png"))
    assert pca.shape == (300, 2 * 451, 3) and pca[:, 451:].std() > 0  # photo | PCA picture side by side
    clip = export("clip", variant="tinyclip-8m16", target="onnx-fp32", weights="random:0", output=tmp_path / "c",
                  emit=lambda s: None).path
    capsys.readouterr()
    assert main(["run", str(clip), str(photo), "--text", "a cat", "--text", "a dog"]) == 0
    out = capsys.readouterr().out
    rows = [l for l in out.splitlines() if l.startswith(("a cat", "a dog"))]
    assert len(rows) == 2 and abs(sum(float(r.split()[2]) for r in rows) - 1) < 1e-3
