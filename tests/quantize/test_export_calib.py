"""`edgevfm export --calib DIR`: a bad calibration folder stops the export before any conversion,
with the reason, and leaves nothing behind."""
import numpy as np
from PIL import Image

from edgevfm.cli.main import build_parser, main


def test_cli_accepts_calib_and_parity_target():
    a = build_parser().parse_args(["export", "sam", "--target", "x86-int8", "--calib", "photos/", "--parity-target", "32"])
    assert (a.calib, a.parity_target) == ("photos/", 32.0)


def test_empty_calib_folder_fails_early_and_cleanly(tmp_path, capsys):
    calib, out = tmp_path / "calib", tmp_path / "bundle"
    calib.mkdir()
    code = main(["export", "sam", "--target", "onnx-int8", "--weights", "random:0", "--calib", str(calib), "-o", str(out)])
    assert code == 2
    assert "no images found" in capsys.readouterr().err
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["calib"]


def test_too_few_calibration_images(tmp_path, capsys):
    calib = tmp_path / "calib"
    calib.mkdir()
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(calib / "one.png")
    code = main(["export", "sam", "--target", "x86-int8", "--weights", "random:0", "--calib", str(calib),
                 "-o", str(tmp_path / "b")])
    assert code == 2 and "1 usable calibration image(s), at least 4 needed" in capsys.readouterr().err


def test_calib_on_a_float_preset_is_an_error_not_ignored(tmp_path, capsys):
    code = main(["export", "sam", "--target", "onnx-fp32", "--weights", "random:0", "--calib", str(tmp_path),
                 "-o", str(tmp_path / "b")])
    assert code == 2 and "--calib has no effect on onnx-fp32" in capsys.readouterr().err
