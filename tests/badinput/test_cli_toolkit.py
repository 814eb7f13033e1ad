"""Bad-input corpus: the ``edgevfm`` CLI. Every mistake a user can make on the command line is one
line on stderr and exit code 2, never a traceback; nothing is written. Run in-process (``main([...])``)."""
from __future__ import annotations

import pytest

from _cases_export import assert_one_line_error, fake_bundle, run_cli

EXPORT = ["export", "dinov2", "--target", "onnx-fp32", "--weights", "random:0"]


def _no_model(monkeypatch):
    from edgevfm.models.dinov2.family import DinoV2Family

    def built(*a, **k):
        raise AssertionError("a model was built before the bad input was noticed")

    monkeypatch.setattr(DinoV2Family, "load", built)


# (id, argv after "export dinov2 --target onnx-fp32 --weights random:0 -o OUT", words in the one-line error)
EXPORT_CASES = [
    ("unknown-model", ["export", "dinov3", "--target", "onnx-fp32"], ["unknown model 'dinov3'", "did you mean"]),
    ("unknown-target", ["export", "dinov2", "--target", "onnx-fp23"], ["unknown", "'onnx-fp23'", "did you mean 'onnx-fp32'"]),
    ("unknown-variant", [*EXPORT, "--variant", "vitl14"], ["unknown dinov2 variant 'vitl14'", "known:"]),
    ("unknown-clip-variant", ["export", "clip", "--target", "onnx-fp32", "--variant", "vit-b-99"], ["clip variant"]),
    ("weights-missing-file", ["export", "sam", "--target", "onnx-fp32", "--weights", "/nonexistent/sam.pt"],
     ["/nonexistent/sam.pt", "no such file"]),
    ("weights-bad-random-seed", [*EXPORT[:-1], "random:x"], ["'random:x'", "no such file", "random[:SEED]"]),
    ("set-without-equals", [*EXPORT, "--set", "input_size"], ["--set expects KEY=VALUE", "'input_size'"]),
    ("set-empty-key", [*EXPORT, "--set", "=3"], ["--set expects KEY=VALUE"]),
    ("set-unknown-key", [*EXPORT, "--set", "imput_size=224"], ["unknown recipe key 'imput_size'", "did you mean 'input_size'"]),
    ("set-unknown-nested-key", [*EXPORT, "--set", "quantize.methd=fp16"], ["'quantize.methd'", "did you mean 'method'"]),
    ("set-wrong-type", [*EXPORT, "--set", "quantize.per_channel=maybe"], ["'quantize.per_channel' must be bool", "maybe"]),
    ("set-bad-yaml", [*EXPORT, "--set", "parity.images=[chelsea"], ["--set 'parity.images=[chelsea'", "not a yaml"]),
    ("set-value-then-key", [*EXPORT, "--set", "export=1", "--set", "export.opset=17"], ["'export'", "cannot have keys"]),
    ("set-section-as-scalar", [*EXPORT, "--set", "quantize=int8"], ["quantize", "must be a mapping"]),
    ("set-input-size-string", [*EXPORT, "--set", "input_size=big"], ["'input_size' must be int or list", "big"]),
    ("recipe-missing", [*EXPORT, "--recipe", "/nonexistent/r.yaml"], ["/nonexistent/r.yaml", "not found"]),
    ("parity-target-on-unknown", ["export", "dinov2", "--target", "nope-int8", "--parity-target", "30"], ["unknown"]),
]


@pytest.mark.parametrize("case", EXPORT_CASES, ids=[c[0] for c in EXPORT_CASES])
def test_export_arguments(case, tmp_path, monkeypatch):
    _no_model(monkeypatch)
    _, argv, words = case
    out = tmp_path / "out"
    rc, _, err = run_cli([*argv, "-o", out])
    assert_one_line_error(rc, err, *words)
    assert list(tmp_path.iterdir()) == []


RECIPES = {
    "recipe-invalid-yaml": ("input_size: [224, 224\nvariant: vits14\n", ["is not valid yaml"]),
    "recipe-unknown-key": ("input_sise: 224\n", ["unknown recipe key 'input_sise'", "did you mean 'input_size'"]),
    "recipe-top-level-list": ("- 1\n- 2\n", ["must be a mapping", "list"]),
    "recipe-wrong-type": ("export: {opset: seventeen}\n", ["'export.opset' must be int", "seventeen"]),
    "recipe-binary": (b"\xff\xfe\x00\x81garbage", ["is not valid yaml"]),
}


@pytest.mark.parametrize("name", list(RECIPES))
def test_recipe_files(name, tmp_path, monkeypatch):
    _no_model(monkeypatch)
    text, words = RECIPES[name]
    recipe = tmp_path / "r.yaml"
    recipe.write_bytes(text if isinstance(text, bytes) else text.encode())
    rc, _, err = run_cli([*EXPORT, "--recipe", recipe, "-o", tmp_path / "out"])
    assert_one_line_error(rc, err, "r.yaml", *words)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.yaml"]


def test_recipe_that_is_a_folder(tmp_path, monkeypatch):
    _no_model(monkeypatch)
    rc, _, err = run_cli([*EXPORT, "--recipe", tmp_path, "-o", tmp_path / "out"])
    assert_one_line_error(rc, err, str(tmp_path), "is not a file")


def _calib(kind, tmp_path):
    d = tmp_path / "calib"
    if kind == "missing":
        return d, ["calib"]
    d.mkdir()
    if kind == "not-images":
        (d / "notes.txt").write_text("no images here")
        (d / "broken.jpg").write_bytes(b"not a jpeg")
        return d, ["usable calibration image", "at least"]
    if kind == "too-few":
        from PIL import Image

        Image.new("RGB", (64, 48), (10, 200, 30)).save(d / "one.png")
        return d, ["1 usable calibration image", "at least"]
    return d, ["calib"]  # empty


@pytest.mark.parametrize("kind", ["missing", "empty", "not-images", "too-few"])
def test_calibration_folder(kind, tmp_path, monkeypatch):
    _no_model(monkeypatch)
    folder, words = _calib(kind, tmp_path)
    rc, _, err = run_cli(["export", "dinov2", "--target", "onnx-int8", "--weights", "random:0", "--calib", folder,
                          "-o", tmp_path / "out"])
    assert_one_line_error(rc, err, *words)
    assert not (tmp_path / "out").exists()


def test_calib_on_an_uncalibrated_target(tmp_path, monkeypatch):
    _no_model(monkeypatch)
    rc, _, err = run_cli([*EXPORT, "--calib", tmp_path, "-o", tmp_path / "out"])
    assert_one_line_error(rc, err, "--calib has no effect on onnx-fp32")


def test_input_size_that_is_not_a_multiple_of_the_patch(tmp_path):
    # noticed once the model exists (its patch size decides), still one line, and no scratch folder left
    rc, _, err = run_cli([*EXPORT, "--set", "input_size=15", "-o", tmp_path / "out"])
    assert_one_line_error(rc, err, "input_size 15x15", "multiples of the patch size 14", "--set input_size=14")
    assert list(tmp_path.iterdir()) == []


def _dest(kind, tmp_path):
    if kind == "user-folder":
        d = tmp_path / "proj"
        d.mkdir()
        (d / "thesis.tex").write_text("years of work")
        return d, ["folder with files", "never replaces it"]
    if kind == "file":
        f = tmp_path / "model.onnx"
        f.write_bytes(b"mine")
        return f, ["is a file"]
    if kind == "parent-is-file":
        (tmp_path / "f").write_text("x")
        return tmp_path / "f" / "b", ["is a file, not a folder"]
    if kind == "symlink":
        (tmp_path / "real").mkdir()
        (tmp_path / "link").symlink_to(tmp_path / "real")
        return tmp_path / "link", ["symlink"]
    if kind == "bundle-without-force":
        return fake_bundle(tmp_path / "b"), ["already holds an edgevfm bundle", "--force"]
    if kind == "root":
        return "/", ["not a folder name"]
    if kind == "empty-string":
        return "", ["not a folder name"]
    if kind == "name-too-long":
        return tmp_path / ("x" * 300), ["name too long"]
    raise ValueError(kind)


@pytest.mark.parametrize("kind", ["user-folder", "file", "parent-is-file", "symlink", "bundle-without-force", "root",
                                  "empty-string", "name-too-long"])
def test_output_paths(kind, tmp_path, monkeypatch):
    _no_model(monkeypatch)
    dest, words = _dest(kind, tmp_path)
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    rc, _, err = run_cli([*EXPORT, "-o", dest])
    assert_one_line_error(rc, err, "-o", *words)
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


@pytest.mark.parametrize("argv, words", [
    (["bench", "b", "--runs", "0"], ["--runs", "must be at least 1, got 0"]),
    (["bench", "b", "--runs", "-5"], ["--runs", "must be at least 1, got -5"]),
    (["bench", "b", "--warmup", "-1"], ["--warmup", "must be at least 0, got -1"]),
    (["bench", "b", "--runs", "ten"], ["--runs", "'ten' is not a whole number"]),
    (["bench"], ["give BUNDLE"]),
], ids=["runs-0", "runs-negative", "warmup-negative", "runs-not-a-number", "nothing-to-bench"])
def test_bench_arguments(argv, words):
    rc, _, err = run_cli(argv)
    assert_one_line_error(rc, err, *words)


def _non_bundle(kind, tmp_path):
    if kind == "missing":
        return tmp_path / "nope"
    if kind == "empty-folder":
        return tmp_path
    if kind == "user-folder":
        (tmp_path / "a.txt").write_text("x")
        return tmp_path
    if kind == "file":
        (tmp_path / "x.onnx").write_bytes(b"\x08\x01")
        return tmp_path / "x.onnx"
    if kind == "manifest-is-a-folder":
        (tmp_path / "manifest.json").mkdir()
        return tmp_path
    if kind == "manifest-not-json":
        (tmp_path / "manifest.json").write_text("{oops")
        return tmp_path
    raise ValueError(kind)


@pytest.mark.parametrize("command", ["check", "run"])
@pytest.mark.parametrize("kind", ["missing", "empty-folder", "user-folder", "file", "manifest-is-a-folder",
                                  "manifest-not-json"])
def test_check_and_run_on_a_non_bundle(command, kind, tmp_path):
    path = _non_bundle(kind, tmp_path)
    rc, _, err = run_cli([command, path] + (["chelsea"] if command == "run" else []))
    assert_one_line_error(rc, err, path.name)


@pytest.mark.parametrize("argv, words", [
    ([], ["required"]),
    (["exportt", "sam"], ["invalid choice", "exportt"]),
    (["export", "sam"], ["--target", "required"]),
    ([*EXPORT, "--parity-target", "high"], ["--parity-target", "invalid float value"]),
    (["list", "bundles"], ["invalid choice", "bundles"]),
], ids=["no-command", "misspelt-command", "no-target", "parity-target-not-a-number", "list-what"])
def test_usage_errors_are_one_line(argv, words):
    rc, _, err = run_cli(argv)
    assert_one_line_error(rc, err, *words, "--help")


def test_debug_shows_the_traceback():
    from edgevfm.cli.main import main
    from edgevfm.registry import UnknownName

    with pytest.raises(UnknownName):
        main(["--debug", "export", "dinov3", "--target", "onnx-fp32"])


def test_a_bug_is_one_line_exit_1_pointing_at_debug(monkeypatch):
    from edgevfm.cli import main as cli

    def bug(args):
        return {}["oops"]

    monkeypatch.setattr(cli, "cmd_list", bug)
    rc, _, err = run_cli(["list", "models"])
    assert_one_line_error(rc, err, "internal error: KeyError", "--debug", code=1)


def test_an_os_error_is_one_line(monkeypatch, tmp_path):
    from edgevfm.cli import main as cli

    def io_problem(args):
        return open(tmp_path / "missing" / "x")

    monkeypatch.setattr(cli, "cmd_list", io_problem)
    rc, _, err = run_cli(["list", "models"])
    assert_one_line_error(rc, err, "missing/x", "No such file or directory")
