"""NNCF INT8 on a tiny model: recipe ignored scope honoured, float-kept layers listed, and the
fallback pass keeps recipe-listed blocks in float until the SQNR target holds, costing each step."""
import pytest

ov = pytest.importorskip("openvino")
pytest.importorskip("nncf")

from edgevfm.quantize.feeds import sqnr_db  # noqa: E402
from edgevfm.quantize.nncf_ov import nncf_quantize  # noqa: E402


def _sqnr(model, fp32, feeds):
    core = ov.Core()
    a, b = (core.compile_model(m, "CPU", {"INFERENCE_PRECISION_HINT": "f32"}) for m in (fp32, model))
    return min(sqnr_db(a(f)[0], b(f)[0]) for f in feeds)


def test_ignored_scope_and_float_kept(tiny_onnx, tiny_feeds):
    m = ov.convert_model(str(tiny_onnx))
    q, info = nncf_quantize(m, feeds=tiny_feeds, q={"keep_float": {"nodes": [r"blocks\.1/"]}}, emit=lambda s: None)
    kept = info["float_kept"]["nodes"]
    assert {"/blocks/blocks.1/fc1/MatMul", "/blocks/blocks.1/fc2/MatMul"} <= set(kept)
    assert not any("blocks.0" in n for n in kept)
    assert _sqnr(q, m, tiny_feeds[-2:]) > 20


def test_fallback_until_target(tiny_onnx, tiny_feeds):
    m = ov.convert_model(str(tiny_onnx))
    sens = {"enabled": True, "target_sqnr_db": 45, "validation_images": 2, "max_fallbacks": 3,
            "blocks": [r"/(blocks/blocks\.1)/", r"/(stem)/", r"/(blocks/blocks\.\d+)/"]}
    q, info = nncf_quantize(m, feeds=tiny_feeds, q={"sensitivity": sens}, emit=lambda s: None)
    s = info["sensitivity"]
    steps = s["fallbacks"]
    assert steps[0]["block"] == "blocks/blocks.1"  # recipe order: the known-sensitive block first
    assert s["reached"] == (steps[-1]["sqnr_db"] >= 45)
    assert steps[-1]["sqnr_db"] > s["all_int8"]["sqnr_db"]
    assert all("cost_ms" in st for st in steps)
    assert "/blocks/blocks.1/fc1/MatMul" in info["float_kept"]["nodes"]
    assert _sqnr(q, m, tiny_feeds[-2:]) == pytest.approx(steps[-1]["sqnr_db"], abs=0.1)


def test_float_layers_look_through_layout_ops():
    """A MatMul whose quantized input reaches it through Reshape/Transpose (attention's q/k/v) is not
    float; one fed straight from the float parameter is."""
    import numpy as np
    import openvino.opset13 as ops

    x = ops.parameter([1, 4, 8], np.float32, name="x")
    lo, hi = ops.constant(np.float32(-1)), ops.constant(np.float32(1))
    fq = ops.fake_quantize(x, lo, hi, lo, hi, 256)
    moved = ops.transpose(ops.reshape(fq, ops.constant(np.array([1, 8, 4], np.int64)), False),
                          ops.constant(np.array([0, 2, 1], np.int64)))
    w = ops.constant(np.ones((8, 3), np.float32))
    quantized = ops.matmul(moved, w, False, False)
    quantized.set_friendly_name("behind_layout")
    plain = ops.matmul(x, w, False, False)
    plain.set_friendly_name("float_input")
    model = ov.Model([quantized, plain], [x])
    from edgevfm.quantize.nncf_ov import float_layers

    assert float_layers(model) == ["float_input"]
