"""The OpenVINO engine pins the inference precision (f32 unless the bundle says otherwise), the
bundle applies the manifest's engine options, and the IR's .bin is hash-verified."""
import json

import numpy as np
import onnxruntime as ort
import pytest

ov = pytest.importorskip("openvino")

import edgevfm_runtime as rt  # noqa: E402
from edgevfm_runtime.engines import get_engine  # noqa: E402
from edgevfm_runtime.errors import BundleError  # noqa: E402
from edgevfm_runtime.hashing import sha256_path  # noqa: E402
from edgevfm_runtime.manifest import SCHEMA_VERSION  # noqa: E402

HAS_BF16 = "BF16" in ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")


@pytest.fixture(scope="module")
def tiny_ir(tiny_onnx, tmp_path_factory):
    d = tmp_path_factory.mktemp("ir")
    ov.save_model(ov.convert_model(str(tiny_onnx)), str(d / "encoder.xml"), compress_to_fp16=False)
    return d


def _bundle(d, *, target_opts=None, comp_opts=None):
    comp = {"file": "encoder.xml", "sha256": sha256_path(d / "encoder.xml"), "bytes": 1,
            "inputs": [{"name": "images", "dtype": "float32", "shape": [1, 3, 8, 8]}],
            "outputs": [{"name": "out", "dtype": "float32", "shape": [1, 64, 16]}],
            "extra_files": {"encoder.bin": sha256_path(d / "encoder.bin")}}
    if comp_opts:
        comp["engine_options"] = comp_opts
    target = {"preset": "x86-fp32", "engine": "openvino", "precision": "fp32"}
    if target_opts:
        target["engine_options"] = target_opts
    m = {"schema_version": SCHEMA_VERSION, "target": target, "components": {"encoder": comp},
         "model": {"name": "tiny", "family": "tiny", "variant": "t", "license": "x", "source": "x",
                   "weights": {"kind": "random", "id": "random:0", "random": True}},
         "preprocess": {"kind": "tiny", "steps": []}, "postprocess": {}, "provenance": {},
         "parity": {"reference": "none", "status": "passed", "gated": False}}
    (d / "manifest.json").write_text(json.dumps(m))
    return rt.open(d)


def test_default_is_f32_and_matches_onnxruntime(tiny_ir, tiny_onnx, tiny_feeds):
    sess = get_engine("openvino").session(tiny_ir / "encoder.xml", threads=1)
    assert sess.inference_precision == "f32" and "f32" in sess.engine
    ref = ort.InferenceSession(str(tiny_onnx), providers=["CPUExecutionProvider"]).run(None, tiny_feeds[0])[0]
    np.testing.assert_allclose(sess.run(tiny_feeds[0])["out"], ref, rtol=1e-4, atol=1e-4)


@pytest.mark.skipif(not HAS_BF16, reason="this CPU has no bf16 support in OpenVINO")
def test_bundle_applies_manifest_engine_options(tiny_ir):
    assert _bundle(tiny_ir, target_opts={"INFERENCE_PRECISION_HINT": "f32"}).session("encoder").inference_precision == "f32"
    b = _bundle(tiny_ir, target_opts={"INFERENCE_PRECISION_HINT": "f32"}, comp_opts={"INFERENCE_PRECISION_HINT": "bf16"})
    assert b.session("encoder").inference_precision == "bf16"  # the component's option wins
    # the caller's explicit option wins over the manifest
    assert b.session("encoder", INFERENCE_PRECISION_HINT="f32").inference_precision == "f32"
    # without any option the CPU plugin would pick bf16 here; the engine never leaves it implicit
    assert ov.Core().compile_model(str(tiny_ir / "encoder.xml"), "CPU").get_property(
        "INFERENCE_PRECISION_HINT").to_string() == "bf16"
    assert _bundle(tiny_ir).session("encoder").inference_precision == "f32"


def test_tampered_bin_is_detected(tiny_ir, tmp_path):
    import shutil

    d = tmp_path / "b"
    shutil.copytree(tiny_ir, d)
    _bundle(d)
    with open(d / "encoder.bin", "r+b") as fh:
        fh.seek(100)
        fh.write(b"\x00\x01\x02\x03")
    with pytest.raises(BundleError, match="encoder.bin has sha256"):
        rt.open(d)
