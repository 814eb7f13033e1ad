"""The bundle check: passes on a correct bundle, fails (naming the output) on a perturbed one."""
import shutil

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

import edgevfm_runtime as rt
from edgevfm_runtime.check import run_check
from edgevfm_runtime.hashing import sha256_path


def test_check_passes_on_exported_bundle(sam_bundle):
    report = run_check(rt.open(sam_bundle))
    assert report.passed, report.failed
    enc = report.components["encoder"]["image_embeddings"]
    assert enc["sqnr_db"] > 60 and enc["cosine"] > 0.99999
    assert report.task["mask_iou"] >= 0.99


def test_check_fails_on_perturbed_weights(sam_bundle, tmp_path):
    dst = tmp_path / "b"
    shutil.copytree(sam_bundle, dst)
    model = onnx.load(dst / "encoder.onnx")
    rng = np.random.default_rng(0)
    for init in model.graph.initializer:  # 1 % multiplicative noise on every float weight
        w = numpy_helper.to_array(init)
        if w.dtype == np.float32 and w.size > 1:
            init.CopyFrom(numpy_helper.from_array(w * (1 + 0.01 * rng.standard_normal(w.shape, np.float32)), init.name))
    onnx.save(model, dst / "encoder.onnx")
    # Re-sign so the hash check passes and only parity can catch it.
    import json

    m = json.loads((dst / "manifest.json").read_text())
    m["components"]["encoder"]["sha256"] = sha256_path(dst / "encoder.onnx")
    (dst / "manifest.json").write_text(json.dumps(m))
    report = run_check(rt.open(dst))
    assert not report.passed
    assert any(f.startswith("encoder.image_embeddings") for f in report.failed), report.failed
