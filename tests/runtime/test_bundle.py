"""Opening bundles: schema validation, sha256 verification, clear errors on tampering."""
import json
import shutil

import pytest

import edgevfm_runtime as rt
from edgevfm_runtime.errors import BundleError, EngineUnavailable


@pytest.fixture
def bundle_copy(sam_bundle, tmp_path):
    dst = tmp_path / "b"
    shutil.copytree(sam_bundle, dst)
    return dst


def _edit_manifest(path, fn):
    m = json.loads((path / "manifest.json").read_text())
    fn(m)
    (path / "manifest.json").write_text(json.dumps(m))


def test_open_reports_components_and_random_weights(sam_bundle):
    b = rt.open(sam_bundle)
    assert set(b.components) == {"encoder", "decoder"}
    assert b.random_weights and b.manifest["model"]["weights"]["id"] == "random:0"
    assert b.manifest.parity.status == "passed" and b.manifest.parity.passed
    assert b.manifest["target"] == {**b.manifest["target"], "preset": "onnx-fp32", "engine": "onnxruntime"}


def test_tampered_model_file_is_rejected(bundle_copy):
    with open(bundle_copy / "decoder.onnx", "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(BundleError, match=r"decoder.onnx (has sha256 .* manifest says|is \d+ bytes but the manifest says)"):
        rt.open(bundle_copy)


def test_tampered_golden_is_rejected(bundle_copy):
    with open(bundle_copy / "golden.npz", "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(BundleError, match="golden.npz"):
        rt.open(bundle_copy)


def test_missing_component_file(bundle_copy):
    (bundle_copy / "encoder.onnx").unlink()
    with pytest.raises(BundleError, match="encoder.*missing"):
        rt.open(bundle_copy)


def test_not_a_bundle(tmp_path):
    with pytest.raises(BundleError, match="manifest.json is missing"):
        rt.open(tmp_path)
    with pytest.raises(BundleError, match="does not exist"):
        rt.open(tmp_path / "nope")


def test_malformed_manifest(bundle_copy):
    (bundle_copy / "manifest.json").write_text("{not json")
    with pytest.raises(BundleError, match="not valid JSON"):
        rt.open(bundle_copy)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda m: m.update(schema_version=99), "schema_version 99 is not supported"),
        (lambda m: m["model"].pop("weights"), "missing field model.weights"),
        (lambda m: m["components"]["encoder"].update(bytes="12"), "components.encoder.bytes must be int"),
        (lambda m: m["components"]["encoder"]["inputs"][0].update(dtype="float99"), "dtype 'float99'"),
        (lambda m: m["components"]["encoder"].update(file="../../etc/passwd"), "points outside the bundle"),
    ],
)
def test_invalid_manifest_fields_are_named(bundle_copy, edit, message):
    _edit_manifest(bundle_copy, edit)
    with pytest.raises(BundleError, match=message):
        rt.open(bundle_copy)


def test_unknown_engine_has_did_you_mean(sam_bundle):
    b = rt.open(sam_bundle)
    with pytest.raises(EngineUnavailable, match="did you mean 'onnxruntime'"):
        b.session("encoder", engine="onnxruntme")


def test_missing_component_name(sam_bundle):
    with pytest.raises(BundleError, match="no component 'text'"):
        rt.open(sam_bundle).session("text")


def test_zip_bundle_opens(sam_bundle, tmp_path, monkeypatch):
    monkeypatch.setenv("EDGEVFM_BUNDLE_CACHE", str(tmp_path / "cache"))  # not the user's cache
    archive = shutil.make_archive(str(tmp_path / "bundle"), "zip", root_dir=sam_bundle.parent, base_dir=sam_bundle.name)
    b = rt.open(archive)
    assert b.manifest["model"]["name"] == "sam"


def test_missing_engine_package_is_reported(sam_bundle, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *a, **k):
        if name == "onnxruntime" or name.startswith("onnxruntime."):
            raise ImportError("No module named 'onnxruntime'")
        return real_import(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    monkeypatch.delitem(__import__("sys").modules, "onnxruntime", raising=False)
    with pytest.raises(EngineUnavailable, match=r"pip install 'edgevfm-runtime\[onnx\]'"):
        rt.open(sam_bundle).session("encoder")


@pytest.mark.parametrize("parity, line", [
    ({"status": "not_verified", "verify_on": "macOS 13+ / iOS 16+ with Core ML"},
     "parity: not verified on this host (verify on macOS 13+ / iOS 16+ with Core ML) against"),
    ({"status": "failed", "failures": ["encoder.image_embeddings: sqnr_db = 3 (needs >= 35)"]}, "parity: FAILED against"),
    ({}, "parity: PASSED against"),
], ids=["not_verified", "failed", "passed"])
def test_info_states_the_parity_status(bundle_copy, capsys, parity, line):
    """`edgevfm-rt info` reads parity.status: a bundle whose engine could not run where it was exported
    (Core ML off macOS) is "not verified", never FAILED."""
    from edgevfm_runtime.cli import main

    _edit_manifest(bundle_copy, lambda m: m["parity"].update(parity))
    assert main(["info", str(bundle_copy)]) == 0
    out = capsys.readouterr().out
    assert line in out
    assert ("FAILED" in out) == (parity.get("status") == "failed")
