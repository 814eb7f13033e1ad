"""`edgevfm-rt` never shows a traceback: bad bundles, damaged model files, bad outputs and bad
numbers are one line on stderr and exit code 2, and output problems are found before inference."""
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from edgevfm_runtime.cli import main

from _cases_bundle import bcopy, edit, no_hang, own, rehash  # noqa: F401 - fixtures

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def photo(tmp_path_factory):
    p = tmp_path_factory.mktemp("img") / "photo.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 96, 3), dtype=np.uint8)).save(p)
    return p


def _one_line_error(capsys, argv, message, code=2):
    with no_hang(120):
        rc = main([str(a) for a in argv])
    err = capsys.readouterr().err.strip().splitlines()
    err = [line for line in err if not line.startswith("warning:")]
    assert rc == code, err
    assert len(err) == 1 and err[0].startswith("error: ") and "Traceback" not in err[0], err
    assert message in err[0] or re.search(message, err[0]), err
    return err[0]


@pytest.fixture
def no_inference(monkeypatch):
    """A run that reaches the predictor fails the test: output checks must come first."""
    from edgevfm_runtime.apps import sam_app

    def boom(*a, **k):
        raise AssertionError("inference started before the output was checked")
    monkeypatch.setattr(sam_app, "SamPredictor", boom)


@pytest.mark.parametrize("output, message", [
    ("mask", "give a name ending in .png"),
    ("mask.jpg", "give a name ending in .png"),
    ("missing/dir/mask.png", "does not exist"),
    ("afile.txt/mask.png", "does not exist (or is not a folder)"),
    ("adir", "give a name ending in .png"),
    ("adir.png", "is a folder"),
    ("/proc/mask.png", "cannot write in /proc"),
], ids=["no extension", "wrong extension", "missing folder", "parent is a file", "folder", "folder.png", "read-only"])
def test_run_output_checked_before_inference(bcopy, photo, tmp_path, capsys, no_inference, output, message):
    (tmp_path / "afile.txt").write_text("x")
    (tmp_path / "adir").mkdir()
    (tmp_path / "adir.png").mkdir()
    out = output if output.startswith("/") else tmp_path / output
    _one_line_error(capsys, ["run", bcopy, photo, "-o", out], message)


def _truncate(b):
    own(b / "encoder.onnx")
    with open(b / "encoder.onnx", "r+b") as fh:
        fh.truncate(4096)


def _garbage(b):
    (b / "encoder.onnx").unlink()
    (b / "encoder.onnx").write_bytes(os.urandom(5000))


def _swap(b):
    os.replace(b / "encoder.onnx", b / "tmp")
    os.replace(b / "decoder.onnx", b / "encoder.onnx")
    os.replace(b / "tmp", b / "decoder.onnx")


def _empty(b):
    (b / "encoder.onnx").unlink()
    (b / "encoder.onnx").write_bytes(b"")


MODEL_CASES = [
    ("truncated", _truncate, "onnxruntime cannot load .*encoder.onnx"),
    ("garbage", _garbage, "onnxruntime cannot load .*encoder.onnx"),
    ("empty", _empty, "onnxruntime cannot load .*encoder.onnx"),
    ("swapped", _swap, "encoder.onnx takes inputs .* swapped or wrong model file"),
]


@pytest.mark.parametrize("damage, message", [c[1:] for c in MODEL_CASES], ids=[c[0] for c in MODEL_CASES])
def test_damaged_model_files_with_recomputed_hashes(bcopy, photo, tmp_path, capsys, damage, message):
    damage(bcopy)
    rehash(bcopy)
    _one_line_error(capsys, ["run", bcopy, photo, "-o", tmp_path / "m.png"], message)
    assert not (tmp_path / "m.png").exists()


def test_damaged_model_file_api_error_names_the_file(bcopy):
    import edgevfm_runtime as rt
    from edgevfm_runtime.errors import BundleError

    _garbage(bcopy)
    rehash(bcopy)
    with pytest.raises(BundleError, match="encoder.onnx") as exc:
        rt.open(bcopy).session("encoder")
    assert exc.value.__cause__ is not None  # the engine's own error stays reachable for debugging


@pytest.mark.parametrize("edit_fn, message", [
    (lambda m: m["components"]["decoder"].update(host_outputs={"masks": "sam_teleport"}), "unknown host op 'sam_teleport'"),
    (lambda m: m["components"]["encoder"].update(host_outputs={"masks": "sam_upscale_masks"}),
     r"components.encoder.host_outputs.masks: op 'sam_upscale_masks' needs model output\(s\) \['low_res_masks'\]"),
    (lambda m: m["components"]["encoder"].update(engine_options={"bogus_option": 1}), "engine_options .* does not take"),
    (lambda m: m["target"].update(engine_options={"providers": ["NoSuchExecutionProvider"]}),
     r"providers \['NoSuchExecutionProvider'\] is available"),
    (lambda m: m["target"].update(engine="onnxruntimes"), "unknown engine 'onnxruntimes'"),
], ids=["unknown host op", "host op on the wrong model", "unknown engine option", "bad engine option value", "unknown engine"])
def test_bad_manifest_runtime_fields(bcopy, photo, tmp_path, capsys, edit_fn, message):
    edit(bcopy, edit_fn)
    _one_line_error(capsys, ["run", bcopy, photo, "-o", tmp_path / "m.png"], message)


@pytest.mark.parametrize("argv, message", [
    (["bench", "B", "--runs", "0"], "must be at least 1"),
    (["bench", "B", "--runs", "-5"], "must be at least 1"),
    (["bench", "B", "--runs", "many"], "is not a whole number"),
    (["bench", "B", "--warmup", "-1"], "must be at least 0"),
], ids=["runs 0", "runs negative", "runs text", "warmup negative"])
def test_bench_numbers_are_usage_errors(capsys, argv, message):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2 and message in capsys.readouterr().err


def _npz_object(p):
    np.savez(p, **{"encoder/0/out/x": np.array([object()], dtype=object)})


@pytest.mark.parametrize("make, message", [
    (_npz_object, "holds object arrays"),
    (lambda p: p.write_bytes(b"garbage"), "is not a valid .npz"),
    (lambda p: __import__("pickle").dump({"a": 1}, open(p, "wb")), "is not a valid .npz .*pickled data"),
    (lambda p: p.mkdir(), "is not a regular file"),
    (lambda p: os.mkfifo(p), "is not a regular file"),
    (lambda p: None, "no such file"),
], ids=["object array", "garbage", "pickle", "folder", "fifo", "missing"])
def test_check_load_outputs(bcopy, tmp_path, capsys, make, message):
    p = tmp_path / "ref.npz"
    make(p)
    _one_line_error(capsys, ["check", bcopy, "--load-outputs", p], message)


@pytest.mark.parametrize("cmd", ["info", "check", "run"])
def test_golden_object_array_or_bad_manifest_via_cli(bcopy, photo, tmp_path, capsys, cmd):
    (bcopy / "manifest.json").unlink()
    (bcopy / "manifest.json").mkdir()
    argv = {"info": ["info", bcopy], "check": ["check", bcopy], "run": ["run", bcopy, photo, "-o", tmp_path / "m.png"]}
    _one_line_error(capsys, argv[cmd], "manifest.json is a folder")


def test_check_golden_with_object_arrays(bcopy, capsys):
    (bcopy / "golden.npz").unlink()
    np.savez(bcopy / "golden.npz", x=np.array([1, "a"], dtype=object))
    rehash(bcopy)
    _one_line_error(capsys, ["check", bcopy], "golden.npz holds object arrays")


def test_unreadable_image_is_one_line(bcopy, tmp_path, capsys):
    img = tmp_path / "img.png"
    img.mkdir()
    line = _one_line_error(capsys, ["run", bcopy, img, "-o", tmp_path / "m.png"], "img.png")
    assert "Traceback" not in line


@pytest.mark.parametrize("cmd", ["info", "check"])
def test_subprocess_hang_and_traceback_free(bcopy, cmd):
    """The real entry point, with golden.npz a symlink to /dev/zero: no hang, one line, exit 2."""
    (bcopy / "golden.npz").unlink()
    (bcopy / "golden.npz").symlink_to("/dev/zero")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "runtime")])}
    proc = subprocess.run([sys.executable, "-m", "edgevfm_runtime.cli", cmd, str(bcopy)], capture_output=True,
                          text=True, timeout=120, env=env)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and "outside the bundle" in proc.stderr
