"""Bad-input corpus: SAM prompts on the command line (`edgevfm-rt run --point X,Y[,LABEL] --box …`)."""
import re

import numpy as np
import pytest
from PIL import Image

from edgevfm_runtime.apps.sam_app import parse_box, parse_point
from edgevfm_runtime.cli import main
from edgevfm_runtime.errors import InputError


@pytest.mark.parametrize("text, point, label", [
    ("10,20", (10.0, 20.0), 1), ("10,20,1", (10.0, 20.0), 1), ("10,20,0", (10.0, 20.0), 0),
    ("10.5,20.25,1.0", (10.5, 20.25), 1), (" 3 , 4 , 0 ", (3.0, 4.0), 0),
])
def test_points_parse(text, point, label):
    assert parse_point(text) == (point, label)


@pytest.mark.parametrize("text, message", [
    ("10,10,0.7", r"LABEL must be 0 \(background\) or 1 \(foreground\), got 0.7"),
    ("10,10,2", "LABEL must be 0"),
    ("10,10,-1", "LABEL must be 0"),
    ("10", r"expects X,Y\[,LABEL\]"),
    ("1,2,1,0", r"expects X,Y\[,LABEL\]"),
    ("a,b", r"expects X,Y\[,LABEL\]"),
    ("nan,5", r"expects X,Y\[,LABEL\]"),
    ("5,inf", r"expects X,Y\[,LABEL\]"),
    ("", r"expects X,Y\[,LABEL\]"),
    ("10,10,nan", r"expects X,Y\[,LABEL\]"),
])
def test_bad_points(text, message):
    with pytest.raises(InputError, match=message):
        parse_point(text)


@pytest.mark.parametrize("text", ["1,2,3", "1,2,3,4,5", "0,0,nan,4", "x,0,1,1", ""])
def test_bad_boxes(text):
    with pytest.raises(InputError, match=r"--box expects X0,Y0,X1,Y1"):
        parse_box(text)


def test_cli_label_error_is_one_line_exit_2(sam_bundle, tmp_path, capsys):
    img = tmp_path / "p.png"
    Image.fromarray(np.zeros((20, 30, 3), np.uint8)).save(img)
    code = main(["run", str(sam_bundle), str(img), "--point", "10,10,0.7", "-o", str(tmp_path / "m.png")])
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error:")]  # (a random-weights warning may precede)
    assert code == 2 and len(errors) == 1 and "LABEL must be 0" in errors[0] and "Traceback" not in err
    assert not (tmp_path / "m.png").exists()


@pytest.mark.parametrize("args, message", [
    (["--point", "40,5"], r"point \(40, 5\) lies outside the 30x20 image"),
    (["--box", "0,0,31,10"], "extends outside the 30x20 image"),
    (["--box", "10,10,5,5"], "x0 <= x1"),
])
def test_cli_prompt_outside_fails_before_the_encoder(sam_bundle, tmp_path, capsys, monkeypatch, args, message):
    from edgevfm_runtime.sam import SamPredictor

    monkeypatch.setattr(SamPredictor, "embed", lambda *a, **k: pytest.fail("the encoder ran on a bad prompt"))
    img = tmp_path / "p.png"
    Image.fromarray(np.zeros((20, 30, 3), np.uint8)).save(img)
    assert main(["run", str(sam_bundle), str(img), *args, "-o", str(tmp_path / "m.png")]) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and re.search(message, errors[0])


def test_cli_too_thin_image(sam_bundle, tmp_path, capsys):
    img = tmp_path / "thin.png"
    Image.fromarray(np.zeros((1, 5000, 3), np.uint8)).save(img)
    assert main(["run", str(sam_bundle), str(img), "-o", str(tmp_path / "m.png")]) == 2
    assert "too thin for SAM" in capsys.readouterr().err
